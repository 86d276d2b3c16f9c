import type { Core } from '../../core/context.js';
import type { JobHandler, RecurringJob } from '../../core/jobs/worker.js';
import { deleteStaleUnconfirmedSignatures } from './service.js';

/** The petition kind's background jobs. */
export function petitionJobs(core: Core): Record<string, JobHandler> {
  return {
    // Retention: a signature never confirmed is someone's address typed into a form, perhaps not by them.
    deleteStaleUnconfirmedSignatures: async () => {
      const deleted = await deleteStaleUnconfirmedSignatures(core.db);
      if (deleted > 0) core.logger.info({ deleted }, 'deleted petition signatures never confirmed within 30 days');
    },
  };
}

/** Recurring jobs: the retention clean-up, once a day. */
export const petitionRecurringJobs: RecurringJob[] = [{ name: 'deleteStaleUnconfirmedSignatures', everyMs: 24 * 3600_000 }];
