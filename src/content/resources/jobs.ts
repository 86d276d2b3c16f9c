import { z } from 'zod';
import type { Core } from '../../core/context.js';
import type { JobHandler } from '../../core/jobs/worker.js';
import { readResourceText } from './service.js';

const Payload = z.object({ resourceId: z.number().int().positive() });

/** The resources library's jobs: reading a PDF's text for the site search. */
export function jobs(core: Core): Record<string, JobHandler> {
  return {
    readResourceText: async (payload) => {
      await readResourceText(core, Payload.parse(payload).resourceId);
    },
  };
}
