import type { Capability } from '../core/context.js';
import { supportersAdminCapability as adminSide } from './admin-routes.js';
import { supportersCapability as publicSide } from './routes.js';

/** The supporters capability (being gathered into one table: see issue 8). */
export const supportersCapability: Capability = {
  name: 'supporters',
  nav: [...(publicSide.nav ?? []), ...(adminSide.nav ?? [])],
  adminNav: [...(publicSide.adminNav ?? []), ...(adminSide.adminNav ?? [])],
  jobs: (core) => ({ ...publicSide.jobs?.(core), ...adminSide.jobs?.(core) }),
  recurring: [...(publicSide.recurring ?? []), ...(adminSide.recurring ?? [])],
  erasure: publicSide.erasure ?? adminSide.erasure,
  dataExport: publicSide.dataExport ?? adminSide.dataExport,
  demo: publicSide.demo ?? adminSide.demo,
  async routes(app, core) {
    await publicSide.routes?.(app, core);
    await adminSide.routes?.(app, core);
  },
};
