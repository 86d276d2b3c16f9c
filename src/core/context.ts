import type { FastifyInstance } from 'fastify';
import type pino from 'pino';
import type { AuditDescriber } from './audit.js';
import type { Config } from './config.js';
import type { Keyring } from './crypto.js';
import type { Db, DbOrTrx } from './db/index.js';
import type { JobQueue } from './jobs/queue.js';
import type { JobHandler, RecurringJob } from './jobs/worker.js';
import type { Mailer } from './mail/mailer.js';
import type { AdminNavItem, NavItem } from './web/layout.js';
import type { RouteTable } from './web/routes.js';

/** Who is being erased: the supporter record, and the blind index of the address they used (other records match on it). */
export interface ErasureSubject {
  supporterId: number;
  emailIndex: string | null;
}

/** A capability's part of erasing a supporter, run in the erasure's transaction. */
export type ErasureStep = (trx: DbOrTrx, subject: ErasureSubject) => Promise<void>;

/** A capability's part of a supporter's copy of their data: named sections of plain values. */
export type DataExportStep = (db: Db, subject: ErasureSubject) => Promise<Record<string, unknown>>;

/** One thing that happened to or by a supporter, for the supporter page's timeline. */
export interface TimelineEntry {
  at: number;
  kind: 'consent' | 'newsletter' | 'action' | 'event' | 'donation';
  /** What happened, in a few words ("Subscribed to Campaign updates"). */
  title: string;
  /** More about it: the source of a consent, the state of a delivery. */
  detail?: string | undefined;
  /** An admin page about the thing itself (a newsletter, an action), if there is one. */
  href?: string | undefined;
}

/** A capability's part of a supporter's timeline: its entries about one supporter, in any order. */
export type TimelineStep = (db: DbOrTrx, supporterId: number) => Promise<TimelineEntry[]>;

/**
 * A capability's answer to "may this saved segment be deleted?": why not (a sentence for staff, naming what uses
 * it), or undefined when nothing of this capability needs it.
 */
export type SegmentUseStep = (db: DbOrTrx, segmentId: number) => Promise<string | undefined>;

/** Whoever is looking: what they may do (the dashboard shows each of them only what they may follow). */
export interface Permitted {
  can(permission: string): boolean;
}

/** One figure on a dashboard card ("Supporters: 1,204"). */
export interface DashboardFigure {
  label: string;
  value: string;
  /** A few words under the figure ("+36 this month"). */
  detail?: string | undefined;
  /** The page about it, when the viewer may open it. */
  href?: string | undefined;
}

/** A card on the dashboard: a capability's figures and a short list, in staff's words. */
export interface DashboardCard {
  title: string;
  /** Cards are shown in this order (lower first): supporters 10, newsletters 20, actions 30… */
  order: number;
  figures?: DashboardFigure[];
  /** A short list (the open actions, the last newsletters), each with where to read more. */
  rows?: Array<{ label: string; detail: string; href?: string | undefined }>;
  /** What the card says when it has no rows. */
  empty?: string;
  /** The page for more ("All actions"). */
  link?: { href: string; label: string } | undefined;
}

/** Something waiting for a person ("3 letters are waiting for approval"), with the page where it is done. */
export interface NeedsAPerson {
  /** A sentence with the number in it. */
  label: string;
  count: number;
  href: string;
  /** Which action, newsletter or import it is about, if it is one thing. */
  detail?: string | undefined;
}

/** A capability's part of the dashboard: its cards, and what needs a person. */
export interface DashboardPart {
  cards?: DashboardCard[];
  needs?: NeedsAPerson[];
}

/** A capability's part of the dashboard for this viewer (it leaves out what they may not see). */
export type DashboardStep = (viewer: Permitted, o: { timeZone: string; now: number }) => Promise<DashboardPart>;

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
  /** Every permission the capabilities declare, with the roles that hold it. */
  permissions?: readonly PermissionGrant[];
  /** Every capability's part of the supporter page's timeline. */
  timeline?: readonly TimelineStep[];
  /** Every capability's check that a saved segment is not in use before it is deleted. */
  segmentUses?: readonly SegmentUseStep[];
  /** Every capability's part of the dashboard. */
  dashboard?: readonly DashboardStep[];
  /** Every capability's way of putting its audit entries in words. */
  auditDescribers?: readonly AuditDescriber[];
}

/** Which roles hold a permission a capability declares (owners hold every permission). */
export interface PermissionGrant {
  name: string;
  /** What it allows, in staff's words (shown beside the roles). */
  label: string;
  roles: ReadonlyArray<'editor' | 'campaigner' | 'treasurer' | 'viewer'>;
}

/**
 * What a capability adds to Lantern. Every capability folder exports one of these from its `capability.ts`, and
 * `app.ts` is the list of them: route tables (public and admin apart), jobs, recurring jobs, permissions,
 * navigation, its part of erasure and of a supporter's copy of their data, and its demo content.
 */
/** Looks up the new address of an old one (a path with its query); undefined when it has none. */
export type RedirectFinder = (address: string) => Promise<string | undefined>;

export interface Capability {
  name: string;
  /** Public navigation entries (in order). */
  nav?: NavItem[];
  /**
   * Admin navigation entries, each shown only with its permission: the work (supporters, newsletters, actions…)
   * in the main row, and `group: 'settings'` in the Settings group after it.
   */
  adminNav?: Array<AdminNavItem & { permission: string }>;
  /** The permissions this capability's admin routes name, and the roles that hold them. */
  permissions?: readonly PermissionGrant[];
  /** Hooks and plugins the capability's routes need, registered before any route (the staff guard, multipart…). */
  setup?(app: FastifyInstance, core: Core): Promise<void> | void;
  /** Routes anyone may use. */
  publicRoutes?: RouteTable;
  /** Routes under /admin, each naming the permission it needs. */
  adminRoutes?: RouteTable;
  jobs?(core: Core): Record<string, JobHandler>;
  recurring?: RecurringJob[];
  /** Erases what this capability holds about a supporter (called inside the supporter's erasure). */
  erasure?(core: Core): ErasureStep;
  /** What this capability holds about a supporter, for their copy of their data. */
  dataExport?(core: Core): DataExportStep;
  /** What this capability adds to a supporter's timeline on their staff page. */
  timeline?(core: Core): TimelineStep;
  /** Why a saved segment may not be deleted yet (something of this capability is addressed to it). */
  segmentUse?(core: Core): SegmentUseStep;
  /** What this capability adds to the dashboard: its cards and what needs a person. */
  dashboard?(core: Core): DashboardStep;
  /** Puts this capability's audit codes in words ("opened the petition ‘Label the cotton’"). */
  describeAudit?(core: Core): AuditDescriber;
  /** Where an address that was not found now lives (old slugs, an old site's permalinks), if anywhere. */
  redirects?(core: Core): RedirectFinder;
  /** Entries staff place in the public navigation (the same array while nothing changed). */
  moreNav?(core: Core): () => Promise<readonly NavItem[]>;
  /** Adds this capability's fictional demo content (called once, on an empty database, after the base demo). */
  demo?(core: Core): Promise<void>;
}
