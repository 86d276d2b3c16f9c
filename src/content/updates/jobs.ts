import type { Core } from '../../core/context.js';
import type { JobHandler, RecurringJob } from '../../core/jobs/worker.js';
import { publishScheduledUpdates } from './service.js';

// Scheduled publishing: every minute, updates whose time has come are published. Running it twice (two workers,
// or a retry) publishes each update once.

/** The job handlers of updates. */
export function jobs(core: Core): Record<string, JobHandler> {
  return {
    publishScheduledUpdates: async () => {
      const published = await publishScheduledUpdates(core);
      if (published > 0) core.logger.info({ published }, 'published scheduled updates');
    },
  };
}

/** The recurring jobs of updates. */
export const recurring: RecurringJob[] = [{ name: 'publishScheduledUpdates', everyMs: 60_000 }];
