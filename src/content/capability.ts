import type { Capability } from '../core/context.js';
import { seedContentDemo } from './demo.js';
import { publicRoutes } from './routes.js';

/** Content: the public pages (home, privacy, data sources) and the demo home page. */
export const contentCapability: Capability = {
  name: 'content',
  nav: [{ href: '/', label: 'Home' }],
  publicRoutes,
  demo: seedContentDemo,
};
