import type { ActionCard } from '../../actions/service.js';
import { ShareLinks } from '../../core/web/share.js';
import type { ContentImage } from '../images/service.js';
import { Picture } from '../images/views.js';
import type { Category, PublishedUpdate, UpdateSummary } from './service.js';

// The public pages of updates: the list (all, or one category's), and one update with its related actions beside
// it. A content warning comes first, with the update behind a <details> the reader opens (no JavaScript needed),
// and a listing shows the warning instead of the image, so nobody meets the picture before the warning.

/** An update's date as the organisation's readers say it: "5 December 2026". */
export function formatDay(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(ms));
}

function DateLine({ ms, timeZone }: { ms: number; timeZone: string }) {
  return <time dateTime={new Date(ms).toISOString()}>{formatDay(ms, timeZone)}</time>;
}

function CategoryLinks({ categories }: { categories: UpdateSummary['categories'] }) {
  if (categories.length === 0) return null;
  return (
    <p class="update-categories">
      <span class="visually-hidden">Categories: </span>
      {categories.map((c, i) => (
        <>
          {i > 0 && ', '}
          <a key={c.id} href={`/categories/${c.slug}`}>
            {c.name}
          </a>
        </>
      ))}
    </p>
  );
}

function WarningLine({ warning }: { warning: NonNullable<UpdateSummary['warning']> }) {
  return (
    <p class="content-warning-line">
      <strong>Content warning:</strong> {warning.reason}
    </p>
  );
}

function UpdateCard({ u, timeZone, image }: { u: UpdateSummary; timeZone: string; image?: ContentImage | undefined }) {
  return (
    <li class={image && !u.warning ? 'card update-card with-image' : 'card update-card'}>
      {/* With a warning, the warning takes the image's place: a listing never shows what the warning is about. */}
      {image && !u.warning && (
        <Picture image={image} alt={u.featuredImageAlt || undefined} sizes="(min-width: 60rem) 22rem, 100vw" class="card-image" />
      )}
      <h2>
        <a href={u.url}>{u.title}</a>
      </h2>
      <p class="byline">
        <DateLine ms={u.publishedAt} timeZone={timeZone} />
      </p>
      {u.warning && <WarningLine warning={u.warning} />}
      {u.excerpt && <p>{u.excerpt}</p>}
      <CategoryLinks categories={u.categories} />
    </li>
  );
}

/** Links to the previous and next pages of a list (page 1 has no number in its address). */
export function Pager({ base, page, pages }: { base: string; page: number; pages: number }) {
  if (pages <= 1) return null;
  return (
    <nav class="pager" aria-label="Pages">
      {page > 1 && (
        <a href={pageHref(base, page - 1)} rel="prev">
          Newer updates
        </a>
      )}
      <span>
        Page {page} of {pages}
      </span>
      {page < pages && (
        <a href={pageHref(base, page + 1)} rel="next">
          Older updates
        </a>
      )}
    </nav>
  );
}

/** The address of one page of a list. */
export const pageHref = (base: string, page: number) => (page <= 1 ? base : `${base}?page=${page}`);

/** A list of updates: all of them, or one category's. */
export function UpdatesListView(p: {
  heading: string;
  intro?: string | undefined;
  items: readonly UpdateSummary[];
  page: number;
  pages: number;
  base: string;
  timeZone: string;
  images?: ReadonlyMap<number, ContentImage> | undefined;
}) {
  return (
    <section class="updates">
      <h1>{p.heading}</h1>
      {p.intro && <p class="lede">{p.intro}</p>}
      {p.items.length === 0 ? (
        <p>{p.page > 1 ? 'There are no more updates.' : 'There are no updates yet.'}</p>
      ) : (
        <ul class="cards update-list">
          {p.items.map((u) => (
            <UpdateCard
              key={u.id}
              u={u}
              timeZone={p.timeZone}
              image={u.featuredImageId === null ? undefined : p.images?.get(u.featuredImageId)}
            />
          ))}
        </ul>
      )}
      <Pager base={p.base} page={p.page} pages={p.pages} />
    </section>
  );
}

function RelatedActions({ actions }: { actions: readonly ActionCard[] }) {
  if (actions.length === 0) return null;
  return (
    <aside class="update-aside" aria-labelledby="related-actions-title">
      <h2 id="related-actions-title">Take action</h2>
      <ul class="plain-list related-actions">
        {actions.map((a) => (
          <li key={a.id} class="card">
            <h3>
              <a href={a.url}>{a.title}</a>
            </h3>
            <p class="byline">
              {a.count.toLocaleString('en-GB')} {a.count === 1 ? a.noun[0] : a.noun[1]}
              {a.open ? '' : ' · closed'}
            </p>
            {a.open && a.summary && <p>{a.summary}</p>}
          </li>
        ))}
      </ul>
    </aside>
  );
}

/** One update's page; with `preview`, the private preview of a draft (marked as such). */
export function UpdatePageView(p: {
  update: PublishedUpdate;
  timeZone: string;
  actions: readonly ActionCard[];
  preview?: { status: string } | undefined;
  /** The update's whole public address, for the share links (none on a preview). */
  shareUrl?: string | undefined;
  image?: ContentImage | undefined;
}) {
  const u = p.update;
  const picture = p.image && <Picture image={p.image} alt={u.featuredImageAlt || undefined} class="update-image" eager={!u.warning} />;
  const body = <div class="prose" dangerouslySetInnerHTML={{ __html: u.html }} />;
  return (
    <div class={p.actions.length > 0 ? 'update-layout' : undefined}>
      <article class="update">
        {p.preview && (
          <div class="notice notice-warning" role="note">
            <p>
              {`This is a private preview. The update is ${p.preview.status === 'scheduled' ? 'scheduled, not yet published' : 'not published'}; only people with this link can see it.`}
            </p>
          </div>
        )}
        <h1>{u.title}</h1>
        <p class="byline">
          <DateLine ms={u.publishedAt} timeZone={p.timeZone} />
          {u.authorName && <> · By {u.authorName}</>}
        </p>
        <CategoryLinks categories={u.categories} />
        {u.tags.length > 0 && (
          <ul class="tag-list update-tags" aria-label="Tags">
            {u.tags.map((t) => (
              <li key={t}>{t}</li>
            ))}
          </ul>
        )}
        {u.warning ? (
          <>
            <section class="notice notice-warning content-warning" aria-labelledby="content-warning-title">
              <h2 id="content-warning-title">Content warning: {u.warning.reason}</h2>
              {u.warning.text && <p>{u.warning.text}</p>}
            </section>
            <details class="content-behind-warning">
              <summary>Show the update</summary>
              {picture}
              {u.excerpt && <p class="lede">{u.excerpt}</p>}
              {body}
            </details>
          </>
        ) : (
          <>
            {picture}
            {u.excerpt && <p class="lede">{u.excerpt}</p>}
            {body}
          </>
        )}
        {p.shareUrl && <ShareLinks url={p.shareUrl} title={u.title} heading="Share this update" />}
      </article>
      <RelatedActions actions={p.actions} />
    </div>
  );
}

/** A category's page: its description and its updates. */
export function CategoryView(p: {
  category: Category;
  items: readonly UpdateSummary[];
  page: number;
  pages: number;
  timeZone: string;
  images?: ReadonlyMap<number, ContentImage> | undefined;
}) {
  return (
    <UpdatesListView
      heading={p.category.name}
      intro={p.category.description}
      items={p.items}
      page={p.page}
      pages={p.pages}
      base={p.category.url}
      timeZone={p.timeZone}
      images={p.images}
    />
  );
}
