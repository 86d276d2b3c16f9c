import type { FastifyInstance } from 'fastify';
import { cleanFields } from '../text.js';
import { AppError } from './errors.js';

/**
 * Refuses (404) an address whose parts hold control characters or half a surrogate pair, and applies core/text.ts's
 * rules for every text to every field of every request's body and query, before any handler
 * (a preHandler, so multipart fields read by a route's own plugin are included): handlers see NFC text with "\n"
 * line breaks and no bidirectional controls, and a field holding a control character, a noncharacter or half a
 * surrogate pair is refused here with 400 and a message naming it, so no capability can store one by forgetting.
 * Single-line fields are checked further by their zod helper (core/web/forms.ts `text`).
 */
export function cleanIncomingText(app: FastifyInstance): void {
  app.addHook('preHandler', async (req) => {
    // A part of the address (a slug, a token) with a character no address of ours holds names nothing here: a NUL
    // byte would otherwise reach a query, which PostgreSQL refuses outright.
    const params = req.params as Record<string, unknown> | undefined;
    if (params && typeof params === 'object') {
      for (const v of Object.values(params)) {
        if (typeof v === 'string' && /[\u0000-\u001f\u007f\ud800-\udfff\ufffe\uffff]/.test(v)) {
          throw new AppError(404, 'not_found', 'We could not find that page. It may have moved, or the link may be mistyped.');
        }
      }
    }
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
