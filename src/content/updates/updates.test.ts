import sharp from 'sharp';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import type { TestClient } from '../../../test/helpers/http.js';
import { formString } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { saveSiteSettings } from '../../core/settings.js';
import { zonedLocalToUtc } from '../../core/time.js';
import { seedUpdatesDemo } from './demo.js';
import { jobs } from './jobs.js';
import { storeImage } from '../images/service.js';
import { createUpdate, listPublishedUpdates, publishUpdate, renderUpdateBody, type UpdateInput } from './service.js';

// Updates over real HTTP on both dialects: who sees drafts, scheduled and published updates; the job that publishes
// at the time staff entered in the organisation's zone (across a clock change); private preview links; revisions;
// renamed slugs; categories and pagination; the content warning's markup; permissions; hostile Markdown; and
// garbage thrown at every staff form.

// Markdown that must never put script, frames, styles or another origin's requests on a page.
const PAYLOADS: Array<[string, string]> = [
  ['script tag', '<script>alert(1)</script>'],
  ['javascript: link', '[click](javascript:alert(1))'],
  ['javascript: link, obfuscated', '[click](JaVaScRiPt:alert(1)) [x](java\tscript:alert(1)) <javascript:alert(1)>'],
  ['data: link', '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)'],
  ['vbscript: link', '[click](vbscript:msgbox(1))'],
  ['event handler', '<img src=x onerror=alert(1)> <a href="#" onclick="alert(1)">x</a>'],
  ['event handler in a link title', '[x](https://example.org "a\\" onmouseover=\\"alert(1)")'],
  ['iframe', '<iframe src="https://evil.example"></iframe>'],
  ['svg with script', '<svg><script>alert(1)</script></svg><svg onload=alert(1)>'],
  ['image from another site', '![x](https://evil.example/track.png)'],
  ['image, protocol-relative', '![x](//evil.example/track.png)'],
  ['style', '<style>body{display:none}</style><p style="position:fixed">x</p>'],
  ['form', '<form action="https://evil.example"><input name=a></form>'],
  ['object and embed', '<object data="x.swf"></object><embed src="x.swf">'],
  ['meta refresh', '<meta http-equiv="refresh" content="0;url=https://evil.example">'],
  ['link with entity-encoded scheme', '[x](&#106;avascript:alert(1))'],
];

const ALLOWED_TAGS = new Set([
  'p',
  'br',
  'hr',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'blockquote',
  'ul',
  'ol',
  'li',
  'strong',
  'em',
  's',
  'code',
  'pre',
  'a',
  'table',
  'thead',
  'tbody',
  'tr',
  'th',
  'td',
  'img',
]);
const ALLOWED_ATTRIBUTES = new Set(['href', 'title', 'start', 'style', 'src', 'alt']);

/** What in rendered HTML could run script, frame, style or load from elsewhere: a list of problems (empty when safe). */
function unsafeMarkup(html: string): string[] {
  const problems: string[] = [];
  for (const m of html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    const tag = m[1]!.toLowerCase();
    if (!ALLOWED_TAGS.has(tag)) problems.push(`tag ${tag}`);
    for (const a of m[2]!.matchAll(/\s+([^\s=>]+)(?:="([^"]*)")?/g)) {
      const name = a[1]!.toLowerCase();
      const value = (a[2] ?? '')
        .replace(/&amp;/g, '&')
        .replace(/&#x?[0-9a-f]+;?/gi, '?')
        .trim();
      if (!ALLOWED_ATTRIBUTES.has(name)) problems.push(`attribute ${name} on ${tag}`);
      if (name === 'href' && !/^(https?:|mailto:|tel:|\/(?!\/)|#)/i.test(value) && value !== '') problems.push(`href ${value}`);
      if (name === 'src' && !/^\/(?!\/)/.test(value)) problems.push(`src ${value}`);
      if (name === 'style' && !/^(text-align:(left|right|center);?)?$/.test(value.replace(/\s/g, ''))) problems.push(`style ${value}`);
    }
  }
  // Anything that looks like a tag but is not one the pattern above read (a stray "<" would be escaped).
  if (/<(?![a-zA-Z/])/.test(html)) problems.push('stray <');
  return problems;
}

test('the safety check itself finds what it is there to find', () => {
  expect(unsafeMarkup('<p>ok <a href="https://example.org">x</a></p>')).toEqual([]);
  expect(unsafeMarkup('<script>x</script>')).toContain('tag script');
  expect(unsafeMarkup('<a href="javascript:alert(1)">x</a>')).toContain('href javascript:alert(1)');
  expect(unsafeMarkup('<img src="//evil.example/x.png" onerror="x">').sort()).toEqual([
    'attribute onerror on img',
    'src //evil.example/x.png',
  ]);
  expect(unsafeMarkup('<p>1 < 2</p>')).toContain('stray <');
});

test('hostile Markdown renders safely: no script, handler, frame, style, form, or request to another origin', () => {
  for (const [name, md] of PAYLOADS) {
    const html = renderUpdateBody(md);
    expect(unsafeMarkup(html), name).toEqual([]);
  }
  // An image on this site's own address is kept; nothing else is.
  expect(renderUpdateBody('![Vigil](/images/12-abc.webp)')).toContain('src="/images/12-abc.webp"');
});

test('a 5,000-cell table and 2,000-deep nesting render quickly and safely', () => {
  const header = `|${Array.from({ length: 50 }, (_, i) => ` h${i} `).join('|')}|`;
  const rule = `|${Array.from({ length: 50 }, () => ' --- ').join('|')}|`;
  const row = `|${Array.from({ length: 50 }, () => ' <b onclick=x>c</b> ').join('|')}|`;
  const table = [header, rule, ...Array.from({ length: 100 }, () => row)].join('\n');
  const quotes = `${'> '.repeat(2000)}deep`;
  const lists = Array.from({ length: 2000 }, (_, i) => `${'  '.repeat(i)}- item`).join('\n');
  const brackets = `${'['.repeat(2000)}x${']'.repeat(2000)}`;
  const emphasis = `${'*'.repeat(2000)}x${'*'.repeat(2000)}`;
  for (const md of [table, quotes, lists, brackets, emphasis]) {
    const started = performance.now();
    const html = renderUpdateBody(md);
    expect(performance.now() - started).toBeLessThan(2000);
    expect(unsafeMarkup(html)).toEqual([]);
  }
  expect((renderUpdateBody(table).match(/<td/g) ?? []).length).toBe(5000);
});

describeEachDialect('content updates over HTTP', (ctx) => {
  let t: TestLantern;
  let owner: TestClient;
  let editor: TestClient;
  let campaigner: TestClient;
  const core = () => t.lantern.core;
  const db = () => core().db;
  const staff = { id: null, name: 'Amina Yusuf' };
  const input = (over: Partial<UpdateInput> = {}): UpdateInput => ({
    title: 'Vigil report',
    excerpt: 'We stood outside the embassy.',
    bodyMd: 'Forty people came.',
    authorKind: 'staff',
    ...over,
  });
  const form = (over: Record<string, string | string[]> = {}) => ({
    title: 'Letter to the minister',
    slug: '',
    excerpt: 'What we asked for.',
    body: 'We asked for **three** things.',
    authorKind: 'staff',
    intent: 'save',
    ...over,
  });
  const idFrom = (location: string | null) => Number(/\/admin\/content\/updates\/(\d+)/.exec(location ?? '')?.[1]);

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    await saveSiteSettings(db(), { orgName: 'Freedom Thread', timeZone: 'Europe/London' });
    owner = (await signedInAs(t, 'owner')).client;
    editor = (await signedInAs(t, 'editor')).client;
    campaigner = (await signedInAs(t, 'campaigner', { name: 'Chen Wei' })).client;
  });
  afterAll(async () => {
    await t?.close();
  });

  const countRows = async (
    table: 'updates' | 'update_revisions' | 'categories' | 'tags' | 'content_warning_reasons' | 'update_categories',
  ) =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('a campaigner writes a draft but cannot publish it; an editor publishes it; drafts and scheduled are not found', async () => {
    await campaigner.get('/admin/content/updates/new');
    const made = await campaigner.post('/admin/content/updates', form());
    expect(made.status).toBe(303);
    const id = idFrom(made.headers.get('location'));
    expect((await t.client().get('/updates/letter-to-the-minister')).status).toBe(404);

    await campaigner.get(`/admin/content/updates/${id}`);
    const refused = await campaigner.post(`/admin/content/updates/${id}`, form({ title: 'Changed by a campaigner', intent: 'publish' }));
    expect(refused.status).toBe(403);
    const row = await db().selectFrom('updates').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: 'draft', title: 'Letter to the minister', author_display: 'Chen Wei' });
    expect((await campaigner.post(`/admin/content/updates/${id}/unpublish`, {})).status).toBe(403);

    const page = await editor.get(`/admin/content/updates/${id}`);
    expect(page.text).toContain('Publish now');
    const published = await editor.post(`/admin/content/updates/${id}`, form({ intent: 'publish' }));
    expect(published.status).toBe(303);
    const pub = await t.client().get('/updates/letter-to-the-minister');
    expect(pub.status).toBe(200);
    expect(pub.text).toContain('<strong>three</strong>');
    // The original writer stays the author when an editor saves it.
    expect(pub.text).toContain('By Chen Wei');
    expect(pub.text).toContain('rel="canonical"');
    expect((await t.client().get('/updates')).text).toContain('Letter to the minister');

    // Scheduled: off the website until its time.
    await editor.get(`/admin/content/updates/${id}`);
    expect((await editor.post(`/admin/content/updates/${id}`, form({ intent: 'schedule', publishAt: '2099-01-01T09:00' }))).status).toBe(
      303,
    );
    expect((await t.client().get('/updates/letter-to-the-minister')).status).toBe(404);
    expect((await editor.get('/admin/content/updates')).text).toContain('Scheduled for 1 Jan 2099, 09:00');
    await editor.post(`/admin/content/updates/${id}/unpublish`, {});
    expect((await db().selectFrom('updates').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status).toBe('draft');

    const audit = await db().selectFrom('audit_log').select('action').where('target', '=', `update ${id}`).execute();
    expect(audit.map((a) => a.action)).toEqual(
      expect.arrayContaining(['update.create', 'update.save', 'update.publish', 'update.schedule', 'update.unpublish']),
    );
  });

  test('the job publishes a scheduled update at the local time entered, across a clock change, once', async () => {
    // 01:30 on the morning the clocks go back happens twice in London; the first (summer time, 00:30 UTC) is meant.
    await owner.get('/admin/content/updates/new');
    const made = await owner.post(
      '/admin/content/updates',
      form({ title: 'Clock change', intent: 'schedule', publishAt: '2099-10-25T01:30' }),
    );
    expect(made.status).toBe(303);
    const id = idFrom(made.headers.get('location'));
    const at = zonedLocalToUtc('2099-10-25T01:30', 'Europe/London')!;
    expect(new Date(at).toISOString()).toBe('2099-10-25T00:30:00.000Z');
    const row = await db().selectFrom('updates').select(['status', 'publish_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toEqual({ status: 'scheduled', publish_at: at });

    const { publishScheduledUpdates } = await import('./service.js');
    expect(await publishScheduledUpdates(core(), at - 1)).toBe(0);
    expect((await t.client().get('/updates/clock-change')).status).toBe(404);
    expect(await publishScheduledUpdates(core(), at)).toBe(1);
    expect(await publishScheduledUpdates(core(), at + 60_000)).toBe(0);
    const after = await db().selectFrom('updates').select(['status', 'published_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(after).toEqual({ status: 'published', published_at: at });
    expect((await t.client().get('/updates/clock-change')).text).toContain('25 October 2099');
    // The job handler the worker runs is the same rule.
    await jobs(core()).publishScheduledUpdates!({}, { id: 1, attempts: 1 } as never);

    // A time in the past, or one that does not exist, is refused with the form back and nothing stored.
    const before = await countRows('updates');
    const past = await owner.post('/admin/content/updates', form({ title: 'Too late', intent: 'schedule', publishAt: '2020-01-01T09:00' }));
    expect(past.status).toBe(422);
    expect(past.text).toContain('in the future');
    const bad = await owner.post(
      '/admin/content/updates',
      form({ title: 'No such day', intent: 'schedule', publishAt: '2099-02-30T09:00' }),
    );
    expect(bad.status).toBe(422);
    expect(await countRows('updates')).toBe(before);
  });

  test('a private preview link shows the draft only with its token, unindexed and never cached', async () => {
    const u = await createUpdate(core(), input({ title: 'Secret draft', bodyMd: 'Not yet public.' }), staff);
    await owner.get(`/admin/content/updates/${u.id}`);
    expect((await owner.post(`/admin/content/updates/${u.id}/preview-link`, {})).status).toBe(303);
    const page = await owner.get(`/admin/content/updates/${u.id}`);
    const link = /href="(\/updates\/preview\/[A-Za-z0-9_-]{43})"/.exec(page.text)?.[1];
    expect(link).toBeDefined();
    const seen = await t.client().get(link!);
    expect(seen.status).toBe(200);
    expect(seen.text).toContain('Not yet public.');
    expect(seen.text).toMatch(/<meta name="robots" content="noindex/);
    expect(seen.headers.get('cache-control')).toBe('no-store');
    expect((await t.client().get('/updates/secret-draft')).status).toBe(404);
    expect((await t.client().get(`${link!.slice(0, -1)}${link!.endsWith('A') ? 'B' : 'A'}`)).status).toBe(404);
    expect((await t.client().get('/updates/preview/not-a-token')).status).toBe(404);

    // A new link replaces the old; stopping it leaves none.
    await owner.post(`/admin/content/updates/${u.id}/preview-link`, {});
    expect((await t.client().get(link!)).status).toBe(404);
    const second = /href="(\/updates\/preview\/[A-Za-z0-9_-]{43})"/.exec((await owner.get(`/admin/content/updates/${u.id}`)).text)?.[1];
    expect((await t.client().get(second!)).status).toBe(200);
    await owner.post(`/admin/content/updates/${u.id}/preview-link/revoke`, {});
    expect((await t.client().get(second!)).status).toBe(404);
  });

  test('restoring a revision puts its words back as a new revision; a renamed slug redirects from every old one', async () => {
    const u = await createUpdate(core(), input({ title: 'Cotton brief', bodyMd: 'First words.' }), staff);
    await publishUpdate(core(), u.id, staff);
    await owner.get(`/admin/content/updates/${u.id}`);
    await owner.post(`/admin/content/updates/${u.id}`, form({ title: 'Cotton brief', body: 'Second words.', slug: 'cotton-2026' }));
    await owner.post(`/admin/content/updates/${u.id}`, form({ title: 'Cotton brief', body: 'Second words.', slug: 'cotton-briefing' }));
    for (const old of ['/updates/cotton-brief', '/updates/cotton-2026']) {
      const r = await t.client().get(old);
      expect(r.status, old).toBe(301);
      expect(r.headers.get('location')).toBe('/updates/cotton-briefing');
    }
    expect((await t.client().get('/updates/cotton-briefing')).text).toContain('Second words.');

    const revs = await db().selectFrom('update_revisions').select(['id', 'body_md']).where('update_id', '=', u.id).orderBy('id').execute();
    expect(revs.map((r) => r.body_md)).toEqual(['First words.', 'Second words.']);
    await owner.get(`/admin/content/updates/${u.id}`);
    expect((await owner.post(`/admin/content/updates/${u.id}/revisions/${revs[0]!.id}/restore`, {})).status).toBe(303);
    expect((await t.client().get('/updates/cotton-briefing')).text).toContain('First words.');
    expect(
      await db().selectFrom('update_revisions').select('body_md').where('update_id', '=', u.id).orderBy('id', 'desc').executeTakeFirst(),
    ).toEqual({
      body_md: 'First words.',
    });
    // A revision of another update is not this one's.
    const other = await createUpdate(core(), input({ title: 'Other' }), staff);
    expect((await owner.post(`/admin/content/updates/${other.id}/revisions/${revs[0]!.id}/restore`, {})).status).toBe(404);
    // Preview renders beside the form and stores nothing.
    const before = await countRows('update_revisions');
    const preview = await owner.post(`/admin/content/updates/${u.id}`, form({ body: '## Draft heading', intent: 'preview' }));
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('<h2>Draft heading</h2>');
    expect(await countRows('update_revisions')).toBe(before);
  });

  test('a category lists its updates a page at a time, with rel prev and next; a renamed category redirects', async () => {
    await owner.get('/admin/content/categories');
    expect((await owner.post('/admin/content/categories', { name: 'Vigils', description: 'Every Friday.' })).status).toBe(303);
    const cat = await db().selectFrom('categories').select('id').where('slug', '=', 'vigils').executeTakeFirstOrThrow();
    for (let i = 1; i <= 12; i++) {
      const u = await createUpdate(core(), input({ title: `Vigil ${i}`, categoryIds: [Number(cat.id)] }), staff);
      await publishUpdate(core(), u.id, staff);
    }
    const first = await t.client().get('/categories/vigils');
    expect(first.status).toBe(200);
    expect(first.text).toContain('Every Friday.');
    expect(first.text).toContain('Vigil 12');
    expect(first.text).not.toContain('Vigil 2<');
    expect(first.text).toContain('href="/categories/vigils?page=2" rel="next"');
    expect(first.text).toMatch(/<link rel="next" href="[^"]*\/categories\/vigils\?page=2"/);
    const second = await t.client().get('/categories/vigils?page=2');
    expect(second.text).toContain('Vigil 1<');
    expect(second.text).toContain('rel="prev"');
    expect((await t.client().get('/categories/vigils?page=3')).status).toBe(404);
    expect((await t.client().get('/categories/nothing-here')).status).toBe(404);
    // The whole list paginates the same way.
    const all = await t.client().get('/updates');
    expect(all.text).toContain('href="/updates?page=2" rel="next"');

    // Deleting is refused while updates are in it.
    await owner.get(`/admin/content/categories/${cat.id}`);
    expect((await owner.post(`/admin/content/categories/${cat.id}/delete`, {})).status).toBe(409);
    expect(
      (await owner.post(`/admin/content/categories/${cat.id}`, { name: 'Weekly vigils', slug: 'weekly-vigils', description: '' })).status,
    ).toBe(303);
    const moved = await t.client().get('/categories/vigils');
    expect(moved.status).toBe(301);
    expect(moved.headers.get('location')).toBe('/categories/weekly-vigils');
  });

  test('an update with a content warning shows the warning first and the text inside <details>; lists show the warning, not the image', async () => {
    await owner.get('/admin/content/warnings');
    expect((await owner.post('/admin/content/warnings', { label: 'Descriptions of torture' })).status).toBe(303);
    const reason = await db()
      .selectFrom('content_warning_reasons')
      .select('id')
      .where('label', '=', 'Descriptions of torture')
      .executeTakeFirstOrThrow();
    const bytes = await sharp({ create: { width: 600, height: 400, channels: 3, background: '#555555' } })
      .png()
      .toBuffer();
    const tower = await storeImage(core(), { bytes, truncated: false }, { alt: 'A watchtower', staffId: null });
    await owner.get('/admin/content/updates/new');
    const made = await owner.post(
      '/admin/content/updates',
      form({
        title: 'Testimony from a camp',
        body: 'What she told us.',
        warningReasonId: String(reason.id),
        warningText: 'A survivor describes her detention.',
        featuredImageId: String(tower.id),
        featuredImageAlt: 'A guard tower',
        intent: 'publish',
      }),
    );
    expect(made.status).toBe(303);
    const page = await t.client().get('/updates/testimony-from-a-camp');
    expect(page.text).toContain('Content warning: Descriptions of torture');
    expect(page.text).toContain('A survivor describes her detention.');
    expect(page.text).toMatch(/<details[^>]*><summary>Show the update<\/summary>[\s\S]*What she told us\.[\s\S]*<\/details>/);
    expect(page.text.indexOf('A survivor describes')).toBeLessThan(page.text.indexOf('What she told us.'));
    // The image is behind the warning too.
    expect(page.text.indexOf('alt="A guard tower"')).toBeGreaterThan(page.text.indexOf('<summary>Show the update'));
    // Still indexable.
    expect(page.text).not.toMatch(/name="robots"/);
    expect(page.headers.get('x-robots-tag')).toBeNull();
    const list = await t.client().get('/updates');
    const card = /<li class="card update-card[^"]*">(?:(?!<\/li>)[\s\S])*Testimony from a camp[\s\S]*?<\/li>/.exec(list.text)?.[0] ?? '';
    expect(card).toContain('Content warning:');
    expect(card).not.toContain('<img');

    // Renaming the reason shows at once on the page (its cached document is replaced).
    await owner.get('/admin/content/warnings');
    await owner.post(`/admin/content/warnings/${reason.id}`, { label: 'Accounts of torture' });
    expect((await t.client().get('/updates/testimony-from-a-camp')).text).toContain('Content warning: Accounts of torture');
    // A retired reason is not offered on a new update.
    await owner.post(`/admin/content/warnings/${reason.id}/retire`, { retired: '1' });
    const refused = await owner.post('/admin/content/updates', form({ title: 'New one', warningReasonId: String(reason.id) }));
    expect(refused.status).toBe(422);
  });

  test('related actions are shown beside the text with their counters; drafts are left out', async () => {
    const open = await openTestAction(core(), { kind: 'petition', title: 'Label the cotton' });
    const draft = await openTestAction(core(), { kind: 'petition', title: 'Not yet open', status: 'draft' });
    const u = await createUpdate(core(), input({ title: 'Why labels matter', relatedActionIds: [open.id, draft.id] }), staff);
    await publishUpdate(core(), u.id, staff);
    const page = await t.client().get('/updates/why-labels-matter');
    expect(page.text).toContain('Take action');
    expect(page.text).toContain(`href="/act/${open.slug}"`);
    expect(page.text).not.toContain('Not yet open');
  });

  test('hostile Markdown saved by staff is rendered safely on the public page', async () => {
    const u = await createUpdate(core(), input({ title: 'Payloads', bodyMd: PAYLOADS.map(([, md]) => md).join('\n\n') }), staff);
    await publishUpdate(core(), u.id, staff);
    const page = await t.client().get('/updates/payloads');
    const prose = /<div class="prose">([\s\S]*?)<\/div><section class="share"/.exec(page.text)?.[1] ?? '';
    expect(prose).toContain('alert(1)');
    expect(unsafeMarkup(prose)).toEqual([]);
  });

  test('garbage thrown at the staff forms gets a 4xx or a redirect, never a 500, and a refusal stores nothing', async () => {
    const u = await createUpdate(core(), input({ title: 'Target of garbage' }), staff);
    const cat = await db().selectFrom('categories').select('id').executeTakeFirstOrThrow();
    const { value } = garbage({
      extra: ['staff', 'custom', 'organisation', 'publish', 'schedule', 'preview', '2099-02-30T09:00', '1', '-1', '99999999999'],
      maxRepeat: 20_000,
      hugeValue: false,
    });
    const fieldNames = [
      'title',
      'slug',
      'excerpt',
      'body',
      'authorKind',
      'authorName',
      'categoryIds',
      'tags',
      'featuredImageId',
      'featuredImageAlt',
      'campaignId',
      'relatedActionIds',
      'warningReasonId',
      'warningText',
      'publishAt',
      'intent',
      'name',
      'description',
      'label',
      'into',
      'direction',
      'retired',
    ];
    const tables = ['updates', 'update_revisions', 'categories', 'tags', 'content_warning_reasons', 'update_categories'] as const;
    await owner.get('/admin/content/updates/new');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 12 }),
        fc.constantFrom(
          '/admin/content/updates',
          `/admin/content/updates/${u.id}`,
          '/admin/content/categories',
          `/admin/content/categories/${cat.id}`,
          '/admin/content/warnings',
          '/admin/content/tags/999999/merge',
          '/admin/content/warnings/999999/move',
        ),
        async (fields, path) => {
          const before = await Promise.all(tables.map(countRows));
          const sent = Object.fromEntries(
            Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v.map(formString) : formString(v)]),
          );
          const r = await owner.post(path, sent);
          expect(r.status, `${path} ${JSON.stringify(fields).slice(0, 300)}`).not.toBe(500);
          expect([200, 303, 400, 403, 404, 409, 413, 415, 422]).toContain(r.status);
          if (r.status !== 303) expect(await Promise.all(tables.map(countRows))).toEqual(before);
        },
      ),
      { numRuns: 80 },
    );
  });

  test('the demo news shows its published updates, the one behind a warning behind <details>, and not its draft', async () => {
    const before = (await listPublishedUpdates(core().db)).total;
    await seedUpdatesDemo(core());
    // A dozen published updates in three categories.
    expect((await listPublishedUpdates(core().db)).total - before).toBe(12);
    for (const slug of ['news', 'research', 'testimony']) expect((await t.client().get(`/categories/${slug}`)).status).toBe(200);
    const news = await t.client().get('/categories/news');
    expect(news.text).toContain('Forty people at Friday’s vigil');
    expect(news.text).not.toContain('trade bill');
    const story = await t.client().get('/categories/testimony');
    expect(story.text).toContain('Content warning:');
    const slug = /href="\/updates\/([a-z0-9-]+)">“I have not heard/.exec(story.text)?.[1];
    expect((await t.client().get(`/updates/${slug}`)).text).toContain('<summary>Show the update</summary>');
    expect((await t.client().get('/updates/draft-our-response-to-the-trade-bill')).status).toBe(404);
  });
});
