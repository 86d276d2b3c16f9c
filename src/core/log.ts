import pino from 'pino';

/** The logger every part of Lantern writes to: pino's interface, so Fastify's request logger fits too. */
export type Logger = Pick<pino.Logger, 'info' | 'warn' | 'error' | 'debug' | 'child'>;

const EMAIL = /[^\s@<>"'()[\],;:]+@[^\s@<>"'()[\],;:]+\.[^\s@<>"'()[\],;:]+/g;

/** Removes anything that looks like an email address, so errors from mail servers can be logged and stored. */
export function redact(text: string, maxLength = 500): string {
  const clean = text.replace(EMAIL, '[address]');
  return clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean;
}

/** A pino logger at the given level writing JSON lines to stdout. */
export function createLogger(level: string): pino.Logger {
  return pino({
    level,
    base: undefined,
    redact: { paths: ['req.headers.cookie', 'req.headers.authorization', 'email', 'name', 'password'], remove: true },
  });
}
