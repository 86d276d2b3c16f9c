import type { Capability } from '../core/context.js';
import { seedContentDemo } from './demo.js';
import { findRedirect } from './redirects/service.js';
import { publicRoutes } from './routes.js';
import { publicRoutes as searchPublicRoutes } from './search/routes.js';

/**
 * Content: the public website. Its parts live in sub-folders, each with the usual rooms and its own tables
 * (redirects, images, updates, resources, search, site, feeds, wordpress); this file assembles them.
 */
export const contentCapability: Capability = {
  name: 'content',
  nav: [{ href: '/', label: 'Home' }],
  permissions: [
    { name: 'content:edit', label: 'Write and edit the website', roles: ['editor', 'campaigner'] },
    { name: 'content:publish', label: 'Publish on the website', roles: ['editor'] },
  ],
  publicRoutes: [
    ...publicRoutes,
    ...searchPublicRoutes, // search: /search
  ],
  redirects: (core) => (address) => findRedirect(core.db, address),
  demo: seedContentDemo,
};
