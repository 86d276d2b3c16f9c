import { z } from 'zod';

export type FormResult<T> = { ok: true; data: T } | { ok: false; errors: Record<string, string>; values: Record<string, string> };

/** The submitted values as strings (first of repeated fields), to redisplay a form that failed validation. */
export function formValues(body: unknown): Record<string, string> {
  if (!body || typeof body !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
    const first = Array.isArray(v) ? v[0] : v;
    if (typeof first === 'string' && k !== 'password' && !k.startsWith('password')) out[k] = first.slice(0, 10_000);
  }
  return out;
}

/** Validates a form body with a zod schema; on failure, one message per field for the page to show. */
export function parseForm<S extends z.ZodType>(schema: S, body: unknown): FormResult<z.output<S>> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return { ok: true, data: parsed.data };
  const errors: Record<string, string> = {};
  for (const issue of parsed.error.issues) {
    const key = issue.path.length ? String(issue.path[0]) : '_form';
    errors[key] ??= issue.message;
  }
  return { ok: false, errors, values: formValues(body) };
}

// Text fields, with the rules of core/text.ts: `text` for one line (names, subjects), `multilineText` for a textarea.
export {
  singleLineText as text,
  optionalSingleLineText as optionalText,
  multiLineText as multilineText,
  optionalMultiLineText as optionalMultilineText,
} from '../text.js';

/** An email address field, trimmed. */
export function email(label = 'an email address') {
  return z
    .string({ error: `Enter ${label}` })
    .transform((s) => s.trim())
    .pipe(
      z.email({ error: 'Enter an email address in the right format, like name@example.org' }).max(254, 'That email address is too long'),
    );
}

/** A checkbox: present means checked. */
export const checkbox = z.preprocess((v) => v === 'on' || v === 'true' || v === '1' || v === true, z.boolean());
