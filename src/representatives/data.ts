import { parse as parseCsv } from 'csv-parse/sync';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { ConstituenciesTable, MpsTable } from './tables.js';

// Reading the UK open data files: the ones Lantern ships in opendata/uk/ (see opendata/uk/README.md) and the ones
// staff import (an MPs CSV in the shipped layout, or JSON from the UK Parliament Members API). Pure parsing, no database.

/** Where the shipped files live: opendata/uk/ at the package root (this file is src/representatives/ or dist/representatives/). */
export const SHIPPED_DIR = fileURLToPath(new URL('../../opendata/uk/', import.meta.url));

export const SHIPPED_FILES = {
  constituencies: 'westminster_constituencies_2024.csv',
  mps: 'current_mps.csv',
  ranges: 'mysociety_pcon_2024_range_lookup.json',
  outcodes: 'gb_outcode_to_pcon2024.csv',
} as const;

export type ShippedKey = keyof typeof SHIPPED_FILES;

/** Something wrong with a data file, said so that staff can fix it. */
export class DataFileError extends Error {
  override name = 'DataFileError';
}

export const NATIONS = ['England', 'Scotland', 'Wales', 'Northern Ireland'] as const;
const GSS_CONSTITUENCY = /^[ENSW]\d{8}$/;
const NATION_BY_LETTER: Record<string, (typeof NATIONS)[number]> = { E: 'England', S: 'Scotland', W: 'Wales', N: 'Northern Ireland' };

/** SHA-256 of a file's bytes, hex: the version of the data it holds. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The shipped file's text and version. */
export async function readShipped(key: ShippedKey): Promise<{ file: string; text: string; version: string }> {
  const bytes = await readFile(`${SHIPPED_DIR}${SHIPPED_FILES[key]}`);
  return { file: SHIPPED_FILES[key], text: bytes.toString('utf8'), version: sha256(bytes) };
}

function records(text: string, required: readonly string[], what: string): Record<string, string>[] {
  let rows: Record<string, string>[];
  try {
    rows = parseCsv(text, {
      columns: (h: string[]) => h.map((c) => c.trim().toLowerCase()),
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    });
  } catch (e) {
    throw new DataFileError(`The ${what} file is not a readable CSV: ${e instanceof Error ? e.message : String(e)}`);
  }
  const first = rows[0];
  const missing = required.filter((c) => !first || !(c in first));
  if (missing.length > 0)
    throw new DataFileError(
      `The ${what} file has no ${missing.join(', ')} column${missing.length > 1 ? 's' : ''}. It needs a header row with: ${required.join(', ')}.`,
    );
  return rows;
}

/** The nation of a constituency GSS code, from its first letter. */
function nationOfCode(code: string): (typeof NATIONS)[number] | undefined {
  return NATION_BY_LETTER[code[0] ?? ''];
}

/** Constituency rows from the shipped constituencies CSV (gss_code, name, name_cy, nation). */
export function parseConstituenciesCsv(text: string): ConstituenciesTable[] {
  const out: ConstituenciesTable[] = [];
  for (const [i, r] of records(text, ['gss_code', 'name', 'nation'], 'constituencies').entries()) {
    const code = r.gss_code!;
    const nation = NATIONS.find((n) => n === r.nation);
    if (!GSS_CONSTITUENCY.test(code) || !r.name || !nation || nationOfCode(code) !== nation) {
      throw new DataFileError(`Row ${i + 2} of the constituencies file is not a constituency (${code || 'no code'}).`);
    }
    out.push({ code, name: r.name, name_cy: r.name_cy || null, nation });
  }
  return out;
}

// Addresses are checked loosely: the MPs file says "No email found" for a few members, and anything that does not
// look like one address is treated the same way (no address) rather than sent to.
const EMAIL =
  /^[^\s@<>()[\]",;:\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

/** The address if it looks like one deliverable email address, else null ("No email found", blanks, junk). */
function emailOrNull(raw: string | null | undefined): string | null {
  const v = (raw ?? '').trim();
  return v.length <= 254 && EMAIL.test(v) ? v : null;
}

export interface Skipped {
  [reason: string]: number;
}

function skip(s: Skipped, reason: string): void {
  s[reason] = (s[reason] ?? 0) + 1;
}

/**
 * MP rows from a CSV in the layout of the shipped current_mps.csv (pcon_code, member_id, full_title, display_as,
 * party_text, member_email). Rows for constituencies Lantern does not know are skipped and counted; a row without a
 * member names a vacant seat.
 */
export function parseMpsCsv(text: string, knownCodes: ReadonlySet<string>): { mps: MpsTable[]; vacant: string[]; skipped: Skipped } {
  const skipped: Skipped = {};
  const byCode = new Map<string, MpsTable>();
  const vacant = new Set<string>();
  for (const r of records(text, ['pcon_code', 'member_id', 'display_as', 'party_text', 'member_email'], 'MPs')) {
    const code = r.pcon_code!;
    const memberId = Number(r.member_id);
    if (!knownCodes.has(code)) skip(skipped, 'unknown constituency code');
    else if (!Number.isSafeInteger(memberId) || memberId <= 0 || !r.display_as) {
      skip(skipped, 'no member (seat vacant)');
      vacant.add(code);
    } else {
      byCode.set(code, {
        constituency_code: code,
        member_id: memberId,
        name: r.display_as,
        full_title: r.full_title || r.display_as,
        party: r.party_text ?? '',
        email: emailOrNull(r.member_email),
      });
    }
  }
  return { mps: [...byCode.values()], vacant: [...vacant].filter((c) => !byCode.has(c)), skipped };
}

/** mySociety's short code (UKPARL.2025.AAD) → GSS code, from the shipped constituencies CSV (Northern Ireland has none). */
export function parseShortCodes(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const r of records(text, ['gss_code', 'mysociety_short_code'], 'constituencies')) {
    if (r.mysociety_short_code && GSS_CONSTITUENCY.test(r.gss_code!)) out.set(r.mysociety_short_code, r.gss_code!);
  }
  return out;
}

/** The GB postcode districts (outcodes) that exist, from the shipped outcode CSV: every district with a postcode. */
export function parseKnownOutcodes(text: string): Set<string> {
  // Only the first column is read, and it is never quoted: cutting each line at its first comma takes 2 ms where
  // parsing all 6,143 rows as CSV took 30 to 130 ms of every start.
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines[0]?.split(',')[0]?.trim().toLowerCase() !== 'outcode')
    throw new DataFileError('The outcodes file needs a header row starting with: outcode.');
  const out = new Set<string>();
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    if (line === '') continue;
    const outcode = line.slice(0, line.indexOf(','));
    if (!/^[A-Z]{1,2}[0-9][A-Z0-9]?$/.test(outcode))
      throw new DataFileError(`Row ${i + 1} of the outcodes file is not a postcode district (${outcode.slice(0, 20)}).`);
    out.add(outcode);
  }
  return out;
}

// ---- mySociety's postcode range table (see opendata/uk/README.md) ----

/**
 * Every GB postcode → constituency, as ranges. Read a postcode without its space as a base-36 number: its range is the
 * last one starting at or below that number. Two typed arrays, so 54,076 ranges take 540 KB and a lookup is a binary
 * search (about 16 steps) with no allocation.
 */
export interface RangeTable {
  /** The first postcode of each range as a base-36 number, ascending (up to 36^7, exact in a double). */
  starts: Float64Array;
  /** For each range, 1 + the index of its GSS code in `codes`, or 0 where the range has no constituency. */
  seats: Uint16Array;
  codes: string[];
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * Decodes mySociety's pcon_2024.json (keys delta-encoded; values 1-based indexes into value_values where 0 repeats
 * the value two places before, the way their site's own script reads it) into a RangeTable with GSS codes.
 */
export function decodeRangeLookup(text: string, gssByShortCode: ReadonlyMap<string, string>): RangeTable {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DataFileError(`The postcode range file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { postcode_keys: keys, value_key: valueKey, value_values: values } = (isObject(json) ? json : {}) as Record<string, unknown>;
  if (
    !Array.isArray(keys) ||
    !Array.isArray(valueKey) ||
    !Array.isArray(values) ||
    keys.length === 0 ||
    keys.length !== valueKey.length ||
    values.length > 0xfffe
  ) {
    throw new DataFileError('The postcode range file needs postcode_keys and value_key of the same length, and value_values.');
  }
  const codes = values.map((v, i) => {
    if (v === null) return '';
    const gss = typeof v === 'string' ? gssByShortCode.get(v) : undefined;
    if (gss === undefined)
      throw new DataFileError(
        `The postcode range file names a constituency the constituencies file does not have (value ${i}: ${String(v).slice(0, 40)}).`,
      );
    return gss;
  });
  const n = keys.length;
  const starts = new Float64Array(n);
  const seats = new Uint16Array(n);
  const raw = new Array<number>(n);
  let at = 0;
  for (let i = 0; i < n; i++) {
    const d = keys[i];
    const v = valueKey[i];
    if (!isCount(d) || (i > 0 && d === 0) || !isCount(v))
      throw new DataFileError(`The postcode range file has a bad entry at position ${i}.`);
    at += d;
    starts[i] = at;
    raw[i] = v === 0 && i >= 2 ? raw[i - 2]! : v;
    // Indexes past the end of value_values (and value_values' leading null) mean no constituency.
    const code = codes[raw[i]! - 1];
    seats[i] = code ? raw[i]! : 0;
  }
  if (!Number.isSafeInteger(at)) throw new DataFileError('The postcode range file has keys too large to be postcodes.');
  return { starts, seats, codes };
}

/** The GSS code of the range a normalised GB postcode ('SW1A 0AA') falls in, or null where it has none. */
export function constituencyInRange(t: RangeTable, postcode: string): string | null {
  const x = parseInt(postcode.replace(' ', ''), 36);
  const s = t.starts;
  if (!(x >= s[0]!)) return null;
  let lo = 0;
  let hi = s.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (s[mid]! <= x) lo = mid;
    else hi = mid - 1;
  }
  const seat = t.seats[lo]!;
  return seat === 0 ? null : t.codes[seat - 1] || null;
}

// ---- UK Parliament Members API JSON (see opendata/uk/README.md) ----

interface ApiParty {
  name?: unknown;
  isIndependentParty?: unknown;
}
interface ApiMembership {
  membershipFrom?: unknown;
  house?: unknown;
  membershipEndDate?: unknown;
  membershipStatus?: { statusIsActive?: unknown } | null;
}
interface ApiMember {
  id?: unknown;
  nameDisplayAs?: unknown;
  nameFullTitle?: unknown;
  latestParty?: ApiParty | null;
  latestHouseMembership?: ApiMembership | null;
}
interface ApiContact {
  email?: unknown;
  isPreferred?: unknown;
  type?: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);

/** Folds a constituency name for matching Parliament's spelling to the ONS one (case, accents, "&", punctuation). */
function foldName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

function contactList(v: unknown): ApiContact[] {
  if (Array.isArray(v)) return v.filter(isObject) as ApiContact[];
  if (isObject(v) && Array.isArray(v.value)) return v.value.filter(isObject) as ApiContact[];
  return [];
}

/** The email of a member's contact entries: the preferred one first, then the parliamentary office, then any. */
function contactEmail(contacts: ApiContact[]): string | null {
  const withEmail = contacts.filter((c) => emailOrNull(str(c.email)) !== null);
  const pick =
    withEmail.find((c) => c.isPreferred === true) ?? withEmail.find((c) => /parliament/i.test(str(c.type) ?? '')) ?? withEmail[0];
  return pick ? emailOrNull(str(pick.email)) : null;
}

interface Found {
  member: ApiMember;
  constituencyName?: string;
  contacts: ApiContact[];
}

// Accepts what the Members API returns: a member ({value: Member}), a search result ({items: [...]}), a
// constituency ({value: Constituency} with currentRepresentation.member) or a list of any of these. An entry may
// carry its /Members/{id}/Contact answer beside it as `contact`, which is where the email comes from.
function collect(v: unknown, into: Found[], depth = 0): void {
  if (depth > 4) return;
  if (Array.isArray(v)) {
    for (const x of v) collect(x, into, depth + 1);
    return;
  }
  if (!isObject(v)) return;
  if (Array.isArray(v.items)) {
    collect(v.items, into, depth + 1);
    return;
  }
  const contacts = contactList(v.contact ?? v.contactInformation ?? v.contacts);
  const value = isObject(v.value) ? v.value : v;
  if (isObject(value.currentRepresentation)) {
    const rep = value.currentRepresentation;
    const m = isObject(rep.member) ? (isObject(rep.member.value) ? rep.member.value : rep.member) : undefined;
    if (m) into.push({ member: m as ApiMember, constituencyName: str(value.name), contacts });
    return;
  }
  if (typeof value.id === 'number' && ('nameDisplayAs' in value || 'latestHouseMembership' in value))
    into.push({ member: value as ApiMember, contacts });
}

/**
 * MP rows from Members API JSON, matched to constituencies by name (the API has no GSS codes). Members who are not
 * sitting MPs, or whose seat cannot be matched, are skipped and counted. `email` is null when the JSON carries no
 * contact details; the caller keeps the address it already has for the same member.
 */
export function parseMembersJson(
  text: string,
  constituencies: ReadonlyArray<{ code: string; name: string }>,
): { mps: MpsTable[]; skipped: Skipped } {
  let json: unknown;
  try {
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new DataFileError(`The file is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const found: Found[] = [];
  collect(json, found);
  if (found.length === 0)
    throw new DataFileError(
      'The JSON holds no members: expected an answer of the Members API (/api/Members/{id}, /api/Members/Search or /api/Location/Constituency/…).',
    );
  const byName = new Map(constituencies.map((c) => [foldName(c.name), c.code]));
  const skipped: Skipped = {};
  const byCode = new Map<string, MpsTable>();
  for (const { member: m, constituencyName, contacts } of found) {
    const hm = m.latestHouseMembership;
    const id = typeof m.id === 'number' && Number.isSafeInteger(m.id) && m.id > 0 ? m.id : undefined;
    const name = str(m.nameDisplayAs);
    const seat = constituencyName ?? str(hm?.membershipFrom);
    if (id === undefined || !name) skip(skipped, 'no member');
    else if (constituencyName === undefined && (hm?.house !== 1 || hm.membershipEndDate || hm.membershipStatus?.statusIsActive === false))
      skip(skipped, 'not a sitting MP');
    else if (!seat || !byName.has(foldName(seat))) skip(skipped, 'constituency not matched by name');
    else {
      const code = byName.get(foldName(seat))!;
      const party = str(m.latestParty?.name) ?? (m.latestParty?.isIndependentParty === true ? 'Independent' : '');
      byCode.set(code, {
        constituency_code: code,
        member_id: id,
        name,
        full_title: str(m.nameFullTitle) ?? name,
        party,
        email: contactEmail(contacts),
      });
    }
  }
  return { mps: [...byCode.values()], skipped };
}
