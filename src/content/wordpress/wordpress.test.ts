import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import type { TestClient } from '../../../test/helpers/http.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { findUpdateBySlug, getPublishedUpdate } from '../updates/service.js';
import { importWordPressFile, type ImportReport } from './service.js';
import { WxrError } from './wxr.js';

// The import over a whole Lantern on both dialects: what the fixture (a fictional charity's export) becomes, that
// a second run changes nothing, that every old address answers 301 over HTTP, that a hostile file writes nothing,
// and the staff journey: an editor imports an export, fixes one imported post, and a later import leaves the fix.

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/wordpress/riverside.xml', import.meta.url));

const TABLES = [
  'updates',
  'categories',
  'tags',
  'update_revisions',
  'content_redirects',
  'pages',
  'wordpress_items',
  'wordpress_attachments',
  'wordpress_imports',
  'audit_log',
  'search_documents',
] as const;

describeEachDialect('the WordPress import', (ctx) => {
  let t: TestLantern;
  let editor: TestClient;
  let campaigner: TestClient;
  let dir: string;
  let first: ImportReport;
  let dry: ImportReport;
  const core = () => t.lantern.core;
  const db = () => core().db;

  async function counts(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const table of TABLES) {
      const r = await db()
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      out[table] = Number(r.n);
    }
    return out;
  }
  async function updatesState() {
    return db().selectFrom('updates').select(['id', 'slug', 'status', 'updated_at', 'published_at', 'publish_at']).orderBy('id').execute();
  }

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    editor = (await signedInAs(t, 'editor')).client;
    campaigner = (await signedInAs(t, 'campaigner')).client;
    dir = mkdtempSync(join(tmpdir(), 'lantern-wp-'));
  });
  afterAll(async () => {
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('a dry run reports what would be imported and writes nothing', async () => {
    const before = await counts();
    const lines: string[] = [];
    const report = await importWordPressFile(core(), FIXTURE, { dryRun: true, progress: (l) => lines.push(l) });
    dry = report;
    expect(report.dryRun).toBe(true);
    expect(report.imported).toEqual({ update: 5, page: 2, category: 3 });
    expect(await counts()).toEqual(before);
    expect(lines.some((l) => /12 items/.test(l))).toBe(true);
  });

  test('posts become updates in their categories with their dates; drafts, private and future posts are not public', async () => {
    first = await importWordPressFile(core(), FIXTURE, { fileName: 'riverside.xml' });
    expect(first.imported).toEqual({ update: 5, page: 2, category: 3 });
    expect(first.updated).toEqual({ update: 0, page: 0, category: 0 });
    // The dry run said exactly this.
    expect({ ...dry, dryRun: false, fileName: first.fileName }).toEqual(first);

    const candles = await getPublishedUpdate(db(), 'candles-outside-the-embassy');
    expect(candles).toBeDefined();
    expect(candles!.publishedAt).toBe(Date.UTC(2025, 2, 14, 18, 30, 0));
    expect(candles!.authorName).toBe('Hana Okafor');
    expect(candles!.categories.map((c) => c.slug)).toEqual(['vigils']);
    expect(candles!.tags).toEqual(['Embassy']);
    expect(candles!.html).toContain('Candles on the embassy steps at dusk');
    expect(candles!.html).not.toContain('<img');
    expect(candles!.html).toContain('href="/2024/11/02/why-we-write/"');
    expect(candles!.excerpt).toMatch(/^Two hundred of you stood with us/);

    const letters = await getPublishedUpdate(db(), 'why-we-write');
    expect(letters!.excerpt).toBe('Why a letter from a stranger matters.');
    expect(letters!.authorName).toBe('The comms team');
    expect(letters!.html).toContain('<table>');
    expect(letters!.html).not.toMatch(/<script|javascript:|data:|onerror|onclick|<iframe|<svg/i);

    // The draft has no slug on WordPress: it gets one from its title, and stays a draft.
    const draft = await findUpdateBySlug(db(), 'notes-for-the-april-hand-in');
    expect(draft?.status).toBe('draft');
    const future = await findUpdateBySlug(db(), 'the-petition-goes-in');
    expect(future?.status).toBe('scheduled');
    expect(future?.publishAt).toBe(Date.UTC(2099, 3, 1, 9, 0, 0));
    const protectedPost = await findUpdateBySlug(db(), 'for-trustees');
    expect(protectedPost?.status).toBe('draft');
    expect(await findUpdateBySlug(db(), 'old-announcement')).toBeUndefined();

    const categories = await db().selectFrom('categories').select(['slug', 'name', 'description']).orderBy('slug').execute();
    expect(categories).toEqual(
      expect.arrayContaining([
        { slug: 'campaign-news', name: 'Campaign news', description: '' },
        { slug: 'vigils', name: 'Vigils & events', description: 'Where we gathered.' },
      ]),
    );

    const reasons = first.skipped.map((s) => s.reason).join('\n');
    expect(reasons).toMatch(/bin/);
    expect(reasons).toMatch(/menu/);
    expect(reasons).toMatch(/Comments are not imported/);
    expect(reasons).toMatch(/already has a page at that address/);
    expect(first.notes.map((n) => n.reason).join('\n')).toMatch(/password/);
    expect(first.droppedShortcodes).toEqual({ gallery: 1, 'contact-form-7': 1 });
    // The attachment (its image was also in the post: listed once) and the annual report.
    expect(first.attachmentsListed).toBe(2);
    // Nothing of the commenter reached the database.
    const everything = JSON.stringify(await db().selectFrom('updates').selectAll().execute());
    expect(everything).not.toContain('supporter@example.net');
    expect(everything).not.toContain('192.0.2.4');
  });

  test('a published page is published at /<slug>, a draft page stays a draft, and Lantern’s own privacy page is not replaced', async () => {
    const pages = await db().selectFrom('pages').select(['slug', 'title', 'body', 'published_at']).execute();
    const who = pages.find((p) => p.slug === 'who-we-are');
    expect(who?.title).toBe('Who we are');
    expect(who?.body).toContain('We have written 10,000 letters since 2015.');
    expect(who?.body).not.toContain('vc_');
    expect(who?.published_at).not.toBeNull();
    expect((await t.client().get('/who-we-are')).status).toBe(200);
    expect(pages.find((p) => p.slug === 'volunteer-handbook')?.published_at).toBeNull();
    expect((await t.client().get('/volunteer-handbook')).status).toBe(404);
    const privacy = pages.find((p) => p.slug === 'privacy');
    if (privacy) expect(privacy.body).not.toContain('Our old privacy policy');
    expect(first.skipped.find((s) => s.examples.includes('Privacy policy'))).toBeDefined();
  });

  test('every old address answers 301 with the new one', async () => {
    const c = t.client();
    const expectations: Array<[string, string]> = [
      ['/?p=101', '/updates/candles-outside-the-embassy'],
      ['/2025/03/14/candles-outside-the-embassy/', '/updates/candles-outside-the-embassy'],
      ['/2025/03/candles-outside-the-embassy/', '/updates/candles-outside-the-embassy'],
      ['/candles-outside-the-embassy/', '/updates/candles-outside-the-embassy'],
      ['/2024/11/02/why-we-write/', '/updates/why-we-write'],
      ['/?p=88', '/updates/why-we-write'],
      ['/category/campaign-news/', '/categories/campaign-news'],
      ['/category/campaign-news/vigils/', '/categories/vigils'],
      ['/category/vigils/', '/categories/vigils'],
      ['/?cat=4', '/categories/vigils'],
      ['/?page_id=2', '/who-we-are'],
    ];
    for (const [from, to] of expectations) {
      const r = await c.get(from);
      expect([from, r.status]).toEqual([from, 301]);
      expect(new URL(r.headers.get('location')!, t.baseUrl).pathname).toBe(to);
    }
    expect((await c.get('/updates/candles-outside-the-embassy')).status).toBe(200);
    // A draft and a private post had no public address: none is made for them.
    expect((await c.get('/?p=120')).status).not.toBe(301);
    expect((await c.get('/2025/01/05/for-trustees/')).status).toBe(404);
  });

  test('a second run changes nothing: the same counts, and no update touched', async () => {
    const before = await counts();
    const state = await updatesState();
    const again = await importWordPressFile(core(), FIXTURE, {});
    expect(again.imported).toEqual({ update: 0, page: 0, category: 0 });
    expect(again.updated).toEqual({ update: 0, page: 0, category: 0 });
    expect(again.unchanged).toEqual({ update: 5, page: 2, category: 3 });
    expect(again.attachmentsListed).toBe(0);
    const after = await counts();
    // The run itself is recorded (its report and one audit entry); nothing else is written.
    expect(after).toEqual({ ...before, wordpress_imports: before.wordpress_imports! + 1, audit_log: before.audit_log! + 1 });
    expect(await updatesState()).toEqual(state);
  });

  test('an editor sees the report and the files to fetch by hand; the old addresses are text, not links or images', async () => {
    const r = await editor.get('/admin/content/wordpress');
    expect(r.status).toBe(200);
    expect(r.text).toContain('Moving in from WordPress');
    expect(r.text).toContain('riverside.xml');
    expect(r.text).toContain('https://riverside-rights.example.org/wp-content/uploads/2025/01/annual-report-2024.pdf');
    expect(r.text).toContain('The update “Candles outside the embassy”');
    expect(r.text).not.toMatch(/<(img|a)[^>]+riverside-rights\.example\.org/);
    expect((await campaigner.get('/admin/content/wordpress')).status).toBe(200);
    expect((await t.client().get('/admin/content/wordpress')).status).toBe(303);
    // Any page number, however typed, shows a page (the last one when past the end), never an error.
    for (const q of ['abc', '-1', '0', '99999999999', '1e3', '2', '%E2%80%AE1'])
      expect([q, (await editor.get(`/admin/content/wordpress?page=${q}`)).status]).toEqual([q, 200]);
    // A control character is refused by every form and query alike (core/web/text-input.ts), as a 400, not a 500.
    expect((await editor.get('/admin/content/wordpress?page=%00')).status).toBe(400);
    // The audit log says what the import did, in words.
    const owner = (await signedInAs(t, 'owner')).client;
    expect((await owner.get('/admin/audit')).text).toContain('imported a WordPress export');
  });

  test('an editor fixes one imported post; importing an updated export later leaves the fix and updates the rest', async () => {
    const candles = await findUpdateBySlug(db(), 'candles-outside-the-embassy');
    const page = await editor.get(`/admin/content/updates/${candles!.id}`);
    expect(page.status).toBe(200);
    const saved = await editor.post(`/admin/content/updates/${candles!.id}`, {
      title: 'Candles outside the embassy',
      slug: 'candles-outside-the-embassy',
      excerpt: candles!.excerpt,
      body: `${candles!.bodyMd}\n\nCorrection: it was two hundred and fifty of you.`,
      authorKind: 'custom',
      authorName: 'Hana Okafor',
      categoryIds: candles!.categoryIds.map(String),
      tags: 'Embassy',
      intent: 'save',
    });
    expect(saved.status).toBe(303);

    // The charity exported again after changing both posts on WordPress.
    const { readFileSync } = await import('node:fs');
    const changed = readFileSync(FIXTURE, 'utf8')
      .replace('holding candles for the eleven writers', 'holding candles for the twelve writers')
      .replace('tells a prisoner, and their jailers,', 'tells a prisoner and their jailers');
    const file = join(dir, 'riverside-later.xml');
    writeFileSync(file, changed);
    const later = await importWordPressFile(core(), file, {});
    expect(later.updated.update).toBe(1);
    expect(later.skipped.find((s) => /Changed on Lantern/.test(s.reason))?.examples).toEqual(['Candles outside the embassy']);
    expect((await getPublishedUpdate(db(), 'candles-outside-the-embassy'))!.bodyMd).toContain('two hundred and fifty');
    expect((await getPublishedUpdate(db(), 'candles-outside-the-embassy'))!.bodyMd).toContain('eleven writers');
    expect((await getPublishedUpdate(db(), 'why-we-write'))!.html).toContain('tells a prisoner and their jailers');
  });

  test('hostile and broken files are refused with a clear message, and nothing is written', async () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://x.example</wp:base_site_url>';
    const post = (id: number) =>
      `<item><title>Post ${id}</title><wp:post_id>${id}</wp:post_id><wp:post_name>hostile-${id}</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>`;
    const files: Array<[string, string | Buffer, RegExp]> = [
      [
        'laughs.xml',
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>${head.slice(head.indexOf('<rss'))}${post(1)}<item><title>&b;</title></item></channel></rss>`,
        /DOCTYPE/,
      ],
      [
        'xxe.xml',
        `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>${head.slice(head.indexOf('<rss'))}${post(1)}<item><title>&x;</title></item></channel></rss>`,
        /DOCTYPE/,
      ],
      ['latin.xml', head.replace('UTF-8', 'ISO-8859-1') + post(1) + '</channel></rss>', /only UTF-8/],
      [
        'bytes.xml',
        Buffer.concat([
          Buffer.from(head + post(1) + '<item><title>Caf'),
          Buffer.from([0xe9, 0x20]),
          Buffer.from('</title></item></channel></rss>'),
        ]),
        /not UTF-8/,
      ],
      // The good items come first: a file that breaks late still writes none of them.
      ['truncated.xml', head + post(1) + post(2) + '<item><title>Half', /well-formed|end/i],
      [
        'feed.xml',
        '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item><title>x</title></item></channel></rss>',
        /not a WordPress export/,
      ],
    ];
    const before = await counts();
    for (const [name, content, message] of files) {
      const file = join(dir, name);
      writeFileSync(file, content);
      const refused = await importWordPressFile(core(), file, {}).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(refused, name).toBeInstanceOf(WxrError);
      expect((refused as Error).message, name).toMatch(message);
    }
    expect(await counts()).toEqual(before);
  });

  test('a file nested deeper than any export, or replaced between its check and its import, is refused; nothing is written', async () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://changing.example</wp:base_site_url>';
    const post = `<item><title>Written while read</title><wp:post_id>1</wp:post_id><wp:post_name>written-while-read</wp:post_name><wp:post_type>post</wp:post_type><wp:status>publish</wp:status></item>`;
    const before = await counts();
    const deep = join(dir, 'deep.xml');
    writeFileSync(deep, `${head}${post}<item>${'<a>'.repeat(100_000)}`);
    await expect(importWordPressFile(core(), deep, {})).rejects.toThrow(/nests elements deeper than a WordPress export/);

    const changing = join(dir, 'changing.xml');
    writeFileSync(changing, `${head}${post}</channel></rss>`);
    const refused = await importWordPressFile(core(), changing, {
      // WordPress writing the export again, between the check and the import.
      progress: (line) => {
        if (/^The export holds/.test(line)) writeFileSync(changing, `${head}${post}${post.replace(/1/g, '2')}</channel></rss>`);
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(WxrError);
    expect((refused as Error).message).toMatch(/changed while it was being checked/);
    expect(await counts()).toEqual(before);
  });

  test('a front page (its address the site itself) and a post named ".." are imported; only addresses of pages become redirects', async () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><link>https://front.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://front.example</wp:base_site_url>';
    const item = (id: number, type: string, name: string, link: string) =>
      `<item><title>Item ${id}</title><link>${link}</link><wp:post_id>${id}</wp:post_id><wp:post_name>${name}</wp:post_name><wp:post_date>2024-05-01 10:00:00</wp:post_date><wp:post_type>${type}</wp:post_type><wp:status>publish</wp:status><content:encoded><![CDATA[Words.]]></content:encoded></item>`;
    const file = join(dir, 'front.xml');
    writeFileSync(
      file,
      `${head}${item(9001, 'page', 'welcome-to-the-trust', 'https://front.example/')}${item(9002, 'post', '%2E%2e', 'https://front.example/2024/05/01/%2e%2e/')}${item(9003, 'post', 'after-them', 'https://front.example/2024/05/01/after-them/')}</channel></rss>`,
    );
    const dryRun = await importWordPressFile(core(), file, { dryRun: true });
    const report = await importWordPressFile(core(), file, {});
    expect(report.imported).toMatchObject({ update: 2, page: 1 });
    expect(dryRun.redirects).toBe(report.redirects);
    const res = await t.client().get('/?page_id=9001');
    expect(res.status).toBe(301);
    expect(new URL(res.headers.get('location')!, t.baseUrl).pathname).toBe('/welcome-to-the-trust');
    expect(
      await db()
        .selectFrom('content_redirects')
        .select('from_path')
        .where('from_path', 'in', ['/', '/2024/05/01', '/2024/05', '/2024'])
        .execute(),
    ).toEqual([]);
  });

  test('odd but possible items are imported or skipped with a reason, never stopping the import', async () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><link>https://odd.example</link><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://odd.example</wp:base_site_url><wp:category><wp:term_id>0</wp:term_id><wp:category_nicename></wp:category_nicename><wp:cat_name></wp:cat_name></wp:category><wp:category><wp:term_id>77</wp:term_id><wp:category_nicename>%e2%9c%8a-solidarit%c3%a9</wp:category_nicename><wp:cat_name></wp:cat_name></wp:category>';
    const item = (id: number, fields: string) =>
      `<item><wp:post_id>${id}</wp:post_id><wp:post_type>post</wp:post_type>${fields}<content:encoded><![CDATA[Words of ${id}.]]></content:encoded></item>`;
    const items = [
      item(
        8001,
        '<title></title><wp:status>publish</wp:status><wp:post_name></wp:post_name><wp:post_date_gmt>0000-00-00 00:00:00</wp:post_date_gmt>',
      ),
      item(
        8002,
        '<title>Empty terms</title><wp:status>publish</wp:status><category domain="post_tag" nicename=""><![CDATA[]]></category><category domain="category" nicename=""><![CDATA[]]></category><category domain="category" nicename="%e2%9c%8a-solidarit%c3%a9"><![CDATA[]]></category>',
      ),
      item(8002, '<title>The same id again</title><wp:status>publish</wp:status><wp:post_name>same-id-again</wp:post_name>'),
      item(0, '<title>No id</title><wp:status>draft</wp:status>'),
      item(
        8003,
        `<title>${'Long title '.repeat(100)}</title><wp:status>future</wp:status><wp:post_date_gmt>2020-01-01 00:00:00</wp:post_date_gmt><dc:creator>${'x'.repeat(500)}</dc:creator>`,
      ),
      item(8004, '<title>Odd status</title><wp:status>something-else</wp:status><wp:post_name>updates</wp:post_name>'),
      item(
        8005,
        '<title>A tag too long</title><wp:status>publish</wp:status><category domain="post_tag" nicename="t"><![CDATA[' +
          'tag '.repeat(100) +
          ']]></category>',
      ),
    ];
    const file = join(dir, 'odd.xml');
    writeFileSync(file, `${head}${items.join('')}</channel></rss>`);
    const dryRun = await importWordPressFile(core(), file, { dryRun: true });
    const report = await importWordPressFile(core(), file, {});
    expect(dryRun).toEqual({ ...report, dryRun: true });
    expect(report.imported).toEqual({ update: 5, page: 0, category: 1 });
    expect(report.skipped.map((s) => [s.reason, s.examples])).toEqual([
      ['The export holds another item with the same WordPress id: the first was imported', ['The same id again']],
      ['No WordPress id in the export, so a later import could not recognise it', ['No id']],
    ]);
    const first = await findUpdateBySlug(db(), 'empty-terms');
    expect(first?.title).toBe('Empty terms');
    // Nothing changes on a second run, and no update is written again.
    const updatesBefore = await updatesState();
    const again = await importWordPressFile(core(), file, {});
    expect(again.imported).toEqual({ update: 0, page: 0, category: 0 });
    expect(again.updated).toEqual({ update: 0, page: 0, category: 0 });
    expect(await updatesState()).toEqual(updatesBefore);
  });

  test('a post with far more formatting than an update holds is skipped with that reason; the others are imported', async () => {
    const head =
      '<?xml version="1.0" encoding="UTF-8"?>\n<rss xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>https://huge.example</wp:base_site_url>';
    const post = (id: number, title: string, content: string) =>
      `<item><title>${title}</title><wp:post_id>${id}</wp:post_id><wp:post_name>huge-${id}</wp:post_name><wp:post_type>post</wp:post_type><wp:status>draft</wp:status><content:encoded><![CDATA[${content}]]></content:encoded></item>`;
    const file = join(dir, 'huge.xml');
    writeFileSync(
      file,
      `${head}${post(1, 'Line after line', 'Line\n'.repeat(300_000))}${post(2, 'An ordinary note', 'Short.')}</channel></rss>`,
    );
    const report = await importWordPressFile(core(), file, {});
    expect(report.imported.update).toBe(1);
    expect(report.skipped.find((s) => /Far more than an update holds/.test(s.reason))?.examples).toEqual(['Line after line']);
    expect(await db().selectFrom('updates').select('slug').where('slug', 'in', ['huge-1', 'huge-2']).execute()).toEqual([
      { slug: 'huge-2' },
    ]);
  });
});
