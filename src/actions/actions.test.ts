import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { garbage } from '../../test/helpers/garbage.js';
import type { TestClient } from '../../test/helpers/http.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { saveSiteSettings } from '../core/settings.js';
import { emailIndex, eraseSupporter, exportSupporterData, upsertSupporter } from '../supporters/service.js';
import { changeActionStatus, closeActionsPastDeadline, endOfDay, getActionById, parseTargets, refreshActionCounts } from './service.js';

// The frame every action shares, over real HTTP on both dialects: staff create a campaign and an action (kind
// first), open, close, reopen; the public page, the deadline read in the organisation's time zone, the counter
// refreshed by its job, updates, targets, the thank-you page with the next action, the campaign hub; permissions;
// and garbage thrown at the staff forms.

test('a deadline closes at the end of its day in the organisation’s time zone', () => {
  // British Summer Time: the end of 31 August is 23:00 UTC.
  expect(new Date(endOfDay('2026-08-31', 'Europe/London')!).toISOString()).toBe('2026-08-31T23:00:00.000Z');
  // Winter: midnight UTC.
  expect(new Date(endOfDay('2026-12-31', 'Europe/London')!).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  // The day the clocks go back is 25 hours long; it still ends at the next local midnight.
  expect(new Date(endOfDay('2026-10-25', 'Europe/London')!).toISOString()).toBe('2026-10-26T00:00:00.000Z');
  expect(new Date(endOfDay('2026-06-30', 'America/New_York')!).toISOString()).toBe('2026-07-01T04:00:00.000Z');
  expect(endOfDay('2026-02-30', 'Europe/London')).toBeNull();
  expect(endOfDay('tomorrow', 'Europe/London')).toBeNull();
});

test('targets are read one per line as Name | Role | email, and a bad line is named', () => {
  expect(parseTargets(' Dana Reyes | Chief Executive | dana@example.org \n\nOwen | | owen@example.org')).toEqual([
    { name: 'Dana Reyes', role: 'Chief Executive', email: 'dana@example.org' },
    { name: 'Owen', role: '', email: 'owen@example.org' },
  ]);
  expect(() => parseTargets('Dana Reyes, dana@example.org')).toThrow(/write each target/);
  expect(() => parseTargets('A | B | not-an-email')).toThrow(/email address/);
  expect(() => parseTargets('A | B | a@example.org\nC | D | A@example.org')).toThrow(/listed twice/);
});

const str = (v: unknown): string => (typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v));

describeEachDialect('actions: the shared frame', (ctx) => {
  let t: TestLantern;
  let owner: TestClient;
  const db = () => t.lantern.core.db;
  const core = () => t.lantern.core;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    await saveSiteSettings(db(), { orgName: 'Freedom Thread', timeZone: 'Europe/London' });
    owner = (await signedInAs(t, 'owner')).client;
  });
  afterAll(async () => {
    await t?.close();
  });

  const countRows = async (table: 'actions' | 'campaigns' | 'action_updates' | 'action_targets') =>
    Number(
      (
        await db()
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('staff create a campaign and a petition, open it, and the public sees it; drafts stay private', async () => {
    await owner.get('/admin/campaigns');
    const bad = await owner.post('/admin/campaigns', { title: '', summary: 'x', slug: 'Not A Slug!' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter a title');
    expect(bad.text).toContain('Use only lower-case letters');
    const made = await owner.post('/admin/campaigns', {
      title: 'Free the supply chain',
      summary: 'Cotton picked in camps ends up in our clothes.',
      slug: '',
    });
    expect(made.status).toBe(303);
    const campaign = await db().selectFrom('campaigns').selectAll().where('slug', '=', 'free-the-supply-chain').executeTakeFirstOrThrow();
    await owner.get('/admin/campaigns');
    expect((await owner.post('/admin/campaigns', { title: 'Free the supply chain', summary: 'Again' })).text).toContain(
      'Another campaign uses that web address',
    );

    const choose = await owner.get('/admin/actions/new');
    expect(choose.text).toContain('What will supporters do?');
    expect((await owner.get('/admin/actions/new?kind=nonsense')).status).toBe(422);
    const form = await owner.get('/admin/actions/new?kind=petition');
    expect(form.status).toBe(200);
    expect(form.text).toContain('New action: Petition');

    const before = await countRows('actions');
    const invalid = await owner.post('/admin/actions', {
      kind: 'petition',
      campaignId: String(campaign.id),
      title: '',
      summary: 's',
      body: 'b',
      deadline: '2026-02-30',
      goal: 'lots',
    });
    expect(invalid.status).toBe(422);
    expect(invalid.text).toContain('Enter a title');
    expect(invalid.text).toContain('Enter the goal as a whole number');
    expect(await countRows('actions')).toBe(before);
    const impossible = await owner.post('/admin/actions', {
      kind: 'petition',
      campaignId: String(campaign.id),
      title: 'T',
      summary: 's',
      body: 'b',
      deadline: '2026-02-30',
    });
    expect(impossible.status).toBe(422);
    expect(impossible.text).toContain('Enter a real date');
    expect(await countRows('actions')).toBe(before);

    const created = await owner.post('/admin/actions', {
      kind: 'petition',
      campaignId: String(campaign.id),
      title: 'Label the cotton',
      summary: 'Name the country where the cotton was grown.',
      body: 'We call on the government to **label** cotton. <script>alert(1)</script>',
      deadline: '2099-08-31',
      goal: '10,000',
      thankYou: 'Thank you for signing.',
    });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/actions\/(\d+)\?done=created$/.exec(created.headers.get('location') ?? '')?.[1]);
    const draft = (await getActionById(db(), id))!;
    expect(draft).toMatchObject({
      slug: 'label-the-cotton',
      status: 'draft',
      goal: 10_000,
      deadline: '2099-08-31',
      closesAt: endOfDay('2099-08-31', 'Europe/London'),
    });
    expect((await t.client().get('/act/label-the-cotton')).status).toBe(404);

    await owner.get(`/admin/actions/${id}`);
    expect((await owner.post(`/admin/actions/${id}/open`)).status).toBe(303);
    const page = await t.client().get('/act/label-the-cotton');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Label the cotton</h1>');
    expect(page.text).toContain('<strong>label</strong>');
    expect(page.text).not.toContain('<script>alert(1)</script>');
    expect(page.text).toContain('Open until the end of 31 August 2099.');
    expect(page.text).toContain('of a goal of 10,000');
    expect(page.text).toContain('href="/campaigns/free-the-supply-chain"');
    expect((await t.client().get('/act')).text).toContain('href="/act/label-the-cotton"');
    expect((await t.client().get('/campaigns/free-the-supply-chain')).text).toContain('Label the cotton');

    // Opening twice is refused with the reason on the page; closing and reopening work.
    await owner.get(`/admin/actions/${id}`);
    const again = await owner.post(`/admin/actions/${id}/open`);
    expect(again.status).toBe(409);
    expect(again.text).toContain('Only a draft can be opened.');
    expect((await owner.post(`/admin/actions/${id}/close`)).status).toBe(303);
    expect((await t.client().get('/act/label-the-cotton')).text).toContain('This action is closed');
    expect((await owner.post(`/admin/actions/${id}/reopen`)).status).toBe(303);
    expect((await getActionById(db(), id))!.status).toBe('open');

    // Editing keeps the address; a second action with the same title gets a numbered one.
    await owner.get(`/admin/actions/${id}/edit`);
    const edited = await owner.post(`/admin/actions/${id}/edit`, {
      campaignId: String(campaign.id),
      title: 'Label the cotton now',
      summary: 's',
      body: 'b',
      deadline: '',
      goal: '',
    });
    expect(edited.status).toBe(303);
    expect(await getActionById(db(), id)).toMatchObject({
      slug: 'label-the-cotton',
      title: 'Label the cotton now',
      deadline: null,
      closesAt: null,
      goal: null,
    });
    await owner.get('/admin/actions/new?kind=petition');
    expect(
      (
        await owner.post('/admin/actions', {
          kind: 'petition',
          campaignId: String(campaign.id),
          title: 'Label the cotton',
          summary: 's',
          body: 'b',
        })
      ).status,
    ).toBe(303);
    expect((await db().selectFrom('actions').select('slug').orderBy('id', 'desc').executeTakeFirstOrThrow()).slug).toBe(
      'label-the-cotton-2',
    );
  });

  test('when the deadline’s day ends the page shows the action closed with its result, and the job closes it', async () => {
    const action = await openTestAction(core(), { kind: 'petition', deadline: '2099-01-31' });
    await db().updateTable('actions').set({ result: 'We handed in **12,000** signatures.' }).where('id', '=', action.id).execute();
    expect((await t.client().get(`/act/${action.slug}`)).text).toContain('Open until the end of 31 January 2099.');
    // The deadline passes (the stored instant moves into the past, as time would).
    await db()
      .updateTable('actions')
      .set({ closes_at: Date.now() - 1000 })
      .where('id', '=', action.id)
      .execute();
    const closed = await t.client().get(`/act/${action.slug}`);
    expect(closed.status).toBe(200);
    expect(closed.text).toContain('This action is closed');
    expect(closed.text).toContain('We handed in <strong>12,000</strong> signatures.');
    expect(closed.text).toContain('This action closed at the end of 31 January 2099.');
    expect((await t.client().get('/act')).text).not.toContain(`/act/${action.slug}"`);
    expect(await closeActionsPastDeadline(db())).toBeGreaterThanOrEqual(1);
    expect((await getActionById(db(), action.id))!.status).toBe('closed');
    // Reopening past the deadline is refused until the deadline moves.
    await owner.get(`/admin/actions/${action.id}`);
    const reopen = await owner.post(`/admin/actions/${action.id}/reopen`);
    expect(reopen.status).toBe(409);
    expect(reopen.text).toContain('The deadline has passed');
  });

  test('the counter is recounted by its job from confirmed actions only, and the chart and table show them by day', async () => {
    const action = await openTestAction(core(), { kind: 'petition', goal: 3 });
    const now = Date.now();
    const sig = (i: number, status: 'pending' | 'confirmed') => ({
      action_id: action.id,
      email_index: `index-${action.id}-${i}`,
      email_enc: 'x',
      first_name_enc: 'x',
      show_name: 0,
      opt_in: 0,
      status,
      created_at: now - 2 * 86_400_000,
      confirmed_at: status === 'confirmed' ? now - (i % 2) * 86_400_000 : null,
    });
    await db()
      .insertInto('signatures')
      .values([sig(1, 'confirmed'), sig(2, 'confirmed'), sig(3, 'pending'), sig(4, 'confirmed')])
      .execute();
    expect((await getActionById(db(), action.id))!.count).toBe(0);
    expect(await refreshActionCounts(db())).toBeGreaterThanOrEqual(1);
    expect((await getActionById(db(), action.id))!.count).toBe(3);
    expect(await refreshActionCounts(db())).toBe(0);
    const page = await t.client().get(`/act/${action.slug}`);
    expect(page.text).toContain('<strong>3</strong> signatures');
    expect(page.text).toMatch(/<progress max="3" value="3"/);
    const admin = await owner.get(`/admin/actions/${action.id}`);
    expect(admin.text).toContain('<svg viewBox="0 0 600 200" role="img"');
    expect(admin.text).toContain('Total signatures over time');
    expect(admin.text).toMatch(/<caption>Signatures per day<\/caption>/);
    // Two days with confirmations: 2 then 1 (or 1 then 2), totalling 3.
    expect([...admin.text.matchAll(/<td class="num">(\d+)<\/td><td class="num">(\d+)<\/td>/g)].map((m) => Number(m[2])).at(-1)).toBe(3);
  });

  test('updates: a delivery record needs its day; updates show on the public page; staff can delete one', async () => {
    const action = await openTestAction(core(), { kind: 'petition' });
    await owner.get(`/admin/actions/${action.id}`);
    const noDay = await owner.post(`/admin/actions/${action.id}/updates`, {
      kind: 'delivery',
      title: 'Handed in to the department',
      happenedOn: '',
      body: '',
    });
    expect(noDay.status).toBe(422);
    expect(noDay.text).toContain('Enter the day it was handed in');
    expect(await countRows('action_updates')).toBe(0);
    expect(
      (
        await owner.post(`/admin/actions/${action.id}/updates`, {
          kind: 'delivery',
          title: 'Handed in to the department',
          happenedOn: '2026-12-01',
          body: '',
        })
      ).status,
    ).toBe(303);
    expect(
      (
        await owner.post(`/admin/actions/${action.id}/updates`, {
          kind: 'response',
          title: 'The minister replied',
          body: 'They said they would *consider* it.',
        })
      ).status,
    ).toBe(303);
    const page = await t.client().get(`/act/${action.slug}`);
    expect(page.text).toContain('Handed in · 1 December 2026');
    expect(page.text).toContain('The minister replied');
    expect(page.text).toContain('<em>consider</em>');
    const u = await db()
      .selectFrom('action_updates')
      .select('id')
      .where('action_id', '=', action.id)
      .where('kind', '=', 'response')
      .executeTakeFirstOrThrow();
    expect((await owner.post(`/admin/actions/${action.id}/updates/${u.id}/delete`)).status).toBe(303);
    expect((await t.client().get(`/act/${action.slug}`)).text).not.toContain('The minister replied');
    expect((await owner.post(`/admin/actions/${action.id}/updates/999999/delete`)).status).toBe(404);
  });

  test('an "email a target" action opens only with targets; bad target lines are named and nothing changes', async () => {
    const action = await openTestAction(core(), { kind: 'email_target', status: 'draft', targets: [] });
    await owner.get(`/admin/actions/${action.id}`);
    const refused = await owner.post(`/admin/actions/${action.id}/open`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('Add at least one target');
    const bad = await owner.post(`/admin/actions/${action.id}/targets`, {
      targets: 'Dana Reyes | CEO | dana@example.org\nnot a target line',
    });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Line 2: write each target as Name | Role | email');
    expect(await db().selectFrom('action_targets').select('id').where('action_id', '=', action.id).execute()).toHaveLength(0);
    expect((await owner.post(`/admin/actions/${action.id}/targets`, { targets: 'Dana Reyes | CEO | dana@example.org' })).status).toBe(303);
    expect((await owner.post(`/admin/actions/${action.id}/open`)).status).toBe(303);
    const petition = await openTestAction(core(), { kind: 'petition' });
    expect((await owner.post(`/admin/actions/${petition.id}/targets`, { targets: 'A | B | a@example.org' })).status).toBe(409);
  });

  test('the thank-you page has share links to the action and suggests the next action while it is open', async () => {
    const next = await openTestAction(core(), { kind: 'petition', title: 'Write to Northway' });
    const action = await openTestAction(core(), { kind: 'petition', thankYou: 'You are *brilliant*.', nextActionId: next.id });
    const page = await t.client().get(`/act/${action.slug}/thanks`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('<em>brilliant</em>');
    const url = encodeURIComponent(`${t.lantern.core.config.baseUrl}/act/${action.slug}`);
    expect(page.text).toContain(`https://www.facebook.com/sharer/sharer.php?u=${url}`);
    expect(page.text).toContain('What you can do next');
    expect(page.text).toContain(`href="/act/${next.slug}"`);
    await db().updateTable('actions').set({ status: 'closed' }).where('id', '=', next.id).execute();
    expect((await t.client().get(`/act/${action.slug}/thanks`)).text).not.toContain('What you can do next');
    expect((await t.client().get('/act/no-such-action/thanks')).status).toBe(404);
    expect((await t.client().get('/campaigns/no-such-campaign')).status).toBe(404);
  });

  test('staff with actions:edit preview a draft at an admin address, marked as a preview, unindexed and without forms; its public address still 404s', async () => {
    const draft = await openTestAction(core(), { kind: 'petition', title: 'Draft for the preview', status: 'draft' });
    await db().updateTable('actions').set({ body: 'The **draft** text.' }).where('id', '=', draft.id).execute();
    expect((await t.client().get(`/act/${draft.slug}`)).status).toBe(404);
    const admin = await owner.get(`/admin/actions/${draft.id}`);
    expect(admin.text).toContain(`href="/admin/actions/${draft.id}/preview"`);
    const preview = await owner.get(`/admin/actions/${draft.id}/preview`);
    expect(preview.status).toBe(200);
    expect(preview.text).toContain('Preview — not yet open');
    expect(preview.text).toContain('<h1>Draft for the preview</h1>');
    expect(preview.text).toContain('<strong>draft</strong>');
    expect(preview.text).toContain('<meta name="robots" content="noindex"/>');
    expect(preview.headers.get('cache-control')).toBe('no-store');
    expect(preview.text).not.toMatch(/<form[^>]*action="\/act\//);
    expect(preview.text).not.toContain('name="email"');
    // Staff without actions:edit, and visitors, are kept out; an unknown action is not found.
    expect((await (await signedInAs(t, 'viewer')).client.get(`/admin/actions/${draft.id}/preview`)).status).toBe(403);
    expect((await t.client().get(`/admin/actions/${draft.id}/preview`)).status).toBe(303);
    expect((await owner.get('/admin/actions/999999/preview')).status).toBe(404);
    // Once open, the preview still shows (the public page is there too).
    await changeActionStatus(core(), null, draft.id, 'open');
    expect((await owner.get(`/admin/actions/${draft.id}/preview`)).status).toBe(200);
    expect((await t.client().get(`/act/${draft.slug}`)).status).toBe(200);
  });

  test('an action may stand without a campaign: staff create and edit it with none, and its page and the lists cope', async () => {
    const form = await owner.get('/admin/actions/new?kind=petition');
    expect(form.text).toContain('No campaign');
    const created = await owner.post('/admin/actions', {
      kind: 'petition',
      campaignId: '',
      title: 'Standing alone',
      summary: 'An action outside any campaign.',
      body: 'Sign it.',
    });
    expect(created.status).toBe(303);
    const id = Number(/\/admin\/actions\/(\d+)\?done=created$/.exec(created.headers.get('location') ?? '')?.[1]);
    expect(await getActionById(db(), id)).toMatchObject({ campaignId: null, status: 'draft' });
    expect((await owner.get(`/admin/actions/${id}`)).status).toBe(200);
    expect((await owner.get(`/admin/actions/${id}/edit`)).status).toBe(200);
    expect(
      (await owner.post(`/admin/actions/${id}/edit`, { campaignId: '', title: 'Standing alone still', summary: 's', body: 'b' })).status,
    ).toBe(303);
    expect(await getActionById(db(), id)).toMatchObject({ campaignId: null, title: 'Standing alone still' });
    const list = await owner.get('/admin/actions');
    expect(list.status).toBe(200);
    expect(list.text).toContain('Standing alone still');
    await owner.get(`/admin/actions/${id}`);
    expect((await owner.post(`/admin/actions/${id}/open`)).status).toBe(303);
    const page = await t.client().get('/act/standing-alone');
    expect(page.status).toBe(200);
    expect(page.text).toContain('<h1>Standing alone still</h1>');
    expect(page.text).not.toContain('href="/campaigns/');
    expect((await t.client().get('/act')).text).toContain('href="/act/standing-alone"');
    // A campaign that does not exist is still refused.
    await owner.get(`/admin/actions/${id}/edit`);
    const bad = await owner.post(`/admin/actions/${id}/edit`, { campaignId: '999999', title: 'T', summary: 's', body: 'b' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Choose a campaign from the list');
  });

  test('every action page offers share links and carries Open Graph and canonical tags with absolute addresses, before anyone acts', async () => {
    const base = t.lantern.core.config.baseUrl;
    for (const kind of ['petition', 'letter_mp', 'email_target', 'sign_on'] as const) {
      const action = await openTestAction(core(), { kind, title: `Share “${kind}” & more` });
      const page = await t.client().get(`/act/${action.slug}`);
      expect(page.status).toBe(200);
      const url = `${base}/act/${action.slug}`;
      const u = encodeURIComponent(url);
      expect(page.text).toContain(`<link rel="canonical" href="${url}"/>`);
      expect(page.text).toContain(`<meta property="og:url" content="${url}"/>`);
      expect(page.text).toContain(`<meta property="og:title" content="Share “${kind}” &amp; more"/>`);
      expect(page.text).toContain('<meta property="og:description" content="A summary for tests."/>');
      expect(page.text).toContain('<meta property="og:type" content="website"/>');
      for (const href of [
        `https://www.facebook.com/sharer/sharer.php?u=${u}`,
        `https://www.linkedin.com/sharing/share-offsite/?url=${u}`,
        'https://wa.me/?text=',
        'https://bsky.app/intent/compose?text=',
        'https://x.com/intent/post?text=',
        'mailto:?subject=',
      ]) {
        expect({ kind, href, found: page.text.includes(href) }).toEqual({ kind, href, found: true });
      }
      expect(page.text).toContain(`value="${url}"`);
      // Plain links only: nothing from another site is loaded.
      expect(page.text).not.toMatch(/<(script|img|iframe)[^>]+(src)="https?:/);
    }
    // The thank-you page points to the action (the page to share); the campaign hub and the list name their own addresses.
    const action = await openTestAction(core(), { kind: 'petition' });
    const thanks = await t.client().get(`/act/${action.slug}/thanks`);
    expect(thanks.text).toContain(
      `https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(`${base}/act/${action.slug}`)}`,
    );
    expect(thanks.text).toContain(`<link rel="canonical" href="${base}/act/${action.slug}"/>`);
    expect(thanks.text).toContain(`<meta property="og:url" content="${base}/act/${action.slug}"/>`);
    expect((await t.client().get('/campaigns/test-campaign')).text).toContain(
      `<link rel="canonical" href="${base}/campaigns/test-campaign"/>`,
    );
    expect((await t.client().get('/act')).text).toContain(`<link rel="canonical" href="${base}/act"/>`);
  });

  test('a closed statement still lists the organisations that signed it, below the result', async () => {
    const action = await openTestAction(core(), { kind: 'sign_on', title: 'Statement for the list test' });
    const now = Date.now();
    await db()
      .insertInto('sign_ons')
      .values({
        action_id: action.id,
        organisation: 'Riverside Refugee Forum',
        website: 'https://riverside.example.org',
        contact_name_enc: 'x',
        email_index: `so-${action.id}`,
        email_enc: 'x',
        status: 'approved',
        created_at: now,
        confirmed_at: now,
        decided_at: now,
      })
      .execute();
    expect((await t.client().get(`/act/${action.slug}`)).text).toContain('Riverside Refugee Forum');
    await owner.get(`/admin/actions/${action.id}`);
    expect((await owner.post(`/admin/actions/${action.id}/close`)).status).toBe(303);
    const closed = await t.client().get(`/act/${action.slug}`);
    expect(closed.text).toContain('This action is closed');
    expect(closed.text).toContain('Riverside Refugee Forum');
    expect(closed.text).not.toContain('name="organisation"');
  });

  test('a supporter’s copy of their data and their erasure reach their signatures, letters and sign-ons: personal fields go, what was counted stays counted', async () => {
    const k = core().keyring;
    const email = 'erase.me@example.org';
    const idx = emailIndex(k, email);
    const { id: supporterId } = await upsertSupporter(
      db(),
      k,
      { email, firstName: 'Mehmet' },
      { source: 'test', mode: 'fill', confirmed: true },
    );
    const petition = await openTestAction(core(), { kind: 'petition' });
    const other = await openTestAction(core(), { kind: 'petition' });
    const letterAction = await openTestAction(core(), { kind: 'email_target' });
    const statement = await openTestAction(core(), { kind: 'sign_on' });
    const now = Date.now();
    const sig = {
      email_index: idx,
      email_enc: k.encrypt(email),
      first_name_enc: k.encrypt('Mehmet'),
      last_name_enc: k.encrypt('Yilmaz'),
      postcode_enc: k.encrypt('AB11 6AA'),
      town_enc: k.encrypt('Aberdeen'),
      constituency_code: 'S14000061',
      show_name: 1,
      opt_in: 0,
      created_at: now,
    };
    await db()
      .insertInto('signatures')
      .values([
        { ...sig, action_id: petition.id, status: 'confirmed', confirmed_at: now, supporter_id: supporterId },
        { ...sig, action_id: other.id, status: 'pending', confirmed_at: null, supporter_id: null },
      ])
      .execute();
    await db()
      .insertInto('letters')
      .values({
        action_id: letterAction.id,
        email_index: idx,
        email_enc: k.encrypt(email),
        first_name_enc: k.encrypt('Mehmet'),
        last_name_enc: k.encrypt('Yilmaz'),
        address_enc: k.encrypt('1 High St'),
        subject_enc: k.encrypt('Hello'),
        body_enc: k.encrypt('My words'),
        fingerprint: '',
        opt_in: 0,
        status: 'queued',
        created_at: now,
        confirmed_at: now,
      })
      .execute();
    await db()
      .insertInto('sign_ons')
      .values({
        action_id: statement.id,
        organisation: 'Harbour Aid',
        contact_name_enc: k.encrypt('Mehmet Yilmaz'),
        email_index: idx,
        email_enc: k.encrypt(email),
        status: 'approved',
        created_at: now,
        confirmed_at: now,
        decided_at: now,
      })
      .execute();
    await refreshActionCounts(db());
    const before = (await getActionById(db(), petition.id))!.count;
    expect(before).toBe(1);

    // Their copy of their data holds all of it first.
    const copy = await exportSupporterData(db(), k, supporterId, core().dataExport);
    expect(copy.petitionSignatures).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ lastName: 'Yilmaz', town: 'Aberdeen', status: 'confirmed' }),
        expect.objectContaining({ status: 'pending' }),
      ]),
    );
    expect(copy.letters).toEqual([expect.objectContaining({ body: 'My words', address: '1 High St', status: 'queued' })]);
    expect(copy.organisationSignOns).toEqual([expect.objectContaining({ organisation: 'Harbour Aid', contactName: 'Mehmet Yilmaz' })]);

    await eraseSupporter(core(), supporterId, { source: 'test' });

    const sigs = await db().selectFrom('signatures').selectAll().where('action_id', 'in', [petition.id, other.id]).execute();
    expect(sigs).toHaveLength(1);
    expect(sigs[0]).toMatchObject({
      status: 'confirmed',
      last_name_enc: null,
      postcode_enc: null,
      town_enc: null,
      show_name: 0,
      supporter_id: null,
      constituency_code: 'S14000061',
    });
    expect(k.decrypt(sigs[0]!.email_enc)).toBe('');
    expect(k.decrypt(sigs[0]!.first_name_enc)).toBe('');
    expect(sigs[0]!.email_index).not.toBe(idx);
    await refreshActionCounts(db());
    expect((await getActionById(db(), petition.id))!.count).toBe(before);
    const letter = await db().selectFrom('letters').selectAll().where('action_id', '=', letterAction.id).executeTakeFirstOrThrow();
    expect(letter).toMatchObject({ status: 'rejected', address_enc: null });
    expect(k.decrypt(letter.body_enc)).toBe('');
    expect(letter.email_index).not.toBe(idx);
    const signOn = await db().selectFrom('sign_ons').selectAll().where('action_id', '=', statement.id).executeTakeFirstOrThrow();
    expect(signOn).toMatchObject({ organisation: 'Harbour Aid', status: 'approved' });
    expect(k.decrypt(signOn.contact_name_enc)).toBe('');
    expect(signOn.email_index).not.toBe(idx);
  });

  test('permissions: viewers cannot reach actions; editors may write them', async () => {
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get('/admin/actions')).status).toBe(403);
    expect((await viewer.get('/admin/campaigns')).status).toBe(403);
    const editor = (await signedInAs(t, 'editor')).client;
    expect((await editor.get('/admin/actions')).status).toBe(200);
    expect((await t.client().get('/admin/actions')).status).toBe(303);
  });

  test('garbage thrown at the staff forms gets a 4xx or a redirect, never a 500, and a refusal stores nothing', async () => {
    const action = await openTestAction(core(), { kind: 'email_target' });
    const { value } = garbage({
      extra: ['petition', 'letter_mp', '2026-02-30', '1e9', '-1', '99999999999'],
      maxRepeat: 60_000,
      hugeValue: false,
    });
    const fieldNames = [
      'kind',
      'campaignId',
      'title',
      'slug',
      'summary',
      'body',
      'deadline',
      'goal',
      'thankYou',
      'result',
      'newsletterListId',
      'nextActionId',
      'targets',
      'happenedOn',
    ];
    await owner.get('/admin/actions/new');
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.constantFrom(...fieldNames), value, { maxKeys: 10 }),
        fc.constantFrom(
          '/admin/actions',
          `/admin/actions/${action.id}/edit`,
          `/admin/actions/${action.id}/updates`,
          `/admin/actions/${action.id}/targets`,
          '/admin/campaigns',
        ),
        async (fields, path) => {
          const before = await Promise.all((['actions', 'campaigns', 'action_updates', 'action_targets'] as const).map(countRows));
          const form = Object.fromEntries(Object.entries(fields).map(([k, v]) => [k, Array.isArray(v) ? v.map(str) : str(v)]));
          const r = await owner.post(path, form);
          expect(r.status, `${path} ${JSON.stringify(fields).slice(0, 300)}`).not.toBe(500);
          expect([303, 400, 404, 409, 413, 415, 422]).toContain(r.status);
          if (r.status !== 303)
            expect(await Promise.all((['actions', 'campaigns', 'action_updates', 'action_targets'] as const).map(countRows))).toEqual(
              before,
            );
        },
      ),
      { numRuns: 60 },
    );
  });
});
