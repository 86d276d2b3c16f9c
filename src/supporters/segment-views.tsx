import { CsrfField, ErrorSummary, Field, Notice, TableWrap } from '../core/web/components.js';
import { filterQueryString, type FilterState } from './filters.js';
import type { Segment } from './segments.js';
import { HiddenFilters, describeFilters, FilterSummary, type ListChoice, type Errors, type Values } from './admin-views.js';

// Saved segments: the list of them with their counts, renaming, and saving the current filters under a name.

// ---- segments ----------------------------------------------------------------------------------------------

/** Saved segments: apply, rename, delete. */
export function SegmentsView(p: {
  csrf: string;
  segments: Array<Segment & { count: number }>;
  lists: readonly ListChoice[];
  places: ReadonlyMap<string, string>;
  canManage: boolean;
  notice?: string | undefined;
  errors?: Errors;
  editing?: number | undefined;
  values?: Values;
}) {
  return (
    <>
      <p>
        <a href="/admin/supporters">Back to supporters</a>
      </p>
      <h1>Saved segments</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <p>
        A segment is a saved set of filters: it always shows the supporters who match it now. Newsletters can be sent to a segment of a
        list.{p.canManage && ' To make one, filter the supporters and choose “Save these filters as a segment”.'}
      </p>
      {p.segments.length === 0 ? (
        <p>No segments yet.</p>
      ) : (
        <TableWrap label="Segments">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Filters</th>
                <th scope="col">Supporters now</th>
                {p.canManage && (
                  <th scope="col">
                    <span class="visually-hidden">Change</span>
                  </th>
                )}
              </tr>
            </thead>
            <tbody>
              {p.segments.map((s) => (
                <tr key={s.id}>
                  <td>
                    <a href={`/admin/supporters${filterQueryString(s.filters)}`}>{s.name}</a>
                  </td>
                  <td>
                    <FilterSummary items={describeFilters(s.filters, p.lists, p.places)} />
                  </td>
                  <td>{s.count.toLocaleString('en-GB')}</td>
                  {p.canManage && (
                    <td>
                      <form method="post" action={`/admin/supporters/segments/${s.id}/rename`} class="inline-fields" noValidate>
                        <CsrfField token={p.csrf} />
                        <Field
                          name="name"
                          label={`New name for ${s.name}`}
                          value={p.editing === s.id ? p.values?.name : s.name}
                          error={p.editing === s.id ? p.errors?.name : undefined}
                          maxLength={100}
                        />
                        <button type="submit" class="button-small button-secondary">
                          Rename
                        </button>
                      </form>
                      <form method="post" action={`/admin/supporters/segments/${s.id}/delete`} class="inline-form">
                        <CsrfField token={p.csrf} />
                        <button type="submit" class="button-small button-warning">
                          Delete<span class="visually-hidden"> {s.name}</span>
                        </button>
                      </form>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** The save-a-segment form on its own, when its name was refused. */
export function SaveSegmentView(p: {
  csrf: string;
  state: FilterState;
  lists: readonly ListChoice[];
  places: ReadonlyMap<string, string>;
  values: Values;
  errors: Errors;
}) {
  return (
    <>
      <p>
        <a href={`/admin/supporters${filterQueryString(p.state)}`}>Back to the supporters</a>
      </p>
      <h1>Save these filters as a segment</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        Supporters who are: <FilterSummary items={describeFilters(p.state, p.lists, p.places)} />.
      </p>
      <form method="post" action="/admin/supporters/segments" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <HiddenFilters state={p.state} />
        <Field name="name" label="Segment name" value={p.values.name} error={p.errors?.name} maxLength={100} required />
        <button type="submit">Save segment</button>
      </form>
    </>
  );
}
