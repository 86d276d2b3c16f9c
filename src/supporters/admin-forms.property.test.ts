import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { postMultipart } from '../../test/helpers/multipart.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { SupporterEditSchema } from './admin-service.js';
import { insertList } from './queries.js';
import { upsertSupporter } from './service.js';
import { garbage } from '../../test/helpers/garbage.js';
import { formString } from '../../test/helpers/send-garbage.js';

// Property tests on the two staff forms with the most fields: the supporter edit form and the import's column
// mapping form. Whatever arrives (any strings, arrays, objects, huge values, any content type, with or without a
// CSRF token), the answer is a 303 or a 4xx with messages, never a 500, and a refused form changes nothing.

const { value } = garbage({ extra: ['=HYPERLINK("x")', '@SUM(A1)', '9'.repeat(30), '-1', '0'], maxRepeat: 20_000, hugeValue: false });
type Encoding = 'form' | 'json' | 'text/plain' | 'multipart' | 'none';
const encoding = fc.constantFrom<Encoding>('form', 'form', 'form', 'json', 'text/plain', 'multipart', 'none');

/** Sends fields in an encoding; returns the status and what the server saw as the body (when it could parse it). */
async function send(c: TestClient, path: string, fields: Record<string, unknown>, how: Encoding, withCsrf: boolean) {
  const all = withCsrf ? { ...fields, _csrf: c.lastCsrf ?? '' } : { ...fields, _csrf: 'forged' };
  if (how === 'multipart') {
    const flat = Object.fromEntries(Object.entries(all).map(([k, v]) => [k, formString(Array.isArray(v) ? v[0] : v)]));
    return { status: (await postMultipart(c, path, flat)).status, seen: undefined };
  }
  if (how === 'form') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(all)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, formString(x));
    const seen: Record<string, string | string[]> = {};
    for (const k of new Set(p.keys())) {
      const xs = p.getAll(k);
      seen[k] = xs.length > 1 ? xs : xs[0]!;
    }
    const r = await c.request('POST', path, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: p.toString() });
    return { status: r.status, seen };
  }
  if (how === 'json') {
    const body = JSON.stringify(all);
    const r = await c.request('POST', path, { headers: { 'content-type': 'application/json' }, body });
    return { status: r.status, seen: JSON.parse(body) as unknown };
  }
  if (how === 'none') return { status: (await c.request('POST', path, {})).status, seen: undefined };
  return {
    status: (await c.request('POST', path, { headers: { 'content-type': how }, body: JSON.stringify(all) })).status,
    seen: undefined,
  };
}

describeEachDialect('supporter admin forms (property)', (ctx) => {
  let t: TestLantern;
  let staff: TestClient;
  let list: number;

  beforeAll(async () => {
    // No worker: a check accepted by the mapping form stays queued, so the test can look at what it stored.
    t = await startTestLantern(ctx, { worker: false });
    staff = (await signedInAs(t, 'campaigner')).client;
    list = await insertList(ctx.db, { slug: 'updates', name: 'Updates', description: '', wording: 'Email me.', at: Date.now() });
  });
  afterAll(() => t?.close());

  const auditCount = async () =>
    Number(
      (
        await ctx.db
          .selectFrom('audit_log')
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );

  test('the supporter edit form: garbage is a 4xx with nothing stored; valid input is saved exactly', async () => {
    const { id } = await upsertSupporter(
      ctx.db,
      t.lantern.core.keyring,
      { email: 'prop@example.org', firstName: 'Prop' },
      { source: 'test', mode: 'fill' },
    );
    await upsertSupporter(ctx.db, t.lantern.core.keyring, { email: 'taken@example.org' }, { source: 'test', mode: 'fill' });
    const path = `/admin/supporters/${id}`;
    await staff.get(`${path}/edit`);
    const keys = ['email', 'firstName', 'lastName', 'postcode', 'phone', 'address', 'constituency'] as const;
    const garbage = fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<(typeof keys)[number], typeof value>, {
      requiredKeys: [],
    });
    const validish = fc.record({
      email: fc.oneof(
        fc.constantFrom('taken@example.org', 'prop@example.org'),
        fc.stringMatching(/^[a-z][a-z0-9]{0,12}$/).map((l) => `${l}@example.net`),
      ),
      firstName: fc.string({ unit: 'grapheme', maxLength: 30 }),
      lastName: fc.constantFrom('', 'Ng', 'Abdul-Rahman', 'Ó Súilleabháin'),
      postcode: fc.constantFrom('', 'sw1a 1aa', 'E1 6AN', 'BT1 1AA'),
      phone: fc.constantFrom('', '+44 20 7946 0000', '07700 900000'),
      address: fc.string({ maxLength: 60 }),
      constituency: fc.constantFrom('', 'E14000639', 'w07000041'),
    });
    let saved = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(garbage, validish), encoding, fc.boolean(), async (f, how, withCsrf) => {
        const before = {
          row: await ctx.db.selectFrom('supporters').selectAll().where('id', '=', id).executeTakeFirstOrThrow(),
          audit: await auditCount(),
        };
        const r = await send(staff, path, f, how, withCsrf);
        expect(r.status).toBeLessThan(500);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500)).toBe(true);
        const valid = SupporterEditSchema.safeParse(r.seen ?? {});
        if (r.status === 303) {
          expect(valid.success).toBe(true);
          saved++;
          const row = await ctx.db.selectFrom('supporters').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
          expect(t.lantern.core.keyring.decrypt(row.email_enc!)).toBe(valid.data!.email);
          expect(t.lantern.core.keyring.decryptNullable(row.first_name_enc)).toBe(valid.data!.firstName ?? null);
          return;
        }
        refused++;
        if (
          withCsrf &&
          r.seen !== undefined &&
          r.status !== 413 &&
          !(valid.success && valid.data.email.toLowerCase() === 'taken@example.org')
        )
          expect(valid.success, `status ${r.status}`).toBe(false);
        expect(await ctx.db.selectFrom('supporters').selectAll().where('id', '=', id).executeTakeFirstOrThrow()).toEqual(before.row);
        expect(await auditCount()).toBe(before.audit);
      }),
      { numRuns: 150 },
    );
    expect(saved).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('the import mapping form: garbage is a 4xx that stores no choice and starts no job; valid input starts the check', async () => {
    await staff.get('/admin/supporters/import');
    const up = await postMultipart(
      staff,
      '/admin/supporters/import',
      {},
      { field: 'file', filename: 'p.csv', content: Buffer.from('Email,First,Last\na@example.org,A,B\n') },
    );
    expect(up.status).toBe(303);
    const id = Number(/(\d+)$/.exec(up.location!)![1]);
    const path = `/admin/supporters/import/${id}/check`;
    await staff.get(`/admin/supporters/import/${id}`);
    const state = async () =>
      ctx.db.selectFrom('supporter_imports').select(['status', 'settings_enc']).where('id', '=', id).executeTakeFirstOrThrow();
    const jobs = async () => (await ctx.db.selectFrom('jobs').select('id').where('name', '=', 'checkSupporterImport').execute()).length;
    const keys = ['encoding', 'header', 'width', 'basis', 'consentDate', 'evidence', 'lists', 'tag', 'col_0', 'col_1', 'col_2'] as const;
    const garbage = fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<(typeof keys)[number], typeof value>, {
      requiredKeys: [],
    });
    const column = fc.constantFrom('email', 'firstName', 'lastName', 'ignore', 'tags', 'phone', 'nonsense');
    const validish = fc.record({
      encoding: fc.constantFrom('utf-8', 'windows-1252', 'utf-16le', 'klingon'),
      header: fc.constantFrom('1', '0', 'on'),
      width: fc.constantFrom('3', '3', '2', 'x'),
      basis: fc.constantFrom('consent', 'soft_opt_in', 'legitimate_interest'),
      consentDate: fc.constantFrom('2026-03-01', '', '2026-02-30', '2999-01-01', '1900-01-01', 'yesterday'),
      evidence: fc.oneof(fc.constant('Signed the paper form at the stall.'), fc.string({ maxLength: 30 })),
      lists: fc.oneof(fc.constant(String(list)), fc.constant([String(list), String(list)]), fc.constantFrom('999999', 'abc', '-1', '')),
      tag: fc.constantFrom('', 'pride 2026', '<b>'),
      col_0: column,
      col_1: column,
      col_2: column,
    });
    const valid = fc
      .record({
        encoding: fc.constantFrom('utf-8', 'windows-1252'),
        header: fc.constant('1'),
        width: fc.constant('3'),
        basis: fc.constantFrom('consent', 'soft_opt_in'),
        consentDate: fc.constantFrom('2026-03-01', '1999-12-31'),
        evidence: fc
          .string({ unit: 'grapheme', minLength: 1, maxLength: 200 })
          .filter((x) => x.trim().length > 0 && !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(x)),
        lists: fc.constant(String(list)),
        tag: fc.constantFrom('', 'pride 2026'),
        cols: fc.shuffledSubarray(['email', 'firstName', 'tags'], { minLength: 3, maxLength: 3 }),
      })
      .map(({ cols, ...v }) => ({ ...v, col_0: cols[0]!, col_1: cols[1]!, col_2: cols[2]! }));
    let started = 0;
    let refused = 0;
    await fc.assert(
      fc.asyncProperty(fc.oneof(garbage, validish, valid), encoding, fc.boolean(), async (f, how, withCsrf) => {
        const before = await jobs();
        const r = await send(staff, path, f, how, withCsrf);
        expect(r.status).toBeLessThan(500);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500)).toBe(true);
        if (r.status === 303) {
          started++;
          expect(await state()).toMatchObject({ status: 'checking' });
          expect((await state()).settings_enc).not.toBeNull();
          expect(await jobs()).toBe(before + 1);
          // Back to waiting for the mapping, for the next run.
          await ctx.db.updateTable('supporter_imports').set({ status: 'uploaded', settings_enc: null }).where('id', '=', id).execute();
          await ctx.db.deleteFrom('jobs').where('name', '=', 'checkSupporterImport').execute();
          return;
        }
        refused++;
        expect(await state()).toEqual({ status: 'uploaded', settings_enc: null });
        expect(await jobs()).toBe(before);
      }),
      { numRuns: 200 },
    );
    expect(started).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });
});
