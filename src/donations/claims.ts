import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import type { Keyring } from '../core/crypto.js';
import type { DbOrTrx } from '../core/db/index.js';
import { getSiteSettings } from '../core/settings.js';
import { zonedLocalToUtc } from '../core/time.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, formValues, optionalText, type FormResult } from '../core/web/forms.js';
import {
  claimedCollectionsBetween,
  collectionsOfClaim,
  countGiftsWithoutGiftAid,
  declarationsOfDonors,
  deleteDraftClaim,
  earliestGiftOfClaim,
  findClaimById,
  giftAidGiftsInPeriod,
  giftsOfClaim,
  insertClaim,
  insertCollection,
  releaseCollectionsOfClaim,
  releaseGiftsOfClaim,
  takeCollectionsForClaim,
  takeGiftsForClaim,
  updateClaimIfStatus,
  type ClaimGiftRow,
  type ClaimRow,
  type CollectionRow,
  type GiftCursor,
} from './claim-queries.js';
import { poundsField } from './funds.js';
import { giftAidEligibility, giftAidOn, taxYearOf } from './gift-aid.js';
import type { Declaration, GiftForGiftAid, RowProblem, ScheduleRow } from './model.js';
import { writeScheduleOds, zipParts } from './ods.js';
import type { DeclarationRow } from './queries.js';
import { AGGREGATE_GIFT_MAX_PENCE, aggregateSmallGifts, ROWS_PER_SCHEDULE, scheduleRowFor, validateScheduleRow } from './schedule.js';

// Gift Aid claims to HMRC: a claim takes the eligible, unclaimed gifts of a period (a conditional UPDATE, so two
// claims never take the same gift) and the period's small cash collections (GASDS), builds HMRC's schedule rows
// from each gift's covering declaration, checks every row the way HMRC's schedule does, and writes the schedule as
// .ods parts of 1,000 rows. While a claim is a draft its rows are rebuilt from the declarations as they are now,
// so a corrected declaration shows at once. Everything is read in batches (keyset), and only the fields a row
// needs are decrypted: a claim of 100,000 gifts never holds more than a batch of them at a time.

/** Gifts read at a time (and the size of an `id in (…)` list). */
const BATCH = 1000;
/**
 * The Gift Aid Small Donations Scheme: a charity may claim a top-up on up to £8,000 of small cash and contactless
 * gifts (£30 or less each) a tax year (HMRC, from 2016–17). The top-up is 25% of what is claimed, as Gift Aid.
 * HMRC's other conditions (Gift Aid claimed in the same year, at most ten times the Gift Aid gifts) are the
 * treasurer's to check: Lantern shows the figure to enter in HMRC's form, it does not submit it.
 */
export const GASDS_ALLOWANCE_PENCE = 800_000;
/** Each gift in a GASDS collection must be £30 or less. */
export const GASDS_GIFT_MAX_PENCE = 3000;
/** Rows with problems kept to show on a claim's page (the rest are counted). */
export const PROBLEMS_SHOWN = 200;

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

/** The start of a calendar day ("2026-12-01") in the zone, or undefined when it is not one. */
export function dayStart(day: string, timeZone: string): number | undefined {
  if (!DAY_TEXT.test(day)) return undefined;
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const utc = new Date(Date.UTC(y, m - 1, d));
  if (utc.getUTCFullYear() !== y || utc.getUTCMonth() !== m - 1 || utc.getUTCDate() !== d) return undefined;
  return zonedLocalToUtc(`${day}T00:00`, timeZone) ?? undefined;
}

/** The calendar day after `day` ("2026-12-31" → "2027-01-01"). */
export function nextDay(day: string): string {
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** A calendar day typed on a form: its message when it is not a day, is in the future or is before 2000. */
export function dayProblem(day: string, o: { today: string; what: string; example: string }): string | undefined {
  if (!DAY_TEXT.test(day) || dayStart(day, 'UTC') === undefined) return `Enter ${o.what}, like ${o.example}`;
  if (day > o.today) return `${o.what[0]!.toUpperCase()}${o.what.slice(1).replace(/^the /, 'The ')} cannot be in the future`;
  if (day < '2000-01-01') return `${o.what[0]!.toUpperCase()}${o.what.slice(1)} must be in the year 2000 or later`;
  return undefined;
}

// ---- declarations, decrypted only as far as a row needs -------------------------------------------------------------------

/**
 * A declaration whose personal fields are decrypted when first read: the rules read only its dates (and the
 * postcode), a schedule row five fields, and nothing reads the street address. The fields are getters on the
 * prototype, so each declaration is one small object holding its row.
 */
class LazyDeclaration implements Declaration {
  readonly id: number;
  readonly donorId: number;
  readonly wordingVersion: string;
  readonly channel: Declaration['channel'];
  readonly madeAt: number;
  readonly coversFrom: number;
  readonly letterSentAt: number | null;
  readonly cancelledAt: number | null;
  readonly supersededAt: number | null;
  #plain: Partial<Record<'title' | 'firstName' | 'lastName' | 'house' | 'address' | 'postcode', string>> = {};

  constructor(
    private readonly keyring: Keyring,
    private readonly row: DeclarationRow,
  ) {
    this.id = Number(row.id);
    this.donorId = Number(row.donor_id);
    this.wordingVersion = row.wording_version;
    this.channel = row.channel;
    this.madeAt = Number(row.made_at);
    this.coversFrom = Number(row.covers_from);
    this.letterSentAt = row.letter_sent_at === null ? null : Number(row.letter_sent_at);
    this.cancelledAt = row.cancelled_at === null ? null : Number(row.cancelled_at);
    this.supersededAt = row.superseded_at === null ? null : Number(row.superseded_at);
  }

  get title() {
    return (this.#plain.title ??= this.keyring.decrypt(this.row.title_enc));
  }
  get firstName() {
    return (this.#plain.firstName ??= this.keyring.decrypt(this.row.first_name_enc));
  }
  get lastName() {
    return (this.#plain.lastName ??= this.keyring.decrypt(this.row.last_name_enc));
  }
  get house() {
    return (this.#plain.house ??= this.keyring.decrypt(this.row.house_enc));
  }
  get address() {
    return (this.#plain.address ??= this.keyring.decrypt(this.row.address_enc));
  }
  get postcode() {
    return (this.#plain.postcode ??= this.keyring.decrypt(this.row.postcode_enc));
  }
}

/** A declaration row whose personal fields are decrypted only when read. */
export function lazyDeclaration(keyring: Keyring, r: DeclarationRow): Declaration {
  return new LazyDeclaration(keyring, r);
}

/** Donors whose declarations are kept between batches (a monthly donor's gifts fall in many batches). */
const DONORS_KEPT = 5_000;

/**
 * The declarations of a batch's donors, by donor, from `kept` when already read (each decrypted at most once for
 * the whole claim); `kept` is emptied when it reaches DONORS_KEPT, so it stays small whatever the claim's size.
 */
async function declarationsFor(
  db: DbOrTrx,
  keyring: Keyring,
  gifts: readonly ClaimGiftRow[],
  kept: Map<number, Declaration[]> = new Map(),
): Promise<Map<number, Declaration[]>> {
  const missing = [...new Set(gifts.map((g) => g.donorId).filter((d): d is number => d !== null && !kept.has(d)))];
  if (kept.size + missing.length > DONORS_KEPT) kept.clear();
  for (const d of missing) kept.set(d, []);
  for (const r of await declarationsOfDonors(db, missing)) kept.get(Number(r.donor_id))!.push(lazyDeclaration(keyring, r));
  return kept;
}

const forRules = (g: ClaimGiftRow, claimId: number | null): GiftForGiftAid => ({
  id: g.id,
  donorId: g.donorId,
  givenAt: g.givenAt,
  amountPence: g.amountPence,
  refundedPence: g.refundedPence,
  status: g.status,
  fromCompany: g.fromCompany,
  benefitPence: g.benefitPence,
  claimId,
});

// ---- building a claim's rows ---------------------------------------------------------------------------------------------

/** One row of a claim's schedule with what is wrong with it (or the gift that no longer qualifies). */
export interface ClaimLine {
  /** The row, or undefined for a gift in the claim that no declaration covers any more. */
  row: ScheduleRow | undefined;
  problems: RowProblem[];
  /** The gift (undefined on an aggregated line). */
  giftId: number | undefined;
  donorId: number | undefined;
  /** The declaration the row's name and address come from (where a problem is fixed). */
  declarationId: number | undefined;
  /** Why the gift no longer qualifies, when it does not (the claim releases it when checked again). */
  ineligible: string | undefined;
}

/** How a claim's rows are built and checked: at which moment, in which zone, with which aggregated-line limit. */
export interface BuildOptions {
  now: number;
  timeZone: string;
  aggregateLimitPence: number;
  /** Put gifts of £20 or less on aggregated lines (no names). */
  aggregate: boolean;
}

/** Builds the rows of a batch of gifts that qualify, holding back the small ones when they are aggregated. */
function linesOfBatch(
  gifts: ReadonlyArray<{ gift: ClaimGiftRow; declaration: Declaration; claimablePence: number }>,
  o: BuildOptions,
  small: Array<{ givenAt: number; claimablePence: number }>,
): ClaimLine[] {
  const out: ClaimLine[] = [];
  for (const { gift, declaration, claimablePence } of gifts) {
    if (o.aggregate && claimablePence <= AGGREGATE_GIFT_MAX_PENCE) {
      small.push({ givenAt: gift.givenAt, claimablePence });
      continue;
    }
    const row = scheduleRowFor(declaration, { givenAt: gift.givenAt, claimablePence });
    out.push({
      row,
      problems: validateScheduleRow(row, o),
      giftId: gift.id,
      donorId: gift.donorId ?? undefined,
      declarationId: declaration.id,
      ineligible: undefined,
    });
  }
  return out;
}

/** The aggregated lines of the small gifts held back, each checked. */
function aggregatedLines(small: ReadonlyArray<{ givenAt: number; claimablePence: number }>, o: BuildOptions): ClaimLine[] {
  if (small.length === 0) return [];
  const rows = aggregateSmallGifts([...small], { limitPence: o.aggregateLimitPence, maxGiftPence: AGGREGATE_GIFT_MAX_PENCE });
  return rows.map((row) => ({
    row,
    problems: validateScheduleRow(row, o),
    giftId: undefined,
    donorId: undefined,
    declarationId: undefined,
    ineligible: undefined,
  }));
}

/**
 * Every line of a claim as its gifts and declarations are now, in batches: a gift that no longer qualifies (its
 * declaration was cancelled, the gift refunded) is a line with the reason. `onLines` gets each batch's lines in
 * order, aggregated lines last. Returns how many gifts qualify.
 */
export async function eachClaimLine(
  db: DbOrTrx,
  keyring: Keyring,
  claimId: number,
  o: BuildOptions,
  onLines: (lines: ClaimLine[]) => void | Promise<void>,
): Promise<number> {
  let qualifying = 0;
  const small: Array<{ givenAt: number; claimablePence: number }> = [];
  const kept = new Map<number, Declaration[]>();
  for (let afterId = 0; ;) {
    const gifts = await giftsOfClaim(db, claimId, { afterId, limit: BATCH });
    if (gifts.length === 0) break;
    afterId = gifts[gifts.length - 1]!.id;
    const declarations = await declarationsFor(db, keyring, gifts, kept);
    const good: Array<{ gift: ClaimGiftRow; declaration: Declaration; claimablePence: number }> = [];
    const lines: ClaimLine[] = [];
    for (const gift of gifts) {
      const e = giftAidEligibility(forRules(gift, null), declarations.get(gift.donorId ?? -1) ?? [], { now: o.now });
      if (e.eligible) good.push({ gift, declaration: e.declaration, claimablePence: e.claimablePence });
      else
        lines.push({
          row: undefined,
          problems: [{ field: 'donationDate', message: `This gift no longer qualifies: ${e.reason}` }],
          giftId: gift.id,
          donorId: gift.donorId ?? undefined,
          declarationId: undefined,
          ineligible: e.reason,
        });
    }
    qualifying += good.length;
    await onLines([...linesOfBatch(good, o, small), ...lines]);
  }
  const last = aggregatedLines(small, o);
  if (last.length > 0) await onLines(last);
  return qualifying;
}

/** What a claim's rows add up to, with the first rows that have problems. */
export interface ClaimSummary {
  rows: number;
  gifts: number;
  totalPence: number;
  problemRows: number;
  /** The first PROBLEMS_SHOWN rows with problems. */
  problems: ClaimLine[];
  /** Gifts in the claim that no longer qualify. */
  ineligibleGiftIds: number[];
}

/** Adds lines to a summary. */
function summariseInto(s: ClaimSummary, lines: readonly ClaimLine[]): void {
  for (const l of lines) {
    if (l.ineligible !== undefined) s.ineligibleGiftIds.push(l.giftId!);
    if (l.row) {
      s.rows += 1;
      s.totalPence += l.row.amountPence;
    }
    if (l.problems.length > 0) {
      s.problemRows += 1;
      if (s.problems.length < PROBLEMS_SHOWN) s.problems.push(l);
    }
  }
}

const emptySummary = (): ClaimSummary => ({ rows: 0, gifts: 0, totalPence: 0, problemRows: 0, problems: [], ineligibleGiftIds: [] });

/** A claim's rows as they are now, summed and checked. */
export async function summariseClaim(db: DbOrTrx, keyring: Keyring, claimId: number, o: BuildOptions): Promise<ClaimSummary> {
  const s = emptySummary();
  s.gifts = await eachClaimLine(db, keyring, claimId, o, (lines) => summariseInto(s, lines));
  return s;
}

/** Whether a claim puts small gifts on aggregated lines (the treasurer's choice when it was made). */
export function claimAggregates(claim: ClaimRow): boolean {
  return Number(claim.aggregates_small_gifts) === 1;
}

/** The moment a claim's rows are judged at: now while it is a draft, its submission once submitted. */
export const claimMoment = (claim: ClaimRow, now: number): number =>
  claim.status === 'draft' || claim.submitted_at === null ? now : Number(claim.submitted_at);

/** The options a claim's rows are built with. */
export async function buildOptionsOf(core: Core, claim: ClaimRow, now = Date.now()): Promise<BuildOptions> {
  const site = await getSiteSettings(core.db);
  return {
    now: claimMoment(claim, now),
    timeZone: site.timeZone,
    aggregateLimitPence: site.giftAidAggregateLimitPence,
    aggregate: claimAggregates(claim),
  };
}

// ---- the claim form, and making a claim ---------------------------------------------------------------------------------------

/** A new claim as the form gives it: the first and last days of its period in the organisation's zone. */
export interface ClaimInput {
  fromDay: string;
  toDay: string;
  aggregate: boolean;
}

/** Reads the new claim form against today's date in the zone: the period, or a message per field. */
export function parseClaimForm(body: unknown, o: { today: string }): FormResult<ClaimInput> {
  const values = formValues(body);
  const errors: Record<string, string> = {};
  const fromDay = (values.from ?? '').trim();
  const toDay = (values.to ?? '').trim();
  const fromProblem = dayProblem(fromDay, { today: o.today, what: 'the first day of the period', example: '2026-04-06' });
  const toProblem = dayProblem(toDay, { today: o.today, what: 'the last day of the period', example: '2027-04-05' });
  if (fromProblem) errors.from = fromProblem;
  if (toProblem) errors.to = toProblem;
  if (!fromProblem && !toProblem && fromDay > toDay) errors.to = 'The last day must be on or after the first day';
  const aggregate = checkbox.safeParse(values.aggregate);
  if (Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data: { fromDay, toDay, aggregate: aggregate.success && aggregate.data } };
}

/** Why gifts of a period were left out of a claim, counted by reason. */
export type LeftOut = Map<string, number>;

/** What making a claim did. */
export interface ClaimMade {
  claimId: number;
  summary: ClaimSummary;
  /** Gifts of the period that asked for Gift Aid but were not taken, by reason. */
  leftOut: LeftOut;
  smallDonationsPence: number;
}

const count = (m: LeftOut, reason: string) => m.set(reason, (m.get(reason) ?? 0) + 1);

/**
 * Makes a draft claim for a period (audited): takes every unclaimed gift of the period that qualifies for Gift Aid
 * (each only if no other claim took it first) and the period's small cash collections, builds and checks its
 * rows, and stores its totals. All in one transaction: a failure leaves nothing taken.
 */
export async function createClaim(
  core: Core,
  staffId: number | null,
  input: ClaimInput,
  o: { timeZone: string; now?: number },
): Promise<ClaimMade> {
  const now = o.now ?? Date.now();
  const from = dayStart(input.fromDay, o.timeZone);
  const to = dayStart(nextDay(input.toDay), o.timeZone);
  if (from === undefined || to === undefined || from >= to)
    throw new DomainError('invalid', 'That period is not a period of days.', { to: 'The last day must be on or after the first day' });
  const site = await getSiteSettings(core.db);
  const build: BuildOptions = {
    now,
    timeZone: o.timeZone,
    aggregateLimitPence: site.giftAidAggregateLimitPence,
    aggregate: input.aggregate,
  };
  return core.db.transaction().execute(async (trx) => {
    const claimId = await insertClaim(trx, {
      period_from: from,
      period_to: to,
      status: 'draft',
      row_count: 0,
      total_pence: 0,
      small_donations_pence: 0,
      aggregates_small_gifts: input.aggregate ? 1 : 0,
      hmrc_reference: '',
      paid_pence: null,
      created_by: staffId,
      created_at: now,
      submitted_at: null,
      paid_at: null,
    });
    const summary = emptySummary();
    const leftOut: LeftOut = new Map();
    const small: Array<{ givenAt: number; claimablePence: number }> = [];
    const kept = new Map<number, Declaration[]>();
    let after: GiftCursor | null = null;
    for (;;) {
      const read = await giftAidGiftsInPeriod(trx, { from, to, after, limit: BATCH });
      if (read.length === 0) break;
      const last = read[read.length - 1]!;
      const before = after;
      after = { givenAt: last.givenAt, id: last.id };
      const gifts = read.filter((g) => g.claimId === null);
      const declarations = await declarationsFor(trx, core.keyring, gifts, kept);
      const good: Array<{ gift: ClaimGiftRow; declaration: Declaration; claimablePence: number }> = [];
      for (const gift of gifts) {
        const e = giftAidEligibility(forRules(gift, null), declarations.get(gift.donorId ?? -1) ?? [], { now });
        if (e.eligible) good.push({ gift, declaration: e.declaration, claimablePence: e.claimablePence });
        else count(leftOut, e.reason);
      }
      // The whole batch is taken in one statement (each gift only if no other claim has it), then what does not
      // qualify, or was not among the gifts read (given since), is put back.
      const taken = await takeGiftsForClaim(trx, claimId, { from, after: before, through: after, now });
      const goodIds = new Set(good.map((g) => g.gift.id));
      await releaseGiftsOfClaim(
        trx,
        claimId,
        taken.filter((id) => !goodIds.has(id)),
        now,
      );
      const took = new Set(taken);
      const mine = good.filter((g) => took.has(g.gift.id));
      summary.gifts += mine.length;
      for (let i = good.length - mine.length; i > 0; i--) count(leftOut, 'Another claim took it while this one was being made.');
      summariseInto(summary, linesOfBatch(mine, build, small));
    }
    summariseInto(summary, aggregatedLines(small, build));
    const smallDonationsPence = await takeCollectionsForClaim(trx, claimId, { from, to });
    await updateClaimIfStatus(trx, claimId, 'draft', {
      row_count: summary.rows,
      total_pence: summary.totalPence,
      small_donations_pence: smallDonationsPence,
    });
    await recordAudit(trx, {
      staffId,
      action: 'donations.claim.create',
      target: `gift-aid-claim ${claimId}`,
      details: {
        rows: summary.rows,
        gifts: summary.gifts,
        totalPence: summary.totalPence,
        problems: summary.problemRows,
        aggregate: input.aggregate,
      },
    });
    return { claimId, summary, leftOut, smallDonationsPence };
  });
}

/** A claim, or not_found. */
export async function requireClaim(db: DbOrTrx, id: number): Promise<ClaimRow> {
  const claim = await findClaimById(db, id);
  if (!claim) throw new DomainError('not_found', 'There is no such claim.');
  return claim;
}

/**
 * Gifts of a claim's period that asked for Gift Aid and are not in it, counted by why (another claim has them, or
 * the rules' reason), with the gifts that did not ask for it.
 */
export async function leftOutOfClaim(core: Core, claim: ClaimRow, o: { now: number }): Promise<{ reasons: LeftOut; noGiftAid: number }> {
  const reasons: LeftOut = new Map();
  const kept = new Map<number, Declaration[]>();
  const from = Number(claim.period_from);
  const to = Number(claim.period_to);
  let after: GiftCursor | null = null;
  for (;;) {
    const gifts = await giftAidGiftsInPeriod(core.db, { from, to, after, limit: BATCH });
    if (gifts.length === 0) break;
    const last = gifts[gifts.length - 1]!;
    after = { givenAt: last.givenAt, id: last.id };
    const outside = gifts.filter((g) => g.claimId !== Number(claim.id));
    const unclaimed = outside.filter((g) => g.claimId === null);
    for (const g of outside) if (g.claimId !== null) count(reasons, 'It is in another claim.');
    if (unclaimed.length === 0) continue;
    const declarations = await declarationsFor(core.db, core.keyring, unclaimed, kept);
    for (const g of unclaimed) {
      const e = giftAidEligibility(forRules(g, null), declarations.get(g.donorId ?? -1) ?? [], { now: o.now });
      count(reasons, e.eligible ? 'It qualifies, but was given or recorded after this claim was made.' : e.reason);
    }
  }
  return { reasons, noGiftAid: await countGiftsWithoutGiftAid(core.db, { from, to }) };
}

/**
 * Checks a draft claim again (audited): rebuilds its rows from the declarations as they are now, takes out the
 * gifts that no longer qualify, and stores the new totals.
 */
export async function checkClaimAgain(core: Core, staffId: number | null, id: number): Promise<ClaimSummary> {
  const claim = await requireClaim(core.db, id);
  if (claim.status !== 'draft') throw new DomainError('conflict', 'Only a draft claim is checked again: this one has been submitted.');
  const build = await buildOptionsOf(core, claim);
  return core.db.transaction().execute(async (trx) => {
    const summary = await summariseClaim(trx, core.keyring, id, build);
    const released = await releaseGiftsOfClaim(trx, id, summary.ineligibleGiftIds, Date.now());
    await updateClaimIfStatus(trx, id, 'draft', { row_count: summary.rows, total_pence: summary.totalPence });
    await recordAudit(trx, {
      staffId,
      action: 'donations.claim.check',
      target: `gift-aid-claim ${id}`,
      details: { rows: summary.rows, problems: summary.problemRows - summary.ineligibleGiftIds.length, released },
    });
    return { ...summary, problemRows: summary.problemRows - summary.ineligibleGiftIds.length, ineligibleGiftIds: [] };
  });
}

// ---- the schedule file ------------------------------------------------------------------------------------------------------

/** A schedule ready to download. */
export interface ScheduleFile {
  filename: string;
  contentType: string;
  bytes: Uint8Array;
  parts: number;
}

const ODS_TYPE = 'application/vnd.oasis.opendocument.spreadsheet';

/**
 * Writes a claim's schedule (audited): one .ods of up to 1,000 rows, or a .zip of parts. Refused (conflict, with the
 * reason) while any row has a problem, or when the claim changed since it was last checked (its parts would not
 * add up to what its page says).
 */
export async function writeClaimSchedule(core: Core, staffId: number | null, id: number, o: { now?: number } = {}): Promise<ScheduleFile> {
  const claim = await requireClaim(core.db, id);
  const build = await buildOptionsOf(core, claim, o.now);
  const expectedRows = Number(claim.row_count);
  if (expectedRows === 0) throw new DomainError('conflict', 'This claim has no rows, so there is no schedule to download.');
  const of = Math.ceil(expectedRows / ROWS_PER_SCHEDULE);
  const earliestDate = (await earliestGiftOfClaim(core.db, id)) ?? Number(claim.period_from);
  const files: Array<{ name: string; bytes: Uint8Array }> = [];
  const pending: ScheduleRow[] = [];
  let problemRows = 0;
  let rows = 0;
  let totalPence = 0;
  const flush = () => {
    const n = files.length + 1;
    const bytes = writeScheduleOds(pending.splice(0), { timeZone: build.timeZone, earliestDate, ...(of > 1 ? { part: { n, of } } : {}) });
    files.push({ name: of > 1 ? `gift-aid-claim-${id}-part-${n}-of-${of}.ods` : `gift-aid-claim-${id}.ods`, bytes });
  };
  await eachClaimLine(core.db, core.keyring, id, build, (lines) => {
    for (const l of lines) {
      if (l.problems.length > 0 || !l.row) {
        problemRows += 1;
        continue;
      }
      rows += 1;
      totalPence += l.row.amountPence;
      // After a problem nothing more is written: the whole schedule is refused, but the problems are still counted.
      if (problemRows > 0) continue;
      pending.push(l.row);
      if (pending.length === ROWS_PER_SCHEDULE) flush();
    }
  });
  if (problemRows > 0)
    throw new DomainError(
      'conflict',
      `The schedule cannot be downloaded while ${problemRows === 1 ? '1 row has a problem' : `${problemRows.toLocaleString('en-GB')} rows have problems`}: HMRC would reject it. Fix them (each has a link), then check the claim again.`,
    );
  if (rows !== expectedRows || totalPence !== Number(claim.total_pence))
    throw new DomainError(
      'conflict',
      'This claim’s gifts have changed since it was last checked, so its figures are out of date. Check the claim again, then download it.',
    );
  if (pending.length > 0) flush();
  await recordAudit(core.db, {
    staffId,
    action: 'donations.claim.download',
    target: `gift-aid-claim ${id}`,
    details: { rows, parts: files.length },
  });
  if (files.length === 1) return { filename: files[0]!.name, contentType: ODS_TYPE, bytes: files[0]!.bytes, parts: 1 };
  return { filename: `gift-aid-claim-${id}.zip`, contentType: 'application/zip', bytes: zipParts(files), parts: files.length };
}

// ---- submitted, paid, deleted ------------------------------------------------------------------------------------------------

const ReferenceSchema = z.object({
  reference: z
    .string({ error: 'Enter HMRC’s reference for the claim' })
    .trim()
    .min(1, 'Enter HMRC’s reference for the claim')
    .max(40, 'HMRC’s reference can be at most 40 characters')
    .regex(/^[A-Za-z0-9][A-Za-z0-9 /-]*$/, 'Enter HMRC’s reference as it shows it: letters, numbers, spaces, hyphens and slashes'),
});

/** Reads the "mark as submitted" form: HMRC's reference, or a message. */
export function parseSubmittedForm(body: unknown): FormResult<{ reference: string }> {
  const r = ReferenceSchema.safeParse(body ?? {});
  if (r.success) return { ok: true, data: r.data };
  return {
    ok: false,
    errors: { reference: r.error.issues[0]?.message ?? 'Enter HMRC’s reference for the claim' },
    values: formValues(body),
  };
}

/** Records that a draft claim was submitted to HMRC (audited); refused while any row has a problem. */
export async function markClaimSubmitted(
  core: Core,
  staffId: number | null,
  id: number,
  reference: string,
  o: { now?: number } = {},
): Promise<void> {
  const now = o.now ?? Date.now();
  const claim = await requireClaim(core.db, id);
  if (claim.status !== 'draft')
    throw new DomainError('conflict', 'This claim has already been submitted.', { reference: 'This claim has already been submitted' });
  const summary = await summariseClaim(core.db, core.keyring, id, await buildOptionsOf(core, claim, now));
  if (summary.problemRows > 0 || summary.rows !== Number(claim.row_count) || summary.totalPence !== Number(claim.total_pence)) {
    const message = 'Fix the rows with problems and check the claim again before marking it submitted.';
    throw new DomainError('conflict', message, { reference: message });
  }
  await core.db.transaction().execute(async (trx) => {
    const done = await updateClaimIfStatus(trx, id, 'draft', { status: 'submitted', hmrc_reference: reference, submitted_at: now });
    if (!done)
      throw new DomainError('conflict', 'This claim has already been submitted.', { reference: 'This claim has already been submitted' });
    await recordAudit(trx, { staffId, action: 'donations.claim.submit', target: `gift-aid-claim ${id}`, details: { rows: summary.rows } });
  });
}

/** What HMRC paid, as the form gives it. */
export interface PaidInput {
  amountPence: number;
  paidOn: string;
}

/** Reads the "mark as paid" form against today: the amount and day, or messages. */
export function parsePaidForm(body: unknown, o: { today: string; submittedOn: string }): FormResult<PaidInput> {
  const values = formValues(body);
  const errors: Record<string, string> = {};
  const amount = poundsField('the amount HMRC paid', { min: 1 }).safeParse(values.amount ?? '');
  if (!amount.success) errors.amount = amount.error.issues[0]?.message ?? 'Enter the amount HMRC paid';
  const paidOn = (values.paidOn ?? '').trim();
  const dayWrong = dayProblem(paidOn, { today: o.today, what: 'the day HMRC paid', example: o.today });
  if (dayWrong) errors.paidOn = dayWrong;
  else if (paidOn < o.submittedOn) errors.paidOn = 'HMRC cannot have paid before the claim was submitted';
  if (!amount.success || Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data: { amountPence: amount.data, paidOn } };
}

/** Records that HMRC paid a submitted claim (audited). */
export async function markClaimPaid(
  core: Core,
  staffId: number | null,
  id: number,
  input: PaidInput,
  o: { timeZone: string },
): Promise<void> {
  const paidAt = zonedLocalToUtc(`${input.paidOn}T12:00`, o.timeZone) ?? Date.now();
  await core.db.transaction().execute(async (trx) => {
    const claim = await requireClaim(trx, id);
    const done =
      claim.status === 'submitted' &&
      (await updateClaimIfStatus(trx, id, 'submitted', { status: 'paid', paid_pence: input.amountPence, paid_at: paidAt }));
    if (!done) {
      const message = claim.status === 'paid' ? 'This claim is already marked paid.' : 'Mark the claim submitted before marking it paid.';
      throw new DomainError('conflict', message, { amount: message });
    }
    await recordAudit(trx, {
      staffId,
      action: 'donations.claim.paid',
      target: `gift-aid-claim ${id}`,
      details: { amountPence: input.amountPence },
    });
  });
}

/** Deletes a draft claim (audited): its gifts and collections can be claimed again. */
export async function deleteClaim(core: Core, staffId: number | null, id: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const claim = await requireClaim(trx, id);
    if (claim.status !== 'draft') throw new DomainError('conflict', 'A claim that has been submitted to HMRC cannot be deleted.');
    const released = await releaseGiftsOfClaim(trx, id, 'all', Date.now());
    await releaseCollectionsOfClaim(trx, id);
    if (!(await deleteDraftClaim(trx, id))) throw new DomainError('conflict', 'A claim that has been submitted to HMRC cannot be deleted.');
    await recordAudit(trx, { staffId, action: 'donations.claim.delete', target: `gift-aid-claim ${id}`, details: { released } });
  });
}

// ---- small donations (GASDS) -------------------------------------------------------------------------------------------------

/** A small cash or contactless collection as the form gives it. */
export interface CollectionInput {
  collectedOn: string;
  amountPence: number;
  method: 'cash' | 'contactless';
  occasion: string;
}

const CollectionSchema = z.object({
  amount: poundsField('the amount collected', { min: 1, max: GASDS_ALLOWANCE_PENCE }),
  method: z.enum(['cash', 'contactless'], { error: 'Choose whether it was cash or contactless' }),
  occasion: z.preprocess((v) => (v === undefined ? '' : v), optionalText('the occasion', { max: 120 })),
});

/** Reads the collection form against today: the collection, or a message per field. */
export function parseCollectionForm(body: unknown, o: { today: string }): FormResult<CollectionInput> {
  const values = formValues(body);
  const parsed = CollectionSchema.safeParse(body && typeof body === 'object' && !Array.isArray(body) ? body : {});
  const errors: Record<string, string> = {};
  if (!parsed.success) for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
  const collectedOn = (values.collectedOn ?? '').trim();
  const dayWrong = dayProblem(collectedOn, { today: o.today, what: 'the day of the collection', example: o.today });
  if (dayWrong) errors.collectedOn = dayWrong;
  if (parsed.success && !parsed.data.occasion) errors.occasion = 'Say what the collection was, like “Weekly protest bucket”';
  if (!parsed.success || Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data: { collectedOn, amountPence: parsed.data.amount, method: parsed.data.method, occasion: parsed.data.occasion! } };
}

/** Records a small cash or contactless collection (audited) and returns its id. */
export async function recordCollection(
  core: Core,
  staffId: number | null,
  input: CollectionInput,
  o: { timeZone: string },
): Promise<number> {
  const now = Date.now();
  // Noon in the organisation's zone, so the day reads the same wherever it is shown.
  const collectedOn = zonedLocalToUtc(`${input.collectedOn}T12:00`, o.timeZone) ?? now;
  return core.db.transaction().execute(async (trx) => {
    const id = await insertCollection(trx, {
      collected_on: collectedOn,
      amount_pence: input.amountPence,
      method: input.method,
      occasion: input.occasion,
      claim_id: null,
      recorded_by: staffId,
      created_at: now,
    });
    await recordAudit(trx, {
      staffId,
      action: 'donations.claim.collection',
      target: `collection ${id}`,
      details: { amountPence: input.amountPence, method: input.method },
    });
    return id;
  });
}

/** One tax year's small donations in a claim, and the top-up it can claim. */
export interface SmallDonationsYear {
  label: string;
  collectedPence: number;
  /** Small donations of the same tax year already in other claims. */
  inOtherClaimsPence: number;
  /** What this claim can claim on: at most what is left of the £8,000 allowance. */
  claimablePence: number;
  topUpPence: number;
}

/** A claim's small donations by tax year, each with its GASDS top-up (25% of up to £8,000 a tax year). */
export async function smallDonationsOf(
  db: DbOrTrx,
  claimId: number,
  o: { timeZone: string },
): Promise<{ collections: CollectionRow[]; years: SmallDonationsYear[] }> {
  const collections = await collectionsOfClaim(db, claimId);
  const byYear = new Map<string, { start: number; end: number; pence: number }>();
  for (const c of collections) {
    const y = taxYearOf(Number(c.collected_on), o.timeZone);
    const e = byYear.get(y.label) ?? { start: y.start, end: y.end, pence: 0 };
    e.pence += Number(c.amount_pence);
    byYear.set(y.label, e);
  }
  const years: SmallDonationsYear[] = [];
  for (const [label, y] of byYear) {
    const others = await claimedCollectionsBetween(db, { from: y.start, to: y.end, exceptClaim: claimId });
    const inOtherClaimsPence = others.reduce((s, c) => s + Number(c.amount_pence), 0);
    const claimablePence = Math.max(0, Math.min(y.pence, GASDS_ALLOWANCE_PENCE - inOtherClaimsPence));
    years.push({ label, collectedPence: y.pence, inOtherClaimsPence, claimablePence, topUpPence: giftAidOn(claimablePence) });
  }
  return { collections, years };
}
