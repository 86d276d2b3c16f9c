import type { Core } from '../core/context.js';
import type { Db } from '../core/db/index.js';
import type { RepresentativesSourceKey } from './tables.js';
import {
  constituencyInRange,
  DataFileError,
  decodeRangeLookup,
  parseConstituenciesCsv,
  parseKnownOutcodes,
  parseMpsCsv,
  parseShortCodes,
  readShipped,
  SHIPPED_FILES,
  type RangeTable,
  type ShippedKey,
} from './data.js';
import {
  findAllRepresentativesData,
  findConstituencyCodes,
  findPostcodeConstituency,
  findSources,
  lockSources,
  recordSource,
  replaceConstituencies,
  replaceMps,
  type SourceRow,
} from './queries.js';

// UK postcode → Westminster constituency → MP. Every GB postcode is answered offline from mySociety's range table
// (shipped, decoded once per process into two typed arrays); postcodes staff import from ONSPD/NSPL are one
// primary-key read and win over it. The constituencies and MPs (a few hundred rows) are held in memory per process
// and re-read when their data version changes. The open data behind it is described in opendata/uk/README.md.

export type Nation = 'England' | 'Scotland' | 'Wales' | 'Northern Ireland';

/** A Westminster constituency (2024 boundaries); code is its ONS GSS code. */
export interface Constituency {
  code: string;
  name: string;
  nation: Nation;
}

/** The sitting MP of a constituency. */
export interface Mp {
  memberId: number;
  name: string /* display_as */;
  fullTitle: string;
  party: string;
  email: string | null; /* null when 'No email found' or not a valid address */
}

/**
 * What a postcode leads to.
 * - found: one constituency (from an imported exact postcode, else from mySociety's range table).
 * - choose: the supporter picks from the candidates (Northern Ireland, not covered by open data: all 18 seats, unless
 *   staff imported that postcode). `message` says why.
 * - not_covered: a real postcode form with no MP at Westminster: Channel Islands and Isle of Man (crown_dependency),
 *   BFPO (bfpo), Girobank, the organisations-only BX area and overseas territories (non_geographic), or a well-formed
 *   postcode in no GB district we know or in a range with no constituency (unknown). `message` explains, for the supporter.
 * - invalid: not a postcode; `message` says what to enter.
 */
export type PostcodeLookup =
  | { kind: 'found'; postcode: string /* normalised 'SW1A 0AA' */; constituency: Constituency; mp: Mp | null }
  | {
      kind: 'choose';
      postcode: string;
      reason: 'northern_ireland';
      message: string;
      candidates: Array<{ constituency: Constituency; mp: Mp | null }>;
    }
  | { kind: 'not_covered'; postcode: string; reason: 'crown_dependency' | 'bfpo' | 'non_geographic' | 'unknown'; message: string }
  | { kind: 'invalid'; message: string };

// ---- normalising ----

// Royal Mail's rules: the outward code is A9, A99, AA9, AA99, A9A or AA9A with letters allowed per position; the
// inward code is a digit and two letters (never C, I, K, M, O or V).
const OUTWARD =
  /^(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRV-Y])$/;
const INWARD = /^[0-9][ABD-HJLNP-UW-Z]{2}$/;
// British Overseas Territories with UK-style postcodes (each a single "… 1ZZ" postcode).
const OVERSEAS = new Set(['ASCN', 'STHL', 'TDCU', 'BBND', 'BIQQ', 'FIQQ', 'PCRN', 'SIQQ', 'TKCA']);
const SPACES = /[\s\u200b-\u200d\u2060\ufeff]+/g;

function squeeze(raw: string): string {
  return raw.normalize('NFKC').replace(SPACES, '').toUpperCase();
}

/** The normalised postcode ('SW1A 0AA', 'GIR 0AA', 'BFPO 1234'), or null when malformed. Any case and spacing. */
export function normalisePostcode(raw: string): string | null {
  if (typeof raw !== 'string' || raw.length > 64) return null;
  const s = squeeze(raw);
  const bfpo = /^BFPO([0-9]{1,4})$/.exec(s);
  if (bfpo) return `BFPO ${bfpo[1]}`;
  if (s.length < 5 || s.length > 7) return null;
  const outward = s.slice(0, -3);
  // A letter O typed for the zero that starts every inward code.
  const inward = s[s.length - 3] === 'O' ? `0${s.slice(-2)}` : s.slice(-3);
  if (outward === 'GIR' && inward === '0AA') return 'GIR 0AA';
  if (OVERSEAS.has(outward) && inward === '1ZZ') return `${outward} 1ZZ`;
  return OUTWARD.test(outward) && INWARD.test(inward) ? `${outward} ${inward}` : null;
}

function invalidMessage(raw: unknown): string {
  if (typeof raw !== 'string' || squeeze(raw.slice(0, 64)) === '') return 'Enter your postcode, like SW1A 0AA.';
  if (raw.length <= 64 && OUTWARD.test(squeeze(raw))) return 'Enter your full postcode, like SW1A 0AA: both parts, not just the first.';
  return 'Enter a UK postcode, like SW1A 0AA. Check it for typing mistakes.';
}

// ---- postcodes with no MP at Westminster ----

const CROWN_DEPENDENCIES: Record<string, string> = { JE: 'Jersey', GY: 'Guernsey, Alderney and Sark', IM: 'The Isle of Man' };
const NO_UK_ADDRESS = 'If you also have a UK address where you are registered to vote, enter its postcode instead.';

function notCovered(postcode: string): PostcodeLookup | undefined {
  const outward = postcode.slice(0, postcode.indexOf(' '));
  const area = /^[A-Z]+/.exec(outward)![0];
  const nc = (reason: 'crown_dependency' | 'bfpo' | 'non_geographic', message: string): PostcodeLookup => ({
    kind: 'not_covered',
    postcode,
    reason,
    message,
  });
  if (area === 'BFPO' || area === 'BF') {
    return nc(
      'bfpo',
      `BFPO addresses are for the armed forces and their families serving abroad, and belong to no constituency. Enter the postcode of the UK address where you are registered to vote.`,
    );
  }
  const place = CROWN_DEPENDENCIES[area];
  if (place) {
    return nc(
      'crown_dependency',
      `${place} is a Crown Dependency with its own parliament. It has no MP in the UK House of Commons, so there is no MP to write to for this postcode. ${NO_UK_ADDRESS}`,
    );
  }
  if (postcode === 'GIR 0AA')
    return nc(
      'non_geographic',
      'GIR 0AA was the postcode of the Girobank and is not in any constituency. Enter the postcode of your home address.',
    );
  if (area === 'BX') {
    return nc(
      'non_geographic',
      `Postcodes starting BX are for organisations' post, not for places, so they are in no constituency. Enter the postcode of your home address.`,
    );
  }
  if (OVERSEAS.has(outward) || area === 'GX') {
    return nc(
      'non_geographic',
      `This postcode is in a British Overseas Territory, which has no MP in the UK House of Commons. ${NO_UK_ADDRESS}`,
    );
  }
  return undefined;
}

// ---- the in-memory tables ----

const RECHECK_MS = 5000;

interface Tables {
  /** The data versions these tables were read at. */
  stamp: string;
  checkedAt: number;
  constituencies: Map<string, Constituency>;
  mps: Map<string, Mp>;
  northernIreland: Constituency[];
  /** Whether staff have imported postcodes: if not, lookups need not ask the database. */
  exactPostcodes: boolean;
}

const cache = new WeakMap<Db, { tables?: Tables; loading?: Promise<Tables> }>();

const stampOf = (sources: SourceRow[]) => sources.map((s) => `${s.key}:${s.origin}:${s.version}:${s.loaded_at ?? ''}`).join('|');

async function readTables(db: Db, current: Tables | undefined): Promise<Tables> {
  const sources = await ensureShippedData(db);
  const stamp = stampOf(sources);
  if (current && current.stamp === stamp) {
    current.checkedAt = Date.now();
    return current;
  }
  const data = await findAllRepresentativesData(db);
  const constituencies = new Map<string, Constituency>();
  for (const c of data.constituencies) constituencies.set(c.code, { code: c.code, name: c.name, nation: c.nation as Nation });
  const mps = new Map<string, Mp>();
  for (const m of data.mps)
    mps.set(m.constituency_code, { memberId: Number(m.member_id), name: m.name, fullTitle: m.full_title, party: m.party, email: m.email });
  const northernIreland = [...constituencies.values()]
    .filter((c) => c.nation === 'Northern Ireland')
    .sort((a, b) => a.name.localeCompare(b.name, 'en-GB'));
  // The importer records its count once done; a postcode import in progress shows in lookups when it has finished.
  const exactPostcodes = Number(sources.find((x) => x.key === 'postcodes')?.row_count ?? 0) > 0;
  return { stamp, checkedAt: Date.now(), constituencies, mps, northernIreland, exactPostcodes };
}

/** The lookup tables of this database, read at most every few seconds to see whether the data changed. */
async function tablesFor(db: Db): Promise<Tables> {
  let entry = cache.get(db);
  if (!entry) cache.set(db, (entry = {}));
  const current = entry.tables;
  if (current && Date.now() - current.checkedAt < RECHECK_MS) return current;
  const e = entry;
  e.loading ??= readTables(db, current)
    .then((t) => (e.tables = t))
    .finally(() => (e.loading = undefined));
  return e.loading;
}

/** Makes the next lookup re-read the data (after an import in this process). */
export function forgetRepresentativesCache(db: Db): void {
  cache.delete(db);
}

const withMp = (t: Tables, c: Constituency) => ({ constituency: c, mp: t.mps.get(c.code) ?? null });

// ---- the range table and the known districts: shipped files, read once per process ----

interface ShippedLookup {
  ranges: RangeTable;
  /** Every GB postcode district that exists: the range table answers any postcode, even in a district that does not. */
  outcodes: Set<string>;
  files: Array<{ key: 'ranges' | 'outcodes'; file: string; version: string; rows: number }>;
  readAt: number;
}

let shippedLookup: Promise<ShippedLookup> | undefined;

/** The decoded range table and the known districts, read from the shipped files on first use (10 to 150 ms). */
export function loadShippedLookup(): Promise<ShippedLookup> {
  shippedLookup ??= (async () => {
    const [constituencies, ranges, outcodes] = await Promise.all([
      readShippedOrExplain('constituencies'),
      readShippedOrExplain('ranges'),
      readShippedOrExplain('outcodes'),
    ]);
    const table = decodeRangeLookup(ranges.text, parseShortCodes(constituencies.text));
    const known = parseKnownOutcodes(outcodes.text);
    return {
      ranges: table,
      outcodes: known,
      files: [
        { key: 'ranges' as const, file: ranges.file, version: ranges.version, rows: table.starts.length },
        { key: 'outcodes' as const, file: outcodes.file, version: outcodes.version, rows: known.size },
      ],
      readAt: Date.now(),
    };
  })().catch((e: unknown) => {
    shippedLookup = undefined;
    throw e;
  });
  return shippedLookup;
}

// ---- lookups ----

const unknownPostcode = (postcode: string): PostcodeLookup => ({
  kind: 'not_covered',
  postcode,
  reason: 'unknown',
  message: `We could not find the postcode ${postcode}. Please check it for typing mistakes. If it is right, it may be too new for our data: try the postcode of a neighbour.`,
});

/** Finds the constituency and MP for a postcode typed by a supporter. Never throws for bad input. */
export async function lookupPostcode(core: Core, raw: string): Promise<PostcodeLookup> {
  const postcode = normalisePostcode(raw);
  if (postcode === null) return { kind: 'invalid', message: invalidMessage(raw) };
  const special = notCovered(postcode);
  if (special) return special;
  const [t, shipped] = await Promise.all([tablesFor(core.db), loadShippedLookup()]);
  // Postcodes staff imported from ONSPD/NSPL are the authority: newer than the range table, and the only open
  // answer for Northern Ireland.
  if (t.exactPostcodes) {
    const exact = await findPostcodeConstituency(core.db, postcode);
    const known = exact === undefined ? undefined : t.constituencies.get(exact);
    if (known) return { kind: 'found', postcode, ...withMp(t, known) };
  }
  const outcode = postcode.slice(0, postcode.indexOf(' '));
  if (outcode.startsWith('BT')) {
    return {
      kind: 'choose',
      postcode,
      reason: 'northern_ireland',
      message: `Our postcode data does not cover Northern Ireland, so we cannot tell your constituency from your postcode. Please choose it from Northern Ireland's ${t.northernIreland.length} constituencies.`,
      candidates: t.northernIreland.map((c) => withMp(t, c)),
    };
  }
  // The range table gives an answer for any postcode, so a district that does not exist (a typing mistake) is
  // refused here rather than matched to whichever constituency happens to sit next to it.
  if (!shipped.outcodes.has(outcode)) return unknownPostcode(postcode);
  const code = constituencyInRange(shipped.ranges, postcode);
  const c = code === null ? undefined : t.constituencies.get(code);
  return c ? { kind: 'found', postcode, ...withMp(t, c) } : unknownPostcode(postcode);
}

/**
 * The constituency code of a postcode a supporter gave, when the data places it; null otherwise. Never throws: a
 * failed lookup is logged (without the postcode) and gives null, because a constituency is never a reason to refuse
 * the signature or sign-up that came with the postcode.
 */
export async function constituencyCodeOf(core: Core, postcode: string): Promise<string | null> {
  try {
    const found = await lookupPostcode(core, postcode);
    return found.kind === 'found' ? found.constituency.code : null;
  } catch (err) {
    core.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'postcode lookup failed; kept without a constituency');
    return null;
  }
}

/** The constituency and its MP for a GSS code, or undefined when the code is unknown. */
export async function representativeFor(
  core: Core,
  constituencyCode: string,
): Promise<{ constituency: Constituency; mp: Mp | null } | undefined> {
  const t = await tablesFor(core.db);
  const c = typeof constituencyCode === 'string' ? t.constituencies.get(constituencyCode) : undefined;
  return c ? withMp(t, c) : undefined;
}

/** Every constituency, by nation (England, Scotland, Wales, Northern Ireland) and then by name: for pickers. */
export async function listConstituencies(db: Db): Promise<Constituency[]> {
  const order = ['England', 'Scotland', 'Wales', 'Northern Ireland'];
  return [...(await tablesFor(db)).constituencies.values()].sort(
    (a, b) => order.indexOf(a.nation) - order.indexOf(b.nation) || a.name.localeCompare(b.name, 'en-GB'),
  );
}

/** Constituency names by GSS code, to show a name beside (or instead of) a code. */
export async function constituencyNames(db: Db): Promise<ReadonlyMap<string, string>> {
  const t = await tablesFor(db);
  return new Map([...t.constituencies].map(([code, c]) => [code, c.name]));
}

// ---- the shipped data ----

// The shipped files loaded into the database; the range table and the districts are only ever held in memory.
type LoadedKey = 'constituencies' | 'mps';
const SHIPPED_KEYS: LoadedKey[] = ['constituencies', 'mps'];
let shippedVersions: Promise<Record<LoadedKey, string>> | undefined;

function versionsOfShippedFiles(): Promise<Record<LoadedKey, string>> {
  shippedVersions ??= (async () => {
    const out = {} as Record<LoadedKey, string>;
    for (const k of SHIPPED_KEYS) out[k] = (await readShippedOrExplain(k)).version;
    return out;
  })().catch((e: unknown) => {
    shippedVersions = undefined;
    throw e;
  });
  return shippedVersions;
}

async function readShippedOrExplain(key: ShippedKey) {
  try {
    return await readShipped(key);
  } catch (e) {
    throw new DataFileError(
      `Lantern's UK data file opendata/uk/${SHIPPED_FILES[key]} could not be read (${e instanceof Error ? e.message : String(e)}). Reinstall Lantern to restore it.`,
    );
  }
}

/**
 * Loads the data files Lantern ships for the database (constituencies, MPs) when they differ from what was last
 * loaded from them: on the first start and after an upgrade that ships newer files, else nothing. MPs imported by
 * staff stay until a newer shipped file arrives. Returns the source rows as they now stand.
 */
export async function ensureShippedData(db: Db): Promise<SourceRow[]> {
  const versions = await versionsOfShippedFiles();
  const stale = (rows: SourceRow[]) => SHIPPED_KEYS.filter((k) => rows.find((r) => r.key === k)?.shipped_version !== versions[k]);
  const before = await findSources(db);
  if (stale(before).length === 0) return before;
  await db.transaction().execute(async (trx) => {
    // Another process may have loaded them meanwhile; the lock makes the second one see that.
    const todo = stale(await lockSources(trx));
    const now = Date.now();
    const record = (key: RepresentativesSourceKey, file: { file: string; version: string }, rowCount: number) =>
      recordSource(trx, key, {
        origin: 'shipped',
        version: file.version,
        shipped_version: file.version,
        file: file.file,
        row_count: rowCount,
        details: '{}',
        loaded_at: now,
      });
    let codes: Set<string> | undefined;
    if (todo.includes('constituencies')) {
      const f = await readShippedOrExplain('constituencies');
      const rows = parseConstituenciesCsv(f.text);
      await replaceConstituencies(trx, rows);
      await record('constituencies', f, rows.length);
      codes = new Set(rows.map((r) => r.code));
    }
    codes ??= await findConstituencyCodes(trx);
    if (todo.includes('mps')) {
      const f = await readShippedOrExplain('mps');
      const { mps } = parseMpsCsv(f.text, codes);
      await replaceMps(trx, mps);
      await record('mps', f, mps.length);
    }
  });
  return findSources(db);
}

// ---- for staff ----

export interface DataSource {
  key: RepresentativesSourceKey | 'ranges' | 'outcodes';
  origin: 'none' | 'shipped' | 'import';
  file: string;
  version: string;
  rows: number;
  loadedAt: number | null;
  details: Record<string, number>;
}

export interface RepresentativesStatus {
  sources: DataSource[];
  constituencies: number;
  mps: number;
  mpsWithoutEmail: number;
  vacantSeats: number;
  /** Ranges of mySociety's table, and the GB districts known to exist. */
  postcodeRanges: number;
  outcodes: number;
  postcodes: number;
  northernIrelandPostcodes: number;
}

/** What representatives data is loaded, from where and when, with counts (for the admin page). */
export async function representativesStatus(core: Core): Promise<RepresentativesStatus> {
  const sources = await ensureShippedData(core.db);
  const [t, shipped] = await Promise.all([tablesFor(core.db), loadShippedLookup()]);
  // Counting 1.7M rows would stall the page (and on SQLite the process): the import recorded its counts.
  const imported = sources.find((x) => x.key === 'postcodes');
  const mps = [...t.mps.values()];
  const inDatabase = sources.map((s): DataSource => ({
    key: s.key,
    origin: s.origin,
    file: s.file,
    version: s.version,
    rows: Number(s.row_count),
    loadedAt: s.loaded_at === null ? null : Number(s.loaded_at),
    details: safeDetails(s.details),
  }));
  const inMemory = shipped.files.map((f): DataSource => ({ ...f, origin: 'shipped', loadedAt: shipped.readAt, details: {} }));
  return {
    sources: [...inDatabase.filter((s) => s.key !== 'postcodes'), ...inMemory, ...inDatabase.filter((s) => s.key === 'postcodes')],
    constituencies: t.constituencies.size,
    mps: mps.length,
    mpsWithoutEmail: mps.filter((m) => m.email === null).length,
    vacantSeats: [...t.constituencies.keys()].filter((c) => !t.mps.has(c)).length,
    postcodeRanges: shipped.ranges.starts.length,
    outcodes: shipped.outcodes.size,
    postcodes: Number(imported?.row_count ?? 0),
    northernIrelandPostcodes: imported ? (safeDetails(imported.details).northernIrelandStored ?? 0) : 0,
  };
}

function safeDetails(json: string): Record<string, number> {
  try {
    const v: unknown = JSON.parse(json);
    if (typeof v !== 'object' || v === null) return {};
    return Object.fromEntries(Object.entries(v).filter((e): e is [string, number] => typeof e[1] === 'number'));
  } catch {
    return {};
  }
}
