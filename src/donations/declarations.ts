import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { zonedLocalToUtc } from '../core/time.js';
import { DomainError } from '../core/web/errors.js';
import { checkbox, formValues, optionalText, text, type FormResult } from '../core/web/forms.js';
import {
  cancelDeclarationIfLive,
  findCorrectionOf,
  giftsOfDonorForStaff,
  insertDeclarationRecord,
  supersedeDeclaration,
} from './claim-queries.js';
import { dayProblem, dayStart } from './claims.js';
import { CURRENT_WORDING, normalisePostcode } from './gift-aid.js';
import type { Declaration, DeclarationChannel } from './model.js';
import {
  declarationsOfDonor,
  findDeclarationById,
  findDonorById,
  markDeclarationLetterSent,
  regularGiftsOfDonor,
  type DeclarationRow,
  type RegularGiftRow,
} from './queries.js';
import { recordDeclaration, rowToDeclaration, rowToDonor, type Donor } from './records.js';

// Gift Aid declarations as staff record them: a paper form or a spoken declaration (which counts only once its
// written record, with the donor's 30 days to cancel, has been sent), a correction of a name or address that HMRC
// would refuse (a new record replacing the old one from its start; the old one stays in the ledger), and a
// cancellation. The ledger is never edited otherwise. Every change is audited; no name reaches the audit log.

/** The channels staff record declarations by (online ones come through the donate form). */
export const STAFF_CHANNELS = ['paper', 'oral'] as const satisfies readonly DeclarationChannel[];

/** A person's name and home address on a declaration, as typed. */
export interface DeclarationPerson {
  title: string;
  firstName: string;
  lastName: string;
  house: string;
  address: string;
  /** A UK postcode, normalised, or "X" for someone living outside the UK. */
  postcode: string;
}

/** A declaration staff record: the person, how and when it was made, and whether it reaches back four years. */
export interface StaffDeclarationInput extends DeclarationPerson {
  channel: (typeof STAFF_CHANNELS)[number];
  madeOn: string;
  pastFourYears: boolean;
}

const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);
const bodyOf = (body: unknown): Record<string, unknown> =>
  body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};

/** Runs one field's schema; its message lands under `key` on failure. */
function field<T>(schema: z.ZodType<T>, value: unknown, key: string, errors: Record<string, string>): T | undefined {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  errors[key] ??= r.error.issues[0]?.message ?? 'Check this answer';
  return undefined;
}

// The same limits as the online form (giving-form.ts), so a declaration taken by staff fits HMRC's schedule alike.
const TitleField = optionalText('a title', { max: 4 });
const FirstNameField = text('the first name', { max: 35 });
const LastNameField = text('the last name', { max: 35 });
const HouseField = text('the house name or number', { max: 40 });
const AbroadAddressField = text('the full home address', { max: 200 });
const RestOfAddressField = text('the rest of the address (street and town)', { max: 200 });

/** The name and address fields of a declaration form, or undefined (with messages added) when one is wrong. */
function personOf(b: Record<string, unknown>, errors: Record<string, string>): DeclarationPerson | undefined {
  const abroad = checkbox.safeParse(first(b.abroad)).data === true;
  const title = field(TitleField, first(b.title), 'title', errors);
  const firstName = field(FirstNameField, first(b.firstName), 'firstName', errors);
  const lastName = field(LastNameField, first(b.lastName), 'lastName', errors);
  const house = field(abroad ? AbroadAddressField : HouseField, first(b.house), 'house', errors);
  let address = '';
  let postcode: string | undefined = 'X';
  if (!abroad) {
    address = field(RestOfAddressField, first(b.address), 'address', errors) ?? '';
    const typed = typeof first(b.postcode) === 'string' ? (first(b.postcode) as string).trim() : '';
    postcode = typed === '' ? undefined : normalisePostcode(typed);
    if (typed === '') errors.postcode ??= 'Enter the postcode (or tick “lives outside the UK”)';
    else if (postcode === undefined || postcode === 'X') {
      postcode = undefined;
      errors.postcode ??= 'Enter a UK postcode, like SW1A 1AA (or tick “lives outside the UK”)';
    }
  }
  if (firstName === undefined || lastName === undefined || house === undefined || postcode === undefined) return undefined;
  if (!abroad && address === '') return undefined;
  return { title: title ?? '', firstName, lastName, house, address, postcode };
}

/** Reads the form for a new paper or spoken declaration against today's date in the zone. */
export function parseDeclarationForm(body: unknown, o: { today: string }): FormResult<StaffDeclarationInput> {
  const b = bodyOf(body);
  const values = formValues(body);
  const errors: Record<string, string> = {};
  const channel = field(z.enum(STAFF_CHANNELS, { error: 'Choose how the declaration was made' }), first(b.channel), 'channel', errors);
  const person = personOf(b, errors);
  const madeOn = (values.madeOn ?? '').trim();
  const dayWrong = dayProblem(madeOn, { today: o.today, what: 'the day the declaration was made', example: o.today });
  if (dayWrong) errors.madeOn = dayWrong;
  const pastFourYears = checkbox.safeParse(first(b.pastFourYears)).data === true;
  if (!channel || !person || Object.keys(errors).length > 0) return { ok: false, errors, values };
  return { ok: true, data: { ...person, channel, madeOn, pastFourYears } };
}

/** Reads the correction form: the corrected name and address. */
export function parseCorrectionForm(body: unknown): FormResult<DeclarationPerson> {
  const errors: Record<string, string> = {};
  const person = personOf(bodyOf(body), errors);
  if (!person || Object.keys(errors).length > 0) return { ok: false, errors, values: formValues(body) };
  return { ok: true, data: person };
}

/** Reads a form with one day on it (the letter sent, the cancellation) against today and the declaration's day. */
export function parseDayForm(
  body: unknown,
  o: { today: string; notBefore: string; what: string; beforeMessage: string },
): FormResult<{ day: string }> {
  const values = formValues(body);
  const day = (values.day ?? '').trim();
  const wrong = dayProblem(day, { today: o.today, what: o.what, example: o.today });
  if (wrong) return { ok: false, errors: { day: wrong }, values };
  if (day < o.notBefore) return { ok: false, errors: { day: o.beforeMessage }, values };
  return { ok: true, data: { day } };
}

/** A day's noon in the zone: the moment a day typed by staff stands for (it reads as that day in any reading). */
const noonOf = (day: string, timeZone: string) => zonedLocalToUtc(`${day}T12:00`, timeZone) ?? Date.now();

/** A declaration of a donor, or not_found. */
async function declarationOfDonor(core: Core, donorId: number, declarationId: number): Promise<DeclarationRow> {
  const row = await findDeclarationById(core.db, declarationId);
  if (!row || Number(row.donor_id) !== donorId) throw new DomainError('not_found', 'There is no such declaration for this donor.');
  return row;
}

/**
 * Records a paper or spoken declaration for a donor (audited) and returns its id. It takes over from the donor's
 * live declaration from the day it was made (an address change is a new record); one made before the donor's latest
 * declaration is refused, since it would end a newer one.
 */
export async function recordStaffDeclaration(
  core: Core,
  staffId: number | null,
  donorId: number,
  input: StaffDeclarationInput,
  o: { timeZone: string },
): Promise<number> {
  const now = Date.now();
  const madeAt = noonOf(input.madeOn, o.timeZone);
  return core.db.transaction().execute(async (trx) => {
    if (!(await findDonorById(trx, donorId))) throw new DomainError('not_found', 'There is no such donor.');
    const latest = (await declarationsOfDonor(trx, donorId)).filter((d) => d.cancelled_at === null && d.superseded_at === null).pop();
    if (latest && Number(latest.made_at) > madeAt) {
      const message = 'This donor has a later declaration: a declaration can only be recorded on or after the day of their latest one.';
      throw new DomainError('invalid', message, { madeOn: message });
    }
    const id = await recordDeclaration(trx, core.keyring, {
      donorId,
      wordingVersion: CURRENT_WORDING,
      title: input.title,
      firstName: input.firstName,
      lastName: input.lastName,
      house: input.house,
      address: input.address,
      postcode: input.postcode,
      channel: input.channel,
      madeAt,
      coversPastFourYears: input.pastFourYears,
      letterSentAt: null,
      recordedBy: staffId,
      now,
    });
    await recordAudit(trx, {
      staffId,
      action: 'donations.declaration.record',
      target: `donor ${donorId}`,
      details: { declarationId: id, channel: input.channel, pastFourYears: input.pastFourYears },
    });
    return id;
  });
}

/** Records that a spoken declaration's written record (with the 30 days to cancel) was sent on a day (audited). */
export async function recordLetterSent(
  core: Core,
  staffId: number | null,
  donorId: number,
  declarationId: number,
  day: string,
  o: { timeZone: string },
): Promise<void> {
  const row = await declarationOfDonor(core, donorId, declarationId);
  if (row.channel !== 'oral') throw new DomainError('conflict', 'Only a spoken declaration needs its written record sent.');
  if (row.letter_sent_at !== null) throw new DomainError('conflict', 'The letter for this declaration has already been recorded as sent.');
  await core.db.transaction().execute(async (trx) => {
    await markDeclarationLetterSent(trx, declarationId, noonOf(day, o.timeZone));
    await recordAudit(trx, { staffId, action: 'donations.declaration.letter', target: `donor ${donorId}`, details: { declarationId } });
  });
}

/**
 * Corrects a declaration's name or address (audited): a new record with the same wording, channel, dates and end,
 * replacing the old one from its start (the old one, superseded at its first moment, covers nothing but stays in
 * the ledger). Returns the new record's id.
 */
export async function correctDeclaration(
  core: Core,
  staffId: number | null,
  donorId: number,
  declarationId: number,
  person: DeclarationPerson,
): Promise<number> {
  const now = Date.now();
  return core.db.transaction().execute(async (trx) => {
    const old = await findDeclarationById(trx, declarationId);
    if (!old || Number(old.donor_id) !== donorId) throw new DomainError('not_found', 'There is no such declaration for this donor.');
    if (await findCorrectionOf(trx, { id: declarationId, madeAt: Number(old.made_at) }))
      throw new DomainError('conflict', 'This declaration has already been corrected: correct the newer record instead.');
    const coversFrom = Number(old.covers_from);
    const id = await insertDeclarationRecord(trx, {
      donor_id: donorId,
      wording_version: old.wording_version,
      title_enc: core.keyring.encrypt(person.title),
      first_name_enc: core.keyring.encrypt(person.firstName),
      last_name_enc: core.keyring.encrypt(person.lastName),
      house_enc: core.keyring.encrypt(person.house),
      address_enc: core.keyring.encrypt(person.address),
      postcode_enc: core.keyring.encrypt(person.postcode),
      channel: old.channel,
      made_at: Number(old.made_at),
      covers_from: coversFrom,
      letter_sent_at: old.letter_sent_at,
      cancelled_at: old.cancelled_at,
      superseded_at: old.superseded_at !== null && Number(old.superseded_at) > coversFrom ? old.superseded_at : null,
      replaces_id: declarationId,
      recorded_by: staffId,
      created_at: now,
    });
    await supersedeDeclaration(trx, declarationId, coversFrom);
    await recordAudit(trx, {
      staffId,
      action: 'donations.declaration.correct',
      target: `donor ${donorId}`,
      details: { declarationId: id, replaces: declarationId },
    });
    return id;
  });
}

/** Cancels a donor's declaration from the start of a day (audited): gifts from then on are not covered. */
export async function cancelStaffDeclaration(
  core: Core,
  staffId: number | null,
  donorId: number,
  declarationId: number,
  day: string,
  o: { timeZone: string },
): Promise<void> {
  await declarationOfDonor(core, donorId, declarationId);
  const at = dayStart(day, o.timeZone) ?? Date.now();
  await core.db.transaction().execute(async (trx) => {
    if (!(await cancelDeclarationIfLive(trx, declarationId, at)))
      throw new DomainError('conflict', 'This declaration has already ended (cancelled, or replaced by a newer one).');
    await recordAudit(trx, { staffId, action: 'donations.declaration.cancel', target: `donor ${donorId}`, details: { declarationId } });
  });
}

// ---- a donor's page -------------------------------------------------------------------------------------------------------

/** One record of the declaration ledger with how it relates to the others. */
export interface LedgerEntry extends Declaration {
  /** The record this one corrected or took over from (an address change, a correction). */
  replacesId: number | null;
  /** The record that corrected this one, if any. */
  correctedById: number | null;
  createdAt: number;
}

/** A donor's page: the donor, their gifts (newest first), monthly gifts, and the declaration ledger (oldest first). */
export interface DonorForStaff {
  donor: Donor;
  gifts: Awaited<ReturnType<typeof giftsOfDonorForStaff>>;
  regulars: RegularGiftRow[];
  ledger: LedgerEntry[];
}

/** Gifts shown on a donor's page. */
export const DONOR_GIFTS_SHOWN = 500;

/** A donor for their staff page; not_found when there is none. */
export async function donorForStaff(core: Core, donorId: number): Promise<DonorForStaff> {
  const row = await findDonorById(core.db, donorId);
  if (!row) throw new DomainError('not_found', 'There is no such donor.');
  const [gifts, regulars, declarations] = await Promise.all([
    giftsOfDonorForStaff(core.db, donorId, { limit: DONOR_GIFTS_SHOWN }),
    regularGiftsOfDonor(core.db, donorId),
    declarationsOfDonor(core.db, donorId),
  ]);
  const correctedBy = new Map<number, number>();
  const madeAt = new Map(declarations.map((d) => [Number(d.id), Number(d.made_at)]));
  // A correction replaces a record from the same start; a record replacing another from a later day took over from it.
  for (const d of declarations)
    if (d.replaces_id !== null && madeAt.get(Number(d.replaces_id)) === Number(d.made_at))
      correctedBy.set(Number(d.replaces_id), Number(d.id));
  return {
    donor: rowToDonor(core.keyring, row),
    gifts,
    regulars,
    ledger: declarations.map((d) => ({
      ...rowToDeclaration(core.keyring, d),
      replacesId: d.replaces_id === null ? null : Number(d.replaces_id),
      correctedById: correctedBy.get(Number(d.id)) ?? null,
      createdAt: Number(d.created_at),
    })),
  };
}
