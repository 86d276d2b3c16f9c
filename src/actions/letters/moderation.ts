import { z } from 'zod';
import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import type { KindWaiting } from '../kinds.js';
import type { LetterStatus } from './tables.js';
import { getSiteSettings } from '../../core/settings.js';
import { DomainError } from '../../core/web/errors.js';
import { multilineText } from '../../core/web/forms.js';
import { recordAudit } from '../../core/audit.js';
import { letterRejectedEmail } from './emails.js';
import {
  countFailedDeliveriesByAction,
  countHeldLettersByAction,
  countLettersByStatus,
  deliverySummary,
  findDelivery,
  findLetter,
  listDeliveriesOf,
  listFailedDeliveries,
  listHeldLetters,
  lockLetter,
  updateDeliveryIf,
  updateLetterIf,
} from './queries.js';
import { mpOfLetter } from './recipients.js';
import { constituencyNames } from '../../representatives/service.js';
import { createDeliveries } from './delivering.js';
import { DELIVERY_ATTEMPTS } from './limits.js';
import { getLetterAction, rowToLetter } from './reading.js';
import { messageWords } from './settings.js';
import { actionKinds } from '../service.js';

// Moderation: staff read held letters, approve (they go, under the pace limit) or reject them (the writer is told
// why), and retry failed deliveries. Every decision is audited.

// ---- moderation (staff) ----

/** A constituency's name by its code, from the representatives' data (null when there is no code or it is unknown). */
const nameOf = (places: ReadonlyMap<string, string>, code: string | null) => (code === null ? null : (places.get(code) ?? null));

/** The moderation page's data: letters held, the counts per state, deliveries (waiting, sent, failed) and the failures. */
export async function moderationOverview(core: Core, actionId: number) {
  const [held, counts, deliveries, failed, places] = await Promise.all([
    listHeldLetters(core.db, actionId, 200),
    countLettersByStatus(core.db, actionId),
    deliverySummary(core.db, actionId),
    listFailedDeliveries(core.db, actionId, 100),
    constituencyNames(core.db),
  ]);
  return {
    held: held.map((r) => ({ ...rowToLetter(core, r), constituencyName: nameOf(places, r.constituency_code) })),
    counts: Object.fromEntries(counts) as Partial<Record<LetterStatus, number>>,
    deliveries,
    failed: failed.map((f) => ({
      id: Number(f.id),
      letterId: Number(f.letter_id),
      recipient: f.recipient_name,
      error: f.error ?? '',
      at: Number(f.created_at),
    })),
  };
}

/** One letter of an action for staff, with its deliveries; undefined when it is not this action's. */
export async function letterForStaff(core: Core, actionId: number, letterId: number) {
  const row = await findLetter(core.db, letterId);
  if (!row || Number(row.action_id) !== actionId || row.status === 'unconfirmed') return undefined;
  const deliveries = (await listDeliveriesOf(core.db, letterId)).map((d) => ({
    id: Number(d.id),
    recipient: d.recipient_name,
    party: d.party,
    status: d.status,
    notBefore: Number(d.not_before),
    sentAt: d.sent_at === null ? null : Number(d.sent_at),
    error: d.error,
  }));
  return { letter: rowToLetter(core, row), constituencyName: nameOf(await constituencyNames(core.db), row.constituency_code), deliveries };
}

export const RejectSchema = z.object({ reason: multilineText('the reason, which the writer will read', { max: 1_000 }) });

/** Approves a held letter: it goes now, under the pace limit. Throws DomainError('conflict') if already dealt with. */
export async function approveLetter(core: Core, staffId: number, actionId: number, letterId: number, now = Date.now()): Promise<void> {
  // The MP is found before the transaction (see confirmLetter); a held letter's constituency no longer changes.
  const mp = await mpOfLetter(core, (await findLetter(core.db, letterId))?.constituency_code ?? null);
  await core.db.transaction().execute(async (trx) => {
    const row = await lockLetter(trx, letterId);
    const action = await getLetterAction(trx, { id: actionId });
    if (!row || !action || Number(row.action_id) !== actionId) throw new DomainError('not_found', 'There is no such letter.');
    if (row.status !== 'held') throw new DomainError('conflict', `This ${messageWords(action.kind).one} has already been dealt with.`);
    await updateLetterIf(trx, letterId, ['held'], { status: 'queued', decided_at: now, decided_by: staffId });
    await createDeliveries(trx, core, action, row, row.constituency_code === mp.code ? mp.rep : undefined, now);
    await recordAudit(trx, { staffId, action: 'letter.approve', target: `letter ${letterId}`, details: { action: actionId } });
  });
}

/** Rejects a held letter with a reason its writer is emailed. Throws DomainError('conflict') if already dealt with. */
export async function rejectLetter(
  core: Core,
  staffId: number,
  actionId: number,
  letterId: number,
  reason: string,
  now = Date.now(),
): Promise<void> {
  const site = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    const row = await lockLetter(trx, letterId);
    const action = await getLetterAction(trx, { id: actionId });
    if (!row || !action || Number(row.action_id) !== actionId) throw new DomainError('not_found', 'There is no such letter.');
    if (row.status !== 'held') throw new DomainError('conflict', `This ${messageWords(action.kind).one} has already been dealt with.`);
    await updateLetterIf(trx, letterId, ['held'], { status: 'rejected', decided_at: now, decided_by: staffId });
    const letter = rowToLetter(core, row);
    const mail = letterRejectedEmail({
      orgName: site.orgName,
      actionTitle: action.title,
      reason,
      actionLink: `${core.config.baseUrl}/act/${action.slug}`,
      forMp: action.kind === 'letter_mp',
      words: messageWords(action.kind),
    });
    await core.mailer.enqueue(trx, { ...mail, to: letter.email });
    await recordAudit(trx, { staffId, action: 'letter.reject', target: `letter ${letterId}`, details: { action: actionId } });
  });
}

/** Tries a failed delivery again (staff), at once. Throws DomainError('conflict') unless it failed. */
export async function retryDelivery(core: Core, staffId: number, actionId: number, deliveryId: number, now = Date.now()): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const d = await findDelivery(trx, deliveryId);
    if (!d || Number(d.action_id) !== actionId) throw new DomainError('not_found', 'There is no such delivery.');
    if (d.recipient_email === '')
      throw new DomainError('conflict', 'This recipient has no email address, so the letter cannot be sent again.');
    if (!(await updateDeliveryIf(trx, deliveryId, 'failed', { status: 'waiting', error: null, not_before: now })))
      throw new DomainError('conflict', 'This delivery is not a failed one.');
    await core.queue.enqueue(trx, 'sendConfirmedLetter', { deliveryId }, { runAt: now, maxAttempts: DELIVERY_ATTEMPTS });
    await recordAudit(trx, {
      staffId,
      action: 'letter.retry_delivery',
      target: `letter ${Number(d.letter_id)}`,
      details: { action: actionId, delivery: deliveryId },
    });
  });
}

/** Letters held for staff to read, and deliveries that failed for good, per action (for the dashboard). */
export async function lettersWaiting(db: DbOrTrx): Promise<KindWaiting[]> {
  const [held, failed] = await Promise.all([countHeldLettersByAction(db), countFailedDeliveriesByAction(db)]);
  // Letters to MPs and emails to targets share these tables: each notice names what its action collects.
  const kinds = await actionKinds(
    db,
    [...held, ...failed].map((x) => x.actionId),
  );
  const words = (actionId: number) => messageWords(kinds.get(actionId) ?? 'letter_mp');
  const plural = (n: number, one: string, many: string) => (n === 1 ? one : many.replace('#', n.toLocaleString('en-GB')));
  return [
    ...held.map((h) => ({
      actionId: h.actionId,
      count: h.count,
      label: plural(h.count, `1 ${words(h.actionId).one} is waiting for approval`, `# ${words(h.actionId).many} are waiting for approval`),
      href: `/admin/actions/${h.actionId}/letters`,
      permission: 'actions:moderate',
    })),
    ...failed.map((f) => ({
      actionId: f.actionId,
      count: f.count,
      label: plural(f.count, `1 ${words(f.actionId).one} could not be delivered`, `# ${words(f.actionId).many} could not be delivered`),
      href: `/admin/actions/${f.actionId}/letters`,
      permission: 'actions:moderate',
    })),
  ];
}
