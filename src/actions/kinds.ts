import type { FastifyInstance } from 'fastify';
import type { VNode } from 'preact';
import type { z } from 'zod';
import type { Core, ErasureSubject } from '../core/context.js';
import type { DbOrTrx } from '../core/db/index.js';
import { utcToZonedLocal } from '../core/time.js';
import type { ActionKind, ActionsTable } from './tables.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import type { RouteTable } from '../core/web/routes.js';
import type { Selectable } from 'kysely';

// Every kind of action (petition, letter to an MP, email to a target, organisation sign-on) shares the frame the
// actions capability gives it: the campaign, title, summary, body, deadline, goal and live counter, the updates,
// the thank-you page, the admin list and editor, the counter job and the numbers over time. What a supporter
// does on the page, and everything after (confirmation, sending, moderation, export), is the kind's own, behind
// this interface, so each kind lives in its own files.

export type ActionRow = Selectable<ActionsTable>;

/** An action as the kinds see it: the row with its settings parsed by the kind's schema. */
export interface Action<S = Record<string, unknown>> {
  id: number;
  /** Null for an action that stands on its own, outside any campaign. */
  campaignId: number | null;
  slug: string;
  kind: ActionKind;
  status: ActionRow['status'];
  title: string;
  summary: string;
  body: string;
  thankYou: string;
  result: string;
  deadline: string | null;
  closesAt: number | null;
  goal: number | null;
  count: number;
  newsletterListId: number | null;
  nextActionId: number | null;
  settings: S;
  openedAt: number | null;
  closedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

/** Whether an action takes part now: open, and its deadline's day not yet over. */
export function isTakingPart(a: Pick<Action, 'status' | 'closesAt'>, now = Date.now()): boolean {
  return a.status === 'open' && (a.closesAt === null || now < a.closesAt);
}

/** What the public action page needs from the kind to show the part where a supporter acts. */
export interface ActAreaProps<S = Record<string, unknown>> {
  core: Core;
  action: Action<S>;
  /** The organisation's time zone, for any date the kind shows. */
  timeZone: string;
}

/** One kind of action. The actions capability calls these; a kind never reaches into another kind. */
export interface KindModule<S extends Record<string, unknown> = Record<string, unknown>> {
  kind: ActionKind;
  /** What staff see when choosing the kind ("Petition"). */
  label: string;
  /** What the counter counts, singular and plural ("signature", "signatures"). */
  noun: readonly [string, string];
  /** The kind's settings, stored as JSON in actions.settings; parsing `{}` gives the defaults. */
  settingsSchema: z.ZodType<S>;
  /** The settings' fields in the admin editor (names matching settingsSchema), filled from `values`. */
  SettingsFields(p: { values: Record<string, string>; errors: Record<string, string> | undefined }): VNode;
  /** The settings as form values, to fill SettingsFields when editing. */
  settingsToValues(s: S): Record<string, string>;
  /**
   * The submitted editor form's values as input for settingsSchema. Needed when a field's absence means something
   * other than "use the default" (an unticked checkbox whose default is ticked); without it the values go as they are.
   */
  settingsFromForm?(values: Record<string, string>): unknown;
  /** The part of the public page where the supporter acts, shown only while the action is taking part. */
  ActArea(p: ActAreaProps<S>): Promise<VNode>;
  /** What the kind adds to the public page once the action has closed, below the result (a list of signatories…). */
  ResultArea?(p: ActAreaProps<S>): Promise<VNode | null>;
  /** Hooks and plugins the kind's routes need, registered before any route (multipart for a logo upload…). */
  setup?(app: FastifyInstance, core: Core): void | Promise<void>;
  /** The kind's public routes (its form posts, confirmation links…). */
  publicRoutes?: RouteTable;
  /** The kind's admin routes, each naming its permission. */
  adminRoutes?: RouteTable;
  jobs?(core: Core): Record<string, JobHandler>;
  recurring?: RecurringJob[];
  /** Actions taken and confirmed, for the live counter (refreshed in batches by one job). */
  countConfirmed(db: DbOrTrx, actionId: number): Promise<number>;
  /** Confirmed actions per day (YYYY-MM-DD in `timeZone`), for the admin chart. */
  countsByDay(db: DbOrTrx, actionId: number, timeZone: string): Promise<Array<{ day: string; count: number }>>;
  /** Admin pages about one action that the kind adds (moderation, export…), linked from the action's admin page. */
  adminLinks?(action: Action<S>): Array<{ href: string; label: string }>;
  /**
   * Erases what the kind holds about a supporter (matched by supporter id or email blind index), inside the
   * supporter's erasure: personal fields go, what was counted stays counted.
   */
  erase?(core: Core, trx: DbOrTrx, subject: ErasureSubject): Promise<void>;
  /** What the kind holds about a supporter, as plain values, for their copy of their data. */
  exportFor?(core: Core, db: DbOrTrx, subject: ErasureSubject): Promise<Record<string, unknown[]>>;
  /** What of this kind waits for staff, per action ("3 letters are waiting for approval"), for the dashboard. */
  waiting?(db: DbOrTrx): Promise<KindWaiting[]>;
  /**
   * This kind's audit codes in words, read before the action's title ('letter.approve': 'approved a held letter
   * in'); the frame finds the action from the entry's target ("action 12") or its details ({ action: 12 }).
   */
  auditWords?: Readonly<Record<string, string>>;
  /** Fictional demo content for an action of this kind that the demo has just created. */
  demo?(core: Core, action: Action<S>): Promise<void>;
}

/** Something of a kind that waits for staff on one action, and the page where they deal with it. */
export interface KindWaiting {
  actionId: number;
  count: number;
  /** A sentence with the count in it ("3 letters are waiting for approval"). */
  label: string;
  href: string;
  /** The permission that page needs: the dashboard shows the item only to staff who hold it. */
  permission: string;
}

/** The kinds of action, in the order staff are offered them: assembled in capability.ts and handed to the frame. */
export type Kinds = readonly KindModule[];

/** The module of a kind of action among the given kinds. */
export function kindModule(kinds: Kinds, kind: ActionKind): KindModule {
  const m = kinds.find((k) => k.kind === kind);
  if (!m) throw new Error(`No module for actions of kind ${kind}`);
  return m;
}

let assembled: Kinds | undefined;

/**
 * Hands the frame its kinds of action, once, as capability.ts assembles the capability: the frame's services read
 * actions (whose settings each kind parses) and count them through these, without importing a kind.
 */
export function handKindsToFrame(kinds: Kinds): void {
  assembled = kinds;
}

/** The kinds of action the capability was assembled with. */
export function assembledKinds(): Kinds {
  if (!assembled) throw new Error('The actions capability (actions/capability.ts) has not been assembled yet');
  return assembled;
}

const HOUR = 3600_000;

/**
 * Folds counts per UTC hour (what every kind's query returns: `floor(t / 3600000)` grouped, portable SQL) into
 * counts per day in the organisation's time zone, oldest first. Hours are exact for every zone with whole-hour
 * offsets, which includes the UK's.
 */
export function hoursToDays(
  hours: ReadonlyArray<{ hour: number; count: number }>,
  timeZone: string,
): Array<{ day: string; count: number }> {
  const days = new Map<string, number>();
  for (const h of [...hours].sort((a, b) => a.hour - b.hour)) {
    const day = utcToZonedLocal(Number(h.hour) * HOUR, timeZone).slice(0, 10);
    days.set(day, (days.get(day) ?? 0) + Number(h.count));
  }
  return [...days].map(([day, count]) => ({ day, count }));
}
