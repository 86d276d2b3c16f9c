import { h, type ComponentChildren, type VNode } from 'preact';
import type { DbOrTrx } from '../core/db/index.js';
import { startOfMonth, utcToZonedLocal } from '../core/time.js';
import { netByChannel, netByFund, netInSpans, regularGiftFigures, failedRegularGifts } from './admin-queries.js';
import { CHANNEL_WORDS, type Channel } from './model.js';
import { listFunds, type RegularGiftRow } from './queries.js';

// The giving figures for staff: money received per month over the last twelve, per fund and per channel, and the
// monthly donors (active, their monthly value, cancelled, new). Charts are drawn on the server as SVG (no script,
// nothing loaded from elsewhere) with a <title> and <desc>, always beside a table of the same numbers.
// "Received" means money that came in, less refunds: gifts waiting for the bank and failed payments count nothing.

const DAY = 86_400_000;

/** Pence as pounds for staff: "£1,234.50". */
export function formatPounds(pence: number): string {
  const sign = pence < 0 ? '−' : '';
  const abs = Math.abs(Math.round(pence));
  const pounds = Math.floor(abs / 100).toLocaleString('en-GB');
  return `${sign}£${pounds}.${String(abs % 100).padStart(2, '0')}`;
}

/** A calendar month in the organisation's zone: [from, to) in UTC ms, and its key "2026-12". */
export interface MonthSpan {
  key: string;
  from: number;
  to: number;
}

/** The twelve calendar months up to and including the one `now` falls in, oldest first. */
export function lastTwelveMonths(now: number, timeZone: string): MonthSpan[] {
  const spans: MonthSpan[] = [];
  let to = Number.POSITIVE_INFINITY;
  let from = startOfMonth(now, timeZone);
  for (let i = 0; i < 12; i++) {
    spans.unshift({ key: utcToZonedLocal(from, timeZone).slice(0, 7), from, to: i === 0 ? now + 1 : to });
    to = from;
    // A day before the first of the month is always inside the month before, whatever the clocks did.
    from = startOfMonth(from - DAY, timeZone);
  }
  return spans;
}

/** "2026-12" → "Dec 2026" (short) or "December 2026" (long). */
export function monthWords(key: string, o: { short: boolean }): string {
  const [y, m] = key.split('-').map(Number) as [number, number];
  return new Intl.DateTimeFormat('en-GB', { month: o.short ? 'short' : 'long', year: 'numeric', timeZone: 'UTC' }).format(
    Date.UTC(y, m - 1, 15),
  );
}

/** The figures page's numbers. */
export interface DonationFigures {
  months: Array<MonthSpan & { count: number; netPence: number }>;
  byFund: Array<{ fundId: number | null; name: string; count: number; netPence: number }>;
  byChannel: Array<{ channel: Channel; name: string; count: number; netPence: number }>;
  regular: { active: number; activeMonthlyPence: number; paused: number; cancelled: number; started: number };
  /** Monthly gifts whose last payment failed in the last 30 days. */
  failed: RegularGiftRow[];
  /** The span the fund and channel figures cover (the twelve months). */
  from: number;
  to: number;
}

/** Works out the figures page: twelve months of money received, by month, fund and channel, and the monthly donors. */
export async function loadDonationFigures(db: DbOrTrx, o: { now: number; timeZone: string }): Promise<DonationFigures> {
  const months = lastTwelveMonths(o.now, o.timeZone);
  const from = months[0]!.from;
  const to = o.now + 1;
  const [sums, funds, fundRows, channelRows, regular, failed] = await Promise.all([
    netInSpans(db, months),
    listFunds(db, { publishedOnly: false }),
    netByFund(db, from, to),
    netByChannel(db, from, to),
    regularGiftFigures(db, { churnSince: o.now - 365 * DAY, newSince: startOfMonth(o.now, o.timeZone) }),
    failedRegularGifts(db, o.now - 30 * DAY),
  ]);
  const fundName = new Map(funds.map((f) => [Number(f.id), f.name]));
  return {
    months: months.map((m, i) => ({ ...m, ...sums[i]! })),
    byFund: fundRows
      .map((r) => ({ ...r, name: r.fundId === null ? 'No fund in particular' : (fundName.get(r.fundId) ?? 'A fund since deleted') }))
      .sort((a, b) => b.netPence - a.netPence || a.name.localeCompare(b.name)),
    byChannel: channelRows.map((r) => ({ ...r, name: CHANNEL_WORDS[r.channel] ?? r.channel })).sort((a, b) => b.netPence - a.netPence),
    regular,
    failed,
    from,
    to,
  };
}

/** A round top for the value axis in pence (£1, £2, £5, £10, £20, £50 …), at least the largest value. */
export function poundsAxisTop(maxPence: number): number {
  if (maxPence <= 100) return 100;
  const magnitude = 10 ** Math.floor(Math.log10(maxPence));
  for (const step of [1, 2, 5, 10]) if (step * magnitude >= maxPence) return step * magnitude;
  return 10 * magnitude;
}

/** An SVG element (a .ts file has no JSX; preact's typings of h() are for HTML). */
function el(tag: string, attrs: Record<string, string | number>, ...children: ComponentChildren[]): VNode {
  return h(tag, attrs as never, ...children) as VNode;
}

/** One bar: its short label under the axis, its words for a screen reader, and its value in pence. */
export interface MoneyBar {
  key: string;
  label: string;
  words: string;
  pence: number;
}

/**
 * A bar chart of sums of money as an SVG element (role="img", with <title> and <desc>, each bar with its own
 * <title>). Negative sums (more refunded than received) are drawn as nothing: the table beside says the number.
 */
export function moneyChart(bars: readonly MoneyBar[], o: { id: string; title: string; desc: string }): VNode {
  const pad = { left: 70, right: 12, top: 16, bottom: 40 };
  const barW = 28;
  const gap = 14;
  const plotW = Math.max(bars.length * (barW + gap), 300);
  const W = pad.left + plotW + pad.right;
  const H = 240;
  const plotH = H - pad.top - pad.bottom;
  const top = poundsAxisTop(Math.max(0, ...bars.map((b) => b.pence)));
  const y = (v: number) => pad.top + (1 - Math.max(0, v) / top) * plotH;
  const titleId = `${o.id}-title`;
  const descId = `${o.id}-desc`;
  const children: VNode[] = [
    el('title', { id: titleId }, o.title),
    el('desc', { id: descId }, o.desc),
    el('line', { x1: pad.left, y1: H - pad.bottom, x2: W - pad.right, y2: H - pad.bottom, class: 'chart-axis' }),
    el('line', { x1: pad.left, y1: pad.top, x2: pad.left, y2: H - pad.bottom, class: 'chart-axis' }),
    el('text', { x: pad.left - 6, y: pad.top + 4, 'text-anchor': 'end', class: 'chart-label' }, formatPounds(top).replace(/\.00$/, '')),
    el('text', { x: pad.left - 6, y: H - pad.bottom, 'text-anchor': 'end', class: 'chart-label' }, '£0'),
  ];
  bars.forEach((b, i) => {
    const x = pad.left + gap / 2 + i * (barW + gap);
    children.push(
      el(
        'rect',
        { key: `${b.key}-bar`, x, y: y(b.pence), width: barW, height: Math.max(0, H - pad.bottom - y(b.pence)), fill: '#1d4e89' },
        [el('title', {}, `${b.words}: ${formatPounds(b.pence)}`)],
      ),
      el(
        'text',
        { key: `${b.key}-label`, x: x + barW / 2, y: H - pad.bottom + 16, 'text-anchor': 'middle', class: 'chart-label' },
        b.label,
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
