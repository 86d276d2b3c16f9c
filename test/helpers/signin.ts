import { expect } from 'vitest';
import type { StaffRole } from '../../src/staff/tables.js';
import { addStaffFromCli } from '../../src/staff/service.js';
import type { TestLantern } from './app.js';
import type { TestClient } from './http.js';

let n = 0;

/** Creates a staff member with the role and returns a client signed in as them. */
export async function signedInAs(
  t: TestLantern,
  role: StaffRole,
  o: { name?: string } = {},
): Promise<{ client: TestClient; email: string; password: string }> {
  const email = `${role}.${process.pid}.${++n}@example.org`;
  const password = `a long enough passphrase ${n}`;
  const added = await addStaffFromCli(t.lantern.core, { email, role, name: o.name ?? `Test ${role} ${n}`, password });
  expect(added).toEqual({ ok: true });
  const client = t.client();
  await client.get('/admin/login');
  const r = await client.post('/admin/login', { email, password });
  expect(r.status).toBe(303);
  return { client, email, password };
}
