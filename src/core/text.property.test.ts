import fc from 'fast-check';
import { expect, test } from 'vitest';
import { garbage } from '../../test/helpers/garbage.js';
import { cleanFields, cleanText, fieldWords, singleLineText, multiLineText } from './text.js';

// The rules of core/text.ts as properties, over any string (whole Unicode, lone surrogates, controls, the
// bidirectional and invisible characters, line breaks of every kind) and any parsed body.

const SPECIALS = [
  '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069',
  '\u200b', '\u200c', '\u200d', '\u200e', '\u200f', '\u061c', '\u2060', '\ufeff',
  '\r\n', '\r', '\n', '\t', '\u000b', '\u000c', '\u0085', '\u2028', '\u2029',
  '\u0000', '\u0007', '\u001b', '\u007f', '\u0090', '\u009f',
  '\ufdd0', '\ufffe', '\uffff', '\u{1fffe}', '\u{10ffff}', '\ud800', '\udfff',
  'e\u0301', 'n\u0303', '\u1100\u1161', 'ب', 'न', '👨', '👩', '🏳', '\ufe0f', '🌈', 'a', 'Z', ' ', '.',
]; // prettier-ignore
const { scalar } = garbage({ extra: SPECIALS, maxRepeat: 50, hugeValue: false });
const text = fc.oneof(
  scalar,
  fc.array(fc.oneof(fc.constantFrom(...SPECIALS), fc.string({ unit: 'grapheme', maxLength: 4 })), { maxLength: 12 }).map((a) => a.join('')),
);
const kind = fc.constantFrom<'single' | 'multi'>('single', 'multi');

const BIDI = /[\u202a-\u202e\u2066-\u2069]/;
const LINE_BREAK = /\r\n?|[\n\u000b\u000c\u0085\u2028\u2029]/g;
const FORBIDDEN_CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u0084\u0086-\u009f]/;
const NONCHARACTER =
  /[\ufdd0-\ufdef]|[\ufffe\uffff]|[\ud83f\ud87f\ud8bf\ud8ff\ud93f\ud97f\ud9bf\ud9ff\uda3f\uda7f\udabf\udaff\udb3f\udb7f\udbbf\udbff][\udffe\udfff]/;

test('what is accepted is NFC, well formed, with "\\n" line breaks and no direction controls, controls or noncharacters', () => {
  fc.assert(
    fc.property(text, kind, (s, k) => {
      const r = cleanText(s, k);
      if (!r.ok) return;
      const v = r.value;
      expect(v.isWellFormed()).toBe(true);
      expect(v).toBe(v.normalize('NFC'));
      expect(v).not.toMatch(BIDI);
      expect(v).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/);
      expect(v).not.toMatch(NONCHARACTER);
      if (k === 'single') {
        expect(v).not.toMatch(/[\n\t\u200b\u2060\ufeff\u200e\u200f\u061c]/);
        // A joiner is left only between two characters of a script that spells with it, or inside an emoji.
        for (const m of v.matchAll(/[\u200c\u200d]/g)) {
          const before = [...v.slice(0, m.index)].at(-1) ?? '';
          const after = [...v.slice(m.index + 1)][0] ?? '';
          for (const c of [before, after]) expect(c).toMatch(/^[^\u0000-\u007f\u200c\u200d]$/u);
        }
      }
    }),
    { numRuns: 3000 },
  );
});

test('a text is refused exactly when it holds a control character, a noncharacter, half a surrogate pair, or (on one line) a line break', () => {
  fc.assert(
    fc.property(text, kind, (s, k) => {
      const r = cleanText(s, k);
      const problem = !s.isWellFormed()
        ? 'surrogate'
        : k === 'single' && LINE_BREAK.test(s)
          ? 'line_break'
          : FORBIDDEN_CONTROL.test(s)
            ? 'control'
            : NONCHARACTER.test(s)
              ? 'noncharacter'
              : null;
      LINE_BREAK.lastIndex = 0;
      expect(r.ok ? null : r.problem).toBe(problem);
    }),
    { numRuns: 3000 },
  );
});

test('the rules are applied once: cleaning a cleaned text changes nothing, and multi-line text keeps every line', () => {
  fc.assert(
    fc.property(text, kind, (s, k) => {
      const r = cleanText(s, k);
      if (!r.ok) return;
      expect(cleanText(r.value, k)).toEqual(r);
      // Every kind of line break is one "\n"; none is lost or added.
      if (k === 'multi') expect(r.value.split('\n').length).toBe(s.split(LINE_BREAK).length);
      // A multi-line clean of a single-line result changes nothing either (the web app applies it to every field first).
      if (k === 'single') expect(cleanText(r.value, 'multi')).toEqual(r);
    }),
    { numRuns: 3000 },
  );
});

test('ordinary text in any script comes through unchanged but for NFC', () => {
  const ordinary = fc
    .string({ unit: 'grapheme', maxLength: 30 })
    .filter((s) => !/[\p{C}\p{Zl}\p{Zp}\u200b-\u200f\u2060-\u206f\ufeff\u061c]/u.test(s) && !/\p{Noncharacter_Code_Point}/u.test(s));
  fc.assert(
    fc.property(ordinary, kind, (s, k) => {
      expect(cleanText(s, k)).toEqual({ ok: true, value: s.normalize('NFC') });
    }),
    { numRuns: 2000 },
  );
});

test('joiners stay where a script or an emoji needs them, and go elsewhere', () => {
  const persian = 'نیک\u200cنام';
  expect(cleanText(persian, 'single')).toEqual({ ok: true, value: persian });
  const family = '👨\u200d👩\u200d👧';
  expect(cleanText(family, 'single')).toEqual({ ok: true, value: family });
  const flag = '🏳\ufe0f\u200d🌈';
  expect(cleanText(flag, 'single')).toEqual({ ok: true, value: flag });
  expect(cleanText('Ann\u200dSmith', 'single')).toEqual({ ok: true, value: 'AnnSmith' });
  expect(cleanText('\u200cنام', 'single')).toEqual({ ok: true, value: 'نام' });
  expect(cleanText('نیک\u200c\u200c\u200cنام', 'single')).toEqual({ ok: true, value: persian });
  // In a letter, direction marks can be needed and stay; overrides never.
  expect(cleanText('\u202eكتب\u200f 2026\r\nok', 'multi')).toEqual({ ok: true, value: 'كتب\u200f 2026\nok' });
});

test('every string of any parsed body is cleaned, keys and shape kept, passwords untouched, the first bad field named', () => {
  const body = fc.dictionary(
    fc.oneof(fc.constantFrom('firstName', 'password', 'newPassword', 'confirm', 'address', '__proto__', 'constructor'), fc.string()),
    fc.oneof(text, fc.array(text, { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), text, { maxKeys: 3 }), fc.integer()),
    { maxKeys: 6 },
  );
  fc.assert(
    fc.property(body, (b) => {
      const r = cleanFields(b);
      const passwords = Object.keys(b).filter((k) => /password|^confirm$/i.test(k));
      if (!r.ok) {
        expect(Object.keys(b)).toContain(r.refused.field);
        expect(passwords).not.toContain(r.refused.field);
        expect(r.refused.message.startsWith(fieldWords(r.refused.field))).toBe(true);
        return;
      }
      const out = r.value as Record<string, unknown>;
      expect(Object.keys(out)).toEqual(Object.keys(b));
      for (const k of passwords) expect(out[k]).toBe(b[k]);
      const walk = (v: unknown): void => {
        if (typeof v === 'string') expect(cleanText(v, 'multi')).toEqual({ ok: true, value: v });
        else if (v && typeof v === 'object') Object.values(v).forEach(walk);
      };
      for (const [k, v] of Object.entries(out)) if (!passwords.includes(k)) walk(v);
    }),
    { numRuns: 2000 },
  );
  // A key named __proto__ stays a key: the cleaned copy's prototype is not replaced.
  const proto = cleanFields(JSON.parse('{"__proto__":{"polluted":"yes"}}'));
  expect(proto.ok && Object.getPrototypeOf(proto.value)).toBe(Object.prototype);
  expect(proto.ok && Object.keys(proto.value as object)).toEqual(['__proto__']);
  const deep = JSON.parse(`${'['.repeat(5000)}"x"${']'.repeat(5000)}`) as unknown;
  expect(cleanFields({ list: deep })).toMatchObject({ ok: false, refused: { field: 'list' } });
});

test('the zod helpers: one line or many, trimmed, with messages that name the field', () => {
  expect(singleLineText('your first name').safeParse(' Ann\u202e ').data).toBe('Ann');
  expect(singleLineText('your first name').safeParse('Ann\nSmith').error?.issues[0]?.message).toBe('First name must be on one line');
  expect(singleLineText('your first name').safeParse('Ann\u0000').error?.issues[0]?.message).toBe(
    'First name contains characters that are not allowed (invisible control characters)',
  );
  expect(multiLineText('your postal address').safeParse('1 Lane\r\nTown\r\n').data).toBe('1 Lane\nTown');
  expect(multiLineText('your postal address', { max: 5 }).safeParse('123456').error?.issues[0]?.message).toBe(
    'Postal address must be 5 characters or fewer',
  );
});
