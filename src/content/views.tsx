import type { SiteSettings } from '../core/settings.js';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, TableWrap, TextArea } from '../core/web/components.js';
import type { Page, PageForStaff } from './service.js';

export function PageView({ page }: { page: Page }) {
  return (
    <article class="page">
      <h1>{page.title}</h1>
      {page.summary && <p class="lede">{page.summary}</p>}
      <div class="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
    </article>
  );
}

// The attribution lines the open data's licences ask for (see ../shared/data/uk/README.md).
export const DATA_ATTRIBUTIONS = [
  'Contains Parliamentary information licensed under the Open Parliament Licence v3.0.',
  'Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Source: Office for National Statistics licensed under the Open Government Licence v3.0.',
  'Constituency and postcode lookup © mySociety, CC BY 4.0.',
  'Contains public sector information licensed under the Open Government Licence v3.0 (MPs list: Department for Education, from UK Parliament data).',
];

export function DataSourcesView() {
  return (
    <article class="page">
      <h1>Data sources and attributions</h1>
      <p class="lede">This site uses open data to find your constituency and your MP from your postcode.</p>
      <ul class="prose">
        {DATA_ATTRIBUTIONS.map((a) => (
          <li key={a}>{a}</li>
        ))}
      </ul>
      <p>This site runs on Lantern, free software licensed under the GNU Affero General Public License v3.0.</p>
    </article>
  );
}

/** The privacy notice: the text staff wrote, then who is responsible for the information, from the settings. */
export function PrivacyView({ page, site }: { page: Page; site: SiteSettings }) {
  return (
    <article class="page">
      <h1>{page.title}</h1>
      {page.summary && <p class="lede">{page.summary}</p>}
      <div class="prose" dangerouslySetInnerHTML={{ __html: page.html }} />
      <section aria-labelledby="controller-title" class="prose">
        <h2 id="controller-title">Who is responsible for your information</h2>
        <p>
          {site.orgName}
          {site.charityNumber && <>, registered charity number {site.charityNumber}</>}, decides how the information you give us is used.
        </p>
        {site.postalAddress && <p class="address">{site.postalAddress}</p>}
        {site.contactEmail && (
          <p>
            To ask for a copy of your information, to correct it or to have it deleted, write to{' '}
            <a href={`mailto:${site.contactEmail}`}>{site.contactEmail}</a>, or use the link at the bottom of any email we send you.
          </p>
        )}
        <p>
          Messages sent through our contact form are deleted after a year. This website loads nothing from any other site and sets no
          tracking cookies.
        </p>
      </section>
    </article>
  );
}

/** Every page, for staff. */
export function PagesAdminView({ pages, notice }: { pages: PageForStaff[]; notice?: string | undefined }) {
  return (
    <>
      <p>
        <a href="/admin/content">Back to the website</a>
      </p>
      <h1>Pages</h1>
      {notice && <Notice kind="success">{notice}</Notice>}
      <p>
        <a class="button" href="/admin/content/pages/new">
          Add a page
        </a>
      </p>
      <TableWrap label="Pages">
        <table>
          <thead>
            <tr>
              <th scope="col">Page</th>
              <th scope="col">Address</th>
              <th scope="col">On the website</th>
              <th scope="col">In the menu</th>
            </tr>
          </thead>
          <tbody>
            {pages.map((p) => (
              <tr key={p.slug}>
                <td>
                  <a href={`/admin/content/pages/${p.slug}`}>{p.title}</a>
                </td>
                <td>{p.url}</td>
                <td>{p.published ? 'Published' : 'Draft'}</td>
                <td>{p.navPosition === null ? 'No' : `Yes, position ${p.navPosition}`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </TableWrap>
    </>
  );
}

/** A page's form, with the rendered text below it after Preview. */
export function PageFormView(p: {
  csrf: string;
  values: Record<string, string | undefined>;
  isNew: boolean;
  errors?: Record<string, string> | undefined;
  preview?: string | undefined;
  canPublish: boolean;
}) {
  const v = p.values;
  return (
    <>
      <p>
        <a href="/admin/content/pages">Back to pages</a>
      </p>
      <h1>{p.isNew ? 'New page' : v.title}</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/content/pages" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <input type="hidden" name="isNew" value={p.isNew ? '1' : '0'} />
        {p.isNew ? (
          <Field
            name="slug"
            label="Address ending"
            hint="The page will be at /this-ending, for example our-history."
            value={v.slug}
            error={p.errors?.slug}
            maxLength={80}
          />
        ) : (
          <input type="hidden" name="slug" value={v.slug ?? ''} />
        )}
        <Field name="title" label="Title" value={v.title} error={p.errors?.title} maxLength={200} />
        <Field
          name="summary"
          label="Summary (optional)"
          hint="Shown under the title and when the page is shared."
          value={v.summary}
          error={p.errors?.summary}
          maxLength={300}
        />
        <TextArea
          name="body"
          label="Text"
          rows={16}
          value={v.body}
          error={p.errors?.body}
          hint="Written in Markdown: **bold**, ## headings, - lists, [links](/updates)."
        />
        <Checkbox name="published" label="Published on the website" checked={v.published === 'on'} />
        <Field
          name="navPosition"
          type="number"
          label="Position in the menu (optional)"
          hint="Leave empty to keep the page out of the menu; 1 comes first after the site’s own entries."
          value={v.navPosition}
          error={p.errors?.navPosition}
          width="short"
        />
        <div class="button-row">
          {p.canPublish && (
            <button type="submit" name="intent" value="save">
              Save
            </button>
          )}
          <button type="submit" name="intent" value="preview" class="button-secondary">
            Preview
          </button>
        </div>
        {!p.canPublish && <p class="hint">An editor saves pages, because a page shows on the website as soon as it is saved.</p>}
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
