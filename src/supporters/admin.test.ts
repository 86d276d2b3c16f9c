import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { until } from '../../test/helpers/wait.js';
import { escapeCell } from './export.js';
import { zonedDayStart } from './filters.js';
import { addTags, insertList } from './queries.js';
import { findSupporterByEmail, recordConsent, segmentFilters, supporterConsent, upsertSupporter } from './service.js';

// The staff side of supporters over real HTTP: search by name and email despite encryption, filters that combine,
// the supporter page and its changes, bulk tags, segments, lists, CSV export, and who may do what.

describeEachDialect('supporters admin', (ctx) => {
  let t: TestLantern;
  let owner: TestClient;
  let campaigner: TestClient;
  let updates: number;
  let events: number;
  const ids: Record<string, number> = {};

  const core = () => t.lantern.core;
  const audit = (action: string) => ctx.db.selectFrom('audit_log').selectAll().where('action', '=', action).orderBy('id', 'desc').execute();

  async function person(
    key: string,
    details: { email: string; firstName?: string; lastName?: string; postcode?: string; constituencyCode?: string },
    o: { source?: string; lists?: number[]; tags?: string[]; createdAt?: number } = {},
  ) {
    const { id } = await upsertSupporter(ctx.db, core().keyring, details, { source: o.source ?? 'signup', mode: 'fill', confirmed: true });
    if (o.lists?.length)
      await recordConsent(ctx.db, { supporterId: id, listIds: o.lists, change: 'granted', basis: 'consent', source: 'test form' });
    if (o.tags?.length) await addTags(ctx.db, [id], o.tags);
    if (o.createdAt) await ctx.db.updateTable('supporters').set({ created_at: o.createdAt }).where('id', '=', id).execute();
    ids[key] = id;
    return id;
  }

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: true });
    owner = (await signedInAs(t, 'owner')).client;
    campaigner = (await signedInAs(t, 'campaigner')).client;
    const now = Date.now();
    updates = await insertList(ctx.db, {
      slug: 'updates',
      name: 'Campaign updates',
      description: '',
      wording: 'Email me campaign updates.',
      at: now,
    });
    events = await insertList(ctx.db, { slug: 'events', name: 'Events', description: '', wording: 'Tell me about events.', at: now });
    await person(
      'gulnar',
      { email: 'gulnar@example.org', firstName: 'Gülnar', lastName: 'Abdul-Rahman', constituencyCode: 'E14000639' },
      { lists: [updates], tags: ['volunteer'], createdAt: Date.UTC(2026, 2, 10, 12) },
    );
    await person(
      'jose',
      { email: 'jose.alvarez@example.org', firstName: 'José', lastName: 'Álvarez' },
      { source: 'stall', lists: [updates, events], createdAt: Date.UTC(2026, 3, 2, 12) },
    );
    await person(
      'zoe',
      { email: 'zoe@example.org', firstName: 'Zoë', lastName: 'Ng', constituencyCode: 'E14000639' },
      { source: 'stall', lists: [events], tags: ['volunteer'], createdAt: Date.UTC(2026, 3, 20, 12) },
    );
    await person(
      'formula',
      { email: 'formula@example.org', firstName: '=1+2', lastName: '@SUM(A1)' },
      { lists: [updates], tags: ['risky'] },
    );
  });
  afterAll(() => t?.close());

  const names = (html: string) => [...html.matchAll(/<td><a href="\/admin\/supporters\/(\d+)">/g)].map((m) => Number(m[1]));

  test('names are found by whole words despite encryption, whatever the accents and capitals; addresses exactly', async () => {
    const search = async (q: string) => names((await campaigner.get(`/admin/supporters?q=${encodeURIComponent(q)}`)).text);
    expect(await search('gulnar')).toEqual([ids.gulnar]);
    expect(await search('RAHMAN abdul')).toEqual([ids.gulnar]);
    expect(await search('jose alvarez')).toEqual([ids.jose]);
    expect(await search('ZOE')).toEqual([ids.zoe]);
    expect(await search('Zoë Ng')).toEqual([ids.zoe]);
    // Whole words only: no prefixes or parts of words, and every word must match.
    expect(await search('gul')).toEqual([]);
    expect(await search('zoe smith')).toEqual([]);
    expect(await search('GULNAR@Example.org')).toEqual([ids.gulnar]);
    expect(await search('gulnar@example')).toEqual([]);
    // The page shows decrypted names and addresses; the database holds none of them.
    const page = await campaigner.get('/admin/supporters?q=gulnar');
    expect(page.text).toContain('Gülnar Abdul-Rahman');
    expect(page.text).toContain('gulnar@example.org');
    const raw = JSON.stringify(await ctx.db.selectFrom('supporter_name_tokens').selectAll().execute());
    expect(raw).not.toMatch(/gulnar|rahman|zoe/i);
  });

  test('filters combine (list, consent, tag, constituency, source, dates) in a bookmarkable query, paginated', async () => {
    const find = async (q: string) => names((await campaigner.get(`/admin/supporters?${q}`)).text).sort();
    expect(await find(`list=${updates}&consent=subscribed`)).toEqual([ids.gulnar, ids.jose, ids.formula].sort());
    expect(await find(`list=${updates}&tag=volunteer`)).toEqual([ids.gulnar]);
    expect(await find('tag=volunteer&constituency=e14000639')).toEqual([ids.gulnar, ids.zoe].sort());
    expect(await find(`source=stall&list=${events}`)).toEqual([ids.jose, ids.zoe].sort());
    expect(await find('from=2026-04-01&to=2026-04-30')).toEqual([ids.jose, ids.zoe].sort());
    expect(await find('from=2026-04-01&to=2026-04-30&q=zoe')).toEqual([ids.zoe]);
    expect(await find('to=2026-03-10')).toEqual([ids.gulnar]);
    expect(await find(`list=${events}&consent=unsubscribed`)).toEqual([]);
    // Dates are whole days in the organisation's time zone (London is on summer time in April).
    expect(zonedDayStart('2026-04-01', 'Europe/London')).toBe(Date.UTC(2026, 2, 31, 23));
    expect(zonedDayStart('2026-01-15', 'Europe/London')).toBe(Date.UTC(2026, 0, 15));

    for (let i = 0; i < 55; i++) await person(`page${i}`, { email: `page${i}@example.org`, firstName: 'Paged' }, { source: 'paging' });
    const first = await campaigner.get('/admin/supporters?source=paging');
    expect(names(first.text)).toHaveLength(50);
    expect(first.text).toContain('55 supporters');
    expect(first.text).toContain('href="/admin/supporters?source=paging&amp;page=2"');
    expect(names((await campaigner.get('/admin/supporters?source=paging&page=2')).text)).toHaveLength(5);
  });

  test('filters that make no sense are refused with messages and a 422, never a 500', async () => {
    const r = await campaigner.get('/admin/supporters?from=2026-13-45&to=yesterday&constituency=nowhere&list=abc&consent=maybe');
    expect(r.status).toBe(422);
    for (const m of [
      'Enter the first day as a real date',
      'Enter the last day as a real date',
      'Choose a constituency from the list',
      'Choose a list',
      'Choose a consent state',
    ])
      expect(r.text).toContain(m);
    // A control character in any field of a query is refused before the page's own rules (core/text.ts).
    const control = await campaigner.get('/admin/supporters?tag=%00');
    expect(control.status).toBe(400);
    expect(control.text).toContain('Tag contains characters that are not allowed');
    const backwards = await campaigner.get('/admin/supporters?from=2026-05-01&to=2026-04-01');
    expect(backwards.status).toBe(422);
    expect(backwards.text).toContain('The last day must be on or after the first day');
    for (const q of [
      'q[]=a&q[]=b',
      'list=99999999999999999999',
      'page=-4',
      'page=abc',
      `q=${'x'.repeat(5000)}`,
      'q=%F0%9F%92%A9%20%E2%80%AE',
    ]) {
      expect((await campaigner.get(`/admin/supporters?${q}`)).status).toBeLessThan(500);
    }
  });

  test('the supporter page: details, tags, subscriptions, the consent ledger with its wording, and a timeline with newsletters', async () => {
    const now = Date.now();
    const nl = (
      await ctx.db
        .insertInto('newsletters')
        .values({
          subject: 'March update',
          body: 'x',
          list_id: updates,
          segment_id: null,
          status: 'sent',
          scheduled_at: null,
          started_at: now,
          finished_at: now,
          archive_slug: null,
          created_by: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await ctx.db
      .insertInto('newsletter_deliveries')
      .values({ newsletter_id: nl, supporter_id: ids.gulnar!, status: 'sent', error: null, updated_at: now + 1000 })
      .execute();
    const r = await campaigner.get(`/admin/supporters/${ids.gulnar}`);
    expect(r.status).toBe(200);
    expect(r.text).toContain('<h1>Gülnar Abdul-Rahman</h1>');
    expect(r.text).toContain('E14000639');
    expect(r.text).toContain('<span class="tag">volunteer</span>');
    expect(r.text).toContain('“Email me campaign updates.” <span class="muted">(version 1)</span>');
    expect(r.text).toContain('test form');
    expect(r.text).toMatch(
      /newsletter<\/span> <a href="\/admin\/newsletters\/\d+">Newsletter: March update<\/a><span class="muted"> — Sent<\/span>/,
    );
    expect(r.text).toContain('Subscribed to Campaign updates');
    // The newest thing first.
    expect(r.text.indexOf('Newsletter: March update')).toBeLessThan(r.text.indexOf('Subscribed to Campaign updates'));
    expect((await campaigner.get('/admin/supporters/99999999')).status).toBe(404);
    expect((await campaigner.get('/admin/supporters/abc')).status).toBe(404);
  });

  test('details are changed with validation and audited by field name only; an address already in use is refused', async () => {
    const id = ids.jose!;
    await campaigner.get(`/admin/supporters/${id}/edit`);
    const bad = await campaigner.post(`/admin/supporters/${id}`, {
      email: 'nope',
      firstName: 'x'.repeat(101),
      phone: 'call me',
      constituency: 'zz',
      postcode: '<b>',
    });
    expect(bad.status).toBe(422);
    for (const m of [
      'Enter an email address in the right format',
      'First name must be 100 characters or fewer',
      'A phone number may hold digits',
      'Choose a constituency from the list',
      'A postcode may hold letters',
    ])
      expect(bad.text).toContain(m);
    const taken = await campaigner.post(`/admin/supporters/${id}`, { email: 'ZOE@example.org', firstName: 'José', lastName: 'Álvarez' });
    expect(taken.status).toBe(422);
    expect(taken.text).toContain('Another supporter already has that email address');
    expect((await findSupporterByEmail(ctx.db, core().keyring, 'jose.alvarez@example.org'))?.id).toBe(id);
    const ok = await campaigner.post(`/admin/supporters/${id}`, {
      email: 'jose.new@example.org',
      firstName: 'Josef',
      lastName: 'Álvarez',
      postcode: 'sw1a  1aa',
      phone: '+44 20 7946 0001',
      address: '1 Road\nTown',
      constituency: 'e14000639',
    });
    expect(ok.status).toBe(303);
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'jose.new@example.org')).toMatchObject({
      id,
      firstName: 'Josef',
      postcode: 'SW1A 1AA',
      address: '1 Road\nTown',
      constituencyCode: 'E14000639',
    });
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'jose.alvarez@example.org')).toBeUndefined();
    expect(names((await campaigner.get('/admin/supporters?q=josef')).text)).toEqual([id]);
    expect(names((await campaigner.get('/admin/supporters?q=jose')).text)).toEqual([]);
    const [entry] = await audit('supporter.update');
    expect(entry).toMatchObject({ target: `supporter ${id}` });
    expect(JSON.parse(entry!.details!).fields.sort()).toEqual(['address', 'constituencyCode', 'email', 'firstName', 'phone', 'postcode']);
    expect(entry!.details).not.toMatch(/jose|josef|SW1A|7946/i);
  });

  test('tags: one supporter, the ticked ones, or everyone matching the filters; audited without the search words', async () => {
    const id = ids.zoe!;
    await campaigner.get(`/admin/supporters/${id}`);
    expect((await campaigner.post(`/admin/supporters/${id}/tags`, { tag: '  Phone  Bank ' })).status).toBe(303);
    expect((await supporterConsent(ctx.db, id)).tags).toContain('Phone Bank');
    expect((await campaigner.post(`/admin/supporters/${id}/tags`, { tag: '<script>' })).status).toBe(422);
    expect((await campaigner.post(`/admin/supporters/${id}/tags/remove`, { tag: 'Phone Bank' })).status).toBe(303);
    expect((await supporterConsent(ctx.db, id)).tags).not.toContain('Phone Bank');

    await campaigner.get('/admin/supporters?source=paging');
    const none = await campaigner.post('/admin/supporters/tags', { source: 'paging', action: 'add', bulkTag: 'autumn', scope: 'ticked' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Tick at least one supporter');
    const ticked = await campaigner.post('/admin/supporters/tags', {
      source: 'paging',
      action: 'add',
      bulkTag: 'autumn',
      scope: 'ticked',
      ids: [String(ids.page1), String(ids.page2)],
    });
    expect(ticked.status).toBe(303);
    expect(ticked.headers.get('location')).toContain('done=bulk-added');
    expect(names((await campaigner.get('/admin/supporters?tag=autumn')).text).sort()).toEqual([ids.page1, ids.page2].sort());
    const all = await campaigner.post('/admin/supporters/tags', {
      source: 'paging',
      q: 'paged',
      action: 'add',
      bulkTag: 'winter',
      scope: 'all',
    });
    expect(all.status).toBe(303);
    expect((await campaigner.get(all.headers.get('location')!)).text).toContain('Added the tag “winter” to 55 supporters.');
    expect(await core().db.selectFrom('supporter_tags').select('supporter_id').where('tag', '=', 'winter').execute()).toHaveLength(55);
    const [entry] = await audit('supporters.tag');
    expect(JSON.parse(entry!.details!)).toEqual({ tag: 'winter', scope: 'all', count: 55, filters: { source: 'paging', search: true } });
    expect(entry!.details).not.toContain('paged');
    const removed = await campaigner.post('/admin/supporters/tags', {
      source: 'paging',
      action: 'remove',
      bulkTag: 'winter',
      scope: 'all',
    });
    expect(removed.status).toBe(303);
    expect(await core().db.selectFrom('supporter_tags').select('supporter_id').where('tag', '=', 'winter').execute()).toHaveLength(0);
  });

  test('segments: saved from the filters (never the search), listed with counts, renamed, deleted, and readable by newsletters', async () => {
    await campaigner.get(`/admin/supporters?list=${updates}&tag=volunteer`);
    const unnamed = await campaigner.post('/admin/supporters/segments', { list: String(updates), tag: 'volunteer', name: '' });
    expect(unnamed.status).toBe(422);
    expect(unnamed.text).toContain('Enter a name for the segment');
    const saved = await campaigner.post('/admin/supporters/segments', {
      list: String(updates),
      tag: 'volunteer',
      q: 'gulnar',
      from: '2026-01-01',
      name: 'Volunteers on updates',
    });
    expect(saved.status).toBe(303);
    const seg = await ctx.db.selectFrom('segments').selectAll().where('name', '=', 'Volunteers on updates').executeTakeFirstOrThrow();
    expect(JSON.parse(seg.filters)).toEqual({ list: updates, tag: 'volunteer', from: '2026-01-01' });
    const page = await campaigner.get('/admin/supporters/segments');
    expect(page.text).toContain('Volunteers on updates');
    expect(page.text).toMatch(/tagged “volunteer”.*<\/td><td>1<\/td>/);
    expect(page.text).toContain(`href="/admin/supporters?list=${updates}&amp;tag=volunteer&amp;from=2026-01-01"`);
    expect(await segmentFilters(ctx.db, seg.id)).toMatchObject({ listId: updates, tag: 'volunteer', createdFrom: Date.UTC(2026, 0, 1) });

    expect((await campaigner.post(`/admin/supporters/segments/${seg.id}/rename`, { name: '' })).status).toBe(422);
    expect((await campaigner.post(`/admin/supporters/segments/${seg.id}/rename`, { name: 'Core volunteers' })).status).toBe(303);
    expect((await ctx.db.selectFrom('segments').select('name').where('id', '=', seg.id).executeTakeFirstOrThrow()).name).toBe(
      'Core volunteers',
    );

    // A segment that a newsletter not yet sent is addressed to cannot be deleted: that would widen its audience.
    const now = Date.now();
    const nl = (
      await ctx.db
        .insertInto('newsletters')
        .values({
          subject: 'Volunteer call',
          body: 'x',
          list_id: updates,
          segment_id: seg.id,
          status: 'scheduled',
          scheduled_at: now,
          started_at: null,
          finished_at: null,
          archive_slug: null,
          created_by: null,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const refused = await campaigner.post(`/admin/supporters/segments/${seg.id}/delete`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Volunteer call');
    await ctx.db.updateTable('newsletters').set({ status: 'sent' }).where('id', '=', nl).execute();
    expect((await campaigner.post(`/admin/supporters/segments/${seg.id}/delete`)).status).toBe(303);
    await expect(segmentFilters(ctx.db, seg.id)).rejects.toThrow('There is no such segment');

    // Filters that cannot be read are an error, never "everyone".
    const broken = (
      await ctx.db
        .insertInto('segments')
        .values({ name: 'Broken', filters: '{"list":"all","sneaky":1}', created_by: null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    await expect(segmentFilters(ctx.db, broken)).rejects.toThrow('cannot be read');
    await ctx.db.deleteFrom('segments').where('id', '=', broken).execute();
    expect((await audit('segment.create'))[0]!.details).not.toContain('gulnar');
  });

  test('lists: created with their wording, a changed wording is a new version, archived; all audited', async () => {
    await owner.get('/admin/lists/new');
    const bad = await owner.post('/admin/lists', { slug: 'Not A Slug!', name: '', wording: '' });
    expect(bad.status).toBe(422);
    for (const m of ['The short name may hold lower-case letters', 'Enter the list name', 'Enter the consent wording'])
      expect(bad.text).toContain(m);
    const dup = await owner.post('/admin/lists', { slug: 'updates', name: 'Again', wording: 'Yes.' });
    expect(dup.status).toBe(422);
    expect(dup.text).toContain('A list with that short name already exists');
    const created = await owner.post('/admin/lists', {
      slug: 'petitions',
      name: 'Petitions',
      description: 'Petitions we run',
      wording: 'Tell me about petitions.',
    });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/lists\/(\d+)/.exec(created.headers.get('location')!)![1]);
    await owner.get(`/admin/lists/${id}`);
    expect(
      (await owner.post(`/admin/lists/${id}`, { name: 'Petitions', description: 'Petitions we run', wording: 'Tell me about petitions.' }))
        .status,
    ).toBe(303);
    expect(
      (
        await owner.post(`/admin/lists/${id}`, {
          name: 'Petitions',
          description: '',
          wording: 'Email me about petitions and how to sign them.',
        })
      ).status,
    ).toBe(303);
    const list = await ctx.db.selectFrom('lists').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(list.wording_version).toBe(2);
    const page = await owner.get(`/admin/lists/${id}`);
    expect(page.text).toContain('“Tell me about petitions.”');
    expect(page.text).toContain('“Email me about petitions and how to sign them.”');
    expect((await owner.post(`/admin/lists/${id}/archive`)).status).toBe(303);
    expect(
      (await ctx.db.selectFrom('lists').select('archived_at').where('id', '=', id).executeTakeFirstOrThrow()).archived_at,
    ).not.toBeNull();
    expect((await owner.get('/admin/lists')).text).toMatch(/Petitions<\/a>.*archived/);
    expect((await owner.post(`/admin/lists/${id}/unarchive`)).status).toBe(303);
    expect((await audit('list.update')).map((a) => JSON.parse(a.details!).newWording)).toEqual([true, false]);
    expect(await audit('list.archive')).toHaveLength(1);
  });

  test('constituencies by name: the list, the filter, the supporter page, the export and its description', async () => {
    const id = await person(
      'aldershot',
      { email: 'named.place@example.org', firstName: 'Nadia', lastName: 'Place', constituencyCode: 'E14001063' },
      { source: 'names-test' },
    );
    const list = await campaigner.get('/admin/supporters?source=names-test');
    expect(list.text).toContain('<td>Aldershot</td>');
    expect(list.text).not.toContain('Constituency code');
    // The filter offers every constituency by name, grouped by nation.
    expect(list.text).toMatch(
      /<select id="f-constituency" name="constituency"[^>]*><option value(="")? selected>Any constituency<\/option><optgroup label="England"><option value="E14001063">Aldershot<\/option>/,
    );
    expect(list.text).toMatch(/<optgroup label="Northern Ireland">/);
    const filtered = await campaigner.get('/admin/supporters?constituency=E14001063');
    expect(filtered.text).toContain('<option value="E14001063" selected>Aldershot</option>');
    expect(filtered.text).toContain('Nadia Place');
    expect((await campaigner.get(`/admin/supporters/${id}`)).text).toContain('Aldershot<span class="muted"> (E14001063)</span>');
    const confirm = await campaigner.get('/admin/supporters/export?constituency=E14001063');
    expect(confirm.text).toContain('in Aldershot');
    const res = await campaigner.post('/admin/supporters/export', { constituency: 'E14001063' });
    const rows = parseCsv(res.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows).toEqual([
      expect.objectContaining({ email: 'named.place@example.org', constituency: 'E14001063', constituency_name: 'Aldershot' }),
    ]);
    expect(Object.keys(rows[0]!).slice(6, 8)).toEqual(['constituency', 'constituency_name']);
  });

  test('export: the current filters as CSV with formula cells escaped, consent columns, and an audit entry without personal data', async () => {
    const confirm = await campaigner.get(`/admin/supporters/export?list=${updates}&q=`);
    expect(confirm.status).toBe(200);
    expect(confirm.text).toContain('The file will hold 3 supporters');
    const res = await campaigner.post('/admin/supporters/export', { list: String(updates) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="supporters-\d{4}-\d{2}-\d{2}\.csv"$/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const rows = parseCsv(res.text, { bom: true, columns: true }) as Array<Record<string, string>>;
    expect(rows.map((r) => r.email).sort()).toEqual(['formula@example.org', 'gulnar@example.org', 'jose.new@example.org']);
    const formula = rows.find((r) => r.email === 'formula@example.org')!;
    expect(formula.first_name).toBe("'=1+2");
    expect(formula.last_name).toBe("'@SUM(A1)");
    const gulnar = rows.find((r) => r.email === 'gulnar@example.org')!;
    expect(gulnar).toMatchObject({
      first_name: 'Gülnar',
      'updates status': 'subscribed',
      'updates lawful basis': 'consent',
      'events status': '',
      tags: 'volunteer',
    });
    const jose = rows.find((r) => r.email === 'jose.new@example.org')!;
    expect(jose.phone).toBe("'+44 20 7946 0001");
    const [entry] = await audit('supporters.export');
    expect(entry).toMatchObject({ target: '3 supporters' });
    expect(JSON.parse(entry!.details!)).toMatchObject({ filters: { list: updates }, rows: 3 });
    expect(entry!.details).not.toMatch(/@|gülnar|formula/i);
    // A byte-order mark first, so spreadsheets read UTF-8 (fetch's text() drops it, so look at the bytes).
    const raw = await fetch(`${t.baseUrl}/admin/supporters/export`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        cookie: ['lantern_session', 'lantern_csrf'].map((n) => `${n}=${campaigner.cookie(n)}`).join('; '),
      },
      body: new URLSearchParams({ _csrf: campaigner.lastCsrf!, list: String(events) }).toString(),
    });
    expect([...new Uint8Array(await raw.arrayBuffer()).slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    // Every cell a spreadsheet could run is escaped; nothing else changes.
    for (const [v, out] of [
      ['=cmd', "'=cmd"],
      ['+1', "'+1"],
      ['-1', "'-1"],
      ['@x', "'@x"],
      ['\tx', "'\tx"],
      ['\rx', "'\rx"],
      ['a=b', 'a=b'],
      ['', ''],
    ])
      expect(escapeCell(v!)).toBe(out);
    const searched = await campaigner.post('/admin/supporters/export', { q: 'zoe' });
    expect((parseCsv(searched.text, { bom: true, columns: true }) as unknown[]).length).toBe(1);
    expect(JSON.parse((await audit('supporters.export'))[0]!.details!).filters).toEqual({ search: true });
  });

  test('data rights: send the supporter their data, and erase them after a confirmation step', async () => {
    const id = ids.gulnar!;
    await campaigner.get(`/admin/supporters/${id}`);
    expect((await campaigner.post(`/admin/supporters/${id}/send-data`)).status).toBe(303);
    await until(async () => (await core().mailer.recent(10)).some((m) => m.to === 'gulnar@example.org'));
    expect(await audit('supporter.data_export_sent')).toEqual([expect.objectContaining({ target: `supporter ${id}` })]);

    const confirmPage = await campaigner.get(`/admin/supporters/${id}/erase`);
    expect(confirmPage.text).toContain('This cannot be undone');
    const unticked = await campaigner.post(`/admin/supporters/${id}/erase`, {});
    expect(unticked.status).toBe(422);
    expect(unticked.text).toContain('Tick the box to confirm');
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'gulnar@example.org')).toBeDefined();
    expect((await campaigner.post(`/admin/supporters/${id}/erase`, { confirm: 'on' })).status).toBe(303);
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'gulnar@example.org')).toBeUndefined();
    const page = await campaigner.get(`/admin/supporters/${id}`);
    expect(page.text).toContain('This supporter was erased');
    expect(page.text).not.toContain('Gülnar');
    expect(page.text).toContain('Unsubscribed from Campaign updates');
    expect(names((await campaigner.get('/admin/supporters?q=gulnar')).text)).toEqual([]);
    expect(await audit('supporter.erase')).toEqual([expect.objectContaining({ target: `supporter ${id}` })]);
    expect((await campaigner.get(`/admin/supporters/${id}/edit`)).status).toBe(409);
  });

  test('viewers and editors are refused every supporters and lists page; campaigners and owners may export', async () => {
    const routes = t.lantern.web.routeTable.filter((r) => r.method !== 'HEAD' && /^\/admin\/(supporters|lists)(\/|$)/.test(r.url));
    expect(routes.length).toBeGreaterThan(25);
    for (const role of ['viewer', 'editor'] as const) {
      const { client } = await signedInAs(t, role);
      await client.get('/admin');
      for (const r of routes) {
        const path = r.url.replace(/:id\b/g, String(ids.zoe));
        const res =
          r.method === 'GET'
            ? await client.get(path)
            : await client.post(path, { tag: 'x', name: 'x', email: 'x@example.org', confirm: 'on' });
        expect({ role, route: `${r.method} ${r.url}`, status: res.status }).toEqual({ role, route: `${r.method} ${r.url}`, status: 403 });
      }
    }
    expect(
      (await ctx.db.selectFrom('supporters').select('erased_at').where('id', '=', ids.zoe!).executeTakeFirstOrThrow()).erased_at,
    ).toBeNull();
    for (const client of [owner, campaigner]) expect((await client.get('/admin/supporters/export')).status).toBe(200);
  });
});
