import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { addTestStaff, signedInClient } from '../../test/helpers/staff.js';
import type { StaffRole } from './tables.js';
import { createWebApp } from '../core/web/app.js';
import { registerStaffGuard, safeNext } from './guard.js';
import { staffCapability } from './capability.js';
import { isDeclaredPermission, roleCan, roleTable, ROLES } from './permissions.js';

// Walks the whole route table: every route under /admin must either be an open sign-in route or declare a
// permission, refuse anonymous visitors, and refuse staff whose role lacks that permission.

function concrete(url: string): string {
  return url
    .replace(/:id\b/g, '999999')
    .replace(/:[A-Za-z_]+/g, 'A'.repeat(43))
    .replace(/\*/g, 'x');
}

describeEachDialect('staff guard', (ctx) => {
  let t: TestLantern;
  const clients = new Map<StaffRole, TestClient>();

  beforeAll(async () => {
    t = await startTestLantern(ctx);
    for (const role of ROLES) clients.set(role, await signedInClient(t, await addTestStaff(t, { role })));
  });
  afterAll(() => t?.close());

  const adminRoutes = () => t.lantern.web.routeTable.filter((r) => r.url.startsWith('/admin'));
  const isOpen = (r: { config: Record<string, unknown> }) => r.config.staffAuth === 'public' || r.config.staffAuth === 'mfa';
  const protectedRoutes = () => adminRoutes().filter((r) => !isOpen(r));

  test('every /admin route is an open sign-in route or declares a known permission', () => {
    const routes = adminRoutes();
    expect(routes.length).toBeGreaterThan(20);
    const undeclared = routes.filter((r) => !isOpen(r) && !isDeclaredPermission(t.lantern.core, r.config.permission as string));
    expect(undeclared.map((r) => `${r.method} ${r.url}`)).toEqual([]);
    const open = routes.filter(isOpen).map((r) => `${r.method} ${r.url}`);
    // The open routes are exactly the sign-in, sign-out and password-reset pages.
    expect(open.filter((r) => !r.startsWith('HEAD')).sort()).toEqual(
      [
        'GET /admin/login',
        'POST /admin/login',
        'GET /admin/login/2fa',
        'POST /admin/login/2fa',
        'POST /admin/logout',
        'GET /admin/password/forgot',
        'POST /admin/password/forgot',
        'GET /admin/password/reset/:token',
        'POST /admin/password/reset/:token',
      ].sort(),
    );
  });

  test('every role holds exactly the permissions it held when one global table listed them, and the website’s', () => {
    const held = (role: StaffRole) => [...roleTable(t.lantern.core)[role]].sort();
    // The website (issue 10): editors write and publish; campaigners write, and an editor publishes. Events (issue 11):
    // editors and campaigners make events and see who comes. Donations (issue 12): treasurers and owners.
    const editor = [
      'dashboard:view',
      'jobs:view',
      'account:manage',
      'newsletters:edit',
      'actions:edit',
      'content:edit',
      'content:publish',
      'events:edit',
      'events:attendees',
    ];
    const campaigner = [
      'dashboard:view',
      'jobs:view',
      'jobs:manage',
      'account:manage',
      'supporters:view',
      'supporters:manage',
      'supporters:import',
      'supporters:export',
      'lists:manage',
      'newsletters:edit',
      'newsletters:send',
      'actions:edit',
      'actions:moderate',
      'content:edit',
      'events:edit',
      'events:attendees',
    ];
    const everything = [
      ...campaigner,
      'content:publish',
      'settings:manage',
      'staff:manage',
      'audit:view',
      'mail:view',
      'donations:view',
      'donations:manage',
    ];
    expect(held('owner')).toEqual(everything.sort());
    expect(held('editor')).toEqual(editor.sort());
    expect(held('campaigner')).toEqual(campaigner.sort());
    expect(held('viewer')).toEqual(['account:manage', 'dashboard:view']);
    // The treasurer sees and records money, and nothing else.
    expect(held('treasurer')).toEqual(['account:manage', 'dashboard:view', 'donations:manage', 'donations:view']);
    // Each capability's declarations reach the core (no duplicate names: one capability owns each permission).
    const names = (t.lantern.core.permissions ?? []).map((g) => g.name);
    expect(new Set(names).size).toBe(names.length);
    for (const own of [
      'staff:manage',
      'audit:view',
      'account:manage',
      'dashboard:view',
      'settings:manage',
      'mail:view',
      'jobs:view',
      'jobs:manage',
    ])
      expect(names, own).toContain(own);
  });

  test('a route naming a permission no capability declares stops start-up', async () => {
    const core = t.lantern.core;
    const web = await createWebApp({ config: core.config, db: core.db, keyring: core.keyring, logger: core.logger, nav: [], adminNav: [] });
    try {
      await staffCapability.setup!(web, core);
      expect(() => web.get('/admin/misspelt', { config: { permission: 'staf:manage' } }, async () => 'secret')).toThrow(
        /staf:manage is declared by no capability/,
      );
      expect(() => web.get('/admin/declared', { config: { permission: 'staff:manage' } }, async () => 'ok')).not.toThrow();
    } finally {
      await web.close();
    }
  });

  test('anonymous visitors are sent to sign in (reads) or refused with 401 (writes) on every protected route', async () => {
    const anon = t.client();
    for (const r of protectedRoutes()) {
      const path = concrete(r.url);
      const res = await anon.request(r.method, path, r.method === 'GET' || r.method === 'HEAD' ? {} : { form: { _csrf: 'x' } });
      if (r.method === 'GET' || r.method === 'HEAD') {
        expect(res.status, `${r.method} ${r.url}`).toBe(303);
        expect(res.headers.get('location'), `${r.method} ${r.url}`).toMatch(/^\/admin\/login(\?next=%2Fadmin[^]*)?$/);
      } else {
        expect(res.status, `${r.method} ${r.url}`).toBe(401);
      }
    }
  });

  test('staff are refused (403) wherever their role lacks the permission, and let through elsewhere', async () => {
    let refusedChecked = 0;
    let allowedChecked = 0;
    for (const role of ROLES) {
      const client = clients.get(role)!;
      for (const r of protectedRoutes()) {
        const path = concrete(r.url);
        const res = await client.request(
          r.method,
          path,
          r.method === 'GET' || r.method === 'HEAD' ? {} : { form: { _csrf: client.lastCsrf ?? '' } },
        );
        const label = `${role} ${r.method} ${r.url}`;
        if (!roleCan(t.lantern.core, role, r.config.permission as string)) {
          expect(res.status, label).toBe(403);
          if (r.method !== 'HEAD') expect(res.text, label).toContain('Your role does not allow this');
          refusedChecked++;
        } else {
          expect([401, 403], label).not.toContain(res.status);
          expect(res.status, label).toBeLessThan(500);
          allowedChecked++;
        }
      }
    }
    expect(refusedChecked).toBeGreaterThan(10);
    expect(allowedChecked).toBeGreaterThan(10);
  });

  test('the admin navigation shows each role only the staff entries it may use', async () => {
    const links = async (role: StaffRole) => {
      const page = await clients.get(role)!.get('/admin/account');
      expect(page.status).toBe(200);
      return ['/admin/staff', '/admin/audit', '/admin/account'].filter((href) => page.text.includes(`<a href="${href}"`));
    };
    expect(await links('owner')).toEqual(['/admin/staff', '/admin/audit', '/admin/account']);
    for (const role of ['editor', 'campaigner', 'treasurer', 'viewer'] as const)
      expect(await links(role), role).toEqual(['/admin/account']);
  });

  test('malformed, unknown and tampered session cookies count as no session, never as an error', async () => {
    for (const value of ['', 'x', '%%%', 'A'.repeat(43), 'A'.repeat(5000), '"quoted"', 'a;b', '../../etc', '\u00e9\u00e9']) {
      const c = t.client();
      c.setCookie('lantern_session', encodeURIComponent(value));
      const res = await c.get('/admin/staff');
      expect(res.status, value).toBe(303);
      expect(res.headers.get('location')).toBe('/admin/login?next=%2Fadmin%2Fstaff');
    }
  });

  test('a route under /admin that declares no permission is refused even to an owner (fail closed)', async () => {
    const core = t.lantern.core;
    const web = await createWebApp({ config: core.config, db: core.db, keyring: core.keyring, logger: core.logger, nav: [], adminNav: [] });
    registerStaffGuard(web, core);
    web.get('/admin/forgot-to-declare', async () => 'secret');
    web.post('/admin/forgot-to-declare', { config: { csrf: false } }, async () => 'secret');
    try {
      const lantern_session = clients.get('owner')!.cookie('lantern_session')!;
      for (const method of ['GET', 'POST'] as const) {
        const owner = await web.inject({ method, url: '/admin/forgot-to-declare', cookies: { lantern_session } });
        expect(owner.statusCode, method).toBe(403);
        expect(owner.body).not.toContain('secret');
      }
      expect((await web.inject({ method: 'GET', url: '/admin/forgot-to-declare' })).statusCode).toBe(303);
      expect((await web.inject({ method: 'POST', url: '/admin/forgot-to-declare' })).statusCode).toBe(401);
    } finally {
      await web.close();
    }
  });

  test('encoded and dotted spellings of an admin path are guarded like the path itself', async () => {
    const raw = (path: string, cookie?: string) =>
      new Promise<number>((resolve, reject) => {
        const u = new URL(t.baseUrl);
        const req = httpRequest(
          { host: u.hostname, port: u.port, path, method: 'GET', headers: cookie ? { cookie: `lantern_session=${cookie}` } : {} },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end();
      });
    const viewerCookie = clients.get('viewer')!.cookie('lantern_session')!;
    for (const path of [
      '/%61dmin/staff',
      '/admin/st%61ff',
      '/%61%64%6d%69%6e/audit',
      '/./admin/staff',
      '/admin/./audit',
      '/x/../admin/staff',
    ]) {
      const anonymous = await raw(path);
      expect([303, 401, 404], `anonymous ${path}`).toContain(anonymous);
      const viewer = await raw(path, viewerCookie);
      expect([403, 404], `viewer ${path}`).toContain(viewer);
    }
    // The owner does reach the page through the encoded spelling, so the refusals above are the guard's.
    expect((await clients.get('owner')!.get('/%61dmin/staff')).status).toBe(200);
    expect((await clients.get('viewer')!.get('/%61dmin/staff')).status).toBe(403);
    expect((await t.client().get('/%61dmin/staff')).status).toBe(303);
  });

  test('a signed-in viewer asking for a page that does not exist gets a 404; an anonymous one is sent to sign in', async () => {
    expect((await clients.get('owner')!.get('/admin/no-such-page')).status).toBe(404);
    const anon = await t.client().get('/admin/no-such-page');
    expect(anon.status).toBe(303);
  });
});

test('safeNext only returns local /admin paths', () => {
  expect(safeNext('/admin/staff?x=1')).toBe('/admin/staff?x=1');
  expect(safeNext('/admin')).toBe('/admin');
  for (const bad of [
    'https://evil.example/admin',
    '//evil.example',
    '/\\evil.example',
    '/administrator',
    '/admin//evil',
    '/admin/../x',
    'admin',
    '',
    42,
    null,
    '/admin\nx',
    `/admin/${'a'.repeat(600)}`,
  ]) {
    expect(safeNext(bad), String(bad)).toBe('/admin');
  }
});
