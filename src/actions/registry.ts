import type { ActionKind } from './tables.js';
import type { KindModule } from './kinds.js';
import { emailTargetKind, letterToMpKind } from './letters/kind.js';
import { petitionKind } from './petitions/kind.js';
import { signOnKind } from './sign-ons/kind.js';

// The kinds of action, in the order staff are offered them. Kinds reach the frame only through this list.

// Each kind's settings type is its own; the frame treats them all as plain records.
export const KINDS = [petitionKind, letterToMpKind, emailTargetKind, signOnKind] as unknown as readonly KindModule[];

/** The module of a kind of action. */
export function kindModule(kind: ActionKind): KindModule {
  const m = KINDS.find((k) => k.kind === kind);
  if (!m) throw new Error(`No module for actions of kind ${kind}`);
  return m;
}
