import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';

/** A configuration problem that must stop start-up; the message names the variable. */
export class ConfigError extends Error {}

const bool = z.enum(['1', '0', 'true', 'false', 'yes', 'no', '']).transform((v) => v === '1' || v === 'true' || v === 'yes');

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
  LANTERN_DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres://, postgresql:// or sqlite:')
    .optional(),
  LANTERN_SECRET: z.string().min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)').optional(),
  SMTP_URL: z
    .string()
    .regex(/^smtps?:\/\//, 'must start with smtp:// or smtps://')
    .optional(),
  MAIL_FROM: z.string().min(3).optional(),
  LANTERN_DEMO: bool.default(true),
  LANTERN_WORKER: z.enum(['inline', 'off']).default('inline'),
  LANTERN_RETIRED_SECRETS: z.string().optional(),
  DKIM_DOMAIN: z.string().min(3).optional(),
  DKIM_SELECTOR: z.string().min(1).optional(),
  DKIM_PRIVATE_KEY_FILE: z.string().min(1).optional(),
  METRICS_TOKEN: z.string().min(16).optional(),
  TRUST_PROXY: bool.default(false),
  STRIPE_SECRET_KEY: z
    .string()
    .regex(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, 'must be a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_…)')
    .optional(),
  STRIPE_WEBHOOK_SECRET: z
    .string()
    .regex(/^whsec_\S+$/, 'must be the webhook signing secret, starting whsec_')
    .optional(),
  STRIPE_API_URL: z.url({ protocol: /^https?$/ }).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type DatabaseConfig = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly baseUrl: string;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly secret: string;
  /** Earlier secrets, still able to decrypt data written before a rotation. */
  readonly retiredSecrets: readonly string[];
  readonly dkim: { domainName: string; keySelector: string; privateKey: string } | undefined;
  readonly smtpUrl: string | undefined;
  /** MAIL_FROM; unset, mail is from the organisation's name and contact address in the settings. */
  readonly mailFrom: string | undefined;
  readonly demo: boolean;
  readonly worker: 'inline' | 'off';
  readonly metricsToken: string | undefined;
  readonly trustProxy: boolean;
  readonly logLevel: string;
  /**
   * Stripe, when STRIPE_SECRET_KEY is set (with STRIPE_WEBHOOK_SECRET); unset, donations go through the built-in
   * test payment page. `apiUrl` points the official client at another host (a local stand-in in tests).
   */
  readonly stripe: { secretKey: string; webhookSecret: string; apiUrl: string | undefined } | undefined;
}

/** Reads the secret from the data dir, creating it (mode 0600) on first start. */
function secretFromDataDir(dataDir: string): string {
  const file = join(dataDir, 'secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}

function dkimFrom(e: z.output<typeof EnvSchema>): Config['dkim'] {
  const set = [e.DKIM_DOMAIN, e.DKIM_SELECTOR, e.DKIM_PRIVATE_KEY_FILE].filter(Boolean).length;
  if (set === 0) return undefined;
  if (set !== 3)
    throw new ConfigError('Invalid configuration:\n  DKIM_DOMAIN, DKIM_SELECTOR and DKIM_PRIVATE_KEY_FILE must be set together');
  let privateKey: string;
  try {
    privateKey = readFileSync(e.DKIM_PRIVATE_KEY_FILE!, 'utf8');
  } catch {
    throw new ConfigError(`Invalid configuration:\n  DKIM_PRIVATE_KEY_FILE: cannot read ${e.DKIM_PRIVATE_KEY_FILE}`);
  }
  return { domainName: e.DKIM_DOMAIN!, keySelector: e.DKIM_SELECTOR!, privateKey };
}

function stripeFrom(e: z.output<typeof EnvSchema>): Config['stripe'] {
  if (!e.STRIPE_SECRET_KEY && !e.STRIPE_WEBHOOK_SECRET) return undefined;
  if (!e.STRIPE_SECRET_KEY || !e.STRIPE_WEBHOOK_SECRET)
    throw new ConfigError('Invalid configuration:\n  STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET must be set together');
  return { secretKey: e.STRIPE_SECRET_KEY, webhookSecret: e.STRIPE_WEBHOOK_SECRET, apiUrl: e.STRIPE_API_URL };
}

/** Parses the environment once into a frozen Config; throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(
    Object.keys(EnvSchema.shape).flatMap((k) => (env[k] === undefined || env[k] === '' ? [] : [[k, env[k]]])),
  );
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.LANTERN_DATA_DIR);
  let database: DatabaseConfig;
  if (!e.DATABASE_URL) database = { dialect: 'sqlite', file: join(dataDir, 'lantern.db') };
  else if (e.DATABASE_URL.startsWith('sqlite:')) database = { dialect: 'sqlite', file: resolve(e.DATABASE_URL.slice(7)) };
  else database = { dialect: 'postgres', url: e.DATABASE_URL };
  if (database.dialect === 'sqlite') mkdirSync(dataDir, { recursive: true });
  const baseUrl = (e.BASE_URL ?? `http://${e.HOST.includes(':') ? `[${e.HOST}]` : e.HOST}:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    port: e.PORT,
    host: e.HOST,
    baseUrl,
    dataDir,
    database,
    secret: e.LANTERN_SECRET ?? secretFromDataDir(dataDir),
    retiredSecrets: (e.LANTERN_RETIRED_SECRETS ?? '')
      .split(',')
      .map((x) => x.trim())
      .filter(Boolean),
    dkim: dkimFrom(e),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    demo: e.LANTERN_DEMO,
    worker: e.LANTERN_WORKER,
    metricsToken: e.METRICS_TOKEN,
    trustProxy: e.TRUST_PROXY,
    logLevel: e.LOG_LEVEL,
    stripe: stripeFrom(e),
  });
}
