// The dates of an event series: which days a series rule falls on, and when each date starts and ends as UTC
// instants in the event's time zone. Pure: no database, no HTTP.
//
// Start and end are wall-clock times, so "every Tuesday 18:00" stays 18:00 local when the clocks change and moves by
// an hour in UTC. A start or end the clocks skip or repeat on some date is read as zonedLocalToUtc reads it; staff
// are warned before saving (seriesClockProblems), so such dates are rare and deliberate.

import { describeClockChange, formatDay, zonedLocalToUtc } from '../core/time.js';
import { WEEKDAY_NAMES, type SeriesRule, type Weekday } from './model.js';

/**
 * How many days ahead a series' dates are made. A series without an end date would otherwise have no last date:
 * the daily job makes the next stretch, so the stored dates stay bounded however long the series runs.
 */
export const MATERIALISE_DAYS = 180;

/** The most dates of one series made in one go, whatever the window: a bound on the rows one job run may write. */
export const MAX_OCCURRENCES_AHEAD = 60;

/** The most dates seriesClockProblems checks, so that checking a long series stays quick. */
const MAX_CHECKED = 2000;

const DAY = 86_400_000;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Calendar days are counted as whole days since 1970-01-01 (day 0, a Thursday), so weeks are arithmetic.
function dayNumber(day: string): number | null {
  if (!DATE.test(day)) return null;
  const ms = Date.parse(`${day}T00:00Z`);
  // Date.parse accepts 2026-02-30 and rolls it into March; a real day reads back unchanged.
  return Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day ? null : ms / DAY;
}
const dayString = (n: number): string => new Date(n * DAY).toISOString().slice(0, 10);
/** 1 Monday … 7 Sunday. */
const isoWeekday = (n: number): number => ((((n + 3) % 7) + 7) % 7) + 1;
/** The last day Date handles as a four-digit year, so that an open-ended window still ends. */
const LAST_DAY = Date.UTC(9999, 11, 31) / DAY;

const isWeekday = (w: unknown): w is Weekday => Number.isInteger(w) && (w as number) >= 1 && (w as number) <= 7;

function ruleIsValid(rule: SeriesRule): boolean {
  if (!TIME.test(rule.start) || !TIME.test(rule.end) || dayNumber(rule.firstDay) === null) return false;
  if (rule.until !== undefined && dayNumber(rule.until) === null) return false;
  if (rule.freq === 'weekly') return Number.isInteger(rule.interval) && rule.interval >= 1 && isWeekday(rule.weekday);
  if (rule.by === 'day') return Number.isInteger(rule.day) && rule.day! >= 1 && rule.day! <= 31;
  return [1, 2, 3, 4, -1].includes(rule.nth as number) && isWeekday(rule.weekday);
}

/** The day of month `m` (0-based) of year `y` the monthly rule picks, or null when that month has none (no 31st). */
function monthlyDay(rule: Extract<SeriesRule, { freq: 'monthly' }>, y: number, m: number): number | null {
  const first = Date.UTC(y, m, 1) / DAY;
  const length = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  if (rule.by === 'day') return rule.day! <= length ? first + rule.day! - 1 : null;
  const weekday = rule.weekday!;
  if (rule.nth === -1) {
    const last = first + length - 1;
    return last - ((isoWeekday(last) - weekday + 7) % 7);
  }
  // The fourth of a weekday is at most the 28th, so every month has one.
  return first + ((weekday - isoWeekday(first) + 7) % 7) + (rule.nth! - 1) * 7;
}

/** The days (day numbers, ascending) in [lo, hi] the rule falls on; lo and hi already within firstDay and until. */
function* ruleDays(rule: SeriesRule, lo: number, hi: number): Generator<number> {
  if (rule.freq === 'weekly') {
    // Weeks run Monday to Sunday and are counted from the week of the first day, so "every 2 weeks" keeps its rhythm
    // whatever window is asked for.
    const first = dayNumber(rule.firstDay)!;
    const base = first - (isoWeekday(first) - 1) + (rule.weekday - 1);
    const step = 7 * rule.interval;
    for (let d = base + Math.max(0, Math.ceil((lo - base) / step)) * step; d <= hi; d += step) yield d;
    return;
  }
  const month = (n: number) => {
    const date = new Date(n * DAY);
    return date.getUTCFullYear() * 12 + date.getUTCMonth();
  };
  for (let i = month(lo); i <= month(hi); i++) {
    const d = monthlyDay(rule, Math.floor(i / 12), i % 12);
    if (d !== null && d >= lo && d <= hi) yield d;
  }
}

interface Dated {
  startLocal: string;
  endLocal: string;
  startsAt: number;
  endsAt: number;
}

const minutes = (time: string): number => Number(time.slice(0, 2)) * 60 + Number(time.slice(3, 5));

/** The rule's dates whose start is in [from, to), in order, with their wall-clock start and end. */
function* datesOf(rule: SeriesRule, timeZone: string, from: number, to: number): Generator<Dated> {
  if (!ruleIsValid(rule) || !Number.isFinite(from) || Number.isNaN(to)) return;
  const nextDay = rule.end <= rule.start;
  const length = (minutes(rule.end) - minutes(rule.start) + (nextDay ? 24 * 60 : 0)) * 60_000;
  // A local day is within a day of the UTC one; two days' margin also covers a start the clocks push past midnight.
  const lo = Math.max(dayNumber(rule.firstDay)!, Math.floor(from / DAY) - 2);
  const hi = Math.min(rule.until ? dayNumber(rule.until)! : LAST_DAY, Math.floor(Math.min(to, LAST_DAY * DAY) / DAY) + 2);
  for (const d of ruleDays(rule, lo, hi)) {
    const startLocal = `${dayString(d)}T${rule.start}`;
    const endLocal = `${dayString(nextDay ? d + 1 : d)}T${rule.end}`;
    const startsAt = zonedLocalToUtc(startLocal, timeZone);
    if (startsAt === null || startsAt < from) continue;
    // Dates are at least a week apart, so starts only grow: the first past the window ends it.
    if (startsAt >= to) return;
    const end = zonedLocalToUtc(endLocal, timeZone);
    // A clock change can pull the end before the start (01:30–02:15 the night clocks go forward): keep the length.
    const endsAt = end !== null && end > startsAt ? end : startsAt + length;
    yield { startLocal, endLocal, startsAt, endsAt };
  }
}

/**
 * The dates of a series whose start is in [from, to), earliest first, at most `limit`, none before the first day or
 * after the until day. Start and end are the rule's wall-clock times in the zone; an end at or before the start is
 * on the next day (22:00 to 02:00). A monthly rule by day skips months without that day (no 31 April, no 30 February).
 * An invalid rule has no dates.
 */
export function occurrencesOf(
  rule: SeriesRule,
  timeZone: string,
  o: { from: number; to: number; limit: number },
): Array<{ startsAt: number; endsAt: number }> {
  const out: Array<{ startsAt: number; endsAt: number }> = [];
  if (!(o.limit >= 1)) return out;
  for (const d of datesOf(rule, timeZone, o.from, o.to)) {
    out.push({ startsAt: d.startsAt, endsAt: d.endsAt });
    if (out.length >= o.limit) break;
  }
  return out;
}

/**
 * The message for staff about the first date in the next `years` years (at most 2000 dates) whose start or end the
 * clocks skip or show twice, naming that date; undefined when every date is clear.
 */
export function seriesClockProblems(rule: SeriesRule, timeZone: string, o: { from: number; years: number }): string | undefined {
  let checked = 0;
  for (const d of datesOf(rule, timeZone, o.from, o.from + o.years * 365.25 * DAY)) {
    if (++checked > MAX_CHECKED) return undefined;
    for (const [which, local] of [
      ['start', d.startLocal],
      ['end', d.endLocal],
    ] as const) {
      const change = describeClockChange(local, timeZone);
      if (change) return `On ${formatDay(local.slice(0, 10))} this series would ${which} at ${local.slice(11)}. ${change.message}`;
    }
  }
  return undefined;
}

const NTH_WORDS = { 1: 'first', 2: 'second', 3: 'third', 4: 'fourth', [-1]: 'last' } as const;

function ordinal(n: number): string {
  const suffix = n % 10 === 1 && n !== 11 ? 'st' : n % 10 === 2 && n !== 12 ? 'nd' : n % 10 === 3 && n !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

/** A series rule in plain English: "Every Tuesday, 18:00 to 19:00 until 30 June 2027". */
export function describeRule(rule: SeriesRule): string {
  const times = `${rule.start} to ${rule.end}${rule.end <= rule.start ? ' the next day' : ''}`;
  const until = rule.until ? ` until ${formatDay(rule.until, { weekday: false })}` : '';
  if (rule.freq === 'weekly') {
    const day = WEEKDAY_NAMES[rule.weekday];
    return `${rule.interval === 1 ? `Every ${day}` : `Every ${rule.interval} weeks on ${day}`}, ${times}${until}`;
  }
  if (rule.by === 'day') {
    const day = ordinal(rule.day ?? 1);
    const skipped = (rule.day ?? 1) > 28 ? ` (months without a ${day} are skipped)` : '';
    return `On the ${day} of every month, ${times}${until}${skipped}`;
  }
  return `On the ${NTH_WORDS[rule.nth ?? 1]} ${WEEKDAY_NAMES[rule.weekday ?? 1]} of every month, ${times}${until}`;
}
