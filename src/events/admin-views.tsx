import type { ComponentChildren } from 'preact';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Radios, Select, TableWrap, TextArea, Time } from '../core/web/components.js';
import { MAX_QUESTIONS, questionRows, type Values } from './event-form.js';
import { CHART_MAX_DATES, figuresChart, FIGURE_BARS, type EventFigures } from './figures.js';
import {
  EVENT_KINDS,
  EVENT_MODES,
  EVENT_STATUSES,
  KIND_WORDS,
  MODE_WORDS,
  STATUS_WORDS,
  WEEKDAY_NAMES,
  type LanternEvent,
  type Occurrence,
} from './model.js';
import { formatMoment, formatWhen } from './reading.js';
import { describeRule } from './recurrence.js';
import type { AttendeeLine, AttendeesPage, EventFormChoices, EventListItem, EventLists } from './staff.js';

// The staff pages of events: the list (to come, past, drafts), the event's page with its form (every field, in plain
// words), its dates (cancel or move one), the people at a date with the waitlist in order, and the attendance figures
// as a chart beside a table. Check-in, the CSV and messages are linked from here; their pages are checkin-views.tsx.

type Errors = Record<string, string> | undefined;

const n = (x: number) => x.toLocaleString('en-GB');
const plural = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
const people = (x: number) => plural(x, 'person', 'people');

/**
 * Where the times of a form are read, after "in": the zone's code, and for the UK its everyday name, since staff
 * know it as "UK time" rather than as Europe/London.
 */
export function zoneWords(timeZone: string): string {
  return `the organisation’s time zone (${timeZone === 'Europe/London' ? 'Europe/London: UK time' : timeZone})`;
}

/**
 * The hint of a date-and-time field. The browser's picker shows the date in its own format, so the shape to type is
 * only for a browser without one, and it is the shape the form reads (event-form.ts readLocalMoment).
 */
export function momentHint(timeZone: string, o: { example: boolean }): string {
  const example = o.example ? ' If your browser shows no date picker, type it like 2027-05-14 18:30 (for 14 May 2027, 18:30).' : '';
  return `Choose the date and time, in ${zoneWords(timeZone)}.${example}`;
}

/** The hint of a date field (for a browser without a picker, the shape the form reads). */
const DAY_HINT = 'Choose the date. If your browser shows no date picker, type it as 2027-01-12 for 12 January 2027.';

/** How a long text may be formatted, in plain words (it is Markdown). */
const FORMATTING_HINT = 'You can use **bold**, *italic*, lists and links like [our report](https://example.org).';

/** What staff may do besides editing, for the links shown. */
export interface EventPowers {
  /** May see attendees, check in and message (events:attendees). */
  attendees: boolean;
  /** May also download the attendee list (supporters:export). */
  export: boolean;
}

// ---- small parts ------------------------------------------------------------------------------------------------------

/** A group of fields under a legend. */
function Group({ legend, hint, children }: { legend: string; hint?: string; children: ComponentChildren }) {
  return (
    <fieldset class="kind-settings">
      <legend>{legend}</legend>
      {hint && <p class="hint">{hint}</p>}
      {children}
    </fieldset>
  );
}

const WEEKDAY_OPTIONS = [1, 2, 3, 4, 5, 6, 7].map((d) => ({ value: String(d), label: WEEKDAY_NAMES[d]! }));

/** The date's "places taken of capacity" in words. */
function placesWords(o: Occurrence, capacity: number | null): string {
  return capacity === null ? `${n(o.placesTaken)} taken (no limit)` : `${n(o.placesTaken)} of ${n(capacity)} taken`;
}

/** The tabs of one event's staff pages (the pages another helper owns are linked by address). */
export function EventTabs({ event, current, powers }: { event: LanternEvent; current: string; powers: EventPowers }) {
  const base = `/admin/events/${event.id}`;
  const tabs = [
    { href: base, label: 'Details' },
    { href: `${base}/dates`, label: 'Dates' },
    ...(powers.attendees ? [{ href: `${base}/attendees`, label: 'Attendees' }] : []),
    ...(powers.attendees ? [{ href: `${base}/check-in`, label: 'Check-in' }] : []),
    { href: `${base}/figures`, label: 'Figures' },
    { href: `${base}/feedback`, label: 'Feedback' },
    ...(powers.attendees ? [{ href: `${base}/message`, label: 'Message attendees' }] : []),
  ];
  return (
    <>
      <p>
        <a href="/admin/events">Back to events</a>
      </p>
      <h1>{event.title}</h1>
      <nav class="tabs" aria-label="This event’s pages">
        <ul>
          {tabs.map((t) => (
            <li key={t.href}>
              <a href={t.href} aria-current={t.href === current ? 'page' : undefined}>
                {t.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
    </>
  );
}

// ---- the list ---------------------------------------------------------------------------------------------------------

export type ListTab = 'upcoming' | 'past' | 'drafts';
const TAB_WORDS: Record<ListTab, string> = { upcoming: 'Upcoming', past: 'Past', drafts: 'Drafts' };

function EventRow({ item }: { item: EventListItem }) {
  const e = item.event;
  const d = item.date;
  return (
    <tr>
      <td>
        <a href={`/admin/events/${e.id}`}>{e.title}</a>
        <br />
        <span class="muted">
          {KIND_WORDS[e.kind]} · {MODE_WORDS[e.mode]}
          {e.series ? ` · ${describeRule(e.series)}` : ''}
        </span>
      </td>
      <td>{d ? formatWhen(d.startsAt, d.endsAt, e.timeZone) : <span class="muted">No dates</span>}</td>
      <td class="num">{d ? placesWords(d, e.capacity) : '—'}</td>
      <td class="num">{d ? n(d.placesWaiting) : '—'}</td>
      <td>
        {STATUS_WORDS[e.status]}
        {d?.status === 'cancelled' && e.status !== 'cancelled' && <span class="muted"> (this date cancelled)</span>}
      </td>
    </tr>
  );
}

/** The staff's list of events: upcoming, past and drafts as tabs, with a button to make one. */
export function EventListView(p: { lists: EventLists; tab: ListTab; notice?: string | undefined }) {
  const items = p.lists[p.tab];
  return (
    <>
      <h1>Events</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p class="button-row">
        <a class="button" href="/admin/events/new">
          New event
        </a>
      </p>
      <nav class="tabs" aria-label="Events by time">
        <ul>
          {(Object.keys(TAB_WORDS) as ListTab[]).map((t) => (
            <li key={t}>
              <a href={`/admin/events?show=${t}`} aria-current={t === p.tab ? 'page' : undefined}>
                {TAB_WORDS[t]} ({n(p.lists[t].length)})
              </a>
            </li>
          ))}
        </ul>
      </nav>
      {items.length === 0 ? (
        <p>
          {p.tab === 'drafts' ? 'No drafts.' : p.tab === 'past' ? 'No past events yet.' : 'No events to come. Make one with “New event”.'}
        </p>
      ) : (
        <TableWrap label={`${TAB_WORDS[p.tab]} events`}>
          <table>
            <caption class="visually-hidden">{TAB_WORDS[p.tab]} events</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">{p.tab === 'past' ? 'Last date' : 'Next date'}</th>
                <th scope="col" class="num">
                  Places
                </th>
                <th scope="col" class="num">
                  Waiting
                </th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {items.map((item) => (
                <EventRow key={item.event.id} item={item} />
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

// ---- the form ---------------------------------------------------------------------------------------------------------

function QuestionRow({ i, v, errors }: { i: number; v: Values; errors: Errors }) {
  const key = (part: string) => `question_${i}_${part}`;
  return (
    <fieldset class="kind-settings">
      <legend>Question {i}</legend>
      {v[key('id')] && <input type="hidden" name={key('id')} value={v[key('id')]} />}
      <Field
        name={key('label')}
        label="Question"
        hint="Like “Do you have any dietary needs?”"
        value={v[key('label')]}
        error={errors?.[key('label')]}
        maxLength={200}
      />
      <Select
        name={key('type')}
        label="How people answer"
        value={v[key('type')] || 'text'}
        error={errors?.[key('type')]}
        options={[
          { value: 'text', label: 'In their own words' },
          { value: 'single', label: 'By choosing one answer from a list' },
          { value: 'multiple', label: 'By choosing any answers from a list' },
        ]}
      />
      <TextArea
        name={key('choices')}
        label="Choices (only for a list)"
        hint="One per line."
        value={v[key('choices')]}
        error={errors?.[key('choices')]}
        rows={3}
      />
      <Checkbox
        name={key('required')}
        label="People must answer this question"
        checked={v[key('required')] === 'on' || v[key('required')] === 'true'}
      />
    </fieldset>
  );
}

/**
 * The event form: every field of an event, in groups (about, when, where, registration, after the event). Works
 * without JavaScript: both the one-date and the series fields are shown, and the choice of how often says which apply.
 */
export function EventFormView(p: {
  csrf: string;
  /** The event being edited; undefined for a new one. */
  event?: LanternEvent | undefined;
  values: Values;
  errors?: Errors;
  choices: EventFormChoices;
  timeZone: string;
  /** The level of the form's section headings: 2 on a page of its own, 3 under the event page's "Change the event". */
  headingLevel?: 2 | 3;
}) {
  const v = p.values;
  const e = p.errors;
  const action = p.event ? `/admin/events/${p.event.id}` : '/admin/events';
  const zone = zoneWords(p.timeZone);
  const [Section, Part] = p.headingLevel === 3 ? (['h3', 'h4'] as const) : (['h2', 'h3'] as const);
  const repeatOptions = [
    { value: 'once', label: 'Once: one date (which may run over several days, like an exhibition)' },
    { value: 'weekly', label: 'Every week, or every few weeks (a series)' },
    { value: 'monthly', label: 'Every month (a series)' },
  ].filter((o) => (p.event ? (p.event.series ? o.value !== 'once' : o.value === 'once') : true));
  const rows = questionRows(v);
  return (
    <form method="post" action={action} class="form" novalidate>
      <CsrfField token={p.csrf} />
      <Section>About the event</Section>
      <Field name="title" label="Title" value={v.title} error={e?.title} maxLength={150} />
      <Field
        name="slug"
        label={p.event ? 'Web address' : 'Web address (optional)'}
        hint={
          p.event
            ? `The end of the event’s address: /events/${p.event.slug}. Changing it breaks links already shared.`
            : 'The end of the event’s address, like tuesday-protest. Leave it empty to make it from the title.'
        }
        value={v.slug}
        error={e?.slug}
        maxLength={100}
      />
      <TextArea
        name="summary"
        label="Summary"
        hint="One or two sentences, shown in lists and when the page is shared."
        value={v.summary}
        error={e?.summary}
        rows={3}
      />
      <TextArea
        name="description"
        label="Description (optional)"
        hint={`${FORMATTING_HINT} Leave a blank line between paragraphs.`}
        value={v.description}
        error={e?.description}
        rows={10}
      />
      <Select
        name="kind"
        label="Kind of event"
        value={v.kind}
        error={e?.kind}
        options={EVENT_KINDS.map((k) => ({ value: k, label: KIND_WORDS[k] }))}
      />
      <Select
        name="campaignId"
        label="Campaign (optional)"
        hint="An event in a campaign is listed on the campaign’s page."
        value={v.campaignId}
        error={e?.campaignId}
        options={[{ value: '', label: 'No campaign' }, ...p.choices.campaigns.map((c) => ({ value: String(c.id), label: c.title }))]}
      />

      <Section>When</Section>
      {p.event && !p.event.series && <input type="hidden" name="repeats" value="once" />}
      {p.event && !p.event.series ? (
        <p>This event has one date. For a repeating event, make a new event as a series.</p>
      ) : (
        <Radios
          name="repeats"
          legend="How often does it happen?"
          hint={p.event ? 'A series stays a series: cancel the dates you do not need on the Dates page.' : undefined}
          options={repeatOptions}
          value={v.repeats || 'once'}
          error={e?.repeats}
        />
      )}
      {(!p.event || !p.event.series) && (
        <Group legend={p.event ? 'The date' : 'For one date (leave empty for a series)'}>
          <Field
            name="startsAt"
            label="Starts"
            type="datetime-local"
            hint={momentHint(p.timeZone, { example: true })}
            value={v.startsAt}
            error={e?.startsAt}
          />
          <Field
            name="endsAt"
            label="Ends"
            type="datetime-local"
            hint={momentHint(p.timeZone, { example: false })}
            value={v.endsAt}
            error={e?.endsAt}
          />
        </Group>
      )}
      {(!p.event || p.event.series) && (
        <Group legend={p.event ? 'The series' : 'For a series (leave empty for one date)'} hint={`Times are in ${zone}.`}>
          <Field
            name="seriesFirstDay"
            label="First date"
            type="date"
            hint={DAY_HINT}
            value={v.seriesFirstDay}
            error={e?.seriesFirstDay}
            width="short"
          />
          <Field
            name="seriesUntil"
            label="Last date (optional)"
            type="date"
            hint="Leave it empty for a series that carries on: its dates are added a few months ahead."
            value={v.seriesUntil}
            error={e?.seriesUntil}
            width="short"
          />
          <Field
            name="seriesStart"
            label="Start time"
            hint="Like 18:00."
            value={v.seriesStart}
            error={e?.seriesStart}
            width="short"
            maxLength={5}
          />
          <Field
            name="seriesEnd"
            label="End time"
            hint="Like 19:00. An end before the start means the next day."
            value={v.seriesEnd}
            error={e?.seriesEnd}
            width="short"
            maxLength={5}
          />
          <Part>Weekly</Part>
          <Field
            name="seriesInterval"
            label="How many weeks apart"
            hint="1 for every week, 2 for every other week."
            inputMode="numeric"
            value={v.seriesInterval}
            error={e?.seriesInterval}
            width="short"
          />
          <Select
            name="seriesWeekday"
            label="Day of the week"
            value={v.seriesWeekday}
            error={e?.seriesWeekday}
            options={[{ value: '', label: 'The day of the first date' }, ...WEEKDAY_OPTIONS]}
          />
          <Part>Monthly</Part>
          <Radios
            name="monthlyBy"
            legend="Which day each month"
            options={[
              { value: 'day', label: 'The same day of the month (like the 12th)' },
              { value: 'weekday', label: 'A weekday in a given week (like the first Saturday)' },
            ]}
            value={v.monthlyBy || 'day'}
            error={e?.monthlyBy}
          />
          <Field
            name="monthlyDay"
            label="Day of the month"
            hint="From 1 to 31; months without that day are skipped. Empty: the day of the first date."
            inputMode="numeric"
            value={v.monthlyDay}
            error={e?.monthlyDay}
            width="short"
          />
          <Select
            name="monthlyNth"
            label="Which week"
            value={v.monthlyNth}
            error={e?.monthlyNth}
            options={[
              { value: '', label: 'Choose' },
              { value: '1', label: 'First' },
              { value: '2', label: 'Second' },
              { value: '3', label: 'Third' },
              { value: '4', label: 'Fourth' },
              { value: '-1', label: 'Last' },
            ]}
          />
          <Select
            name="monthlyWeekday"
            label="Weekday"
            value={v.monthlyWeekday}
            error={e?.monthlyWeekday}
            options={[{ value: '', label: 'Choose' }, ...WEEKDAY_OPTIONS]}
          />
        </Group>
      )}

      <Section>Where</Section>
      <Select
        name="mode"
        label="How people take part"
        value={v.mode}
        error={e?.mode}
        options={EVENT_MODES.map((m) => ({ value: m, label: MODE_WORDS[m] }))}
      />
      <Field
        name="venueName"
        label="Venue (optional)"
        hint="Like Friends Meeting Hall."
        value={v.venueName}
        error={e?.venueName}
        maxLength={150}
      />
      <TextArea
        name="address"
        label="Address (optional)"
        hint="Shown on the event’s page with a link to OpenStreetMap."
        value={v.address}
        error={e?.address}
        rows={3}
      />
      <TextArea
        name="accessibility"
        label="Accessibility (optional)"
        hint="Step-free access, toilets, hearing loop, quiet space, captions: what people need to know to come."
        value={v.accessibility}
        error={e?.accessibility}
        rows={3}
      />
      <Field
        name="joiningLink"
        label="Joining link (for online and hybrid events)"
        type="url"
        hint="Only people with a place see it: in their email, their calendar file and their own page. Never on the public page."
        value={v.joiningLink}
        error={e?.joiningLink}
      />
      <TextArea
        name="meetingPoint"
        label="Exact meeting point (optional, for protests)"
        hint="Only people with a place see it, like the joining link. The public page shows the address above."
        value={v.meetingPoint}
        error={e?.meetingPoint}
        rows={2}
      />

      <Section>Registration</Section>
      <Field
        name="capacity"
        label="Number of places (optional)"
        hint="Leave it empty for no limit. When it is full, people join a waiting list; raising it later offers places to them in order."
        inputMode="numeric"
        value={v.capacity}
        error={e?.capacity}
        width="short"
      />
      <Field
        name="maxPlacesPerRegistration"
        label="Most places one person may book"
        hint="From 1 to 50: people may bring others."
        inputMode="numeric"
        value={v.maxPlacesPerRegistration}
        error={e?.maxPlacesPerRegistration}
        width="short"
      />
      <Field
        name="registrationDeadline"
        label="Registration closes (optional)"
        type="datetime-local"
        hint={`${momentHint(p.timeZone, { example: false })} Leave it empty to take registrations until each date starts.`}
        value={v.registrationDeadline}
        error={e?.registrationDeadline}
      />
      <Select
        name="newsletterListId"
        label="Newsletter offered (optional)"
        hint="Offers people registering an unticked box to join this list; they confirm by email."
        value={v.newsletterListId}
        error={e?.newsletterListId}
        options={[{ value: '', label: 'No newsletter' }, ...p.choices.lists.map((l) => ({ value: String(l.id), label: l.name }))]}
      />
      <Part>Questions for people registering (optional)</Part>
      <p class="hint">
        Up to {MAX_QUESTIONS} questions, like dietary or access needs. Leave a question empty to leave it out. Answers are kept private and
        deleted with the registration.
      </p>
      {Array.from({ length: rows }, (_, i) => (
        <QuestionRow key={i + 1} i={i + 1} v={v} errors={e} />
      ))}

      <Section>Status and organiser</Section>
      <Select
        name="status"
        label="Status"
        hint="People registered are told when it changes."
        value={v.status}
        error={e?.status}
        options={EVENT_STATUSES.map((s) => ({ value: s, label: STATUS_WORDS[s] }))}
      />
      <Radios
        name="publication"
        legend="Publish"
        options={[
          { value: 'draft', label: 'Keep as a draft (only staff see it)' },
          { value: 'published', label: 'Publish: show it on the website and take registrations' },
        ]}
        value={v.publication || 'draft'}
        error={e?.publication}
      />
      <Field name="organiserName" label="Organiser’s name (optional)" value={v.organiserName} error={e?.organiserName} maxLength={100} />
      <Field
        name="organiserEmail"
        label="Organiser’s email address (optional)"
        type="email"
        hint="Shown on the event’s page for questions."
        value={v.organiserEmail}
        error={e?.organiserEmail}
      />

      <Section>After the event</Section>
      <Field
        name="recordingUrl"
        label="Recording link (optional)"
        type="url"
        hint="Shown on the past events page and sent in the thank-you email."
        value={v.recordingUrl}
        error={e?.recordingUrl}
      />
      {p.choices.resources.length > 0 && (
        <Select
          name="recordingResourceId"
          label="Recording from the resources library (optional)"
          value={v.recordingResourceId}
          error={e?.recordingResourceId}
          options={[{ value: '', label: 'None' }, ...p.choices.resources.map((r) => ({ value: String(r.id), label: r.title }))]}
        />
      )}
      <TextArea
        name="materials"
        label="Materials (optional)"
        hint={`Slides, reading, what to do next. ${FORMATTING_HINT}`}
        value={v.materials}
        error={e?.materials}
        rows={5}
      />
      <button type="submit" class="button">
        {p.event ? 'Save changes' : 'Save the event'}
      </button>
    </form>
  );
}

/** The new-event page. */
export function NewEventView(p: { csrf: string; values: Values; errors?: Errors; choices: EventFormChoices; timeZone: string }) {
  return (
    <>
      <p>
        <a href="/admin/events">Back to events</a>
      </p>
      <h1>New event</h1>
      <ErrorSummary errors={p.errors} />
      <EventFormView csrf={p.csrf} values={p.values} errors={p.errors} choices={p.choices} timeZone={p.timeZone} />
    </>
  );
}

/** A count in words, "no" or "nobody" for none (a sentence reads oddly with "0 walk-ins"). */
const countWords = (x: number, one: string, many: string, none: string) => (x === 0 ? none : plural(x, one, many));

/** The figures in one sentence (the event page's summary). */
function FiguresLine({ figures }: { figures: EventFigures }) {
  const t = figures.totals;
  if (t.dates === 0) return <p>No date has happened yet, so there are no attendance figures.</p>;
  return (
    <p>
      {t.dates === 1 ? 'On the day' : `Over ${n(t.dates)} dates held`}: {countWords(t.registered, 'person', 'people', 'nobody')} registered
      ahead, {t.attended === 0 ? 'nobody checked in' : `${people(t.attended)} came`}
      {t.turnout !== null && t.attended > 0 ? ` (${Math.round(t.turnout * 100)}% of those registered)` : ''},{' '}
      {countWords(t.noShows, 'no-show', 'no-shows', 'nobody marked as a no-show')} and{' '}
      {countWords(t.walkIns, 'walk-in', 'walk-ins', 'no walk-ins')}.
    </p>
  );
}

/** One event's page for staff: where things stand, its attendance in a sentence, and the form to change it. */
export function EventAdminView(p: {
  csrf: string;
  event: LanternEvent;
  next: Occurrence | undefined;
  figures: EventFigures;
  powers: EventPowers;
  values: Values;
  errors?: Errors;
  choices: EventFormChoices;
  notice?: string | undefined;
}) {
  const e = p.event;
  return (
    <>
      <EventTabs event={e} current={`/admin/events/${e.id}`} powers={p.powers} />
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <dl class="meta">
        <div>
          <dt>Status</dt>
          <dd>
            {STATUS_WORDS[e.status]}, {e.publication === 'published' ? 'published' : 'a draft (only staff see it)'}
          </dd>
        </div>
        <div>
          <dt>{e.series ? 'Series' : 'When'}</dt>
          <dd>{e.series ? describeRule(e.series) : formatWhen(e.startsAt, e.endsAt, e.timeZone)}</dd>
        </div>
        {e.series && (
          <div>
            <dt>Next date</dt>
            <dd>{p.next ? formatWhen(p.next.startsAt, p.next.endsAt, e.timeZone) : 'None to come'}</dd>
          </div>
        )}
        {p.next && (
          <div>
            <dt>{e.series ? 'Places at the next date' : 'Places'}</dt>
            <dd>
              {placesWords(p.next, e.capacity)}
              {p.next.placesWaiting > 0 ? `, ${n(p.next.placesWaiting)} waiting` : ''}
            </dd>
          </div>
        )}
        <div>
          <dt>Public page</dt>
          <dd>
            {e.publication === 'published' ? <a href={`/events/${e.slug}`}>/events/{e.slug}</a> : `/events/${e.slug} (once published)`}
          </dd>
        </div>
      </dl>
      <h2>Attendance</h2>
      <FiguresLine figures={p.figures} />
      <p>
        <a href={`/admin/events/${e.id}/figures`}>Attendance figures for every date</a>
      </p>
      <h2>Change the event</h2>
      <EventFormView
        csrf={p.csrf}
        event={e}
        values={p.values}
        errors={p.errors}
        choices={p.choices}
        timeZone={e.timeZone}
        headingLevel={3}
      />
    </>
  );
}

// ---- dates ------------------------------------------------------------------------------------------------------------

/** An event's dates with their places, each with "Move" and "Cancel" while it is still to come. */
export function DatesView(p: {
  event: LanternEvent;
  occurrences: Occurrence[];
  now: number;
  powers: EventPowers;
  notice?: string | undefined;
}) {
  const e = p.event;
  return (
    <>
      <EventTabs event={e} current={`/admin/events/${e.id}/dates`} powers={p.powers} />
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <h2>Dates</h2>
      {e.series ? (
        <p>
          {describeRule(e.series)}. Dates are added automatically a few months ahead. Cancelling or moving a date emails everyone registered
          for it.
        </p>
      ) : (
        <p>Cancelling or moving the date emails everyone registered. To change the event’s time for good, edit it on the Details page.</p>
      )}
      {p.occurrences.length === 0 ? (
        <p>This event has no dates.</p>
      ) : (
        <TableWrap label="Dates">
          <table class="event-dates-table">
            <caption class="visually-hidden">The dates of {e.title}</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Places
                </th>
                <th scope="col" class="num">
                  Waiting
                </th>
              </tr>
            </thead>
            <tbody>
              {p.occurrences.map((o) => {
                const when = formatWhen(o.startsAt, o.endsAt, e.timeZone);
                const changeable = o.status === 'scheduled' && o.startsAt > p.now;
                const whenId = `date-${o.id}`;
                // Move and Cancel sit under the date, in the first column, so a phone shows them without scrolling
                // sideways. Each link is named with the date it changes (for a list of links), while the row's
                // header, read before each cell, stays short.
                return (
                  <tr key={o.id}>
                    <th scope="row">
                      <span id={whenId}>{when}</span>
                      {o.startsAt !== o.originalStartsAt && (
                        <span class="muted"> (moved from {formatMoment(o.originalStartsAt, e.timeZone)})</span>
                      )}
                      {changeable && (
                        <span class="event-date-actions">
                          <a
                            id={`move-${o.id}`}
                            href={`/admin/events/${e.id}/dates/${o.id}/move`}
                            aria-labelledby={`move-${o.id} ${whenId}`}
                          >
                            Move
                          </a>
                          <a
                            id={`cancel-${o.id}`}
                            href={`/admin/events/${e.id}/dates/${o.id}/cancel`}
                            aria-labelledby={`cancel-${o.id} ${whenId}`}
                          >
                            Cancel
                          </a>
                        </span>
                      )}
                    </th>
                    <td>
                      {o.status === 'cancelled'
                        ? 'Cancelled'
                        : o.endsAt <= p.now
                          ? 'Over'
                          : o.startsAt <= p.now
                            ? 'Happening now'
                            : 'Going ahead'}
                    </td>
                    <td class="num">{placesWords(o, e.capacity)}</td>
                    <td class="num">{n(o.placesWaiting)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </TableWrap>
      )}
    </>
  );
}

/** The confirmation before cancelling one date. */
export function CancelDateView(p: { csrf: string; event: LanternEvent; occurrence: Occurrence; people: number; errors?: Errors }) {
  const e = p.event;
  const o = p.occurrence;
  const when = formatWhen(o.startsAt, o.endsAt, e.timeZone);
  const places = o.placesTaken + o.placesWaiting;
  return (
    <>
      <p>
        <a href={`/admin/events/${e.id}/dates`}>Back to the dates</a>
      </p>
      <h1>Cancel a date of {e.title}</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        <strong>{when}</strong>
      </p>
      <p>
        {p.people === 0
          ? 'Nobody has registered for this date yet.'
          : `${people(p.people)} (${plural(places, 'place', 'places')}) registered for this date or waiting for a place will get an email saying it is cancelled.`}
      </p>
      <p>
        The date stays on the event’s page, marked as cancelled, and nobody can register for it any more. A cancelled date cannot be brought
        back. If the event is only changing day or time, <a href={`/admin/events/${e.id}/dates/${o.id}/move`}>move the date</a> instead:
        people keep their places and get an email with the new time.
      </p>
      <form method="post" action={`/admin/events/${e.id}/dates/${p.occurrence.id}/cancel`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit" class="button button-warning">
          Cancel this date{p.people > 0 ? ` and email ${people(p.people)}` : ''}
        </button>
      </form>
      <p>
        <a href={`/admin/events/${e.id}/dates`}>Keep the date</a>
      </p>
    </>
  );
}

/** The form moving one date to another time. */
export function MoveDateView(p: {
  csrf: string;
  event: LanternEvent;
  occurrence: Occurrence;
  people: number;
  values: Values;
  errors?: Errors;
}) {
  const e = p.event;
  const when = formatWhen(p.occurrence.startsAt, p.occurrence.endsAt, e.timeZone);
  return (
    <>
      <p>
        <a href={`/admin/events/${e.id}/dates`}>Back to the dates</a>
      </p>
      <h1>Move a date of {e.title}</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        Now: <strong>{when}</strong>
      </p>
      <p>
        {p.people === 0
          ? 'Nobody has registered for this date yet.'
          : `${people(p.people)} registered for this date (or waiting for a place) keep where they stand and get an email with the new time.`}
      </p>
      <form method="post" action={`/admin/events/${e.id}/dates/${p.occurrence.id}/move`} class="form" novalidate>
        <CsrfField token={p.csrf} />
        <Field
          name="startsAt"
          label="New start"
          type="datetime-local"
          hint={momentHint(e.timeZone, { example: true })}
          value={p.values.startsAt}
          error={p.errors?.startsAt}
        />
        <Field
          name="endsAt"
          label="New end"
          type="datetime-local"
          hint={momentHint(e.timeZone, { example: false })}
          value={p.values.endsAt}
          error={p.errors?.endsAt}
        />
        <button type="submit" class="button">
          Move this date
        </button>
      </form>
    </>
  );
}

// ---- attendees --------------------------------------------------------------------------------------------------------

function StateWords({ line, timeZone }: { line: AttendeeLine; timeZone: string }) {
  if (line.state === 'offered')
    return <>Offered a place until {line.offeredUntil !== null ? formatMoment(line.offeredUntil, timeZone) : 'it is taken'}</>;
  if (line.state === 'waitlisted') return <>Waiting</>;
  return <>Has a place</>;
}

function Attendance({ line, timeZone }: { line: AttendeeLine; timeZone: string }) {
  if (line.attendance === 'attended')
    return (
      <>
        Checked in
        {line.checkedInAt !== null && (
          <>
            {' '}
            at <Time ms={line.checkedInAt} timeZone={timeZone} />
          </>
        )}
      </>
    );
  if (line.attendance === 'no_show') return <>No-show</>;
  return <span class="muted">Not yet</span>;
}

function PeopleTable({ label, lines, timeZone, waitlist }: { label: string; lines: AttendeeLine[]; timeZone: string; waitlist: boolean }) {
  return (
    <TableWrap label={label}>
      <table class="event-people">
        <caption class="visually-hidden">{label}</caption>
        <thead>
          <tr>
            {waitlist && (
              <th scope="col" class="num">
                In line
              </th>
            )}
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col" class="num">
              Places
            </th>
            <th scope="col">Where they stand</th>
            <th scope="col">Answers</th>
            {!waitlist && <th scope="col">Checked in</th>}
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={l.placeId}>
              {waitlist && <td class="num">{n(i + 1)}</td>}
              <th scope="row">
                {l.name}
                {l.walkIn && <span class="muted"> (at the door)</span>}
                {l.wholeSeries && <span class="muted"> (every date)</span>}
              </th>
              <td class="wrap-anywhere">{l.email || <span class="muted">None given</span>}</td>
              <td class="num">{n(l.places)}</td>
              <td>
                <StateWords line={l} timeZone={timeZone} />
              </td>
              <td>
                {l.answers.length === 0 ? (
                  <span class="muted">—</span>
                ) : (
                  <ul class="plain-list">
                    {l.answers.map((a) => (
                      <li key={a.question}>
                        <span class="muted">{a.question}:</span> {a.answer}
                      </li>
                    ))}
                  </ul>
                )}
              </td>
              {!waitlist && (
                <td>
                  <Attendance line={l} timeZone={timeZone} />
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** A note under a list cut short. */
function More({ shown, total }: { shown: number; total: number }) {
  if (total <= shown) return null;
  return (
    <p>
      The first {n(shown)} of {n(total)} are shown here. The attendee list (CSV) and the check-in page’s search have everyone.
    </p>
  );
}

/** The people at one date: those with places (and offers), then the waiting list in order. */
export function AttendeesView(p: { page: AttendeesPage; powers: EventPowers }) {
  const { event: e, occurrence: o } = p.page;
  const t = p.page.totals;
  return (
    <>
      <EventTabs event={e} current={`/admin/events/${e.id}/attendees`} powers={p.powers} />
      {p.page.occurrences.length > 1 && (
        <form method="get" action={`/admin/events/${e.id}/attendees`} class="filters" aria-label="Choose a date">
          <Select
            name="date"
            label="Date"
            value={o ? String(o.id) : ''}
            options={p.page.occurrences.map((x) => ({
              value: String(x.id),
              label: `${formatWhen(x.startsAt, x.endsAt, e.timeZone)}${x.status === 'cancelled' ? ' (cancelled)' : ''}`,
            }))}
          />
          <button type="submit" class="button-secondary">
            Show this date
          </button>
        </form>
      )}
      {!o ? (
        <p>This event has no dates.</p>
      ) : (
        <>
          <h2>
            {formatWhen(o.startsAt, o.endsAt, e.timeZone)}
            {o.status === 'cancelled' ? ' (cancelled)' : ''}
          </h2>
          <p>
            {t.holderPlaces === 0
              ? `No places taken yet${e.capacity !== null ? ` (${plural(e.capacity, 'place', 'places')} in all)` : ''}.`
              : `${plural(t.holderPlaces, 'place', 'places')} taken${e.capacity !== null ? ` of ${n(e.capacity)}` : ''} (${plural(t.holders, 'booking', 'bookings')}).`}{' '}
            {t.waitingPlaces === 0 ? 'Nobody is waiting.' : `${people(t.waitingPlaces)} waiting.`} To give more people a place, raise the
            number of places on the Details page: the waiting list is offered the new places in order.
          </p>
          {p.powers.export && (
            <p>
              <a href={`/admin/events/${e.id}/attendees.csv`}>Download the attendee list (CSV)</a>
            </p>
          )}
          <h3>With a place</h3>
          {p.page.holders.length === 0 ? (
            <p>Nobody yet.</p>
          ) : (
            <>
              <PeopleTable label="People with a place" lines={p.page.holders} timeZone={e.timeZone} waitlist={false} />
              <More shown={p.page.holders.length} total={t.holders} />
            </>
          )}
          <h3>Waiting list</h3>
          {p.page.waiting.length === 0 ? (
            <p>Nobody is waiting.</p>
          ) : (
            <>
              <p>
                First in line first: when places free up, the first person whose party fits is offered them, and nobody behind is served
                before.
              </p>
              <PeopleTable label="Waiting list, in order" lines={p.page.waiting} timeZone={e.timeZone} waitlist={true} />
              <More shown={p.page.waiting.length} total={t.waiting} />
            </>
          )}
        </>
      )}
    </>
  );
}

// ---- figures ----------------------------------------------------------------------------------------------------------

/** Attendance figures: the chart of the dates held beside a table of the same numbers, with the totals. */
export function FiguresView(p: { event: LanternEvent; figures: EventFigures; powers: EventPowers }) {
  const e = p.event;
  const tz = e.timeZone;
  const short = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, day: 'numeric', month: 'short' }).format(ms);
  const long = (ms: number) =>
    new Intl.DateTimeFormat('en-GB', { timeZone: tz, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(ms);
  const held = p.figures.dates.filter((d) => d.held);
  const t = p.figures.totals;
  const chart = figuresChart(p.figures, { id: 'figures-chart', title: `Attendance at ${e.title}`, dateLabel: short, dateWords: long });
  return (
    <>
      <EventTabs event={e} current={`/admin/events/${e.id}/figures`} powers={p.powers} />
      <h2>Attendance</h2>
      <FiguresLine figures={p.figures} />
      <p class="hint">
        Counted in people: a booking for three is three people. “Registered” means registered ahead; people registered at the door are
        walk-ins. No-shows are those marked on the check-in page after the doors closed. Cancelled dates and dates still to come are not
        counted.
      </p>
      {held.length > 0 && (
        <div class="chart-with-table">
          <figure class="chart">
            {chart}
            <figcaption>
              {held.length > CHART_MAX_DATES ? `The ${CHART_MAX_DATES} most recent dates. ` : ''}Bars, left to right for each date:{' '}
              {FIGURE_BARS.map((b) => b.label.toLowerCase()).join(', ')}.
            </figcaption>
          </figure>
          <TableWrap label="Attendance per date">
            <table>
              <caption>Attendance per date</caption>
              <thead>
                <tr>
                  <th scope="col">Date</th>
                  <th scope="col" class="num">
                    Registered
                  </th>
                  <th scope="col" class="num">
                    Came
                  </th>
                  <th scope="col" class="num">
                    No-shows
                  </th>
                  <th scope="col" class="num">
                    Walk-ins
                  </th>
                  <th scope="col" class="num">
                    Not recorded
                  </th>
                </tr>
              </thead>
              <tbody>
                {held.map((d) => (
                  <tr key={d.occurrenceId}>
                    <th scope="row">{long(d.startsAt)}</th>
                    <td class="num">{n(d.registered)}</td>
                    <td class="num">{n(d.attended)}</td>
                    <td class="num">{n(d.noShows)}</td>
                    <td class="num">{n(d.walkIns)}</td>
                    <td class="num">{n(d.notRecorded)}</td>
                  </tr>
                ))}
              </tbody>
              {held.length > 1 && (
                <tfoot>
                  <tr>
                    <th scope="row">All {n(t.dates)} dates</th>
                    <td class="num">{n(t.registered)}</td>
                    <td class="num">{n(t.attended)}</td>
                    <td class="num">{n(t.noShows)}</td>
                    <td class="num">{n(t.walkIns)}</td>
                    <td class="num">{n(t.notRecorded)}</td>
                  </tr>
                </tfoot>
              )}
            </table>
          </TableWrap>
        </div>
      )}
    </>
  );
}
