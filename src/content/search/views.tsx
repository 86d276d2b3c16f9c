import type { SearchKind, SiteSearchResults } from './service.js';

// The search page: the form, what narrows the results (plain links), the results with their passages, and pages.

export interface SearchState {
  q: string;
  kind?: SearchKind | undefined;
  year?: number | undefined;
  campaignId?: number | undefined;
  categoryId?: number | undefined;
  page: number;
}

const KIND_LABELS: Record<SearchKind, { one: string; many: string }> = {
  update: { one: 'Update', many: 'Updates' },
  campaign: { one: 'Campaign', many: 'Campaigns' },
  resource: { one: 'Resource', many: 'Resources' },
  page: { one: 'Page', many: 'Pages' },
};

/** What a result is, in words: a resource by its own type ("briefing_paper" → "Briefing paper"). */
export function kindLabel(kind: SearchKind, resourceType: string | null): string {
  if (kind === 'resource' && resourceType) {
    const words = resourceType.replace(/[_-]+/g, ' ').trim();
    if (words) return words.charAt(0).toUpperCase() + words.slice(1);
  }
  return KIND_LABELS[kind].one;
}

/** The address of the search page for this state (the first page unless another is given). */
export function searchHref(s: SearchState): string {
  const p = new URLSearchParams();
  p.set('q', s.q);
  if (s.kind) p.set('kind', s.kind);
  if (s.year !== undefined) p.set('year', String(s.year));
  if (s.campaignId !== undefined) p.set('campaign', String(s.campaignId));
  if (s.categoryId !== undefined) p.set('category', String(s.categoryId));
  if (s.page > 1) p.set('page', String(s.page));
  return `/search?${p.toString()}`;
}

const formatDate = (ms: number, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'long' }).format(new Date(ms));
const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** The search form, the results and the ways to narrow them. */
export function SearchView(p: {
  state: SearchState;
  results?: SiteSearchResults | undefined;
  error?: string | undefined;
  tz: string;
  perPage: number;
  maxPage?: number;
}) {
  const s = p.state;
  const scoped = s.campaignId !== undefined || s.categoryId !== undefined;
  return (
    <div class="site-search">
      <h1>Search</h1>
      <form method="get" action="/search" role="search" class={`site-search-form${p.error ? ' field-error' : ''}`}>
        <label for="search-q">Search our updates, campaigns, resources and pages</label>
        {p.error && (
          <p class="error-message" id="search-q-error">
            <span class="visually-hidden">Error: </span>
            {p.error}
          </p>
        )}
        <div class="site-search-row">
          <input
            type="search"
            id="search-q"
            name="q"
            value={s.q}
            maxLength={200}
            autocomplete="off"
            enterkeyhint="search"
            aria-describedby={p.error ? 'search-q-error' : undefined}
            aria-invalid={p.error ? 'true' : undefined}
          />
          {s.campaignId !== undefined && <input type="hidden" name="campaign" value={String(s.campaignId)} />}
          {s.categoryId !== undefined && <input type="hidden" name="category" value={String(s.categoryId)} />}
          <button type="submit">Search</button>
        </div>
      </form>
      {scoped && (
        <p class="site-search-scope">
          Searching within one {s.campaignId !== undefined ? 'campaign' : 'category'}.{' '}
          {s.q ? <a href={searchHref({ q: s.q, page: 1 })}>Search the whole website</a> : <a href="/search">Search the whole website</a>}
        </p>
      )}
      {p.results && <Results state={s} results={p.results} tz={p.tz} perPage={p.perPage} maxPage={p.maxPage ?? 100} />}
    </div>
  );
}

function Results(p: { state: SearchState; results: SiteSearchResults; tz: string; perPage: number; maxPage: number }) {
  const s = p.state;
  const r = p.results;
  const pages = Math.min(p.maxPage, Math.max(1, Math.ceil(r.total / p.perPage)));
  const filtered = s.kind !== undefined || s.year !== undefined;
  if (r.total === 0) {
    return (
      <section class="site-search-none" aria-labelledby="search-none">
        <h2 id="search-none">No results for “{s.q}”</h2>
        <p>Every word you type must appear in a result. You could:</p>
        <ul>
          <li>check the spelling</li>
          <li>use fewer words, or more general ones</li>
          {filtered && (
            <li>
              <a href={searchHref({ ...s, kind: undefined, year: undefined, page: 1 })}>search every kind of page and every year</a>
            </li>
          )}
        </ul>
      </section>
    );
  }
  const first = (s.page - 1) * p.perPage + 1;
  const last = first + r.results.length - 1;
  return (
    <div class="site-search-layout">
      <div class="site-search-results">
        <h2 class="site-search-count" id="search-results">
          {plural(r.total, 'result', 'results')} for “{s.q}”
          {r.results.length > 0 && r.total > p.perPage && (
            <span class="site-search-range">
              {' '}
              (showing {first.toLocaleString('en-GB')} to {last.toLocaleString('en-GB')})
            </span>
          )}
        </h2>
        {r.results.length === 0 ? (
          <p>
            There are no more results. <a href={searchHref({ ...s, page: 1 })}>Go to the first page of results</a>
          </p>
        ) : (
          <ol class="site-search-list" start={first} aria-labelledby="search-results">
            {r.results.map((x) => (
              <li key={`${x.kind}-${x.ref}`}>
                <article class="site-search-result">
                  <h3>
                    <a href={x.url}>{x.title}</a>
                  </h3>
                  <p class="site-search-about">
                    <span>{kindLabel(x.kind, x.resourceType)}</span>
                    <time dateTime={new Date(x.publishedAt).toISOString()}>{formatDate(x.publishedAt, p.tz)}</time>
                  </p>
                  {/* Built by the service: every character escaped, only <mark> added. */}
                  {x.snippetHtml && <p class="site-search-snippet" dangerouslySetInnerHTML={{ __html: x.snippetHtml }} />}
                </article>
              </li>
            ))}
          </ol>
        )}
        {pages > 1 && (
          <nav class="pager" aria-label="Pages of results">
            {s.page > 1 && <a href={searchHref({ ...s, page: Math.min(s.page - 1, pages) })}>Previous page</a>}
            <span class="site-search-page">
              Page {Math.min(s.page, pages).toLocaleString('en-GB')} of {pages.toLocaleString('en-GB')}
            </span>
            {s.page < pages && <a href={searchHref({ ...s, page: s.page + 1 })}>Next page</a>}
          </nav>
        )}
      </div>
      <Narrowing state={s} results={r} />
    </div>
  );
}

/** Links that narrow the results by kind and by year, each with how many it would show; the current one marked. */
function Narrowing(p: { state: SearchState; results: SiteSearchResults }) {
  const s = p.state;
  const r = p.results;
  const kindTotal = r.kinds.reduce((n, k) => n + k.count, 0);
  const yearTotal = r.years.reduce((n, y) => n + y.count, 0);
  const link = (to: SearchState, current: boolean, label: string, count: number) => (
    <li>
      <a href={searchHref({ ...to, page: 1 })} aria-current={current ? 'true' : undefined}>
        {label} <span class="site-search-n">({count.toLocaleString('en-GB')})</span>
      </a>
    </li>
  );
  return (
    <nav class="site-search-narrow" aria-label="Narrow the results">
      {r.kinds.length > 1 || s.kind !== undefined ? (
        <>
          <h2>Kind</h2>
          <ul>
            {link({ ...s, kind: undefined }, s.kind === undefined, 'Everything', kindTotal)}
            {r.kinds.map((k) => link({ ...s, kind: k.kind }, s.kind === k.kind, KIND_LABELS[k.kind].many, k.count))}
          </ul>
        </>
      ) : null}
      {r.years.length > 1 || s.year !== undefined ? (
        <>
          <h2>Year</h2>
          <ul>
            {link({ ...s, year: undefined }, s.year === undefined, 'Any year', yearTotal)}
            {r.years.map((y) => link({ ...s, year: y.year }, s.year === y.year, String(y.year), y.count))}
          </ul>
        </>
      ) : null}
    </nav>
  );
}
