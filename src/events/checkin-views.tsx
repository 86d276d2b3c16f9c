import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Select, TextArea, Time } from '../core/web/components.js';
import type { CheckInPage, CheckInPerson, DoorRoom } from './checkin.js';
import type { EventMessageSummary } from './messages.js';
import type { LanternEvent, Occurrence } from './model.js';
import { formatWhen } from './reading.js';

// The door and the messages, for staff. The check-in page is for a phone on a poor connection: no images, no
// script, one form for the whole list (one CSRF token, not one per person), one big button per person, every action
// a plain POST that comes back to the same place in the list. It shows names and places only: email addresses are
// searched but not displayed, so a phone held up at a door shows nobody's address.

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

const n = (x: number) => x.toLocaleString('en-GB');
const placesWord = (x: number) => `${n(x)} ${x === 1 ? 'place' : 'places'}`;

/** A date in the lists: when, and "cancelled" if it is. */
export function dateLabel(event: LanternEvent, o: Occurrence): string {
  return `${formatWhen(o.startsAt, o.endsAt, event.timeZone)}${o.status === 'cancelled' ? ' (cancelled)' : ''}`;
}

const clock = (ms: number, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(ms);

/** The address of the check-in page for a date and a search, at a person when given. */
export function checkInHref(
  eventId: number,
  o: { date?: number | undefined; q?: string | undefined; extra?: Record<string, string>; at?: number },
): string {
  const params = new URLSearchParams();
  if (o.date !== undefined) params.set('date', String(o.date));
  if (o.q) params.set('q', o.q);
  for (const [k, v] of Object.entries(o.extra ?? {})) params.set(k, v);
  const query = params.toString();
  return `/admin/events/${eventId}/check-in${query ? `?${query}` : ''}${o.at !== undefined ? `#p-${o.at}` : ''}`;
}

function Standing({ p, timeZone }: { p: CheckInPerson; timeZone: string }) {
  if (p.attendance === 'attended') return <span>Checked in{p.checkedInAt !== null ? ` at ${clock(p.checkedInAt, timeZone)}` : ''}</span>;
  if (p.attendance === 'no_show') return <span>Marked as a no-show</span>;
  return <span class="muted">Not checked in yet</span>;
}

function RoomLine({ room }: { room: DoorRoom }) {
  if (room.kind === 'unlimited') return <p>This date has no limit on places.</p>;
  const waiting =
    room.waitingPeople > 0 ? `, ${n(room.waitingPeople)} ${room.waitingPeople === 1 ? 'person' : 'people'} on the waiting list` : '';
  return (
    <p>
      {room.left > 0 && room.waitingPeople === 0 ? `${placesWord(room.left)} left` : 'This date is full'} ({n(room.taken)} of{' '}
      {n(room.capacity)} taken
      {waiting}).
      {(room.left === 0 || room.waitingPeople > 0) && ' A walk-in can only take a free place: people on the waiting list asked first.'}
    </p>
  );
}

/** The check-in page of one date: counts, search, the list with a button per person, walk-ins and no-shows. */
export function CheckInView(p: {
  page: CheckInPage;
  csrf: string;
  q: string;
  canExport: boolean;
  notice?: string | undefined;
  errors?: Errors;
  walkIn?: Values;
}) {
  const { event, occurrence, counts, people } = p.page;
  const date = occurrence?.id;
  const tz = event.timeZone;
  const notYet = counts.expectedPlaces - counts.checkedInPlaces;
  return (
    <>
      <p>
        <a href={`/admin/events/${event.id}`}>Back to the event</a>
      </p>
      <h1>Check-in: {event.title}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      {!occurrence ? (
        <p>This event has no dates yet.</p>
      ) : (
        <>
          {p.page.occurrences.length > 1 ? (
            <form method="get" action={`/admin/events/${event.id}/check-in`} class="form inline-fields">
              <Select
                name="date"
                label="Date"
                value={String(occurrence.id)}
                options={p.page.occurrences.map((o) => ({ value: String(o.id), label: dateLabel(event, o) }))}
              />
              <button type="submit" class="button button-secondary">
                Show this date
              </button>
            </form>
          ) : (
            <p>{dateLabel(event, occurrence)}</p>
          )}
          <dl class="stats">
            <div>
              <dt>Places booked</dt>
              <dd>{n(counts.expectedPlaces)}</dd>
            </div>
            <div>
              <dt>Checked in</dt>
              <dd>{n(counts.checkedInPlaces)}</dd>
            </div>
            <div>
              <dt>Still to come</dt>
              <dd>{n(notYet)}</dd>
            </div>
          </dl>
          <p class="muted">
            {n(counts.checkedInPeople)} of {n(counts.expectedPeople)} {counts.expectedPeople === 1 ? 'booking' : 'bookings'} checked in
            {counts.noShowPeople > 0 ? `, ${n(counts.noShowPeople)} marked as no-shows` : ''}.
          </p>

          <form method="get" action={`/admin/events/${event.id}/check-in`} class="form inline-fields" role="search" aria-label="Attendees">
            <input type="hidden" name="date" value={String(date)} />
            <Field
              name="q"
              type="text"
              label="Find someone"
              hint="Part of their name or email address"
              value={p.q}
              maxLength={100}
              autocomplete="off"
            />
            <button type="submit" class="button">
              Find
            </button>
          </form>
          {p.q && (
            <p>
              <a href={checkInHref(event.id, { date })}>Show everyone</a>
            </p>
          )}

          <h2>{p.q ? `Found: ${n(p.page.matches)}` : 'Everyone with a place'}</h2>
          {people.length === 0 ? (
            <p>
              {p.q
                ? 'Nobody with a place on this date matches that. Check the spelling, or try part of the name.'
                : 'Nobody has a place on this date yet.'}
            </p>
          ) : (
            <form method="post" action={`/admin/events/${event.id}/check-in`}>
              <CsrfField token={p.csrf} />
              <input type="hidden" name="date" value={String(date)} />
              <input type="hidden" name="q" value={p.q} />
              <ul class="plain-list">
                {people.map((x) => (
                  <li key={x.placeId} id={`p-${x.placeId}`}>
                    <strong>{x.name}</strong>, {placesWord(x.places)}
                    {x.walkIn ? ' (at the door)' : ''}
                    <br />
                    <Standing p={x} timeZone={tz} />
                    <br />
                    {x.attendance === 'attended' ? (
                      <button type="submit" name="undo" value={String(x.placeId)} class="button button-secondary">
                        Undo<span class="visually-hidden"> the check-in of {x.name}</span>
                      </button>
                    ) : (
                      <button type="submit" name="in" value={String(x.placeId)} class="button">
                        Check in<span class="visually-hidden"> {x.name}</span>
                      </button>
                    )}
                  </li>
                ))}
              </ul>
            </form>
          )}
          {p.page.matches > people.length && (
            <p>
              Showing {n(people.length)} of {n(p.page.matches)}. Search for a name to find the others.
            </p>
          )}

          {!p.page.ended && occurrence.status === 'scheduled' && (
            <>
              <h2 id="walk-in">Someone at the door</h2>
              <RoomLine room={p.page.room} />
              <form method="post" action={`/admin/events/${event.id}/walk-in`} class="form" noValidate>
                <CsrfField token={p.csrf} />
                <input type="hidden" name="date" value={String(date)} />
                <Field name="name" label="Their name" value={p.walkIn?.name} error={p.errors?.name} maxLength={100} autocomplete="off" />
                <Field
                  name="email"
                  type="email"
                  label="Their email address (optional)"
                  hint="If they give one, they get the usual email with their own link to change or cancel."
                  value={p.walkIn?.email}
                  error={p.errors?.email}
                  maxLength={254}
                  autocomplete="off"
                />
                <Field
                  name="places"
                  type="number"
                  inputMode="numeric"
                  width="short"
                  label="Places"
                  hint={`Up to ${n(event.maxPlacesPerRegistration)}`}
                  value={p.walkIn?.places ?? '1'}
                  error={p.errors?.places}
                />
                <button type="submit" class="button">
                  Register and check in
                </button>
              </form>
            </>
          )}

          {p.page.started && counts.expectedPeople - counts.checkedInPeople - counts.noShowPeople > 0 && (
            <>
              <h2>When the doors close</h2>
              <form method="post" action={`/admin/events/${event.id}/no-shows`} class="form">
                <CsrfField token={p.csrf} />
                <input type="hidden" name="date" value={String(date)} />
                <p>Anyone who arrives later can still be checked in.</p>
                <button type="submit" class="button button-secondary">
                  Mark the {n(counts.expectedPeople - counts.checkedInPeople - counts.noShowPeople)} not checked in as no-shows
                </button>
              </form>
            </>
          )}
        </>
      )}
      <h2>More</h2>
      <ul>
        <li>
          <a href={`/admin/events/${event.id}/message`}>Email the people registered</a>
        </li>
        {p.canExport && (
          <li>
            <a href={`/admin/events/${event.id}/attendees.csv`}>Download the attendee list (CSV)</a>
          </li>
        )}
      </ul>
    </>
  );
}

function MessageProgress({ m, event, occurrences }: { m: EventMessageSummary; event: LanternEvent; occurrences: readonly Occurrence[] }) {
  const occ = m.occurrenceId === null ? undefined : occurrences.find((o) => o.id === m.occurrenceId);
  const done = m.sent + m.failed + m.skipped;
  return (
    <li>
      <strong>{m.subject}</strong>
      <br />
      To {occ ? `people registered for ${dateLabel(event, occ)}` : 'people registered for any date'}
      {m.includeWaitlist ? ', waiting list included' : ''}. Started <Time ms={m.createdAt} timeZone={event.timeZone} />.
      <div class="newsletter-progress">
        <label for={`progress-${m.id}`}>
          Sent {n(m.sent)} of {n(m.total)}
          {m.state === 'sent' ? ': finished' : ''}
        </label>
        <progress id={`progress-${m.id}`} max={m.total} value={done}>
          {n(done)} of {n(m.total)}
        </progress>
      </div>
      {m.skipped > 0 && <p>{n(m.skipped)} skipped: they cancelled before their turn.</p>}
      {m.failed > 0 && <p class="bad">{n(m.failed)} could not be delivered: the mail server refused the address.</p>}
      {m.lastError && m.state === 'sending' && <p class="bad">{m.lastError}</p>}
    </li>
  );
}

/** Whether the message form's box "also the people on the waiting list" is ticked (as forms.ts `checkbox` reads it). */
export function waitlistChosen(v: Values): boolean {
  return v.includeWaitlist === 'on' || v.includeWaitlist === 'true' || v.includeWaitlist === '1';
}

/** Who a message goes to, in one word: the date's id (or "all") and whether the waiting list is included. */
export function recipientsChoice(date: string | number | undefined, includeWaitlist: boolean): string {
  return `${date || 'all'}${includeWaitlist ? '+waiting' : ''}`;
}

/** The form to email the people registered for a date (or any date), and the messages sent before with their progress. */
export function MessageView(p: {
  event: LanternEvent;
  occurrences: readonly Occurrence[];
  messages: readonly EventMessageSummary[];
  /** How many people with an address hold a place at any date now. */
  reachable: number;
  /** How many people the message goes to with the choice of the form as shown (its date and waiting list). */
  recipients: number;
  csrf: string;
  values?: Values;
  errors?: Errors;
  notice?: string | undefined;
  /** A note that the choice of who gets it changed, so the number on the button changed before anything was sent. */
  recounted?: boolean;
}) {
  const { event } = p;
  const v = p.values ?? {};
  const sending = p.messages.some((m) => m.state === 'sending');
  const to = (x: number) => `${n(x)} ${x === 1 ? 'person' : 'people'}`;
  return (
    <>
      <p>
        <a href={`/admin/events/${event.id}`}>Back to the event</a> · <a href={`/admin/events/${event.id}/check-in`}>Check-in</a>
      </p>
      <h1>Email the people registered: {event.title}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.recounted && (
        <Notice kind="warning">
          Nothing is sent yet. With who you chose, this email goes to {to(p.recipients)}. Check the message and press the button again to
          send it.
        </Notice>
      )}
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/events/${event.id}/message`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        {/* The button says how many people get the email for the choice shown; if staff change the choice, the server
            says the new number before sending (checkin-routes.tsx sendMessageFromForm), as there is no script here to
            update the button. */}
        <input type="hidden" name="counted" value={recipientsChoice(v.date, waitlistChosen(v))} />
        <Select
          name="date"
          label="Who gets it"
          hint={`${p.reachable === 0 ? 'Right now nobody with an email address has' : `Right now ${to(p.reachable)} with an email address ${p.reachable === 1 ? 'has' : 'have'}`} a place at one date or more. People who cancel before their turn are skipped.`}
          value={v.date ?? 'all'}
          error={p.errors?.date}
          options={[
            { value: 'all', label: 'Everyone registered for any date' },
            ...p.occurrences.map((o) => ({ value: String(o.id), label: `People registered for ${dateLabel(event, o)}` })),
          ]}
        />
        <Checkbox name="includeWaitlist" label="Also the people on the waiting list" checked={waitlistChosen(v)} />
        <Field name="subject" label="Subject" value={v.subject} error={p.errors?.subject} maxLength={150} />
        <TextArea
          name="body"
          label="Message"
          hint="You can use **bold**, lists and links like [our report](https://example.org). Pictures are left out. Each email ends with the person’s own link to change or cancel their registration."
          value={v.body}
          error={p.errors?.body}
          rows={10}
          maxLength={20000}
        />
        <button type="submit" class="button">
          {p.recipients === 0 ? 'Send the email' : `Send the email to ${to(p.recipients)}`}
        </button>
      </form>
      <h2>Sent before</h2>
      {p.messages.length === 0 ? (
        <p>No emails yet.</p>
      ) : (
        <>
          {sending && (
            <p>
              Sending goes on in the background. <a href={`/admin/events/${event.id}/message`}>Refresh this page</a> to see how far it has
              got.
            </p>
          )}
          <ul class="plain-list">
            {p.messages.map((m) => (
              <MessageProgress key={m.id} m={m} event={event} occurrences={p.occurrences} />
            ))}
          </ul>
        </>
      )}
    </>
  );
}
