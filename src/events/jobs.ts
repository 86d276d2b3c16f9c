import { z } from 'zod';
import type { Core, DataExportStep, ErasureStep } from '../core/context.js';
import { PermanentJobError, type JobHandler, type RecurringJob } from '../core/jobs/worker.js';
import {
  eraseRegistrationsOf,
  exportRegistrationsOf,
  followUpEvents,
  forgetPastRegistrations,
  offerFreedPlaces,
  remindAttendees,
} from './follow-up.js';
import { expireOffers, materialiseAllSeries } from './service.js';

// The worker's part of events. Each recurring job is safe to run twice or at once on two workers: reminders and
// thank-yous mark their date in the transaction that queues the emails (follow-up.ts), an offer passes on only if
// it is still an offer, a date is made once per event and start, and forgetting what is forgotten changes nothing.

const FreedPlaces = z.object({ occurrenceIds: z.array(z.number().int().positive()).max(10_000) });

/** Events' job handlers. */
export function jobs(core: Core): Record<string, JobHandler> {
  return {
    passOnExpiredOffers: async () => {
      await expireOffers(core);
    },
    materialiseSeriesDates: async () => {
      await materialiseAllSeries(core);
    },
    remindAttendeesOfEvents: async () => {
      await remindAttendees(core);
    },
    followUpEvents: async () => {
      await followUpEvents(core);
    },
    forgetPastRegistrations: async () => {
      await forgetPastRegistrations(core);
    },
    // Queued by a supporter's erasure, which gave up their places inside its own transaction.
    offerFreedPlaces: async (payload: unknown) => {
      const p = FreedPlaces.safeParse(payload);
      if (!p.success) throw new PermanentJobError('offerFreedPlaces payload is malformed');
      await offerFreedPlaces(core, p.data.occurrenceIds);
    },
  };
}

/** Events' recurring jobs. */
export const recurring: RecurringJob[] = [
  { name: 'passOnExpiredOffers', everyMs: 60_000 },
  { name: 'materialiseSeriesDates', everyMs: 24 * 3600_000 },
  { name: 'remindAttendeesOfEvents', everyMs: 5 * 60_000 },
  { name: 'followUpEvents', everyMs: 15 * 60_000 },
  { name: 'forgetPastRegistrations', everyMs: 24 * 3600_000 },
];

/** Events' part of erasing a supporter: their registrations forgotten, places to come given up, feedback's words gone. */
export function eraseRegistrations(core: Core): ErasureStep {
  return (trx, subject) => eraseRegistrationsOf(core, trx, subject);
}

/** Events' part of a supporter's copy of their data: their registrations (event, dates, places, answers) and feedback. */
export function exportRegistrations(core: Core): DataExportStep {
  return (db, subject) => exportRegistrationsOf(core, db, subject);
}
