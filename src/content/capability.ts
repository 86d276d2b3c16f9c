import type { Capability } from '../core/context.js';
import { seedContentDemo } from './demo.js';
import { publicRoutes as feedsPublicRoutes } from './feeds/routes.js';
import { findRedirect } from './redirects/service.js';
import { publicRoutes } from './routes.js';
import { describeUpdatesAudit } from './updates/audit.js';
import { seedUpdatesDemo } from './updates/demo.js';
import * as updatesJobs from './updates/jobs.js';
import * as updates from './updates/routes.js';

/**
 * Content: the public website. Its parts live in sub-folders, each with the usual rooms and its own tables
 * (redirects, images, updates, resources, search, site, feeds, wordpress); this file assembles them.
 */
export const contentCapability: Capability = {
  name: 'content',
  nav: [
    { href: '/', label: 'Home' },
    { href: '/updates', label: 'Updates' }, // updates
  ],
  permissions: [
    { name: 'content:edit', label: 'Write and edit the website', roles: ['editor', 'campaigner'] },
    { name: 'content:publish', label: 'Publish on the website', roles: ['editor'] },
  ],
  publicRoutes: [
    ...publicRoutes,
    ...updates.publicRoutes, // updates
    ...feedsPublicRoutes, // feeds: Atom feeds, sitemap.xml, robots.txt
  ],
  adminRoutes: [
    ...updates.adminRoutes, // updates
  ],
  jobs: (core) => ({
    ...updatesJobs.jobs(core), // updates
  }),
  recurring: [
    ...updatesJobs.recurring, // updates
  ],
  describeAudit: () => describeUpdatesAudit(), // updates (the lead gathers every part's describer here)
  redirects: (core) => (address) => findRedirect(core.db, address),
  demo: async (core) => {
    await seedContentDemo(core);
    await seedUpdatesDemo(core); // updates
  },
};
