import { randomBytes } from 'node:crypto';
import { h, type VNode } from 'preact';
import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { PermanentJobError, type JobContext, type JobHandler } from '../core/jobs/worker.js';
import { renderEmail, type RenderedEmail } from '../core/mail/render.js';
import { renderMarkdown } from '../core/markdown.js';
import { getSiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, multilineText, parseForm, text, type FormResult } from '../core/web/forms.js';
import {
  DEFAULT_SENDER,
  SENDER_MAX_ATTEMPTS,
  sendSlice,
  type Messenger,
  type Outcome,
  type PendingRecipient,
  type SenderOptions,
  type SenderStore,
  type SliceNewsletter,
} from '../newsletters/service.js';
import type { EventDeliveryState, EventMessageState } from './tables.js';
import type { Occurrence, PlaceState } from './model.js';
import { findRegistrationRows } from './queries.js';
import { formatWhen, getEvent, listOccurrences } from './reading.js';
import { manageLink } from './registering.js';
import {
  countDeliveriesByState,
  findEventMessageRow,
  finishEventMessage,
  hasQueuedDelivery,
  insertEventMessage,
  insertQueuedDeliveries,
  listEventMessageRows,
  listQueuedDeliveries,
  listReachableRegistrationIds,
  markDeliveries,
  markDeliveryFailed,
  releaseMessageLock,
  renewMessageLock,
  takeMessageLock,
} from './message-queries.js';

// Messages from staff to an event's attendees ("the room has changed", "bring a coat"): one message row, one
// delivery row per person, and the newsletters' bulk sender (newsletters/sender.ts, reached through its service) to
// send them on the bulk lane: one job at a time holds the message's sender lock, sends for a slice and hands over;
// each recipient is re-checked just before their turn (still registered, still holding a place in the message's
// scope: someone who cancelled is skipped); each outcome is committed right after its send; and each delivery has a
// stable Message-ID, so a crash repeats at most the messages in flight, under the same Message-ID.

const SEND_JOB = 'sendEventMessage';

/** What staff send: a subject, a Markdown body, the date (or every date) whose people get it, and the waitlist or not. */
export interface MessageInput {
  subject: string;
  body: string;
  date: number | 'all';
  includeWaitlist: boolean;
}

/** Validates the message form against the event's dates. */
export function parseMessage(occurrences: readonly Occurrence[], body: unknown): FormResult<MessageInput> {
  const dateMessage = 'Choose a date from the list, or all dates';
  const schema = z.object({
    subject: text('a subject', { max: 150 }),
    body: multilineText('the message', { max: 20_000 }),
    date: z.preprocess(
      (v) => (v === undefined || v === '' ? 'all' : v),
      z
        .string({ error: dateMessage })
        .max(20, dateMessage)
        .refine((v) => v === 'all' || occurrences.some((o) => String(o.id) === v), dateMessage)
        .transform((v) => (v === 'all' ? ('all' as const) : Number(v))),
    ),
    includeWaitlist: checkbox,
  });
  return parseForm(schema, body);
}

/** The places whose holders a message reaches. */
const scopeStates = (includeWaitlist: boolean): PlaceState[] =>
  includeWaitlist ? ['confirmed', 'offered', 'waitlisted'] : ['confirmed', 'offered'];

/**
 * The registrations a message may reach now: active, with an email address, holding a place in the scope (one
 * date, or any date of the event). `among` narrows it to some registrations (the sender's re-check).
 */
async function reachableRegistrations(
  db: DbOrTrx,
  o: { eventId: number; occurrenceId: number | null; includeWaitlist: boolean; among?: readonly number[] },
): Promise<number[]> {
  const { includeWaitlist, ...rest } = o;
  return listReachableRegistrationIds(db, { ...rest, states: scopeStates(includeWaitlist) });
}

/** How many people a message to this scope would reach now (the form says so before staff send). */
export async function countMessageRecipients(
  db: Db,
  eventId: number,
  o: { occurrenceId: number | null; includeWaitlist: boolean },
): Promise<number> {
  return (await reachableRegistrations(db, { eventId, ...o })).length;
}

/**
 * Starts sending a message to the people registered for a date (or for any date) of an event: one delivery row
 * each, the audit entry and the first sending job, in one transaction. Refuses a message that would reach nobody.
 * Returns the message's id and how many people it goes to.
 */
export async function startEventMessage(
  core: Core,
  staffId: number | null,
  eventId: number,
  input: MessageInput,
  now = Date.now(),
): Promise<{ messageId: number; recipients: number }> {
  const event = await getEvent(core.db, eventId);
  if (!event) throw new DomainError('not_found', 'There is no such event.');
  const occurrenceId = input.date === 'all' ? null : input.date;
  if (occurrenceId !== null && !(await listOccurrences(core.db, eventId)).some((o) => o.id === occurrenceId))
    throw new DomainError('invalid', 'Choose a date from the list, or all dates', { date: 'Choose a date from the list, or all dates' });
  return core.db.transaction().execute(async (trx) => {
    const ids = await reachableRegistrations(trx, { eventId, occurrenceId, includeWaitlist: input.includeWaitlist });
    if (ids.length === 0) {
      const m =
        occurrenceId === null
          ? 'Nobody registered for this event has an email address yet, so there is nobody to send to.'
          : 'Nobody registered for this date has an email address yet, so there is nobody to send to.';
      throw new DomainError('invalid', m, { date: m });
    }
    const messageId = await insertEventMessage(trx, {
      event_id: eventId,
      occurrence_id: occurrenceId,
      include_waitlist: input.includeWaitlist ? 1 : 0,
      subject: input.subject,
      body: input.body,
      state: 'sending',
      recipient_count: ids.length,
      created_by: staffId,
      created_at: now,
      finished_at: null,
      last_error: null,
      runner: null,
      runner_until: null,
    });
    await insertQueuedDeliveries(trx, messageId, ids, now);
    await recordAudit(trx, {
      staffId,
      action: 'event.message',
      target: `event ${eventId}`,
      details: { title: event.title, subject: input.subject, recipients: ids.length, date: occurrenceId === null ? 'all' : occurrenceId },
    });
    await core.queue.enqueue(trx, SEND_JOB, { messageId }, { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS });
    return { messageId, recipients: ids.length };
  });
}

/** A message as the page lists it, with its progress. */
export interface EventMessageSummary {
  id: number;
  subject: string;
  /** The date it went to; null: every date. */
  occurrenceId: number | null;
  includeWaitlist: boolean;
  state: EventMessageState;
  createdAt: number;
  finishedAt: number | null;
  lastError: string | null;
  total: number;
  sent: number;
  failed: number;
  skipped: number;
  queued: number;
}

/** An event's messages, newest first, each with its deliveries counted by state. */
export async function listEventMessages(db: Db, eventId: number): Promise<EventMessageSummary[]> {
  const rows = await listEventMessageRows(db, eventId);
  if (rows.length === 0) return [];
  const counts = await countDeliveriesByState(
    db,
    rows.map((r) => Number(r.id)),
  );
  const count = (id: number, state: EventDeliveryState) => counts.find((c) => c.messageId === id && c.state === state)?.n ?? 0;
  return rows.map((r) => {
    const id = Number(r.id);
    return {
      id,
      subject: r.subject,
      occurrenceId: r.occurrence_id === null ? null : Number(r.occurrence_id),
      includeWaitlist: r.include_waitlist === 1,
      state: r.state,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      lastError: r.last_error,
      total: r.recipient_count,
      sent: count(id, 'sent'),
      failed: count(id, 'failed'),
      skipped: count(id, 'skipped'),
      queued: count(id, 'queued'),
    };
  });
}

// ---- the email ------------------------------------------------------------------------------------------------------

// Where each recipient's own link goes: a private-use character pair that Markdown, the template and the text
// converter leave alone (as newsletters do), replaced per recipient.
const LINK = '\uE000L\uE001';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** The message rendered once: the body (Markdown, no images), and a footer saying why it came, with a token for the link. */
function compileMessage(o: { subject: string; body: string; orgName: string; title: string; when: string | null }): RenderedEmail {
  const footer = h(
    'p',
    { style: 'margin:0;' },
    `You are getting this email because you registered for ${o.title}${o.when ? ` (${o.when})` : ''}. To change or cancel your registration, use your own page: `,
    h('a', { href: LINK, style: 'color:#5b5b57;' }, LINK),
    '. Please do not forward this email: anyone with the link can change your registration.',
  );
  return renderEmail({
    subject: o.subject.replace(/[\u0000-\u001f\u007f]+/g, ' '),
    orgName: o.orgName,
    body: h('div', { dangerouslySetInnerHTML: { __html: renderMarkdown(o.body) } }) as VNode,
    footer,
  });
}

/** One recipient's message: the compiled one with their link in place. */
function personalise(c: RenderedEmail, link: string): RenderedEmail {
  return { subject: c.subject, html: c.html.replaceAll(LINK, () => escapeHtml(link)), text: c.text.replaceAll(LINK, () => link) };
}

// ---- sending (the bulk sender's store and messenger) ------------------------------------------------------------------

const SendPayload = z.object({ messageId: z.number().int().positive() });

/** The job handler that sends event messages (one slice per job), for the events capability's job table. */
export function eventMessageJobs(core: Core, options: Partial<SenderOptions> = {}): Record<string, JobHandler> {
  const o = { ...DEFAULT_SENDER, ...options };
  return {
    [SEND_JOB]: async (payload: unknown, ctx: JobContext) => {
      const p = SendPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError(`${SEND_JOB} payload is malformed`);
      const runner = `job:${ctx.jobId}:${ctx.attempt}:${randomBytes(4).toString('hex')}`;
      await sendSlice({
        store: messageStore(core, { messageId: p.data.messageId, runner, jobId: ctx.jobId }),
        openMessenger: () => messageMessenger(core, p.data.messageId),
        options: o,
        logger: core.logger,
        newsletterId: p.data.messageId,
      });
    },
  };
}

/** The sender's store over event_messages and its deliveries: the lock on the message's row, re-checks through registrations. */
function messageStore(core: Core, o: { messageId: number; runner: string; jobId: number }): SenderStore {
  const { db, keyring } = core;
  const { messageId, runner } = o;
  return {
    async takeLock(until) {
      if (await takeMessageLock(db, { messageId, runner, until, jobId: o.jobId, now: Date.now() })) return 'taken';
      return (await findEventMessageRow(db, messageId))?.state === 'sending' ? 'held' : 'not_sending';
    },
    renewLock: (until) => renewMessageLock(db, { messageId, runner, until }),
    async status() {
      const r = await findEventMessageRow(db, messageId);
      return r && r.runner === runner ? r.state : null;
    },
    async newsletter(): Promise<SliceNewsletter | undefined> {
      const r = await findEventMessageRow(db, messageId);
      // The sender skips everyone when a newsletter has no list; here the event stands where the list would.
      return r && { status: r.state, listId: Number(r.event_id), ratePerMinute: null };
    },
    async nextRecipients({ afterId, limit }): Promise<PendingRecipient[]> {
      const message = await findEventMessageRow(db, messageId);
      if (!message || message.state !== 'sending') return [];
      const pending = await listQueuedDeliveries(db, { messageId, afterId, limit });
      // Each recipient re-checked now: still registered, with an address, holding a place in the message's scope.
      const still = new Set(
        await reachableRegistrations(db, {
          eventId: Number(message.event_id),
          occurrenceId: message.occurrence_id === null ? null : Number(message.occurrence_id),
          includeWaitlist: message.include_waitlist === 1,
          among: pending.map((d) => d.registrationId),
        }),
      );
      const regs = new Map((await findRegistrationRows(db, [...still])).map((r) => [Number(r.id), r]));
      return pending.map((d) => {
        const r = regs.get(d.registrationId);
        // The sender's recipient is a supporter's; here it is a registration, whose own link token stands for the public id.
        return {
          deliveryId: d.id,
          recipient: r?.email_enc
            ? { supporterId: Number(r.id), publicId: keyring.decrypt(r.manage_enc), email: keyring.decrypt(r.email_enc), firstName: null }
            : null,
        };
      });
    },
    recordOutcomes: (outcomes) => recordOutcomes(db, outcomes),
    hasPending: () => hasQueuedDelivery(db, messageId),
    async release({ lastError, next }) {
      await db.transaction().execute(async (trx) => {
        await releaseMessageLock(trx, { messageId, runner, lastError });
        if (next)
          await core.queue.enqueue(trx, SEND_JOB, { messageId }, { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS, runAt: next.runAt });
      });
    },
    finish: () => finishEventMessage(db, { messageId, runner, now: Date.now() }),
  };
}

/**
 * Commits a group of outcomes in one transaction. An address refused for good fails its delivery only: it was typed
 * into an event's form, and whether it belongs on the suppression list is the supporters' business, not this send's.
 */
async function recordOutcomes(db: Db, group: readonly Outcome[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const now = Date.now();
    const ids = (s: Outcome['status']) => group.filter((g) => g.status === s).map((g) => g.id);
    await markDeliveries(trx, ids('sent'), 'sent', now);
    await markDeliveries(trx, ids('skipped'), 'skipped', now);
    for (const g of group) if (g.status === 'failed') await markDeliveryFailed(trx, g.id, g.error, now);
  });
}

/** The messenger over the bulk SMTP pool: the message rendered once per slice, each recipient's link put in. */
async function messageMessenger(core: Core, messageId: number): Promise<Messenger> {
  const row = await findEventMessageRow(core.db, messageId);
  if (!row) throw new Error('the event message is gone');
  const event = await getEvent(core.db, Number(row.event_id));
  if (!event) throw new Error('the event of the message is gone');
  const site = await getSiteSettings(core.db);
  const occ =
    row.occurrence_id === null ? undefined : (await listOccurrences(core.db, event.id)).find((o) => o.id === Number(row.occurrence_id));
  const compiled = compileMessage({
    subject: row.subject,
    body: row.body,
    orgName: site.orgName,
    title: event.title,
    when: occ ? formatWhen(occ.startsAt, occ.endsAt, event.timeZone) : null,
  });
  const host = new URL(core.config.baseUrl).hostname;
  const replyTo = event.organiserEmail || site.contactEmail;
  return {
    subject: compiled.subject,
    async send(deliveryId, r) {
      await core.mailer.sendBulk({
        to: r.email,
        ...personalise(compiled, manageLink(core, r.publicId)),
        ...(replyTo ? { replyTo } : {}),
        // Stable per delivery: a message repeated after a crash carries the same Message-ID.
        messageId: `<${core.keyring.sign('event-message-id', `${messageId}:${deliveryId}`).slice(0, 24)}@${host}>`,
      });
    },
  };
}
