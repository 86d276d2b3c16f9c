import type { FastifyInstance } from 'fastify';
import type { Capability, Core } from '../core/context.js';
import { adminRoutes } from './admin-routes.js';
import { describeStaffAudit } from './audit-words.js';
import { registerStaffGuard } from './guard.js';
import { isDeclaredPermission } from './permissions.js';
import { publicRoutes, signInRoutes } from './routes.js';
import { deleteExpiredSignInRecords } from './service.js';

/** Staff accounts: first-run setup, sign-in with optional two-step codes, password reset, staff management, audit log. */
export const staffCapability: Capability = {
  name: 'staff',
  adminNav: [
    { href: '/admin/staff', label: 'Staff', permission: 'staff:manage', group: 'settings', order: 20 },
    { href: '/admin/audit', label: 'Audit log', permission: 'audit:view', group: 'settings', order: 60 },
    { href: '/admin/account', label: 'Your account', permission: 'account:manage', group: 'settings', order: 90 },
  ],
  permissions: [
    { name: 'staff:manage', label: 'Manage staff accounts', roles: [] },
    { name: 'audit:view', label: 'Read the audit log', roles: [] },
    { name: 'account:manage', label: 'Manage your own account', roles: ['editor', 'campaigner', 'treasurer', 'viewer'] },
  ],
  setup(app, core) {
    registerStaffGuard(app, core);
    refuseUndeclaredPermissions(app, core);
  },
  publicRoutes,
  adminRoutes: [...signInRoutes, ...adminRoutes],
  describeAudit: describeStaffAudit,
  jobs: (core) => ({ deleteExpiredSignInRecords: () => deleteExpiredSignInRecords(core) }),
  recurring: [{ name: 'deleteExpiredSignInRecords', everyMs: 3600_000 }],
};

/**
 * Stops start-up when a route names a permission no capability declares: no role but the owner could ever use it,
 * and it is most likely a misspelling that would otherwise show up only as a 403.
 */
function refuseUndeclaredPermissions(app: FastifyInstance, core: Core): void {
  app.addHook('onRoute', (route) => {
    const permission = (route.config as { permission?: unknown } | undefined)?.permission;
    if (permission !== undefined && (typeof permission !== 'string' || !isDeclaredPermission(core, permission)))
      throw new Error(`${String(route.method)} ${route.url}: the permission ${String(permission)} is declared by no capability`);
  });
}
