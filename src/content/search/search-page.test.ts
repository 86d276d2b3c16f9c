import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { expectClearPage } from '../../../test/helpers/send-garbage.js';
import { indexDocument, reindexAll, unindexDocument, type SearchDocument } from './service.js';

// The public search page over real HTTP: the form and its results, the passages, narrowing by kind and year, pages
// of results, the help when nothing is found, and whatever is typed or put in the address (never a 500).

const AT = Date.UTC(2026, 2, 10, 12);

function doc(ref: number, o: Partial<SearchDocument> = {}): SearchDocument {
  return {
    kind: 'update',
    ref,
    title: `Vigil report ${ref}`,
    summary: 'What happened at the weekly vigil.',
    body: 'Families gathered outside the embassy to ask for news of their relatives.',
    url: `/updates/vigil-report-${ref}`,
    publishedAt: AT,
    ...o,
  };
}

const { scalar } = garbage({
  extra: ['"', '*', 'NEAR(a b)', '-x', '(', ')', 'a:*', '!', '&|', '%', '\\', "'"],
  maxRepeat: 10_000,
  hugeValue: false,
});

describeEachDialect('content: the search page', (ctx) => {
  let t: TestLantern;
  const get = (path: string) => t.client().get(path);

  beforeAll(async () => {
    t = await startTestLantern(ctx);
    await reindexAll(ctx.db, [
      ...Array.from({ length: 14 }, (_, i) => doc(i + 1, { publishedAt: AT + i * 60_000 })),
      doc(100, {
        kind: 'resource',
        title: 'Vigil safety <script>alert(1)</script> guide',
        summary: 'Staying safe at a vigil.',
        body: 'Bring a friend & <b>never</b> give your name to anyone filming the vigil.',
        url: '/resources/vigil-safety',
        resourceType: 'briefing_paper',
        publishedAt: Date.UTC(2024, 5, 1),
      }),
      doc(200, {
        kind: 'campaign',
        title: 'Families apart',
        summary: 'Our campaign.',
        url: '/campaigns/families-apart',
        body: 'Support for families.',
      }),
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('without a search: the form with its label, and nothing else to read', async () => {
    const res = await get('/search');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<form method="get" action="/search" role="search"');
    expect(res.text).toMatch(/<label for="search-q">[^<]+<\/label>/);
    expect(res.text).toContain('id="search-q"');
    expect(res.text).not.toContain('site-search-list');
    expect(res.text).not.toContain('noindex');
  });

  test('results: title links, what each is in words, its date, the passage with the words marked; kept out of search engines', async () => {
    const res = await get('/search?q=vigil');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<meta name="robots" content="noindex"/>');
    expect(res.text).toContain('15 results for “vigil”');
    expect(res.text).toContain('<a href="/updates/vigil-report-14">Vigil report 14</a>');
    expect(res.text).toContain('<span>Update</span>');
    expect(res.text).toContain('<mark>vigil</mark>');
    expect(res.text).toMatch(/<time datetime="2026-03-10T12:13:00.000Z">10 March 2026<\/time>/);
    expect(res.text).toContain('value="vigil"');
    // The form is a GET form: the words typed are shown back, escaped like everything else.
    const hostile = await get(`/search?q=${encodeURIComponent('"><script>alert(1)</script>')}`);
    expect(hostile.status).toBe(200);
    expect(hostile.text).not.toContain('<script>alert(1)</script>');
  });

  test('a resource shows its own type, and markup in its title or text comes back as text', async () => {
    const res = await get('/search?q=vigil&kind=resource');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<span>Briefing paper</span>');
    expect(res.text).toContain('Vigil safety &lt;script>alert(1)&lt;/script> guide');
    expect(res.text).not.toMatch(/<script>alert|<b>never<\/b>/);
    expect(res.text).toContain('1 result for “vigil”');
    expect(res.text).toContain('June 2024');
  });

  test('narrowing by kind and year: plain links with counts, the current one marked', async () => {
    const res = await get('/search?q=vigil');
    expect(res.text).toContain('aria-label="Narrow the results"');
    expect(res.text).toMatch(/<a href="\/search\?q=vigil&amp;kind=update">Updates <span class="site-search-n">\(14\)<\/span><\/a>/);
    expect(res.text).toMatch(/<a href="\/search\?q=vigil&amp;kind=resource">Resources <span class="site-search-n">\(1\)<\/span><\/a>/);
    expect(res.text).toMatch(/<a href="\/search\?q=vigil&amp;year=2024">2024 <span class="site-search-n">\(1\)<\/span><\/a>/);
    const in2024 = await get('/search?q=vigil&year=2024');
    expect(in2024.text).toContain('1 result for “vigil”');
    expect(in2024.text).toMatch(/<a href="\/search\?q=vigil&amp;year=2024" aria-current="true">2024/);
  });

  test('pages of results: next and previous links, and a page past the end says so', async () => {
    const first = await get('/search?q=vigil');
    expect(first.text).toContain('Page 1 of 2');
    expect(first.text).toContain('<a href="/search?q=vigil&amp;page=2">Next page</a>');
    expect(first.text).not.toContain('Previous page');
    const second = await get('/search?q=vigil&page=2');
    expect(second.text).toContain('(showing 11 to 15)');
    expect(second.text).toContain('<a href="/search?q=vigil">Previous page</a>');
    expect(second.text).toContain('<ol class="site-search-list" start="11"');
    const past = await get('/search?q=vigil&page=7');
    expect(past.status).toBe(200);
    expect(past.text).toContain('There are no more results.');
  });

  test('nothing found: help in words, and a way out of the filters', async () => {
    const none = await get('/search?q=zebra');
    expect(none.status).toBe(200);
    expect(none.text).toContain('No results for “zebra”');
    expect(none.text).toContain('check the spelling');
    const filtered = await get('/search?q=families&kind=page');
    expect(filtered.text).toContain('<a href="/search?q=families">search every kind of page and every year</a>');
  });

  test('a document taken out of the index disappears from the page at once', async () => {
    await indexDocument(ctx.db, doc(300, { title: 'Embargoed hearing notes', url: '/updates/embargoed' }));
    expect((await get('/search?q=embargoed')).text).toContain('Embargoed hearing notes');
    await unindexDocument(ctx.db, 'update', 300);
    const after = await get('/search?q=embargoed');
    expect(after.text).not.toContain('Embargoed hearing notes');
    expect(after.text).toContain('No results for “embargoed”');
  });

  test('a search over 200 characters is answered with the form and a clear message', async () => {
    const res = await get(`/search?q=${'a'.repeat(201)}`);
    expect(res.status).toBe(400);
    expect(res.text).toContain('Search must be 200 characters or fewer');
    expect(res.text).toContain('aria-invalid="true"');
    const long = await get(`/search?q=${'x'.repeat(10_000)}`);
    expect(long.status).toBe(400);
  });

  test('whatever is put in the address, the answer is a page (200) or a clear refusal (400), never a failure', async () => {
    const raw = [
      '/search?q=%',
      '/search?q=%E0%A4%A',
      '/search?q[]=x',
      '/search?q=a&q=b',
      '/search?q=%00',
      '/search?kind=__proto__',
      '/search?page=-1&q=vigil',
    ];
    for (const path of raw) {
      const res = await get(path);
      expect([200, 400], path).toContain(res.status);
    }
    const field = fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }));
    await fc.assert(
      fc.asyncProperty(
        fc.record({ q: field, kind: field, year: field, page: field, campaign: field, category: field }, { requiredKeys: ['q'] }),
        async (fields) => {
          const p = new URLSearchParams();
          for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, String(x));
          const res = await get(`/search?${p.toString()}`);
          const r = { status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' };
          // An address over Node's 16 KB limit is refused by the HTTP server itself (431) before Lantern sees it.
          expect([200, 400, 431]).toContain(r.status);
          if (r.status !== 431) expectClearPage(r);
        },
      ),
      { numRuns: 150 },
    );
  });
});
