import type { Core } from '../core/context.js';
import { hashToken } from '../core/crypto.js';
import type { DbOrTrx } from '../core/db/index.js';
import { redact } from '../core/log.js';
import { getSiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { declarationCovering, taxYearOf } from './gift-aid.js';
import {
  DONATION_STATUS_WORDS,
  REGULAR_STATUS_WORDS,
  type Declaration,
  type DonationStatus,
  type GiftKind,
  type RegularStatus,
} from './model.js';
import type { RegularChange } from './payments.js';
import { paymentProvider } from './provider.js';
import {
  donationsOfDonor,
  endDeclaration,
  findDonorByEmailIndex,
  findDonorByManageHash,
  findRegularById,
  listFunds,
  regularGiftsOfDonor,
  updateRegularGift,
  type DonationRow,
  type DonorRow,
  type RegularGiftRow,
} from './queries.js';
import { donorDeclarations, donorEmailIndex, donorPageLinkOf, recordDeclaration, rowToDonor, type Donor } from './records.js';
import { manageLinkEmail, poundsText } from './regular-emails.js';

// A donor's own page, behind the link in every receipt: their gifts, their monthly gifts (change the amount or the
// day, pause, resume, cancel), their Gift Aid declaration (cancel it, give a new home address) and a statement of
// each tax year. Changes to a monthly gift go to the payment provider first; only when it agrees is Lantern's row
// changed at once (so the page shows it), and the provider's own event confirms it later (payment-events.ts).

/** One gift as the donor's page and statements show it. */
export interface GiftLine {
  id: number;
  givenAt: number;
  kind: GiftKind;
  amountPence: number;
  refundedPence: number;
  fund: string;
  status: DonationStatus;
  statusWords: string;
  /** The donor asked for Gift Aid on it. */
  giftAid: boolean;
}

/** One monthly gift as the donor's page shows it. */
export interface MonthlyGift {
  id: number;
  amountPence: number;
  dayOfMonth: number;
  status: RegularStatus;
  statusWords: string;
  fund: string;
  startedAt: number;
  cancelledAt: number | null;
  /** 'YYYY-MM' of the card paying it, when known. */
  cardExpires: string | null;
  /** Whether the donor can change it from their page (active or paused, and known to the payment provider). */
  changeable: boolean;
  /** Whether the donor can cancel it from their page (also while a failed payment is being retried). */
  cancellable: boolean;
}

/** A tax year, 6 April to 5 April, in the organisation's zone. */
export interface TaxYear {
  /** The calendar year it starts in (2025 for 2025–26). */
  startYear: number;
  /** "2025–26". */
  label: string;
  /** First instant (UTC ms), inclusive. */
  from: number;
  /** First instant of the next tax year (UTC ms), exclusive. */
  to: number;
}

/** The gifts received in one tax year, as the page and the annual statement email show them. */
export interface Statement {
  taxYear: TaxYear;
  gifts: GiftLine[];
  /** What was received, after any part refunded. */
  totalPence: number;
}

/** Where the donor stands with Gift Aid. */
export interface GiftAidStanding {
  /** A declaration covers gifts made now. */
  coveredNow: boolean;
  /** The declaration in force (not cancelled, not replaced), if any. */
  current: Declaration | undefined;
  /** When the last one was cancelled, when that is the latest news. */
  cancelledAt: number | null;
}

/** Everything the donor's own page shows. */
export interface DonorPage {
  donor: Donor;
  gifts: GiftLine[];
  monthly: MonthlyGift[];
  giftAid: GiftAidStanding;
  /** The tax year so far, and the one before it. */
  statements: Statement[];
  limits: { minPence: number; maxPence: number };
  timeZone: string;
  orgName: string;
}

/** The payment provider refused or could not be reached: nothing was changed. */
export class PaymentProviderFailed extends Error {
  override name = 'PaymentProviderFailed';
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{20,200}$/;

/** The donor a page link leads to, or undefined for an unknown or malformed token. */
export async function findDonorByToken(db: DbOrTrx, token: string): Promise<DonorRow | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  return findDonorByManageHash(db, hashToken(token));
}

// ---- tax years ----

/** The tax year (6 April to 5 April in the zone) a moment falls in. */
export function taxYearContaining(ms: number, timeZone: string): TaxYear {
  const t = taxYearOf(ms, timeZone);
  return { startYear: Number(t.label.slice(0, 4)), label: t.label, from: t.start, to: t.end };
}

/** The tax year starting on 6 April of this year. */
export function taxYearStarting(startYear: number, timeZone: string): TaxYear {
  // 1 July lies inside that tax year in every zone.
  return taxYearContaining(Date.UTC(startYear, 6, 1), timeZone);
}

// ---- reading ----

async function fundNames(db: DbOrTrx): Promise<Map<number, string>> {
  return new Map((await listFunds(db, { publishedOnly: false })).map((f) => [Number(f.id), f.name]));
}

function fundName(funds: Map<number, string>, id: number | string | null): string {
  return id === null ? 'General fund' : (funds.get(Number(id)) ?? 'General fund');
}

function toGiftLine(row: DonationRow, funds: Map<number, string>): GiftLine {
  return {
    id: Number(row.id),
    givenAt: Number(row.given_at),
    kind: row.kind,
    amountPence: Number(row.amount_pence),
    refundedPence: Number(row.refunded_pence),
    fund: fundName(funds, row.fund_id),
    status: row.status,
    statusWords: DONATION_STATUS_WORDS[row.status],
    giftAid: Number(row.gift_aid) === 1,
  };
}

/** Which states a change can be made from. */
const ALLOWED_FROM: Readonly<Record<RegularChange['kind'], readonly RegularStatus[]>> = {
  amount: ['active', 'paused'],
  day: ['active', 'paused'],
  pause: ['active'],
  resume: ['paused'],
  cancel: ['active', 'paused', 'past_due'],
};

function toMonthlyGift(row: RegularGiftRow, funds: Map<number, string>): MonthlyGift {
  return {
    id: Number(row.id),
    amountPence: Number(row.amount_pence),
    dayOfMonth: Number(row.day_of_month),
    status: row.status,
    statusWords: REGULAR_STATUS_WORDS[row.status],
    fund: fundName(funds, row.fund_id),
    startedAt: Number(row.started_at),
    cancelledAt: row.cancelled_at === null ? null : Number(row.cancelled_at),
    cardExpires: row.card_expires,
    changeable: ALLOWED_FROM.amount.includes(row.status) && row.subscription_ref !== null,
    cancellable: ALLOWED_FROM.cancel.includes(row.status) && row.subscription_ref !== null,
  };
}

/** The statement of one tax year from a donor's gifts: those received (less any part refunded), oldest first. */
export function statementOf(gifts: readonly GiftLine[], taxYear: TaxYear): Statement {
  const inYear = gifts
    .filter((g) => g.status === 'paid' && g.givenAt >= taxYear.from && g.givenAt < taxYear.to)
    .sort((a, b) => a.givenAt - b.givenAt || a.id - b.id);
  return { taxYear, gifts: inYear, totalPence: inYear.reduce((sum, g) => sum + g.amountPence - g.refundedPence, 0) };
}

/** Where a donor stands with Gift Aid at this moment. */
export function giftAidStanding(declarations: readonly Declaration[], now: number): GiftAidStanding {
  const live = declarations.filter((d) => d.cancelledAt === null && d.supersededAt === null);
  const current = live[live.length - 1];
  const cancelled = declarations.filter((d) => d.cancelledAt !== null).map((d) => d.cancelledAt!);
  const lastCancelled = cancelled.length ? Math.max(...cancelled) : null;
  return {
    coveredNow: declarationCovering(declarations, now, now) !== undefined,
    current,
    cancelledAt: current ? null : lastCancelled,
  };
}

/** What the donor's page shows, for the donor behind the token; undefined for an unknown link. */
export async function loadDonorPage(core: Core, token: string, now: number): Promise<DonorPage | undefined> {
  const row = await findDonorByToken(core.db, token);
  if (!row) return undefined;
  const donorId = Number(row.id);
  const [site, funds, donations, regulars, declarations] = await Promise.all([
    getSiteSettings(core.db),
    fundNames(core.db),
    donationsOfDonor(core.db, donorId),
    regularGiftsOfDonor(core.db, donorId),
    donorDeclarations(core.db, core.keyring, donorId),
  ]);
  const gifts = donations.map((d) => toGiftLine(d, funds));
  const thisYear = taxYearContaining(now, site.timeZone);
  const lastYear = taxYearStarting(thisYear.startYear - 1, site.timeZone);
  return {
    donor: rowToDonor(core.keyring, row),
    gifts,
    monthly: regulars.map((r) => toMonthlyGift(r, funds)),
    giftAid: giftAidStanding(declarations, now),
    statements: [statementOf(gifts, thisYear), statementOf(gifts, lastYear)],
    limits: { minPence: site.donationMinPence, maxPence: site.donationMaxPence },
    timeZone: site.timeZone,
    orgName: site.orgName,
  };
}

/** A donor's statement of one tax year (for the annual statement email). */
export async function donorStatement(core: Core, donorId: number, taxYear: TaxYear): Promise<Statement> {
  const [funds, donations] = await Promise.all([fundNames(core.db), donationsOfDonor(core.db, donorId)]);
  return statementOf(
    donations.map((d) => toGiftLine(d, funds)),
    taxYear,
  );
}

// ---- changing a monthly gift ----

const CHANGE_WORDS: Readonly<Record<RegularChange['kind'], string>> = {
  amount: 'change the amount of',
  day: 'change the day of',
  pause: 'pause',
  resume: 'restart',
  cancel: 'cancel',
};

/** The monthly gift of this donor with this id, or a not_found (another donor's gift is simply not there). */
async function donorsRegularGift(db: DbOrTrx, donorId: number, regularId: number): Promise<RegularGiftRow> {
  const row = await findRegularById(db, regularId);
  if (!row || Number(row.donor_id) !== donorId) throw new DomainError('not_found', 'There is no such monthly gift on your page.');
  return row;
}

/** Checks a change against the rules and the gift as it stands; throws the donor's message when it cannot be made. */
export function checkRegularChange(row: RegularGiftRow, change: RegularChange, limits: { minPence: number; maxPence: number }): void {
  if (!ALLOWED_FROM[change.kind].includes(row.status)) {
    const why =
      row.status === 'cancelled'
        ? 'This monthly gift has been cancelled.'
        : row.status === 'paused' && change.kind === 'pause'
          ? 'This monthly gift is already paused.'
          : row.status === 'active' && change.kind === 'resume'
            ? 'This monthly gift is already running.'
            : `This monthly gift is ${REGULAR_STATUS_WORDS[row.status].toLowerCase()}, so you cannot ${CHANGE_WORDS[change.kind]} it just now.`;
    throw new DomainError('conflict', why);
  }
  if (row.subscription_ref === null)
    throw new DomainError('conflict', 'This monthly gift cannot be changed from this page. Please get in touch with us and we will do it.');
  if (change.kind === 'amount') {
    const { minPence, maxPence } = limits;
    if (!Number.isInteger(change.amountPence) || change.amountPence < minPence || change.amountPence > maxPence)
      throw new DomainError('invalid', `Enter an amount between ${poundsText(minPence)} and ${poundsText(maxPence)}.`, {
        amount: `Enter an amount between ${poundsText(minPence)} and ${poundsText(maxPence)}`,
      });
    if (change.amountPence === Number(row.amount_pence))
      throw new DomainError('invalid', 'That is already the amount of this monthly gift.', {
        amount: 'That is already the amount of this monthly gift',
      });
  }
  if (change.kind === 'day') {
    if (!Number.isInteger(change.dayOfMonth) || change.dayOfMonth < 1 || change.dayOfMonth > 28)
      throw new DomainError('invalid', 'Choose a day between the 1st and the 28th.', { day: 'Choose a day between the 1st and the 28th' });
    if (change.dayOfMonth === Number(row.day_of_month))
      throw new DomainError('invalid', 'Your gift is already taken on that day.', { day: 'Your gift is already taken on that day' });
  }
}

/** The row's new values once the provider has made a change. */
function rowAfter(change: RegularChange, now: number) {
  switch (change.kind) {
    case 'amount':
      return { amount_pence: change.amountPence, updated_at: now };
    case 'day':
      return { day_of_month: change.dayOfMonth, updated_at: now };
    case 'pause':
      return { status: 'paused' as const, updated_at: now };
    case 'resume':
      return { status: 'active' as const, updated_at: now };
    case 'cancel':
      return { status: 'cancelled' as const, cancelled_at: now, updated_at: now };
  }
}

/**
 * Makes a donor's change to one of their monthly gifts: checked, sent to the payment provider, and, once it agreed,
 * written to the row at once. Throws DomainError for a change the rules refuse and PaymentProviderFailed when the
 * provider could not make it (then nothing is changed here either).
 */
export async function changeMonthlyGift(
  core: Core,
  o: { donorId: number; regularId: number; change: RegularChange; now: number },
): Promise<void> {
  const row = await donorsRegularGift(core.db, o.donorId, o.regularId);
  const site = await getSiteSettings(core.db);
  checkRegularChange(row, o.change, { minPence: site.donationMinPence, maxPence: site.donationMaxPence });
  try {
    await paymentProvider(core).changeRegular(row.subscription_ref!, o.change);
  } catch (err) {
    core.logger.warn(
      { err: redact(String(err)), regularId: o.regularId, change: o.change.kind },
      'the payment provider refused a change to a monthly gift',
    );
    throw new PaymentProviderFailed('the payment provider refused the change');
  }
  await updateRegularGift(core.db, o.regularId, rowAfter(o.change, o.now));
}

// ---- Gift Aid ----

/** Cancels the donor's Gift Aid declaration(s) in force from now on; gifts before now stay covered. False if none was in force. */
export async function cancelGiftAid(core: Core, o: { donorId: number; now: number }): Promise<boolean> {
  return core.db.transaction().execute(async (trx) => {
    const live = (await donorDeclarations(trx, core.keyring, o.donorId)).filter((d) => d.cancelledAt === null && d.supersededAt === null);
    for (const d of live) await endDeclaration(trx, d.id, { cancelledAt: o.now });
    return live.length > 0;
  });
}

/** A new home address for the Gift Aid declaration in force. */
export interface NewAddress {
  house: string;
  address: string;
  /** Already normalised, or "X" for a home outside the UK. */
  postcode: string;
}

/**
 * Records the donor's new home address as a new declaration (same name, same wording); the one it replaces ends now
 * and still covers the gifts before. Throws a conflict when no declaration is in force.
 */
export async function changeGiftAidAddress(core: Core, o: { donorId: number; address: NewAddress; now: number }): Promise<number> {
  return core.db.transaction().execute(async (trx) => {
    const current = giftAidStanding(await donorDeclarations(trx, core.keyring, o.donorId), o.now).current;
    if (!current) throw new DomainError('conflict', 'You have no Gift Aid declaration in force, so there is no address to change.');
    return recordDeclaration(trx, core.keyring, {
      donorId: o.donorId,
      wordingVersion: current.wordingVersion,
      title: current.title,
      firstName: current.firstName,
      lastName: current.lastName,
      house: o.address.house,
      address: o.address.address,
      postcode: o.address.postcode,
      channel: 'online',
      madeAt: o.now,
      coversPastFourYears: false,
      recordedBy: null,
      now: o.now,
    });
  });
}

// ---- the link again ----

const RESEND_SLOT_MS = 15 * 60_000;

/**
 * Asks for a donor's page link to be emailed to this address. Only a job is queued (the same work whether or not the
 * address is a donor's, so the answer's timing tells nothing); the job looks the address up (emailDonorTheirLink).
 */
export async function requestDonorLink(core: Core, o: { email: string; now: number }): Promise<void> {
  const index = donorEmailIndex(core.keyring, o.email);
  await core.queue.enqueue(
    core.db,
    'emailDonorTheirLink',
    { email: o.email },
    { uniqueKey: `donor-link-request:${index}:${Math.floor(o.now / RESEND_SLOT_MS)}`, maxAttempts: 5 },
  );
}

/**
 * Emails a donor their page's link when the address is a donor's; does nothing otherwise (the caller answers the
 * same either way). At most one such email per donor each quarter of an hour, so the form cannot flood an inbox.
 */
export async function resendDonorLink(core: Core, o: { email: string; now: number }): Promise<void> {
  const row = await findDonorByEmailIndex(core.db, donorEmailIndex(core.keyring, o.email));
  if (!row || !row.email_enc) return;
  const site = await getSiteSettings(core.db);
  const mail = manageLinkEmail({ orgName: site.orgName, link: donorPageLinkOf(core, row) });
  await core.mailer.enqueue(
    core.db,
    { ...mail, to: core.keyring.decrypt(row.email_enc) },
    { uniqueKey: `donor-link:${String(row.id)}:${Math.floor(o.now / RESEND_SLOT_MS)}` },
  );
}

// ---- the jobs' queries (regular_gifts and donations are this capability's) ----

/** Active monthly gifts whose card ends in one of these months and whose donor was not yet told about that card. */
export async function regularGiftsWithCardsEnding(db: DbOrTrx, months: readonly string[]): Promise<RegularGiftRow[]> {
  if (months.length === 0) return [];
  return db
    .selectFrom('regular_gifts')
    .selectAll()
    .where('status', '=', 'active')
    .where('card_expires', 'in', [...months])
    .where((eb) => eb.or([eb('expiry_notice_for', 'is', null), eb('expiry_notice_for', '!=', eb.ref('card_expires'))]))
    .orderBy('id')
    .execute();
}

/** Marks a monthly gift's donor as told about this card (once: false when someone else just did). */
export async function markExpiryNoticed(db: DbOrTrx, regularId: number, cardExpires: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('regular_gifts')
    .set({ expiry_notice_for: cardExpires, updated_at: now })
    .where('id', '=', regularId)
    .where('card_expires', '=', cardExpires)
    .where((eb) => eb.or([eb('expiry_notice_for', 'is', null), eb('expiry_notice_for', '!=', cardExpires)]))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** The ids of donors with gifts received in [from, to), above `afterId`, in id order, a page at a time. */
export async function donorsWithGiftsBetween(
  db: DbOrTrx,
  o: { from: number; to: number; afterId: number; limit: number },
): Promise<number[]> {
  const rows = await db
    .selectFrom('donations')
    .select('donor_id')
    .distinct()
    .where('status', '=', 'paid')
    .where('given_at', '>=', o.from)
    .where('given_at', '<', o.to)
    .where('donor_id', 'is not', null)
    .where('donor_id', '>', o.afterId)
    .orderBy('donor_id')
    .limit(o.limit)
    .execute();
  return rows.map((r) => Number(r.donor_id));
}
