import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { redact } from '../core/log.js';
import { insertMailRecord } from '../core/mail/queries.js';
import { PermanentJobError, type JobContext, type JobHandler } from '../core/jobs/worker.js';
import { getSiteSettings } from '../core/settings.js';
import { listUnsubscribeHeaders, markUndeliverable, supporterLink } from '../supporters/service.js';
import { personalise, type CompiledNewsletter } from './emails.js';
import {
  deliveryCounts,
  findNewsletter,
  findPendingDeliveries,
  hasPendingDeliveries,
  releaseSenderLock,
  renewSenderLock,
  senderStatus,
  setDeliveryStatus,
  takeSenderLock,
  updateNewsletterIf,
  type PendingDelivery,
} from './queries.js';
import { compileFor, SENDER_MAX_ATTEMPTS, startScheduled } from './service.js';

// The bulk sender. One job at a time sends a newsletter (the sender lock on its row says which), for a slice of
// time, then hands over to a fresh job: so a worker asked to stop is never held up for long, and a crash loses
// at most the slice's messages in flight. Within a slice the sender keeps up to `window` messages in flight,
// re-checks each recipient in the statement that fetches them, and records each outcome right after its send:
// outcomes that finish together share one commit (group commit), but none waits for a later fetch, so progress
// is committed per send and never per fetch (the listmonk #3022 bug: marking a whole batch before sending it
// skips recipients after a crash).

export interface SenderOptions {
  /** Most messages handed to the mail server whose outcome is not yet committed: all a crash can repeat. */
  window: number;
  /** Most messages being sent at once: enough to keep every connection of the bulk pool busy, and no more (each holds memory). */
  concurrency: number;
  /**
   * How long an outcome waits for others to share its commit. On SQLite a commit's fsync holds up the whole
   * process (node:sqlite is synchronous), so a commit per message or two would spend most of the time there.
   */
  commitDelayMs: number;
  /** How long one job sends before handing over to the next. */
  sliceMs: number;
  /** How long the sender lock holds unless renewed (it is renewed every sixth of that). */
  lockMs: number;
  /** How often the sender rereads the newsletter's status: a pause or cancel stops it within this, between messages. */
  pollMs: number;
}

export const DEFAULT_SENDER: SenderOptions = {
  window: 64,
  concurrency: 10,
  commitDelayMs: 50,
  sliceMs: 10_000,
  lockMs: 60_000,
  pollMs: 100,
};

/** Recipients fetched (and re-checked) at once when not throttled: about a tenth of a second of sending. */
const CHUNK = 64;
/** The oldest a re-check may be when its message goes: fetched rows older than this are fetched (and checked) again. */
const MAX_CHECK_AGE_MS = 200;

const SendPayload = z.object({ newsletterId: z.number().int().positive() });
const ScheduledPayload = z.object({ newsletterId: z.number().int().positive(), at: z.number().int() });

/** The newsletter job handlers: sendNewsletter (one slice of a send) and startScheduledNewsletter. */
export function newsletterJobs(core: Core, options: Partial<SenderOptions> = {}): Record<string, JobHandler> {
  const o = { ...DEFAULT_SENDER, ...options };
  return {
    sendNewsletter: async (payload: unknown, ctx: JobContext) => {
      const p = SendPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('sendNewsletter payload is malformed');
      await sendSlice(core, p.data.newsletterId, ctx, o);
    },
    startScheduledNewsletter: async (payload: unknown) => {
      const p = ScheduledPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('startScheduledNewsletter payload is malformed');
      await startScheduled(core, p.data.newsletterId, p.data.at);
    },
  };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

type Outcome =
  | { id: number; status: 'sent' }
  | { id: number; status: 'skipped' }
  | { id: number; status: 'failed'; error: string; undeliverable: number | null };

/** Which failures are whose: the recipient's address (suppress it), this message (record it), or the mail server (retry later). */
function classifySendError(err: unknown): 'address' | 'message' | 'temporary' {
  const e = err as { code?: string; command?: string; responseCode?: number };
  const permanent = typeof e.responseCode === 'number' && e.responseCode >= 500 && e.responseCode < 600;
  // A recipient refused with 5xx, or an address nodemailer cannot even put in an envelope.
  if (e.code === 'EENVELOPE' && (e.command === 'RCPT TO' ? permanent : e.command === 'API')) return 'address';
  if (e.code === 'EMESSAGE' && permanent) return 'message';
  // Everything else (connection refused, timeouts, 4xx, a refused sender or login) is about the server or its
  // settings, not this recipient: suppressing addresses for it would silently empty the list.
  return 'temporary';
}

/** Records outcomes as they come, each group in one transaction; add() resolves once that outcome is committed. */
class Recorder {
  private batch: Array<{ outcome: Outcome; done: () => void; fail: (e: unknown) => void }> = [];
  private flushing: Promise<void> | undefined;

  constructor(
    private readonly core: Core,
    private readonly delayMs: number,
  ) {}

  add(outcome: Outcome): Promise<void> {
    const p = new Promise<void>((done, fail) => this.batch.push({ outcome, done, fail }));
    this.flushing ??= this.flush();
    return p;
  }

  private async flush(): Promise<void> {
    if (this.delayMs > 0) await sleep(this.delayMs);
    while (this.batch.length) {
      const group = this.batch.splice(0, 500);
      try {
        await this.core.db.transaction().execute(async (trx) => {
          const now = Date.now();
          const of = (s: Outcome['status']) => group.filter((g) => g.outcome.status === s).map((g) => g.outcome.id);
          await setDeliveryStatus(trx, of('sent'), 'sent', { now });
          await setDeliveryStatus(trx, of('skipped'), 'skipped', { now });
          for (const { outcome } of group) {
            if (outcome.status !== 'failed') continue;
            await setDeliveryStatus(trx, [outcome.id], 'failed', { error: outcome.error, now });
            if (outcome.undeliverable !== null) await markUndeliverable(trx, this.core.keyring, outcome.undeliverable);
          }
        });
        for (const g of group) g.done();
      } catch (err) {
        for (const g of group) g.fail(err);
      }
    }
    this.flushing = undefined;
  }
}

/** One job's slice of a send. */
async function sendSlice(core: Core, newsletterId: number, ctx: JobContext, o: SenderOptions): Promise<void> {
  const { db, keyring, logger } = core;
  const runner = `job:${ctx.jobId}:${ctx.attempt}:${randomBytes(4).toString('hex')}`;
  const lock = await takeSenderLock(db, { newsletterId, runner, jobId: ctx.jobId, until: Date.now() + o.lockMs, now: Date.now() });
  if (lock === 'not_sending') return;
  // Another job is sending it (a resume pressed while the paused sender was still finishing its last messages):
  // try again shortly, when that one has let go.
  if (lock === 'held') throw new Error('another sender is still finishing this newsletter; trying again shortly');

  const state = { status: 'sending' as string, lost: false };
  let temporary: unknown = null;
  let sentInSlice = 0;
  // Reading the status is a cheap read, done often; renewing the lock is a write (a commit), done rarely.
  let renewedAt = Date.now();
  const heartbeat = setInterval(() => {
    const renew = Date.now() - renewedAt >= o.lockMs / 6;
    if (renew) renewedAt = Date.now();
    (renew ? renewSenderLock(db, { newsletterId, runner, until: Date.now() + o.lockMs }) : senderStatus(db, { newsletterId, runner }))
      .then((s) => {
        if (s === null) state.lost = true;
        else state.status = s;
      })
      .catch(() => {
        // The database is unreachable for a moment: the commits will fail too and end the slice.
      });
  }, o.pollMs);

  // Messages handed over and not yet committed (the window), and of those, the ones still being sent.
  let inWindow = 0;
  let sending = 0;
  let freed: (() => void) | undefined;
  const drained = async () => {
    while (inWindow > 0) await new Promise<void>((r) => (freed = r));
  };

  try {
    const row = await findNewsletter(db, newsletterId);
    if (!row || row.status !== 'sending') {
      await releaseSenderLock(db, { newsletterId, runner });
      return;
    }
    const site = await getSiteSettings(db);
    const compiled: CompiledNewsletter = await compileFor(
      core,
      { subject: row.subject, body: row.body, listId: row.list_id, inArchive: row.in_archive === 1, archiveSlug: row.archive_slug },
      site,
    );
    const host = new URL(core.config.baseUrl).hostname;
    const listId = row.list_id;
    const rate = row.rate_per_minute;
    const interval = rate ? 60_000 / rate : 0;
    // Throttled, a fetch holds about the messages of one check's lifetime.
    const chunk = rate ? Math.max(1, Math.min(CHUNK, Math.ceil((rate / 60_000) * MAX_CHECK_AGE_MS))) : CHUNK;
    const deadline = Date.now() + o.sliceMs;
    const recorder = new Recorder(core, o.commitDelayMs);
    const recorded: Array<Promise<void>> = [];
    let commitError: unknown = null;
    let nextAt = Date.now();
    let cursor = 0;
    let queue: PendingDelivery[] = [];
    let fetchedAt = 0;
    let exhausted = false;

    const stopping = () => state.lost || state.status !== 'sending' || temporary !== null || commitError !== null || Date.now() >= deadline;
    const record = (outcome: Outcome) => {
      const p = recorder.add(outcome).catch((err: unknown) => {
        commitError ??= err;
      });
      recorded.push(p);
      return p;
    };

    const sendOne = async (d: PendingDelivery, listId: number): Promise<Outcome | null> => {
      let to: string;
      let firstName: string | null;
      try {
        to = keyring.decrypt(d.emailEnc!);
        firstName = keyring.decryptNullable(d.firstNameEnc);
      } catch {
        return { id: d.id, status: 'failed', error: 'the address could not be decrypted', undeliverable: null };
      }
      const email = personalise(compiled, { firstName, orgName: site.orgName, manageUrl: supporterLink(core, 'manage', d.publicId) });
      try {
        await core.mailer.sendBulk({
          to,
          ...email,
          ...(site.contactEmail ? { replyTo: site.contactEmail } : {}),
          // RFC 8058 one-click unsubscribe from this list (DKIM, when configured, signs both headers).
          headers: listUnsubscribeHeaders(core, d.publicId, listId),
          // Stable per delivery: a message repeated after a crash carries the same Message-ID.
          messageId: `<${keyring.sign('newsletter-message-id', `${newsletterId}:${d.id}`).slice(0, 24)}@${host}>`,
        });
        sentInSlice++;
        return { id: d.id, status: 'sent' };
      } catch (err) {
        const kind = classifySendError(err);
        const reason = redact(err instanceof Error ? err.message : String(err), 300);
        if (kind === 'address') return { id: d.id, status: 'failed', error: reason, undeliverable: d.supporterId };
        if (kind === 'message') return { id: d.id, status: 'failed', error: reason, undeliverable: null };
        temporary ??= err;
        // Not recorded: it stays pending and is sent when the job runs again.
        return null;
      }
    };

    while (!stopping()) {
      while ((inWindow >= o.window || sending >= o.concurrency) && !stopping()) await new Promise<void>((r) => (freed = r));
      if (interval > 0) {
        // The throttle: one message per interval. A wait past the slice's end is left to the next job.
        if (nextAt > deadline) break;
        while (Date.now() < nextAt && !stopping()) await sleep(Math.min(o.pollMs, nextAt - Date.now()));
      }
      if (stopping()) break;
      // Each recipient is re-checked at most MAX_CHECK_AGE_MS before their message goes (e-petitions'
      // can_send_email?): rows fetched longer ago than that are fetched, and checked, again.
      if (queue.length > 0 && Date.now() - fetchedAt > MAX_CHECK_AGE_MS) {
        cursor = queue[0]!.id - 1;
        queue = [];
      }
      if (queue.length === 0) {
        fetchedAt = Date.now();
        queue = await findPendingDeliveries(db, { newsletterId, listId, afterId: cursor, limit: chunk });
        if (queue.length === 0) {
          // Nothing fetched: either every recipient has had their turn, or the send was paused or cancelled.
          const status = await renewSenderLock(db, { newsletterId, runner, until: Date.now() + o.lockMs });
          if (status === null) state.lost = true;
          else state.status = status;
          exhausted = true;
          break;
        }
        cursor = queue[queue.length - 1]!.id;
      }
      const d = queue.shift()!;
      if (!d.eligible || d.emailEnc === null || listId === null) {
        void record({ id: d.id, status: 'skipped' });
        continue;
      }
      // The next message may go one interval after this one goes (a slow fetch does not bunch two together).
      if (interval > 0) nextAt = Date.now() + interval;
      inWindow++;
      sending++;
      void sendOne(d, listId)
        .then((outcome) => {
          sending--;
          freed?.();
          return outcome ? record(outcome) : undefined;
        })
        .finally(() => {
          inWindow--;
          freed?.();
        });
    }
    // Every message handed to the mail server is finished and its outcome committed before the lock is let go.
    await drained();
    await Promise.all(recorded);
    if (commitError) throw commitError;

    const values =
      temporary !== null
        ? {
            last_error: `The mail server did not take the messages; Lantern will try again. (${redact(temporary instanceof Error ? temporary.message : String(temporary), 300)})`,
          }
        : sentInSlice > 0
          ? { last_error: null }
          : {};
    if (state.lost) return;
    if (exhausted && state.status === 'sending' && !(await hasPendingDeliveries(db, newsletterId))) {
      await finish(core, newsletterId, runner, personalise(compiled, { firstName: null, orgName: site.orgName, manageUrl: '' }).subject);
      return;
    }
    await db.transaction().execute(async (trx) => {
      await releaseSenderLock(trx, { newsletterId, runner, values });
      // Still sending, and no failure to wait out: the next slice. After a failure the worker retries this job with backoff.
      if (temporary === null && state.status === 'sending') {
        await core.queue.enqueue(
          trx,
          'sendNewsletter',
          { newsletterId },
          { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS, runAt: Math.max(Date.now(), nextAt) },
        );
      }
    });
    if (temporary !== null) {
      logger.warn(
        { newsletter: newsletterId, err: redact(String(temporary)) },
        'newsletter send paused by a mail server failure; retrying with backoff',
      );
      throw temporary;
    }
  } catch (err) {
    // Messages still with the mail server finish first (their outcomes are recorded if the database allows), then
    // the lock is let go so the retry (or a resume) can start at once without sending them again.
    await drained();
    await releaseSenderLock(db, { newsletterId, runner }).catch(() => undefined);
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

/** Marks a newsletter sent once nothing is pending, and records the send in the admin's recent mail. */
async function finish(core: Core, newsletterId: number, runner: string, subject: string): Promise<void> {
  const now = Date.now();
  const done = await core.db.transaction().execute(async (trx) => {
    const changed = await updateNewsletterIf(trx, newsletterId, ['sending'], {
      status: 'sent',
      finished_at: now,
      updated_at: now,
      last_error: null,
    });
    await releaseSenderLock(trx, { newsletterId, runner });
    return changed;
  });
  // Through SMTP the messages themselves are not kept (the deliveries are the record): one line in the recent mail
  // says the newsletter went out. The catcher has already kept every message.
  if (done && core.mailer.transportKind === 'smtp') {
    const { byStatus } = await deliveryCounts(core.db, newsletterId, now);
    const sent = byStatus.sent;
    await insertMailRecord(core.db, {
      category: 'bulk',
      transport: 'smtp',
      status: 'sent',
      to_enc: core.keyring.encrypt(`${sent.toLocaleString('en-GB')} supporter${sent === 1 ? '' : 's'} (newsletter)`),
      subject_enc: core.keyring.encrypt(subject),
      body_enc: null,
      message_id: null,
      created_at: now,
    });
  }
}
