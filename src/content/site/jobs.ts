import type { Core } from '../../core/context.js';
import type { JobHandler, RecurringJob } from '../../core/jobs/worker.js';
import { deleteOldContactMessages } from './service.js';

/** The website's jobs: contact messages are kept for a year, then deleted. */
export function jobs(core: Core): Record<string, JobHandler> {
  return {
    deleteOldContactMessages: async () => {
      await deleteOldContactMessages(core);
    },
  };
}

export const recurring: RecurringJob[] = [{ name: 'deleteOldContactMessages', everyMs: 24 * 3600_000 }];
