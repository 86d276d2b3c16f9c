import type { Core } from '../core/context.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import { fillMissingConstituencies } from './constituencies.js';
import { importJobs } from './import.js';
import { deleteStaleUnconfirmed } from './service.js';

/** The supporters capability's background jobs: the retention clean-up, and the import's check, run and expiry. */
export function supporterJobs(core: Core): Record<string, JobHandler> {
  return {
    // Retention: a sign-up never confirmed is someone's address typed into a form, perhaps not by them.
    deleteStaleUnconfirmedSupporters: async () => {
      const deleted = await deleteStaleUnconfirmed(core.db);
      if (deleted > 0) core.logger.info({ deleted }, 'deleted sign-ups never confirmed within 30 days');
    },
    // Supporters who gave a postcode whose constituency is not recorded yet (signed up before it was looked up at
    // confirmation, imported without one): queued by every worker at start-up, then hourly.
    fillSupporterConstituencies: async () => {
      const filled = await fillMissingConstituencies(core);
      if (filled > 0) core.logger.info({ filled }, 'filled in the constituency of supporters from their postcodes');
    },
    ...importJobs(core),
  };
}

/**
 * Recurring jobs: the retention clean-up once a day; expired import files and constituencies still to fill in from
 * postcodes every hour (on the bulk lane).
 */
export const supporterRecurringJobs: RecurringJob[] = [
  { name: 'deleteStaleUnconfirmedSupporters', everyMs: 24 * 3600_000 },
  { name: 'fillSupporterConstituencies', everyMs: 3600_000, lane: 'bulk' },
  { name: 'deleteExpiredSupporterImports', everyMs: 3600_000, lane: 'bulk' },
];
