import { z } from 'zod';
import type { Core, TimelineEntry } from '../core/context.js';
import { isUniqueViolation } from '../core/db/errors.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import type { DeliveryStatus, NewsletterStatus } from './tables.js';
import { getSiteSettings, type SiteSettings } from '../core/settings.js';
import { DATETIME_LOCAL } from '../core/time.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, text } from '../core/web/forms.js';
import { recordAudit } from '../core/audit.js';
import { getStaffMember } from '../staff/service.js';
import {
  findSupporterByEmail,
  listName,
  listNewsletterAudience,
  listOpenLists,
  listSegments,
  listUnsubscribeHeaders,
  segmentFilters,
  supporterLink,
  type Segment,
} from '../supporters/service.js';
import { safeEqual } from '../core/crypto.js';
import { checkImages, imageAddresser, imageProblem } from './images.js';
import {
  compileNewsletter,
  FALLBACK_NAME,
  findPlaceholders,
  personalise,
  placeholderInLink,
  renderWebVersion,
  type CompiledNewsletter,
} from './emails.js';
import {
  archiveSlugTaken,
  deleteDraftRow,
  deliveryCounts,
  findArchivedBySlug,
  findNewsletter,
  findUnsentNewslettersOfSegment,
  insertDeliveries,
  insertNewsletter,
  listArchivedRows,
  listDeliveriesOf,
  listNewsletterRows,
  setRecipientCount,
  updateNewsletterIf,
  type NewsletterRow,
} from './queries.js';

// Newsletters: a draft is written in Markdown for a list (optionally narrowed by a saved segment); sending it
// writes one delivery row per eligible supporter at once, and the bulk lane's jobs (jobs.ts) work through them.
// Lantern does not track opens or clicks: no pixel, no rewritten links (see ARCHITECTURE.md, "Newsletters").

// The bulk sender works through a store and a messenger it is given, so other capabilities' bulk sends (messages
// to an event's attendees) reuse its rules: re-checked recipients, an outcome committed per send, slices, a lock.
export {
  classifySendError,
  DEFAULT_SENDER,
  sendSlice,
  type Messenger,
  type Outcome,
  type PendingRecipient,
  type Recipient,
  type SenderOptions,
  type SenderStore,
  type SliceNewsletter,
} from './sender.js';

export interface Newsletter {
  id: number;
  subject: string;
  body: string;
  listId: number | null;
  segmentId: number | null;
  status: NewsletterStatus;
  scheduledAt: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  archiveSlug: string | null;
  inArchive: boolean;
  /** The throttle: at most this many messages a minute; null for as fast as the mail server takes them. */
  ratePerMinute: number | null;
  recipientCount: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

function rowToNewsletter(r: NewsletterRow): Newsletter {
  return {
    id: r.id,
    subject: r.subject,
    body: r.body,
    listId: r.list_id,
    segmentId: r.segment_id,
    status: r.status,
    scheduledAt: r.scheduled_at,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    archiveSlug: r.archive_slug,
    inArchive: r.in_archive === 1,
    ratePerMinute: r.rate_per_minute,
    recipientCount: r.recipient_count,
    lastError: r.last_error,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The states in which a newsletter can still be edited or sent. */
export const UNSENT: readonly NewsletterStatus[] = ['draft', 'scheduled'];

// ---- the compose form ------------------------------------------------------------------------------------------

const MAX_BODY = 100_000;
const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

function placeholderProblem(value: string): string | undefined {
  const { unknown } = findPlaceholders(value);
  if (unknown.length === 0) return undefined;
  return `{{${unknown[0]}}} is not a placeholder Lantern knows: use {{first_name}} or {{org_name}}`;
}

const listField = z.preprocess(
  blankToUndefined,
  z.coerce.number({ error: 'Choose a list' }).int('Choose a list').positive('Choose a list').max(Number.MAX_SAFE_INTEGER, 'Choose a list'),
);
const segmentField = z.preprocess(
  blankToUndefined,
  z.coerce
    .number({ error: 'Choose a segment' })
    .int('Choose a segment')
    .positive('Choose a segment')
    .max(Number.MAX_SAFE_INTEGER, 'Choose a segment')
    .optional(),
);

/** The audience part of the compose form, for counting recipients before saving. */
export const AudienceFormSchema = z.object({ listId: listField, segmentId: segmentField });

/** What staff enter to write a newsletter. */
export const NewsletterFormSchema = z
  .object({
    subject: text('a subject', { max: 200 }),
    body: z
      .string({ error: 'Write the newsletter' })
      .transform((s) => s.replace(/\r\n?/g, '\n'))
      .pipe(
        z
          .string()
          .refine((s) => s.trim().length > 0, 'Write the newsletter')
          .refine((s) => s.length <= MAX_BODY, `The newsletter must be ${MAX_BODY.toLocaleString('en-GB')} characters or fewer`)
          .refine(
            (s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s),
            'The newsletter contains characters that are not allowed',
          ),
      ),
    listId: listField,
    segmentId: segmentField,
    ratePerMinute: z.preprocess(
      blankToUndefined,
      z.coerce
        .number({ error: 'Enter the messages per minute as a whole number, or leave it empty' })
        .int('Enter the messages per minute as a whole number, or leave it empty')
        .min(1, 'Messages per minute must be at least 1')
        .max(100_000, 'Messages per minute must be 100,000 or fewer')
        .optional(),
    ),
    inArchive: checkbox,
  })
  .superRefine((v, ctx) => {
    const subject = placeholderProblem(v.subject);
    if (subject) ctx.addIssue({ code: 'custom', path: ['subject'], message: subject });
    const body = placeholderProblem(v.body);
    if (body) ctx.addIssue({ code: 'custom', path: ['body'], message: body });
    else if (placeholderInLink(v.body)) {
      ctx.addIssue({
        code: 'custom',
        path: ['body'],
        message: 'Placeholders cannot go inside a link address: a supporter’s name must not be sent to another website',
      });
    }
  });

export type NewsletterInput = z.output<typeof NewsletterFormSchema>;

/** The lists and segments a newsletter can go to, for the compose form. */
export interface AudienceOptions {
  lists: Array<{ id: number; name: string; mailable: number }>;
  segments: Segment[];
}

/** Every list that is not archived, with how many supporters it could be sent to now, and every saved segment. */
export async function audienceOptions(core: Core): Promise<AudienceOptions> {
  const rows = await listOpenLists(core.db);
  const counts = await Promise.all(rows.map((l) => countRecipients(core, l.id, null)));
  const segments = await listSegments(core.db).catch(() => [] as Segment[]);
  return { lists: rows.map((l, i) => ({ id: l.id, name: l.name, mailable: counts[i]! })), segments };
}

/** How many supporters a list and segment would reach if sent now (throws when the segment is gone or unreadable). */
export async function countRecipients(core: Core, listId: number, segmentId: number | null): Promise<number> {
  return (await listNewsletterAudience(core.db, { listId, segmentId })).length;
}

async function checkAudience(core: Core, input: NewsletterInput): Promise<void> {
  if ((await listName(core, input.listId)) === undefined) throw new DomainError('invalid', 'Choose a list.', { listId: 'Choose a list' });
  if (input.segmentId !== undefined) {
    try {
      await segmentFilters(core.db, input.segmentId);
    } catch {
      throw new DomainError('invalid', 'Choose a segment.', { segmentId: 'Choose a segment that still exists, or none' });
    }
  }
}

function columnsOf(input: NewsletterInput) {
  return {
    subject: input.subject,
    body: input.body,
    list_id: input.listId,
    segment_id: input.segmentId ?? null,
    rate_per_minute: input.ratePerMinute ?? null,
    in_archive: input.inArchive ? 1 : 0,
  };
}

/** Saves a new draft; returns its id. */
export async function createNewsletter(core: Core, staffId: number, input: NewsletterInput): Promise<number> {
  await checkAudience(core, input);
  await checkImages(core, input.body, { field: 'body' });
  const now = Date.now();
  return core.db.transaction().execute(async (trx) => {
    const id = await insertNewsletter(trx, { ...columnsOf(input), status: 'draft', created_by: staffId, created_at: now, updated_at: now });
    await recordAudit(trx, { staffId, action: 'newsletter.create', target: `newsletter ${id}` });
    return id;
  });
}

/** Changes a draft (a scheduled newsletter is unscheduled first; one being sent can no longer change). */
export async function updateNewsletter(core: Core, staffId: number, id: number, input: NewsletterInput): Promise<void> {
  await checkAudience(core, input);
  await checkImages(core, input.body, { field: 'body' });
  await core.db.transaction().execute(async (trx) => {
    if (!(await updateNewsletterIf(trx, id, ['draft'], { ...columnsOf(input), last_error: null, updated_at: Date.now() })))
      throw notEditable();
    await recordAudit(trx, { staffId, action: 'newsletter.update', target: `newsletter ${id}` });
  });
}

/** Deletes a draft. */
export async function deleteNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await deleteDraftRow(trx, id))) throw notEditable();
    await recordAudit(trx, { staffId, action: 'newsletter.delete', target: `newsletter ${id}` });
  });
}

const notEditable = () => new DomainError('conflict', 'Only a draft can be changed. Unschedule it first, or copy it into a new draft.');

/** One newsletter, or not_found. */
export async function getNewsletter(db: DbOrTrx, id: number): Promise<Newsletter> {
  const r = await findNewsletter(db, id);
  if (!r) throw new DomainError('not_found', 'There is no such newsletter.');
  return rowToNewsletter(r);
}

/** Newsletters, newest first, with the names of their lists. */
export async function listNewsletters(
  core: Core,
  o: { limit: number; offset: number },
): Promise<Array<Newsletter & { listName: string | null }>> {
  const rows = await listNewsletterRows(core.db, o);
  const ids = [...new Set(rows.flatMap((r) => (r.list_id === null ? [] : [r.list_id])))];
  const names = new Map(await Promise.all(ids.map(async (id) => [id, (await listName(core, id)) ?? null] as const)));
  return rows.map((r) => ({ ...rowToNewsletter(r), listName: r.list_id === null ? null : (names.get(r.list_id) ?? null) }));
}

/** The name of a newsletter's list and segment, for pages. */
export async function audienceNames(core: Core, n: Newsletter): Promise<{ list: string | null; segment: string | null }> {
  let segment: string | null = null;
  if (n.segmentId !== null)
    segment =
      (await listSegments(core.db).catch(() => [] as Segment[])).find((s) => s.id === n.segmentId)?.name ??
      'a segment that no longer exists';
  return { list: n.listId === null ? null : ((await listName(core, n.listId)) ?? null), segment };
}

/** What the newsletter's staff page shows: the newsletter, its audience, and its count (unsent) or progress (sent). */
export interface NewsletterOverview {
  newsletter: Newsletter;
  timeZone: string;
  audience: { list: string | null; segment: string | null };
  /** How many it would reach if sent now (unsent, with a list; undefined when the segment cannot be read). */
  count: number | undefined;
  progress: Progress | undefined;
  /** The public web version, once it is in the archive. */
  webUrl: string | null;
}

/** Everything the newsletter's staff page shows, loaded at once. */
export async function newsletterOverview(core: Core, id: number): Promise<NewsletterOverview> {
  const x = await getNewsletter(core.db, id);
  const site = await getSiteSettings(core.db);
  const unsent = x.status === 'draft' || x.status === 'scheduled';
  const [audience, count, progress] = await Promise.all([
    audienceNames(core, x),
    unsent && x.listId !== null ? countRecipients(core, x.listId, x.segmentId).catch(() => undefined) : Promise.resolve(undefined),
    unsent ? Promise.resolve(undefined) : newsletterProgress(core.db, id),
  ]);
  const webUrl = x.inArchive && x.archiveSlug && !unsent && x.status !== 'cancelled' ? webVersionUrl(core, x.archiveSlug) : null;
  return { newsletter: x, timeZone: site.timeZone, audience, count, progress, webUrl };
}

// ---- rendering -------------------------------------------------------------------------------------------------

/** The address of the public web version of a newsletter. */
export function webVersionUrl(core: Core, slug: string): string {
  return `${core.config.baseUrl}/newsletters/${encodeURIComponent(slug)}`;
}

/** A newsletter rendered once for sending: the same template for the test, the preview and every recipient. */
export async function compileFor(
  core: Core,
  n: Pick<Newsletter, 'subject' | 'body' | 'listId' | 'inArchive' | 'archiveSlug'>,
  site?: SiteSettings,
): Promise<CompiledNewsletter> {
  const s = site ?? (await getSiteSettings(core.db));
  const list = n.listId === null ? undefined : await listName(core, n.listId);
  const slug = n.archiveSlug ?? slugFor(n.subject, Date.now());
  return compileNewsletter({
    subject: n.subject,
    body: n.body,
    orgName: s.orgName,
    listName: list ?? 'our newsletter',
    postalAddress: s.postalAddress,
    charityNumber: s.charityNumber,
    webUrl: n.inArchive ? webVersionUrl(core, slug) : null,
    image: imageAddresser(core, 'email'),
  });
}

/** What the preview shows: the web version, the email as a supporter with no first name on record would get it, and
 *  why it cannot be sent as it is (an image that is not one uploaded to Lantern), if so. */
export interface NewsletterPreview {
  webHtml: string;
  subject: string;
  emailHtml: string;
  emailText: string;
  problem: string | undefined;
}

/** The preview of a newsletter, rendered through the same template as the send. */
export async function previewNewsletter(core: Core, n: Newsletter): Promise<NewsletterPreview> {
  const site = await getSiteSettings(core.db);
  const email = personalise(await compileFor(core, n, site), {
    firstName: null,
    orgName: site.orgName,
    manageUrl: `${core.config.baseUrl}/s/manage/(each-supporter’s-own-link)`,
  });
  return {
    webHtml: renderWebVersion(n.body, site.orgName, imageAddresser(core, 'web')),
    subject: email.subject,
    emailHtml: email.html,
    emailText: email.text,
    problem: await imageProblem(core, n.body),
  };
}

// A test has no supporter of its own. When the staff member's address is a supporter's, the test carries that
// supporter's real links (preferences and one-click unsubscribe), exactly as their copy of the newsletter would.
// Otherwise its preferences link is a signed test link for the staff member, which opens their real preferences page
// if their address has become a supporter's since, and otherwise a page saying what the link does for supporters.
const testLinkSignature = (core: Core, staffId: number) => core.keyring.sign('newsletter-test-link', String(staffId)).slice(0, 32);

/** The test link of a staff member. */
export function testLinkUrl(core: Core, staffId: number): string {
  return `${core.config.baseUrl}/newsletters/test-link/${staffId}.${testLinkSignature(core, staffId)}`;
}

/** Where a test link leads: the staff member's real preferences page (if a supporter has their address), 'explain', or undefined for a link we did not make. */
export async function followTestLink(core: Core, token: string): Promise<{ manageUrl: string } | 'explain' | undefined> {
  const m = /^([1-9]\d{0,14})\.([A-Za-z0-9_-]{32})$/.exec(token);
  if (!m || !safeEqual(testLinkSignature(core, Number(m[1])), m[2]!)) return undefined;
  const staff = await getStaffMember(core, Number(m[1])).catch(() => undefined);
  const supporter = staff ? await findSupporterByEmail(core.db, core.keyring, staff.email) : undefined;
  return supporter && !supporter.erasedAt ? { manageUrl: supporterLink(core, 'manage', supporter.publicId) } : 'explain';
}

/** Sends the newsletter to the signed-in staff member's own address, marked [Test], through the ordinary mail queue. */
export async function sendTestNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  const n = await getNewsletter(core.db, id);
  await checkImages(core, n.body);
  const staff = await getStaffMember(core, staffId);
  const site = await getSiteSettings(core.db);
  const supporter = await findSupporterByEmail(core.db, core.keyring, staff.email);
  const publicId = supporter && !supporter.erasedAt ? supporter.publicId : undefined;
  const email = personalise(await compileFor(core, n, site), {
    firstName: staff.name.split(/\s+/)[0] ?? null,
    orgName: site.orgName,
    manageUrl: publicId ? supporterLink(core, 'manage', publicId) : testLinkUrl(core, staffId),
  });
  await core.db.transaction().execute(async (trx) => {
    await core.mailer.enqueue(trx, {
      to: staff.email,
      subject: `[Test] ${email.subject}`,
      html: email.html,
      text: email.text,
      ...(publicId && n.listId !== null ? { headers: listUnsubscribeHeaders(core, publicId, n.listId) } : {}),
      category: 'transactional',
    });
    await recordAudit(trx, { staffId, action: 'newsletter.test', target: `newsletter ${id}` });
  });
}

// ---- sending ---------------------------------------------------------------------------------------------------

/** A URL-safe slug for the archive from the subject and the day it is sent: "2026-11-25-the-cotton-report". */
export function slugFor(subject: string, at: number): string {
  const words = subject
    .replace(/\{\{[^{}]*\}\}/g, ' ')
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return `${new Date(at).toISOString().slice(0, 10)}-${words || 'newsletter'}`;
}

async function freeSlug(db: DbOrTrx, base: string): Promise<string> {
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base}-${n}`;
    if (!(await archiveSlugTaken(db, slug))) return slug;
  }
}

/**
 * Starts sending: in one transaction the newsletter becomes "sending", one pending delivery is written per
 * supporter the audience reaches now (one INSERT … SELECT), and the first bulk job is queued. Returns how many
 * recipients. staffId is null when the schedule starts it.
 */
export async function startSending(
  core: Core,
  staffId: number | null,
  id: number,
  o: { from?: readonly NewsletterStatus[] } = {},
): Promise<number> {
  const n = await getNewsletter(core.db, id);
  const from = o.from ?? UNSENT;
  if (!from.includes(n.status)) throw new DomainError('conflict', 'This newsletter has already been sent or is being sent.');
  if (n.listId === null) throw new DomainError('invalid', 'Choose a list before sending.', { listId: 'Choose a list' });
  await checkImages(core, n.body);
  const listId = n.listId;
  // The audience is resolved before the transaction, as it always was: a segment that cannot be read refuses the send
  // with its own error before anything changes.
  if (n.segmentId !== null) await segmentFilters(core.db, n.segmentId);
  const now = Date.now();
  try {
    return await core.db.transaction().execute(async (trx) => {
      const slug = await freeSlug(trx, slugFor(n.subject, now));
      if (
        !(await updateNewsletterIf(trx, id, from, {
          status: 'sending',
          started_at: now,
          archive_slug: slug,
          last_error: null,
          updated_at: now,
        }))
      ) {
        throw new DomainError('conflict', 'This newsletter has already been sent or is being sent.');
      }
      // Who the audience reaches at the moment the newsletter becomes "sending", written in one statement.
      const supporterIds = await listNewsletterAudience(trx, { listId, segmentId: n.segmentId });
      const count = await insertDeliveries(trx, { newsletterId: id, supporterIds, now });
      await setRecipientCount(trx, id, count);
      await core.queue.enqueue(trx, 'sendNewsletter', { newsletterId: id }, { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS });
      await recordAudit(trx, { staffId, action: 'newsletter.send', target: `newsletter ${id}`, details: { recipients: count } });
      return count;
    });
  } catch (err) {
    // Two sends of newsletters with the same subject on the same day, at the same moment: the slug clashed.
    if (isUniqueViolation(err)) throw new DomainError('conflict', 'Another newsletter was starting at the same moment. Please try again.');
    throw err;
  }
}

/** How many times a bulk job is tried before it is parked for staff (with backoff capped at an hour: about two days). */
export const SENDER_MAX_ATTEMPTS = 50;

/** Schedules a draft (or moves a scheduled one) to start sending at a time (UTC ms, in the future). */
export async function scheduleNewsletter(core: Core, staffId: number, id: number, at: number): Promise<void> {
  if (at <= Date.now()) throw new DomainError('invalid', 'Choose a time in the future.', { sendAt: 'Choose a time in the future' });
  const n = await getNewsletter(core.db, id);
  if (n.listId === null) throw new DomainError('invalid', 'Choose a list before scheduling.', { listId: 'Choose a list' });
  await checkImages(core, n.body);
  await core.db.transaction().execute(async (trx) => {
    if (!(await updateNewsletterIf(trx, id, UNSENT, { status: 'scheduled', scheduled_at: at, last_error: null, updated_at: Date.now() }))) {
      throw new DomainError('conflict', 'This newsletter has already been sent or is being sent.');
    }
    // One job per scheduled time: it starts the send only if the newsletter is still scheduled for that time.
    await core.queue.enqueue(
      trx,
      'startScheduledNewsletter',
      { newsletterId: id, at },
      { lane: 'bulk', runAt: at, uniqueKey: `newsletter:${id}:at:${at}`, maxAttempts: 20 },
    );
    await recordAudit(trx, {
      staffId,
      action: 'newsletter.schedule',
      target: `newsletter ${id}`,
      details: { at: new Date(at).toISOString() },
    });
  });
}

/** Takes a scheduled newsletter back to draft. */
export async function unscheduleNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await updateNewsletterIf(trx, id, ['scheduled'], { status: 'draft', scheduled_at: null, updated_at: Date.now() }))) {
      throw new DomainError('conflict', 'This newsletter is not scheduled.');
    }
    await recordAudit(trx, { staffId, action: 'newsletter.unschedule', target: `newsletter ${id}` });
  });
}

/** The scheduled start: sends the newsletter if it is still scheduled for this time; otherwise does nothing. */
export async function startScheduled(core: Core, id: number, at: number): Promise<void> {
  const r = await findNewsletter(core.db, id);
  if (!r || r.status !== 'scheduled' || r.scheduled_at !== at) return;
  try {
    await startSending(core, null, id, { from: ['scheduled'] });
  } catch (err) {
    if (!(err instanceof DomainError)) throw err;
    // The audience cannot be resolved (its segment became unreadable, say): back to draft, saying why.
    await updateNewsletterIf(core.db, id, ['scheduled'], {
      status: 'draft',
      scheduled_at: null,
      last_error: `The scheduled send could not start: ${err.message}`,
      updated_at: Date.now(),
    });
  }
}

/** Pauses a send: the sender stops between messages and keeps its place. */
export async function pauseNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  await transition(core, staffId, id, {
    from: ['sending'],
    to: 'paused',
    action: 'newsletter.pause',
    refusal: 'This newsletter is not being sent.',
  });
}

/** Resumes a paused send where it stopped: only the recipients not yet sent to get it. */
export async function resumeNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  await transition(core, staffId, id, {
    from: ['paused'],
    to: 'sending',
    action: 'newsletter.resume',
    refusal: 'This newsletter is not paused.',
    then: (trx) =>
      core.queue
        .enqueue(trx, 'sendNewsletter', { newsletterId: id }, { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS })
        .then(() => undefined),
  });
}

/** Cancels a send for good: nobody else gets it; those who already have, keep it. */
export async function cancelNewsletter(core: Core, staffId: number, id: number): Promise<void> {
  await transition(core, staffId, id, {
    from: ['sending', 'paused'],
    to: 'cancelled',
    action: 'newsletter.cancel',
    refusal: 'This newsletter is not being sent.',
    finished: true,
  });
}

async function transition(
  core: Core,
  staffId: number,
  id: number,
  o: {
    from: readonly NewsletterStatus[];
    to: NewsletterStatus;
    action: string;
    refusal: string;
    finished?: boolean;
    then?: (trx: DbOrTrx) => Promise<void>;
  },
): Promise<void> {
  await getNewsletter(core.db, id);
  await core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    if (!(await updateNewsletterIf(trx, id, o.from, { status: o.to, updated_at: now, ...(o.finished ? { finished_at: now } : {}) }))) {
      throw new DomainError('conflict', o.refusal);
    }
    await o.then?.(trx);
    await recordAudit(trx, { staffId, action: o.action, target: `newsletter ${id}` });
  });
}

/** How a send is going. */
export interface Progress {
  total: number;
  sent: number;
  failed: number;
  /** No longer eligible when their turn came (unsubscribed, erased, suppressed). */
  skipped: number;
  /** Not sent yet (or, once cancelled, never to be). */
  remaining: number;
  /** Messages sent in the last minute. */
  ratePerMinute: number;
}

/** Counts of a newsletter's deliveries by outcome, and the current rate. */
export async function newsletterProgress(db: Db, id: number): Promise<Progress> {
  const { byStatus, sentLastMinute } = await deliveryCounts(db, id, Date.now());
  const total = byStatus.pending + byStatus.sent + byStatus.failed + byStatus.skipped;
  return {
    total,
    sent: byStatus.sent,
    failed: byStatus.failed,
    skipped: byStatus.skipped,
    remaining: byStatus.pending,
    ratePerMinute: sentLastMinute,
  };
}

// ---- scheduling times ------------------------------------------------------------------------------------------

// The scheduling times are wall-clock times in the organisation's time zone (core/time.ts).

/** What staff enter to schedule a send: a date and time in the organisation's time zone. */
export const ScheduleFormSchema = z.object({
  sendAt: z.string({ error: 'Enter a date and time' }).trim().regex(DATETIME_LOCAL, 'Enter a date and time, like 2026-12-01 09:30'),
});

// ---- the public archive ----------------------------------------------------------------------------------------

/** A newsletter as the public archive shows it: nothing personal, placeholders filled in for nobody in particular. */
export interface ArchivedNewsletter {
  slug: string;
  subject: string;
  sentAt: number;
  html: string;
  updatedAt: number;
}

function archiveSubject(subject: string, orgName: string): string {
  return subject.replace(/\{\{\s*first_name\s*\}\}/g, () => FALLBACK_NAME).replace(/\{\{\s*org_name\s*\}\}/g, () => orgName);
}

/** Newsletters in the public archive, newest first (one page, and whether there are more). */
export async function listArchive(
  core: Core,
  page: number,
  perPage = 20,
): Promise<{ items: Array<Omit<ArchivedNewsletter, 'html'>>; more: boolean }> {
  const site = await getSiteSettings(core.db);
  const rows = await listArchivedRows(core.db, { limit: perPage + 1, offset: (page - 1) * perPage });
  return {
    items: rows.slice(0, perPage).map((r) => ({
      slug: r.archive_slug!,
      subject: archiveSubject(r.subject, site.orgName),
      sentAt: r.started_at ?? r.updated_at,
      updatedAt: r.updated_at,
    })),
    more: rows.length > perPage,
  };
}

/** One newsletter of the public archive, or undefined. */
export async function getArchived(core: Core, slug: string): Promise<ArchivedNewsletter | undefined> {
  const r = await findArchivedBySlug(core.db, slug);
  if (!r) return undefined;
  const site = await getSiteSettings(core.db);
  return {
    slug: r.archive_slug!,
    subject: archiveSubject(r.subject, site.orgName),
    sentAt: r.started_at ?? r.updated_at,
    html: renderWebVersion(r.body, site.orgName, imageAddresser(core, 'web')),
    updatedAt: r.updated_at,
  };
}

// ---- segments in use ------------------------------------------------------------------------------------------

/**
 * Newsletters not yet sent (or cancelled) addressed to a segment: deleting that segment would silently turn their
 * audience into the whole list, so supporters refuses it while there are any.
 * Answers why a segment may not be deleted, or undefined.
 */
export async function segmentInUse(db: DbOrTrx, segmentId: number): Promise<string | undefined> {
  const unsent = await findUnsentNewslettersOfSegment(db, segmentId);
  if (unsent.length === 0) return undefined;
  return `This segment is the audience of a newsletter that has not been sent (“${unsent[0]!.subject}”). Change that newsletter's audience first.`;
}

// ---- the supporter's timeline ----------------------------------------------------------------------------------

const DELIVERY_TITLES: Record<DeliveryStatus, string> = {
  pending: 'Due to be sent',
  sent: 'Sent',
  failed: 'Could not be sent',
  skipped: 'Not sent (skipped)',
};

/** A supporter's newsletter deliveries (the latest 500) as entries of their timeline on the supporter page. */
export async function newsletterTimeline(db: DbOrTrx, supporterId: number): Promise<TimelineEntry[]> {
  return (await listDeliveriesOf(db, supporterId)).map((d) => ({
    at: d.updated_at,
    kind: 'newsletter' as const,
    title: `Newsletter: ${d.subject}`,
    detail: DELIVERY_TITLES[d.status] ?? d.status,
    href: `/admin/newsletters/${d.newsletter_id}`,
  }));
}
