import { z } from 'zod';
import type { Action } from '../kinds.js';
import { CONTROL } from './limits.js';

// A letter action's own settings, stored as JSON in actions.settings (both letter kinds share them), and what staff
// see of them in the editor.

// ---- settings (per action, in actions.settings) ----

const settingText = (label: string, max: number) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null) return '';
      if (typeof v !== 'string') {
        ctx.addIssue({ code: 'custom', message: `Enter ${label} as text` });
        return z.NEVER;
      }
      const s = v.replace(/\r\n?/g, '\n').trim();
      if (s.length > max)
        ctx.addIssue({
          code: 'custom',
          message: `${label[0]!.toUpperCase()}${label.slice(1)} must be ${max.toLocaleString('en-GB')} characters or fewer`,
        });
      else if (CONTROL.test(s))
        ctx.addIssue({ code: 'custom', message: `${label[0]!.toUpperCase()}${label.slice(1)} contains characters that are not allowed` });
      else return s;
      return z.NEVER;
    });

const settingInt = (o: { label: string; min: number; max: number; def: number }) =>
  z
    .unknown()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return o.def;
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d{1,7}\s*$/.test(v) ? Number(v.trim()) : Number.NaN;
      if (Number.isInteger(n) && n >= o.min && n <= o.max) return n;
      ctx.addIssue({ code: 'custom', message: `Enter ${o.label} as a whole number from ${o.min} to ${o.max}` });
      return z.NEVER;
    });

const settingFlag = z
  .unknown()
  .optional()
  .transform((v) => v === true || v === 'on' || v === 'true' || v === '1');

/**
 * A letter action's settings. Parsing `{}` gives the defaults; the admin form's strings and the stored JSON both
 * parse. The similarity threshold is a percentage of shared three-word runs (100 holds only exact copies).
 */
export const LetterSettingsSchema = z.object({
  suggestedSubject: settingText('the suggested subject', 150),
  talkingPoints: settingText('the talking points', 5_000),
  opening: settingText('the suggested opening', 5_000),
  minWords: settingInt({ label: 'the minimum number of words', min: 0, max: 1_000, def: 30 }),
  similarityPercent: settingInt({ label: 'the similarity threshold', min: 30, max: 100, def: 70 }),
  pacePerHour: settingInt({ label: 'the pace limit', min: 1, max: 3_600, def: 20 }),
  moderateAll: settingFlag,
});

export type LetterSettings = z.output<typeof LetterSettingsSchema>;

/** Settings as the admin form's values. */
export function letterSettingsToValues(s: LetterSettings): Record<string, string> {
  return {
    suggestedSubject: s.suggestedSubject,
    talkingPoints: s.talkingPoints,
    opening: s.opening,
    minWords: String(s.minWords),
    similarityPercent: String(s.similarityPercent),
    pacePerHour: String(s.pacePerHour),
    ...(s.moderateAll ? { moderateAll: 'on' } : {}),
  };
}

export type LetterAction = Action<LetterSettings>;

/** What one message of a letter action is called where its writer or staff read about it. */
export interface MessageWords {
  one: 'letter' | 'email';
  many: 'letters' | 'emails';
  One: 'Letter' | 'Email';
  Many: 'Letters' | 'Emails';
}

/** The words for a message of this kind of action: a letter to an MP, an email to a company or other target. */
export function messageWords(kind: Action['kind']): MessageWords {
  return kind === 'email_target'
    ? { one: 'email', many: 'emails', One: 'Email', Many: 'Emails' }
    : { one: 'letter', many: 'letters', One: 'Letter', Many: 'Letters' };
}
