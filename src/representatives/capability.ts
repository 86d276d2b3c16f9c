import type { Capability } from '../core/context.js';
import { adminRoutes, publicRoutes, setupRepresentativesUploads } from './routes.js';
import { ensureShippedData } from './service.js';
import { describeRepresentativesAudit, importRepresentativesUpload } from './uploads.js';

// The command line's imports of MPs and postcodes (cli.ts reaches a capability only through here or its service;
// the importers use the service, so the service cannot re-export them without a cycle).
export { DataFileError } from './data.js';
export { describeMpsImport, describePostcodeImport, importMpsFile, importPostcodesFile } from './import.js';

/**
 * UK representatives: the postcode → MP lookup as JSON for the letter forms' scripts, and for staff the MPs and
 * postcodes page, with uploads of new postcode and MP files imported in the background.
 */
export const representativesCapability: Capability = {
  name: 'representatives',
  adminNav: [{ href: '/admin/representatives', label: 'MPs and postcodes', permission: 'settings:manage', group: 'settings', order: 70 }],
  async setup(app, core) {
    // On the first start, and after an upgrade that ships newer data, load it before serving anyone. The postcode
    // range table is decoded on the first lookup (about 30 ms, once per process), so an install that never writes to
    // MPs does not carry it.
    await ensureShippedData(core.db);
    await setupRepresentativesUploads(app, core);
  },
  publicRoutes,
  adminRoutes,
  jobs: (core) => ({ importRepresentativesUpload: (payload: { uploadId?: unknown }) => importRepresentativesUpload(core, payload) }),
  describeAudit: describeRepresentativesAudit,
};
