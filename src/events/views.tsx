import { h } from 'preact';
import type { Campaign } from '../actions/service.js';
import { renderMarkdown } from '../core/markdown.js';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Select, TextArea } from '../core/web/components.js';
import { ShareLinks } from '../core/web/share.js';
import type { PublicList } from '../supporters/service.js';
import { describeRule } from './recurrence.js';
import { EVENT_KINDS, KIND_WORDS, MODE_WORDS, STATUS_WORDS, type EventPrivate, type LanternEvent, type Occurrence } from './model.js';
import { formatMoment, formatWhen, mapLink, nextOccurrence, roomAt, type EventWithDates, type Room } from './reading.js';
import type { Registration } from './registering.js';

// The public pages of events: the lists (to come, past), an event's page with its registration form, "check your
// email", and a person's own page from their link. The joining link and a protest's meeting point appear only on
// that last page, for someone holding a place.

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

function RoomLine({ room }: { room: Room }) {
  if (room.kind === 'unlimited') return null;
  if (room.kind === 'places') return <span class="event-room">{room.left === 1 ? '1 place left' : `${room.left} places left`}</span>;
  return <span class="event-room event-room-full">Full: you can join the waiting list</span>;
}

/** Where an event happens, in a few words. */
function placeWords(e: LanternEvent): string {
  if (e.mode === 'online') return 'Online';
  const place = e.venueName || e.address.split('\n')[0] || '';
  return e.mode === 'hybrid' ? `${place} and online` : place;
}

/** An event as a card in a list (the lists, a campaign's page, the home page). */
export function EventCard({ item, now, headingLevel = 2 }: { item: EventWithDates; now: number; headingLevel?: 2 | 3 }) {
  const H = headingLevel === 2 ? 'h2' : 'h3';
  const e = item.event;
  const next = nextOccurrence(item.occurrences, now) ?? item.occurrences[item.occurrences.length - 1];
  return (
    <li class="card event-card">
      <p class="event-kind">
        {KIND_WORDS[e.kind]} · {MODE_WORDS[e.mode]}
        {e.status !== 'scheduled' && <strong class="event-status"> · {STATUS_WORDS[e.status]}</strong>}
      </p>
      <H>
        <a href={`/events/${e.slug}`}>{e.title}</a>
      </H>
      <p class="byline">
        {e.series ? describeRule(e.series) : next ? formatWhen(next.startsAt, next.endsAt, e.timeZone) : ''}
        {e.series && next && next.endsAt > now && (
          <>
            <br />
            Next: {formatWhen(next.startsAt, next.endsAt, e.timeZone)}
          </>
        )}
      </p>
      {e.mode !== 'online' && <p class="byline">{placeWords(e)}</p>}
      {e.summary && <p>{e.summary}</p>}
      {next && next.endsAt > now && e.status === 'scheduled' && <RoomLine room={roomAt(next, e.capacity)} />}
    </li>
  );
}

/** The filters of the list of events to come (a plain GET form). */
function Filters(p: { campaigns: Campaign[]; filter: { kind?: string | undefined; online?: boolean; campaign?: string | undefined } }) {
  return (
    <form method="get" action="/events" class="filters" aria-label="Filter the events">
      <Select
        name="kind"
        label="Kind of event"
        value={p.filter.kind}
        options={[{ value: '', label: 'Every kind' }, ...EVENT_KINDS.map((k) => ({ value: k, label: KIND_WORDS[k] }))]}
      />
      {p.campaigns.length > 0 && (
        <Select
          name="campaign"
          label="Campaign"
          value={p.filter.campaign}
          options={[{ value: '', label: 'Every campaign' }, ...p.campaigns.map((c) => ({ value: c.slug, label: c.title }))]}
        />
      )}
      <Checkbox name="online" label="Only events I can join online" checked={p.filter.online} />
      <button type="submit" class="button-secondary">
        Show events
      </button>
    </form>
  );
}

/** Events to come. */
export function EventsView(p: {
  items: EventWithDates[];
  now: number;
  campaigns: Campaign[];
  filter: { kind?: string | undefined; online?: boolean; campaign?: string | undefined };
  filtered: boolean;
}) {
  return (
    <section class="events">
      <h1>Events</h1>
      <p class="lede">Public meetings, livestreams, protests and exhibitions. Come along, in person or online.</p>
      <Filters campaigns={p.campaigns} filter={p.filter} />
      {p.items.length === 0 ? (
        <p>{p.filtered ? 'No events to come match these choices.' : 'There are no events planned just now. Please check back soon.'}</p>
      ) : (
        <ul class="cards event-list">
          {p.items.map((item) => (
            <EventCard item={item} now={p.now} />
          ))}
        </ul>
      )}
      <p>
        <a href="/events/past">Past events and their recordings</a> · <a href="/events.ics">Add our events to your calendar</a> (a calendar
        feed your calendar app can subscribe to)
      </p>
    </section>
  );
}

/** Events that have happened, with their recordings. */
export function PastEventsView(p: { items: EventWithDates[]; now: number }) {
  return (
    <section class="events">
      <h1>Past events</h1>
      <p class="lede">Events that have happened, with recordings where we made them.</p>
      {p.items.length === 0 ? (
        <p>No events have happened yet.</p>
      ) : (
        <ul class="cards event-list">
          {p.items.map((item) => (
            <li class="card event-card">
              <p class="event-kind">{KIND_WORDS[item.event.kind]}</p>
              <h2>
                <a href={`/events/${item.event.slug}`}>{item.event.title}</a>
              </h2>
              <p class="byline">{formatWhen(item.event.startsAt, item.event.endsAt, item.event.timeZone)}</p>
              {item.event.summary && <p>{item.event.summary}</p>}
              {(item.event.recordingUrl || item.event.recordingResourceId !== null) && (
                <p>
                  <a href={`/events/${item.event.slug}#recording`}>
                    Watch the recording<span class="visually-hidden"> of {item.event.title}</span>
                  </a>
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      <p>
        <a href="/events">Events to come</a>
      </p>
    </section>
  );
}

/** How many single dates of a series the form offers (the next ones); more would push the button screens away on a phone. */
const OFFERED_DATES = 8;

/** "Every Tuesday…" inside a sentence. */
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

function DateChoice(p: { event: LanternEvent; open: Occurrence[]; value: string | undefined; error: string | undefined }) {
  const id = 'f-date';
  const e = p.event;
  if (!e.series && p.open.length === 1) return <input type="hidden" name="date" value={String(p.open[0]!.id)} />;
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <fieldset aria-describedby={p.error ? `${id}-error` : undefined}>
        <legend>Which date?</legend>
        {p.error && (
          <p class="error-message" id={`${id}-error`}>
            <span class="visually-hidden">Error: </span>
            {p.error}
          </p>
        )}
        {e.series && (
          <div class="checkbox">
            <input type="radio" id={id} name="date" value="series" checked={p.value === 'series' || p.value === undefined} />
            <label for={id}>Every date: {lowerFirst(describeRule(e.series))}. You can leave any date, or the whole series, later.</label>
          </div>
        )}
        {(e.series ? p.open.slice(0, OFFERED_DATES) : p.open).map((o, i) => {
          const room = roomAt(o, e.capacity);
          const oid = !e.series && i === 0 ? id : `${id}-${o.id}`;
          return (
            <div class="checkbox">
              <input type="radio" id={oid} name="date" value={String(o.id)} checked={p.value === String(o.id)} />
              <label for={oid}>
                Only {formatWhen(o.startsAt, o.endsAt, e.timeZone)}
                {room.kind === 'places' ? ` (${room.left === 1 ? '1 place left' : `${room.left} places left`})` : ''}
                {room.kind === 'waitlist' ? ' (full: you can join the waitlist)' : ''}
              </label>
            </div>
          );
        })}
      </fieldset>
    </div>
  );
}

function Questions(p: { event: LanternEvent; values: Values; errors: Errors; multi: Record<string, string[]> }) {
  return (
    <>
      {p.event.questions.map((q) => {
        const name = `q_${q.id}`;
        const label = q.required ? q.label : `${q.label} (optional)`;
        const error = p.errors?.[name];
        if (q.type === 'text') return <TextArea name={name} label={label} value={p.values[name]} error={error} rows={2} maxLength={1000} />;
        const id = `f-${name}`;
        const chosen = q.type === 'multiple' ? (p.multi[name] ?? []) : [p.values[name] ?? ''];
        return (
          <div class={`field${error ? ' field-error' : ''}`}>
            <fieldset aria-describedby={error ? `${id}-error` : undefined}>
              <legend>{label}</legend>
              {error && (
                <p class="error-message" id={`${id}-error`}>
                  <span class="visually-hidden">Error: </span>
                  {error}
                </p>
              )}
              {q.choices.map((c, i) => (
                <div class="checkbox">
                  <input
                    type={q.type === 'single' ? 'radio' : 'checkbox'}
                    id={i === 0 ? id : `${id}-${i}`}
                    name={name}
                    value={c}
                    checked={chosen.includes(c)}
                  />
                  <label for={i === 0 ? id : `${id}-${i}`}>{c}</label>
                </div>
              ))}
            </fieldset>
          </div>
        );
      })}
    </>
  );
}

/** The registration form (on the event's page, and on a page of its own after a mistake). */
export function RegistrationForm(p: {
  event: LanternEvent;
  open: Occurrence[];
  newsletter: PublicList | undefined;
  csrf?: string | undefined;
  values?: Values;
  multi?: Record<string, string[]>;
  errors?: Errors;
}) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const max = p.event.maxPlacesPerRegistration;
  return (
    <form method="post" action={`/events/${p.event.slug}/register`} class="signup-form" novalidate>
      {p.csrf && <CsrfField token={p.csrf} />}
      <DateChoice event={p.event} open={p.open} value={v.date} error={e.date} />
      <Field name="name" label="Your name" value={v.name} error={e.name} autocomplete="name" maxLength={100} />
      <Field
        name="email"
        label="Your email address"
        type="email"
        value={v.email}
        error={e.email}
        autocomplete="email"
        hint="We send your confirmation, reminders and your own link to change or cancel here."
      />
      {max > 1 && (
        <Field
          name="places"
          label="How many places?"
          type="number"
          inputMode="numeric"
          value={v.places ?? '1'}
          error={e.places}
          width="short"
          hint={`You can book up to ${max} places for you and people coming with you.`}
        />
      )}
      <Questions event={p.event} values={v} errors={p.errors} multi={p.multi ?? {}} />
      {p.newsletter && (
        <Checkbox
          name="optIn"
          label={
            <>
              Also send me emails: <span class="list-name">{p.newsletter.name}</span>
            </>
          }
          hint={p.newsletter.wording}
          checked={['on', 'true', '1'].includes(v.optIn ?? '')}
        />
      )}
      <div class="signup-trap" aria-hidden="true">
        <label for="f-website">Leave this field empty</label>
        <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
      </div>
      {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
      <button type="submit">Register</button>
      <p class="hint">
        Only our staff see who registered. <a href="/privacy">How we look after your information</a>.
      </p>
    </form>
  );
}

function WhereBlock({ event }: { event: LanternEvent }) {
  return (
    <>
      {event.mode !== 'online' && (event.venueName || event.address) && (
        <p>
          <strong>Where:</strong> {event.venueName}
          {event.venueName && event.address ? ', ' : ''}
          {event.address.replace(/\n/g, ', ')}
          {event.address && (
            <>
              {' '}
              (<a href={mapLink(event.address)}>map on OpenStreetMap</a>)
            </>
          )}
        </p>
      )}
      {event.mode !== 'in_person' && (
        <p>
          <strong>Online:</strong> the link to join is emailed to people who register.
        </p>
      )}
      {event.kind === 'protest' && event.mode !== 'online' && <p>The exact meeting point is emailed to people who register.</p>}
      {event.accessibility && (
        <p>
          <strong>Access:</strong> {event.accessibility}
        </p>
      )}
    </>
  );
}

/** An event's page: when, where, what, room left, and the form (or why registration is closed). */
export function EventView(p: {
  event: LanternEvent;
  occurrences: Occurrence[];
  now: number;
  closed: string | undefined;
  campaign: Campaign | undefined;
  newsletter: PublicList | undefined;
  shareUrl: string;
  /** Where the recording is, and the video to play here when it is one in the resources library. */
  recordingHref: { href: string; video?: { src: string; type: string } } | undefined;
}) {
  const e = p.event;
  const open = p.occurrences.filter((o) => o.status === 'scheduled' && o.startsAt > p.now);
  const upcoming = p.occurrences.filter((o) => o.endsAt > p.now).slice(0, 12);
  const past = p.occurrences.every((o) => o.endsAt <= p.now);
  const single = !e.series ? p.occurrences[0] : undefined;
  return (
    <article class="event">
      <p class="event-kind">
        {KIND_WORDS[e.kind]} · {MODE_WORDS[e.mode]}
      </p>
      <h1>{e.title}</h1>
      {e.status !== 'scheduled' && (
        <Notice kind="warning">
          <p>
            <strong>{STATUS_WORDS[e.status]}.</strong>{' '}
            {e.status === 'moved_online' ? 'This event now happens online only: people who register get the link by email.' : ''}
          </p>
        </Notice>
      )}
      {e.summary && <p class="lede">{e.summary}</p>}
      <p>
        <strong>When:</strong> {e.series ? describeRule(e.series) : single ? formatWhen(single.startsAt, single.endsAt, e.timeZone) : ''}
      </p>
      {e.series && upcoming.length > 0 && (
        <>
          <h2>Next dates</h2>
          <ul class="event-dates">
            {upcoming.map((o) => (
              <li>
                {formatWhen(o.startsAt, o.endsAt, e.timeZone)}
                {o.status === 'cancelled' ? (
                  <strong> — cancelled</strong>
                ) : o.originalStartsAt !== o.startsAt ? (
                  <strong> — moved to this time</strong>
                ) : (
                  <>
                    {' '}
                    <RoomLine room={roomAt(o, e.capacity)} />
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
      {single && !past && e.status === 'scheduled' && (
        <p>
          <RoomLine room={roomAt(single, e.capacity)} />
        </p>
      )}
      <WhereBlock event={e} />
      {e.organiserName && (
        <p>
          <strong>Organised by:</strong> {e.organiserName}
          {e.organiserEmail && (
            <>
              {' '}
              (<a href={`mailto:${e.organiserEmail}`}>{e.organiserEmail}</a>)
            </>
          )}
        </p>
      )}
      {p.campaign && (
        <p>
          Part of our campaign <a href={`/campaigns/${p.campaign.slug}`}>{p.campaign.title}</a>.
        </p>
      )}
      <div class="prose" dangerouslySetInnerHTML={{ __html: renderMarkdown(e.description) }} />
      {past && (p.recordingHref || e.materials) && (
        <section id="recording" aria-labelledby="recording-title">
          <h2 id="recording-title">After the event</h2>
          {p.recordingHref?.video ? (
            <figure class="event-recording">
              <video controls preload="metadata">
                <source src={p.recordingHref.video.src} type={p.recordingHref.video.type} />
                <p>
                  Your browser cannot play this video here: <a href={p.recordingHref.href}>see the recording in our resources</a>.
                </p>
              </video>
              <figcaption>
                The recording of {e.title}. <a href={p.recordingHref.href}>Its page in our resources</a>, where you can also download it.
              </figcaption>
            </figure>
          ) : (
            p.recordingHref && (
              <p>
                <a href={p.recordingHref.href}>Watch the recording</a>
              </p>
            )
          )}
          {e.materials && <div class="prose" dangerouslySetInnerHTML={{ __html: renderMarkdown(e.materials) }} />}
        </section>
      )}
      {!past && (
        <section class="signup event-register" id="register" aria-labelledby="register-title">
          <h2 id="register-title">Register</h2>
          {p.closed ? (
            <p>{p.closed}</p>
          ) : (
            <>
              <RegistrationForm event={e} open={open} newsletter={p.newsletter} />
              <script type="module" src="/assets/forms.js"></script>
            </>
          )}
        </section>
      )}
      <p>
        <a href={`/events/${e.slug}.ics`}>Add to your calendar</a>
      </p>
      <ShareLinks url={p.shareUrl} title={e.title} text={e.summary || e.title} heading="Share this event" />
    </article>
  );
}

/** The form on a page of its own: after a mistake (422), or for a browser that sent no origin. */
export function RegisterPageView(p: {
  event: LanternEvent;
  open: Occurrence[];
  newsletter: PublicList | undefined;
  csrf: string;
  values: Values;
  multi: Record<string, string[]>;
  errors: Errors;
}) {
  return (
    <section class="signup event-register" aria-labelledby="register-title">
      <h1 id="register-title">Register: {p.event.title}</h1>
      <ErrorSummary errors={p.errors} />
      <RegistrationForm {...p} />
      <p>
        <a href={`/events/${p.event.slug}`}>Back to the event</a>
      </p>
      <script type="module" src="/assets/forms.js"></script>
    </section>
  );
}

/** After registering: the same words whether or not the address was already registered. */
export function RegisteredView({ event }: { event: LanternEvent }) {
  return (
    <>
      <h1>Check your email</h1>
      <Notice kind="success">
        <p>Thank you. We have sent an email to the address you gave.</p>
      </Notice>
      <p>
        It says whether you have a place at “{event.title}” or are on the waiting list, with the details and your own link to change or
        cancel. Nothing after a few minutes? Check your spam or junk folder.
      </p>
      <p>
        <a href={`/events/${event.slug}`}>Back to the event</a>
      </p>
    </>
  );
}

const STATE_WORDS: Readonly<Record<string, string>> = {
  confirmed: 'You have a place',
  waitlisted: 'You are on the waiting list',
  offered: 'A place has come free for you. Take it by pressing “Take the place”',
  cancelled: 'You told us you cannot come',
  lapsed: 'The offer passed on',
};

/** A person's own page: their dates, what only they are told, and the buttons to change or cancel. */
export function ManageView(p: {
  registration: Registration;
  event: LanternEvent;
  private: EventPrivate | undefined;
  token: string;
  csrf: string;
  now: number;
  notice?: string | undefined;
  errors?: Errors;
}) {
  const r = p.registration;
  const e = p.event;
  const action = `/events/manage/${p.token}`;
  const toCome = r.dates.filter((d) => d.occurrence.endsAt > p.now);
  const live = toCome.filter((d) => d.state === 'confirmed' || d.state === 'waitlisted' || d.state === 'offered');
  const max = e.maxPlacesPerRegistration;
  return (
    <section class="event-manage">
      <h1>Your registration</h1>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      <ErrorSummary errors={p.errors} />
      <p>
        <a href={`/events/${e.slug}`}>{e.title}</a> · {r.places === 1 ? '1 place' : `${r.places} places`}
        {r.wholeSeries ? ' · every date of the series' : ''}
      </p>
      {r.status === 'cancelled' && <p>You cancelled this registration. You are welcome to register again from the event’s page.</p>}
      {e.status !== 'scheduled' && (
        <Notice kind="warning">
          <p>
            <strong>{STATUS_WORDS[e.status]}.</strong>
          </p>
        </Notice>
      )}
      {p.private && (p.private.meetingPoint || (p.private.joiningLink && e.mode !== 'in_person')) && (
        <section class="event-private" aria-labelledby="private-title">
          <h2 id="private-title">Only for you</h2>
          <p class="hint">Please do not share these details.</p>
          {p.private.meetingPoint && (
            <p>
              <strong>Meeting point:</strong> {p.private.meetingPoint}
            </p>
          )}
          {p.private.joiningLink && e.mode !== 'in_person' && (
            <p>
              <strong>Join online:</strong> <a href={p.private.joiningLink}>{p.private.joiningLink}</a>
            </p>
          )}
          <p>
            <a href={`${action}/calendar.ics`}>Add your dates to your calendar</a>
          </p>
        </section>
      )}
      <h2>Your dates</h2>
      {toCome.length === 0 ? (
        <p>You have no dates to come.</p>
      ) : (
        <ul class="event-dates">
          {toCome.map((d) => (
            <li>
              <p>
                <strong>{formatWhen(d.occurrence.startsAt, d.occurrence.endsAt, e.timeZone)}</strong>:{' '}
                {d.occurrence.status === 'cancelled' ? 'this date is cancelled' : STATE_WORDS[d.state]}
                {d.state === 'offered' && d.offeredUntil
                  ? ` before ${formatMoment(d.offeredUntil, e.timeZone)}, or it goes to the next person waiting.`
                  : ''}
              </p>
              {d.occurrence.status === 'scheduled' && d.occurrence.startsAt > p.now && (
                <div class="button-row">
                  {d.state === 'offered' && (
                    <form method="post" action={action}>
                      <CsrfField token={p.csrf} />
                      <input type="hidden" name="do" value="take" />
                      <input type="hidden" name="place" value={String(d.id)} />
                      <button type="submit">Take the place</button>
                    </form>
                  )}
                  {(d.state === 'cancelled' || d.state === 'lapsed') && r.status === 'active' && (
                    <form method="post" action={action}>
                      <CsrfField token={p.csrf} />
                      <input type="hidden" name="do" value="rejoin" />
                      <input type="hidden" name="place" value={String(d.id)} />
                      <button type="submit" class="button-secondary">
                        I can come after all
                        <span class="visually-hidden"> ({formatWhen(d.occurrence.startsAt, d.occurrence.endsAt, e.timeZone)})</span>
                      </button>
                    </form>
                  )}
                  {(d.state === 'confirmed' || d.state === 'waitlisted' || d.state === 'offered') && (
                    <form method="post" action={action}>
                      <CsrfField token={p.csrf} />
                      <input type="hidden" name="do" value="cancel-date" />
                      <input type="hidden" name="place" value={String(d.id)} />
                      <button type="submit" class="button-secondary">
                        I cannot come on this date
                        <span class="visually-hidden"> ({formatWhen(d.occurrence.startsAt, d.occurrence.endsAt, e.timeZone)})</span>
                      </button>
                    </form>
                  )}
                </div>
              )}
            </li>
          ))}
        </ul>
      )}
      {live.length > 0 && max > 1 && (
        <form method="post" action={action} class="event-places-form">
          <CsrfField token={p.csrf} />
          <input type="hidden" name="do" value="places" />
          <Field
            name="places"
            label="How many places?"
            type="number"
            inputMode="numeric"
            value={String(r.places)}
            error={p.errors?.places}
            width="short"
            hint={`Up to ${max}. Fewer always works; more only where there is room.`}
          />
          <button type="submit" class="button-secondary">
            Change the number of places
          </button>
        </form>
      )}
      {live.length > 0 && (
        <form method="post" action={action}>
          <CsrfField token={p.csrf} />
          <input type="hidden" name="do" value="cancel-all" />
          <button type="submit" class="button-secondary">
            {r.wholeSeries ? 'Leave the series (cancel every date to come)' : 'Cancel my registration'}
          </button>
        </form>
      )}
      <p class="hint">This page is yours: anyone with its link can change your registration, so please keep the link to yourself.</p>
    </section>
  );
}
