import type { Core } from '../../core/context.js';
import type { JobHandler, RecurringJob } from '../../core/jobs/worker.js';
import { deleteStaleUnconfirmedSignOns, encryptSignOnDetails } from './service.js';

// The background work of sign-ons: retention, and encrypting the details of sign-ons stored before they were (the
// counter is the actions frame's job).

/** The job handlers of sign-ons. */
export function signOnJobs(core: Core): Record<string, JobHandler> {
  return {
    deleteStaleUnconfirmedSignOns: async () => {
      const n = await deleteStaleUnconfirmedSignOns(core.db);
      if (n > 0) core.logger.info({ deleted: n }, 'deleted sign-ons never confirmed');
    },
    encryptSignOnDetails: async () => {
      const n = await encryptSignOnDetails(core);
      if (n > 0) core.logger.info({ encrypted: n }, 'encrypted the organisation details of sign-ons stored before they were');
    },
  };
}

/**
 * Sign-ons never confirmed are deleted daily once their link has expired. Sign-ons stored before their details were
 * encrypted are encrypted by a job every worker queues at start-up (and hourly after, finding nothing to do).
 */
export function signOnRecurringJobs(): RecurringJob[] {
  return [
    { name: 'deleteStaleUnconfirmedSignOns', everyMs: 24 * 3600_000, lane: 'bulk' },
    { name: 'encryptSignOnDetails', everyMs: 3600_000 },
  ];
}
