// The rules of letters to MPs and emails to targets. A supporter goes through explicit stages, each with its own
// schema (after e-petitions' SignatureCreator): where they live (letters to MPs only) → their letter → a preview
// addressed to its recipients → send. What they entered travels between stages in the form itself (hidden
// fields), never in a URL and never stored, until they send. The letter is then stored encrypted and unconfirmed,
// and goes only after they press the button behind the link emailed to them: it is compared with the action's
// other letters (near-copies are held for staff to read), and each recipient gets a delivery with a slot under the
// pace limit, sent by a job (jobs.ts). Fourteen days after a letter to an MP went, its writer is asked whether
// the MP replied.

export * from './limits.js';
export * from './settings.js';
export * from './reading.js';
export * from './recipients.js';
export * from './writing.js';
export * from './sending.js';
export * from './confirming.js';
export * from './delivering.js';
export * from './follow-up.js';
export * from './moderation.js';
export * from './export.js';
export * from './retention.js';
