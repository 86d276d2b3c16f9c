import { z } from 'zod';

// A sign-on's own settings, stored as JSON in actions.settings. Both are checkboxes in the editor, so both are
// off by default: an unticked box is simply absent from the form, and absent must mean the default.

// Stored JSON holds booleans; the editor's form sends "on" for a ticked box and nothing for an unticked one.
const flag = z.preprocess((v) => v === true || v === 'on' || v === 'true' || v === '1', z.boolean());

export const SignOnSettingsSchema = z.object({
  /** Organisations must upload a logo to sign. */
  requireLogo: flag.default(false),
  /** Keep the list of organisations off the public page (the count still shows). */
  hideList: flag.default(false),
});

export type SignOnSettings = z.output<typeof SignOnSettingsSchema>;

/** The settings as the editor's form values. */
export function signOnSettingsToValues(s: SignOnSettings): Record<string, string> {
  return { requireLogo: s.requireLogo ? 'on' : '', hideList: s.hideList ? 'on' : '' };
}
