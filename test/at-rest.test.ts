import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { decideSignOn, signOn } from '../src/actions/sign-ons/service.js';
import { backupSqlite } from '../src/core/db/backup.js';
import { CURRENT_WORDING } from '../src/donations/gift-aid.js';
import { donatePage, startGift } from '../src/donations/giving.js';
import { pressTestButton } from '../src/donations/test-payments.js';
import { addStaffFromCli } from '../src/staff/service.js';
import { startTestLantern, type TestLantern } from './helpers/app.js';
import { openTestAction } from './helpers/actions.js';
import { describeEachDialect } from './helpers/db.js';
import { until } from './helpers/wait.js';

// A copy of the database (its file, its write-ahead log, a backup) must reveal no person without the key.
const EMAIL = 'planted.person.7f3a@example.org';
const NAME = 'Plantedname Zq7xw';
// An organisation's sign-on waiting for review, and one staff rejected: neither is ever published.
const ORGANISATION = 'Plantedorg Kw4vq';
const WEBSITE = 'plantedsite-kw4vq.example.org';
const ROLE = 'Plantedrole Hj2mn';
// A donor's Gift Aid home address.
const HOUSE = 'Plantedhouse Rt5pk';

describeEachDialect('personal data at rest', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: true });
    const added = await addStaffFromCli(t.lantern.core, {
      email: EMAIL,
      role: 'owner',
      name: NAME,
      password: 'a long enough passphrase 42',
    });
    expect(added).toEqual({ ok: true });
    // Personal data flows through a job payload, the mail catcher and the audit log.
    const c = t.client();
    await c.get('/admin/password/forgot');
    const r = await c.post('/admin/password/forgot', { email: EMAIL });
    expect(r.status).toBeLessThan(400);
    await until(async () => (await t.lantern.core.mailer.recent(5)).some((m) => m.to === EMAIL));

    // Two organisations' sign-ons, their details typed into the public form: one waits for review, one is rejected.
    const core = t.lantern.core;
    const statement = await openTestAction(core, { kind: 'sign_on' });
    const staffId = Number((await ctx.db.selectFrom('staff').select('id').executeTakeFirstOrThrow()).id);
    for (const [i, fate] of (['pending', 'rejected'] as const).entries()) {
      const input = {
        organisation: `${ORGANISATION} ${fate}`,
        website: `https://${fate}.${WEBSITE}/`,
        contactName: NAME,
        contactRole: ROLE,
        email: `planted.signon.${i}@example.org`,
        optIn: false,
      };
      await signOn(core, statement as Parameters<typeof signOn>[1], input);
      await ctx.db
        .updateTable('sign_ons')
        .set({ status: 'pending', confirmed_at: Date.now() })
        .where('status', '=', 'unconfirmed')
        .execute();
      if (fate === 'rejected') {
        const id = Number((await ctx.db.selectFrom('sign_ons').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id);
        await decideSignOn(core, staffId, statement.id, id, 'reject');
      }
    }

    // A monthly gift with Gift Aid, given through the donate form's service and the built-in test payment page: the
    // checkout, the donor, the declaration (name and home address as typed), the gift's message and the job payloads.
    const page = await donatePage(core, { now: Date.now() });
    const { url } = await startGift(
      core,
      {
        ...{ kind: 'monthly', amountPence: 1500, fundSlug: undefined, dayOfMonth: 7, name: NAME, email: EMAIL },
        ...{ message: `From ${NAME}, ${HOUSE}`, optIn: false },
        giftAid: {
          ...{ wordingVersion: CURRENT_WORDING, title: 'Ms', firstName: NAME.split(' ')[0]!, lastName: NAME.split(' ')[1]! },
          ...{ house: HOUSE, address: `${HOUSE} Road, London`, postcode: 'SW1A 1AA', pastFourYears: true },
        },
      },
      { page, proof: undefined, now: Date.now() },
    );
    expect(await pressTestButton(core, url.split('/').pop()!, 'card', { now: Date.now() })).toBe('thank-you');
    expect(await ctx.db.selectFrom('gift_aid_declarations').select('id').execute()).toHaveLength(1);
    expect(await ctx.db.selectFrom('donations').select('id').execute()).toHaveLength(1);
  });
  afterAll(() => t.close());

  test('the planted email and name are readable through Lantern', async () => {
    const mail = await t.lantern.core.mailer.recent(5);
    expect(mail.find((m) => m.to === EMAIL)?.body?.text).toBeTruthy();
  });

  test('no table holds the planted email or name in clear (PostgreSQL: every row as text; SQLite: the raw files)', async () => {
    if (ctx.dialect === 'postgres') {
      const tables = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public'`.execute(ctx.db);
      expect(tables.rows.length).toBeGreaterThan(5);
      for (const { tablename } of tables.rows) {
        const hits = await sql<{
          n: number;
        }>`select count(*)::int as n from ${sql.table(tablename)} t where t::text ilike ${'%' + EMAIL + '%'} or t::text ilike ${'%' + NAME + '%'} or t::text ilike ${'%' + ORGANISATION + '%'} or t::text ilike ${'%' + WEBSITE + '%'} or t::text ilike ${'%' + ROLE + '%'} or t::text ilike ${'%' + HOUSE + '%'}`.execute(
          ctx.db,
        );
        expect({ tablename, hits: hits.rows[0]!.n }).toEqual({ tablename, hits: 0 });
      }
      return;
    }
    const file = (ctx.testDb.config as { file: string }).file;
    const backup = join(ctx.testDb.dataDir, 'backup.db');
    await backupSqlite(file, backup);
    const files = [file, `${file}-wal`, backup].filter(existsSync);
    expect(files).toContain(`${file}-wal`);
    for (const f of files) {
      const bytes = readFileSync(f);
      expect(bytes.length).toBeGreaterThan(0);
      for (const needle of [EMAIL, NAME, EMAIL.toUpperCase(), 'planted.person', ORGANISATION, WEBSITE, ROLE, HOUSE]) {
        expect({ f, needle, found: bytes.includes(Buffer.from(needle, 'utf8')) || bytes.includes(Buffer.from(needle, 'utf16le')) }).toEqual(
          { f, needle, found: false },
        );
      }
    }
  });
});
