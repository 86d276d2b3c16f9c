import type { Campaign } from '../../actions/service.js';
import { CsrfField, ErrorSummary, Field, FileField, Notice, Select, TableWrap, TextArea } from '../../core/web/components.js';
import { ShareLinks } from '../../core/web/share.js';
import { RESOURCE_TYPES_IN_WORDS, sizeInWords, type Resource, type ResourceType } from './service.js';

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

const day = (d: string) =>
  new Date(`${d}T12:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

/** What the file is, in words: "PDF, 1.2 MB, 8 pages". */
export function fileLine(r: Resource): string {
  return [r.fileWords, sizeInWords(r.byteSize), r.pageCount ? `${r.pageCount} ${r.pageCount === 1 ? 'page' : 'pages'}` : '']
    .filter(Boolean)
    .join(', ');
}

/** A resource as a card in a list (the library, a campaign's page). */
export function ResourceCard({ r, headingLevel = 2 }: { r: Resource; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  return (
    <li class="card resource-card">
      <p class="resource-type">{RESOURCE_TYPES_IN_WORDS[r.type]}</p>
      <H>
        <a href={r.url}>{r.title}</a>
      </H>
      <p class="byline">
        <time dateTime={r.publishedOn}>{day(r.publishedOn)}</time> · {fileLine(r)}
      </p>
      {r.summary && <p>{r.summary}</p>}
    </li>
  );
}

/** The library: filters (a plain form), the resources, pages. */
export function ResourcesView(p: {
  items: Resource[];
  total: number;
  page: number;
  pages: number;
  years: number[];
  campaigns: Campaign[];
  filter: { type?: string | undefined; campaign?: string | undefined; year?: string | undefined };
  pageHref: (page: number) => string;
}) {
  return (
    <section class="resources">
      <h1>Resources</h1>
      <p class="lede">Briefing papers, resource packs, submissions and reports to read, download and share.</p>
      <form method="get" action="/resources" class="filters" aria-label="Filter the resources">
        <Select
          name="type"
          label="Type"
          value={p.filter.type}
          options={[
            { value: '', label: 'Every type' },
            ...Object.entries(RESOURCE_TYPES_IN_WORDS).map(([value, label]) => ({ value, label })),
          ]}
        />
        <Select
          name="campaign"
          label="Campaign"
          value={p.filter.campaign}
          options={[{ value: '', label: 'Every campaign' }, ...p.campaigns.map((c) => ({ value: c.slug, label: c.title }))]}
        />
        <Select
          name="year"
          label="Year"
          value={p.filter.year}
          options={[{ value: '', label: 'Every year' }, ...p.years.map((y) => ({ value: String(y), label: String(y) }))]}
        />
        <button type="submit">Show resources</button>
      </form>
      <p role="status">
        {p.total === 0 ? 'No resources match.' : p.total === 1 ? 'One resource.' : `${p.total.toLocaleString('en-GB')} resources.`}
      </p>
      {p.items.length > 0 && (
        <ul class="cards resource-list">
          {p.items.map((r) => (
            <ResourceCard key={r.id} r={r} />
          ))}
        </ul>
      )}
      {p.pages > 1 && (
        <nav class="pager" aria-label="Pages">
          {p.page > 1 && (
            <a href={p.pageHref(p.page - 1)} rel="prev">
              Newer resources
            </a>
          )}
          <span>
            Page {p.page} of {p.pages}
          </span>
          {p.page < p.pages && (
            <a href={p.pageHref(p.page + 1)} rel="next">
              Older resources
            </a>
          )}
        </nav>
      )}
    </section>
  );
}

/** A video resource played on the page (its own download, from this site), with a link for browsers that cannot play it. */
export function ResourceVideo(p: { video: { src: string; type: string }; downloadHref: string }) {
  return (
    <video class="resource-video" controls preload="metadata">
      <source src={p.video.src} type={p.video.type} />
      <p>
        Your browser cannot play this video here: <a href={p.downloadHref}>download it</a> to watch it.
      </p>
    </video>
  );
}

/** One resource: what it is, the video when it is one, and the button to download it. */
export function ResourceView(p: { r: Resource; campaign?: Campaign | undefined; shareUrl: string }) {
  const r = p.r;
  return (
    <article class="resource">
      <p class="resource-type">{RESOURCE_TYPES_IN_WORDS[r.type]}</p>
      <h1>{r.title}</h1>
      <p class="byline">
        <time dateTime={r.publishedOn}>{day(r.publishedOn)}</time>
        {p.campaign && (
          <>
            {' · '}
            <a href={`/campaigns/${p.campaign.slug}`}>{p.campaign.title}</a>
          </>
        )}
      </p>
      {r.summary && <p class="lede">{r.summary}</p>}
      {r.video && <ResourceVideo video={r.video} downloadHref={`${r.url}/download`} />}
      <p>
        <a class="button" href={`${r.url}/download`} download>
          Download <span class="visually-hidden">{r.title}</span> ({fileLine(r)})
        </a>
      </p>
      <ShareLinks url={p.shareUrl} title={r.title} heading="Share this resource" />
    </article>
  );
}

/** The staff page of the library: add a resource, and every resource with its downloads. */
export function ResourcesAdminView(p: {
  csrf: string;
  items: Array<Resource & { downloads: number }>;
  campaigns: Campaign[];
  values: Values;
  errors: Errors;
  notice?: string | undefined;
  maxMb: number;
}) {
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Resources</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.items.length === 0 ? (
        <p>No resources yet.</p>
      ) : (
        <TableWrap label="Resources">
          <table>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">Type</th>
                <th scope="col">Date</th>
                <th scope="col">On the website</th>
                <th scope="col">Downloads</th>
              </tr>
            </thead>
            <tbody>
              {p.items.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`/admin/content/resources/${r.id}`}>{r.title}</a>
                  </td>
                  <td>{RESOURCE_TYPES_IN_WORDS[r.type]}</td>
                  <td>{day(r.publishedOn)}</td>
                  <td>{r.status === 'published' ? 'Published' : 'Draft'}</td>
                  <td>{r.downloads.toLocaleString('en-GB')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Add a resource</h2>
      <ResourceForm
        action="/admin/content/resources"
        csrf={p.csrf}
        campaigns={p.campaigns}
        values={p.values}
        errors={p.errors}
        maxMb={p.maxMb}
        fileRequired
      />
    </>
  );
}

/** The form of a resource's details and file (adding one, or changing one). */
export function ResourceForm(p: {
  action: string;
  csrf: string;
  campaigns: Campaign[];
  values: Values;
  errors: Errors;
  maxMb: number;
  fileRequired: boolean;
}) {
  const v = p.values;
  return (
    <form method="post" action={p.action} enctype="multipart/form-data" class="form" noValidate>
      <CsrfField token={p.csrf} />
      <ErrorSummary errors={p.errors} />
      <FileField
        name="file"
        label={p.fileRequired ? 'File' : 'Replace the file (optional)'}
        accept=".pdf,.docx,.odt,.png,.jpg,.jpeg,.webp,.mp4,.webm"
        hint={`A PDF, a Word or OpenDocument document, a PNG, JPEG or WebP image, or an MP4 or WebM video, up to ${p.maxMb} MB.`}
        error={p.errors?.file}
      />
      <Field name="title" label="Title" value={v.title} error={p.errors?.title} maxLength={200} required />
      <TextArea
        name="summary"
        label="Summary"
        rows={3}
        value={v.summary}
        error={p.errors?.summary}
        maxLength={1000}
        hint="One or two sentences shown in lists and search results."
      />
      <Select
        name="type"
        label="Type"
        value={v.type}
        error={p.errors?.type}
        options={Object.entries(RESOURCE_TYPES_IN_WORDS).map(([value, label]) => ({ value, label }))}
      />
      <Field
        name="publishedOn"
        type="date"
        label="Date"
        value={v.publishedOn}
        error={p.errors?.publishedOn}
        hint="Leave empty for today."
      />
      <Select
        name="campaignId"
        label="Campaign (optional)"
        value={v.campaignId}
        error={p.errors?.campaignId}
        options={[{ value: '', label: 'No campaign' }, ...p.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
      />
      <Field
        name="slug"
        label="Web address ending (optional)"
        value={v.slug}
        error={p.errors?.slug}
        hint="Made from the title when empty."
        maxLength={100}
      />
      <button type="submit">Save</button>
    </form>
  );
}

/** A resource's staff page: its details, what happens on the website, and the buttons to publish or delete. */
export function ResourceAdminView(p: {
  csrf: string;
  r: Resource & { downloads: number };
  campaigns: Campaign[];
  values: Values;
  errors: Errors;
  notice?: string | undefined;
  maxMb: number;
  canPublish: boolean;
}) {
  const r = p.r;
  return (
    <>
      <p>
        <a href="/admin/content/resources">Back to resources</a>
      </p>
      <h1>{r.title}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        {r.status === 'published' ? (
          <>
            Published at <a href={r.url}>{r.url}</a>.
          </>
        ) : (
          'A draft: not on the website yet.'
        )}{' '}
        {fileLine(r)}. Downloaded {r.downloads.toLocaleString('en-GB')} {r.downloads === 1 ? 'time' : 'times'}.{' '}
        {r.textState === 'waiting' && 'Its text is being read for the site search.'}
        {r.textState === 'unreadable' && 'Its text could not be read, so the search finds it by its title and summary only.'}
      </p>
      {p.canPublish && (
        <form method="post" action={`/admin/content/resources/${r.id}/${r.status === 'published' ? 'unpublish' : 'publish'}`}>
          <CsrfField token={p.csrf} />
          <button type="submit">{r.status === 'published' ? 'Take off the website' : 'Publish'}</button>
        </form>
      )}
      <h2>Details</h2>
      <ResourceForm
        action={`/admin/content/resources/${r.id}`}
        csrf={p.csrf}
        campaigns={p.campaigns}
        values={p.values}
        errors={p.errors}
        maxMb={p.maxMb}
        fileRequired={false}
      />
      <h2>Delete</h2>
      <form method="post" action={`/admin/content/resources/${r.id}/delete`}>
        <CsrfField token={p.csrf} />
        <button type="submit" class="button-secondary">
          Delete this resource
        </button>
      </form>
    </>
  );
}

export type { ResourceType };
