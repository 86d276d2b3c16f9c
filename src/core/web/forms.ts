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

/** A single-line text field: must be a string, trimmed, within the length limits, with a plain-English message. */
export function text(label: string, o: { min?: number; max?: number } = {}) {
  const min = o.min ?? 1;
  const max = o.max ?? 200;
  return z
    .string({ error: `Enter ${label}` })
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? `Enter ${label}` : `${cap(label)} must be at least ${min} characters`)
        .max(max, `${cap(label)} must be ${max} characters or fewer`)
        .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), `${cap(label)} contains characters that are not allowed`),
    );
}

/** An optional text field: empty becomes undefined. */
export function optionalText(label: string, o: { max?: number } = {}) {
  return z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : v),
    text(label, { min: 1, max: o.max ?? 200 }).optional(),
  );
}

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

function cap(s: string): string {
  const bare = s.replace(/^(an?|the|your) /, '');
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}
