import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { isUniqueViolation } from '../core/db/errors.js';
import { formValues, optionalMultilineText, optionalText, text, type FormResult } from '../core/web/forms.js';
import { slugFromTitle } from '../core/text.js';
import { getSiteSettings, saveSiteSettings, type SiteSettings } from '../core/settings.js';
import { DomainError } from '../core/web/errors.js';
import { zonedLocalToUtc, utcToZonedLocal } from '../core/time.js';
import type { GiftKind } from './model.js';
import { findFundById, insertFund, updateFund, type FundRow } from './queries.js';

// Funds and appeals (name, web address, words, partner, target, suggested amounts, draft or published, closing
// date), and the giving settings (smallest and largest gift, suggested amounts, the Gift Aid aggregated line limit):
// their forms read into values, and their saving, audited. Money is typed in pounds and kept in pence.

/** Web addresses an appeal may not take: they are pages of the donate area itself. */
export const RESERVED_SLUGS: readonly string[] = ['manage', 'thank-you', 'test-payment'];

/** A suggested amount and what it does ("£25 — pays for a translator for one briefing"). */
export interface SuggestedAmount {
  kind: GiftKind;
  amountPence: number;
  line: string;
}

/** The most an amount typed by staff may be (£10 million: anything more is a typing slip). */
const MAX_TYPED_PENCE = 1_000_000_000;

/** An amount of pounds as typed ("£1,250.50", "12", "12.5") in pence; undefined when it is not one. */
export function penceFromPounds(typed: string): number | undefined {
  const s = typed
    .trim()
    .replace(/^£\s*/, '')
    .replace(/,(?=\d{3}(\D|$))/g, '');
  if (!/^\d{1,8}(\.\d{1,2})?$/.test(s)) return undefined;
  const [whole, frac = ''] = s.split('.') as [string, string?];
  return Number(whole) * 100 + Number(frac.padEnd(2, '0'));
}

/** Pence as pounds for a form field: "12.50", or "12" when whole. */
export function poundsForField(pence: number): string {
  return pence % 100 === 0 ? String(pence / 100) : (pence / 100).toFixed(2);
}

/** A field of pounds, read into pence, at least `min` and at most `max` pence; the messages name `label`. */
export function poundsField(label: string, o: { min: number; max?: number }) {
  const max = o.max ?? MAX_TYPED_PENCE;
  const words = (p: number) => `£${poundsForField(p)}`;
  return z.string({ error: `Enter ${label}` }).transform((s, ctx) => {
    if (s.trim() === '') {
      ctx.addIssue({ code: 'custom', message: `Enter ${label}` });
      return z.NEVER;
    }
    const p = penceFromPounds(s);
    if (p === undefined) {
      ctx.addIssue({ code: 'custom', message: `Enter ${label} in pounds, like 25 or 12.50` });
      return z.NEVER;
    }
    if (p < o.min)
      ctx.addIssue({ code: 'custom', message: `${label[0]!.toUpperCase()}${label.slice(1)} must be at least ${words(o.min)}` });
    else if (p > max) ctx.addIssue({ code: 'custom', message: `${label[0]!.toUpperCase()}${label.slice(1)} can be at most ${words(max)}` });
    return p;
  });
}

/**
 * Suggested amounts typed one a line as "10 | prints a hundred leaflets": the amounts in pence with their lines, or
 * the message for the first line that is not one.
 */
export function parseSuggestionLines(
  typed: string,
  kind: GiftKind,
  o: { minPence: number; maxPence: number },
): { ok: true; value: SuggestedAmount[] } | { ok: false; message: string } {
  const out: SuggestedAmount[] = [];
  const lines = typed.split('\n').map((l) => l.trim());
  for (const [i, line] of lines.entries()) {
    if (line === '') continue;
    const bar = line.indexOf('|');
    const amountText = bar < 0 ? line : line.slice(0, bar);
    const words = bar < 0 ? '' : line.slice(bar + 1).trim();
    const pence = penceFromPounds(amountText);
    const where = `Line ${i + 1}`;
    if (pence === undefined)
      return {
        ok: false,
        message: `${where}: start with an amount in pounds, then | and what it does, like “10 | prints a hundred leaflets”`,
      };
    if (pence < o.minPence || pence > o.maxPence)
      return {
        ok: false,
        message: `${where}: the amount must be between £${poundsForField(o.minPence)} and £${poundsForField(o.maxPence)}`,
      };
    if (words.length > 160) return { ok: false, message: `${where}: what it does must be 160 characters or fewer` };
    out.push({ kind, amountPence: pence, line: words });
  }
  if (out.length > 6) return { ok: false, message: 'Suggest at most 6 amounts of each kind' };
  return { ok: true, value: out };
}

/** Suggested amounts of one kind as the lines a form shows. */
export function suggestionLines(all: readonly SuggestedAmount[], kind: GiftKind): string {
  return all
    .filter((s) => s.kind === kind)
    .map((s) => `${poundsForField(s.amountPence)} | ${s.line}`.trim().replace(/\|$/, '').trim())
    .join('\n');
}

/** A fund's saved suggested amounts (an empty list for none or for anything unreadable). */
export function fundSuggestions(row: Pick<FundRow, 'suggested'>): SuggestedAmount[] {
  if (!row.suggested) return [];
  try {
    const v: unknown = JSON.parse(row.suggested);
    return Array.isArray(v) ? (v as SuggestedAmount[]) : [];
  } catch {
    return [];
  }
}

// ---- funds -------------------------------------------------------------------------------------------------------------

/** What a fund form says, read. */
export interface FundInput {
  name: string;
  slug: string;
  summary: string;
  description: string;
  partnerName: string;
  targetPence: number | null;
  suggested: SuggestedAmount[] | null;
  publication: 'draft' | 'published';
  closesAt: number | null;
}

const DAY_TEXT = /^\d{4}-\d{2}-\d{2}$/;

const FundSchema = z.object({
  name: text('the name', { max: 120 }),
  slug: z.preprocess(
    (v) => (v === undefined ? '' : v),
    z.string({ error: 'Enter a web address' }).max(80, 'The web address must be 80 characters or fewer'),
  ),
  summary: text('a one-line summary', { max: 200 }),
  description: optionalMultilineText('the description', { max: 20_000 }),
  partnerName: optionalText('the partner’s name', { max: 120 }),
  target: z.preprocess((v) => (v === undefined ? '' : v), z.string({ error: 'Enter the target in pounds, like 5000' })),
  suggestedOneOff: z.preprocess((v) => (v === undefined ? '' : v), z.string({ error: 'Enter the suggested amounts one a line' }).max(4000)),
  suggestedMonthly: z.preprocess(
    (v) => (v === undefined ? '' : v),
    z.string({ error: 'Enter the suggested amounts one a line' }).max(4000),
  ),
  publication: z.enum(['draft', 'published'], { error: 'Choose whether the appeal is a draft or published' }),
  closesOn: z.preprocess((v) => (v === undefined ? '' : v), z.string({ error: 'Enter the closing date like 2027-03-31' })),
});

/** Reads a fund form: the fund, or a message per field. The settings decide which suggested amounts are allowed. */
export function parseFundForm(body: unknown, o: { settings: SiteSettings }): FormResult<FundInput> {
  const parsed = FundSchema.safeParse(body ?? {});
  const values = formValues(body);
  const errors: Record<string, string> = {};
  if (!parsed.success) {
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
    return { ok: false, errors, values };
  }
  const f = parsed.data;
  const slug = (f.slug.trim() === '' ? slugOf(f.name) : f.slug.trim()).toLowerCase();
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(slug))
    errors.slug = 'Use only lower-case letters, numbers and single hyphens in the web address, like legal-appeal';
  else if (RESERVED_SLUGS.includes(slug)) errors.slug = `The web address “${slug}” is a page of the donate area already: choose another`;
  let targetPence: number | null = null;
  if (f.target.trim() !== '') {
    const p = penceFromPounds(f.target);
    if (p === undefined || p < 100) errors.target = 'Enter the target in pounds, like 5000, or leave it empty';
    else targetPence = p;
  }
  const limits = { minPence: o.settings.donationMinPence, maxPence: o.settings.donationMaxPence };
  const oneOff = parseSuggestionLines(f.suggestedOneOff, 'one_off', limits);
  const monthly = parseSuggestionLines(f.suggestedMonthly, 'monthly', limits);
  if (!oneOff.ok) errors.suggestedOneOff = oneOff.message;
  if (!monthly.ok) errors.suggestedMonthly = monthly.message;
  let closesAt: number | null = null;
  if (f.closesOn.trim() !== '') {
    const day = f.closesOn.trim();
    // The appeal takes gifts all through its closing day: it closes at the first moment of the next.
    const start = DAY_TEXT.test(day) ? zonedLocalToUtc(`${day}T00:00`, o.settings.timeZone) : null;
    if (start === null) errors.closesOn = 'Enter the closing date like 2027-03-31';
    else
      closesAt = zonedLocalToUtc(`${utcToZonedLocal(start + 36 * 3600_000, o.settings.timeZone).slice(0, 10)}T00:00`, o.settings.timeZone);
  }
  if (Object.keys(errors).length > 0 || !oneOff.ok || !monthly.ok) return { ok: false, errors, values };
  const suggested = [...oneOff.value, ...monthly.value];
  return {
    ok: true,
    data: {
      name: f.name,
      slug,
      summary: f.summary,
      description: f.description ?? '',
      partnerName: f.partnerName ?? '',
      targetPence,
      suggested: suggested.length > 0 ? suggested : null,
      publication: f.publication,
      closesAt,
    },
  };
}

const slugOf = (name: string) => slugFromTitle(name, { max: 60, fallback: 'appeal' });

/** A fund's form values, for its edit page. */
export function fundValues(row: FundRow, timeZone: string): Record<string, string> {
  const suggested = fundSuggestions(row);
  const closesOn = row.closes_at === null ? '' : utcToZonedLocal(Number(row.closes_at) - 12 * 3600_000, timeZone).slice(0, 10);
  return {
    name: row.name,
    slug: row.slug,
    summary: row.summary,
    description: row.description,
    partnerName: row.partner_name,
    target: row.target_pence === null ? '' : poundsForField(Number(row.target_pence)),
    suggestedOneOff: suggestionLines(suggested, 'one_off'),
    suggestedMonthly: suggestionLines(suggested, 'monthly'),
    publication: row.publication,
    closesOn,
  };
}

const slugTaken = () =>
  new DomainError('conflict', 'Another fund already has that web address.', {
    slug: 'Another fund already has that web address: choose another',
  });

const fundColumns = (input: FundInput) => ({
  slug: input.slug,
  name: input.name,
  summary: input.summary,
  description: input.description,
  partner_name: input.partnerName,
  target_pence: input.targetPence,
  suggested: input.suggested ? JSON.stringify(input.suggested) : null,
  publication: input.publication,
  closes_at: input.closesAt,
});

/** Creates a fund (audited); a web address already taken is a conflict with a field message. */
export async function createFund(core: Core, staffId: number, input: FundInput): Promise<number> {
  const now = Date.now();
  try {
    return await core.db.transaction().execute(async (trx) => {
      const id = await insertFund(trx, { ...fundColumns(input), created_at: now, updated_at: now });
      await recordAudit(trx, { staffId, action: 'donations.fund.create', target: `fund ${id}`, details: { name: input.name } });
      return id;
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

/** Changes a fund (audited); a missing fund is not_found, a web address already taken a conflict. */
export async function changeFund(core: Core, staffId: number, id: number, input: FundInput): Promise<void> {
  const now = Date.now();
  try {
    await core.db.transaction().execute(async (trx) => {
      if (!(await findFundById(trx, id))) throw new DomainError('not_found', 'There is no such fund.');
      await updateFund(trx, id, { ...fundColumns(input), updated_at: now });
      await recordAudit(trx, { staffId, action: 'donations.fund.update', target: `fund ${id}`, details: { name: input.name } });
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw slugTaken();
    throw e;
  }
}

// ---- the giving settings -------------------------------------------------------------------------------------------------

/** The giving settings, read from their form. */
export type GivingSettings = Pick<
  SiteSettings,
  'donationMinPence' | 'donationMaxPence' | 'donationSuggestions' | 'giftAidAggregateLimitPence'
>;

const SettingsSchema = z.object({
  minimum: poundsField('the smallest gift', { min: 100, max: 100_000_000 }),
  maximum: poundsField('the largest gift', { min: 100, max: 100_000_000 }),
  suggestedOneOff: z.preprocess((v) => (v === undefined ? '' : v), z.string({ error: 'Enter the suggested amounts one a line' }).max(4000)),
  suggestedMonthly: z.preprocess(
    (v) => (v === undefined ? '' : v),
    z.string({ error: 'Enter the suggested amounts one a line' }).max(4000),
  ),
  aggregateLimit: poundsField('the aggregated line limit', { min: 100, max: 100_000 }),
});

/** Reads the giving settings form: the settings, or a message per field. */
export function parseGivingSettingsForm(body: unknown): FormResult<GivingSettings> {
  const parsed = SettingsSchema.safeParse(body ?? {});
  const values = formValues(body);
  if (!parsed.success) {
    const errors: Record<string, string> = {};
    for (const issue of parsed.error.issues) errors[String(issue.path[0] ?? '_form')] ??= issue.message;
    return { ok: false, errors, values };
  }
  const f = parsed.data;
  const errors: Record<string, string> = {};
  if (f.minimum >= f.maximum) errors.maximum = 'The largest gift must be more than the smallest';
  const limits = { minPence: f.minimum, maxPence: Math.max(f.minimum, f.maximum) };
  const oneOff = parseSuggestionLines(f.suggestedOneOff, 'one_off', limits);
  const monthly = parseSuggestionLines(f.suggestedMonthly, 'monthly', limits);
  if (!oneOff.ok) errors.suggestedOneOff = oneOff.message;
  else if (oneOff.value.length === 0) errors.suggestedOneOff = 'Suggest at least one amount for a one-off gift';
  if (!monthly.ok) errors.suggestedMonthly = monthly.message;
  else if (monthly.value.length === 0) errors.suggestedMonthly = 'Suggest at least one amount for a monthly gift';
  if (Object.keys(errors).length > 0 || !oneOff.ok || !monthly.ok) return { ok: false, errors, values };
  return {
    ok: true,
    data: {
      donationMinPence: f.minimum,
      donationMaxPence: f.maximum,
      donationSuggestions: [...oneOff.value, ...monthly.value],
      giftAidAggregateLimitPence: f.aggregateLimit,
    },
  };
}

/** The giving settings as their form shows them. */
export function givingSettingsValues(s: SiteSettings): Record<string, string> {
  return {
    minimum: poundsForField(s.donationMinPence),
    maximum: poundsForField(s.donationMaxPence),
    suggestedOneOff: suggestionLines(s.donationSuggestions, 'one_off'),
    suggestedMonthly: suggestionLines(s.donationSuggestions, 'monthly'),
    aggregateLimit: poundsForField(s.giftAidAggregateLimitPence),
  };
}

/** Saves the giving settings (audited with what changed, in pence). */
export async function saveGivingSettings(core: Core, staffId: number, input: GivingSettings): Promise<void> {
  const before = await getSiteSettings(core.db);
  await core.db.transaction().execute(async (trx) => {
    await saveSiteSettings(trx, input);
    await recordAudit(trx, {
      staffId,
      action: 'donations.settings.update',
      details: {
        changed: (Object.keys(input) as Array<keyof GivingSettings>).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(input[k])),
      },
    });
  });
  // saveSiteSettings cleared the cache inside the transaction; a read in between could have filled it with the old values.
  await saveSiteSettings(core.db, {});
}
