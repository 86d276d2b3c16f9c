import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import type { Config } from './config.js';
import type { Keyring } from './crypto.js';
import type { Db, DbOrTrx } from './db/index.js';
import type { JobQueue } from './jobs/queue.js';
import type { JobHandler, RecurringJob } from './jobs/worker.js';
import type { Mailer } from './mail/mailer.js';
import type { NavItem } from './web/layout.js';

/** Who is being erased: the supporter record, and the blind index of the address they used (other records match on it). */
export interface ErasureSubject {
  supporterId: number;
  emailIndex: string | null;
}

/** A capability's part of erasing a supporter, run in the erasure's transaction. */
export type ErasureStep = (trx: DbOrTrx, subject: ErasureSubject) => Promise<void>;

/** A capability's part of a supporter's copy of their data: named sections of plain values. */
export type DataExportStep = (db: Db, subject: ErasureSubject) => Promise<Record<string, unknown>>;

/** The shared machinery every capability is given. */
export interface Core {
  config: Config;
  db: Db;
  keyring: Keyring;
  queue: JobQueue;
  mailer: Mailer;
  logger: pino.Logger;
  /** Every capability's part of erasing a supporter (signatures, letters…), so erasure reaches all of their data. */
  erasure?: readonly ErasureStep[];
  /** Every capability's part of a supporter's copy of their data ("email me my data"). */
  dataExport?: readonly DataExportStep[];
}

/** What a capability adds to Lantern: routes, job handlers, recurring jobs and navigation entries. */
export interface Capability {
  name: string;
  /** Public navigation entries (in order). */
  nav?: NavItem[];
  /** Admin navigation entries, each shown only with its permission. */
  adminNav?: Array<NavItem & { permission: string }>;
  routes?(app: FastifyInstance, core: Core): Promise<void> | void;
  jobs?(core: Core): Record<string, JobHandler>;
  recurring?: RecurringJob[];
  /** Erases what this capability holds about a supporter (called inside the supporter's erasure). */
  erasure?(core: Core): ErasureStep;
  /** What this capability holds about a supporter, for their copy of their data. */
  dataExport?(core: Core): DataExportStep;
  /** Adds this capability's fictional demo content (called once, on an empty database, after the base demo). */
  demo?(core: Core): Promise<void>;
}
