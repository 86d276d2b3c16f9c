// Wall-clock times in the organisation's time zone, as a datetime-local field sends and shows them.

/** The shape of a datetime-local field's value: "2026-12-01T09:30". */
export const DATETIME_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

// One formatter per zone: building one costs about fifty times as much as using it, and a series' dates call this
// thousands of times. An unknown zone throws before anything is kept.
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

function offsetAt(ms: number, timeZone: string): number {
  let formatter = zoneFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    zoneFormatters.set(timeZone, formatter);
  }
  const parts = formatter.formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second')) - ms;
}

/**
 * The UTC instant of a wall-clock time ("2026-12-01T09:30", as a datetime-local field sends it) in a time zone.
 * A time repeated by a clock change means its first occurrence; one skipped by it is read with the offset from
 * before the change (01:30 in the hour skipped in spring is 02:30 summer time).
 */
export function zonedLocalToUtc(local: string, timeZone: string): number | null {
  const m = DATETIME_LOCAL.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59) return null;
  const guess = Date.UTC(y, mo - 1, d, h, mi);
  if (new Date(guess).getUTCDate() !== d) return null;
  // A whole day either side: offsets reach +14 hours (New Zealand summer time is +13), so half a day can land on
  // the wrong side of the change and read 02:00 on the night clocks go back as 03:00.
  const before = guess - offsetAt(guess - 86_400_000, timeZone);
  const after = guess - offsetAt(guess + 86_400_000, timeZone);
  // Either reading that shows the same wall-clock time is a real occurrence; prefer the earlier one.
  const candidates = [before, after].filter((t) => t + offsetAt(t, timeZone) === guess).sort((a, b) => a - b);
  return candidates[0] ?? Math.max(before, after);
}

/** A UTC instant as the value of a datetime-local field in a time zone. */
export function utcToZonedLocal(ms: number, timeZone: string): string {
  const local = new Date(ms + offsetAt(ms, timeZone));
  return local.toISOString().slice(0, 16);
}

/** The first instant of the calendar month `ms` falls in, in a time zone (for "this month" figures). */
export function startOfMonth(ms: number, timeZone: string): number {
  return zonedLocalToUtc(`${utcToZonedLocal(ms, timeZone).slice(0, 7)}-01T00:00`, timeZone) ?? ms;
}

const DAY_MS = 86_400_000;
const WEEKDAY_WORDS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTH_WORDS = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

/** A wall-clock time ("2026-03-29T01:30") as if it were UTC, in ms; null when it is not a real date and time. */
function wallClockMs(local: string): number | null {
  const m = DATETIME_LOCAL.exec(local);
  if (!m) return null;
  const [y, mo, d, h, mi] = m.slice(1).map(Number) as [number, number, number, number, number];
  if (h > 23 || mi > 59) return null;
  const ms = Date.UTC(y, mo - 1, d, h, mi);
  // Rejects 2026-02-30 and month 13 (which Date.UTC rolls over) and years before 100 (which it reads as 19xx).
  return new Date(ms).toISOString().slice(0, 10) === local.slice(0, 10) ? ms : null;
}

/**
 * Every UTC instant whose wall-clock time in the zone is `local` ("2026-03-29T01:30"), earliest first: none in the
 * hour skipped when clocks go forward, two in the hour repeated when they go back, else one. [] when `local` is invalid.
 */
export function zonedLocalCandidates(local: string, timeZone: string): number[] {
  const wall = wallClockMs(local);
  if (wall === null) return [];
  // Offsets run from -12 to +14 hours, so the instants that might show `wall` lie within half a day or so of it;
  // the offsets in force either side of that stretch are all the readings there can be.
  const offsets = new Set([-DAY_MS, -DAY_MS / 2, 0, DAY_MS / 2, DAY_MS].map((d) => offsetAt(wall + d, timeZone)));
  const instants = new Set([...offsets].map((o) => wall - o));
  return [...instants].filter((t) => t + offsetAt(t, timeZone) === wall).sort((a, b) => a - b);
}

/** A calendar day ("2026-03-29") in words: "Sunday 29 March 2026", or "29 March 2026" with `weekday: false`. */
export function formatDay(day: string, o: { weekday?: boolean } = {}): string {
  const date = new Date(`${day}T00:00Z`);
  if (Number.isNaN(date.getTime())) return day;
  const words = `${date.getUTCDate()} ${MONTH_WORDS[date.getUTCMonth()]} ${date.getUTCFullYear()}`;
  return o.weekday === false ? words : `${WEEKDAY_WORDS[date.getUTCDay()]} ${words}`;
}

function durationWords(ms: number): string {
  const minutes = Math.round(Math.abs(ms) / 60_000);
  if (minutes === 60) return 'an hour';
  if (minutes === 30) return 'half an hour';
  if (minutes % 60 === 0) return `${minutes / 60} hours`;
  return `${minutes} minutes`;
}

/**
 * Undefined when the wall-clock time `local` happens exactly once in the zone (or is not a date and time at all);
 * else whether the clocks skip it ('gap') or show it twice ('repeated'), with a message telling staff when the
 * clocks change and which times to choose instead.
 */
export function describeClockChange(local: string, timeZone: string): { kind: 'gap' | 'repeated'; message: string } | undefined {
  const wall = wallClockMs(local);
  if (wall === null) return undefined;
  const candidates = zonedLocalCandidates(local, timeZone);
  if (candidates.length === 1) return undefined;
  // Find the instant of the change: every instant showing `wall` lies within 14 hours of it, and so does the change.
  let lo = wall - 15 * 3_600_000;
  let hi = wall + 15 * 3_600_000;
  const before = offsetAt(lo, timeZone);
  const after = offsetAt(hi, timeZone);
  if (before === after) return undefined;
  // Whole seconds: offsetAt reads the clock to the second, and the zone database changes offsets on one.
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (offsetAt(mid, timeZone) === before) lo = mid;
    else hi = mid;
  }
  const clock = (ms: number) => new Date(ms).toISOString().slice(11, 16);
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  // The stretch of wall-clock time affected: skipped (gap) or shown twice (repeated).
  const first = hi + Math.min(before, after);
  const last = hi + Math.max(before, after);
  const choose =
    clock(first) === '00:00'
      ? `Choose a time from ${clock(last)}, or another day.`
      : `Choose a time before ${clock(first)} or from ${clock(last)}${day(last) === day(first) ? '' : ` on ${formatDay(day(last))}`}.`;
  const time = local.slice(11);
  if (candidates.length === 0 && last - first >= DAY_MS) {
    // A zone that moved across the date line (Samoa at the end of 2011) skipped a whole calendar day.
    const message = `${formatDay(day(first))} does not happen in this time zone: the clocks skip the whole day. Choose another day.`;
    return { kind: 'gap', message };
  }
  if (candidates.length === 0) {
    const hour = new Date(first).getUTCHours();
    const when = hour >= 20 || hour < 6 ? 'night' : 'day';
    const message = `Clocks go forward at ${clock(first)} on ${formatDay(day(first))}, so ${time} does not happen that ${when}. ${choose}`;
    return { kind: 'gap', message };
  }
  const message =
    `${time} happens twice on ${formatDay(local.slice(0, 10))}, when clocks go back: once before the change and again ` +
    `${durationWords(before - after)} later. ${choose}`;
  return { kind: 'repeated', message };
}
