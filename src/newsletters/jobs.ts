import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { insertMailRecord } from '../core/mail/queries.js';
import { PermanentJobError, type JobContext, type JobHandler } from '../core/jobs/worker.js';
import { getSiteSettings, type SiteSettings } from '../core/settings.js';
import { listUnsubscribeHeaders, mailableRecipients, markUndeliverable, supporterLink } from '../supporters/service.js';
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
} from './queries.js';
import {
  DEFAULT_SENDER,
  sendSlice,
  type Messenger,
  type Outcome,
  type SenderOptions,
  type SenderStore,
  type SliceNewsletter,
} from './sender.js';
import { compileFor, SENDER_MAX_ATTEMPTS, startScheduled } from './service.js';

// The newsletter jobs, and the real store and messenger the sender (sender.ts) works through: the newsletter's row
// and its deliveries in the database, supporters asked whether each recipient may still be mailed, and the bulk
// SMTP pool.

export { DEFAULT_SENDER, type SenderOptions } from './sender.js';

const SendPayload = z.object({ newsletterId: z.number().int().positive() });
const ScheduledPayload = z.object({ newsletterId: z.number().int().positive(), at: z.number().int() });

/** The newsletter job handlers: sendNewsletter (one slice of a send) and startScheduledNewsletter. */
export function newsletterJobs(core: Core, options: Partial<SenderOptions> = {}): Record<string, JobHandler> {
  const o = { ...DEFAULT_SENDER, ...options };
  return {
    sendNewsletter: async (payload: unknown, ctx: JobContext) => {
      const p = SendPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('sendNewsletter payload is malformed');
      await sendNewsletterSlice(core, p.data.newsletterId, ctx, o);
    },
    startScheduledNewsletter: async (payload: unknown) => {
      const p = ScheduledPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('startScheduledNewsletter payload is malformed');
      await startScheduled(core, p.data.newsletterId, p.data.at);
    },
  };
}

/** One job's slice of a send, through the database store and the bulk SMTP messenger. */
async function sendNewsletterSlice(core: Core, newsletterId: number, ctx: JobContext, options: SenderOptions): Promise<void> {
  const runner = `job:${ctx.jobId}:${ctx.attempt}:${randomBytes(4).toString('hex')}`;
  await sendSlice({
    store: databaseStore(core, { newsletterId, runner, jobId: ctx.jobId }),
    openMessenger: () => bulkMessenger(core, newsletterId),
    options,
    logger: core.logger,
    newsletterId,
  });
}

/** The sender's store over the database: the sender lock and status on the newsletter's row, its deliveries, and supporters' re-check. */
function databaseStore(core: Core, o: { newsletterId: number; runner: string; jobId: number }): SenderStore {
  const { db } = core;
  const { newsletterId, runner } = o;
  return {
    takeLock: (until) => takeSenderLock(db, { newsletterId, runner, jobId: o.jobId, until, now: Date.now() }),
    renewLock: (until) => renewSenderLock(db, { newsletterId, runner, until }),
    status: () => senderStatus(db, { newsletterId, runner }),
    async newsletter(): Promise<SliceNewsletter | undefined> {
      const row = await findNewsletter(db, newsletterId);
      return row && { status: row.status, listId: row.list_id, ratePerMinute: row.rate_per_minute };
    },
    async nextRecipients({ listId, afterId, limit }) {
      const pending = await findPendingDeliveries(db, { newsletterId, afterId, limit });
      // Each recipient re-checked by supporters now: still subscribed, confirmed, with an address, not undeliverable,
      // erased or suppressed. A newsletter without a list reaches nobody.
      const mailable =
        listId === null || pending.length === 0
          ? []
          : await mailableRecipients(
              core,
              listId,
              pending.map((d) => d.supporterId),
            );
      const bySupporter = new Map(mailable.map((r) => [r.supporterId, r]));
      return pending.map((d) => ({ deliveryId: d.id, recipient: bySupporter.get(d.supporterId) ?? null }));
    },
    recordOutcomes: (outcomes) => recordOutcomes(core, outcomes),
    hasPending: () => hasPendingDeliveries(db, newsletterId),
    async release({ lastError, next }) {
      await db.transaction().execute(async (trx) => {
        await releaseSenderLock(trx, { newsletterId, runner, values: lastError === undefined ? {} : { last_error: lastError } });
        if (next) {
          await core.queue.enqueue(
            trx,
            'sendNewsletter',
            { newsletterId },
            { lane: 'bulk', maxAttempts: SENDER_MAX_ATTEMPTS, runAt: next.runAt },
          );
        }
      });
    },
    finish: ({ subject }) => finish(core, newsletterId, runner, subject),
  };
}

/** Commits a group of outcomes in one transaction; an address refused for good is marked undeliverable with it. */
async function recordOutcomes(core: Core, group: readonly Outcome[]): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const of = (s: Outcome['status']) => group.filter((g) => g.status === s).map((g) => g.id);
    await setDeliveryStatus(trx, of('sent'), 'sent', { now });
    await setDeliveryStatus(trx, of('skipped'), 'skipped', { now });
    for (const outcome of group) {
      if (outcome.status !== 'failed') continue;
      await setDeliveryStatus(trx, [outcome.id], 'failed', { error: outcome.error, now });
      if (outcome.undeliverable !== null) await markUndeliverable(trx, core.keyring, outcome.undeliverable);
    }
  });
}

/** The messenger over the bulk SMTP pool: the newsletter compiled once, personalised for each recipient. */
async function bulkMessenger(core: Core, newsletterId: number): Promise<Messenger> {
  const row = await findNewsletter(core.db, newsletterId);
  if (!row) throw new Error('the newsletter is gone');
  const site = await getSiteSettings(core.db);
  const compiled: CompiledNewsletter = await compileFor(
    core,
    { subject: row.subject, body: row.body, listId: row.list_id, inArchive: row.in_archive === 1, archiveSlug: row.archive_slug },
    site,
  );
  const host = new URL(core.config.baseUrl).hostname;
  const listId = row.list_id ?? -1;
  return {
    subject: personalise(compiled, { firstName: null, orgName: site.orgName, manageUrl: '' }).subject,
    send: (deliveryId, r) => sendOneNewsletter(core, { compiled, site, host, listId, newsletterId, deliveryId }, r),
  };
}

async function sendOneNewsletter(
  core: Core,
  o: { compiled: CompiledNewsletter; site: SiteSettings; host: string; listId: number; newsletterId: number; deliveryId: number },
  r: { publicId: string; email: string; firstName: string | null },
): Promise<void> {
  const { site } = o;
  const email = personalise(o.compiled, {
    firstName: r.firstName,
    orgName: site.orgName,
    manageUrl: supporterLink(core, 'manage', r.publicId),
  });
  await core.mailer.sendBulk({
    to: r.email,
    ...email,
    ...(site.contactEmail ? { replyTo: site.contactEmail } : {}),
    // RFC 8058 one-click unsubscribe from this list (DKIM, when configured, signs both headers).
    headers: listUnsubscribeHeaders(core, r.publicId, o.listId),
    // Stable per delivery: a message repeated after a crash carries the same Message-ID.
    messageId: `<${core.keyring.sign('newsletter-message-id', `${o.newsletterId}:${o.deliveryId}`).slice(0, 24)}@${o.host}>`,
  });
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
