import type { Core } from '../../src/core/context.js';
import { createEvent, type EventInput, type LanternEvent } from '../../src/events/service.js';

// Events for tests: an EventInput with sensible defaults (a published one-off meeting a week from now, in London).

let made = 0;
const HOUR = 3600_000;

/** An event's input with these overrides (a unique slug unless one is given). */
export function eventInput(o: Partial<EventInput> = {}): EventInput {
  made += 1;
  const startsAt = o.startsAt ?? Date.now() + 7 * 24 * HOUR;
  return {
    slug: `test-event-${process.pid}-${made}`,
    title: `Test event ${made}`,
    summary: 'A public meeting about forced labour in the cotton trade.',
    description: 'We meet to hear from **three speakers**.',
    kind: 'meeting',
    mode: 'in_person',
    status: 'scheduled',
    publication: 'published',
    timeZone: 'Europe/London',
    startsAt,
    endsAt: o.endsAt ?? startsAt + 2 * HOUR,
    series: null,
    venueName: 'Friends Meeting Hall',
    address: '1 Sample Street\nLondon',
    accessibility: 'Step-free entrance; hearing loop.',
    capacity: null,
    maxPlacesPerRegistration: 4,
    registrationDeadline: null,
    campaignId: null,
    organiserName: 'Freedom Thread events team',
    organiserEmail: 'events@freedomthread.example.org',
    questions: [],
    joiningLink: '',
    meetingPoint: '',
    recordingUrl: '',
    recordingResourceId: null,
    materials: '',
    newsletterListId: null,
    ...o,
  };
}

/** Creates an event through the service (as staff would). */
export async function makeTestEvent(core: Core, o: Partial<EventInput> = {}): Promise<LanternEvent> {
  return createEvent(core, null, eventInput(o));
}
