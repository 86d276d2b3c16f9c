// The representatives benchmarks' heavy work, each step in its own process (bench/representatives.ts runs them):
// - generate (only where the real GB file is absent): writes a GB postcode file in the NSPL 2025 layout, 1,734,274
//   rows (the size of the full file). The postcodes are SYNTHETIC: for each postcode district and constituency of the
//   shipped opendata/uk/gb_outcode_to_pcon2024.csv, as many made-up unit postcodes as the real file has there (scaled
//   by 1.025 to the full file's count), so the districts, constituencies and their sizes follow the real distribution;
// - import: `lantern import postcodes`'s importer (importPostcodesFile, what the command runs after migrating) into a
//   fresh SQLite database, with the process's peak RSS;
// - parse: the floor, the same file read, gunzipped where it is gzip, and streamed through csv-parse with the same
//   options, nothing stored;
// - lookup: lookupPostcode over a mix of real postcodes (fixtures/gb_postcode_sample_by_constituency.csv) against a
//   database, timed one by one, beside the floor of a bare Map.get of the same normalised postcodes in a Map of every
//   postcode of the file.
import { parse } from 'csv-parse';
import { parse as parseCsv } from 'csv-parse/sync';
import { createReadStream, createWriteStream, readFileSync } from 'node:fs';
import { once } from 'node:events';
import { createGunzip, gunzipSync } from 'node:zlib';
import { loadConfig, type DatabaseConfig } from '../../src/core/config.js';
import type { Core } from '../../src/core/context.js';
import { createKeyring } from '../../src/core/crypto.js';
import { openDatabase } from '../../src/core/db/index.js';
import { migrateToLatest } from '../../src/core/db/migrate.js';
import { JobQueue } from '../../src/core/jobs/queue.js';
import { createLogger } from '../../src/core/log.js';
import { catcherTransport, Mailer } from '../../src/core/mail/mailer.js';
import { SHIPPED_DIR } from '../../src/representatives/data.js';
import { importPostcodesFile } from '../../src/representatives/import.js';
import { loadShippedLookup, lookupPostcode, normalisePostcode } from '../../src/representatives/service.js';
import { serveChild } from '../lib/child.js';

export const FULL_FILE_ROWS = 1_734_274;

export type RepresentativesInput =
  | { mode: 'generate'; file: string }
  | { mode: 'import'; file: string; db: DatabaseConfig }
  | { mode: 'parse'; file: string }
  | { mode: 'lookup'; db: DatabaseConfig; dataDir: string; warmup: number; lookups: number; file: string; synthetic: boolean };

export interface GenerateResult {
  rows: number;
  bytes: number;
  seconds: number;
  districts: number;
}
export interface ImportResult {
  seconds: number;
  rows: number;
  imported: number;
  skipped: Record<string, number>;
  maxRssMiB: number;
}
export interface LatencyStats {
  p50Us: number;
  p99Us: number;
  maxUs: number;
  meanUs: number;
}
export interface LookupResult {
  lookups: number;
  lantern: LatencyStats;
  floor: LatencyStats;
  kinds: Record<string, number>;
  mix: Record<string, number>;
  decodeMs: number;
  wrong: number;
}

const NSPL_2025_HEADER =
  'pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,ced25cd,lad25cd,wd25cd,nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,npark16cd,lsoa21cd,msoa21cd,wz11cd,sicbl24cd,bua24cd,ruc21ind,oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd';
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ';

/** A small deterministic PRNG (mulberry32), so every run measures the same file and the same mix. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The n-th inward code: 0AA, 0AB, … 9ZZ (4,000 of them). */
function inward(n: number): string {
  const d = Math.floor(n / 400);
  const r = n % 400;
  return `${d}${INWARD_LETTERS[Math.floor(r / 20)]}${INWARD_LETTERS[r % 20]}`;
}

/** Every synthetic postcode with its constituency code ('' where the real file has none), in file order. */
function* syntheticPostcodes(): Generator<[string, string]> {
  // Some constituency names hold commas (quoted), so the file is read as CSV.
  const records: Array<Record<string, string>> = parseCsv(readFileSync(`${SHIPPED_DIR}gb_outcode_to_pcon2024.csv`, 'utf8'), {
    columns: true,
  });
  const rows = records.map((f) => ({ outcode: f.outcode!, code: f.pcon24cd!, count: Number(f.postcode_count) }));
  const total = rows.reduce((s, r) => s + r.count, 0);
  // Scale each count so the whole file has exactly FULL_FILE_ROWS rows (cumulative rounding keeps the total exact).
  let cum = 0;
  let emitted = 0;
  let district = '';
  let next = 0;
  for (const r of rows) {
    cum += r.count;
    const upTo = Math.round((cum * FULL_FILE_ROWS) / total);
    if (r.outcode !== district) {
      district = r.outcode;
      next = 0;
    }
    for (; emitted < upTo; emitted++) yield [`${r.outcode} ${inward(next++)}`, r.code];
  }
}

function nsplLine(pcds: string, code: string, i: number): string {
  const pcd7 = pcds.length >= 8 ? pcds.replace(' ', '') : pcds.padEnd(7);
  const pcd8 = pcds.length >= 8 ? pcds : pcds.replace(' ', pcds.length === 6 ? '   ' : '  ');
  const east = 300000 + (i % 200000);
  const north = 100000 + ((i * 7) % 800000);
  return `"${pcd7}","${pcd8}","${pcds}","198001","","0","${east}","${north}","1","E00139875","E99999999","E99999999","E06000057","E05016114","E40000012","E92000001","E12000001","${code}","E30000064","E06000057","E65000001","E01027484","E02005728","E33002161","E38000130","E63999999","RSN1","1B1",${(50 + (i % 900) / 100).toFixed(6)},${(-3 + (i % 500) / 100).toFixed(6)},"E37000025","","E23000007",${i % 32844},"E54000050"\n`;
}

async function generate(file: string): Promise<GenerateResult> {
  const t0 = performance.now();
  const out = createWriteStream(file);
  let buf = `${NSPL_2025_HEADER}\n`;
  let rows = 0;
  let bytes = 0;
  const districts = new Set<string>();
  for (const [pc, code] of syntheticPostcodes()) {
    buf += nsplLine(pc, code, rows++);
    districts.add(pc.slice(0, pc.indexOf(' ')));
    if (buf.length > 1 << 20) {
      bytes += Buffer.byteLength(buf);
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  bytes += Buffer.byteLength(buf);
  out.end(buf);
  await once(out, 'finish');
  if (rows !== FULL_FILE_ROWS) throw new Error(`generated ${rows} rows instead of ${FULL_FILE_ROWS}`);
  return { rows, bytes, seconds: (performance.now() - t0) / 1000, districts: districts.size };
}

const maxRssMiB = () => process.resourceUsage().maxRSS / 1024;

async function importFile(file: string, dbConfig: DatabaseConfig): Promise<ImportResult> {
  const db = openDatabase(dbConfig);
  await migrateToLatest(db);
  const t0 = performance.now();
  const s = await importPostcodesFile(db, file);
  const seconds = (performance.now() - t0) / 1000;
  await db.destroy();
  return { seconds, rows: s.rows, imported: s.imported, skipped: s.skipped, maxRssMiB: maxRssMiB() };
}

async function parseOnly(file: string): Promise<ImportResult> {
  const t0 = performance.now();
  const parser = parse({ bom: true, relax_column_count: true, skip_empty_lines: true, max_record_size: 64 * 1024 });
  // As the importer reads it: 1 MiB reads, gunzipped where the file is gzip.
  const bytes = createReadStream(file, { highWaterMark: 1 << 20 });
  (file.endsWith('.gz') ? bytes.pipe(createGunzip()) : bytes).pipe(parser);
  let rows = -1;
  for await (const rec of parser as AsyncIterable<string[]>) if (rec.length > 0) rows++;
  return { seconds: (performance.now() - t0) / 1000, rows, imported: 0, skipped: {}, maxRssMiB: maxRssMiB() };
}

function stats(us: number[]): LatencyStats {
  const s = Float64Array.from(us).sort();
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { p50Us: at(0.5), p99Us: at(0.99), maxUs: s[s.length - 1]!, meanUs: us.reduce((a, b) => a + b, 0) / us.length };
}

// The real postcodes looked up: three in each GB constituency, with the constituency each is in.
const SAMPLE_FILE = new URL('../../src/representatives/fixtures/gb_postcode_sample_by_constituency.csv', import.meta.url);

function samplePostcodes(): Map<string, string> {
  const rows: Array<Record<string, string>> = parseCsv(readFileSync(SAMPLE_FILE, 'utf8'), { columns: true });
  return new Map(rows.map((r) => [r.postcode!, r.pcon24cd!]));
}

/** Every postcode of a `postcode,pcon24cd` file (gzip or not) with its constituency ('' where none). */
function* filePostcodes(file: string): Generator<[string, string]> {
  const bytes = readFileSync(file);
  const text = (file.endsWith('.gz') ? gunzipSync(bytes) : bytes).toString('utf8');
  let at = text.indexOf('\n') + 1;
  while (at < text.length) {
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const comma = text.indexOf(',', at);
    yield [text.slice(at, comma), text.slice(comma + 1, end).trim()];
    at = end + 1;
  }
}

/** The mix of what supporters type: mostly real postcodes, some typed loosely, some not in the file, and the odd ones. */
function lookupMix(sample: string[], n: number, random: () => number): { raw: string[]; mix: Record<string, number> } {
  const raw: string[] = [];
  const mix: Record<string, number> = {};
  const pick = () => sample[Math.floor(random() * sample.length)]!;
  const odd = ['BT7 1NN', 'bt48 6dq', 'JE2 4WD', 'GY1 1AA', 'IM1 1AA', 'BFPO 1234', 'GIR 0AA', 'hello', 'SW1A'];
  for (let i = 0; i < n; i++) {
    const x = random();
    let kind: string;
    let pc: string;
    if (x < 0.7) [kind, pc] = ['real postcode, as written', pick()];
    else if (x < 0.85)
      [kind, pc] = [
        'real postcode, any case and spacing',
        pick()
          .toLowerCase()
          .replace(' ', random() < 0.5 ? '' : '  '),
      ];
    else if (x < 0.95) {
      // Same district, an inward code no real postcode has: not in an imported table, so the range table answers.
      const p = pick();
      [kind, pc] = ['no such postcode in a real district', `${p.slice(0, p.indexOf(' '))} 9ZZ`];
    } else [kind, pc] = ['Northern Ireland, Crown Dependencies, BFPO, Girobank, invalid', odd[Math.floor(random() * odd.length)]!];
    mix[kind] = (mix[kind] ?? 0) + 1;
    raw.push(pc);
  }
  return { raw, mix };
}

async function lookup(input: Extract<RepresentativesInput, { mode: 'lookup' }>): Promise<LookupResult> {
  const config = loadConfig({
    DATABASE_URL: input.db.dialect === 'sqlite' ? `sqlite:${input.db.file}` : input.db.url,
    LANTERN_DATA_DIR: input.dataDir,
    LOG_LEVEL: 'silent',
    LANTERN_DEMO: 'false',
    LANTERN_WORKER: 'off',
  });
  const db = openDatabase(config.database);
  await migrateToLatest(db);
  const keyring = createKeyring(config.secret);
  const queue = new JobQueue(keyring);
  const core: Core = {
    config,
    db,
    keyring,
    queue,
    mailer: new Mailer({ db, keyring, queue, transport: catcherTransport(), from: config.mailFrom, host: 'localhost' }),
    logger: createLogger('silent'),
  };
  const t0 = performance.now();
  await loadShippedLookup();
  const decodeMs = performance.now() - t0;
  // The floor's Map holds every postcode of the file, as an imported table does.
  const table = new Map<string, string>();
  for (const [pc, code] of input.synthetic ? syntheticPostcodes() : filePostcodes(input.file)) if (code !== '') table.set(pc, code);
  const sample = samplePostcodes();
  for (const [pc, code] of sample) table.set(pc, code);
  const { raw, mix } = lookupMix([...sample.keys()], input.warmup + input.lookups, prng(20261126));
  const normalised = raw.map((r) => normalisePostcode(r) ?? r);
  const kinds: Record<string, number> = {};
  const lanternUs: number[] = [];
  let wrong = 0;
  for (let i = 0; i < raw.length; i++) {
    const t0 = performance.now();
    const r = await lookupPostcode(core, raw[i]!);
    const us = (performance.now() - t0) * 1000;
    // A real postcode must find the constituency the sample gives it (the real file agrees with the range table).
    const expected = sample.get(normalised[i]!);
    if (expected !== undefined && !input.synthetic && (r.kind !== 'found' || r.constituency.code !== expected)) wrong++;
    if (i >= input.warmup) {
      lanternUs.push(us);
      kinds[r.kind] = (kinds[r.kind] ?? 0) + 1;
    }
  }
  const floorUs: number[] = [];
  let hits = 0;
  for (let i = 0; i < normalised.length; i++) {
    const t0 = performance.now();
    const v = table.get(normalised[i]!);
    const us = (performance.now() - t0) * 1000;
    if (v !== undefined) hits++;
    if (i >= input.warmup) floorUs.push(us);
  }
  await db.destroy();
  if (hits === 0) throw new Error('the floor found nothing: the mix and the table disagree');
  return { lookups: input.lookups, lantern: stats(lanternUs), floor: stats(floorUs), kinds, mix, decodeMs, wrong };
}

serveChild<RepresentativesInput, GenerateResult | ImportResult | LookupResult>(async (input) => {
  switch (input.mode) {
    case 'generate':
      return generate(input.file);
    case 'import':
      return importFile(input.file, input.db);
    case 'parse':
      return parseOnly(input.file);
    case 'lookup':
      return lookup(input);
  }
});
