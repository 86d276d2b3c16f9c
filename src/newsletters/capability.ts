import type { Capability } from '../core/context.js';
import { describeNewslettersAudit, newslettersDashboard } from './dashboard.js';
import { seedDemoNewsletters } from './demo.js';
import { newsletterJobs } from './jobs.js';
import { adminRoutes, publicRoutes, setupImageUploads } from './routes.js';
import { newsletterTimeline, segmentInUse } from './service.js';

/** Newsletters: compose, preview, test, send or schedule, progress with pause/resume/cancel, and the public archive. */
export const newslettersCapability: Capability = {
  name: 'newsletters',
  nav: [{ href: '/newsletters', label: 'Newsletters' }],
  adminNav: [{ href: '/admin/newsletters', label: 'Newsletters', permission: 'newsletters:edit' }],
  // Owners hold every permission without being named here.
  permissions: [
    { name: 'newsletters:edit', label: 'Write newsletters', roles: ['editor', 'campaigner'] },
    { name: 'newsletters:send', label: 'Send newsletters', roles: ['campaigner'] },
  ],
  // Multipart (the image upload) is read on one route only, in a scope of its own.
  setup: (app, core) => setupImageUploads(app, core),
  publicRoutes,
  adminRoutes,
  jobs: (core) => newsletterJobs(core),
  demo: (core) => seedDemoNewsletters(core),
  // A supporter's deliveries hold no personal data beyond the supporter they point to (whose record erasure wipes),
  // so erasure keeps them, as it always has: the counts of past sends stay true.
  timeline: () => newsletterTimeline,
  segmentUse: () => segmentInUse,
  dashboard: newslettersDashboard,
  describeAudit: describeNewslettersAudit,
};
