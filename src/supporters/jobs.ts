import type { Core } from '../core/context.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import { deleteStaleUnconfirmed } from './service.js';

/** The supporters capability's background jobs. */
export function supporterJobs(core: Core): Record<string, JobHandler> {
  return {
    // Retention: a sign-up never confirmed is someone's address typed into a form, perhaps not by them.
    deleteStaleUnconfirmedSupporters: async () => {
      const deleted = await deleteStaleUnconfirmed(core.db);
      if (deleted > 0) core.logger.info({ deleted }, 'deleted sign-ups never confirmed within 30 days');
    },
  };
}

/** Recurring jobs: the retention clean-up, once a day. */
export const supporterRecurringJobs: RecurringJob[] = [{ name: 'deleteStaleUnconfirmedSupporters', everyMs: 24 * 3600_000 }];
