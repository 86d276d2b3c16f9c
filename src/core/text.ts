import { z } from 'zod';

// The one set of rules for text that arrives from outside (every form, the JSON API, query strings, CSV rows), so
// that a name cannot add lines to a letter's signature, reverse itself on the public list of signers, or carry
// characters that are not text at all. The web app applies the rules for every text (`cleanText(s, 'multi')`) to
// every field of every request before any handler sees it (core/web/app.ts); the zod helpers below add the rules of
// a single-line field (a name, a subject, a town) or a multi-line one (a letter, Markdown, an address).
//
// Every text:
// - is normalised to NFC, so the same words typed on two keyboards are the same string (and the same blind index);
// - has its line breaks made "\n" (CRLF, CR, vertical tab, form feed, NEL, U+2028, U+2029);
// - loses bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069): nobody types them, and
//   they can make text read differently from how it is stored ("Trojan Source"), on our pages and in letters;
// - is refused if it holds a control character other than tab and line feed, a Unicode noncharacter, or half of a
//   surrogate pair: none is text, and each has broken a page, an email or a database driver somewhere.
// A single-line text also:
// - is refused if it holds a line break (it would add lines to a signature or an email header). Browsers cannot put
//   one in a single-line box, so one arrives only from a script; folding it into a space would still store the
//   words that came after it as part of the name;
// - has tabs made spaces (pasted from a spreadsheet);
// - loses the invisible characters that only make equal-looking names differ: zero-width space U+200B, word joiner
//   U+2060, zero-width no-break space U+FEFF, and the direction marks U+200E, U+200F and U+061C (a single name or
//   town is shown isolated by the page, so it needs no marks; in a letter, marks can be needed and stay);
// - keeps a zero-width non-joiner or joiner (U+200C, U+200D) only between two letters of a script that spells with
//   them (Persian writes "نیک‌نام" with a non-joiner) or inside an emoji sequence; anywhere else it goes.

/** What is wrong with a text that cannot be accepted at all. */
export type TextProblem = 'control' | 'noncharacter' | 'surrogate' | 'line_break';

export type Cleaned = { ok: true; value: string } | { ok: false; problem: TextProblem };

const LINE_BREAKS = /\r\n?|[\u000b\u000c\u0085\u2028\u2029]/g;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;
const INVISIBLE_IN_LINE = /[\u200b\u2060\ufeff\u200e\u200f\u061c]/g;
const JOINERS = /[\u200c\u200d]+/g;
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/;
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;
const EMOJI_PART = /^[\p{Extended_Pictographic}\p{Emoji_Modifier}\ufe0f]$/u;
const LETTER_OR_MARK = /^[\p{L}\p{M}]$/u;
/** Scripts whose spelling never needs a joiner: there it only makes a look-alike. */
const NO_JOINERS = /^[\p{Script=Latin}\p{Script=Greek}\p{Script=Cyrillic}\p{Script=Common}]$/u;

/** The problem words, for a message after a field's name: "Your first name contains …". */
export const PROBLEM_WORDS: Record<TextProblem, string> = {
  control: 'contains characters that are not allowed (invisible control characters)',
  noncharacter: 'contains characters that are not allowed (codes that are not letters or symbols)',
  surrogate: 'contains characters that are not allowed (a broken character)',
  line_break: 'must be on one line',
};

const joinable = (c: string | undefined) => c !== undefined && (EMOJI_PART.test(c) || (LETTER_OR_MARK.test(c) && !NO_JOINERS.test(c)));

/** The whole code point that ends just before index i of a well-formed string, if any. */
function codePointBefore(s: string, i: number): string | undefined {
  if (i === 0) return undefined;
  const unit = s.charCodeAt(i - 1);
  return String.fromCodePoint(s.codePointAt(unit >= 0xdc00 && unit <= 0xdfff && i >= 2 ? i - 2 : i - 1)!);
}

const codePointAt = (s: string, i: number) => (i < s.length ? String.fromCodePoint(s.codePointAt(i)!) : undefined);

/** Applies the rules above to one text: the text to store, or why it cannot be accepted. */
export function cleanText(input: string, kind: 'single' | 'multi'): Cleaned {
  if (!input.isWellFormed()) return { ok: false, problem: 'surrogate' };
  let s = input.replace(LINE_BREAKS, '\n').replace(BIDI_CONTROLS, '');
  if (kind === 'single') {
    if (s.includes('\n')) return { ok: false, problem: 'line_break' };
    s = s
      .replaceAll('\t', ' ')
      .replace(INVISIBLE_IN_LINE, '')
      // Composed first, so that a joiner is judged by the letters a reader sees on either side of it.
      .normalize('NFC')
      .replace(JOINERS, (run, at: number, all: string) => {
        return joinable(codePointBefore(all, at)) && joinable(codePointAt(all, at + run.length)) ? run[0]! : '';
      });
  }
  if (CONTROL.test(s)) return { ok: false, problem: 'control' };
  if (NONCHARACTER.test(s)) return { ok: false, problem: 'noncharacter' };
  // Last, so that a character removed above cannot leave two halves of a composed letter apart.
  return { ok: true, value: s.normalize('NFC') };
}

/** "your first name" → "First name"; "an address" → "Address". */
export function capitalised(label: string): string {
  const bare = label.replace(/^(an?|the|your) /, '');
  return bare.charAt(0).toUpperCase() + bare.slice(1);
}

function textField(kind: 'single' | 'multi', label: string, o: { min?: number; max?: number }) {
  const min = o.min ?? 1;
  const max = o.max ?? (kind === 'single' ? 200 : 10_000);
  return z
    .string({ error: `Enter ${label}` })
    .transform((s, ctx) => {
      const cleaned = cleanText(s, kind);
      if (cleaned.ok) return cleaned.value.trim();
      ctx.addIssue({ code: 'custom', message: `${capitalised(label)} ${PROBLEM_WORDS[cleaned.problem]}` });
      return z.NEVER;
    })
    .pipe(
      z
        .string()
        .min(min, min <= 1 ? `Enter ${label}` : `${capitalised(label)} must be at least ${min} characters`)
        .max(max, `${capitalised(label)} must be ${max} characters or fewer`),
    );
}

/** A single-line text field (a name, a subject, a town): cleaned as above, trimmed, within the length limits. */
export function singleLineText(label: string, o: { min?: number; max?: number } = {}) {
  return textField('single', label, o);
}

/** A multi-line text field (a letter, Markdown, a postal address): cleaned as above, line breaks kept as "\n", trimmed. */
export function multiLineText(label: string, o: { min?: number; max?: number } = {}) {
  return textField('multi', label, o);
}

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

/** An optional single-line text field: empty becomes undefined. */
export function optionalSingleLineText(label: string, o: { max?: number } = {}) {
  return z.preprocess(blankToUndefined, singleLineText(label, { min: 1, ...o }).optional());
}

/** An optional multi-line text field: empty becomes undefined. */
export function optionalMultiLineText(label: string, o: { max?: number } = {}) {
  return z.preprocess(blankToUndefined, multiLineText(label, { min: 1, ...o }).optional());
}

/** Fields never cleaned: passwords are checked against a hash of exactly what was typed when they were set. */
const UNTOUCHED = /password|^confirm$|^current$/i;
/** Deeper than this, a JSON body is not a form: refused rather than walked. */
const MAX_DEPTH = 20;

/** A field that cannot be accepted, in words: its name ("firstName" → "First name") and what is wrong. */
export interface RefusedField {
  field: string;
  message: string;
}

/** "firstName" → "First name", "contact_role" → "Contact role". */
export function fieldWords(key: string): string {
  const words = key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[_-]+/g, ' ')
    .trim()
    .toLowerCase();
  return words === '' ? 'A field' : capitalised(words);
}

/**
 * Applies the rules for every text to each string in a parsed body or query (nested arrays and objects too, keys
 * kept as they are): the cleaned copy, or the first field that cannot be accepted.
 */
export function cleanFields(value: unknown): { ok: true; value: unknown } | { ok: false; refused: RefusedField } {
  let refused: RefusedField | undefined;
  const walk = (v: unknown, field: string, depth: number): unknown => {
    if (refused) return v;
    if (typeof v === 'string') {
      const c = cleanText(v, 'multi');
      if (c.ok) return c.value;
      refused = { field, message: `${fieldWords(field)} ${PROBLEM_WORDS[c.problem]}.` };
      return v;
    }
    if (v === null || typeof v !== 'object') return v;
    if (ArrayBuffer.isView(v)) return v; // an uploaded file's bytes
    if (depth > MAX_DEPTH) {
      refused = { field, message: `${fieldWords(field)} is nested too deeply.` };
      return v;
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, field, depth + 1));
    // The same prototype as the parser gave (the form parser's has none of Object's), own keys only.
    const out = Object.create(Object.getPrototypeOf(v) as object | null) as Record<string, unknown>;
    for (const [k, x] of Object.entries(v)) {
      const cleaned = UNTOUCHED.test(k) ? x : walk(x, depth === 0 ? k : field, depth + 1);
      Object.defineProperty(out, k, { value: cleaned, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  const cleaned = walk(value, '', 0);
  return refused ? { ok: false, refused } : { ok: true, value: cleaned };
}

/**
 * A web address from a title: lower-case ASCII words joined by hyphens (accents dropped), at most `max` characters;
 * `fallback` when nothing is left (a title in another script). Actions, updates, resources and events all use it.
 */
export function slugFromTitle(title: string, o: { max: number; fallback: string }): string {
  const s = title
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, o.max)
    .replace(/-+$/g, '');
  return s || o.fallback;
}
