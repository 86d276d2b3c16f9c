import { createHmac } from 'node:crypto';
import { createChallenge, randomInt, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { z } from 'zod';
import { hashToken, safeEqual, type Keyring } from '../crypto.js';
import type { DbOrTrx } from '../db/index.js';
import { insertTokenOnce } from '../tokens.js';

// Proof of work for the public sign-up form, with ALTCHA (self-hosted: the widget's script and worker are served
// from our own origin, the challenges are made and checked here). Challenges use the deterministic mode: the
// server picks the counter, so the work a browser does is known (about a second on a modest phone), and
// verifying is one HMAC of the derived key. A solved challenge is good for one sign-up (see spendProof in
// service.ts) and for ten minutes.

/** How hard a challenge is: PBKDF2 iterations per attempt, and the range the server's chosen counter falls in. */
export interface ProofOfWorkDifficulty {
  cost: number;
  counterMin: number;
  counterMax: number;
}

/** About two million PBKDF2-SHA-256 iterations on average: well under a second on a laptop, a little over on an old phone. */
export const STANDARD_DIFFICULTY: ProofOfWorkDifficulty = Object.freeze({ cost: 2000, counterMin: 600, counterMax: 1400 });

/** How long a challenge stays valid after it is handed out. */
export const CHALLENGE_TTL_MS = 10 * 60_000;

let difficulty: ProofOfWorkDifficulty = STANDARD_DIFFICULTY;

/**
 * BENCHMARKS AND TESTS ONLY (bench/servers/signup-lantern.ts, test/helpers/supporters.ts): makes challenges trivial
 * to solve, so a load test can solve thousands ahead of time and a test that signs often spends no CPU on it.
 * Verification, single use and expiry are unchanged, and so is the server's work per sign-up (verifying costs one
 * HMAC at any difficulty). Nothing in the product calls it.
 */
export function useDifficultyForBenchmarks(d: ProofOfWorkDifficulty): void {
  difficulty = Object.freeze({ ...d });
}

const secrets = new WeakMap<Keyring, { signature: string; key: string }>();

// Two HMAC keys derived from the instance secret: one signs the challenge, one the expected derived key.
function secretsOf(keyring: Keyring): { signature: string; key: string } {
  let s = secrets.get(keyring);
  if (!s)
    secrets.set(
      keyring,
      (s = { signature: keyring.sign('altcha', 'challenge-signature'), key: keyring.sign('altcha', 'derived-key-signature') }),
    );
  return s;
}

/** A fresh signed challenge for the widget (JSON as ALTCHA v2 expects it). */
export async function createProofChallenge(keyring: Keyring, now = Date.now()): Promise<Challenge> {
  const s = secretsOf(keyring);
  return createChallenge({
    algorithm: 'PBKDF2/SHA-256',
    cost: difficulty.cost,
    counter: randomInt(difficulty.counterMax, difficulty.counterMin),
    deriveKey,
    expiresAt: new Date(now + CHALLENGE_TTL_MS),
    hmacSignatureSecret: s.signature,
    hmacKeySignatureSecret: s.key,
  });
}

/** What a form's `altcha` field proved: nothing was sent, a valid solution (with its single-use id), or something invalid. */
export type ProofCheck = { kind: 'none' } | { kind: 'valid'; id: string; expiresAt: number } | { kind: 'invalid' };

const PayloadSchema = z.object({
  challenge: z.object({
    parameters: z.looseObject({
      algorithm: z.literal('PBKDF2/SHA-256'),
      nonce: z.string().regex(/^[0-9a-f]{16,128}$/),
      salt: z.string().regex(/^[0-9a-f]{16,128}$/),
      cost: z.number().int().positive().max(1_000_000),
      keyLength: z.number().int().positive().max(64),
      keyPrefix: z.string().regex(/^[0-9a-f]{1,128}$/),
      keySignature: z.string().max(256).optional(),
      expiresAt: z.number().positive(),
    }),
    signature: z.string().max(256),
  }),
  solution: z.object({ counter: z.number().int().min(0).max(0xffffffff), derivedKey: z.string().regex(/^[0-9a-f]{2,256}$/) }),
});

/** Object keys sorted at every level, as ALTCHA signs them (altcha-lib's canonicalJSON). */
function sortKeys(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(
    Object.keys(v)
      .sort()
      .flatMap((k) => {
        const x = (v as Record<string, unknown>)[k];
        return x === undefined ? [] : [[k, sortKeys(x)]];
      }),
  );
}

/** Whether the form carried a proof of work: the field absent or empty is `none`; anything else must verify. */
export async function checkProof(keyring: Keyring, field: unknown, now = Date.now()): Promise<ProofCheck> {
  if (field === undefined || field === null || field === '') return { kind: 'none' };
  if (typeof field !== 'string' || field.length > 8192) return { kind: 'invalid' };
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(field, 'base64').toString('utf8'));
  } catch {
    return { kind: 'invalid' };
  }
  const parsed = PayloadSchema.safeParse(decoded);
  if (!parsed.success) return { kind: 'invalid' };
  const { challenge, solution } = parsed.data;
  if (challenge.parameters.expiresAt * 1000 <= now) return { kind: 'invalid' };
  // What altcha-lib's verifySolution does for a deterministic challenge (the challenge's signature over its
  // parameters, then the derived key against the signed one), with Node's own HMAC: the library's goes through
  // WebCrypto, which costs several times more per sign-up. proof-of-work.test.ts holds the two to the same answers.
  const s = secretsOf(keyring);
  // Signed over the parameters exactly as they arrived (the schema above only vouches for their shape).
  const raw = (decoded as { challenge: { parameters: unknown } }).challenge.parameters;
  const signature = createHmac('sha256', s.signature)
    .update(JSON.stringify(sortKeys(raw)))
    .digest('hex');
  if (!safeEqual(signature, challenge.signature)) return { kind: 'invalid' };
  const keySignature = challenge.parameters.keySignature;
  if (keySignature === undefined || solution.derivedKey.length % 2 !== 0) return { kind: 'invalid' };
  const expected = createHmac('sha256', s.key).update(Buffer.from(solution.derivedKey, 'hex')).digest('hex');
  if (!safeEqual(expected, keySignature)) return { kind: 'invalid' };
  return { kind: 'valid', id: challenge.parameters.nonce, expiresAt: challenge.parameters.expiresAt * 1000 };
}

/** Records a solved proof-of-work challenge as spent (in the caller's transaction); false when it had been used already. */
export async function spendProof(trx: DbOrTrx, proof: { id: string; expiresAt: number }, now: number): Promise<boolean> {
  return insertTokenOnce(trx, {
    tokenHash: hashToken(`altcha:${proof.id}`),
    purpose: 'proof_of_work',
    at: now,
    expiresAt: proof.expiresAt,
  });
}
