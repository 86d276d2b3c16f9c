import type { Core } from '../../core/context.js';
import type { JobHandler, RecurringJob } from '../../core/jobs/worker.js';
import { deleteStaleUnconfirmedSignOns } from './service.js';

// The background work of sign-ons: retention only (the counter is the actions frame's job).

/** The job handlers of sign-ons. */
export function signOnJobs(core: Core): Record<string, JobHandler> {
  return {
    deleteStaleUnconfirmedSignOns: async () => {
      const n = await deleteStaleUnconfirmedSignOns(core.db);
      if (n > 0) core.logger.info({ deleted: n }, 'deleted sign-ons never confirmed');
    },
  };
}

/** Sign-ons never confirmed are deleted daily once their link has expired. */
export function signOnRecurringJobs(): RecurringJob[] {
  return [{ name: 'deleteStaleUnconfirmedSignOns', everyMs: 24 * 3600_000, lane: 'bulk' }];
}
