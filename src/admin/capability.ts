import type { Capability } from '../core/context.js';
import { adminRoutes } from './routes.js';
import { adminDashboard, describeAdminAudit } from './service.js';

/** The admin shell: the dashboard (made of every capability's part), organisation settings, the mail catcher and the jobs view. */
export const adminCapability: Capability = {
  name: 'admin',
  adminNav: [
    { href: '/admin', label: 'Dashboard', permission: 'dashboard:view' },
    { href: '/admin/settings', label: 'Organisation', permission: 'settings:manage', group: 'settings', order: 10 },
    { href: '/admin/mail', label: 'Mail', permission: 'mail:view', group: 'settings', order: 40 },
    { href: '/admin/jobs', label: 'Jobs', permission: 'jobs:view', group: 'settings', order: 50 },
  ],
  permissions: [
    // Viewers see the dashboard and nothing personal.
    { name: 'dashboard:view', label: 'See the dashboard', roles: ['editor', 'campaigner', 'treasurer', 'viewer'] },
    { name: 'settings:manage', label: "Change the organisation's settings", roles: [] },
    // The mail catcher stays with owners: it holds password-reset links, so reading it would let anyone take over
    // another staff account.
    { name: 'mail:view', label: 'Read the mail catcher', roles: [] },
    { name: 'jobs:view', label: 'See background jobs', roles: ['editor', 'campaigner'] },
    { name: 'jobs:manage', label: 'Retry background jobs', roles: ['campaigner'] },
  ],
  adminRoutes,
  dashboard: adminDashboard,
  describeAudit: describeAdminAudit,
};
