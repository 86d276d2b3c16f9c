import type { FastifyInstance } from 'fastify';
import { cleanFields } from '../text.js';
import { AppError } from './errors.js';

/**
 * Applies core/text.ts's rules for every text to every field of every request's body and query, before any handler
 * (a preHandler, so multipart fields read by a route's own plugin are included): handlers see NFC text with "\n"
 * line breaks and no bidirectional controls, and a field holding a control character, a noncharacter or half a
 * surrogate pair is refused here with 400 and a message naming it, so no capability can store one by forgetting.
 * Single-line fields are checked further by their zod helper (core/web/forms.ts `text`).
 */
export function cleanIncomingText(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    for (const part of ['body', 'query'] as const) {
      const value: unknown = req[part];
      if (value === undefined || value === null) continue;
      const cleaned = cleanFields(value);
      if (!cleaned.ok) {
        const { field, message } = cleaned.refused;
        throw new AppError(400, 'bad_request', `${message} Please go back, correct it and send it again.`, { [field]: message });
      }
      (req as { [k in typeof part]: unknown })[part] = cleaned.value;
    }
  });
}
