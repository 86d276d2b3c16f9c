import { h, type ComponentChildren, type VNode } from 'preact';
import type { Attendance, Occurrence } from './model.js';

// Attendance figures of an event, per date and over a series, and their chart: a bar chart drawn on the server as
// SVG (no script, nothing loaded from elsewhere), with a <title> and <desc> for screen readers, always shown beside a
// table of the same numbers (actions' count chart works the same way). Pure: the numbers come in, the chart goes out.
//
// Figures count people, not registrations: a party of three is three people registered and, once checked in, three
// who came. "Registered" is those who registered ahead (online); people registered at the door are walk-ins.

/** One holder of places at a date, as the figures need them. */
export interface FigurePlace {
  occurrenceId: number;
  places: number;
  attendance: Attendance;
  /** Registered at the door. */
  walkIn: boolean;
}

/** The figures of one date. */
export interface DateFigures {
  occurrenceId: number;
  startsAt: number;
  endsAt: number;
  /** The date has started (so whether people came means something). */
  held: boolean;
  /** People with a place, registered ahead. */
  registered: number;
  /** People checked in, walk-ins included. */
  attended: number;
  /** People registered ahead and marked as not having come. */
  noShows: number;
  /** People registered and checked in at the door. */
  walkIns: number;
  /** People registered ahead at a date held, neither checked in nor marked as a no-show. */
  notRecorded: number;
}

/** The totals over the dates held. */
export interface FigureTotals {
  /** Dates held (started and not cancelled). */
  dates: number;
  registered: number;
  attended: number;
  noShows: number;
  walkIns: number;
  notRecorded: number;
  /** Of the people registered ahead, the share who came (0 to 1); null when nobody registered ahead. */
  turnout: number | null;
}

/** An event's figures: every date going ahead (held or to come), in date order, and the totals over those held. */
export interface EventFigures {
  dates: DateFigures[];
  totals: FigureTotals;
}

/** Works out the figures of an event's dates from the places held there (confirmed places only). */
export function computeFigures(occurrences: readonly Occurrence[], places: readonly FigurePlace[], now: number): EventFigures {
  const byDate = new Map<number, DateFigures>();
  const dates: DateFigures[] = [];
  for (const o of occurrences) {
    if (o.status === 'cancelled') continue;
    const d: DateFigures = {
      occurrenceId: o.id,
      startsAt: o.startsAt,
      endsAt: o.endsAt,
      held: o.startsAt <= now,
      registered: 0,
      attended: 0,
      noShows: 0,
      walkIns: 0,
      notRecorded: 0,
    };
    byDate.set(o.id, d);
    dates.push(d);
  }
  for (const p of places) {
    const d = byDate.get(p.occurrenceId);
    if (!d) continue;
    if (p.walkIn) d.walkIns += p.places;
    else d.registered += p.places;
    if (p.attendance === 'attended') d.attended += p.places;
    if (p.attendance === 'no_show' && !p.walkIn) d.noShows += p.places;
    if (p.attendance === 'unknown' && !p.walkIn && d.held) d.notRecorded += p.places;
  }
  const held = dates.filter((d) => d.held);
  const sum = (k: 'registered' | 'attended' | 'noShows' | 'walkIns' | 'notRecorded') => held.reduce((n, d) => n + d[k], 0);
  const registered = sum('registered');
  const attendedAhead = places.reduce((n, p) => {
    const d = byDate.get(p.occurrenceId);
    return d?.held && !p.walkIn && p.attendance === 'attended' ? n + p.places : n;
  }, 0);
  return {
    dates,
    totals: {
      dates: held.length,
      registered,
      attended: sum('attended'),
      noShows: sum('noShows'),
      walkIns: sum('walkIns'),
      notRecorded: sum('notRecorded'),
      turnout: registered === 0 ? null : attendedAhead / registered,
    },
  };
}

/** The bars of each date, in the chart's order, with their colours (dark enough to read against white). */
export const FIGURE_BARS = [
  { key: 'registered', label: 'Registered', colour: '#1d4e89' },
  { key: 'attended', label: 'Came', colour: '#2e6b30' },
  { key: 'noShows', label: 'No-shows', colour: '#a4262c' },
  { key: 'walkIns', label: 'Walk-ins', colour: '#5c3d87' },
] as const;

/** The most dates the chart draws (the most recent held); the table beside it lists them all. */
export const CHART_MAX_DATES = 24;

const n = (x: number) => x.toLocaleString('en-GB');

const plural = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;

/** The four numbers in words: "12 registered, 9 came, 3 no-shows, 1 walk-in". */
const counts = (c: { registered: number; attended: number; noShows: number; walkIns: number }) =>
  `${n(c.registered)} registered, ${n(c.attended)} came, ${plural(c.noShows, 'no-show', 'no-shows')}, ${plural(c.walkIns, 'walk-in', 'walk-ins')}`;

/** An SVG element (a .ts file has no JSX; preact's typings of h() are for HTML). */
function el(tag: string, attrs: Record<string, string | number>, ...children: ComponentChildren[]): VNode {
  return h(tag, attrs as never, ...children) as VNode;
}

/** A round top for the value axis (1, 2, 5, 10, 20, 50 …), at least the largest value. */
export function axisTop(max: number): number {
  if (max <= 1) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= max) return step * magnitude;
  return 10 * magnitude;
}

/**
 * The bar chart of the dates held (the most recent CHART_MAX_DATES), as an SVG element: for each date a group of
 * four bars (registered, came, no-shows, walk-ins), a legend, the value axis from 0 to a round top, and each bar with
 * its own <title> (the date and the number). `id` makes its <title>/<desc> ids unique on the page; `dateLabel`
 * writes a date short ("8 Dec"), `dateWords` in full. Undefined when no date has been held yet.
 */
export function figuresChart(
  figures: EventFigures,
  o: { id: string; title: string; dateLabel: (ms: number) => string; dateWords: (ms: number) => string },
): VNode | undefined {
  const held = figures.dates.filter((d) => d.held).slice(-CHART_MAX_DATES);
  if (held.length === 0) return undefined;
  const barW = 12;
  const gap = 2;
  const groupW = FIGURE_BARS.length * (barW + gap) + 14;
  const pad = { left: 44, right: 12, top: 40, bottom: 34 };
  const plotW = Math.max(held.length * groupW, 460);
  const W = pad.left + plotW + pad.right;
  const H = 240;
  const plotH = H - pad.top - pad.bottom;
  const top = axisTop(Math.max(...held.flatMap((d) => FIGURE_BARS.map((b) => d[b.key]))));
  const y = (v: number) => pad.top + (1 - v / top) * plotH;
  const offset = (plotW - held.length * groupW) / 2;
  const every = Math.ceil(held.length / 12);
  const t = figures.totals;
  const desc =
    held.length === 1
      ? `${o.dateWords(held[0]!.startsAt)}: ${counts(held[0]!)}. The table beside the chart gives the same numbers.`
      : `${n(held.length)} dates from ${o.dateWords(held[0]!.startsAt)} to ${o.dateWords(held[held.length - 1]!.startsAt)}. ` +
        `Over all ${n(t.dates)} dates held: ${counts(t)}. The table beside the chart gives every date.`;
  const titleId = `${o.id}-title`;
  const descId = `${o.id}-desc`;
  const children: VNode[] = [
    el('title', { id: titleId }, o.title),
    el('desc', { id: descId }, desc),
    // The legend, along the top.
    ...FIGURE_BARS.map((b, i) =>
      el('g', { key: b.key }, [
        el('rect', { x: pad.left + i * 110, y: 10, width: 12, height: 12, fill: b.colour }),
        el('text', { x: pad.left + i * 110 + 18, y: 21, class: 'chart-label' }, b.label),
      ]),
    ),
    el('line', { x1: pad.left, y1: H - pad.bottom, x2: W - pad.right, y2: H - pad.bottom, class: 'chart-axis' }),
    el('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: H - pad.bottom, class: 'chart-axis' }),
    el('text', { x: pad.left - 6, y: pad.top + 4, 'text-anchor': 'end', class: 'chart-label' }, n(top)),
    el('text', { x: pad.left - 6, y: H - pad.bottom, 'text-anchor': 'end', class: 'chart-label' }, '0'),
  ];
  held.forEach((d, gi) => {
    const gx = pad.left + offset + gi * groupW + 7;
    FIGURE_BARS.forEach((b, bi) => {
      const v = d[b.key];
      const x = gx + bi * (barW + gap);
      children.push(
        el(
          'rect',
          { key: `${d.occurrenceId}-${b.key}`, x, y: y(v), width: barW, height: Math.max(0, H - pad.bottom - y(v)), fill: b.colour },
          [el('title', {}, `${o.dateWords(d.startsAt)}: ${n(v)} ${b.label.toLowerCase()}`)],
        ),
      );
    });
    if (gi % every === 0)
      children.push(
        el(
          'text',
          {
            key: `${d.occurrenceId}-label`,
            x: gx + (FIGURE_BARS.length * (barW + gap)) / 2,
            y: H - pad.bottom + 16,
            'text-anchor': 'middle',
            class: 'chart-label',
          },
          o.dateLabel(d.startsAt),
        ),
      );
  });
  return el(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-labelledby': `${titleId} ${descId}`,
      class: 'count-chart',
      xmlns: 'http://www.w3.org/2000/svg',
    },
    children,
  );
}
