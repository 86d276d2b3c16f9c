import type { Core, DashboardStep, NeedsAPerson } from '../core/context.js';
import { startOfMonth } from '../core/time.js';
import { countFailedRegularGifts, countParkedEvents, netInSpans, regularGiftFigures } from './admin-queries.js';
import { formatPounds } from './figures.js';

// What donations add to the dashboard, for staff who may see gifts: this month's money received and the monthly
// donors, and what needs a person (payments Lantern could not match to anything, monthly payments that failed).

const DAY = 86_400_000;
const n = (x: number) => x.toLocaleString('en-GB');

/** The "Donations" card and its needs, for viewers who may see donations. */
export function donationsDashboard(core: Core): DashboardStep {
  return async (viewer, { now, timeZone }) => {
    if (!viewer.can('donations:view')) return {};
    const monthStart = startOfMonth(now, timeZone);
    const [[month], regular, parked, failed] = await Promise.all([
      netInSpans(core.db, [{ from: monthStart, to: now + 1 }]),
      regularGiftFigures(core.db, { churnSince: now - 365 * DAY, newSince: monthStart }),
      countParkedEvents(core.db),
      countFailedRegularGifts(core.db, now - 30 * DAY),
    ]);
    const needs: NeedsAPerson[] = [];
    if (parked > 0)
      needs.push({
        label: parked === 1 ? '1 payment needs a look' : `${n(parked)} payments need a look`,
        count: parked,
        href: '/admin/donations/payment-events',
      });
    if (failed > 0)
      needs.push({
        label: failed === 1 ? '1 monthly payment failed in the last 30 days' : `${n(failed)} monthly payments failed in the last 30 days`,
        count: failed,
        href: '/admin/donations/figures#failed',
      });
    return {
      cards: [
        {
          title: 'Donations',
          order: 45,
          figures: [
            {
              label: 'Received this month',
              value: formatPounds(month!.netPence),
              detail: `${n(month!.count)} ${month!.count === 1 ? 'gift' : 'gifts'}, less refunds`,
              href: '/admin/donations/figures',
            },
            {
              label: 'Monthly donors',
              value: n(regular.active),
              detail: `${formatPounds(regular.activeMonthlyPence)} a month${regular.started > 0 ? `, ${n(regular.started)} new this month` : ''}`,
              href: '/admin/donations/figures#monthly',
            },
          ],
          link: { href: '/admin/donations', label: 'All gifts' },
        },
      ],
      needs,
    };
  };
}
