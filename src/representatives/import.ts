import { parse } from 'csv-parse';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import type { Db } from '../core/db/index.js';
import type { MpsTable } from './tables.js';
import { DataFileError, parseMembersJson, parseMpsCsv, sha256, type Skipped } from './data.js';
import {
  applyPostcodeBatch,
  countPostcodes,
  findConstituencyCodes,
  findConstituencyNames,
  findMpsByCode,
  recordSource,
  upsertMps,
} from './queries.js';
import { ensureShippedData, forgetRepresentativesCache, normalisePostcode } from './service.js';

// `lantern import postcodes FILE` and `lantern import mps FILE`: staff refresh the representatives data from ONS
// (ONSPD/NSPL) and UK Parliament files. Postcode files run to 2.7M rows, so they are streamed: parsed record by
// record, written in batches of one transaction each, never held whole in memory.

/** Postcodes written per transaction: big enough to share each commit's fsync, short enough not to hold up the site. */
const BATCH = 25_000;
const PROGRESS_EVERY = 100_000;
const MAX_MPS_FILE = 50 * 1024 * 1024;

// Columns are found by name: ONS renames them between editions (pcd → pcd7, pcon → pcon24cd).
const POSTCODE_COLUMNS = ['pcds', 'pcd7', 'pcd', 'pcd8', 'pcd2', 'postcode'];
const CONSTITUENCY_COLUMN = /^pcon(\d{2}cd)?$/i;
const PSEUDO_CODE = /^[A-Z]99999999$/;

export interface PostcodeImportSummary {
  file: string;
  postcodeColumn: string;
  constituencyColumn: string;
  /** Data rows read. */
  rows: number;
  /** Live postcodes written. */
  imported: number;
  northernIreland: number;
  /** Terminated postcodes (removed if an earlier import had them). */
  terminated: number;
  skipped: Skipped;
  /** Postcodes in the database afterwards. */
  total: number;
  seconds: number;
}

const fmt = (n: number) => n.toLocaleString('en-GB');

/** A stream stage that passes bytes through while hashing and counting them. */
class Hasher extends Transform {
  readonly hash = createHash('sha256');
  bytes = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.hash.update(chunk);
    this.bytes += chunk.length;
    done(null, chunk);
  }
}

async function isGzip(path: string): Promise<boolean> {
  const fh = await open(path, 'r');
  try {
    const { bytesRead, buffer } = await fh.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function checkFile(path: string): Promise<void> {
  const s = await stat(path).catch(() => undefined);
  if (!s) throw new DataFileError(`There is no file at ${path}.`);
  if (!s.isFile()) throw new DataFileError(`${path} is not a file.`);
}

function skip(s: Skipped, reason: string): void {
  s[reason] = (s[reason] ?? 0) + 1;
}

/**
 * Imports an ONSPD or NSPL postcode file (CSV, or CSV.gz), any edition from August 2024 (2024 constituencies), as
 * exact postcode → constituency rows. Idempotent: live postcodes are added or updated, terminated ones removed.
 * Skips, and counts, rows with no constituency (pseudo codes such as L99999999 for the Channel Islands), rows with
 * constituency codes Lantern does not know (editions before August 2024 hold the old boundaries) and malformed postcodes.
 */
export async function importPostcodesFile(
  db: Db,
  path: string,
  o: {
    progress?: (line: string) => void;
    /** Called after each batch is written, with how many bytes of the file have been read (for a progress bar). */
    bytesRead?: (bytes: number) => Promise<void>;
  } = {},
): Promise<PostcodeImportSummary> {
  const started = performance.now();
  const progress = o.progress ?? (() => {});
  await checkFile(path);
  await ensureShippedData(db);
  const known = await findConstituencyCodes(db);
  const gz = await isGzip(path);
  const hasher = new Hasher();
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 64 * 1024 });
  const s: PostcodeImportSummary = {
    file: basename(path),
    postcodeColumn: '',
    constituencyColumn: '',
    rows: 0,
    imported: 0,
    northernIreland: 0,
    terminated: 0,
    skipped: {},
    total: 0,
    seconds: 0,
  };
  const elapsed = () => ((performance.now() - started) / 1000).toFixed(1);

  // Postcode → constituency code, or null for a terminated postcode; the last row for a postcode wins.
  let batch = new Map<string, string | null>();
  const flush = async () => {
    if (batch.size === 0) return;
    const live: Array<{ postcode: string; constituency_code: string }> = [];
    const terminated: string[] = [];
    for (const [postcode, code] of batch) {
      if (code === null) terminated.push(postcode);
      else live.push({ postcode, constituency_code: code });
    }
    batch = new Map();
    await db.transaction().execute((trx) => applyPostcodeBatch(trx, live, terminated));
    await o.bytesRead?.(hasher.bytes);
  };

  const consume = async (records: AsyncIterable<string[]>) => {
    let pIdx = -1;
    let cIdx = -1;
    let tIdx = -1;
    for await (const rec of records) {
      if (pIdx < 0) {
        const header = rec.map((h) => h.trim().toLowerCase());
        const pName = POSTCODE_COLUMNS.find((c) => header.includes(c));
        cIdx = header.findIndex((h) => CONSTITUENCY_COLUMN.test(h));
        if (!pName || cIdx < 0) {
          throw new DataFileError(
            `${basename(path)} is not an ONSPD or NSPL file: its header needs a postcode column (pcds, pcd7 or pcd) and a constituency column (pcon or pcon24cd). ` +
              `It starts: ${header.slice(0, 8).join(', ').slice(0, 200)}.`,
          );
        }
        pIdx = header.indexOf(pName);
        tIdx = header.indexOf('doterm');
        s.postcodeColumn = pName;
        s.constituencyColumn = header[cIdx]!;
        progress(
          `Reading ${s.file}${gz ? ' (gzip)' : ''}: postcodes from column ${pName}, constituencies from ${s.constituencyColumn}${tIdx < 0 ? '' : ', terminated from doterm'}.`,
        );
        continue;
      }
      s.rows++;
      const postcode = normalisePostcode(rec[pIdx] ?? '');
      const code = (rec[cIdx] ?? '').trim();
      if (postcode === null || postcode.startsWith('GIR') || postcode.startsWith('BFPO'))
        skip(s.skipped, 'malformed or non-geographic postcode');
      else if (tIdx >= 0 && (rec[tIdx] ?? '').trim() !== '') {
        s.terminated++;
        batch.set(postcode, null);
      } else if (code === '') skip(s.skipped, 'no constituency');
      else if (PSEUDO_CODE.test(code)) skip(s.skipped, 'no constituency (pseudo code, e.g. Channel Islands, Isle of Man)');
      else if (!known.has(code)) skip(s.skipped, 'constituency code not of the 2024 boundaries');
      else {
        s.imported++;
        if (code.startsWith('N')) s.northernIreland++;
        batch.set(postcode, code);
      }
      if (batch.size >= BATCH) await flush();
      if (s.rows % PROGRESS_EVERY === 0) progress(`${fmt(s.rows)} rows read, ${fmt(s.imported)} postcodes imported (${elapsed()} s)`);
    }
    if (pIdx < 0) throw new DataFileError(`${basename(path)} is empty.`);
    await flush();
  };

  try {
    // Large reads: a 600 MB file in 64 KiB pieces costs thousands of needless trips through the stream machinery.
    const file = createReadStream(path, { highWaterMark: 1 << 20 });
    if (gz) await pipeline(file, hasher, createGunzip(), parser, consume);
    else await pipeline(file, hasher, parser, consume);
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new DataFileError(`${basename(path)} could not be read after ${fmt(s.rows)} rows: ${why}`);
  } finally {
    forgetRepresentativesCache(db);
  }

  const old = s.skipped['constituency code not of the 2024 boundaries'] ?? 0;
  if (s.imported === 0 && old > 0) {
    throw new DataFileError(
      `None of the ${fmt(s.rows)} rows has a 2024 constituency code: this looks like an edition from before August 2024 (old boundaries). Download ONSPD or NSPL from August 2024 or later.`,
    );
  }
  const counts = await countPostcodes(db);
  s.total = counts.all;
  s.seconds = (performance.now() - started) / 1000;
  await recordSource(db, 'postcodes', {
    origin: 'import',
    version: hasher.hash.digest('hex'),
    shipped_version: '',
    file: s.file,
    row_count: counts.all,
    details: JSON.stringify({
      rows: s.rows,
      imported: s.imported,
      terminated: s.terminated,
      northernIreland: s.northernIreland,
      northernIrelandStored: counts.ni,
      ...s.skipped,
    }),
    loaded_at: Date.now(),
  });
  forgetRepresentativesCache(db);
  return s;
}

/** The lines `lantern import postcodes` prints when done. */
export function describePostcodeImport(s: PostcodeImportSummary): string {
  const lines = [
    `Imported ${fmt(s.imported)} postcodes from ${fmt(s.rows)} rows of ${s.file} in ${s.seconds.toFixed(1)} s; ${fmt(s.total)} postcodes are now stored.`,
    `Terminated postcodes (removed if stored): ${fmt(s.terminated)}.`,
    ...Object.entries(s.skipped).map(([why, n]) => `Skipped, ${why}: ${fmt(n)}.`),
  ];
  if (s.northernIreland > 0) {
    lines.push(
      `Northern Ireland postcodes: ${fmt(s.northernIreland)}. Their use is under the NI Land & Property Services licence, not the OGL: check that your organisation may use them.`,
    );
  }
  return lines.join('\n');
}

export interface MpsImportSummary {
  file: string;
  format: 'csv' | 'members-api-json';
  updated: number;
  vacated: number;
  withoutEmail: number;
  skipped: Skipped;
}

/**
 * Imports MPs from a CSV in the layout of opendata/uk/current_mps.csv, or from UK Parliament Members API JSON. The MPs
 * of the constituencies in the file are set; a CSV row without a member marks its seat vacant; other seats keep
 * their MPs. Members API JSON has no email unless each member carries its /Contact answer as `contact`; the
 * address already stored for the same member is kept.
 */
export async function importMpsFile(db: Db, path: string): Promise<MpsImportSummary> {
  await checkFile(path);
  if ((await stat(path)).size > MAX_MPS_FILE) throw new DataFileError(`${basename(path)} is larger than 50 MB: that is not a list of MPs.`);
  await ensureShippedData(db);
  const bytes = await readFile(path);
  const text = bytes.toString('utf8');
  const json = /^\uFEFF?\s*[[{]/.test(text);
  const summary: MpsImportSummary = {
    file: basename(path),
    format: json ? 'members-api-json' : 'csv',
    updated: 0,
    vacated: 0,
    withoutEmail: 0,
    skipped: {},
  };
  let mps: MpsTable[];
  let vacant: string[] = [];
  const current = await findMpsByCode(db);
  if (json) {
    const parsed = parseMembersJson(text, await findConstituencyNames(db));
    summary.skipped = parsed.skipped;
    mps = parsed.mps.map((m) => {
      const before = current.get(m.constituency_code);
      return m.email === null && before && Number(before.member_id) === m.member_id ? { ...m, email: before.email } : m;
    });
  } else {
    const codes = await findConstituencyCodes(db);
    const parsed = parseMpsCsv(text, codes);
    mps = parsed.mps;
    vacant = parsed.vacant;
    // Vacant seats are reported as such, not as skipped rows.
    summary.skipped = { ...parsed.skipped };
    delete summary.skipped['no member (seat vacant)'];
  }
  if (mps.length === 0 && vacant.length === 0) {
    throw new DataFileError(
      `${basename(path)} has no MPs Lantern could match to a constituency (${
        Object.entries(summary.skipped)
          .map(([k, v]) => `${k}: ${v}`)
          .join('; ') || 'no rows'
      }).`,
    );
  }
  await db.transaction().execute(async (trx) => {
    await upsertMps(trx, mps);
    if (vacant.length > 0) await trx.deleteFrom('mps').where('constituency_code', 'in', vacant).execute();
    const all = await trx
      .selectFrom('mps')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await recordSource(trx, 'mps', {
      origin: 'import',
      version: sha256(bytes),
      // The shipped file last loaded stays recorded, so only a newer shipped file replaces these MPs.
      shipped_version: (
        await trx.selectFrom('representatives_sources').select('shipped_version').where('key', '=', 'mps').executeTakeFirstOrThrow()
      ).shipped_version,
      file: summary.file,
      row_count: Number(all.n),
      details: JSON.stringify({ updated: mps.length, vacated: vacant.length, ...summary.skipped }),
      loaded_at: Date.now(),
    });
  });
  forgetRepresentativesCache(db);
  summary.updated = mps.length;
  summary.vacated = vacant.length;
  summary.withoutEmail = mps.filter((m) => m.email === null).length;
  return summary;
}

/** The lines `lantern import mps` prints when done. */
export function describeMpsImport(s: MpsImportSummary): string {
  return [
    `Imported ${fmt(s.updated)} MPs from ${s.file} (${s.format === 'csv' ? 'MPs CSV' : 'Members API JSON'}).`,
    ...(s.vacated ? [`Seats marked vacant: ${fmt(s.vacated)}.`] : []),
    ...(s.withoutEmail ? [`MPs without an email address: ${fmt(s.withoutEmail)}.`] : []),
    ...Object.entries(s.skipped).map(([why, n]) => `Skipped, ${why}: ${fmt(n)}.`),
  ].join('\n');
}
