import type { Core } from '../../core/context.js';
import { PermanentJobError, type JobHandler, type RecurringJob } from '../../core/jobs/worker.js';
import { askWhetherMpsReplied, deleteStaleUnconfirmedLetters, deliverLetter } from './service.js';

// The letters' background work. Each confirmed (or approved) letter has one delivery per recipient, and each
// delivery one sendConfirmedLetter job, written in the same transaction and due at the delivery's slot under the
// pace limit: a job exists if and only if its delivery does, so nothing held for pace or moderation is lost. The
// job sends and commits its outcome at once (see deliverLetter), so a crash repeats at most the letter in flight.

/** The letter kinds' job handlers (registered once, for both kinds). */
export function letterJobs(core: Core): Record<string, JobHandler> {
  return {
    sendConfirmedLetter: async (payload: unknown, ctx) => {
      const id = payload && typeof payload === 'object' ? (payload as { deliveryId?: unknown }).deliveryId : undefined;
      if (typeof id !== 'number' || !Number.isSafeInteger(id)) throw new PermanentJobError('sendConfirmedLetter payload is malformed');
      await deliverLetter(core, id, { lastAttempt: ctx.attempt >= ctx.maxAttempts });
    },
    askWhetherMpsReplied: async () => {
      const asked = await askWhetherMpsReplied(core);
      if (asked > 0) core.logger.info({ asked }, 'asked letter writers whether their MP replied');
    },
    // Retention: a letter never confirmed is someone's words and address typed into a form, perhaps not by them.
    deleteStaleUnconfirmedLetters: async () => {
      const deleted = await deleteStaleUnconfirmedLetters(core.db);
      if (deleted > 0) core.logger.info({ deleted }, 'deleted letters never confirmed within 30 days');
    },
  };
}

/** Recurring jobs: the "did your MP reply?" question every hour, the retention clean-up once a day. */
export const letterRecurringJobs: RecurringJob[] = [
  { name: 'askWhetherMpsReplied', everyMs: 3600_000 },
  { name: 'deleteStaleUnconfirmedLetters', everyMs: 24 * 3600_000 },
];
