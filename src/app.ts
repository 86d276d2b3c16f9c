import type { FastifyInstance } from 'fastify';
import { hostname } from 'node:os';
import type { Config } from './core/config.js';
import type { Capability, Core, RedirectFinder } from './core/context.js';
import { createKeyring } from './core/crypto.js';
import { openDatabase, type Db } from './core/db/index.js';
import { migrateToLatest } from './core/db/migrate.js';
import { deleteFinishedJobsBefore } from './core/jobs/queries.js';
import { JobQueue } from './core/jobs/queue.js';
import { Worker, type JobHandler, type RecurringJob } from './core/jobs/worker.js';
import { createLogger } from './core/log.js';
import { catcherTransport, Mailer, smtpTransport, type MailTransport } from './core/mail/mailer.js';
import { createWebApp } from './core/web/app.js';
import { actionsCapability } from './actions/capability.js';
import { adminCapability } from './admin/capability.js';
import { contentCapability } from './content/capability.js';
import { eventsCapability } from './events/capability.js';
import { donationsCapability } from './donations/capability.js';
import { newslettersCapability } from './newsletters/capability.js';
import { representativesCapability } from './representatives/capability.js';
import { staffCapability } from './staff/capability.js';
import { supportersCapability } from './supporters/capability.js';
import { registerRoutes } from './core/web/routes.js';
import { hasSiteSettings, saveSiteSettings } from './core/settings.js';

/** Every capability, in the order their navigation entries appear. */
export const capabilities: Capability[] = [
  contentCapability,
  staffCapability,
  adminCapability,
  supportersCapability,
  newslettersCapability,
  representativesCapability,
  actionsCapability,
  eventsCapability,
  donationsCapability,
];

export interface Lantern {
  core: Core;
  web: FastifyInstance;
  /** The in-process worker, when LANTERN_WORKER=inline. */
  worker: Worker | undefined;
  handlers: Record<string, JobHandler>;
  recurring: RecurringJob[];
  /** Stops the worker (finishing in-flight jobs), the web server, the mail pool and the database, in that order. */
  close(): Promise<void>;
}

export interface BuildOptions {
  /** Use this transport instead of the one the config names (tests). */
  transport?: MailTransport;
  /** Start the in-process worker (default: when config.worker is inline). */
  worker?: boolean;
  /** Use an already-open database instead of opening the configured one. */
  db?: Db;
}

/** Opens the database, brings it up to date, and assembles the core, the web app and the job handlers. */
export async function buildCore(config: Config, o: BuildOptions = {}): Promise<Core> {
  const logger = createLogger(config.logLevel);
  const db = o.db ?? openDatabase(config.database);
  await migrateToLatest(db);
  const keyring = createKeyring(config.secret, config.retiredSecrets);
  const queue = new JobQueue(keyring);
  const transport = o.transport ?? (config.smtpUrl ? smtpTransport(config.smtpUrl, { dkim: config.dkim }) : catcherTransport());
  const host = config.baseUrl ? new URL(config.baseUrl).hostname : hostname();
  // Newsletters get a pool of their own, so transactional mail never waits behind a bulk send at the mail server either.
  const bulkTransport = !o.transport && config.smtpUrl ? smtpTransport(config.smtpUrl, { dkim: config.dkim }) : undefined;
  const mailer = new Mailer({ db, keyring, queue, transport, bulkTransport, from: config.mailFrom, host });
  const core: Core = { config, db, keyring, queue, mailer, logger };
  core.erasure = capabilities.flatMap((c) => (c.erasure ? [c.erasure(core)] : []));
  core.dataExport = capabilities.flatMap((c) => (c.dataExport ? [c.dataExport(core)] : []));
  core.permissions = capabilities.flatMap((c) => c.permissions ?? []);
  core.timeline = capabilities.flatMap((c) => (c.timeline ? [c.timeline(core)] : []));
  core.segmentUses = capabilities.flatMap((c) => (c.segmentUse ? [c.segmentUse(core)] : []));
  core.dashboard = capabilities.flatMap((c) => (c.dashboard ? [c.dashboard(core)] : []));
  core.auditDescribers = capabilities.flatMap((c) => (c.describeAudit ? [c.describeAudit(core)] : []));
  return core;
}

/** All job handlers and recurring jobs of all capabilities. */
export function jobTable(core: Core): { handlers: Record<string, JobHandler>; recurring: RecurringJob[] } {
  const handlers: Record<string, JobHandler> = {
    ...core.mailer.jobs(),
    deleteFinishedJobs: async () => {
      await deleteFinishedJobsBefore(core.db, Date.now() - 7 * 24 * 3600_000);
    },
  };
  const recurring: RecurringJob[] = [
    { name: 'deleteFinishedJobs', everyMs: 3600_000 },
    { name: 'deleteOldMailRecords', everyMs: 24 * 3600_000 },
  ];
  for (const c of capabilities) {
    Object.assign(handlers, c.jobs?.(core) ?? {});
    recurring.push(...(c.recurring ?? []));
  }
  return { handlers, recurring };
}

/** Asks each capability in turn where an address that was not found now lives. */
function redirectFinder(core: Core): RedirectFinder | undefined {
  const finders = capabilities.flatMap((c) => (c.redirects ? [c.redirects(core)] : []));
  if (finders.length === 0) return undefined;
  return async (address) => {
    for (const find of finders) {
      const to = await find(address);
      if (to) return to;
    }
    return undefined;
  };
}

/** Builds a whole Lantern: core, web app with every capability's routes, and (optionally) the worker. */
export async function buildLantern(config: Config, o: BuildOptions = {}): Promise<Lantern> {
  const core = await buildCore(config, o);
  const web = await createWebApp({
    config,
    db: core.db,
    keyring: core.keyring,
    logger: core.logger,
    nav: capabilities.flatMap((c) => c.nav ?? []),
    // The admin shell's entries (Dashboard first) lead the admin navigation.
    adminNav: [adminCapability, ...capabilities.filter((c) => c !== adminCapability)].flatMap((c) => c.adminNav ?? []),
    findRedirect: redirectFinder(core),
    moreNav: capabilities.find((c) => c.moreNav)?.moreNav?.(core),
  });
  for (const c of capabilities) await c.setup?.(web, core);
  for (const c of capabilities) {
    registerRoutes(web, core, c.publicRoutes ?? [], 'public');
    registerRoutes(web, core, c.adminRoutes ?? [], 'admin');
  }
  const { handlers, recurring } = jobTable(core);
  const runWorker = o.worker ?? config.worker === 'inline';
  const worker = runWorker ? new Worker({ db: core.db, queue: core.queue, handlers, recurring, logger: core.logger }) : undefined;
  worker?.start();
  return {
    core,
    web,
    worker,
    handlers,
    recurring,
    async close() {
      await worker?.stop();
      await web.close();
      await core.mailer.close();
      if (!o.db) await core.db.destroy();
    },
  };
}

/**
 * Seeds the fictional demo charity on an empty database: its settings, then each capability's demo content.
 * Returns false when the database already had an organisation. The charity's name, numbers and addresses are made
 * up, and its email domain is under example.org, which can never receive mail.
 */
export async function seedDemo(core: Core): Promise<boolean> {
  if (await hasSiteSettings(core.db)) return false;
  await saveSiteSettings(core.db, {
    orgName: 'Freedom Thread',
    tagline: 'Ending forced labour in the clothes we wear, and standing with the Uyghur people.',
    charityNumber: '1190000 (demo)',
    timeZone: 'Europe/London',
    contactEmail: 'hello@freedomthread.example.org',
    postalAddress: 'Freedom Thread (demo)\n2 Sample Yard\nLondon',
    require2fa: false,
  });
  // The website shows everything else (a campaign's actions beside its updates), so its demo comes last.
  for (const c of [...capabilities.filter((c) => c !== contentCapability), contentCapability]) await c.demo?.(core);
  return true;
}
