import { randomBytes } from 'node:crypto';
import { normaliseEmail } from '../../src/core/crypto.js';
import type { StaffRole } from '../../src/staff/tables.js';
import { addStaffFromCli } from '../../src/staff/service.js';
import type { TestLantern } from './app.js';
import type { TestClient } from './http.js';

// Staff accounts for tests: add one with a known password, sign in through the real form, reset throttles.

export interface TestStaff {
  id: number;
  email: string;
  password: string;
  role: StaffRole;
}

/** Adds a staff member with a password (through the same function as `lantern staff add`). */
export async function addTestStaff(
  t: TestLantern,
  o: { role: StaffRole; email?: string; password?: string; name?: string },
): Promise<TestStaff> {
  const email = o.email ?? `${o.role}-${randomBytes(4).toString('hex')}@example.org`;
  const password = o.password ?? `correct horse ${randomBytes(6).toString('hex')}`;
  const core = t.lantern.core;
  const r = await addStaffFromCli(core, { email, role: o.role, name: o.name ?? `Test ${o.role}`, password });
  if (!r.ok) throw new Error(`could not add test staff: ${r.message}`);
  const row = await core.db
    .selectFrom('staff')
    .select('id')
    .where('email_index', '=', core.keyring.blindIndex('email', normaliseEmail(email)))
    .executeTakeFirstOrThrow();
  return { id: Number(row.id), email, password, role: o.role };
}

/** Signs in through the real sign-in form; returns the client holding the session cookie and the response. */
export async function signInAs(t: TestLantern, s: { email: string; password: string }, o: { client?: TestClient; next?: string } = {}) {
  const client = o.client ?? t.client();
  await client.get('/admin/login');
  const res = await client.post('/admin/login', { email: s.email, password: s.password, ...(o.next ? { next: o.next } : {}) });
  return { client, res };
}

/** Signs in and throws unless the answer is the redirect into the admin area. */
export async function signedInClient(t: TestLantern, s: { email: string; password: string }): Promise<TestClient> {
  const { client, res } = await signInAs(t, s);
  if (res.status !== 303 || res.headers.get('location') !== '/admin')
    throw new Error(`sign-in failed with ${res.status}: ${res.text.slice(0, 300)}`);
  return client;
}

/** Forgets every recorded sign-in failure (tests sign in many times from one address). */
export async function clearLoginFailures(t: TestLantern): Promise<void> {
  await t.lantern.core.db.deleteFrom('login_failures').execute();
}

/** How many rows a table has. */
export async function countRows(
  t: TestLantern,
  table: 'staff' | 'staff_sessions' | 'tokens' | 'audit_log' | 'login_failures' | 'jobs',
): Promise<number> {
  const r = await t.lantern.core.db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}
