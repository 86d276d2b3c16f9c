import { slugFromTitle as slugFromCoreTitle } from '../core/text.js';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DATETIME_LOCAL, describeClockChange, utcToZonedLocal, zonedLocalToUtc } from '../core/time.js';
import { email, formValues, multilineText, optionalMultilineText, optionalText, text, type FormResult } from '../core/web/forms.js';
import {
  EVENT_KINDS,
  EVENT_MODES,
  EVENT_STATUSES,
  type EventPrivate,
  type EventQuestion,
  type LanternEvent,
  type SeriesRule,
  type Weekday,
} from './model.js';
import { SLUG_SHAPE } from './reading.js';
import { occurrencesOf, seriesClockProblems } from './recurrence.js';
import type { EventInput } from './service.js';

// The staff's event form, read into the service's EventInput: every field checked at once, so the page can show
// every message together; times read as wall-clock times in the event's zone, and a time the clocks skip or show
// twice refused with a sentence saying so (never guessed). The service checks again what needs the database
// (a web address already taken) and what every event must keep; its messages come back through `formFieldOf`.

/** The most questions an event asks. */
export const MAX_QUESTIONS = 10;
/** Empty question rows the form offers beyond those filled in (the page works without JavaScript). */
export const EMPTY_QUESTION_ROWS = 3;
/** The most choices a question offers. */
const MAX_CHOICES = 20;

const DAY = 86_400_000;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export type Repeats = 'once' | 'weekly' | 'monthly';
export type Values = Record<string, string>;

/** What the form may choose from, and what it is read against. */
export interface EventFormContext {
  /** The zone the times are read in: the organisation's for a new event, the event's own when editing. */
  timeZone: string;
  campaignIds: readonly number[];
  listIds: readonly number[];
  resourceIds: readonly number[];
  /** Editing: whether the event is one date or a series (it cannot change between them). */
  fixed?: 'once' | 'series' | undefined;
  /** Makes the id of a new question (tests pass a counter). */
  newQuestionId?: () => string;
}

/** What the form came to: the event's values, and whether the web address was made from the title. */
export interface ParsedEventForm {
  input: EventInput;
  slugFromTitle: boolean;
}

/** A web address from a title: lower-case ASCII words joined by hyphens, at most 60 characters ('event' when none remain). */
export function slugFromTitle(title: string): string {
  return slugFromCoreTitle(title, { max: 60, fallback: 'event' });
}

/** The service's name of a field, as the form names it (the form's names match the service's but for the series). */
export function formFieldOf(serviceField: string): string {
  const map: Record<string, string> = { firstDay: 'seriesFirstDay', start: 'seriesStart', series: 'repeats' };
  return map[serviceField] ?? serviceField;
}

/** The service's field messages keyed by the form's field names. */
export function formErrorsOf(fields: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(fields).map(([k, v]) => [formFieldOf(k), v]));
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** A calendar day ("2027-03-28") that exists, between the years 2000 and 2200. */
function realDay(s: string): boolean {
  const m = DATE.exec(s);
  if (!m) return false;
  const year = Number(m[1]);
  if (year < 2000 || year > 2200) return false;
  const ms = Date.parse(`${s}T00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s;
}

/**
 * Reads a wall-clock time ("2027-05-14T18:30") in a zone: the UTC instant, or the message saying what is wrong,
 * including a time the clocks skip or show twice that night (describeClockChange), which is never guessed.
 */
export function readLocalMoment(
  raw: string,
  timeZone: string,
  label: string,
): { ok: true; ms: number; local: string } | { ok: false; message: string } {
  // Some browsers send seconds ("18:30:00"); they add nothing here. Typed by hand (no date picker), a space between
  // the date and the time is as good as the picker's "T".
  const local = raw
    .trim()
    .replace(/^(\d{4}-\d{2}-\d{2})[ T]+(\d{2}:\d{2})/, '$1T$2')
    .replace(/^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}):00(?:\.0+)?$/, '$1');
  const shape = `Enter ${label} as a date and time, like 2027-05-14 18:30`;
  if (!DATETIME_LOCAL.test(local) || !realDay(local.slice(0, 10))) {
    return { ok: false, message: DATETIME_LOCAL.test(local) ? `Enter a real date between the years 2000 and 2200 for ${label}` : shape };
  }
  const change = describeClockChange(local, timeZone);
  if (change) return { ok: false, message: change.message };
  const ms = zonedLocalToUtc(local, timeZone);
  if (ms === null) return { ok: false, message: shape };
  return { ok: true, ms, local };
}

/** Field readers over a body, collecting one message per field. */
function reader(body: Record<string, unknown>) {
  const errors: Record<string, string> = {};
  const raw = (key: string): unknown => (Object.hasOwn(body, key) ? body[key] : undefined);
  /** A field through a zod schema; undefined (and a message) when it fails. */
  const take = <T>(key: string, schema: z.ZodType<T>): T | undefined => {
    const r = schema.safeParse(raw(key));
    if (r.success) return r.data;
    errors[key] ??= r.error.issues[0]?.message ?? 'Check this answer';
    return undefined;
  };
  /** A text field as sent (trimmed): undefined when missing or empty, null when it is not text at all. */
  const str = (key: string): string | undefined | null => {
    const v = raw(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return null;
    return v.trim() === '' ? undefined : v.trim();
  };
  const fail = (key: string, message: string) => {
    errors[key] ??= message;
    return undefined;
  };
  return { errors, raw, take, str, fail };
}

type Reader = ReturnType<typeof reader>;

/** A whole number field: blank gives `blank`; otherwise between min and max, or the message. */
function wholeNumber(
  r: Reader,
  key: string,
  o: { blank: number | null; min: number; max: number; message: string; below?: string },
): number | null | undefined {
  const s = r.str(key);
  if (s === null) return r.fail(key, o.message);
  if (s === undefined) return o.blank;
  if (!/^[-+]?\d{1,9}$/.test(s)) return r.fail(key, o.message);
  const n = Number(s);
  if (n < o.min) return r.fail(key, o.below ?? o.message);
  if (n > o.max) return r.fail(key, o.message);
  return n;
}

/** A choice of id from a list (a campaign, a newsletter list, a resource); blank is none. */
function choiceOf(r: Reader, key: string, ids: readonly number[], message: string): number | null | undefined {
  const s = r.str(key);
  if (s === undefined) return null;
  if (s === null || !/^\d{1,12}$/.test(s) || !ids.includes(Number(s))) return r.fail(key, message);
  return Number(s);
}

/** A web address (http or https) or blank. */
function webAddress(r: Reader, key: string, label: string): string | undefined {
  const s = r.str(key);
  if (s === undefined) return '';
  const message = `Enter ${label} as a full web address, starting with https://`;
  if (s === null || s.length > 1000 || /\s/.test(s)) return r.fail(key, message);
  try {
    const u = new URL(s);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') return r.fail(key, message);
    return s;
  } catch {
    return r.fail(key, message);
  }
}

/** A wall-clock time field in the zone: blank gives null (or a message when required). */
function moment(r: Reader, key: string, timeZone: string, o: { label: string; required: boolean }): number | null | undefined {
  const s = r.str(key);
  if (s === undefined) return o.required ? r.fail(key, `Enter ${o.label}`) : null;
  if (s === null) return r.fail(key, `Enter ${o.label} as a date and time, like 2027-05-14 18:30`);
  const m = readLocalMoment(s, timeZone, o.label);
  return m.ok ? m.ms : r.fail(key, m.message);
}

const enumField = <T extends string>(values: readonly T[], message: string) =>
  z.preprocess(blankToUndefined, z.enum(values as unknown as [T, ...T[]], { error: message }));

const isoWeekdayOf = (day: string): Weekday => (((((Date.parse(`${day}T00:00Z`) / DAY + 3) % 7) + 7) % 7) + 1) as Weekday;

/** The series part of the form: the rule, or undefined with messages. */
function seriesRule(r: Reader, repeats: 'weekly' | 'monthly', timeZone: string): SeriesRule | undefined {
  const time = (key: string, label: string) => {
    const s = r.str(key);
    if (s === undefined) return r.fail(key, `Enter ${label}, like 18:00`);
    if (s === null || !TIME.test(s)) return r.fail(key, `Enter ${label} as hours and minutes, like 18:00`);
    return s;
  };
  const day = (key: string, label: string, required: boolean) => {
    const s = r.str(key);
    if (s === undefined) return required ? r.fail(key, `Enter ${label}`) : null;
    if (s === null || !realDay(s)) return r.fail(key, `Enter ${label} as a real date, like 2027-01-12`);
    return s;
  };
  const start = time('seriesStart', 'the start time');
  const end = time('seriesEnd', 'the end time');
  const firstDay = day('seriesFirstDay', 'the first date', true);
  const until = day('seriesUntil', 'the last date', false);
  if (start && end && start === end) r.fail('seriesEnd', 'The end time must be different from the start time');
  if (firstDay && until && until < firstDay) r.fail('seriesUntil', 'The last date must be on or after the first date');
  const weekdayField = (key: string, fallback: Weekday | undefined) => {
    const s = r.str(key);
    if (s === undefined && fallback !== undefined) return fallback;
    if (s === undefined || s === null || !/^[1-7]$/.test(s)) return r.fail(key, 'Choose a day of the week');
    return Number(s) as Weekday;
  };
  let rule: SeriesRule | undefined;
  if (repeats === 'weekly') {
    const interval = wholeNumber(r, 'seriesInterval', {
      blank: 1,
      min: 1,
      max: 52,
      message: 'Enter how many weeks apart the dates are, from 1 to 52',
    });
    const weekday = weekdayField('seriesWeekday', firstDay ? isoWeekdayOf(firstDay) : undefined);
    if (start && end && firstDay && until !== undefined && interval && weekday)
      rule = { freq: 'weekly', interval, weekday, start, end, firstDay, ...(until ? { until } : {}) };
  } else {
    const by = r.take(
      'monthlyBy',
      enumField(['day', 'weekday'] as const, 'Choose whether the series is on a day of the month or a weekday'),
    );
    let part: Pick<Extract<SeriesRule, { freq: 'monthly' }>, 'by' | 'day' | 'nth' | 'weekday'> | undefined;
    if (by === 'day') {
      const fallback = firstDay ? Number(firstDay.slice(8)) : null;
      const d = wholeNumber(r, 'monthlyDay', { blank: fallback, min: 1, max: 31, message: 'Enter a day of the month from 1 to 31' });
      if (d === null) r.fail('monthlyDay', 'Enter a day of the month from 1 to 31');
      else if (d !== undefined) part = { by, day: d };
    } else if (by === 'weekday') {
      const nthText = r.str('monthlyNth');
      const nth =
        nthText && ['1', '2', '3', '4', '-1'].includes(nthText)
          ? (Number(nthText) as 1 | 2 | 3 | 4 | -1)
          : r.fail('monthlyNth', 'Choose which week of the month');
      const weekday = weekdayField('monthlyWeekday', undefined);
      if (nth && weekday) part = { by, nth, weekday };
    }
    if (start && end && firstDay && until !== undefined && part)
      rule = { freq: 'monthly', ...part, start, end, firstDay, ...(until ? { until } : {}) };
  }
  if (!rule) return undefined;
  const from = zonedLocalToUtc(`${rule.firstDay}T00:00`, timeZone);
  if (from === null || occurrencesOf(rule, timeZone, { from, to: from + 400 * DAY, limit: 1 }).length === 0)
    return r.fail('seriesFirstDay', 'This series has no dates: check the first date, the day and the last date');
  const problem = seriesClockProblems(rule, timeZone, { from, years: 2 });
  if (problem) return r.fail('seriesStart', problem);
  return rule;
}

/** The questions part of the form: rows `question_<n>_label`, `_type`, `_required`, `_choices`, `_id`; empty rows are skipped. */
function questionsOf(r: Reader, body: Record<string, unknown>, newId: () => string): EventQuestion[] {
  const out: EventQuestion[] = [];
  const used = new Set<string>();
  const beyond = Object.keys(body).some((k) => {
    const m = /^question_(\d+)_label$/.exec(k);
    return m !== null && Number(m[1]) > MAX_QUESTIONS && typeof body[k] === 'string' && (body[k] as string).trim() !== '';
  });
  if (beyond) r.fail('_form', `An event can ask at most ${MAX_QUESTIONS} questions`);
  for (let i = 1; i <= MAX_QUESTIONS; i++) {
    const key = (part: string) => `question_${i}_${part}`;
    const label = r.str(key('label'));
    const choicesText = r.str(key('choices'));
    if (label === undefined && choicesText === undefined) continue;
    const name = r.take(key('label'), text(`the wording of question ${i}`, { max: 200 }));
    const type = r.take(
      key('type'),
      z.preprocess(
        (v) => (v === undefined || v === '' ? 'text' : v),
        z.enum(['text', 'single', 'multiple'], { error: `Choose how question ${i} is answered` }),
      ),
    );
    const required = ['on', 'true', '1'].includes(String(r.raw(key('required'))));
    let choices: string[] = [];
    if (type === 'single' || type === 'multiple') {
      const all = r.take(
        key('choices'),
        z.preprocess((v) => (v === undefined ? '' : v), z.string({ error: `Enter the choices of question ${i}, one per line` }).max(5000)),
      );
      if (all !== undefined) {
        choices = all
          .split('\n')
          .map((c) => c.trim())
          .filter(Boolean);
        if (choices.length < 2) r.fail(key('choices'), `Give question ${i} at least two choices, one per line`);
        else if (choices.length > MAX_CHOICES) r.fail(key('choices'), `Give question ${i} at most ${MAX_CHOICES} choices`);
        else if (choices.some((c) => c.length > 100))
          r.fail(key('choices'), `Keep each choice of question ${i} to 100 characters or fewer`);
        else if (new Set(choices.map((c) => c.toLowerCase())).size !== choices.length)
          r.fail(key('choices'), `Each choice of question ${i} must be different`);
      }
    }
    const given = r.str(key('id'));
    const id = typeof given === 'string' && /^[a-z0-9]{1,16}$/.test(given) && !used.has(given) ? given : newId();
    used.add(id);
    if (name !== undefined && type !== undefined) out.push({ id, label: name, type, required, choices: type === 'text' ? [] : choices });
  }
  return out;
}

const newQuestionId = () => randomBytes(4).toString('hex');

/**
 * Reads the event form into the service's EventInput, checking every field at once: a refusal carries one message
 * per field (named as the form names it) and the values to show again. A blank web address is made from the title
 * (`slugFromTitle` says so, for the caller to find a free one).
 */
export function parseEventForm(body: unknown, ctx: EventFormContext): FormResult<ParsedEventForm> {
  const values = formValues(body);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, errors: { _form: 'Fill in the form below and save it again.' }, values };
  const b = body as Record<string, unknown>;
  const r = reader(b);
  const tz = ctx.timeZone;

  const title = r.take('title', text('the title', { max: 150 }));
  const slugText = r.str('slug');
  let slug: string | undefined;
  if (slugText === null || (slugText !== undefined && (slugText.length > 100 || !SLUG_SHAPE.test(slugText))))
    r.fail('slug', 'Use lower-case letters, numbers and hyphens for the web address, like tuesday-protest');
  else slug = slugText ?? (title !== undefined ? slugFromTitle(title) : undefined);
  const summary = r.take('summary', multilineText('a summary', { max: 300 }));
  const description = r.take('description', optionalMultilineText('the description', { max: 20_000 }));
  const kind = r.take('kind', enumField(EVENT_KINDS, 'Choose what kind of event this is'));
  const mode = r.take('mode', enumField(EVENT_MODES, 'Choose whether people come in person, online, or either'));
  const status = r.take('status', enumField(EVENT_STATUSES, 'Choose whether the event is going ahead'));
  const publication = r.take(
    'publication',
    enumField(['draft', 'published'] as const, 'Choose whether to publish the event or keep it as a draft'),
  );
  const repeats = r.take(
    'repeats',
    z.preprocess(
      (v) => (v === undefined || v === '' ? 'once' : v),
      z.enum(['once', 'weekly', 'monthly'], { error: 'Choose how often the event happens' }),
    ),
  );
  if (ctx.fixed === 'once' && repeats !== undefined && repeats !== 'once')
    r.fail('repeats', 'This event has one date: it cannot become a series. Make a new event for the series instead');
  if (ctx.fixed === 'series' && repeats === 'once')
    r.fail('repeats', 'This event is a series: it cannot become a single date. Cancel the dates you do not need instead');

  let times: { startsAt: number; endsAt: number } | undefined;
  let series: SeriesRule | null | undefined = null;
  if (repeats === 'once' || repeats === undefined) {
    const startsAt = moment(r, 'startsAt', tz, { label: 'the start date and time', required: repeats === 'once' });
    const endsAt = moment(r, 'endsAt', tz, { label: 'the end date and time', required: repeats === 'once' });
    if (typeof startsAt === 'number' && typeof endsAt === 'number') {
      if (endsAt <= startsAt) r.fail('endsAt', 'The event must end after it starts');
      else if (endsAt - startsAt > 366 * DAY) r.fail('endsAt', 'An event can last at most a year: for a longer run, make a series');
      else times = { startsAt, endsAt };
    }
  } else {
    series = seriesRule(r, repeats, tz);
    if (series) {
      const from = zonedLocalToUtc(`${series.firstDay}T00:00`, tz)!;
      const [first] = occurrencesOf(series, tz, { from, to: from + 400 * DAY, limit: 1 });
      times = first;
    }
  }

  const venueName = r.take('venueName', optionalText('the name of the venue', { max: 150 }));
  const address = r.take('address', optionalMultilineText('the address', { max: 500 }));
  const accessibility = r.take('accessibility', optionalMultilineText('the accessibility information', { max: 2000 }));
  const capacity = wholeNumber(r, 'capacity', {
    blank: null,
    min: 1,
    max: 100_000,
    message: 'Enter the number of places as a whole number, like 80 (at most 100,000), or leave it empty for no limit',
    below: 'The number of places must be at least 1, or left empty for no limit',
  });
  const maxPlaces = wholeNumber(r, 'maxPlacesPerRegistration', {
    blank: 1,
    min: 1,
    max: 50,
    message: 'One person may book between 1 and 50 places',
  });
  const deadline = moment(r, 'registrationDeadline', tz, { label: 'when registration closes', required: false });
  if (typeof deadline === 'number' && times && !series && deadline > times.endsAt)
    r.fail('registrationDeadline', 'Registration must close before the event ends');
  const campaignId = choiceOf(r, 'campaignId', ctx.campaignIds, 'Choose a campaign from the list');
  const organiserName = r.take('organiserName', optionalText('the organiser’s name', { max: 100 }));
  const organiserEmail = r.take('organiserEmail', z.preprocess(blankToUndefined, email('the organiser’s email address').optional()));
  const joiningLink = webAddress(r, 'joiningLink', 'the joining link');
  const meetingPoint = r.take('meetingPoint', optionalMultilineText('the meeting point', { max: 1000 }));
  const recordingUrl = webAddress(r, 'recordingUrl', 'the recording link');
  const recordingResourceId = choiceOf(r, 'recordingResourceId', ctx.resourceIds, 'Choose a recording from the list');
  const materials = r.take('materials', optionalMultilineText('the materials', { max: 20_000 }));
  const newsletterListId = choiceOf(r, 'newsletterListId', ctx.listIds, 'Choose a newsletter list from the list');
  const questions = questionsOf(r, b, ctx.newQuestionId ?? newQuestionId);

  if (Object.keys(r.errors).length > 0) return { ok: false, errors: r.errors, values };
  return {
    ok: true,
    data: {
      slugFromTitle: slugText === undefined,
      input: {
        slug: slug!,
        title: title!,
        summary: summary!,
        description: description ?? '',
        kind: kind!,
        mode: mode!,
        status: status!,
        publication: publication!,
        timeZone: tz,
        startsAt: times!.startsAt,
        endsAt: times!.endsAt,
        series: series ?? null,
        venueName: venueName ?? '',
        address: address ?? '',
        accessibility: accessibility ?? '',
        capacity: capacity!,
        maxPlacesPerRegistration: maxPlaces!,
        registrationDeadline: deadline!,
        campaignId: campaignId!,
        organiserName: organiserName ?? '',
        organiserEmail: organiserEmail ?? '',
        questions,
        joiningLink: joiningLink!,
        meetingPoint: meetingPoint ?? '',
        recordingUrl: recordingUrl!,
        recordingResourceId: recordingResourceId!,
        materials: materials ?? '',
        newsletterListId: newsletterListId!,
      },
    },
  };
}

/** The form's starting values for a new event. */
export function newEventValues(o: { campaignIds: readonly number[] }): Values {
  return {
    kind: 'meeting',
    mode: 'in_person',
    status: 'scheduled',
    publication: 'draft',
    repeats: 'once',
    seriesInterval: '1',
    monthlyBy: 'day',
    maxPlacesPerRegistration: '4',
    campaignId: o.campaignIds.length === 1 ? String(o.campaignIds[0]) : '',
  };
}

/** The form's values for an event as stored (its times in its own zone). */
export function eventValues(event: LanternEvent, priv: EventPrivate): Values {
  const local = (ms: number) => utcToZonedLocal(ms, event.timeZone);
  const v: Values = {
    title: event.title,
    slug: event.slug,
    summary: event.summary,
    description: event.description,
    kind: event.kind,
    mode: event.mode,
    status: event.status,
    publication: event.publication,
    repeats: event.series ? event.series.freq : 'once',
    seriesInterval: '1',
    monthlyBy: 'day',
    venueName: event.venueName,
    address: event.address,
    accessibility: event.accessibility,
    capacity: event.capacity === null ? '' : String(event.capacity),
    maxPlacesPerRegistration: String(event.maxPlacesPerRegistration),
    registrationDeadline: event.registrationDeadline === null ? '' : local(event.registrationDeadline),
    campaignId: event.campaignId === null ? '' : String(event.campaignId),
    organiserName: event.organiserName,
    organiserEmail: event.organiserEmail,
    joiningLink: priv.joiningLink,
    meetingPoint: priv.meetingPoint,
    recordingUrl: event.recordingUrl,
    recordingResourceId: event.recordingResourceId === null ? '' : String(event.recordingResourceId),
    materials: event.materials,
    newsletterListId: event.newsletterListId === null ? '' : String(event.newsletterListId),
  };
  const s = event.series;
  if (!s) {
    v.startsAt = local(event.startsAt);
    v.endsAt = local(event.endsAt);
  } else {
    Object.assign(v, { seriesStart: s.start, seriesEnd: s.end, seriesFirstDay: s.firstDay, seriesUntil: s.until ?? '' });
    if (s.freq === 'weekly') Object.assign(v, { seriesInterval: String(s.interval), seriesWeekday: String(s.weekday) });
    else
      Object.assign(v, {
        monthlyBy: s.by,
        monthlyDay: s.day === undefined ? '' : String(s.day),
        monthlyNth: s.nth === undefined ? '' : String(s.nth),
        monthlyWeekday: s.weekday === undefined ? '' : String(s.weekday),
      });
  }
  event.questions.slice(0, MAX_QUESTIONS).forEach((q, i) => {
    const key = (part: string) => `question_${i + 1}_${part}`;
    v[key('id')] = q.id;
    v[key('label')] = q.label;
    v[key('type')] = q.type;
    v[key('choices')] = q.choices.join('\n');
    if (q.required) v[key('required')] = 'on';
  });
  return v;
}

/** How many question rows the form shows: those filled in, and empty ones beyond them, at most MAX_QUESTIONS. */
export function questionRows(values: Values): number {
  let last = 0;
  for (let i = 1; i <= MAX_QUESTIONS; i++) {
    if ((values[`question_${i}_label`] ?? '').trim() !== '' || (values[`question_${i}_choices`] ?? '').trim() !== '') last = i;
  }
  return Math.min(MAX_QUESTIONS, last + EMPTY_QUESTION_ROWS);
}

/** What the "move this date" form came to. */
export interface MoveInput {
  startsAt: number;
  endsAt: number;
}

/** Reads the form moving one date: a new start and end in the event's zone, the end after the start, still to come. */
export function parseMoveForm(body: unknown, timeZone: string, now = Date.now()): FormResult<MoveInput> {
  const values = formValues(body);
  if (!body || typeof body !== 'object' || Array.isArray(body))
    return { ok: false, errors: { _form: 'Fill in the form below and send it again.' }, values };
  const r = reader(body as Record<string, unknown>);
  const startsAt = moment(r, 'startsAt', timeZone, { label: 'the new start date and time', required: true });
  const endsAt = moment(r, 'endsAt', timeZone, { label: 'the new end date and time', required: true });
  if (typeof startsAt === 'number' && startsAt <= now) r.fail('startsAt', 'Choose a start still to come');
  if (typeof startsAt === 'number' && typeof endsAt === 'number') {
    if (endsAt <= startsAt) r.fail('endsAt', 'The date must end after it starts');
    else if (endsAt - startsAt > 366 * DAY) r.fail('endsAt', 'A date can last at most a year');
  }
  if (Object.keys(r.errors).length > 0) return { ok: false, errors: r.errors, values };
  return { ok: true, data: { startsAt: startsAt!, endsAt: endsAt! } };
}
