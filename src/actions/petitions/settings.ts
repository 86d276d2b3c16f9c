import { z } from 'zod';
import type { Action } from '../kinds.js';

// A petition's own settings, stored as JSON in actions.settings. Kept apart from service.ts so that kind.tsx can
// hold the schema without importing the rules (which use the actions frame, which lists the kinds).

// A setting comes from the admin form as "yes" or "no" (radio buttons, so leaving one alone never reads as "no")
// and from stored JSON as a boolean; missing means the default.
const yesNo = (v: unknown) =>
  v === true || v === 'yes' || v === 'on' || v === 'true' ? true : v === false || v === 'no' || v === 'false' ? false : v;
const setting = (what: string) => z.preprocess(yesNo, z.boolean({ error: `Choose yes or no for ${what}` })).default(true);

/** A petition's settings; `{}` gives the defaults, all on. */
export const PetitionSettingsSchema = z.object({
  /** Ask signers for their postcode (it gives the constituency, for figures per constituency and for MPs). */
  askPostcode: setting('asking for a postcode'),
  /** Count a signature only once the signer confirms by email. */
  requireConfirmation: setting('confirming by email'),
  /** Show the first name and town of signers who choose to be shown. */
  showSigners: setting('showing signers'),
});

export type PetitionSettings = z.output<typeof PetitionSettingsSchema>;

/** A petition: an action of the petition kind, with its settings parsed. */
export type Petition = Action<PetitionSettings>;
