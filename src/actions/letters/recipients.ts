import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import { lookupPostcode, representativeFor, type Constituency, type Mp } from '../../representatives/service.js';
import { signupBlockData, type PublicList } from '../../supporters/service.js';
import { getActionTargets } from '../service.js';
import type { LetterAction } from './settings.js';

// Who a letter goes to: the MP a postcode leads to (or the constituency the writer must choose), or the action's
// targets; and the newsletter the action offers beside them.

// ---- recipients ----

/** Someone a letter goes to: an MP, or one of an action's targets. */
export interface Recipient {
  /** 'mp:<constituency code>' or 'target:<id>': the pace limit counts per key. */
  key: string;
  name: string;
  email: string;
  /** "Dear …,". */
  greeting: string;
  /** Who they are, for the preview: "Jane Smith, Labour MP for Anytown". */
  description: string;
  party: string | null;
}

export const mpRecipient = (constituency: Constituency, mp: Mp & { email: string }): Recipient => ({
  key: `mp:${constituency.code}`,
  name: mp.name,
  email: mp.email,
  greeting: `Dear ${mp.name},`,
  description: `${mp.name}, ${mp.party} MP for ${constituency.name}`,
  party: mp.party,
});

/** Where a postcode (and, where asked, a chosen constituency) leads a letter to an MP. */
export type MpResolution =
  | { kind: 'ready'; postcode: string; constituency: Constituency; mp: Mp & { email: string }; recipient: Recipient }
  | {
      kind: 'choose';
      postcode: string;
      reason: 'northern_ireland';
      message: string;
      candidates: Array<{ constituency: Constituency; mp: Mp | null }>;
    }
  | { kind: 'cannot_email'; postcode: string; constituency: Constituency; mp: Mp | null }
  | { kind: 'not_covered'; postcode: string; reason: string; message: string }
  | { kind: 'invalid'; message: string };

/**
 * Finds the MP a letter goes to from the supporter's postcode, and the constituency they chose where the postcode
 * alone cannot tell (Northern Ireland, which the open postcode data does not cover). A chosen constituency counts
 * only if the postcode allows it, so a tampered form cannot write to someone else's MP.
 */
export async function resolveMp(core: Core, postcode: string, chosen?: string | undefined): Promise<MpResolution> {
  const found = await lookupPostcode(core, postcode);
  if (found.kind === 'invalid') return found;
  if (found.kind === 'not_covered') return { kind: 'not_covered', postcode: found.postcode, reason: found.reason, message: found.message };
  let pick: { constituency: Constituency; mp: Mp | null } | undefined;
  if (found.kind === 'found') pick = { constituency: found.constituency, mp: found.mp };
  else {
    pick = chosen ? found.candidates.find((c) => c.constituency.code === chosen) : undefined;
    if (!pick)
      return { kind: 'choose', postcode: found.postcode, reason: found.reason, message: found.message, candidates: found.candidates };
  }
  const mp = pick.mp;
  if (!mp || !mp.email) return { kind: 'cannot_email', postcode: found.postcode, constituency: pick.constituency, mp };
  const withEmail = { ...mp, email: mp.email };
  return {
    kind: 'ready',
    postcode: found.postcode,
    constituency: pick.constituency,
    mp: withEmail,
    recipient: mpRecipient(pick.constituency, withEmail),
  };
}

/** The targets of an "email a target" action as recipients, in order. */
export async function targetRecipients(db: DbOrTrx, actionId: number): Promise<Recipient[]> {
  return (await getActionTargets(db, actionId)).map((t) => ({
    key: `target:${t.id}`,
    name: t.name,
    email: t.email,
    greeting: `Dear ${t.name},`,
    description: t.role ? `${t.name}, ${t.role}` : t.name,
    party: null,
  }));
}

/** The newsletter list a letter action offers, if it has one and the list still takes sign-ups. */
export async function newsletterListOf(core: Core, action: Pick<LetterAction, 'newsletterListId'>): Promise<PublicList | undefined> {
  return action.newsletterListId === null ? undefined : (await signupBlockData(core)).lists.find((l) => l.id === action.newsletterListId);
}

/** What the action page's letter area shows: the targets (emails to targets) and the newsletter offered. */
export async function letterActAreaData(
  core: Core,
  action: LetterAction,
): Promise<{ recipients: Recipient[]; list: PublicList | undefined }> {
  if (action.kind === 'letter_mp') return { recipients: [], list: undefined };
  const [recipients, list] = await Promise.all([targetRecipients(core.db, action.id), newsletterListOf(core, action)]);
  return { recipients, list };
}

export type Representative = Awaited<ReturnType<typeof representativeFor>>;

/** The representative of a letter's constituency, read outside any transaction. */
export async function mpOfLetter(core: Core, code: string | null): Promise<{ code: string | null; rep: Representative }> {
  return { code, rep: code ? await representativeFor(core, code) : undefined };
}
