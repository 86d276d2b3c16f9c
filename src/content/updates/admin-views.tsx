import { CsrfField, ErrorSummary, Field, Notice, Select, TableWrap, TextArea, formatTime } from '../../core/web/components.js';
import type { ContentImage } from '../images/service.js';
import { ImageChooser } from '../images/views.js';
import type { Category, Revision, Tag, UpdateForStaff, WarningReason } from './service.js';

// The staff side of updates: the list, the editor (with a Preview button that needs no JavaScript), revisions,
// categories and tags, and the content warning reasons.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** The state of an update in words: "Draft", "Scheduled for 5 Dec 2026, 09:00", "Published 5 Dec 2026, 09:00". */
export function statusWords(u: Pick<UpdateForStaff, 'status' | 'publishAt' | 'publishedAt'>, timeZone: string): string {
  if (u.status === 'scheduled') return `Scheduled for ${formatTime(u.publishAt, timeZone)}`;
  if (u.status === 'published') return `Published ${formatTime(u.publishedAt, timeZone)}`;
  return 'Draft';
}

type ListItem = Pick<UpdateForStaff, 'id' | 'title' | 'url' | 'status' | 'publishAt' | 'publishedAt' | 'updatedAt' | 'authorName'>;

/** Every update, most recently changed first. */
export function UpdateListAdminView(p: {
  items: readonly ListItem[];
  timeZone: string;
  notice?: string | undefined;
  page: number;
  pages: number;
}) {
  return (
    <>
      <h1>Updates</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p class="button-row">
        <a class="button" href="/admin/content/updates/new">
          Write an update
        </a>
        <a href="/admin/content/categories">Categories and tags</a>
        <a href="/admin/content/warnings">Content warnings</a>
      </p>
      {p.items.length === 0 ? (
        <p>No updates yet.</p>
      ) : (
        <TableWrap label="Updates">
          <table>
            <thead>
              <tr>
                <th scope="col">Title</th>
                <th scope="col">State</th>
                <th scope="col">Author shown</th>
                <th scope="col">Last changed</th>
              </tr>
            </thead>
            <tbody>
              {p.items.map((u) => (
                <tr key={u.id}>
                  <td>
                    <a href={`/admin/content/updates/${u.id}`}>{u.title}</a>
                  </td>
                  <td>
                    {statusWords(u, p.timeZone)}
                    {u.status === 'published' && (
                      <>
                        {' '}
                        (
                        <a href={u.url}>
                          view<span class="visually-hidden"> “{u.title}” on the website</span>
                        </a>
                        )
                      </>
                    )}
                  </td>
                  <td>{u.authorName}</td>
                  <td>{formatTime(u.updatedAt, p.timeZone)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {p.pages > 1 && (
        <nav class="pager" aria-label="Pages">
          {p.page > 1 && <a href={`/admin/content/updates?page=${p.page - 1}`}>Previous page</a>}
          <span>
            Page {p.page} of {p.pages}
          </span>
          {p.page < p.pages && <a href={`/admin/content/updates?page=${p.page + 1}`}>Next page</a>}
        </nav>
      )}
    </>
  );
}

/** A group of checkboxes sharing one name (categories, related actions). */
function CheckboxGroup(p: {
  name: string;
  legend: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  checked: readonly string[];
  error?: string | undefined;
  empty: string;
}) {
  return (
    <fieldset class={`field checkbox-group${p.error ? ' field-error' : ''}`} aria-describedby={p.error ? `f-${p.name}-error` : undefined}>
      <legend>{p.legend}</legend>
      {p.error && (
        <p class="error-message" id={`f-${p.name}-error`}>
          <span class="visually-hidden">Error: </span>
          {p.error}
        </p>
      )}
      {p.options.length === 0 && <p class="hint">{p.empty}</p>}
      {p.options.map((o) => (
        <div class="checkbox" key={o.value}>
          <input type="checkbox" id={`f-${p.name}-${o.value}`} name={p.name} value={o.value} checked={p.checked.includes(o.value)} />
          <label for={`f-${p.name}-${o.value}`}>{o.label}</label>
        </div>
      ))}
    </fieldset>
  );
}

/** The editor's choices: lists staff pick from. */
export interface EditorChoices {
  categories: readonly Category[];
  campaigns: ReadonlyArray<{ id: number; title: string }>;
  actions: ReadonlyArray<{ id: number; title: string }>;
  reasons: readonly WarningReason[];
  images: readonly ContentImage[];
  staffName: string;
  orgName: string;
  canPublish: boolean;
  timeZone: string;
}

/** The editor for a new update (no `update`) or an existing one, with the rendered preview when asked for. */
export function UpdateFormView(p: {
  csrf: string;
  update?: UpdateForStaff | undefined;
  values: Values;
  lists: { categoryIds: readonly string[]; relatedActionIds: readonly string[] };
  errors?: Errors;
  notice?: string | undefined;
  choices: EditorChoices;
  previewHtml?: string | undefined;
  previewLink?: { url: string; expiresAt: number } | undefined;
  revisions?: readonly Revision[];
}) {
  const v = p.values;
  const u = p.update;
  const c = p.choices;
  const action = u ? `/admin/content/updates/${u.id}` : '/admin/content/updates';
  const reasonOptions = [
    { value: '', label: 'No content warning' },
    ...c.reasons.filter((r) => !r.retired || String(r.id) === v.warningReasonId).map((r) => ({ value: String(r.id), label: r.label })),
  ];
  return (
    <>
      <p>
        <a href="/admin/content/updates">Back to updates</a>
      </p>
      <h1>{u ? `Edit: ${u.title}` : 'Write an update'}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {u && (
        <p class="byline">
          {statusWords(u, c.timeZone)}
          {u.status === 'published' && (
            <>
              {' · '}
              <a href={u.url}>See it on the website</a>
            </>
          )}
        </p>
      )}
      <ErrorSummary errors={p.errors} />
      <div class={p.previewHtml !== undefined ? 'editor-with-preview' : undefined}>
        <form method="post" action={action} class="form update-editor" novalidate>
          <CsrfField token={p.csrf} />
          <Field name="title" label="Title" value={v.title} error={p.errors?.title} maxLength={200} />
          <Field
            name="slug"
            label="Web address ending"
            hint={`The address is /updates/ followed by this. Made from the title if left empty.${u ? ' If you change it, the old address sends readers to the new one.' : ''}`}
            value={v.slug}
            error={p.errors?.slug}
            maxLength={80}
          />
          <TextArea
            name="excerpt"
            label="Excerpt"
            hint="One or two sentences shown in lists and when the update is shared."
            value={v.excerpt}
            error={p.errors?.excerpt}
            rows={3}
          />
          <TextArea
            name="body"
            label="Text"
            hint="Markdown: **bold**, _italic_, [a link](https://example.org), ## a heading, - a list. Press Preview to see it."
            value={v.body}
            error={p.errors?.body}
            rows={18}
          />
          <div class="button-row">
            <button type="submit" name="intent" value="preview" class="button button-secondary">
              Preview
            </button>
          </div>

          <fieldset class="field">
            <legend>Author shown</legend>
            <Select
              name="authorKind"
              label="Show as written by"
              value={v.authorKind || 'staff'}
              error={p.errors?.authorKind}
              options={[
                { value: 'staff', label: u && u.authorKind === 'staff' ? `${u.authorName} (who wrote it)` : `${c.staffName} (you)` },
                { value: 'organisation', label: c.orgName },
                { value: 'custom', label: 'Other words (type them below)' },
              ]}
            />
            <Field
              name="authorName"
              label="Other words for the author (optional)"
              hint="Only used with “Other words”."
              value={v.authorName}
              error={p.errors?.authorName}
              maxLength={120}
            />
          </fieldset>

          <CheckboxGroup
            name="categoryIds"
            legend="Categories"
            options={c.categories.map((x) => ({ value: String(x.id), label: x.name }))}
            checked={p.lists.categoryIds}
            error={p.errors?.categoryIds}
            empty="There are no categories yet. Add them on the Categories page."
          />
          <Field
            name="tags"
            label="Tags (optional)"
            hint="Separate tags with commas, like: vigil, London"
            value={v.tags}
            error={p.errors?.tags}
          />

          <ImageChooser
            name="featuredImageId"
            label="Featured image (optional)"
            images={c.images}
            value={v.featuredImageId}
            error={p.errors?.featuredImageId}
            hint="Shown at the top of the update and on its card in lists. An update with a content warning shows the warning instead in lists."
          />
          <Field
            name="featuredImageAlt"
            label="Describe the image for this update (optional)"
            hint="Leave empty to use the image’s own description."
            value={v.featuredImageAlt}
            error={p.errors?.featuredImageAlt}
            maxLength={300}
          />

          <Select
            name="campaignId"
            label="Campaign (optional)"
            value={v.campaignId}
            error={p.errors?.campaignId}
            options={[{ value: '', label: 'No campaign' }, ...c.campaigns.map((x) => ({ value: String(x.id), label: x.title }))]}
          />
          <CheckboxGroup
            name="relatedActionIds"
            legend="Actions shown beside the update"
            options={c.actions.map((x) => ({ value: String(x.id), label: x.title }))}
            checked={p.lists.relatedActionIds}
            error={p.errors?.relatedActionIds}
            empty="There are no open actions to show."
          />

          <fieldset class="field">
            <legend>Content warning</legend>
            <p class="hint">
              For an update some readers may find distressing. The warning is shown first, and the update only when the reader chooses to
              open it. Lists show the warning instead of the picture.
            </p>
            <Select
              name="warningReasonId"
              label="Reason"
              value={v.warningReasonId}
              error={p.errors?.warningReasonId}
              options={reasonOptions}
            />
            <TextArea
              name="warningText"
              label="What readers should know (optional)"
              value={v.warningText}
              error={p.errors?.warningText}
              rows={2}
            />
            <p class="hint">
              <a href="/admin/content/warnings">Manage the reasons</a>
            </p>
          </fieldset>

          {c.canPublish && (
            <Field
              name="publishAt"
              type="datetime-local"
              label="Publish at (for Schedule)"
              hint={`In the organisation's time zone (${c.timeZone}).`}
              value={v.publishAt}
              error={p.errors?.publishAt}
            />
          )}
          <div class="button-row">
            <button type="submit" name="intent" value="save" class="button">
              {u?.status === 'published' ? 'Save changes' : 'Save draft'}
            </button>
            {c.canPublish && u?.status !== 'published' && (
              <button type="submit" name="intent" value="publish" class="button">
                Publish now
              </button>
            )}
            {c.canPublish && (
              <button type="submit" name="intent" value="schedule" class="button button-secondary">
                Schedule
              </button>
            )}
          </div>
        </form>
        {p.previewHtml !== undefined && (
          <section class="editor-preview" aria-labelledby="preview-title">
            <h2 id="preview-title">Preview</h2>
            <p class="hint">Not saved yet. Press Save to keep these words.</p>
            <h3 class="preview-update-title">{v.title}</h3>
            <div class="prose" dangerouslySetInnerHTML={{ __html: p.previewHtml }} />
          </section>
        )}
      </div>

      {u && (
        <>
          {c.canPublish && u.status !== 'draft' && (
            <form method="post" action={`/admin/content/updates/${u.id}/unpublish`} class="form">
              <CsrfField token={p.csrf} />
              <h2>Take it off the website</h2>
              <p>
                {u.status === 'scheduled'
                  ? 'Cancels the schedule; the update goes back to draft.'
                  : 'The update goes back to draft; its address stops working until it is published again.'}
              </p>
              <button type="submit" class="button button-warning">
                Unpublish
              </button>
            </form>
          )}
          {u.status !== 'published' && (
            <section aria-labelledby="preview-link-title">
              <h2 id="preview-link-title">Private preview link</h2>
              <p>
                Anyone with this link can read the draft, until it expires or you make a new one. It is not listed or found by search
                engines.
              </p>
              {p.previewLink ? (
                <>
                  <p>
                    <a href={p.previewLink.url}>{p.previewLink.url}</a>
                  </p>
                  <p class="hint">Works until {formatTime(p.previewLink.expiresAt, c.timeZone)}.</p>
                </>
              ) : (
                <p>No link yet.</p>
              )}
              <div class="button-row">
                <form method="post" action={`/admin/content/updates/${u.id}/preview-link`} class="inline-form">
                  <CsrfField token={p.csrf} />
                  <button type="submit" class="button button-secondary">
                    {p.previewLink ? 'Make a new link' : 'Make a preview link'}
                  </button>
                </form>
                {p.previewLink && (
                  <form method="post" action={`/admin/content/updates/${u.id}/preview-link/revoke`} class="inline-form">
                    <CsrfField token={p.csrf} />
                    <button type="submit" class="button button-warning">
                      Stop the link working
                    </button>
                  </form>
                )}
              </div>
            </section>
          )}
          <section aria-labelledby="revisions-title">
            <h2 id="revisions-title">Revisions</h2>
            {(p.revisions ?? []).length === 0 ? (
              <p>No revisions yet.</p>
            ) : (
              <TableWrap label="Revisions">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Saved</th>
                      <th scope="col">Title</th>
                      <th scope="col">Length</th>
                      <th scope="col">
                        <span class="visually-hidden">Restore</span>
                      </th>
                    </tr>
                  </thead>
                  <tbody>
                    {(p.revisions ?? []).map((r, i) => (
                      <tr key={r.id}>
                        <td>{formatTime(r.savedAt, c.timeZone)}</td>
                        <td>{r.title}</td>
                        <td>{r.bodyMd.length.toLocaleString('en-GB')} characters</td>
                        <td>
                          {i === 0 ? (
                            'Current'
                          ) : (
                            <form method="post" action={`/admin/content/updates/${u.id}/revisions/${r.id}/restore`} class="inline-form">
                              <CsrfField token={p.csrf} />
                              <button type="submit" class="button button-small button-secondary">
                                Restore<span class="visually-hidden"> the revision saved {formatTime(r.savedAt, c.timeZone)}</span>
                              </button>
                            </form>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
            )}
          </section>
        </>
      )}
    </>
  );
}

/** Categories (with a form to add one) and tags (merge, delete). */
export function CategoriesView(p: {
  csrf: string;
  categories: ReadonlyArray<Category & { updates: number }>;
  tags: readonly Tag[];
  values: Values;
  errors?: Errors;
  notice?: string | undefined;
}) {
  return (
    <>
      <p>
        <a href="/admin/content/updates">Back to updates</a>
      </p>
      <h1>Categories and tags</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <h2>Categories</h2>
      {p.categories.length === 0 ? (
        <p>No categories yet.</p>
      ) : (
        <TableWrap label="Categories">
          <table>
            <thead>
              <tr>
                <th scope="col">Category</th>
                <th scope="col">Public page</th>
                <th scope="col" class="num">
                  Updates
                </th>
              </tr>
            </thead>
            <tbody>
              {p.categories.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/admin/content/categories/${c.id}`}>{c.name}</a>
                  </td>
                  <td>
                    <a href={c.url}>{c.url}</a>
                  </td>
                  <td class="num">{c.updates}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <form method="post" action="/admin/content/categories" class="form" novalidate>
        <CsrfField token={p.csrf} />
        <h2>Add a category</h2>
        <Field name="name" label="Name" value={p.values.name} error={p.errors?.name} maxLength={80} />
        <Field
          name="slug"
          label="Web address ending (optional)"
          hint="Made from the name if left empty."
          value={p.values.slug}
          error={p.errors?.slug}
          maxLength={80}
        />
        <TextArea name="description" label="Description (optional)" value={p.values.description} error={p.errors?.description} rows={2} />
        <button type="submit" class="button">
          Add the category
        </button>
      </form>

      <h2>Tags</h2>
      {p.tags.length === 0 ? (
        <p>No tags yet. Tags are made when you give an update one.</p>
      ) : (
        <TableWrap label="Tags">
          <table>
            <thead>
              <tr>
                <th scope="col">Tag</th>
                <th scope="col" class="num">
                  Updates
                </th>
                <th scope="col">Merge into another tag</th>
                <th scope="col">
                  <span class="visually-hidden">Delete</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.tags.map((t) => (
                <tr key={t.id}>
                  <td>{t.name}</td>
                  <td class="num">{t.updates}</td>
                  <td>
                    {p.tags.length > 1 && (
                      <form method="post" action={`/admin/content/tags/${t.id}/merge`} class="inline-fields">
                        <CsrfField token={p.csrf} />
                        <label for={`merge-${t.id}`} class="visually-hidden">
                          Merge “{t.name}” into
                        </label>
                        <select id={`merge-${t.id}`} name="into">
                          {p.tags
                            .filter((o) => o.id !== t.id)
                            .map((o) => (
                              <option key={o.id} value={String(o.id)}>
                                {o.name}
                              </option>
                            ))}
                        </select>
                        <button type="submit" class="button button-small button-secondary">
                          Merge<span class="visually-hidden"> “{t.name}”</span>
                        </button>
                      </form>
                    )}
                  </td>
                  <td>
                    <form method="post" action={`/admin/content/tags/${t.id}/delete`} class="inline-form">
                      <CsrfField token={p.csrf} />
                      <button type="submit" class="button button-small button-warning">
                        Delete<span class="visually-hidden"> the tag “{t.name}”</span>
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** One category's editor: rename, describe, change the address, delete when empty. */
export function CategoryEditView(p: { csrf: string; category: Category & { updates: number }; values: Values; errors?: Errors }) {
  const c = p.category;
  return (
    <>
      <p>
        <a href="/admin/content/categories">Back to categories</a>
      </p>
      <h1>Edit: {c.name}</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/content/categories/${c.id}`} class="form" novalidate>
        <CsrfField token={p.csrf} />
        <Field name="name" label="Name" value={p.values.name} error={p.errors?.name} maxLength={80} />
        <Field
          name="slug"
          label="Web address ending"
          hint="If you change it, the old address sends readers to the new one."
          value={p.values.slug}
          error={p.errors?.slug}
          maxLength={80}
        />
        <TextArea name="description" label="Description (optional)" value={p.values.description} error={p.errors?.description} rows={3} />
        <button type="submit" class="button">
          Save the category
        </button>
      </form>
      <h2>Delete the category</h2>
      {c.updates > 0 ? (
        <p>{c.updates === 1 ? 'One update is' : `${c.updates} updates are`} in this category. Take them out of it before deleting it.</p>
      ) : (
        <form method="post" action={`/admin/content/categories/${c.id}/delete`} class="form">
          <CsrfField token={p.csrf} />
          <button type="submit" class="button button-warning">
            Delete “{c.name}”
          </button>
        </form>
      )}
    </>
  );
}

/** The content warning reasons: add, rename, reorder, retire. */
export function WarningsView(p: {
  csrf: string;
  reasons: readonly WarningReason[];
  values: Values;
  errors?: Errors;
  notice?: string | undefined;
}) {
  return (
    <>
      <p>
        <a href="/admin/content/updates">Back to updates</a>
      </p>
      <h1>Content warnings</h1>
      <p class="lede">
        The reasons staff choose from when an update needs a warning. A retired reason is not offered any more, but stays on the updates
        that give it.
      </p>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {p.reasons.length === 0 ? (
        <p>No reasons yet.</p>
      ) : (
        <ol class="plain-list warning-reasons">
          {p.reasons.map((r, i) => (
            <li key={r.id} class="card">
              <form method="post" action={`/admin/content/warnings/${r.id}`} class="inline-fields">
                <CsrfField token={p.csrf} />
                <label for={`reason-${r.id}`}>
                  Reason {i + 1}
                  {r.retired ? ' (retired)' : ''}
                </label>
                <input id={`reason-${r.id}`} name="label" type="text" value={r.label} maxLength={120} />
                <button type="submit" class="button button-small button-secondary">
                  Rename<span class="visually-hidden"> reason {i + 1}</span>
                </button>
              </form>
              <div class="button-row">
                {i > 0 && (
                  <form method="post" action={`/admin/content/warnings/${r.id}/move`} class="inline-form">
                    <CsrfField token={p.csrf} />
                    <input type="hidden" name="direction" value="up" />
                    <button type="submit" class="button button-small button-secondary">
                      Move up<span class="visually-hidden"> “{r.label}”</span>
                    </button>
                  </form>
                )}
                {i < p.reasons.length - 1 && (
                  <form method="post" action={`/admin/content/warnings/${r.id}/move`} class="inline-form">
                    <CsrfField token={p.csrf} />
                    <input type="hidden" name="direction" value="down" />
                    <button type="submit" class="button button-small button-secondary">
                      Move down<span class="visually-hidden"> “{r.label}”</span>
                    </button>
                  </form>
                )}
                <form method="post" action={`/admin/content/warnings/${r.id}/retire`} class="inline-form">
                  <CsrfField token={p.csrf} />
                  <input type="hidden" name="retired" value={r.retired ? '0' : '1'} />
                  <button type="submit" class="button button-small button-secondary">
                    {r.retired ? 'Offer again' : 'Retire'}
                    <span class="visually-hidden"> “{r.label}”</span>
                  </button>
                </form>
              </div>
            </li>
          ))}
        </ol>
      )}
      <form method="post" action="/admin/content/warnings" class="form" novalidate>
        <CsrfField token={p.csrf} />
        <h2>Add a reason</h2>
        <Field
          name="label"
          label="Reason"
          hint="Like: Descriptions of torture"
          value={p.values.label}
          error={p.errors?.label}
          maxLength={120}
        />
        <button type="submit" class="button">
          Add the reason
        </button>
      </form>
    </>
  );
}
