import type { DbOrTrx } from '../core/db/index.js';
import { normaliseEmail, type Keyring } from '../core/crypto.js';
import { findSupporterByEmailIndex, findSupporterById, type SupporterRow } from './queries.js';

// Supporter records (shared by the service and the filters, so neither imports the other). Every personal field is encrypted; the email is found through its blind
// index, and names through one blind index per normalised word (see ARCHITECTURE.md, "Searching encrypted names").

export interface Supporter {
  id: number;
  publicId: string;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  postcode: string | null;
  phone: string | null;
  address: string | null;
  constituencyCode: string | null;
  source: string;
  confirmedAt: number | null;
  undeliverableAt: number | null;
  erasedAt: number | null;
  createdAt: number;
  updatedAt: number;
}

export interface SupporterDetails {
  email: string;
  firstName?: string | null | undefined;
  lastName?: string | null | undefined;
  postcode?: string | null | undefined;
  phone?: string | null | undefined;
  address?: string | null | undefined;
  constituencyCode?: string | null | undefined;
}

/** The blind index of an email address. */
export function emailIndex(keyring: Keyring, email: string): string {
  return keyring.blindIndex('email', normaliseEmail(email));
}

/** A name word normalised for search: lower case, accents removed, only letters and digits. */
function normaliseNameWord(word: string): string {
  return word
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/** The blind indexes of every word of a name (what a search for any one of the words will find). */
export function nameTokenIndexes(keyring: Keyring, ...names: Array<string | null | undefined>): string[] {
  const words = names
    .flatMap((n) => (n ?? '').split(/[\s\-'’.,]+/))
    .map(normaliseNameWord)
    .filter((w) => w.length > 0);
  return [...new Set(words)].map((w) => keyring.blindIndex('name-word', w));
}

/** Decrypts a row into a Supporter. */
export function rowToSupporter(keyring: Keyring, r: SupporterRow): Supporter {
  const d = (v: string | null) => keyring.decryptNullable(v);
  return {
    id: r.id,
    publicId: r.public_id,
    email: d(r.email_enc),
    firstName: d(r.first_name_enc),
    lastName: d(r.last_name_enc),
    postcode: d(r.postcode_enc),
    phone: d(r.phone_enc),
    address: d(r.address_enc),
    constituencyCode: r.constituency_code,
    source: r.source,
    confirmedAt: r.confirmed_at,
    undeliverableAt: r.undeliverable_at,
    erasedAt: r.erased_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The supporter with this email, if any (erased supporters have no email and are never found). */
export async function findSupporterByEmail(db: DbOrTrx, keyring: Keyring, email: string): Promise<Supporter | undefined> {
  const r = await findSupporterByEmailIndex(db, emailIndex(keyring, email));
  return r ? rowToSupporter(keyring, r) : undefined;
}

/** One supporter by id. */
export async function getSupporter(db: DbOrTrx, keyring: Keyring, id: number): Promise<Supporter | undefined> {
  const r = await findSupporterById(db, id);
  return r ? rowToSupporter(keyring, r) : undefined;
}
