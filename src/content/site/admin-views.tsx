import type { Campaign } from '../../actions/service.js';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Select, TextArea, Time } from '../../core/web/components.js';
import type { ContentImage } from '../images/service.js';
import { ImageChooser } from '../images/views.js';
import { HOME_SECTION_KINDS, type HomeSection } from './home.js';
import type { QuotableFeedback } from '../../events/service.js';
import type { ContactMessage, Testimonial } from './service.js';

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

const PARTS: Array<{ href: string; title: string; what: string }> = [
  {
    href: '/admin/content/updates',
    title: 'Updates',
    what: 'Write, schedule and publish news, with categories, tags and content warnings.',
  },
  {
    href: '/admin/content/campaigns',
    title: 'Campaign pages',
    what: 'What each campaign’s page says: its picture, why it matters, its priorities.',
  },
  {
    href: '/admin/content/resources',
    title: 'Resources',
    what: 'Briefing papers, resource packs and reports to download, with download counts.',
  },
  { href: '/admin/content/images', title: 'Images', what: 'Photographs and pictures for pages and updates, without their hidden details.' },
  {
    href: '/admin/content/testimonials',
    title: 'What people say',
    what: 'Quotes from supporters, shown only once their permission is recorded.',
  },
  { href: '/admin/content/pages', title: 'Pages', what: 'About, contact and any other page, and which of them are in the menu.' },
  { href: '/admin/content/messages', title: 'Messages', what: 'What people sent through the contact form.' },
  { href: '/admin/content/categories', title: 'Categories and tags', what: 'How updates are grouped.' },
  { href: '/admin/content/warnings', title: 'Content warnings', what: 'The reasons staff can choose when an update needs a warning.' },
  {
    href: '/admin/content/wordpress',
    title: 'Moving in from WordPress',
    what: 'What the last import brought in, and the images to fetch by hand.',
  },
];

/** The website's overview for staff: each part and what it is for. */
export function WebsiteOverviewView(p: { unhandled: number }) {
  return (
    <>
      <h1>Website</h1>
      <p>Everything supporters see on the website. Changes show on the site as soon as you publish them.</p>
      {p.unhandled > 0 && (
        <Notice kind="info">
          {p.unhandled === 1 ? 'One message' : `${p.unhandled} messages`} from the contact form {p.unhandled === 1 ? 'waits' : 'wait'} for a
          reply. <a href="/admin/content/messages">Read the messages</a>
        </Notice>
      )}
      <ul class="cards admin-parts">
        {PARTS.map((x) => (
          <li key={x.href} class="card">
            <h2>
              <a href={x.href}>{x.title}</a>
            </h2>
            <p>{x.what}</p>
          </li>
        ))}
      </ul>
    </>
  );
}

/** The campaigns whose pages staff can edit. */
export function CampaignPagesView(p: { campaigns: Campaign[] }) {
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Campaign pages</h1>
      <p>
        Each campaign has a page on the website that gathers its actions, updates and resources. Add a picture, say why it matters and list
        what you are asking for. To add a campaign, go to <a href="/admin/campaigns">Campaigns</a>.
      </p>
      {p.campaigns.length === 0 ? (
        <p>There are no campaigns yet.</p>
      ) : (
        <ul class="plain-list">
          {p.campaigns.map((c) => (
            <li key={c.id}>
              <a href={`/admin/content/campaigns/${c.id}`}>{c.title}</a> — <a href={`/campaigns/${c.slug}`}>see its page</a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** A campaign page's form, with the rendered text beside it after Preview. */
export function HubFormView(p: {
  csrf: string;
  campaign: Campaign;
  images: readonly ContentImage[];
  values: Values;
  errors: Errors;
  preview?: string | undefined;
  notice?: string | undefined;
}) {
  const v = p.values;
  return (
    <>
      <p>
        <a href="/admin/content/campaigns">Back to campaign pages</a>
      </p>
      <h1>The page of “{p.campaign.title}”</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        The title and summary come from the campaign itself (<a href="/admin/campaigns">Campaigns</a>).{' '}
        <a href={`/campaigns/${p.campaign.slug}`}>See the page</a>.
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/content/campaigns/${p.campaign.id}`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <ImageChooser
          name="heroImageId"
          label="Picture at the top (optional)"
          images={p.images}
          value={v.heroImageId}
          error={p.errors?.heroImageId}
        />
        <Field
          name="heroAlt"
          label="Describe the picture for this page (optional)"
          hint="Leave empty to use the image’s own description."
          value={v.heroAlt}
          error={p.errors?.heroAlt}
          maxLength={300}
        />
        <TextArea
          name="body"
          label="Why it matters"
          rows={12}
          value={v.body}
          error={p.errors?.body}
          hint="Written in Markdown: **bold**, ## headings, - lists, [links](/updates)."
        />
        <TextArea
          name="priorities"
          label="What we are asking for"
          rows={5}
          value={v.priorities}
          error={p.errors?.priorities}
          hint="One per line."
        />
        <div class="button-row">
          <button type="submit" name="intent" value="save">
            Save
          </button>
          <button type="submit" name="intent" value="preview" class="button-secondary">
            Preview
          </button>
        </div>
      </form>
      {p.preview !== undefined && (
        <section class="preview" aria-labelledby="preview-title">
          <h2 id="preview-title">Preview of the text</h2>
          <div class="prose" dangerouslySetInnerHTML={{ __html: p.preview }} />
        </section>
      )}
    </>
  );
}

/** "What people say": the quotes, whether each may be shown, and the form to add one. */
export function TestimonialsView(p: {
  csrf: string;
  items: Testimonial[];
  campaigns: Campaign[];
  values: Values;
  errors: Errors;
  notice?: string | undefined;
  timeZone: string;
  /** Comments from event feedback whose authors ticked that we may quote them, not yet made quotes. */
  fromFeedback?: QuotableFeedback[];
}) {
  const v = p.values;
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>What people say</h1>
      <p>Quotes from supporters and partners. A quote is shown on the website only once you record how the person gave permission.</p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.items.length === 0 ? (
        <p>No quotes yet.</p>
      ) : (
        <ul class="plain-list testimonials-admin">
          {p.items.map((t) => (
            <li key={t.id} class="card">
              <blockquote>
                <p>{t.quote}</p>
              </blockquote>
              <p>
                <strong>{t.attribution}</strong>
                {t.context && <>, {t.context}</>}
              </p>
              <p class="muted">
                {t.permissionRecordedAt ? (
                  <>
                    Shown on the website. Permission: {t.permissionNote} (recorded{' '}
                    <Time ms={t.permissionRecordedAt} timeZone={p.timeZone} />)
                  </>
                ) : (
                  'Not shown: no permission recorded.'
                )}
              </p>
              <div class="button-row">
                {t.permissionRecordedAt && (
                  <form method="post" action={`/admin/content/testimonials/${t.id}/withdraw`}>
                    <CsrfField token={p.csrf} />
                    <button type="submit" class="button-secondary">
                      Stop showing it
                    </button>
                  </form>
                )}
                <form method="post" action={`/admin/content/testimonials/${t.id}/delete`}>
                  <CsrfField token={p.csrf} />
                  <button type="submit" class="button-secondary">
                    Delete
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
      {p.fromFeedback && p.fromFeedback.length > 0 && (
        <section aria-labelledby="from-feedback-title">
          <h2 id="from-feedback-title">Comments from event feedback that people allowed us to quote</h2>
          <ul class="plain-list testimonials-admin">
            {p.fromFeedback.map((f) => (
              <li key={f.id} class="card">
                <blockquote>
                  <p>{f.comment}</p>
                </blockquote>
                <p>
                  <strong>{f.quoteName || 'Anonymous'}</strong>, at “{f.eventTitle}”
                </p>
                <p class="muted">
                  They ticked “{f.permissionWording}” on <Time ms={f.givenAt} timeZone={p.timeZone} />.
                </p>
                <form method="post" action={`/admin/content/testimonials/from-feedback/${f.id}`}>
                  <CsrfField token={p.csrf} />
                  <button type="submit" class="button-secondary">
                    Show it on the website
                  </button>
                </form>
              </li>
            ))}
          </ul>
        </section>
      )}
      <h2>Add a quote</h2>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/content/testimonials" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <TextArea name="quote" label="What they said" rows={4} value={v.quote} error={p.errors?.quote} maxLength={1000} />
        <Field
          name="attribution"
          label="Who said it"
          hint="As they agreed to be named, for example “Gulnar” or “A supporter in Leeds”."
          value={v.attribution}
          error={p.errors?.attribution}
          maxLength={120}
        />
        <Field name="context" label="A few words about them (optional)" value={v.context} error={p.errors?.context} maxLength={160} />
        <Select
          name="campaignId"
          label="Campaign (optional)"
          value={v.campaignId}
          error={p.errors?.campaignId}
          options={[{ value: '', label: 'The whole charity' }, ...p.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
        />
        <Checkbox name="permission" label="They have given permission to show this on the website" checked={v.permission === 'on'} />
        <Field
          name="permissionNote"
          label="How they gave permission"
          hint="For example “by email on 3 May 2026”."
          value={v.permissionNote}
          error={p.errors?.permissionNote}
          maxLength={200}
        />
        <button type="submit">Add the quote</button>
      </form>
    </>
  );
}

/** The contact form's messages, newest first. */
export function MessagesView(p: {
  csrf: string;
  items: ContactMessage[];
  notice?: string | undefined;
  timeZone: string;
  keepDays: number;
}) {
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Messages from the contact form</h1>
      <p>
        Each message is also emailed to the organisation’s contact address. Messages are deleted after {Math.round(p.keepDays / 30)} months.
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.items.length === 0 ? (
        <p>No messages.</p>
      ) : (
        <ul class="plain-list">
          {p.items.map((m) => (
            <li key={m.id} class="card">
              <h2>
                {m.name} <span class="muted">({m.email})</span>
              </h2>
              <p class="muted">
                Sent <Time ms={m.createdAt} timeZone={p.timeZone} />
                {m.handledAt ? ' · answered' : ''}
              </p>
              {m.message.split(/\n{2,}/).map((para, i) => (
                <p key={i}>{para}</p>
              ))}
              <div class="button-row">
                {!m.handledAt && (
                  <form method="post" action={`/admin/content/messages/${m.id}/handled`}>
                    <CsrfField token={p.csrf} />
                    <button type="submit" class="button-secondary">
                      Mark as answered
                    </button>
                  </form>
                )}
                <form method="post" action={`/admin/content/messages/${m.id}/delete`}>
                  <CsrfField token={p.csrf} />
                  <button type="submit" class="button-secondary">
                    Delete
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** The home page's sections: their order (up, down, remove) and a form to add one. */
export function HomeSectionsView(p: {
  csrf: string;
  sections: HomeSection[];
  isDefault: boolean;
  campaigns: Campaign[];
  values: Values;
  errors: Errors;
  canPublish: boolean;
  notice?: string | undefined;
}) {
  const v = p.values;
  const campaignTitle = (id: number | null) =>
    id === null ? 'the newest campaign' : (p.campaigns.find((c) => c.id === id)?.title ?? 'a campaign that was deleted');
  const button = (i: number, change: 'up' | 'down' | 'remove', label: string, disabled = false) => (
    <form method="post" action="/admin/content/home">
      <CsrfField token={p.csrf} />
      <input type="hidden" name="change" value={change} />
      <input type="hidden" name="index" value={String(i)} />
      <button type="submit" class="button-secondary" disabled={disabled || !p.canPublish}>
        {label}
      </button>
    </form>
  );
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Home page</h1>
      <p>
        The home page opens with the organisation’s name, its tagline (in <a href="/admin/settings">Settings</a>) and a button to the first
        open action. Below that come these sections, in this order. Changes show on the website at once.
      </p>
      {!p.canPublish && <Notice kind="info">An editor changes the home page, because changes show on the website at once.</Notice>}
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.isDefault && <p>These are the sections every new site starts with. Change anything to make the list your own.</p>}
      <ErrorSummary errors={p.errors} />
      <ol class="home-sections-admin">
        {p.sections.map((s, i) => (
          <li key={i} class="card">
            <p>
              <strong>{HOME_SECTION_KINDS[s.kind]}</strong>
              {s.kind === 'featured_campaign' && <>: {campaignTitle(s.campaignId)}</>}
              {s.heading && <> — “{s.heading}”</>}
            </p>
            <div class="button-row">
              {button(i, 'up', `Move up`, i === 0)}
              {button(i, 'down', `Move down`, i === p.sections.length - 1)}
              {button(i, 'remove', `Remove`)}
            </div>
          </li>
        ))}
      </ol>
      {p.canPublish && (
        <>
          <h2>Add a section</h2>
          <form method="post" action="/admin/content/home" class="form" noValidate>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="change" value="add" />
            <Select
              name="kind"
              label="What it shows"
              value={v.kind}
              error={p.errors?.kind}
              options={Object.entries(HOME_SECTION_KINDS).map(([value, label]) => ({ value, label }))}
            />
            <Select
              name="campaignId"
              label="Campaign (for a featured campaign)"
              value={v.campaignId}
              error={p.errors?.campaignId}
              options={[{ value: '', label: 'The newest campaign' }, ...p.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
            />
            <Field name="heading" label="Heading (optional)" value={v.heading} error={p.errors?.heading} maxLength={120} />
            <TextArea
              name="bodyMd"
              label="Text (for a block of text)"
              rows={6}
              value={v.bodyMd}
              error={p.errors?.bodyMd}
              hint="Written in Markdown."
            />
            <button type="submit">Add the section</button>
          </form>
        </>
      )}
    </>
  );
}
