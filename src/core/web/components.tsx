import type { ComponentChildren, InputHTMLAttributes } from 'preact';
import type { AuditDescription } from '../audit.js';

// Building blocks for forms and pages, following the GOV.UK pattern: an error summary at the top linking to
// each field, the message beside the field, and aria-describedby tying hints and errors to inputs.

export function CsrfField({ token }: { token: string }) {
  return <input type="hidden" name="_csrf" value={token} />;
}

export function ErrorSummary({ errors }: { errors: Record<string, string> | undefined }) {
  const entries = Object.entries(errors ?? {});
  if (entries.length === 0) return null;
  return (
    <div class="error-summary" role="alert" aria-labelledby="error-summary-title" tabIndex={-1}>
      <h2 id="error-summary-title">There is a problem</h2>
      <ul>
        {entries.map(([field, message]) => (
          <li key={field}>{field === '_form' ? message : <a href={`#f-${field}`}>{message}</a>}</li>
        ))}
      </ul>
    </div>
  );
}

interface FieldProps {
  name: string;
  label: string;
  type?: 'text' | 'email' | 'password' | 'tel' | 'url' | 'number' | 'date' | 'datetime-local';
  value?: string | undefined;
  error?: string | undefined;
  hint?: string;
  required?: boolean;
  autocomplete?: string;
  inputMode?: 'numeric' | 'text' | 'email';
  maxLength?: number;
  width?: 'short' | 'full';
}

/** A field's frame: its label, hint and error message around the control, which gets the id and aria-describedby. */
function FieldFrame(p: {
  name: string;
  label: string;
  hint?: string | undefined;
  error?: string | undefined;
  control: (id: string, describedBy: string | undefined) => ComponentChildren;
}) {
  const id = `f-${p.name}`;
  const describedBy = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <label for={id}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="error-message" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {p.error}
        </p>
      )}
      {p.control(id, describedBy)}
    </div>
  );
}

export function Field(p: FieldProps) {
  // preact's input typings tie some attributes to some types; these are plain HTML attributes.
  const inputAttrs = (id: string, describedBy: string | undefined) =>
    ({
      id,
      name: p.name,
      type: p.type ?? 'text',
      value: p.value ?? '',
      required: p.required,
      autocomplete: p.autocomplete,
      inputMode: p.inputMode,
      maxLength: p.maxLength,
      'aria-describedby': describedBy,
      'aria-invalid': p.error ? 'true' : undefined,
      class: p.width === 'short' ? 'input-short' : undefined,
    }) as InputHTMLAttributes<HTMLInputElement>;
  return <FieldFrame {...p} control={(id, describedBy) => <input {...inputAttrs(id, describedBy)} />} />;
}

export function TextArea(p: Omit<FieldProps, 'type'> & { rows?: number }) {
  return (
    <FieldFrame
      {...p}
      control={(id, describedBy) => (
        <textarea
          id={id}
          name={p.name}
          rows={p.rows ?? 5}
          required={p.required}
          maxLength={p.maxLength}
          aria-describedby={describedBy}
          aria-invalid={p.error ? 'true' : undefined}
        >
          {p.value ?? ''}
        </textarea>
      )}
    />
  );
}

/** Radio buttons in a fieldset; the first one carries the field's id, so the error summary's link lands on it. */
export function Radios(p: {
  name: string;
  legend: string;
  hint?: string;
  options: ReadonlyArray<{ value: string; label: string }>;
  value: string | undefined;
  error?: string | undefined;
}) {
  const id = `f-${p.name}`;
  const describedBy = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <fieldset aria-describedby={describedBy}>
        <legend>{p.legend}</legend>
        {p.hint && (
          <p class="hint" id={`${id}-hint`}>
            {p.hint}
          </p>
        )}
        {p.error && (
          <p class="error-message" id={`${id}-error`}>
            <span class="visually-hidden">Error: </span>
            {p.error}
          </p>
        )}
        {p.options.map((o, i) => {
          const oid = i === 0 ? id : `${id}-${o.value}`;
          return (
            <div class="checkbox" key={o.value}>
              <input type="radio" id={oid} name={p.name} value={o.value} checked={o.value === p.value} />
              <label for={oid}>{o.label}</label>
            </div>
          );
        })}
      </fieldset>
    </div>
  );
}

export function Checkbox(p: { name: string; label: ComponentChildren; checked?: boolean; hint?: string }) {
  const id = `f-${p.name}`;
  return (
    <div class="checkbox">
      <input type="checkbox" id={id} name={p.name} checked={p.checked} aria-describedby={p.hint ? `${id}-hint` : undefined} />
      <label for={id}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      )}
    </div>
  );
}

const option = (o: { value: string; label: string }, value: string | undefined) => (
  <option key={o.value} value={o.value} selected={o.value === value}>
    {o.label}
  </option>
);

/** Options in runs of the same group (no group: a run of its own). */
function groupOptions<O extends { group?: string }>(options: readonly O[]): Array<{ group: string | undefined; options: O[] }> {
  const out: Array<{ group: string | undefined; options: O[] }> = [];
  for (const o of options) {
    const last = out[out.length - 1];
    if (last && last.group === o.group) last.options.push(o);
    else out.push({ group: o.group, options: [o] });
  }
  return out;
}

export function Select(p: {
  name: string;
  label: string;
  /** Options with a `group` are shown under that heading (an optgroup); consecutive options share one. */
  options: ReadonlyArray<{ value: string; label: string; group?: string }>;
  value?: string | undefined;
  error?: string | undefined;
  hint?: string;
}) {
  const id = `f-${p.name}`;
  const describedBy = [p.hint ? `${id}-hint` : '', p.error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <label for={id}>{p.label}</label>
      {p.hint && (
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
      )}
      {p.error && (
        <p class="error-message" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {p.error}
        </p>
      )}
      <select id={id} name={p.name} aria-describedby={describedBy} aria-invalid={p.error ? 'true' : undefined}>
        {groupOptions(p.options).map((g, i) =>
          g.group === undefined ? (
            g.options.map((o) => option(o, p.value))
          ) : (
            <optgroup key={`${g.group}-${i}`} label={g.group}>
              {g.options.map((o) => option(o, p.value))}
            </optgroup>
          ),
        )}
      </select>
    </div>
  );
}

/**
 * Wraps a table so that on a narrow screen it scrolls sideways inside the page instead of widening it. The
 * wrapper is a labelled region in the tab order, so keyboard users can reach it and scroll it with the arrows.
 */
export function TableWrap({ label, children }: { label: string; children: ComponentChildren }) {
  return (
    <div class="table-wrap" role="region" aria-label={label} tabIndex={0}>
      {children}
    </div>
  );
}

export function Notice({ kind = 'info', children }: { kind?: 'info' | 'success' | 'warning'; children: ComponentChildren }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === 'info' ? undefined : 'status'}>
      {children}
    </div>
  );
}

/** Formats a UTC millisecond timestamp for display in the organisation's time zone. */
export function formatTime(ms: number | null | undefined, timeZone: string): string {
  if (ms === null || ms === undefined) return '—';
  return new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(ms));
}

export function Time({ ms, timeZone }: { ms: number | null | undefined; timeZone: string }) {
  if (ms === null || ms === undefined) return <span>—</span>;
  return <time dateTime={new Date(ms).toISOString()}>{formatTime(ms, timeZone)}</time>;
}

/** A file to upload, with its label, hint and error (the form needs enctype="multipart/form-data"). */
export function FileField(p: { name: string; label: string; hint?: string; error?: string | undefined; accept: string }) {
  return (
    <FieldFrame
      {...p}
      control={(id, describedBy) => (
        <input
          type="file"
          id={id}
          name={p.name}
          accept={p.accept}
          aria-describedby={describedBy}
          aria-invalid={p.error ? 'true' : undefined}
        />
      )}
    />
  );
}

/**
 * An audit entry as a sentence: "Amina opened the petition ‘Label the cotton’", the subject linked to its page.
 * `staffName` is who did it (null: Lantern itself, or whoever the description names).
 */
export function AuditSentence({ staffName, words }: { staffName: string | null; words: AuditDescription }) {
  const who = staffName ?? words.who ?? 'Lantern';
  const object = words.title !== undefined ? `‘${words.title}’` : words.subject;
  return (
    <>
      <strong>{who}</strong> {words.did}
      {object !== undefined && <> {words.href ? <a href={words.href}>{object}</a> : object}</>}
      {words.more && <span class="muted"> ({words.more})</span>}
    </>
  );
}
