import type { Capability } from '../core/context.js';
import { actionsAdminCapability as adminSide } from './admin-routes.js';
import { actionsCapability as publicSide } from './routes.js';

/** The actions capability (being gathered into one table: see issue 8). */
export const actionsCapability: Capability = {
  name: 'actions',
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
