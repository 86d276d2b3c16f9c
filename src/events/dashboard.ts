import type { Core, DashboardStep } from '../core/context.js';
import { formatWhen, nextOccurrence, roomAt } from './reading.js';
import { listPublicEvents } from './service.js';

// What events add to the dashboard: the next events with their places, so staff see at a glance what fills up.

const n = (x: number) => x.toLocaleString('en-GB');

/** The "Events coming up" card for this viewer. */
export function eventsDashboard(core: Core): DashboardStep {
  return async (viewer, { now }) => {
    const canEdit = viewer.can('events:edit');
    const upcoming = await listPublicEvents(core.db, { now, limit: 5 });
    const rows = upcoming.map(({ event, occurrences }) => {
      const next = nextOccurrence(occurrences, now);
      const when = next ? formatWhen(next.startsAt, next.endsAt, event.timeZone) : '';
      const room = next ? roomAt(next, event.capacity) : undefined;
      const places =
        !next || !room
          ? ''
          : room.kind === 'unlimited'
            ? `${n(next.placesTaken)} registered`
            : `${n(next.placesTaken)} of ${n(event.capacity ?? 0)} places taken${next.placesWaiting ? `, ${n(next.placesWaiting)} waiting` : ''}`;
      return {
        label: event.title,
        detail: [when, places].filter(Boolean).join(' · '),
        href: canEdit ? `/admin/events/${event.id}` : undefined,
      };
    });
    return {
      cards: [
        {
          title: 'Events coming up',
          order: 35,
          rows,
          empty: 'No event is planned.',
          link: canEdit ? { href: '/admin/events', label: 'All events' } : undefined,
        },
      ],
    };
  };
}
