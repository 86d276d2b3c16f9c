import type { Declaration, RowProblem, ScheduleRow } from './model.js';
import { normalisePostcode, oldestClaimable } from './gift-aid.js';

// HMRC's Gift Aid schedule (the Charities Online spreadsheet): its columns, the row a gift makes, the checks HMRC's
// upload makes on each row (so a treasurer fixes them here, before HMRC refuses the file), aggregated lines of small
// gifts, and the split into files of at most 1,000 rows. Pure functions: the claim service and the tests use them.

/** The schedule's columns, in HMRC's order. */
export const SCHEDULE_COLUMNS = [
  'Item',
  'Title',
  'First name or initial',
  'Last name',
  'House name or number',
  'Postcode',
  'Aggregated donations',
  'Sponsored event',
  'Donation date',
  'Amount',
] as const;

/** HMRC takes at most this many rows in one schedule file. */
export const ROWS_PER_SCHEDULE = 1000;

/** The largest single gift HMRC lets a charity put in an aggregated line (£20). */
export const AGGREGATE_GIFT_MAX_PENCE = 2000;

const LIMITS = { title: 4, name: 35, house: 40, aggregated: 35 } as const;
const MAX_AMOUNT_PENCE = 100_000_000_00; // below £100,000,000
// Letters A–Z, spaces, apostrophes, hyphens and full stops: what HMRC's schedule accepts in a name.
const NAME_CHARS = /^[A-Za-z '\-.]$/;
const TITLE_CHARS = /^[A-Za-z]$/;

/**
 * A name as the schedule writes it: typographic apostrophes and hyphens (what phones type) become the plain ones HMRC
 * accepts, so "O’Donnell" is not refused for its apostrophe. Nothing else is changed: other characters are the
 * treasurer's to correct.
 */
export function plainName(name: string): string {
  return name
    .trim()
    .replace(/[\u2018\u2019\u02BC\u0060\u00B4]/g, "'")
    .replace(/[\u2010\u2011\u2012\u2013]/g, '-');
}

/** The schedule row for one gift, from the declaration that covers it. */
export function scheduleRowFor(declaration: Declaration, gift: { givenAt: number; claimablePence: number }): ScheduleRow {
  return {
    title: declaration.title.trim(),
    firstName: plainName(declaration.firstName),
    lastName: plainName(declaration.lastName),
    house: declaration.house.trim(),
    postcode: declaration.postcode.trim(),
    aggregated: '',
    sponsored: false,
    donationDate: gift.givenAt,
    amountPence: gift.claimablePence,
  };
}

// One formatter per time zone: making one is far dearer than using it, and a claim formats a date per row.
const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** A date as the schedule writes it: DD/MM/YY in the organisation's time zone. */
export function formatScheduleDate(at: number, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format)
    dateFormats.set(timeZone, (format = new Intl.DateTimeFormat('en-GB', { timeZone, year: '2-digit', month: '2-digit', day: '2-digit' })));
  const parts = format.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${get('day')}/${get('month')}/${get('year')}`;
}

/** An amount as the schedule writes it: pounds with two decimals, no symbol, no thousands separator ("1250.50"). */
export function formatScheduleAmount(pence: number): string {
  return `${Math.floor(pence / 100)}.${String(pence % 100).padStart(2, '0')}`;
}

/** The characters of a value that HMRC does not accept, each once, in order. */
function forbidden(value: string, allowed: RegExp): string[] {
  // Composed first, so an "é" typed as "e" and an accent is named as the one letter the treasurer sees.
  return [...new Set([...value.normalize('NFC')].filter((c) => !allowed.test(c)))];
}

// A character as a treasurer can see it: an accent on a dotted circle, and a space, a tab or another invisible
// character in words (a quoted zero-width space would look like nothing at all).
function shown(c: string): string {
  if (c === ' ') return 'a space';
  if (c === '\t') return 'a tab';
  if (/^\p{M}$/u.test(c)) return `“\u25CC${c}”`;
  if (/^[\p{L}\p{N}\p{P}\p{S}]$/u.test(c)) return `“${c}”`;
  return `an invisible character (U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')})`;
}

function quoteAll(chars: string[]): string {
  const q = chars.slice(0, 5).map(shown);
  return q.length === 1 ? q[0]! : `${q.slice(0, -1).join(', ')} and ${q[q.length - 1]}`;
}

function nameProblems(field: 'firstName' | 'lastName', value: string, words: string): RowProblem[] {
  if (value === '') return [{ field, message: `The ${words} is missing.` }];
  const out: RowProblem[] = [];
  if ([...value].length > LIMITS.name) out.push({ field, message: `The ${words} is longer than HMRC’s ${LIMITS.name} characters.` });
  const bad = forbidden(value, NAME_CHARS);
  if (bad.length > 0)
    out.push({
      field,
      message: `The ${words} has ${bad.length === 1 ? 'a character' : 'characters'} HMRC does not accept: ${quoteAll(bad)}. Use letters, spaces, apostrophes, hyphens and full stops only.`,
    });
  else if (!/[A-Za-z]/.test(value)) out.push({ field, message: `The ${words} needs at least one letter.` });
  return out;
}

/** What HMRC's schedule would refuse in this row, in a treasurer's words (none when it is fine). */
export function validateScheduleRow(row: ScheduleRow, o: { now: number; timeZone: string; aggregateLimitPence: number }): RowProblem[] {
  const out: RowProblem[] = [];
  const aggregatedLine = row.aggregated !== '';
  if (aggregatedLine) {
    for (const field of ['title', 'firstName', 'lastName', 'house', 'postcode'] as const)
      if (row[field] !== '') out.push({ field, message: 'An aggregated line leaves the donor’s name and address empty.' });
    if ([...row.aggregated].length > LIMITS.aggregated)
      out.push({
        field: 'aggregated',
        message: `The description of aggregated gifts is longer than HMRC’s ${LIMITS.aggregated} characters.`,
      });
    if (row.sponsored) out.push({ field: 'sponsored', message: 'Aggregated gifts cannot be marked as sponsorship.' });
    if (row.amountPence > o.aggregateLimitPence)
      out.push({
        field: 'amountPence',
        message: `An aggregated line can total at most £${formatScheduleAmount(o.aggregateLimitPence)}; this one is £${formatScheduleAmount(row.amountPence)}.`,
      });
  } else {
    if ([...row.title].length > LIMITS.title)
      out.push({ field: 'title', message: `The title is longer than HMRC’s ${LIMITS.title} characters (write Mr, Mrs, Ms, Dr…).` });
    else if (forbidden(row.title, TITLE_CHARS).length > 0)
      out.push({
        field: 'title',
        message: `The title has ${quoteAll(forbidden(row.title, TITLE_CHARS))}; HMRC accepts letters only (Mr, not Mr.).`,
      });
    out.push(...nameProblems('firstName', row.firstName, 'first name'));
    out.push(...nameProblems('lastName', row.lastName, 'last name'));
    if (row.house === '') out.push({ field: 'house', message: 'The house name or number is missing.' });
    else if ([...row.house].length > LIMITS.house)
      out.push({
        field: 'house',
        message:
          row.postcode === 'X'
            ? `An address abroad goes in the house field, and HMRC allows ${LIMITS.house} characters there: shorten it.`
            : `The house name or number is longer than HMRC’s ${LIMITS.house} characters.`,
      });
    if (row.postcode === '')
      out.push({ field: 'postcode', message: 'The postcode is missing (write X for a donor living outside the UK).' });
    else if (normalisePostcode(row.postcode) !== row.postcode) {
      // Accepted only exactly as normalisePostcode writes it, so a postcode the declaration form took always passes.
      const fixed = normalisePostcode(row.postcode);
      out.push({
        field: 'postcode',
        message:
          fixed === undefined
            ? 'The postcode is not a UK postcode (write X for a donor living outside the UK).'
            : fixed === 'X'
              ? 'For a donor living outside the UK, HMRC wants a capital “X” as the postcode.'
              : `HMRC wants the postcode in capitals with one space: “${fixed}”.`,
      });
    }
  }
  if (!Number.isFinite(row.donationDate)) out.push({ field: 'donationDate', message: 'The donation date is missing.' });
  else if (row.donationDate > o.now) out.push({ field: 'donationDate', message: 'The donation date is in the future.' });
  else if (row.donationDate < oldestClaimable(o.now))
    out.push({ field: 'donationDate', message: 'The gift was given more than four years ago: HMRC will not accept it.' });
  if (!Number.isInteger(row.amountPence) || row.amountPence <= 0)
    out.push({ field: 'amountPence', message: 'The amount must be more than £0.00.' });
  else if (row.amountPence >= MAX_AMOUNT_PENCE)
    out.push({ field: 'amountPence', message: 'The amount is larger than HMRC’s schedule allows.' });
  return out;
}

/**
 * Aggregated lines for small gifts (each at most £20), each line totalling at most the limit, in date order; the
 * line's date is its latest gift's. Gifts above £20 are not taken (the caller puts them on lines of their own).
 */
export function aggregateSmallGifts(
  gifts: ReadonlyArray<{ givenAt: number; claimablePence: number }>,
  o: { limitPence: number; maxGiftPence?: number },
): ScheduleRow[] {
  const max = o.maxGiftPence ?? AGGREGATE_GIFT_MAX_PENCE;
  const small = gifts.filter((g) => g.claimablePence > 0 && g.claimablePence <= max && g.claimablePence <= o.limitPence);
  small.sort((a, b) => a.givenAt - b.givenAt);
  const lines: ScheduleRow[] = [];
  let total = 0;
  let latest = 0;
  const close = () => {
    if (total === 0) return;
    lines.push({
      title: '',
      firstName: '',
      lastName: '',
      house: '',
      postcode: '',
      aggregated: `Small gifts ${lines.length + 1}`,
      sponsored: false,
      donationDate: latest,
      amountPence: total,
    });
    total = 0;
    latest = 0;
  };
  for (const g of small) {
    if (total + g.claimablePence > o.limitPence) close();
    total += g.claimablePence;
    latest = Math.max(latest, g.givenAt);
  }
  close();
  return lines;
}

/** Rows split into schedule files of at most `size` rows each (HMRC's limit is 1,000). */
export function splitIntoParts<T>(rows: readonly T[], size = ROWS_PER_SCHEDULE): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`A schedule part holds at least one row, not ${size}.`);
  const parts: T[][] = [];
  for (let i = 0; i < rows.length; i += size) parts.push(rows.slice(i, i + size));
  return parts;
}
