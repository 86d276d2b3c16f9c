import type { Core } from '../core/context.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import { closeActionsPastDeadline, refreshActionCount, refreshActionCounts } from './service.js';

// The frame's jobs: the live counters (recounted in batches, never +1 per request) and the deadline. Each kind adds
// its own (confirmation mail, sending letters…), gathered in capability.ts.

/** The frame's job handlers. */
export function frameJobs(core: Core): Record<string, JobHandler> {
  return {
    refreshActionCounts: async () => {
      await refreshActionCounts(core.db);
    },
    refreshActionCount: async (payload: { actionId?: unknown }) => {
      if (typeof payload.actionId === 'number') await refreshActionCount(core.db, payload.actionId);
    },
    closeActionsPastDeadline: async () => {
      const closed = await closeActionsPastDeadline(core.db);
      if (closed > 0) core.logger.info({ closed }, 'closed actions whose deadline has passed');
    },
  };
}

/** The frame's recurring jobs. */
export const frameRecurringJobs: RecurringJob[] = [
  // A safety net: confirmations ask for their own action's recount (scheduleCountRefresh); this catches the rest.
  { name: 'refreshActionCounts', everyMs: 60_000 },
  { name: 'closeActionsPastDeadline', everyMs: 60_000 },
];
