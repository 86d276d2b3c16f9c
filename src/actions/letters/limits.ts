// The time limits and sizes of letters: how long a confirmation link works, when the follow-up goes, how long an
// unconfirmed letter is kept, how long a letter may be, and how often a delivery is tried.

export const DAY = 24 * 3600_000;
/** Confirmation links work for 7 days: a letter about this week's vote is no use next month. */
export const CONFIRM_LETTER_MS = 7 * DAY;
/** When to ask "did your MP reply?". */
export const FOLLOWUP_AFTER_MS = 14 * DAY;
/** Unconfirmed letters are deleted after this long (their writers never asked for them to go). */
export const UNCONFIRMED_KEPT_MS = 30 * DAY;
/** At most one confirmation email per letter in this time, so the form cannot flood someone's inbox. */
export const LETTER_EMAIL_GAP_MS = 2 * 60_000;
/** Letters longer than this are refused with a message (about 3,000 words: longer than any MP reads). */
export const MAX_LETTER_CHARS = 20_000;
/** How many of an action's newest letters a new letter is compared with. */
export const COMPARE_WITH = 2_000;
/** Attempts at delivering one letter to one recipient (about two days of backoff) before it is marked failed. */
export const DELIVERY_ATTEMPTS = 40;
export const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
