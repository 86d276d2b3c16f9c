import type { AuditDescriber, AuditDescription } from '../core/audit.js';
import type { Capability } from '../core/context.js';
import { seedContentDemo } from './demo.js';
import { publicRoutes as feedsPublicRoutes } from './feeds/routes.js';
import { describeImagesAudit } from './images/audit.js';
import * as images from './images/routes.js';
import { findRedirect } from './redirects/service.js';
import { seedResourcesDemo } from './resources/demo.js';
import * as resourcesJobs from './resources/jobs.js';
import * as resources from './resources/routes.js';
import { adminRoutes, publicRoutes } from './routes.js';
import { navPages } from './service.js';
import { publicRoutes as searchPublicRoutes } from './search/routes.js';
import { describeSiteAudit } from './site/audit.js';
import { seedSiteDemo } from './site/demo.js';
import * as siteJobs from './site/jobs.js';
import * as site from './site/routes.js';
import { describeUpdatesAudit } from './updates/audit.js';
import { seedUpdatesDemo } from './updates/demo.js';
import * as updatesJobs from './updates/jobs.js';
import * as updates from './updates/routes.js';
import { describeWordPressAudit } from './wordpress/audit.js';
import * as wordpress from './wordpress/routes.js';

// The WordPress import, for `lantern import wordpress` (src/cli.ts reaches the website only through this file).
export { describeWordPressReport as describeWordPressImport, importWordPressFile, isRefusedExport } from './wordpress/service.js';

/**
 * Content: the public website. Its parts live in sub-folders, each with the usual rooms and its own tables
 * (redirects, images, updates, resources, search, site, feeds, wordpress); this file assembles them.
 */
export const contentCapability: Capability = {
  name: 'content',
  nav: [
    { href: '/', label: 'Home' },
    { href: '/updates', label: 'Updates' }, // updates
    { href: '/resources', label: 'Resources' }, // resources
    { href: '/search', label: 'Search' }, // search
  ],
  adminNav: [{ href: '/admin/content', label: 'Website', permission: 'content:edit' }],
  permissions: [
    { name: 'content:edit', label: 'Write and edit the website', roles: ['editor', 'campaigner'] },
    { name: 'content:publish', label: 'Publish on the website', roles: ['editor'] },
  ],
  publicRoutes: [
    ...publicRoutes,
    ...updates.publicRoutes, // updates
    ...feedsPublicRoutes, // feeds: Atom feeds, sitemap.xml, robots.txt
    ...searchPublicRoutes, // search: /search
    ...images.publicRoutes, // images: /images/<id>-<signature>/<width>.<ext>
    ...resources.publicRoutes, // resources: /resources
    ...site.publicRoutes, // site: /campaigns/:slug, /contact
  ],
  adminRoutes: [
    ...adminRoutes, // pages
    ...updates.adminRoutes, // updates
    ...wordpress.adminRoutes, // wordpress: /admin/content/wordpress
    ...images.adminRoutes, // images
    ...resources.adminRoutes, // resources
    ...site.adminRoutes, // site: the overview, campaign pages, quotes, messages
  ],
  jobs: (core) => ({
    ...updatesJobs.jobs(core), // updates
    ...resourcesJobs.jobs(core), // resources
    ...siteJobs.jobs(core), // site
  }),
  recurring: [
    ...updatesJobs.recurring, // updates
    ...siteJobs.recurring, // site
  ],
  describeAudit: () =>
    allOf([
      describeUpdatesAudit(), // updates
      describeWordPressAudit(), // wordpress
      describeImagesAudit(), // images
      describeSiteAudit(), // site and resources
    ]),
  setup: async (app, core) => {
    await images.setupImageUploads(app, core); // images
    await resources.setupResourceUploads(app, core); // resources
  },
  moreNav: (core) => () => navPages(core.db),
  redirects: (core) => (address) => findRedirect(core.db, address),
  demo: async (core) => {
    await seedContentDemo(core);
    await seedUpdatesDemo(core); // updates
    await seedResourcesDemo(core); // resources
    await seedSiteDemo(core); // site: campaign page, quotes, about and contact
  },
};

/** One describer for the audit log made of each part's: every part puts its own codes in words. */
function allOf(parts: AuditDescriber[]): AuditDescriber {
  return async (db, entries) => {
    const merged = new Map<number, AuditDescription>();
    for (const described of await Promise.all(parts.map((d) => d(db, entries)))) for (const [id, d] of described) merged.set(id, d);
    return merged;
  };
}
