import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { DbOrTrx } from '../core/db/index.js';
import type { Schema } from '../core/db/schema.js';
import type { Channel, DonationStatus, GiftKind } from './model.js';
import type { DonationRow, RegularGiftRow } from './queries.js';

// The staff side's questions of the donations tables: the gift list with its filters and totals, the figures
// (sums per month, fund and channel), monthly donors, and the payment events parked for a person. Kysely only.

/** Which gifts a list, its totals or an export cover (every part optional; times are UTC ms, `to` excluded). */
export interface GiftFilter {
  from?: number | undefined;
  to?: number | undefined;
  /** A fund's id, or 'none' for gifts to no fund in particular. */
  fund?: number | 'none' | undefined;
  channel?: Channel | undefined;
  kind?: GiftKind | undefined;
  status?: DonationStatus | undefined;
  /** Whether the donor asked for Gift Aid. */
  giftAid?: boolean | undefined;
}

/** Statuses whose money came in (a dispute stays counted until it is lost, when it becomes a refund). */
export const RECEIVED_STATUSES: readonly DonationStatus[] = ['paid', 'refunded', 'disputed'];

type GiftQuery<O> = SelectQueryBuilder<Schema, 'donations', O>;

function filtered<O>(q: GiftQuery<O>, f: GiftFilter): GiftQuery<O> {
  if (f.from !== undefined) q = q.where('donations.given_at', '>=', f.from);
  if (f.to !== undefined) q = q.where('donations.given_at', '<', f.to);
  if (f.fund === 'none') q = q.where('donations.fund_id', 'is', null);
  else if (f.fund !== undefined) q = q.where('donations.fund_id', '=', f.fund);
  if (f.channel) q = q.where('donations.channel', '=', f.channel);
  if (f.kind) q = q.where('donations.kind', '=', f.kind);
  if (f.status) q = q.where('donations.status', '=', f.status);
  if (f.giftAid !== undefined) q = q.where('donations.gift_aid', '=', f.giftAid ? 1 : 0);
  return q;
}

/** One line of the gift list: the gift, its fund's name and the donor's encrypted name. */
export interface GiftListRow {
  id: number;
  givenAt: number;
  amountPence: number;
  refundedPence: number;
  kind: GiftKind;
  channel: Channel;
  status: DonationStatus;
  giftAid: boolean;
  fundName: string | null;
  donorId: number | null;
  donorNameEnc: string | null;
}

/** A page of gifts matching the filter, newest first. */
export async function listGiftsPage(db: DbOrTrx, f: GiftFilter, o: { limit: number; offset: number }): Promise<GiftListRow[]> {
  const rows = await filtered(
    db
      .selectFrom('donations')
      .leftJoin('donation_funds', 'donation_funds.id', 'donations.fund_id')
      .leftJoin('donors', 'donors.id', 'donations.donor_id')
      .select([
        'donations.id',
        'donations.given_at',
        'donations.amount_pence',
        'donations.refunded_pence',
        'donations.kind',
        'donations.channel',
        'donations.status',
        'donations.gift_aid',
        'donations.donor_id',
        'donation_funds.name as fund_name',
        'donors.name_enc',
      ]),
    f,
  )
    .orderBy('donations.given_at', 'desc')
    .orderBy('donations.id', 'desc')
    .limit(o.limit)
    .offset(o.offset)
    .execute();
  return rows.map((r) => ({
    id: Number(r.id),
    givenAt: Number(r.given_at),
    amountPence: Number(r.amount_pence),
    refundedPence: Number(r.refunded_pence),
    kind: r.kind,
    channel: r.channel,
    status: r.status,
    giftAid: Number(r.gift_aid) === 1,
    fundName: r.fund_name ?? null,
    donorId: r.donor_id === null ? null : Number(r.donor_id),
    donorNameEnc: r.name_enc ?? null,
  }));
}

/** The totals of a set of gifts: how many, what was given, what was refunded, and what came in net. */
export interface GiftTotals {
  count: number;
  amountPence: number;
  refundedPence: number;
  /** Money received less refunds (pending and failed gifts count nothing). */
  netPence: number;
}

const received = (eb: ExpressionBuilder<Schema, 'donations'>) =>
  eb
    .case()
    .when('donations.status', 'in', [...RECEIVED_STATUSES])
    .then(eb.ref('donations.amount_pence'))
    .else(0)
    .end();

/** The totals of the gifts matching the filter. */
export async function giftTotals(db: DbOrTrx, f: GiftFilter): Promise<GiftTotals> {
  const r = await filtered(
    db
      .selectFrom('donations')
      .select((eb) => [
        eb.fn.countAll<number | string>().as('n'),
        eb.fn.coalesce(eb.fn.sum<number | string | null>('donations.amount_pence'), sql<number>`0`).as('amount'),
        eb.fn.coalesce(eb.fn.sum<number | string | null>('donations.refunded_pence'), sql<number>`0`).as('refunded'),
        eb.fn.coalesce(eb.fn.sum<number | string | null>(received(eb)), sql<number>`0`).as('received'),
      ]),
    f,
  ).executeTakeFirstOrThrow();
  return {
    count: Number(r.n),
    amountPence: Number(r.amount),
    refundedPence: Number(r.refunded),
    netPence: Number(r.received) - Number(r.refunded),
  };
}

/** Money received less refunds, per key, for gifts given in [from, to). */
async function netBy(db: DbOrTrx, key: 'fund_id' | 'channel', from: number, to: number) {
  const rows = await db
    .selectFrom('donations')
    .where('given_at', '>=', from)
    .where('given_at', '<', to)
    .where('status', 'in', [...RECEIVED_STATUSES])
    .select((eb) => [
      `donations.${key}` as const,
      eb.fn.countAll<number | string>().as('n'),
      eb.fn.sum<number | string>(eb(eb.ref('amount_pence'), '-', eb.ref('refunded_pence'))).as('net'),
    ])
    .groupBy(`donations.${key}`)
    .execute();
  return rows.map((r) => ({ key: r[key], count: Number(r.n), netPence: Number(r.net) }));
}

/** Net received per fund (null: no fund) for gifts given in [from, to). */
export async function netByFund(
  db: DbOrTrx,
  from: number,
  to: number,
): Promise<Array<{ fundId: number | null; count: number; netPence: number }>> {
  return (await netBy(db, 'fund_id', from, to)).map((r) => ({
    fundId: r.key === null ? null : Number(r.key),
    count: r.count,
    netPence: r.netPence,
  }));
}

/** Net received per channel for gifts given in [from, to). */
export async function netByChannel(
  db: DbOrTrx,
  from: number,
  to: number,
): Promise<Array<{ channel: Channel; count: number; netPence: number }>> {
  return (await netBy(db, 'channel', from, to)).map((r) => ({ channel: r.key as Channel, count: r.count, netPence: r.netPence }));
}

/** Net received and number of gifts in each [start, end) span, one aggregate per span (each uses the date index). */
export async function netInSpans(
  db: DbOrTrx,
  spans: ReadonlyArray<{ from: number; to: number }>,
): Promise<Array<{ count: number; netPence: number }>> {
  return Promise.all(
    spans.map(async (s) => {
      const r = await db
        .selectFrom('donations')
        .where('given_at', '>=', s.from)
        .where('given_at', '<', s.to)
        .where('status', 'in', [...RECEIVED_STATUSES])
        .select((eb) => [
          eb.fn.countAll<number | string>().as('n'),
          eb.fn
            .coalesce(eb.fn.sum<number | string | null>(eb(eb.ref('amount_pence'), '-', eb.ref('refunded_pence'))), sql<number>`0`)
            .as('net'),
        ])
        .executeTakeFirstOrThrow();
      return { count: Number(r.n), netPence: Number(r.net) };
    }),
  );
}

/** Monthly donors in figures: active gifts and their monthly value, cancelled since `churnSince`, started since `newSince`. */
export async function regularGiftFigures(
  db: DbOrTrx,
  o: { churnSince: number; newSince: number },
): Promise<{ active: number; activeMonthlyPence: number; paused: number; cancelled: number; started: number }> {
  const r = await db
    .selectFrom('regular_gifts')
    .select((eb) => {
      const count = (when: Expression<SqlBool>) => eb.fn.sum<number | string | null>(eb.case().when(when).then(1).else(0).end());
      const live = eb('status', 'in', ['active', 'past_due']);
      return [
        count(live).as('active'),
        eb.fn.sum<number | string | null>(eb.case().when(live).then(eb.ref('amount_pence')).else(0).end()).as('value'),
        count(eb('status', '=', 'paused')).as('paused'),
        count(eb.and([eb('status', '=', 'cancelled'), eb('cancelled_at', '>=', o.churnSince)])).as('cancelled'),
        count(eb.and([eb('started_at', '>=', o.newSince), eb('status', '!=', 'pending')])).as('started'),
      ];
    })
    .executeTakeFirstOrThrow();
  return {
    active: Number(r.active ?? 0),
    activeMonthlyPence: Number(r.value ?? 0),
    paused: Number(r.paused ?? 0),
    cancelled: Number(r.cancelled ?? 0),
    started: Number(r.started ?? 0),
  };
}

/** Monthly gifts whose last payment failed since `since`, most recent first. */
export async function failedRegularGifts(db: DbOrTrx, since: number, limit = 50): Promise<RegularGiftRow[]> {
  return db
    .selectFrom('regular_gifts')
    .selectAll()
    .where('failed_at', '>=', since)
    .where('status', '!=', 'cancelled')
    .orderBy('failed_at', 'desc')
    .limit(limit)
    .execute();
}

/** How many monthly gifts had a payment fail since `since` (and are not cancelled). */
export async function countFailedRegularGifts(db: DbOrTrx, since: number): Promise<number> {
  const r = await db
    .selectFrom('regular_gifts')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('failed_at', '>=', since)
    .where('status', '!=', 'cancelled')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** A payment event as staff see it: never its payload. */
export interface PaymentEventLine {
  id: number;
  type: string;
  occurredAt: number;
  receivedAt: number;
  state: 'applied' | 'parked' | 'ignored';
  note: string;
}

const eventLine = (r: {
  id: number;
  type: string;
  occurred_at: number;
  received_at: number;
  state: 'applied' | 'parked' | 'ignored';
  note: string;
}): PaymentEventLine => ({
  id: Number(r.id),
  type: r.type,
  occurredAt: Number(r.occurred_at),
  receivedAt: Number(r.received_at),
  state: r.state,
  note: r.note,
});

/** The payment events parked for a person, oldest first. */
export async function parkedEvents(db: DbOrTrx, limit = 200): Promise<PaymentEventLine[]> {
  const rows = await db
    .selectFrom('payment_events')
    .select(['id', 'type', 'occurred_at', 'received_at', 'state', 'note'])
    .where('state', '=', 'parked')
    .orderBy('received_at')
    .orderBy('id')
    .limit(limit)
    .execute();
  return rows.map(eventLine);
}

/** How many payment events are parked. */
export async function countParkedEvents(db: DbOrTrx): Promise<number> {
  const r = await db
    .selectFrom('payment_events')
    .select((eb) => eb.fn.countAll<number | string>().as('n'))
    .where('state', '=', 'parked')
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * Payment events of the given types received from `since` on, oldest first, with their encrypted payloads: the
 * events table keeps no reference to the gift an event is about, so the caller decrypts these to find out.
 */
export async function eventsWithPayloadSince(
  db: DbOrTrx,
  o: { since: number; types: readonly string[]; limit: number },
): Promise<Array<PaymentEventLine & { payloadEnc: string }>> {
  const rows = await db
    .selectFrom('payment_events')
    .select(['id', 'type', 'occurred_at', 'received_at', 'state', 'note', 'payload_enc'])
    .where('received_at', '>=', o.since)
    .where('type', 'in', [...o.types])
    .orderBy('id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => ({ ...eventLine(r), payloadEnc: r.payload_enc }));
}

/** One row of the accounts export: the gift, its fund's name and the donor's encrypted name and email. */
export type ExportRow = DonationRow & { fund_name: string | null; name_enc: string | null; email_enc: string | null };

/** The next gifts of an export after (givenAt, id), in date order: a keyset page, so a long export stays quick. */
export async function exportPage(
  db: DbOrTrx,
  f: GiftFilter,
  o: { after: { givenAt: number; id: number } | undefined; limit: number },
): Promise<ExportRow[]> {
  let q = filtered(
    db
      .selectFrom('donations')
      .leftJoin('donation_funds', 'donation_funds.id', 'donations.fund_id')
      .leftJoin('donors', 'donors.id', 'donations.donor_id')
      .selectAll('donations')
      .select(['donation_funds.name as fund_name', 'donors.name_enc', 'donors.email_enc']),
    f,
  );
  const after = o.after;
  if (after)
    q = q.where((eb) =>
      eb.or([
        eb('donations.given_at', '>', after.givenAt),
        eb.and([eb('donations.given_at', '=', after.givenAt), eb('donations.id', '>', after.id)]),
      ]),
    );
  const rows = await q.orderBy('donations.given_at').orderBy('donations.id').limit(o.limit).execute();
  return rows as ExportRow[];
}

/** Changes a gift's refunded amount and status, only if nothing else changed it since it was read (false otherwise). */
export async function recordRefundIfUnchanged(
  db: DbOrTrx,
  id: number,
  o: { wasRefundedPence: number; refundedPence: number; status: DonationStatus; now: number },
): Promise<boolean> {
  const r = await db
    .updateTable('donations')
    .set({ refunded_pence: o.refundedPence, status: o.status, updated_at: o.now })
    .where('id', '=', id)
    .where('refunded_pence', '=', o.wasRefundedPence)
    .where('status', '=', 'paid')
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}
