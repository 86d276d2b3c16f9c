import type { Core } from '../core/context.js';
import { hashToken, newToken, normaliseEmail, type Keyring } from '../core/crypto.js';
import type { DbOrTrx } from '../core/db/index.js';
import type { Declaration, DeclarationChannel } from './model.js';
import {
  declarationsOfDonor,
  endDeclaration,
  findDonorByEmailIndex,
  insertDeclaration,
  insertDonor,
  updateDonor,
  type DeclarationRow,
  type DonorRow,
} from './queries.js';

// The records every part of donations shares: donors (one per email address) and the Gift Aid declaration ledger.
// Everything personal is encrypted here, on the way in, and decrypted here on the way out.

/** A donor as pages and emails see them. */
export interface Donor {
  id: number;
  name: string;
  email: string | null;
  supporterId: number | null;
  customerRef: string | null;
}

/** A donor row, decrypted. */
export function rowToDonor(keyring: Keyring, row: DonorRow): Donor {
  return {
    id: Number(row.id),
    name: keyring.decrypt(row.name_enc),
    email: row.email_enc ? keyring.decrypt(row.email_enc) : null,
    supporterId: row.supporter_id === null ? null : Number(row.supporter_id),
    customerRef: row.customer_ref,
  };
}

/** The address of a donor's own page. */
export function donorPageLink(core: Core, token: string): string {
  return `${core.config.baseUrl}/donate/manage/${token}`;
}

/** The donor's own page address, from their row. */
export function donorPageLinkOf(core: Core, row: DonorRow): string {
  return donorPageLink(core, core.keyring.decrypt(row.manage_enc));
}

/** The blind index of a donor's email (the same kind supporters use, so the two can be matched). */
export function donorEmailIndex(keyring: Keyring, email: string): string {
  return keyring.blindIndex('email', normaliseEmail(email));
}

/**
 * The donor with this email (made when new; the name is brought up to date when they give again), and whether they
 * were new. An offline gift without an email makes a donor without one.
 */
export async function findOrCreateDonor(
  trx: DbOrTrx,
  keyring: Keyring,
  input: { email: string | null; name: string; now: number },
): Promise<{ id: number; created: boolean }> {
  const emailIndex = input.email ? donorEmailIndex(keyring, input.email) : null;
  if (emailIndex) {
    const existing = await findDonorByEmailIndex(trx, emailIndex);
    if (existing) {
      if (keyring.decrypt(existing.name_enc) !== input.name)
        await updateDonor(trx, Number(existing.id), { name_enc: keyring.encrypt(input.name), updated_at: input.now });
      return { id: Number(existing.id), created: false };
    }
  }
  const token = newToken();
  const id = await insertDonor(trx, {
    email_index: emailIndex,
    email_enc: input.email ? keyring.encrypt(input.email) : null,
    name_enc: keyring.encrypt(input.name),
    manage_hash: hashToken(token),
    manage_enc: keyring.encrypt(token),
    supporter_id: null,
    customer_ref: null,
    erasure_requested_at: null,
    statement_year: null,
    created_at: input.now,
    updated_at: input.now,
  });
  return { id, created: true };
}

/** A declaration row, decrypted. */
export function rowToDeclaration(keyring: Keyring, row: DeclarationRow): Declaration {
  return {
    id: Number(row.id),
    donorId: Number(row.donor_id),
    wordingVersion: row.wording_version,
    title: keyring.decrypt(row.title_enc),
    firstName: keyring.decrypt(row.first_name_enc),
    lastName: keyring.decrypt(row.last_name_enc),
    house: keyring.decrypt(row.house_enc),
    address: keyring.decrypt(row.address_enc),
    postcode: keyring.decrypt(row.postcode_enc),
    channel: row.channel,
    madeAt: Number(row.made_at),
    coversFrom: Number(row.covers_from),
    letterSentAt: row.letter_sent_at === null ? null : Number(row.letter_sent_at),
    cancelledAt: row.cancelled_at === null ? null : Number(row.cancelled_at),
    supersededAt: row.superseded_at === null ? null : Number(row.superseded_at),
  };
}

/** A donor's declarations, decrypted, oldest first. */
export async function donorDeclarations(db: DbOrTrx, keyring: Keyring, donorId: number): Promise<Declaration[]> {
  return (await declarationsOfDonor(db, donorId)).map((r) => rowToDeclaration(keyring, r));
}

/** What a new declaration says: the person's name and home address as they gave them, and how and when. */
export interface DeclarationInput {
  donorId: number;
  wordingVersion: string;
  title: string;
  firstName: string;
  lastName: string;
  house: string;
  address: string;
  /** Already normalised (gift-aid.ts normalisePostcode), or "X" for a donor abroad. */
  postcode: string;
  channel: DeclarationChannel;
  madeAt: number;
  /** Ticked "and the past four years": the declaration covers gifts from four years before madeAt. */
  coversPastFourYears: boolean;
  /** For a spoken declaration: when the written record was sent, if it already was. */
  letterSentAt?: number | null;
  recordedBy: number | null;
  now: number;
}

const FOUR_YEARS_MS = 4 * 365.25 * 24 * 3600 * 1000;

/**
 * Adds a declaration to the ledger. The donor's declarations still live at `madeAt` end there (superseded): an
 * address change or a corrected name is a new record, and the old one still covers the gifts before it.
 */
export async function recordDeclaration(trx: DbOrTrx, keyring: Keyring, input: DeclarationInput): Promise<number> {
  for (const old of await declarationsOfDonor(trx, input.donorId)) {
    if (old.cancelled_at !== null || old.superseded_at !== null) continue;
    await endDeclaration(trx, Number(old.id), { supersededAt: input.madeAt });
  }
  return insertDeclaration(trx, {
    donor_id: input.donorId,
    wording_version: input.wordingVersion,
    title_enc: keyring.encrypt(input.title),
    first_name_enc: keyring.encrypt(input.firstName),
    last_name_enc: keyring.encrypt(input.lastName),
    house_enc: keyring.encrypt(input.house),
    address_enc: keyring.encrypt(input.address),
    postcode_enc: keyring.encrypt(input.postcode),
    channel: input.channel,
    made_at: input.madeAt,
    covers_from: input.coversPastFourYears ? Math.round(input.madeAt - FOUR_YEARS_MS) : input.madeAt,
    letter_sent_at: input.letterSentAt ?? null,
    cancelled_at: null,
    superseded_at: null,
    replaces_id: null,
    recorded_by: input.recordedBy,
    created_at: input.now,
  });
}
