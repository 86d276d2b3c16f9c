import type { Capability } from '../core/context.js';
import { registerRoutes } from '../core/web/routes.js';
import { consentTimeline } from './admin-service.js';
import { adminRoutes, setupImportUploads } from './admin-routes.js';
import { describeSupportersAudit, supportersDashboard } from './dashboard.js';
import { seedSupportersDemo } from './demo.js';
import { supporterJobs, supporterRecurringJobs } from './jobs.js';
import { publicRoutes, UNSUBSCRIBE_BODY_LIMIT, unsubscribeRoutes } from './routes.js';

/**
 * Supporters: sign-up with double opt-in, preferences, one-click unsubscribe and the data rights (public); search,
 * supporter pages, segments, bulk tags, import, export and lists (staff); the consent ledger on the timeline.
 */
export const supportersCapability: Capability = {
  name: 'supporters',
  adminNav: [
    { href: '/admin/supporters', label: 'Supporters', permission: 'supporters:view' },
    // Lists are set up once and seldom changed: with the settings, not the daily work.
    { href: '/admin/lists', label: 'Mailing lists', permission: 'lists:manage', group: 'settings', order: 30 },
  ],
  // Owners hold every permission without being named here.
  permissions: [
    { name: 'supporters:view', label: 'See supporter records', roles: ['campaigner'] },
    { name: 'supporters:manage', label: 'Change supporter records and tags', roles: ['campaigner'] },
    { name: 'supporters:import', label: 'Import supporters', roles: ['campaigner'] },
    { name: 'supporters:export', label: 'Export supporters', roles: ['campaigner'] },
    { name: 'lists:manage', label: 'Manage lists', roles: ['campaigner'] },
  ],
  async setup(app, core) {
    // Two routes read their bodies in their own way, each in a scope of its own so no other route does: the CSV
    // upload (multipart, streamed into encrypted chunks) and the one-click unsubscribe (any content type, unread).
    await setupImportUploads(app, core);
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: UNSUBSCRIBE_BODY_LIMIT }, (_req, _body, done) =>
        done(null, undefined),
      );
      registerRoutes(scope, core, unsubscribeRoutes, 'public');
    });
  },
  publicRoutes,
  adminRoutes,
  jobs: supporterJobs,
  recurring: supporterRecurringJobs,
  timeline: () => consentTimeline,
  dashboard: supportersDashboard,
  describeAudit: describeSupportersAudit,
  demo: seedSupportersDemo,
};
