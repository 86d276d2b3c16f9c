import type { ParsedMail } from 'mailparser';
import { solveChallenge, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { afterAll, beforeAll } from 'vitest';
import { STANDARD_DIFFICULTY, useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';
import type { SmtpSink } from './smtp.js';
import { until } from './wait.js';

// Helpers for the supporter-facing tests: solving the sign-up's proof of work as the browser widget would, and
// finding the emails a supporter was sent.

/** Trivial challenges: a cost of 2 (not 1, so that a proof forged down to cost 1 is still a forgery), counter 1 to 3. */
export const EASY_PROOF_OF_WORK: ProofOfWorkDifficulty = Object.freeze({ cost: 2, counterMin: 1, counterMax: 3 });

/**
 * Makes the proof-of-work challenges of this test file trivial to solve. The server checks a proof the same way at
 * any difficulty (its signature, the derived key, single use, expiry), so a test of what a proof is for need not
 * spend the 0.3 s of CPU a standard one takes to solve, every time it signs. Call it at the top of the file; the
 * standard difficulty the site hands out is checked with it in force (signup.test.ts, proof-of-work.test.ts).
 */
export function easyProofOfWork(): void {
  beforeAll(() => useDifficultyForBenchmarks(EASY_PROOF_OF_WORK));
  afterAll(() => useDifficultyForBenchmarks(STANDARD_DIFFICULTY));
}

/** Fetches a challenge from the sign-up page's endpoint and solves it: the `altcha` field value the widget would send. */
export async function solveSignupProof(baseUrl: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(new URL('/stay-in-touch/challenge', baseUrl), { headers });
  if (res.status !== 200) throw new Error(`challenge answered ${res.status}`);
  const challenge = (await res.json()) as Challenge;
  const solution = await solveChallenge({ challenge, deriveKey });
  if (!solution) throw new Error('could not solve the challenge');
  return Buffer.from(
    JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution }),
  ).toString('base64');
}

/** The messages the sink has received for an address. */
export function mailsTo(sink: SmtpSink, address: string): ParsedMail[] {
  const to = (m: ParsedMail) =>
    [m.to]
      .flat()
      .flatMap((a) => a?.value ?? [])
      .map((v) => v.address?.toLowerCase());
  return sink.messages.filter((m) => to(m).includes(address.toLowerCase()));
}

/** Waits until an address has received n messages, and returns them. */
export async function waitForMailTo(sink: SmtpSink, address: string, n = 1): Promise<ParsedMail[]> {
  await until(() => mailsTo(sink, address).length >= n);
  return mailsTo(sink, address);
}

/** The path of the first link in a message's text matching a pattern (e.g. /\/s\/confirm\/[\w-]+/). */
export function linkIn(mail: ParsedMail, pattern: RegExp): string {
  const m = pattern.exec(mail.text ?? '');
  if (!m) throw new Error(`no link matching ${pattern} in:\n${mail.text}`);
  return m[0];
}
