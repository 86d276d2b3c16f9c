import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { TestClient } from '../../test/helpers/http.js';
import { addTestStaff, countRows } from '../../test/helpers/staff.js';
import { LoginSchema, SetupSchema, setupLinkIfNoStaff } from './service.js';
import { garbage } from '../../test/helpers/garbage.js';
import { cleanFields } from '../core/text.js';

// Property tests on the two forms anyone can reach before signing in. Whatever arrives (any strings, arrays,
// objects, unicode, huge values, any content type, with or without a CSRF token), the answer is a 4xx or a 303,
// never a 500, and invalid input stores nothing.

const { scalar, value } = garbage({ extra: ['%00', '../../etc/passwd', 'a@b'], maxRepeat: 300_000, hugeValue: true });
const encoding = fc.constantFrom(
  'form',
  'form',
  'json',
  'json',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'none',
  'broken-json',
);

type Encoding = 'form' | 'json' | 'text/plain' | 'application/xml' | 'multipart/form-data; boundary=x' | 'none' | 'broken-json';

function formString(v: unknown): string {
  return typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/** The request to send, and the body the server will see if it accepts the content type. */
function encode(
  fields: Record<string, unknown>,
  how: Encoding,
): { body: string | undefined; contentType: string | undefined; seen: unknown } {
  if (how === 'form') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, formString(x));
    const seen: Record<string, string | string[]> = {};
    for (const k of new Set(p.keys())) {
      const all = p.getAll(k);
      seen[k] = all.length > 1 ? all : all[0]!;
    }
    return { body: p.toString(), contentType: 'application/x-www-form-urlencoded', seen };
  }
  if (how === 'json') {
    const body = JSON.stringify(fields);
    return { body, contentType: 'application/json', seen: JSON.parse(body) };
  }
  if (how === 'broken-json') return { body: `${JSON.stringify(fields).slice(0, -1)},`, contentType: 'application/json', seen: undefined };
  if (how === 'none') return { body: undefined, contentType: undefined, seen: undefined };
  return { body: formString(fields), contentType: how, seen: undefined };
}

let address = 0;
/** A fresh address per request (behind a trusted proxy), so throttles and rate limits do not decide the answers. */
const nextAddress = () => {
  address++;
  return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
};

async function send(c: TestClient, path: string, fields: Record<string, unknown>, how: Encoding, withCsrf: boolean) {
  const token = c.lastCsrf ?? '';
  const all = withCsrf ? { ...fields, _csrf: token } : fields;
  const { body, contentType, seen } = encode(all, how);
  const headers: Record<string, string> = { 'x-forwarded-for': nextAddress() };
  if (contentType) headers['content-type'] = contentType;
  if (withCsrf) headers['x-csrf-token'] = token;
  const res = await c.request('POST', path, body === undefined ? { headers } : { headers, body });
  return { status: res.status, location: res.headers.get('location'), seen };
}

const fieldsOf = <K extends string>(keys: readonly K[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<K, typeof value>, { requiredKeys: [] });

describeEachDialect('sign-in and setup forms (property)', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => t?.close());

  test('the setup form never fails with a 500 and stores nothing unless the input is valid', async () => {
    let link = (await setupLinkIfNoStaff(t.lantern.core))!;
    const c = new TestClient(t.baseUrl);
    await c.get(new URL(link).pathname);
    let created = 0;
    // Valid submissions turn up too: the same strong password twice, a real-looking email.
    const validish = fc
      .record({
        name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }),
        email: fc
          .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/), fc.constantFrom('example.org', 'example.net'))
          .map(([l, d]) => `${l}@${d}`),
        password: fc.string({ unit: 'grapheme', minLength: 12, maxLength: 40 }),
      })
      .map((v) => ({ ...v, confirm: v.password }));
    const fields = fc.oneof(fieldsOf(['name', 'email', 'password', 'confirm'] as const), validish);

    await fc.assert(
      fc.asyncProperty(fields, encoding, fc.boolean(), async (f, how, withCsrf) => {
        const before = { staff: await countRows(t, 'staff'), sessions: await countRows(t, 'staff_sessions') };
        const r = await send(c, new URL(link).pathname, f, how as Encoding, withCsrf);
        expect(r.status).toBeLessThan(500);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500)).toBe(true);
        const cleaned = cleanFields(r.seen ?? {});
        const valid = cleaned.ok && SetupSchema.safeParse(cleaned.value).success;
        if (r.status === 303) {
          expect(valid).toBe(true);
          expect(r.location).toBe('/admin');
          expect(await countRows(t, 'staff')).toBe(1);
          // Back to an empty instance with a fresh link for the next run.
          created++;
          await t.lantern.core.db.deleteFrom('staff_sessions').execute();
          await t.lantern.core.db.deleteFrom('audit_log').execute();
          await t.lantern.core.db.deleteFrom('staff').execute();
          link = (await setupLinkIfNoStaff(t.lantern.core))!;
          return;
        }
        if (withCsrf && r.seen !== undefined && ![413, 429].includes(r.status)) expect(valid, `status ${r.status}`).toBe(false);
        expect(await countRows(t, 'staff')).toBe(before.staff);
        expect(await countRows(t, 'staff_sessions')).toBe(before.sessions);
        const token = await t.lantern.core.db
          .selectFrom('tokens')
          .select('used_at')
          .where('purpose', '=', 'setup')
          .executeTakeFirstOrThrow();
        expect(token.used_at).toBeNull();
      }),
      { numRuns: 150 },
    );
    expect(created).toBeGreaterThan(0);
  });

  test('the sign-in form never fails with a 500 and stores nothing for invalid input', async () => {
    await setupLinkIfNoStaff(t.lantern.core);
    const staff = await addTestStaff(t, { role: 'owner' });
    const c = new TestClient(t.baseUrl);
    await c.get('/admin/login');
    const near = fc.record({
      email: fc.constantFrom(staff.email, staff.email.toUpperCase(), ` ${staff.email}`),
      password: scalar,
      next: value,
    });
    const fields = fc.oneof(fieldsOf(['email', 'password', 'next'] as const), near);
    let wellFormed = 0;
    let refused = 0;

    await fc.assert(
      fc.asyncProperty(fields, encoding, fc.boolean(), async (f, how, withCsrf) => {
        await t.lantern.core.db.deleteFrom('login_failures').execute();
        const before = { sessions: await countRows(t, 'staff_sessions'), audit: await countRows(t, 'audit_log') };
        const r = await send(c, '/admin/login', f, how as Encoding, withCsrf);
        expect(r.status).toBeLessThan(500);
        expect(r.status >= 400 && r.status < 500).toBe(true);
        expect(await countRows(t, 'staff_sessions')).toBe(before.sessions);
        // What the server validates is the body after every field is cleaned (core/web/text-input.ts): an address made
        // only of a direction override is empty by then, and refused before anything is counted.
        const cleaned = cleanFields(r.seen ?? {});
        const valid = cleaned.ok && LoginSchema.safeParse(cleaned.value).success;
        if (!valid || !withCsrf || [400, 413, 415].includes(r.status)) {
          expect(await countRows(t, 'login_failures')).toBe(0);
          expect(await countRows(t, 'audit_log')).toBe(before.audit);
          refused++;
        } else {
          // A well-formed attempt with a wrong password: refused, and counted against the account and address.
          expect(r.status).toBe(422);
          expect(await countRows(t, 'login_failures')).toBe(2);
          wellFormed++;
        }
      }),
      { numRuns: 150 },
    );
    expect(wellFormed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('any query string or token in the URL gets an answer below 500', async () => {
    const c = new TestClient(t.baseUrl);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), fc.string({ maxLength: 50 }), async (a, b) => {
        for (const path of [
          `/admin/login?next=${encodeURIComponent(a)}&${encodeURIComponent(b)}=${encodeURIComponent(a)}`,
          `/setup/${encodeURIComponent(a)}`,
          `/admin/password/reset/${encodeURIComponent(a)}`,
          `/admin/login?next=${a.replace(/[#&]/g, '')}`,
        ]) {
          const res = await c.get(path);
          expect(res.status, path).toBeLessThan(500);
          if (res.status === 303) expect(res.headers.get('location')).toMatch(/^\/admin/);
        }
      }),
      { numRuns: 100 },
    );
  });
});
