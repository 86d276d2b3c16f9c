import fc from 'fast-check';
import sharp from 'sharp';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { changeActionStatus } from '../../actions/service.js';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { listPagesForStaff, publishPage, savePage } from '../service.js';
import { excerptOf, feedHtml, renderAtom, tagUri, type AtomEntry } from './atom.js';
import { storeImage } from '../images/service.js';
import { createResource, setResourcePublished } from '../resources/service.js';
import { addWarningReason, createUpdate, ensureCategory, getPublishedUpdate, publishUpdate } from '../updates/service.js';
import { sitemapDocument } from './service.js';

// Feeds and the sitemap are read back with a real XML parser and checked against what their schemas require: Atom
// (RFC 4287) a feed's id, title and updated, and each entry's id, title, updated and a link or content; sitemaps.org
// a urlset of url/loc. Every address is absolute, drafts never appear, entries under a content warning carry no image.

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  // Repeated elements are arrays however many there are, so a feed with one entry reads like one with twenty.
  isArray: (name) => ['entry', 'link', 'url', 'sitemap', 'author', 'category'].includes(name),
});

/** Parses an XML document, failing the test on any well-formedness error. */
function parseXml(xml: string) {
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw new Error(`not well-formed XML: ${JSON.stringify(valid.err)}`);
  return parser.parse(xml);
}

const text = (v: unknown): string =>
  typeof v === 'object' && v !== null && '#text' in v ? String((v as { '#text': unknown })['#text']) : String(v);

interface AtomLink {
  '@rel'?: string;
  '@href': string;
  '@type'?: string;
}

/** Checks a parsed Atom feed for what RFC 4287 requires, and returns its entries. */
function checkAtom(doc: ReturnType<typeof parseXml>, base: string) {
  const feed = doc.feed;
  expect(feed['@xmlns']).toBe('http://www.w3.org/2005/Atom');
  for (const required of ['id', 'title', 'updated']) expect(text(feed[required]).length).toBeGreaterThan(0);
  expect(Number.isNaN(Date.parse(text(feed.updated)))).toBe(false);
  // A feed-level author, so every entry has one (RFC 4287 4.1.1).
  expect(text(feed.author[0].name).length).toBeGreaterThan(0);
  const links = feed.link as AtomLink[];
  expect(links.find((l) => l['@rel'] === 'self')?.['@href']).toMatch(new RegExp(`^${base}/`));
  expect(links.find((l) => l['@rel'] === 'alternate')?.['@href']).toMatch(new RegExp(`^${base}/`));
  expect(text(feed.icon)).toBe(`${base}/assets/favicon.svg`);
  const entries = (feed.entry ?? []) as Array<Record<string, unknown>>;
  for (const e of entries) {
    for (const required of ['id', 'title', 'updated', 'published']) expect(text(e[required]).length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(text(e.updated)))).toBe(false);
    const link = (e.link as AtomLink[])[0]!;
    expect(link['@href'].startsWith(`${base}/`)).toBe(true);
    expect(e.content).toBeDefined();
    expect(e.summary).toBeDefined();
    expect(text((e.author as Array<{ name: unknown }>)[0]!.name).length).toBeGreaterThan(0);
    // Every address inside the HTML is absolute on the site (or mail/phone).
    for (const m of `${text(e.content)} ${text(e.summary)}`.matchAll(/(?:href|src)="([^"]*)"/g)) {
      expect(m[1]).toMatch(new RegExp(`^(${base}/|https?://|mailto:|tel:)`));
    }
  }
  return entries;
}

test('an entry under a content warning says so first, in summary and content, and carries no image', () => {
  const base = 'https://charity.example';
  const html = feedHtml(
    '<p>Before</p><p><img src="/content/images/1-abc.jpg" alt="a photograph"></p><picture><source srcset="/i/2.webp 1x"><img src="/i/2.jpg" alt=""></picture><p>After <a href="/act/x">act</a></p>',
    { baseUrl: base, images: false },
  );
  expect(html).not.toMatch(/<img|<picture|<source|srcset/);
  expect(html).toContain(`<a href="${base}/act/x">act</a>`);
  const entry: AtomEntry = {
    id: tagUri(base, Date.UTC(2026, 5, 1), 'updates/1'),
    title: 'Hard to read',
    url: `${base}/updates/hard`,
    publishedAt: Date.UTC(2026, 5, 1),
    updatedAt: Date.UTC(2026, 5, 2),
    authorName: 'Amal',
    summary: 'What happened.',
    html,
    warning: { reason: 'descriptions of torture' },
  };
  const doc = parseXml(
    renderAtom({
      id: tagUri(base, 0, 'updates'),
      title: 'News',
      selfUrl: `${base}/feed.xml`,
      pageUrl: `${base}/updates`,
      iconUrl: `${base}/assets/favicon.svg`,
      authorName: 'A charity',
      emptyUpdatedAt: 0,
      entries: [entry],
    }),
  );
  const [e] = checkAtom(doc, base);
  for (const part of [text(e!.summary), text(e!.content)]) {
    expect(part.startsWith('<p><strong>Content warning: descriptions of torture</strong></p>')).toBe(true);
    expect(part).not.toMatch(/<img/);
  }
  expect(text(e!.id)).toBe('tag:charity.example,2026-06-01:updates/1');
  expect(text(e!.published)).toBe('2026-06-01T00:00:00.000Z');
  expect(text(e!.updated)).toBe('2026-06-02T00:00:00.000Z');
  expect(text(doc.feed.updated)).toBe('2026-06-02T00:00:00.000Z');
});

test('without a warning, images stay, with absolute addresses (srcset too); nothing that runs is kept', () => {
  const html = feedHtml(
    '<p><img src="/content/images/1-abc.jpg" alt="x" onerror="alert(1)"></p><picture><source srcset="/i/2.webp 1x, /i/3.webp 2x"><img src="https://elsewhere.example/a.png" alt=""></picture><script>alert(1)</script><iframe src="/x"></iframe>',
    { baseUrl: 'https://c.example', images: true },
  );
  expect(html).toContain('<img src="https://c.example/content/images/1-abc.jpg" alt="x" />');
  expect(html).toContain('srcset="https://c.example/i/2.webp 1x, https://c.example/i/3.webp 2x"');
  expect(html).not.toMatch(/script|iframe|onerror/);
});

test('any title, summary and text make a well-formed feed that reads back the same', () => {
  const base = 'https://c.example';
  fc.assert(
    fc.property(
      fc.string({ unit: 'binary', maxLength: 40 }),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
      fc.constantFrom('', ']]>', ']]>]]>', '<![CDATA[', '&amp;', '\u0000\u0008\uFFFF'),
      (title, summary, nasty) => {
        const xml = renderAtom({
          id: tagUri(base, 0, 'x'),
          title: `${title}${nasty}`,
          selfUrl: `${base}/feed.xml`,
          pageUrl: base,
          iconUrl: `${base}/assets/favicon.svg`,
          authorName: `${nasty}Org`,
          emptyUpdatedAt: 0,
          entries: [
            {
              id: tagUri(base, 0, 'e'),
              title: `${title}${nasty}`,
              url: `${base}/e`,
              publishedAt: 0,
              updatedAt: 0,
              authorName: nasty || 'x',
              summary: `${summary}${nasty}`,
              html: `<p>${nasty}</p>`,
            },
          ],
        });
        const doc = parseXml(xml);
        expect(doc.feed.entry).toHaveLength(1);
        // The entry's title is Atom "html" text: it reads back escaped once, its characters otherwise kept.
        expect(text(doc.feed.entry[0].content)).toContain('<p>');
      },
    ),
    { numRuns: 200 },
  );
});

test('an excerpt is the plain text cut at a word', () => {
  expect(excerptOf('<p>Fish &amp; chips <strong>today</strong></p><script>x</script>')).toBe('Fish & chips today');
  expect(excerptOf(`<p>${'word '.repeat(100)}</p>`, 23)).toBe('word word word word…');
});

describeEachDialect('content: feeds, sitemap and robots.txt', (ctx) => {
  let t: TestLantern;
  const core = () => t.lantern.core;
  let base: string;
  let seq = 0;
  const staff = { id: null, name: 'Amina Yusuf' };

  /** A newsletter as sending leaves it: in the archive with its slug (or not), sent at `at`. */
  async function sentNewsletter(o: { subject: string; body: string; inArchive?: boolean; status?: 'sent' | 'draft'; at?: number }) {
    seq += 1;
    const at = o.at ?? Date.UTC(2026, 3, seq);
    const slug = `2026-04-${String(seq).padStart(2, '0')}-news-${seq}`;
    await core()
      .db.insertInto('newsletters')
      .values({
        subject: o.subject,
        body: o.body,
        list_id: null,
        segment_id: null,
        status: o.status ?? 'sent',
        scheduled_at: null,
        started_at: o.status === 'draft' ? null : at,
        finished_at: o.status === 'draft' ? null : at,
        archive_slug: o.status === 'draft' ? null : slug,
        in_archive: o.inArchive === false ? 0 : 1,
        created_by: null,
        created_at: at,
        updated_at: at,
      })
      .execute();
    return slug;
  }

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    base = t.baseUrl;
    await publishPage(core().db, { slug: 'home', title: 'Home', summary: 's', body: 'b' });
    await publishPage(core().db, { slug: 'privacy', title: 'Privacy', summary: 's', body: 'b' });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('robots.txt lets robots read the public site, keeps them out of private and staff addresses, and names the sitemap', async () => {
    const res = await t.client().get('/robots.txt');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const lines = res.text.split('\n');
    expect(lines[0]).toBe('User-agent: *');
    for (const path of ['/admin', '/s/', '/search', '/letter/', '/setup/', '/updates/preview/'])
      expect(lines).toContain(`Disallow: ${path}`);
    expect(lines).toContain('Allow: /');
    expect(lines).toContain(`Sitemap: ${base}/sitemap.xml`);
    expect(lines.some((l) => l === 'Disallow: /')).toBe(false);
  });

  test('the newsletter archive is also a category feed: sent newsletters in the archive, newest first, in full', async () => {
    const older = await sentNewsletter({
      subject: 'Fish & chips <for> {{org_name}}',
      body: 'Dear {{first_name}}, read [the petition](/act/free-them) and [elsewhere](https://example.org/x).',
    });
    const newer = await sentNewsletter({ subject: 'April news', body: 'Hello.\n\n## What we did\n\nA lot.' });
    const hidden = await sentNewsletter({ subject: 'Not in the archive', body: 'Private.', inArchive: false });
    await sentNewsletter({ subject: 'A draft', body: 'Draft.', status: 'draft' });

    const res = await t.client().get('/categories/newsletter/feed.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const doc = parseXml(res.text);
    const entries = checkAtom(doc, base);
    expect((doc.feed.link as AtomLink[]).find((l) => l['@rel'] === 'self')!['@href']).toBe(`${base}/categories/newsletter/feed.xml`);
    expect((doc.feed.link as AtomLink[]).find((l) => l['@rel'] === 'alternate')!['@href']).toBe(`${base}/newsletters`);
    const links = entries.map((e) => (e.link as AtomLink[])[0]!['@href']);
    expect(links).toEqual([`${base}/newsletters/${newer}`, `${base}/newsletters/${older}`]);
    expect(res.text).not.toContain(hidden);
    expect(res.text).not.toContain('A draft');
    const first = entries[1]!;
    // The title is Atom "html": its own "&" and "<" arrive escaped for the reader; placeholders are filled for nobody.
    expect(text(first.title)).toBe('Fish &amp; chips &lt;for&gt; Lantern');
    expect(text(first.content)).toContain(`<a href="${base}/act/free-them">the petition</a>`);
    expect(text(first.content)).toContain('<a href="https://example.org/x">elsewhere</a>');
    expect(text(first.summary)).toContain('Dear Supporter, read the petition and elsewhere.');
    expect(text(first.id)).toMatch(/^tag:127\.0\.0\.1,2026-04-\d\d:newsletters\//);
    expect(text(doc.feed.updated)).toBe(new Date(Date.UTC(2026, 3, seq - 2)).toISOString());
    // The archive keeps its own address, and its page tells feed readers where the feed is.
    const archive = await t.client().get('/newsletters');
    expect(archive.status).toBe(200);
    expect(archive.text).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Lantern: newsletters" href="${base}/categories/newsletter/feed.xml"/>`,
    );
  });

  test('the site, campaign and category feeds: published updates with excerpt and full text; a warned one warns first, no image', async () => {
    const campaign = (await openTestAction(core(), { kind: 'petition', title: 'Petition beside the news' })).campaignId!;
    const category = await ensureCategory(core().db, { slug: 'vigils', name: 'Vigils & protests' });
    const reason = await addWarningReason(core(), 'Descriptions of violence', staff);
    const body = 'Forty people came. ![The vigil](/content/images/7-abc.jpg) [Sign](/act/free-them)';
    const photo = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#8a5a2b' } })
      .jpeg()
      .toBuffer();
    const image = await storeImage(core(), { bytes: photo, truncated: false }, { alt: 'Candles outside the embassy', staffId: null });
    const plain = await createUpdate(
      core(),
      {
        title: 'Vigil <report> & more',
        excerpt: 'We stood outside.',
        bodyMd: body,
        authorKind: 'staff',
        categoryIds: [category],
        campaignId: campaign,
        featuredImageId: image.id,
      },
      staff,
    );
    await publishUpdate(core(), plain.id, staff);
    const warned = await createUpdate(
      core(),
      {
        title: 'Testimony',
        excerpt: '',
        bodyMd: body,
        authorKind: 'organisation',
        warningReasonId: reason,
        warningText: 'Survivors speak.',
        categoryIds: [category],
        featuredImageId: image.id,
      },
      staff,
    );
    await publishUpdate(core(), warned.id, staff);
    const draft = await createUpdate(
      core(),
      { title: 'Secret draft', excerpt: 'x', bodyMd: 'Not yet.', authorKind: 'staff', campaignId: campaign },
      staff,
    );

    const site = await t.client().get('/feed.xml');
    expect(site.status).toBe(200);
    expect(site.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const siteDoc = parseXml(site.text);
    const entries = checkAtom(siteDoc, base);
    expect(text(siteDoc.feed.id)).toBe(`${base}/feed.xml`);
    expect((siteDoc.feed.link as AtomLink[]).find((l) => l['@rel'] === 'alternate')!['@href']).toBe(`${base}/updates`);
    expect(entries.map((e) => (e.link as AtomLink[])[0]!['@href'])).toEqual([
      `${base}/updates/${warned.slug}`,
      `${base}/updates/${plain.slug}`,
    ]);
    expect(site.text).not.toContain('Secret draft');
    expect(site.text).not.toContain(draft.slug);
    const [w, p] = entries;
    expect(text(p!.title)).toBe('Vigil &lt;report&gt; &amp; more');
    expect(text(p!.summary)).toBe('<p>We stood outside.</p>');
    expect(text(p!.content)).toContain(`<img src="${base}/content/images/7-abc.jpg" alt="The vigil" />`);
    expect(text(p!.content)).toContain(`<a href="${base}/act/free-them">Sign</a>`);
    // The featured image leads the text, at its absolute address.
    expect(text(p!.content).startsWith(`<p><img src="${base}${image.src}" alt="Candles outside the embassy" /></p>`)).toBe(true);
    expect(text((p!.author as Array<{ name: unknown }>)[0]!.name)).toBe('Amina Yusuf');
    expect(p!.category).toEqual([{ '@term': 'Vigils & protests' }]);
    expect(text(p!.id)).toMatch(new RegExp(`^tag:127\\.0\\.0\\.1,\\d{4}-\\d\\d-\\d\\d:updates/${plain.id}$`));
    for (const part of [text(w!.summary), text(w!.content)]) {
      expect(part.startsWith('<p><strong>Content warning: Descriptions of violence</strong></p><p>Survivors speak.</p>')).toBe(true);
      expect(part).not.toMatch(/<img|<picture|srcset/);
    }
    // No excerpt written: the text's opening.
    expect(text(w!.summary)).toContain('Forty people came. Sign');

    const byCampaign = parseXml((await t.client().get('/campaigns/test-campaign/feed.xml')).text);
    expect(checkAtom(byCampaign, base).map((e) => text(e.title))).toEqual(['Vigil &lt;report&gt; &amp; more']);
    expect((byCampaign.feed.link as AtomLink[]).find((l) => l['@rel'] === 'self')!['@href']).toBe(
      `${base}/campaigns/test-campaign/feed.xml`,
    );
    const byCategory = parseXml((await t.client().get('/categories/vigils/feed.xml')).text);
    expect(checkAtom(byCategory, base).map((e) => text(e.title))).toEqual(['Testimony', 'Vigil &lt;report&gt; &amp; more']);
    expect(text(byCategory.feed.title)).toBe('Vigils & protests · Lantern');
    expect((await t.client().get('/campaigns/no-such-campaign/feed.xml')).status).toBe(404);

    // Publishing the draft makes a new version of the feeds that show it.
    const before = site.headers.get('etag')!;
    await publishUpdate(core(), draft.id, staff);
    const after = await t.client().get('/feed.xml', { 'if-none-match': before });
    expect(after.status).toBe(200);
    expect(after.text).toContain('Secret draft');

    // Feed readers find each feed from its page.
    expect((await t.client().get('/')).text).toContain(`type="application/atom+xml" title="News from Lantern" href="${base}/feed.xml"`);
    expect((await t.client().get('/updates')).text).toContain(`href="${base}/feed.xml"`);
    expect((await t.client().get('/categories/vigils')).text).toContain(
      `type="application/atom+xml" title="Vigils &amp; protests: news" href="${base}/categories/vigils/feed.xml"`,
    );
    expect((await t.client().get('/campaigns/test-campaign')).text).toContain(
      `type="application/atom+xml" title="News of Test campaign" href="${base}/campaigns/test-campaign/feed.xml"`,
    );
  });

  test('a feed answers 304 to a reader that holds this version, and a new version once something changes', async () => {
    const c = t.client();
    const first = await c.get('/categories/newsletter/feed.xml');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(first.headers.get('cache-control')).toBe('public, max-age=300');
    expect(first.headers.get('last-modified')).not.toBeNull();
    const again = await c.get('/categories/newsletter/feed.xml', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    expect(again.text).toBe('');
    const since = await c.get('/categories/newsletter/feed.xml', { 'if-modified-since': first.headers.get('last-modified')! });
    expect(since.status).toBe(304);
    await sentNewsletter({ subject: 'May news', body: 'More.', at: Date.UTC(2026, 4, 1) });
    const changed = await c.get('/categories/newsletter/feed.xml', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    expect(changed.text).toContain('May news');
  });

  test('the sitemap lists every public address, absolute, with when it changed, and never a draft', async () => {
    const open = await openTestAction(core(), { kind: 'petition', title: 'Open petition' });
    const draft = await openTestAction(core(), { kind: 'petition', title: 'Draft petition', status: 'draft' });
    const closed = await changeActionStatus(
      core(),
      null,
      (await openTestAction(core(), { kind: 'petition', title: 'Closed' })).id,
      'close',
    );
    const archived = await sentNewsletter({ subject: 'In the sitemap', body: 'x' });
    const hidden = await sentNewsletter({ subject: 'Hidden', body: 'x', inArchive: false });
    const category = await ensureCategory(core().db, { slug: 'reports', name: 'Reports' });
    const update = await createUpdate(
      core(),
      { title: 'In the sitemap', excerpt: 'x', bodyMd: 'x', authorKind: 'staff', categoryIds: [category] },
      staff,
    );
    await publishUpdate(core(), update.id, staff);
    const png = await sharp({ create: { width: 40, height: 40, channels: 3, background: '#205080' } })
      .png()
      .toBuffer();
    const resource = await createResource(
      core(),
      { title: 'Briefing paper', summary: 'x', type: 'briefing' },
      { bytes: png, truncated: false },
      staff,
    );
    await setResourcePublished(core(), resource.id, true, staff);
    const draftResource = await createResource(
      core(),
      { title: 'Unfinished paper', summary: 'x', type: 'briefing' },
      { bytes: png, truncated: false },
      staff,
    );
    await publishPage(core().db, { slug: 'who-we-are', title: 'Who we are', summary: 's', body: 'b' });
    await savePage(
      core(),
      { slug: 'unfinished', title: 'Unfinished', summary: 's', body: 'b', published: false, navPosition: null },
      { staffId: null, taken: new Set(), isNew: true },
    );
    const draftUpdate = await createUpdate(core(), { title: 'Draft update', excerpt: 'x', bodyMd: 'x', authorKind: 'staff' }, staff);

    const res = await t.client().get('/sitemap.xml');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/xml; charset=utf-8');
    const doc = parseXml(res.text);
    expect(doc.urlset['@xmlns']).toBe('http://www.sitemaps.org/schemas/sitemap/0.9');
    const urls = doc.urlset.url as Array<{ loc: string; lastmod?: string }>;
    const locs = urls.map((u) => u.loc);
    for (const loc of locs) expect(loc.startsWith(`${base}/`)).toBe(true);
    expect(new Set(locs).size).toBe(locs.length);
    for (const path of [
      '/',
      '/privacy',
      '/act',
      `/act/${open.slug}`,
      `/act/${closed.slug}`,
      '/campaigns/test-campaign',
      '/newsletters',
      `/newsletters/${archived}`,
    ]) {
      expect(locs).toContain(`${base}${path}`);
    }
    for (const path of ['/updates', `/updates/${update.slug}`, '/categories/reports', '/resources', `/resources/${resource.slug}`]) {
      expect(locs).toContain(`${base}${path}`);
    }
    expect(locs).not.toContain(`${base}/resources/${draftResource.slug}`);
    for (const path of ['/who-we-are', '/contact', '/data-sources']) expect(locs).toContain(`${base}${path}`);
    expect(locs).not.toContain(`${base}/unfinished`);
    expect((await listPagesForStaff(core().db)).find((p) => p.slug === 'unfinished')?.published).toBe(false);
    expect(locs).not.toContain(`${base}/updates/${draftUpdate.slug}`);
    const published = (await getPublishedUpdate(core().db, update.slug))!;
    expect(urls.find((u) => u.loc === `${base}/categories/reports`)!.lastmod).toBe(new Date(published.updatedAt).toISOString());
    expect(locs).not.toContain(`${base}/act/${draft.slug}`);
    expect(locs).not.toContain(`${base}/newsletters/${hidden}`);
    expect(urls.find((u) => u.loc === `${base}/act/${open.slug}`)!.lastmod).toBe(new Date(open.updatedAt).toISOString());
    // Robots are not sent to private addresses.
    expect(locs.some((l) => /\/admin|\/s\/|\/search/.test(l))).toBe(false);
  });

  test('past the limit of one document the sitemap is an index of parts, each a sitemap of its own', async () => {
    const index = (await sitemapDocument(core(), { limit: 3 }))!;
    const doc = parseXml(index.body);
    const parts = doc.sitemapindex.sitemap as Array<{ loc: string; lastmod?: string }>;
    const all = parseXml((await sitemapDocument(core()))!.body).urlset.url as Array<{ loc: string }>;
    expect(parts.length).toBe(Math.ceil(all.length / 3));
    expect(parts[0]!.loc).toBe(`${base}/sitemaps/1.xml`);
    const seen: string[] = [];
    for (let i = 1; i <= parts.length; i++) {
      const part = parseXml((await sitemapDocument(core(), { limit: 3, part: i }))!.body);
      seen.push(...(part.urlset.url as Array<{ loc: string }>).map((u) => u.loc));
    }
    expect(seen).toEqual(all.map((u) => u.loc));
    expect(await sitemapDocument(core(), { limit: 3, part: parts.length + 1 })).toBeUndefined();
    // With everything in one document, there are no parts to ask for.
    expect((await t.client().get('/sitemaps/1.xml')).status).toBe(404);
  });

  test('an unknown category or part is "not found", and no feed address ever answers a 500', async () => {
    expect((await t.client().get('/categories/no-such-category/feed.xml')).status).toBe(404);
    expect((await t.client().get('/sitemaps/0.xml')).status).toBe(404);
    // A NUL byte is refused by PostgreSQL inside a query: it must never get that far.
    for (const path of ['/categories/%00/feed.xml', '/campaigns/%00/feed.xml', '/campaigns/a%00b/feed.xml', '/sitemaps/%00.xml']) {
      expect((await t.client().get(path)).status).toBe(404);
    }
    const segment = fc.oneof(
      fc.string({ minLength: 1, maxLength: 30 }),
      fc.constantFrom(
        'newsletter',
        '..',
        '%00',
        '%2F',
        '%E0%A4%A',
        'x'.repeat(300),
        '<script>',
        "' or 1=1 --",
        '__proto__',
        '1.xml',
        '99999999.xml',
      ),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('/categories/%s/feed.xml', '/campaigns/%s/feed.xml', '/sitemaps/%s'),
        segment,
        async (pattern, s) => {
          const raw = /^[\w.-]*$/.test(s) || s.startsWith('%') ? s : encodeURIComponent(s);
          const res = await fetch(`${base}${pattern.replace('%s', raw)}`, { redirect: 'manual' });
          await res.arrayBuffer();
          expect(res.status).toBeLessThan(500);
          expect([200, 301, 400, 404]).toContain(res.status);
        },
      ),
      { numRuns: 60 },
    );
  });
});
