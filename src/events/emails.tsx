import { renderEmail, type RenderedEmail } from '../core/mail/render.js';
import { KIND_WORDS, MODE_WORDS, STATUS_WORDS, type EventPrivate, type LanternEvent, type PlaceState } from './model.js';

// Emails to people registered for an event. They go to whatever address was typed into a public form, so none
// carries the registered name, and the private parts (the joining link, a protest's meeting point) go only to people
// holding a place. Each names the person's own link, where they change or cancel.

/** One date in an email: when it is, and where the person stands. */
export interface DateLine {
  when: string;
  state: PlaceState;
  cancelled: boolean;
}

const STANDING: Readonly<Record<PlaceState, string>> = {
  confirmed: 'you have a place',
  waitlisted: 'you are on the waiting list',
  offered: 'a place is being held for you: take it from your page',
  cancelled: 'cancelled',
  lapsed: 'the offer has passed on',
};

function Dates({ dates }: { dates: DateLine[] }) {
  if (dates.length === 0) return null;
  return (
    <ul>
      {dates.map((d) => (
        <li>
          {d.when}: {d.cancelled ? 'this date is cancelled' : STANDING[d.state]}
        </li>
      ))}
    </ul>
  );
}

function Where({
  event,
  mapLink,
  private: priv,
}: {
  event: LanternEvent;
  mapLink?: string | undefined;
  private?: EventPrivate | undefined;
}) {
  return (
    <>
      {event.mode !== 'online' && (event.venueName || event.address) && (
        <p>
          <strong>Where:</strong> {[event.venueName, event.address.replace(/\n/g, ', ')].filter(Boolean).join(', ')}
          {mapLink && (
            <>
              {' '}
              (<a href={mapLink}>map on OpenStreetMap</a>)
            </>
          )}
        </p>
      )}
      {priv?.meetingPoint && (
        <p>
          <strong>Meeting point (for you only, please do not share it):</strong> {priv.meetingPoint}
        </p>
      )}
      {priv?.joiningLink && event.mode !== 'in_person' && (
        <p>
          <strong>Join online:</strong> <a href={priv.joiningLink}>{priv.joiningLink}</a> (for you only, please do not share it)
        </p>
      )}
      {event.accessibility && (
        <p>
          <strong>Access:</strong> {event.accessibility}
        </p>
      )}
    </>
  );
}

function Manage({ link }: { link: string }) {
  return (
    <p>
      To change the number of places, cancel a date or cancel altogether, use your own page: <a href={link}>{link}</a>. Anyone with this
      link can change your registration, so please do not forward this email.
    </p>
  );
}

/** Where someone stands after registering (or taking an offered place): places, waitlist, the details, their link. */
export function registrationEmail(o: {
  orgName: string;
  event: LanternEvent;
  heading: 'registered' | 'confirmed';
  places: number;
  dates: DateLine[];
  wholeSeries: boolean;
  private: EventPrivate | undefined;
  mapLink: string | undefined;
  pageUrl: string;
  manageLink: string;
}): RenderedEmail {
  const held = o.dates.some((d) => d.state === 'confirmed');
  const subject = held ? `Your place: ${o.event.title}` : `You are on the waiting list: ${o.event.title}`;
  return renderEmail({
    subject,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          {o.heading === 'confirmed' ? 'You have taken the place offered to you for' : 'Thank you for registering for'}{' '}
          <a href={o.pageUrl}>{o.event.title}</a> ({KIND_WORDS[o.event.kind].toLowerCase()}, {MODE_WORDS[o.event.mode].toLowerCase()}),{' '}
          {o.places === 1 ? 'for 1 place' : `for ${o.places} places`}
          {o.wholeSeries ? ', for every date of the series' : ''}.
        </p>
        <Dates dates={o.dates} />
        {!held && (
          <p>
            When a place frees up we will email you, and hold it for you for a while. If you cannot come after all, please cancel from your
            page so the next person gets the chance.
          </p>
        )}
        <Where event={o.event} mapLink={o.mapLink} private={o.private} />
        {held && <p>A calendar file for your diary is attached.</p>}
        <Manage link={o.manageLink} />
        <p>If you did not register, you can ignore this email, or cancel from the link above.</p>
      </div>
    ),
  });
}

/** To someone who registered again with the same address: their link, nothing else. */
export function alreadyRegisteredEmail(o: { orgName: string; title: string; manageLink: string }): RenderedEmail {
  return renderEmail({
    subject: `You are already registered: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>Someone, probably you, tried to register for “{o.title}” again with this address. You are already registered.</p>
        <Manage link={o.manageLink} />
        <p>If this was not you, you can ignore this email.</p>
      </div>
    ),
  });
}

/** A place freed from the waitlist, held for a while. */
export function offerEmail(o: {
  orgName: string;
  title: string;
  when: string;
  places: number;
  until: string;
  link: string;
}): RenderedEmail {
  return renderEmail({
    subject: `A place is free for you: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          {o.places === 1 ? 'A place has' : `${o.places} places have`} come free at “{o.title}” on {o.when}, and you are next on the waiting
          list.
        </p>
        <p>
          We are holding {o.places === 1 ? 'it' : 'them'} for you until <strong>{o.until}</strong>. To take {o.places === 1 ? 'it' : 'them'}
          , open your page and press “Take the place”: <a href={o.link}>{o.link}</a>
        </p>
        <p>If you do nothing, the place passes to the next person waiting. If you cannot come, you can cancel from the same page.</p>
      </div>
    ),
  });
}

/** An offer that ran out. */
export function offerLapsedEmail(o: { orgName: string; title: string; manageLink: string }): RenderedEmail {
  return renderEmail({
    subject: `The place we held has passed on: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>The place we were holding for you at “{o.title}” was not taken in time, so it has passed to the next person waiting.</p>
        <p>
          You can see your registration here: <a href={o.manageLink}>{o.manageLink}</a>
        </p>
      </div>
    ),
  });
}

const CHANGE_WORDS: Readonly<Record<string, string>> = {
  time: 'the time has changed',
  place: 'the place has changed',
  status: 'its status has changed',
};

/** What staff changed about an event or one of its dates, with the details as they are now. */
export function noticeEmail(o: {
  orgName: string;
  event: LanternEvent;
  changes: string[];
  dates: DateLine[];
  private: EventPrivate | undefined;
  mapLink: string | undefined;
  manageLink: string;
}): RenderedEmail {
  const cancelled = o.event.status === 'cancelled' || (o.dates.length > 0 && o.dates.every((d) => d.cancelled));
  const subject = cancelled
    ? `Cancelled: ${o.event.title}`
    : o.event.status === 'scheduled'
      ? `Changed: ${o.event.title}`
      : `${STATUS_WORDS[o.event.status]}: ${o.event.title}`;
  const what = o.changes.map((c) => CHANGE_WORDS[c] ?? c).join(', and ');
  return renderEmail({
    subject,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          You are registered for “{o.event.title}”, and {what}.{' '}
          {cancelled ? 'We are sorry for the change of plan.' : 'Here is how it stands now.'}
        </p>
        <p>
          <strong>Status:</strong> {STATUS_WORDS[o.event.status]}
        </p>
        <Dates dates={o.dates} />
        {!cancelled && <Where event={o.event} mapLink={o.mapLink} private={o.private} />}
        <Manage link={o.manageLink} />
      </div>
    ),
  });
}
