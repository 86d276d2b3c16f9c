// Wall-clock times in the organisation's time zone, as a datetime-local field sends and shows them.

/** The shape of a datetime-local field's value: "2026-12-01T09:30". */
export const DATETIME_LOCAL = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/;

function offsetAt(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(ms));
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
  const before = guess - offsetAt(guess - 86_400_000 / 2, timeZone);
  const after = guess - offsetAt(guess + 86_400_000 / 2, timeZone);
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
