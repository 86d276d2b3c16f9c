import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

// Password hashing with argon2id from Node's own crypto. A hash is stored as a self-describing PHC string,
// "$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>", so the cost can be raised later: old hashes still verify
// with the parameters written beside them, and are re-hashed at the next successful sign-in.

export interface PasswordCost {
  /** Memory in KiB. */
  memoryKiB: number;
  /** Passes over the memory. */
  passes: number;
  /** Lanes. */
  parallelism: number;
}

/** OWASP's argon2id recommendation (m=19 MiB, t=2, p=1): about 25 ms on a small server. */
export const DEFAULT_PASSWORD_COST: Readonly<PasswordCost> = Object.freeze({ memoryKiB: 19_456, passes: 2, parallelism: 1 });

const SALT_BYTES = 16;
const HASH_BYTES = 32;
const PHC = /^\$argon2id\$v=19\$m=(\d{1,7}),t=(\d{1,3}),p=(\d{1,2})\$([A-Za-z0-9+/]{11,64})\$([A-Za-z0-9+/]{22,128})$/;

/** The password rules: 12 to 256 characters, not all the same character. */
export const passwordPolicy = z
  .string({ error: 'Enter a password' })
  .refine((s) => [...s].length >= 12, 'Password must be at least 12 characters')
  .refine((s) => [...s].length <= 256, 'Password must be 256 characters or fewer')
  .refine((s) => new Set(s).size > 1 || [...s].length < 12, 'Password must not be one character repeated');

function derive(password: string, salt: Buffer, cost: PasswordCost, length: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2(
      'argon2id',
      // NFC, so the same password typed on two devices that compose accents differently still matches.
      {
        message: Buffer.from(password.normalize('NFC'), 'utf8'),
        nonce: salt,
        parallelism: cost.parallelism,
        tagLength: length,
        memory: cost.memoryKiB,
        passes: cost.passes,
      },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

const b64 = (b: Buffer) => b.toString('base64').replace(/=+$/, '');

/** Hashes a password with a fresh random salt; returns the PHC string to store. */
export async function hashPassword(password: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await derive(password, salt, cost, HASH_BYTES);
  return `$argon2id$v=19$m=${cost.memoryKiB},t=${cost.passes},p=${cost.parallelism}$${b64(salt)}$${b64(hash)}`;
}

function parse(stored: string): { cost: PasswordCost; salt: Buffer; hash: Buffer } | null {
  const m = PHC.exec(stored);
  if (!m) return null;
  const cost = { memoryKiB: Number(m[1]), passes: Number(m[2]), parallelism: Number(m[3]) };
  // Bounds keep a tampered row from making one sign-in allocate gigabytes.
  if (cost.parallelism < 1 || cost.passes < 1 || cost.memoryKiB < 8 * cost.parallelism || cost.memoryKiB > 1_048_576) return null;
  return { cost, salt: Buffer.from(m[4]!, 'base64'), hash: Buffer.from(m[5]!, 'base64') };
}

let dummy: Promise<string> | undefined;

/** A hash of a random password, to spend the same time when there is no real hash to check. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(16).toString('hex'));
  return dummy;
}

/**
 * Checks a password against a stored hash in constant time. With no stored hash (unknown email) or one that
 * cannot be used (an invited account that has not chosen a password yet), it checks against a dummy hash, so
 * every answer takes about as long.
 */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parsed = stored ? parse(stored) : null;
  const target = parsed ?? parse(await dummyHash())!;
  const actual = await derive(password, target.salt, target.cost, target.hash.length);
  return timingSafeEqual(actual, target.hash) && parsed !== null;
}

/** Whether a stored hash was made with other parameters than the current ones (re-hash it at sign-in). */
export function needsRehash(stored: string, cost: PasswordCost = DEFAULT_PASSWORD_COST): boolean {
  const p = parse(stored);
  return !p || p.cost.memoryKiB !== cost.memoryKiB || p.cost.passes !== cost.passes || p.cost.parallelism !== cost.parallelism;
}

/** The stored value of an account that has no usable password yet (an invitation not yet accepted). */
export const NO_PASSWORD = '!no-password';
