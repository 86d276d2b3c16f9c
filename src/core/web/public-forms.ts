import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './errors.js';

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
