import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { capabilities } from '../app.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { declarationCovering } from './gift-aid.js';
import { giftAidRoutes } from './gift-aid-routes.js';
import { describeGiftAidAudit } from './gift-aid-views.js';
import { insertDonation } from './queries.js';
import { donorDeclarations, findOrCreateDonor } from './records.js';

// Gift Aid declarations as staff record them, over real HTTP on both dialects: a paper declaration through the
// form (the postcode tidied, a date in the future refused with nothing stored), a spoken one that covers nothing
// until its letter is recorded and 30 days have passed, a new address taking over from the old one, a correction
// replacing a record from its start while the old one stays in the ledger, a cancellation, the donor's page with
// their gifts and the ledger, the audit entries in words without a name, and a viewer refused.

const DAY = 86_400_000;

/** Until the lead wires these pages into the donations capability, a stand-in carries them (as claims.test.ts). */
function ensureGiftAidRoutes(): void {
  if (capabilities.some((c) => c.adminRoutes?.some((r) => r.url === '/admin/donations/gift-aid'))) return;
  const declared = capabilities.some((c) => c.permissions?.some((p) => p.name === 'donations:view'));
  capabilities.push({
    name: 'donations-gift-aid-test',
    ...(declared
      ? {}
      : {
          permissions: [
            { name: 'donations:view', label: 'See donations', roles: ['treasurer'] },
            { name: 'donations:manage', label: 'Change donations', roles: ['treasurer'] },
          ],
        }),
    adminRoutes: giftAidRoutes,
    describeAudit: () => describeGiftAidAudit(),
  });
}

let seq = 0;

const ledgerOf = (core: Core, donorId: number) =>
  core.db.selectFrom('gift_aid_declarations').selectAll().where('donor_id', '=', donorId).orderBy('id').execute();

describeEachDialect('Gift Aid declarations recorded by staff', (ctx) => {
  let t: TestLantern;
  let core: Core;
  let staff: TestClient;
  let timeZone: string;
  const dayIn = (ms: number) => utcToZonedLocal(ms, timeZone).slice(0, 10);

  beforeAll(async () => {
    ensureGiftAidRoutes();
    t = await startTestLantern(ctx);
    core = t.lantern.core;
    staff = (await signedInAs(t, 'treasurer')).client;
    timeZone = (await getSiteSettings(core.db)).timeZone;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function newDonor(name = 'Grace Okafor'): Promise<number> {
    seq += 1;
    return (await findOrCreateDonor(core.db, core.keyring, { email: `grace${seq}.${process.pid}@example.org`, name, now: Date.now() })).id;
  }

  const form = (o: Record<string, string> = {}) => ({
    channel: 'paper',
    title: 'Mrs',
    firstName: 'Grace',
    lastName: 'Okafor',
    house: '7',
    address: 'Mill Lane, Bristol',
    postcode: 'bs1  4dj',
    madeOn: dayIn(Date.now() - 10 * DAY),
    ...o,
  });

  test('a paper declaration is recorded through the form; one dated in the future is refused and nothing is stored', async () => {
    const d = await newDonor();
    await staff.get(`/admin/donations/donors/${d}/declarations/new`);
    const future = await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ madeOn: dayIn(Date.now() + 3 * DAY) }));
    expect(future.status).toBe(422);
    expect(future.text).toContain('cannot be in the future');
    const badPostcode = await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ postcode: 'nowhere' }));
    expect(badPostcode.status).toBe(422);
    expect(badPostcode.text).toContain('Enter a UK postcode');
    expect(await ledgerOf(core, d)).toEqual([]);

    const ok = await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ pastFourYears: 'on' }));
    expect(ok.status, ok.text.slice(0, 400)).toBe(303);
    const [decl] = await donorDeclarations(core.db, core.keyring, d);
    expect(decl).toMatchObject({ channel: 'paper', postcode: 'BS1 4DJ', lastName: 'Okafor', cancelledAt: null, supersededAt: null });
    expect(decl!.madeAt - decl!.coversFrom).toBeGreaterThan(4 * 365 * DAY - 2 * DAY);
    // Encrypted at rest.
    const [row] = await ledgerOf(core, d);
    expect(row!.last_name_enc).not.toContain('Okafor');

    const abroad = await newDonor('Jean Martin');
    const far = await staff.post(
      `/admin/donations/donors/${abroad}/declarations/new`,
      form({
        firstName: 'Jean',
        lastName: 'Martin',
        house: '4 Rue de la Paix, 75002 Paris, France',
        address: '',
        postcode: '',
        abroad: 'on',
      }),
    );
    expect(far.status).toBe(303);
    expect((await donorDeclarations(core.db, core.keyring, abroad))[0]).toMatchObject({
      postcode: 'X',
      house: '4 Rue de la Paix, 75002 Paris, France',
    });

    const audit = await core.db
      .selectFrom('audit_log')
      .select(['action', 'target', 'details'])
      .where('action', '=', 'donations.declaration.record')
      .execute();
    expect(audit.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(audit)).not.toContain('Okafor');
  });

  test('a spoken declaration covers nothing until its letter is recorded as sent and 30 days have passed', async () => {
    const d = await newDonor();
    const made = Date.now() - 50 * DAY;
    await staff.get(`/admin/donations/donors/${d}/declarations/new`);
    expect((await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ channel: 'oral', madeOn: dayIn(made) }))).status).toBe(
      303,
    );
    const [decl] = await donorDeclarations(core.db, core.keyring, d);
    const givenAt = Date.now() - 5 * DAY;
    expect(declarationCovering(await donorDeclarations(core.db, core.keyring, d), givenAt, Date.now())).toBeUndefined();
    const page = await staff.get(`/admin/donations/donors/${d}`);
    expect(page.text).toContain('Record that the letter was sent');
    const early = await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/letter`, { day: dayIn(made - 3 * DAY) });
    expect(early.status).toBe(422);
    expect(
      (await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/letter`, { day: dayIn(Date.now() - 40 * DAY) })).status,
    ).toBe(303);
    const now = await donorDeclarations(core.db, core.keyring, d);
    expect(now[0]!.letterSentAt).not.toBeNull();
    expect(declarationCovering(now, givenAt, Date.now())?.id).toBe(decl!.id);
    // A second letter is refused.
    await staff.get(`/admin/donations/donors/${d}`);
    expect((await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/letter`, { day: dayIn(Date.now()) })).status).toBe(409);
  });

  test('a new address takes over from the day it was given; a correction replaces a record from its start and keeps it in the ledger', async () => {
    const d = await newDonor();
    await staff.get(`/admin/donations/donors/${d}/declarations/new`);
    expect((await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ madeOn: dayIn(Date.now() - 60 * DAY) }))).status).toBe(
      303,
    );
    const moved = await staff.post(
      `/admin/donations/donors/${d}/declarations/new`,
      form({ house: '9', postcode: 'BS2 0JA', madeOn: dayIn(Date.now() - 20 * DAY) }),
    );
    expect(moved.status).toBe(303);
    const earlier = await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ madeOn: dayIn(Date.now() - 40 * DAY) }));
    expect(earlier.status).toBe(422);
    expect(earlier.text).toContain('later declaration');
    const [oldAddress, newAddress] = await donorDeclarations(core.db, core.keyring, d);
    expect(oldAddress!.supersededAt).toBe(newAddress!.madeAt);
    expect(declarationCovering([oldAddress!, newAddress!], Date.now() - 30 * DAY, Date.now())?.id).toBe(oldAddress!.id);
    expect(declarationCovering([oldAddress!, newAddress!], Date.now() - 5 * DAY, Date.now())?.id).toBe(newAddress!.id);

    // Correct the old record: the correction covers its gifts; the old one covers nothing, but is still there.
    const path = `/admin/donations/donors/${d}/declarations/${oldAddress!.id}/correct`;
    await staff.get(path);
    const bad = await staff.post(path, { firstName: '', lastName: 'Okafor', house: '7', address: 'Mill Lane', postcode: 'BS1 4DJ' });
    expect(bad.status).toBe(422);
    expect((await ledgerOf(core, d)).length).toBe(2);
    expect(
      (
        await staff.post(path, {
          title: 'Mrs',
          firstName: 'Grace',
          lastName: 'Okafor-Hill',
          house: '7',
          address: 'Mill Lane, Bristol',
          postcode: 'BS1 4DJ',
        })
      ).status,
    ).toBe(303);
    const ledger = await donorDeclarations(core.db, core.keyring, d);
    expect(ledger).toHaveLength(3);
    const correction = ledger.find((x) => x.lastName === 'Okafor-Hill')!;
    const old = ledger.find((x) => x.id === oldAddress!.id)!;
    expect(correction).toMatchObject({
      madeAt: old.madeAt,
      coversFrom: old.coversFrom,
      supersededAt: newAddress!.madeAt,
      channel: 'paper',
    });
    expect(old.supersededAt).toBe(old.coversFrom);
    expect(old.lastName).toBe('Okafor');
    expect(declarationCovering(ledger, Date.now() - 30 * DAY, Date.now())?.id).toBe(correction.id);
    expect(declarationCovering(ledger, Date.now() - 5 * DAY, Date.now())?.id).toBe(newAddress!.id);
    const rows = await ledgerOf(core, d);
    expect(Number(rows.find((r) => Number(r.id) === correction.id)!.replaces_id)).toBe(old.id);
    // Correcting the same record twice is refused: correct the newer one.
    await staff.get(path);
    expect(
      (await staff.post(path, { firstName: 'Grace', lastName: 'Okafor', house: '7', address: 'Mill Lane', postcode: 'BS1 4DJ' })).status,
    ).toBe(409);

    const page = await staff.get(`/admin/donations/donors/${d}`);
    expect(page.text).toContain(`Corrected by record ${correction.id}`);
    expect(page.text).toContain('Okafor-Hill');
    expect(page.text.indexOf(`id="declaration-${old.id}"`)).toBeLessThan(page.text.indexOf(`id="declaration-${newAddress!.id}"`));
  });

  test('a cancelled declaration covers nothing from the day it ends', async () => {
    const d = await newDonor();
    await staff.get(`/admin/donations/donors/${d}/declarations/new`);
    expect((await staff.post(`/admin/donations/donors/${d}/declarations/new`, form({ madeOn: dayIn(Date.now() - 60 * DAY) }))).status).toBe(
      303,
    );
    const [decl] = await donorDeclarations(core.db, core.keyring, d);
    await staff.get(`/admin/donations/donors/${d}`);
    expect(
      (await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/cancel`, { day: dayIn(Date.now() + 5 * DAY) })).status,
    ).toBe(422);
    expect(
      (await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/cancel`, { day: dayIn(Date.now() - 10 * DAY) })).status,
    ).toBe(303);
    const after = await donorDeclarations(core.db, core.keyring, d);
    expect(after[0]!.cancelledAt).not.toBeNull();
    expect(declarationCovering(after, Date.now() - 20 * DAY, Date.now())?.id).toBe(decl!.id);
    expect(declarationCovering(after, Date.now() - 5 * DAY, Date.now())).toBeUndefined();
    await staff.get(`/admin/donations/donors/${d}`);
    expect((await staff.post(`/admin/donations/donors/${d}/declarations/${decl!.id}/cancel`, { day: dayIn(Date.now()) })).status).toBe(409);
  });

  test('the donor’s page shows their gifts and which claim took each; another donor’s declaration is not found', async () => {
    const d = await newDonor('Hannah Lee');
    const other = await newDonor('Someone Else');
    const now = Date.now();
    await insertDonation(core.db, {
      ...{ donor_id: d, fund_id: null, regular_id: null, kind: 'one_off', channel: 'cheque', method: 'none', status: 'paid' },
      ...{ amount_pence: 4200, refunded_pence: 0, given_at: now - DAY, gift_aid: 1, from_company: 0, benefit_pence: 0 },
      ...{ message_enc: null, checkout_ref: null, payment_ref: null, invoice_ref: null, reference: '', claim_id: null },
      ...{ recorded_by: null, created_at: now, updated_at: now },
    });
    const page = await staff.get(`/admin/donations/donors/${d}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Hannah Lee');
    expect(page.text).toContain('£42.00');
    expect(page.text).toContain('Asked, not yet claimed');
    expect((await staff.get('/admin/donations/donors/999999')).status).toBe(404);
    await staff.get(`/admin/donations/donors/${other}/declarations/new`);
    expect((await staff.post(`/admin/donations/donors/${other}/declarations/new`, form())).status).toBe(303);
    const [theirs] = await ledgerOf(core, other);
    expect((await staff.get(`/admin/donations/donors/${d}/declarations/${theirs!.id}/correct`)).status).toBe(404);
  });

  test('the audit entries read as sentences without a name', async () => {
    const entry = (id: number, action: string, target: string, details: Record<string, unknown>) => ({
      id,
      staffId: 1,
      action,
      target,
      details: JSON.stringify(details),
      createdAt: 0,
    });
    const words = await describeGiftAidAudit()({} as never, [
      entry(1, 'donations.declaration.correct', 'donor 4', { declarationId: 9, replaces: 8 }),
      entry(2, 'donations.claim.download', 'gift-aid-claim 3', { rows: 1200, parts: 2 }),
      entry(3, 'donations.claim.paid', 'gift-aid-claim 3', { amountPence: 30000 }),
      entry(4, 'event.create', 'event 1', {}),
    ]);
    expect(words.get(1)).toMatchObject({
      did: 'corrected a Gift Aid declaration of',
      subject: 'donor 4',
      href: '/admin/donations/donors/4',
    });
    expect(words.get(2)).toMatchObject({ href: '/admin/donations/gift-aid/claims/3', more: '1,200 rows in 2 parts' });
    expect(words.get(3)).toMatchObject({ did: 'marked a Gift Aid claim paid', more: '£300.00' });
    expect(words.has(4)).toBe(false);
  });

  test('a viewer may not see a donor or record a declaration', async () => {
    const d = await newDonor();
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get(`/admin/donations/donors/${d}`)).status).toBe(403);
    await viewer.get('/admin');
    expect((await viewer.post(`/admin/donations/donors/${d}/declarations/new`, form())).status).toBe(403);
    expect(await ledgerOf(core, d)).toEqual([]);
  });
});
