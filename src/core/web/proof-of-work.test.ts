import fc from 'fast-check';
import { solveChallenge, verifySolution, type Challenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { expect, test } from 'vitest';
import { createKeyring } from '../crypto.js';
import { checkProof, createProofChallenge, STANDARD_DIFFICULTY } from './proof-of-work.js';

// checkProof verifies ALTCHA solutions with Node's HMAC instead of altcha-lib's WebCrypto one: it must agree with
// the library on every payload, genuine or tampered with.

const keyring = createKeyring('proof-of-work-test-secret-0123456789abcdef');
const other = createKeyring('another-instance-secret-0123456789abcdefgh');
const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdef'), minLength: min, maxLength: max });
const encode = (p: unknown) => Buffer.from(JSON.stringify(p)).toString('base64');
const secrets = (k: typeof keyring) => ({
  hmacSignatureSecret: k.sign('altcha', 'challenge-signature'),
  hmacKeySignatureSecret: k.sign('altcha', 'derived-key-signature'),
});

async function solved() {
  const challenge = await createProofChallenge(keyring);
  const solution = (await solveChallenge({ challenge, deriveKey }))!;
  return { challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution };
}

/** altcha-lib's own answer for a payload. */
async function library(payload: { challenge: Challenge; solution: { counter: number; derivedKey: string } }): Promise<boolean> {
  try {
    return (await verifySolution({ challenge: payload.challenge, solution: payload.solution, deriveKey, ...secrets(keyring) })).verified;
  } catch {
    return false;
  }
}

test("a genuine solution is accepted once made with this instance's secret, and its nonce is its single-use id", async () => {
  const p = await solved();
  expect(p.challenge.parameters).toMatchObject({ algorithm: 'PBKDF2/SHA-256', cost: STANDARD_DIFFICULTY.cost });
  expect(await library(p)).toBe(true);
  const r = await checkProof(keyring, encode(p));
  expect(r).toEqual({ kind: 'valid', id: p.challenge.parameters.nonce, expiresAt: p.challenge.parameters.expiresAt! * 1000 });
  expect(await checkProof(other, encode(p))).toEqual({ kind: 'invalid' });
  expect(await checkProof(keyring, encode(p), (p.challenge.parameters.expiresAt! + 1) * 1000)).toEqual({ kind: 'invalid' });
  expect(await checkProof(keyring, '')).toEqual({ kind: 'none' });
  expect(await checkProof(keyring, undefined)).toEqual({ kind: 'none' });
}, 30_000);

test('checkProof and altcha-lib agree on tampered payloads', async () => {
  const base = await solved();
  const tamper = fc.oneof(
    fc.record({ at: fc.constantFrom('cost', 'keyLength', 'expiresAt'), to: fc.integer({ min: 1, max: 4_000_000_000 }) }),
    fc.record({
      at: fc.constantFrom('nonce', 'salt', 'keyPrefix', 'keySignature', 'algorithm', 'extra'),
      to: fc.oneof(hex(2, 64), fc.string()),
    }),
    fc.record({ at: fc.constant('derivedKey'), to: hex(2, 64) }),
    fc.record({ at: fc.constant('counter'), to: fc.integer({ min: 0, max: 5000 }) }),
    fc.record({ at: fc.constant('signature'), to: hex(64, 64) }),
  );
  await fc.assert(
    fc.asyncProperty(tamper, async ({ at, to }) => {
      const p = structuredClone(base) as {
        challenge: Challenge & { signature: string };
        solution: { counter: number; derivedKey: string };
      };
      if (at === 'derivedKey') p.solution.derivedKey = (to as string).toLowerCase();
      else if (at === 'counter') p.solution.counter = to as number;
      else if (at === 'signature') p.challenge.signature = (to as string).toLowerCase();
      else (p.challenge.parameters as unknown as Record<string, unknown>)[at] = to;
      const ours = (await checkProof(keyring, encode(p))).kind === 'valid';
      // A changed counter alone does not matter to either (the signed derived key is what is checked).
      expect(ours).toBe(await library(p));
    }),
    { numRuns: 200 },
  );
}, 60_000);
