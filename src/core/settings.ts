import { z } from 'zod';
import type { Db, DbOrTrx } from './db/index.js';

// Organisation settings: one row per key, JSON values, read through a short cache because every page shows them.

export const SiteSettingsSchema = z.object({
  orgName: z.string().trim().min(1, 'Enter the organisation name').max(120, 'Organisation name must be 120 characters or fewer'),
  tagline: z.string().trim().max(200, 'Tagline must be 200 characters or fewer').default(''),
  charityNumber: z.string().trim().max(40, 'Charity number must be 40 characters or fewer').default(''),
  timeZone: z
    .string()
    .trim()
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat('en-GB', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, 'Choose a time zone from the list, like Europe/London')
    .default('Europe/London'),
  contactEmail: z.union([z.literal(''), z.email('Enter a contact email in the right format, like info@example.org')]).default(''),
  postalAddress: z.string().trim().max(500, 'Postal address must be 500 characters or fewer').default(''),
  require2fa: z.boolean().default(false),
  /** The largest file staff may add to the resources library, in megabytes. */
  resourceMaxMb: z.coerce
    .number()
    .int()
    .min(1, 'The largest resource must be at least 1 MB')
    .max(50, 'The largest resource can be at most 50 MB')
    .default(20),
  /** Days after an event ends that registrations keep names, addresses and answers (then they are forgotten). */
  eventRetentionDays: z.coerce
    .number()
    .int()
    .min(1, 'Keep event registrations for at least 1 day after the event')
    .max(3650, 'Keep event registrations for at most 3,650 days after the event')
    .default(90),
  /** Hours a freed place is held for the next person on a waitlist before it passes on. */
  waitlistHoldHours: z.coerce
    .number()
    .int()
    .min(1, 'Hold a freed place for at least 1 hour')
    .max(168, 'Hold a freed place for at most 168 hours (a week)')
    .default(24),
  /** The smallest and largest gift the donate form takes, in pence (GBP). */
  donationMinPence: z.coerce.number().int().min(100, 'The smallest gift must be at least £1').max(100_000_000).default(200),
  donationMaxPence: z.coerce.number().int().min(100).max(100_000_000, 'The largest gift can be at most £1,000,000').default(1_000_000),
  /** The amounts the donate form suggests, each with a line on what it does. */
  donationSuggestions: z
    .array(
      z.object({
        kind: z.enum(['one_off', 'monthly']),
        amountPence: z.number().int().min(100).max(100_000_000),
        line: z.string().max(160),
      }),
    )
    .max(12)
    .default([
      { kind: 'one_off', amountPence: 1000, line: 'prints a hundred leaflets for a street stall' },
      { kind: 'one_off', amountPence: 2500, line: 'pays for a translator for one briefing' },
      { kind: 'one_off', amountPence: 5000, line: 'hires a hall for a public meeting' },
      { kind: 'monthly', amountPence: 500, line: 'keeps our website and mailing list running' },
      { kind: 'monthly', amountPence: 1000, line: 'funds a day of research each year' },
      { kind: 'monthly', amountPence: 2000, line: 'supports a young campaigner through our ambassador programme' },
    ]),
  /** HMRC's limit for one aggregated line of small gifts on a Gift Aid schedule, in pence. */
  giftAidAggregateLimitPence: z.coerce
    .number()
    .int()
    .min(100, 'An aggregated line must be allowed at least £1')
    .max(100_000, 'HMRC allows at most £1,000 on one aggregated line')
    .default(100_000),
});

export type SiteSettings = z.output<typeof SiteSettingsSchema>;

export const defaultSettings: SiteSettings = SiteSettingsSchema.parse({ orgName: 'Lantern' });

const CACHE_MS = 5_000;
let cache: { db: Db; at: number; value: SiteSettings } | undefined;

/** The organisation's settings, cached for a few seconds (other processes see a change within that time). */
export async function getSiteSettings(db: Db): Promise<SiteSettings> {
  const now = Date.now();
  if (cache && cache.db === db && now - cache.at < CACHE_MS) return cache.value;
  const rows = await db.selectFrom('settings').select(['key', 'value']).where('key', 'like', 'site.%').execute();
  const raw: Record<string, unknown> = {};
  for (const r of rows) raw[r.key.slice(5)] = JSON.parse(r.value);
  const parsed = SiteSettingsSchema.safeParse({ ...defaultSettings, ...raw });
  const value = parsed.success ? parsed.data : defaultSettings;
  cache = { db, at: now, value };
  return value;
}

/** Stores settings (a whole or partial set) and clears the cache. */
export async function saveSiteSettings(db: DbOrTrx, values: Partial<SiteSettings>): Promise<void> {
  const now = Date.now();
  for (const [k, v] of Object.entries(values)) {
    if (v === undefined) continue;
    await db
      .insertInto('settings')
      .values({ key: `site.${k}`, value: JSON.stringify(v), updated_at: now })
      .onConflict((oc) => oc.column('key').doUpdateSet({ value: JSON.stringify(v), updated_at: now }))
      .execute();
  }
  cache = undefined;
}

/** Whether the settings table has ever been written (false on a brand-new database). */
export async function hasSiteSettings(db: Db): Promise<boolean> {
  const row = await db.selectFrom('settings').select('key').where('key', '=', 'site.orgName').executeTakeFirst();
  return row !== undefined;
}
