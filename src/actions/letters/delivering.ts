import type { Core } from '../../core/context.js';
import type { Trx } from '../../core/db/index.js';
import { PermanentJobError } from '../../core/jobs/worker.js';
import { getSiteSettings } from '../../core/settings.js';
import { letterCopyEmail } from './emails.js';
import { nextSlot } from './pace.js';
import {
  findDelivery,
  findLetter,
  insertDelivery,
  latestSlotFor,
  listDeliveriesOf,
  lockLetter,
  lockRecipient,
  updateDeliveryIf,
  updateLetterIf,
  type DeliveryRow,
  type LetterRow,
} from './queries.js';
import { DELIVERY_ATTEMPTS, FOLLOWUP_AFTER_MS } from './limits.js';
import { getLetterAction, rowToLetter } from './reading.js';
import { type Recipient, type Representative, mpRecipient, targetRecipients } from './recipients.js';
import { messageWords, type LetterAction } from './settings.js';
import { composeLetter } from './writing.js';

// Delivering: one delivery per recipient with its slot under the pace limit, sent by a job from the platform with
// Reply-To the writer; permanent failures are parked for staff, temporary ones retried.

/**
 * Writes one delivery per recipient of a letter that may now go (confirmed, or approved by staff), each with its
 * slot under the pace limit and its sending job, in the caller's transaction. The unique (letter, recipient) index
 * makes this safe to repeat: a recipient already holding a delivery is skipped. Returns the slots given.
 */
export async function createDeliveries(
  trx: Trx,
  core: Core,
  action: LetterAction,
  row: LetterRow,
  rep: Representative,
  now: number,
): Promise<number[]> {
  let recipients: Array<Recipient | { key: string; name: string; party: string | null; error: string }>;
  if (action.kind === 'email_target') recipients = await targetRecipients(trx, action.id);
  else {
    if (rep?.mp?.email) recipients = [mpRecipient(rep.constituency, { ...rep.mp, email: rep.mp.email })];
    else {
      // The seat fell vacant, or the MP stopped publishing an address, after the letter was written: staff see why.
      const key = `mp:${row.constituency_code ?? 'unknown'}`;
      recipients = [
        {
          key,
          name: rep?.mp?.name ?? 'No sitting MP',
          party: rep?.mp?.party ?? null,
          error: 'This MP has no email address on record, so the letter could not be sent.',
        },
      ];
    }
  }
  const slots: number[] = [];
  for (const r of recipients) {
    if ('error' in r) {
      await insertDelivery(trx, {
        letter_id: row.id,
        action_id: action.id,
        recipient_key: r.key,
        recipient_name: r.name,
        recipient_email: '',
        party: r.party,
        status: 'failed',
        not_before: now,
        sent_at: null,
        error: r.error,
        created_at: now,
      });
      continue;
    }
    await lockRecipient(trx, r.key);
    const slot = nextSlot({ lastSlot: await latestSlotFor(trx, r.key), now, perHour: action.settings.pacePerHour });
    const id = await insertDelivery(trx, {
      letter_id: row.id,
      action_id: action.id,
      recipient_key: r.key,
      recipient_name: r.name,
      recipient_email: r.email,
      party: r.party,
      status: 'waiting',
      not_before: slot,
      sent_at: null,
      error: null,
      created_at: now,
    });
    if (id === undefined) continue;
    slots.push(slot);
    await core.queue.enqueue(trx, 'sendConfirmedLetter', { deliveryId: id }, { runAt: slot, maxAttempts: DELIVERY_ATTEMPTS });
  }
  return slots;
}

// ---- delivering (the sendConfirmedLetter job) ----

/** The Message-ID of one delivery: the same on every attempt, so a repeat after a crash is recognisably the same message. */
export function deliveryMessageId(core: Core, deliveryId: number): string {
  const host = core.config.baseUrl ? new URL(core.config.baseUrl).hostname : 'lantern.invalid';
  return `<letter.${deliveryId}.${core.keyring.sign('letter-message-id', String(deliveryId)).slice(0, 16)}@${host}>`;
}

/**
 * Sends one letter to one recipient, once: a delivery no longer waiting is skipped, and the outcome is committed
 * right after the send, so a crash between the two repeats at most this one message (with the same Message-ID).
 * A refusal with 5xx marks the delivery failed with the server's words for staff; any other failure is thrown for
 * the job to retry with backoff, and on the last attempt the delivery is marked failed too. When the letter's last
 * delivery is done, the letter is marked sent and its writer gets a copy.
 */
export async function deliverLetter(
  core: Core,
  deliveryId: number,
  o: { lastAttempt: boolean; now?: number },
): Promise<'sent' | 'failed' | 'skipped' | 'early'> {
  const now = o.now ?? Date.now();
  const d = await findDelivery(core.db, deliveryId);
  if (!d || d.status !== 'waiting') return 'skipped';
  if (d.not_before > now + 1_000) {
    // Run too soon (a retry by staff racing a slot): come back at the slot.
    await core.queue.enqueue(core.db, 'sendConfirmedLetter', { deliveryId }, { runAt: d.not_before, maxAttempts: DELIVERY_ATTEMPTS });
    return 'early';
  }
  const row = await findLetter(core.db, Number(d.letter_id));
  const action = row ? await getLetterAction(core.db, { id: Number(row.action_id) }) : undefined;
  if (!row || !action || (row.status !== 'queued' && row.status !== 'sent')) {
    const what = action ? messageWords(action.kind).one : 'letter';
    await updateDeliveryIf(core.db, deliveryId, 'waiting', { status: 'failed', error: `The ${what} was withdrawn before it was sent.` });
    return 'failed';
  }
  const letter = rowToLetter(core, row);
  const site = await getSiteSettings(core.db);
  const text = composeLetter({
    recipient: { greeting: `Dear ${d.recipient_name},` },
    letter,
    orgName: site.orgName,
    actionTitle: action.title,
    forMp: action.kind === 'letter_mp',
  });
  try {
    // Plain text only: the writer's words are never HTML, whatever they typed.
    await core.mailer.deliver({
      to: d.recipient_email,
      replyTo: letter.email,
      subject: letter.subject,
      text,
      html: '',
      messageId: deliveryMessageId(core, deliveryId),
    });
  } catch (err) {
    if (err instanceof PermanentJobError || o.lastAttempt) {
      await finishDelivery(core, action, d, { status: 'failed', error: (err as Error).message.slice(0, 500) }, now);
      return 'failed';
    }
    throw err;
  }
  await finishDelivery(core, action, d, { status: 'sent' }, Date.now());
  return 'sent';
}

/** Records a delivery's outcome and, when it was the letter's last, marks the letter sent and queues the writer's copy. */
async function finishDelivery(
  core: Core,
  action: LetterAction,
  d: DeliveryRow,
  outcome: { status: 'sent' } | { status: 'failed'; error: string },
  now: number,
): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    // The letter's row is the lock that orders its deliveries' last steps, so exactly one of them sees the end.
    const row = await lockLetter(trx, Number(d.letter_id));
    const set =
      outcome.status === 'sent'
        ? { status: 'sent' as const, sent_at: now, error: null }
        : { status: 'failed' as const, error: outcome.error };
    await updateDeliveryIf(trx, Number(d.id), 'waiting', set);
    if (!row || row.status !== 'queued') return;
    const all = await listDeliveriesOf(trx, Number(row.id));
    if (all.some((x) => x.status === 'waiting')) return;
    const sent = all.filter((x) => x.status === 'sent');
    // Nothing went (every recipient refused): the letter stays queued, and staff see the failures with a retry button.
    if (sent.length === 0) return;
    const done = await updateLetterIf(trx, Number(row.id), ['queued'], {
      status: 'sent',
      sent_at: now,
      followup_at: action.kind === 'letter_mp' ? now + FOLLOWUP_AFTER_MS : null,
    });
    if (!done) return;
    const letter = rowToLetter(core, row);
    const text = composeLetter({
      recipient: { greeting: `Dear ${sent[0]!.recipient_name},` },
      letter,
      orgName: site.orgName,
      actionTitle: action.title,
      forMp: action.kind === 'letter_mp',
    });
    const mail = letterCopyEmail({
      orgName: site.orgName,
      actionTitle: action.title,
      recipients: sent.map((x) => x.recipient_name),
      subject: letter.subject,
      text,
      forMp: action.kind === 'letter_mp',
      words: messageWords(action.kind),
    });
    await core.mailer.enqueue(trx, { ...mail, to: letter.email }, { uniqueKey: `letter-copy:${row.id}` });
  });
}
