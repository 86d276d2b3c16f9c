import { expect, test } from 'vitest';
import { DEFAULT_PASSWORD_COST, hashPassword, needsRehash, NO_PASSWORD, passwordPolicy, verifyPassword } from './passwords.js';
import { matchTotpStep, newTotpSecret, totpCodeAt } from './totp.js';

test('hashes are self-describing argon2id strings with a fresh salt each time', async () => {
  const a = await hashPassword('a good long passphrase');
  const b = await hashPassword('a good long passphrase');
  expect(a).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
  expect(a).not.toBe(b);
  expect(await verifyPassword('a good long passphrase', a)).toBe(true);
  expect(await verifyPassword('a good long passphrasf', a)).toBe(false);
  expect(await verifyPassword('', a)).toBe(false);
});

test('a hash made with other parameters still verifies, and asks to be re-hashed', async () => {
  const light = await hashPassword('an older cheaper hash', { memoryKiB: 64, passes: 1, parallelism: 1 });
  expect(light).toContain('$m=64,t=1,p=1$');
  expect(await verifyPassword('an older cheaper hash', light)).toBe(true);
  expect(needsRehash(light)).toBe(true);
  expect(needsRehash(await hashPassword('current cost hash'))).toBe(false);
  expect(DEFAULT_PASSWORD_COST).toEqual({ memoryKiB: 19_456, passes: 2, parallelism: 1 });
});

test('composed and decomposed accents are the same password', async () => {
  const composed = 'caf\u00e9 au lait matin';
  const decomposed = 'cafe\u0301 au lait matin';
  expect(await verifyPassword(decomposed, await hashPassword(composed))).toBe(true);
});

test('missing, unusable and tampered hashes never verify, and still cost a real hash', async () => {
  for (const stored of [
    null,
    NO_PASSWORD,
    '',
    '$argon2id$v=19$m=99999999,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
    '$argon2i$v=19$m=19456,t=2,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  ]) {
    await verifyPassword('warm up the dummy hash', null);
    const started = performance.now();
    expect(await verifyPassword('anything at all here', stored)).toBe(false);
    expect(performance.now() - started, String(stored)).toBeGreaterThan(5);
  }
});

test('the password policy: 12 to 256 characters, not one character repeated', () => {
  const ok = (s: string) => passwordPolicy.safeParse(s).success;
  expect(ok('twelve chars')).toBe(true);
  expect(ok('eleven char')).toBe(false);
  expect(ok('aaaaaaaaaaaaaaaaaaaa')).toBe(false);
  expect(ok('🔥'.repeat(11) + '🌊')).toBe(true);
  expect(ok('🔥'.repeat(6))).toBe(false);
  expect(ok('ab'.repeat(128))).toBe(true);
  expect(ok('ab'.repeat(128) + 'c')).toBe(false);
});

test('a TOTP code matches its step, one step either side, and nothing else', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000_000;
  const step = Math.floor(now / 30_000);
  expect(matchTotpStep(secret, totpCodeAt(secret, now), now)).toBe(step);
  expect(matchTotpStep(secret, totpCodeAt(secret, now + 30_000), now)).toBe(step + 1);
  expect(matchTotpStep(secret, totpCodeAt(secret, now - 30_000), now)).toBe(step - 1);
  expect(matchTotpStep(secret, totpCodeAt(secret, now + 90_000), now)).toBeNull();
  const code = totpCodeAt(secret, now);
  expect(matchTotpStep(secret, `${code.slice(0, 3)} ${code.slice(3)}`, now)).toBe(step);
  expect(matchTotpStep(secret, 'abcdef', now)).toBeNull();
  expect(matchTotpStep(secret, '1234567', now)).toBeNull();
});
