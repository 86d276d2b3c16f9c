import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { createKeyring, hashToken, newToken, normaliseEmail } from './crypto.js';

const secret = 'a'.repeat(64);

describe('field encryption', () => {
  test('round-trips any string, and equal values encrypt differently', () => {
    const k = createKeyring(secret);
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const c = k.encrypt(s);
        expect(k.decrypt(c)).toBe(s);
        expect(k.encrypt(s)).not.toBe(c);
      }),
    );
  });

  test('tampering is detected', () => {
    const k = createKeyring(secret);
    const c = k.encrypt('Ayesha Khan');
    const flipped = c.slice(0, -2) + (c.at(-2) === 'A' ? 'B' : 'A') + c.at(-1);
    expect(() => k.decrypt(flipped)).toThrow();
  });

  test('another instance secret cannot decrypt', () => {
    const c = createKeyring(secret).encrypt('x');
    expect(() => createKeyring('b'.repeat(64)).decrypt(c)).toThrow(/key this instance does not have/);
  });

  test('after rotation, old ciphertext still decrypts and is reported stale', () => {
    const old = createKeyring(secret);
    const c = old.encrypt('kept');
    const rotated = createKeyring('b'.repeat(64), [secret]);
    expect(rotated.decrypt(c)).toBe('kept');
    expect(rotated.isStale(c)).toBe(true);
    expect(rotated.isStale(rotated.encrypt('new'))).toBe(false);
  });

  test('blind index: deterministic per secret and kind, different across secrets and kinds', () => {
    const a = createKeyring(secret);
    const b = createKeyring('b'.repeat(64));
    const e = normaliseEmail('  Someone@Example.ORG ');
    expect(e).toBe('someone@example.org');
    expect(a.blindIndex('email', e)).toBe(a.blindIndex('email', 'someone@example.org'));
    expect(a.blindIndex('email', e)).not.toBe(b.blindIndex('email', e));
    expect(a.blindIndex('email', e)).not.toBe(a.blindIndex('phone', e));
    expect(a.blindIndex('email', e)).not.toContain('someone');
  });

  test('tokens are 256-bit, URL-safe, and stored only as a hash', () => {
    const t = newToken();
    expect(t).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newToken()).not.toBe(t);
    expect(hashToken(t)).toBe(hashToken(t));
    expect(hashToken(t)).not.toBe(t);
  });

  test('signatures verify only for the same purpose and data', () => {
    const k = createKeyring(secret);
    const s = k.sign('csrf', 'abc');
    expect(k.verify('csrf', 'abc', s)).toBe(true);
    expect(k.verify('csrf', 'abd', s)).toBe(false);
    expect(k.verify('unsubscribe', 'abc', s)).toBe(false);
    expect(k.verify('csrf', 'abc', '')).toBe(false);
  });
});
