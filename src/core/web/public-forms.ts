import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Keyring } from '../crypto.js';
import { AppError, DomainError } from './errors.js';
import { formValues, type FormResult } from './forms.js';
import { checkProof } from './proof-of-work.js';
import { postOrigin } from './security.js';

// What every public form (newsletter sign-up, petition, letter, sign-on) shares: posts are counted per address in two
// buckets, those carrying a proof of work and those without (browsers without JavaScript, or where the check
// failed), which are held to far fewer; and pages about one person are never cached or indexed.

/** Whether a form post carries an ALTCHA proof of work. */
function carriesProof(body: unknown): boolean {
  const v = body && typeof body === 'object' ? (body as Record<string, unknown>).altcha : undefined;
  return typeof v === 'string' && v !== '';
}

const bucket = (req: FastifyRequest) => `${req.ip}|${carriesProof(req.body) ? 'proof' : 'plain'}`;

export interface ProofBucketWindow {
  timeWindow: number | string;
  withProof: number;
  withoutProof: number;
}

/** A route's rate limit counting posts with and without a proof apart (a preHandler: the bucket needs the parsed body). */
export function proofBucketLimit(w: ProofBucketWindow) {
  return {
    hook: 'preHandler' as const,
    timeWindow: w.timeWindow,
    keyGenerator: bucket,
    max: (_req: FastifyRequest, key: string) => (key.endsWith('|proof') ? w.withProof : w.withoutProof),
  };
}

/** A second window over the same buckets, as a preHandler (the route's own rate limit is the first): 429 when exceeded. */
export function proofBucketLimiter(app: FastifyInstance, w: ProofBucketWindow): (req: FastifyRequest) => Promise<void> {
  const { hook: _hook, ...options } = proofBucketLimit(w);
  const check = app.createRateLimit(options);
  return async (req) => {
    const r = await check(req);
    if (!r.isAllowed && r.isExceeded)
      throw new AppError(429, 'rate_limited', `Too many attempts. Please wait ${r.ttlInSeconds} seconds and try again.`);
  };
}

/** Marks a page about one person (or holding what they typed): never stored by a cache, never indexed. */
export function personal(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('x-robots-tag', 'noindex');
}

/** What the guard of a public form found. */
export type PublicFormCheck<T> =
  /** Parsed, from our own pages; `proof` is the solved proof of work, to spend in the service's transaction. */
  | { kind: 'accepted'; data: T; proof: { id: string; expiresAt: number } | undefined }
  /** The honeypot was filled: answer as if it worked, and store and send nothing. */
  | { kind: 'trapped' }
  /** Show the form again with these messages (422). */
  | { kind: 'refused'; errors: Record<string, string> };

export interface PublicFormWords {
  /** The button's words, for "press … again" ("Sign the petition"). */
  button: string;
  /** Where to go to send the form from our own site ("Go to the petition on our site and sign it there."). */
  goBack: string;
  /** The honeypot field's name, where `website` is a real field of the form (an organisation's sign-on). */
  honeypot?: string;
}

/**
 * The checks every public form runs, in this order: the origin (a cross-site post is refused with 403; a client that
 * sent neither Sec-Fetch-Site nor Origin is asked to press again, with a CSRF token now in the page), the honeypot
 * field `website`, the form's own parse, and the ALTCHA proof of work (optional, but a broken one is refused).
 * Nothing is stored here: the caller spends the proof in the transaction that stores the form.
 */
export async function guardPublicForm<T>(
  req: FastifyRequest,
  core: { config: { baseUrl: string }; keyring: Keyring },
  parse: (body: unknown) => FormResult<T>,
  words: PublicFormWords,
): Promise<PublicFormCheck<T>> {
  const origin = postOrigin(req, core);
  if (origin === 'cross') throw new AppError(403, 'csrf', `This form was sent from another site. ${words.goBack}`);
  if (origin === 'unknown') return { kind: 'refused', errors: { _form: `Please check your details and press ${words.button} again.` } };
  const trap = formValues(req.body)[words.honeypot ?? 'website'];
  if (trap !== undefined && trap !== '') return { kind: 'trapped' };
  const form = parse(req.body);
  if (!form.ok) return { kind: 'refused', errors: form.errors };
  const field = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).altcha : undefined;
  const proof = await checkProof(core.keyring, field);
  if (proof.kind === 'invalid') {
    return {
      kind: 'refused',
      errors: { _form: `The automatic check that you are a person did not finish. Please press ${words.button} again.` },
    };
  }
  return { kind: 'accepted', data: form.data, proof: proof.kind === 'valid' ? { id: proof.id, expiresAt: proof.expiresAt } : undefined };
}

/** The field messages of a rule the service refused (shown on the form); anything else is rethrown. */
export function refusedFields(err: unknown): Record<string, string> {
  if (err instanceof DomainError && err.code === 'invalid')
    return Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message };
  throw err;
}
