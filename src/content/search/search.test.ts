import { beforeAll, beforeEach, expect, test } from 'vitest';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { findSearchSnippets } from './queries.js';
import {
  indexDocument,
  leadLength,
  plainTextOfMarkdown,
  reindexAll,
  searchSite,
  searchWords,
  unindexDocument,
  type SearchDocument,
} from './service.js';

// The search index on both databases: what is found and in what order, the passages shown, and what is never found.

const JAN_2025 = Date.UTC(2025, 0, 15);
const JUN_2026 = Date.UTC(2026, 5, 1);

function doc(ref: number, o: Partial<SearchDocument> = {}): SearchDocument {
  return {
    kind: 'update',
    ref,
    title: `Update ${ref}`,
    summary: 'A short note from the team.',
    body: 'We met volunteers in Leeds and talked about the next vigil.',
    url: `/updates/update-${ref}`,
    publishedAt: JUN_2026,
    ...o,
  };
}

const search = (db: Parameters<typeof searchSite>[0], q: string, o: Partial<Parameters<typeof searchSite>[1]> = {}) =>
  searchSite(db, { q, page: 1, perPage: 10, ...o });

test('a search is read as plain words: no quote, star, minus, bracket or operator reaches the query language', () => {
  expect(searchWords('"cotton" NEAR(-forced* OR labour)')).toEqual({
    words: ['cotton', 'near', 'forced', 'or', 'labour'],
    prefixLast: false,
  });
  expect(searchWords('Ürümqi camp')).toEqual({ words: ['ürümqi', 'camp'], prefixLast: true });
  expect(searchWords('camp camp')).toEqual({ words: ['camp'], prefixLast: true });
  expect(searchWords('camp cotton camp')).toEqual({ words: ['camp', 'cotton'], prefixLast: false });
  expect(searchWords('camp ')).toEqual({ words: ['camp'], prefixLast: false });
  expect(searchWords('ca')).toEqual({ words: ['ca'], prefixLast: false });
  expect(searchWords("'; drop table search_documents; --").words).toEqual(['drop', 'table', 'search', 'documents']);
  expect(searchWords('*** "" ()')).toEqual({ words: [], prefixLast: false });
  expect(searchWords('a b c d e f g h i j k l m n o p').words).toHaveLength(12);
});

test('Markdown becomes the words a reader reads: link text without its address, no markup', () => {
  const text = plainTextOfMarkdown(
    '# The **cotton** report\n\nRead [our briefing](https://example.org/secret-path) and `code`.\n\n- one\n- two &amp; three\n\n![A vigil](/x.png)',
  );
  expect(text).toBe('The cotton report\nRead our briefing and code.\none\ntwo & three\nA vigil');
  expect(text).not.toContain('secret-path');
});

describeEachDialect('content: site search', (ctx) => {
  const db = () => ctx.db;

  beforeEach(async () => {
    await reindexAll(db(), []);
  });

  test('a match in the title ranks above matches in the body, and every result says what and where it is', async () => {
    await indexDocument(
      db(),
      doc(1, { title: 'Volunteers thanked', body: 'Cotton cotton and more cotton from the region. Cotton everywhere.' }),
    );
    await indexDocument(db(), doc(2, { title: 'The cotton report', body: 'Our research into supply chains is out.' }));
    await indexDocument(db(), doc(3, { title: 'Nothing to see', body: 'Nothing about that crop at all.' }));
    const r = await search(db(), 'cotton');
    expect(r.total).toBe(2);
    expect(r.results.map((x) => x.ref)).toEqual([2, 1]);
    expect(r.results[0]).toMatchObject({ kind: 'update', title: 'The cotton report', url: '/updates/update-2', publishedAt: JUN_2026 });
  });

  test('snippets mark the matched words and escape everything else, whatever the stored text holds', async () => {
    await indexDocument(
      db(),
      doc(1, {
        title: 'A hostile body',
        body: 'Before <script>alert("x")</script> the forced labour & 5 < 6 evidence \uE000fake\uE001 after.',
      }),
    );
    const [hit] = (await search(db(), 'forced evidence')).results;
    expect(hit!.snippetHtml).toContain('<mark>forced</mark>');
    expect(hit!.snippetHtml).toContain('<mark>evidence</mark>');
    expect(hit!.snippetHtml).not.toMatch(/<script|<\/script/i);
    expect(hit!.snippetHtml).toContain('&amp;');
    expect(hit!.snippetHtml).toContain('5 &lt; 6');
    // Markers in the stored text are dropped on the way in: only the database's own become <mark>.
    expect(hit!.snippetHtml).not.toContain('<mark>fake</mark>');
    expect(hit!.snippetHtml.replace(/<\/?mark>/g, '')).not.toMatch(/[<>"]/);
    if (ctx.dialect === 'sqlite') expect(hit!.snippetHtml).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
  });

  test('a passage cut from within the body says so with an ellipsis at each cut end', async () => {
    const words = (n: number, w: string) => Array.from({ length: n }, (_, i) => `${w}${i}`).join(' ');
    await indexDocument(db(), doc(1, { body: `${words(100, 'before')} the smuggled evidence ${words(100, 'after')}` }));
    const [hit] = (await search(db(), 'smuggled')).results;
    expect(hit!.snippetHtml).toMatch(/^….*<mark>smuggled<\/mark>.*…$/);
    expect(hit!.snippetHtml.split(' ').length).toBeLessThan(40);
  });

  test('a match only in the title shows the start of the body, a match only in the summary shows the summary', async () => {
    await indexDocument(db(), doc(1, { title: 'Vigil tonight', summary: 'Outside the embassy.', body: 'Bring a candle.' }));
    await indexDocument(db(), doc(2, { title: 'Other news', summary: 'An embassy vigil next week.', body: 'Bring friends.' }));
    const r = await search(db(), 'vigil');
    const byRef = new Map(r.results.map((x) => [x.ref, x.snippetHtml]));
    expect(byRef.get(1)).toContain('Bring a candle.');
    expect(byRef.get(2)).toContain('<mark>vigil</mark>');
  });

  test('unindexing takes a document out at once; indexing again replaces it rather than adding a second', async () => {
    await indexDocument(db(), doc(1, { title: 'Draft about detention' }));
    expect((await search(db(), 'detention')).total).toBe(1);
    await indexDocument(db(), doc(1, { title: 'Published about detention camps' }));
    const again = await search(db(), 'detention');
    expect(again.total).toBe(1);
    expect(again.results[0]!.title).toBe('Published about detention camps');
    await unindexDocument(db(), 'update', 1);
    expect((await search(db(), 'detention')).total).toBe(0);
    // The old words are gone from the full-text index too, not only from the table.
    await indexDocument(db(), doc(1, { title: 'Something else' }));
    expect((await search(db(), 'detention')).total).toBe(0);
    expect((await search(db(), 'something')).total).toBe(1);
  });

  test('filters by kind, campaign, category and year, with counts of each kind and year', async () => {
    await indexDocument(db(), doc(1, { title: 'Cotton update', campaignId: 7, categoryIds: [3, 11], publishedAt: JAN_2025 }));
    await indexDocument(db(), doc(2, { title: 'Cotton update again', campaignId: 8, categoryIds: [1], publishedAt: JUN_2026 }));
    await indexDocument(db(), doc(10, { kind: 'campaign', title: 'Clean cotton', url: '/campaigns/clean-cotton', campaignId: 7 }));
    await indexDocument(
      db(),
      doc(20, { kind: 'resource', title: 'Cotton briefing', url: '/resources/cotton', resourceType: 'briefing_paper' }),
    );
    await indexDocument(db(), doc(30, { kind: 'page', title: 'About cotton', url: '/about' }));

    const all = await search(db(), 'cotton');
    expect(all.total).toBe(5);
    expect(Object.fromEntries(all.kinds.map((k) => [k.kind, k.count]))).toEqual({ update: 2, campaign: 1, resource: 1, page: 1 });
    expect(all.years).toEqual([
      { year: 2026, count: 4 },
      { year: 2025, count: 1 },
    ]);
    expect((await search(db(), 'cotton', { kind: 'resource' })).results).toMatchObject([{ ref: 20, resourceType: 'briefing_paper' }]);
    expect((await search(db(), 'cotton', { campaignId: 7 })).results.map((x) => x.ref).sort()).toEqual([1, 10]);
    expect((await search(db(), 'cotton', { categoryId: 1 })).results.map((x) => x.ref)).toEqual([2]);
    // ",3,11,": category 1 is not matched inside 11.
    expect((await search(db(), 'cotton', { categoryId: 11 })).results.map((x) => x.ref)).toEqual([1]);
    const in2025 = await search(db(), 'cotton', { year: 2025 });
    expect(in2025.results.map((x) => x.ref)).toEqual([1]);
    // The kinds' counts follow the year chosen; the years' counts ignore it, so another year can be chosen.
    expect(in2025.kinds).toEqual([{ kind: 'update', count: 1 }]);
    expect(in2025.years).toHaveLength(2);
    const updates = await search(db(), 'cotton', { kind: 'update' });
    expect(updates.years).toEqual([
      { year: 2026, count: 1 },
      { year: 2025, count: 1 },
    ]);
  });

  test('accents and capitals do not matter, words are stemmed, and the last word may be unfinished', async () => {
    await indexDocument(db(), doc(1, { title: 'Families in Ürümqi', body: 'Their relatives were DETAINED while campaigning.' }));
    for (const q of ['urumqi', 'ÜRÜMQI', 'Ürümqi', 'detained', 'detain', 'Campaigns', 'campaig', 'famil'])
      expect((await search(db(), q)).total, q).toBe(1);
    // Every word must match.
    expect((await search(db(), 'urumqi london')).total).toBe(0);
    // Only the last word is a prefix.
    expect((await search(db(), 'famil urumqi')).total).toBe(0);
    const [hit] = (await search(db(), 'urumqi')).results;
    expect(hit!.title).toBe('Families in Ürümqi');
  });

  test('a whole word is searched as typed; only a word found nowhere is taken as the start of a longer one', async () => {
    await indexDocument(db(), doc(1, { title: 'Life in the camp' }));
    await indexDocument(db(), doc(2, { title: 'Our campaign' }));
    expect((await search(db(), 'camp')).results.map((x) => x.ref)).toEqual([1]);
    expect((await search(db(), 'campaig')).results.map((x) => x.ref)).toEqual([2]);
    expect((await search(db(), 'campaig ')).total).toBe(0);
  });

  test('passages are read for the page’s documents only, however many others match', async () => {
    for (let i = 1; i <= 30; i++) await indexDocument(db(), doc(i, { body: `The vigil, week ${i}.` }));
    const [one] = await db().selectFrom('search_documents').select('id').where('ref', '=', 7).execute();
    const snippets = await findSearchSnippets(db(), { words: ['vigil'], prefixLast: false }, [one!.id]);
    expect([...snippets.keys()]).toEqual([one!.id]);
    expect(snippets.get(one!.id)!.body).toContain('week 7');
  });

  test('pages of results: each page its own, in a stable order, and past the end an empty page with the total', async () => {
    for (let i = 1; i <= 23; i++) await indexDocument(db(), doc(i, { title: `Vigil number ${i}`, publishedAt: JUN_2026 + i * 1000 }));
    const seen: number[] = [];
    for (const page of [1, 2, 3]) {
      const r = await search(db(), 'vigil', { page, perPage: 10 });
      expect(r.total).toBe(23);
      expect(r.results).toHaveLength(page < 3 ? 10 : 3);
      seen.push(...r.results.map((x) => x.ref));
    }
    expect(new Set(seen).size).toBe(23);
    // Equal ranks: newest first.
    expect(seen.slice(0, 3)).toEqual([23, 22, 21]);
    const past = await search(db(), 'vigil', { page: 9, perPage: 10 });
    expect(past).toMatchObject({ total: 23, results: [] });
  });

  test('hostile and empty searches find nothing or something, and never fail', async () => {
    await indexDocument(db(), doc(1, { title: 'Near the embassy', body: 'Or not. And the minus - sign.' }));
    for (const q of [
      '',
      '   ',
      '"',
      '""',
      '*',
      'near(',
      'NEAR',
      ') OR (',
      '-embassy',
      "embassy'); drop table search_documents; --",
      '\\',
      'a:*',
      '!&|',
    ]) {
      const r = await search(db(), q);
      expect(r.total, q).toBeGreaterThanOrEqual(0);
    }
    expect((await search(db(), 'NEAR')).total).toBe(1);
    expect((await search(db(), '-embassy')).total).toBe(1);
    expect((await search(db(), '')).results).toEqual([]);
    await expect(search(db(), 'x'.repeat(201))).rejects.toThrow(/at most 200/);
  });
});

describeEachDialect('content: site search over long texts', (ctx) => {
  beforeAll(async () => {
    // A report's text: the word searched for on every line, and one word only near its end.
    const report = `${'Evidence from the cotton fields, gathered over the years. '.repeat(6_000)}The appendix names Xinjiang mills.`;
    await reindexAll(ctx.db, [
      doc(1, { kind: 'resource', title: 'Annual report', body: report }),
      doc(2, { body: `${'word '.repeat(90_000)}` }),
    ]);
  });

  test('a long text is found by a word anywhere in it, and its passage takes no longer than a short one’s', async () => {
    const started = performance.now();
    const r = await searchSite(ctx.db, { q: 'evidence', page: 1, perPage: 10 });
    const deep = await searchSite(ctx.db, { q: 'xinjiang', page: 1, perPage: 10 });
    const repeated = await searchSite(ctx.db, { q: 'word', page: 1, perPage: 10 });
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(r.results[0]!.snippetHtml).toContain('<mark>Evidence</mark>');
    expect(repeated.total).toBe(1);
    // Found by the words near the end; the passage is then the opening of the text.
    expect(deep.results.map((x) => x.ref)).toEqual([1]);
    expect(deep.results[0]!.snippetHtml).toMatch(/^Evidence from the cotton fields.*…$/);
  });
});

test('the opening of a body ends at a space and is counted in characters, as the databases count them', () => {
  expect(leadLength('short text')).toBe(10);
  const body = `${'😀'.repeat(10)}${'abcd '.repeat(3_000)}`;
  const n = leadLength(body);
  const lead = [...body].slice(0, n).join('');
  expect(lead.endsWith('abcd')).toBe(true);
  expect(lead.length).toBeLessThanOrEqual(8_000);
  expect(lead.length).toBeGreaterThan(7_800);
});
