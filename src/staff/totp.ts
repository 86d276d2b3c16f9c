import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';

// Time-based one-time codes (RFC 6238) with the settings every authenticator app understands: SHA-1, six
// digits, 30-second steps.

const PERIOD = 30;

function totp(secret: string, o: { issuer?: string; label?: string } = {}): TOTP {
  return new TOTP({
    secret: Secret.fromBase32(secret),
    algorithm: 'SHA1',
    digits: 6,
    period: PERIOD,
    issuer: o.issuer ?? 'Lantern',
    label: o.label ?? 'Staff',
  });
}

/** A new random TOTP secret (160 bits), base32 as authenticator apps expect it. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The otpauth:// address an authenticator app reads from the QR code. */
export function totpUri(secret: string, o: { issuer: string; label: string }): string {
  return totp(secret, o).toString();
}

/** The QR code of an otpauth:// address as an SVG document (generated here, never from user input). */
export async function totpQrSvg(uri: string): Promise<string> {
  return QRCode.toString(uri, { type: 'svg', margin: 2, width: 220, errorCorrectionLevel: 'M' });
}

/** Normalises a typed code: spaces and dashes removed. */
export function cleanCode(code: string): string {
  return code.replace(/[\s-]/g, '');
}

/**
 * The time step a code belongs to when it is valid now, allowing one step either side for clock drift;
 * null when it is not valid. Callers refuse a step at or before the last one used.
 */
export function matchTotpStep(secret: string, code: string, now: number = Date.now()): number | null {
  const token = cleanCode(code);
  if (!/^\d{6}$/.test(token)) return null;
  const delta = totp(secret).validate({ token, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 1000 / PERIOD) + delta;
}

/** The code for a secret at a moment (tests and the enrolment check use it). */
export function totpCodeAt(secret: string, timestamp: number): string {
  return totp(secret).generate({ timestamp });
}
