import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { GenerateResult, ImportResult, LookupResult, RepresentativesInput } from './children/representatives.js';
import { freshDatabase } from './lib/pg.js';
import { repoRoot } from './lib/lantern.js';
import { runChild, tempDir } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

// Postcode → MP, on SQLite (synchronous=FULL, as Lantern always runs it):
// - importing every GB postcode (mySociety's 1,734,274-row postcode → 2024 constituency file, gzipped, from
//   ../shared/data/uk/postcodes/) with `lantern import postcodes`'s importer, against the floor of reading,
//   gunzipping and parsing the same file with csv-parse without storing it. Where that file is absent (another
//   machine), a SYNTHETIC file of the same size is generated instead, and the figures say so;
// - lookupPostcode over a mix of real postcodes, both with the shipped range table alone (a fresh install) and against
//   the database the import filled, against the floor of a bare Map.get of the same normalised postcodes.

const script = join(repoRoot, 'bench/children/representatives.ts');
/** The real file: BENCH_POSTCODES_FILE, else the shared data folder beside the checkout. */
const REAL_FILE = resolve(process.env.BENCH_POSTCODES_FILE ?? join(repoRoot, '../shared/data/uk/postcodes/gb_postcodes_pcon2024.csv.gz'));
const IMPORT_GOAL_S = 60;
const IMPORT_RSS_GOAL_MIB = 512;
const LOOKUP_GOAL_US = 1000;
const WARMUP = 5_000;
const LOOKUPS = 100_000;
const IMPORT_ROUNDS = 2;

const run = <T>(input: RepresentativesInput, timeoutMs: number) => runChild<RepresentativesInput, T>(script, input, timeoutMs);
const n = (x: number) => x.toLocaleString('en-GB');

/** The import and lookup figures, each beside its floor. */
export async function benchRepresentatives(log: (s: string) => void): Promise<Row[]> {
  const benchmark = 'representatives (SQLite)';
  const dir = tempDir('representatives');
  const synthetic = !existsSync(REAL_FILE);
  let file = REAL_FILE;
  let what: string;
  if (synthetic) {
    file = join(dir, 'NSPL_SYNTHETIC_2025_UK.csv');
    log(
      `${benchmark}: ${REAL_FILE} is absent, so the import is measured on a SYNTHETIC file: NSPL 2025 layout, made-up postcodes with the real distribution of districts and constituencies`,
    );
    const gen = await run<GenerateResult>({ mode: 'generate', file }, 300_000);
    log(
      `${benchmark}: ${n(gen.rows)} rows, ${(gen.bytes / 2 ** 20).toFixed(0)} MiB, ${n(gen.districts)} districts, written in ${gen.seconds.toFixed(1)} s`,
    );
    what = `SYNTHETIC postcodes (the real file ${REAL_FILE} was absent): ${n(gen.rows)} rows made up per district and constituency from opendata/uk/gb_outcode_to_pcon2024.csv, NSPL 2025 layout (35 columns, ${(gen.bytes / 2 ** 20).toFixed(0)} MiB)`;
  } else {
    what = `the real GB postcode file ${file.split('/').pop()} (mySociety, Code-Point Open: postcode,pcon24cd, gzip, ${(statSync(file).size / 2 ** 20).toFixed(1)} MiB)`;
    log(`${benchmark}: importing ${what}`);
  }

  // Alternating rounds: floor, import, floor, import — each import into a fresh database; the last one is kept for lookups.
  const floors: ImportResult[] = [];
  const imports: ImportResult[] = [];
  let db = await freshDatabase('sqlite', tempDir('representatives-db'));
  for (let i = 0; i < IMPORT_ROUNDS; i++) {
    floors.push(await run<ImportResult>({ mode: 'parse', file }, 600_000));
    log(
      `${benchmark}: floor (read, gunzip, csv-parse, nothing stored) round ${i + 1}: ${floors[i]!.seconds.toFixed(1)} s, ${n(floors[i]!.rows)} rows, peak RSS ${floors[i]!.maxRssMiB.toFixed(0)} MiB`,
    );
    if (i > 0) db = await freshDatabase('sqlite', tempDir('representatives-db'));
    imports.push(await run<ImportResult>({ mode: 'import', file, db }, 900_000));
    log(
      `${benchmark}: import round ${i + 1}: ${imports[i]!.seconds.toFixed(1)} s, ${n(imports[i]!.imported)} postcodes, peak RSS ${imports[i]!.maxRssMiB.toFixed(0)} MiB`,
    );
  }
  const importS = median(imports.map((r) => r.seconds));
  const floorS = median(floors.map((r) => r.seconds));
  const rss = Math.max(...imports.map((r) => r.maxRssMiB));
  const floorRss = Math.max(...floors.map((r) => r.maxRssMiB));
  const last = imports[imports.length - 1]!;

  const lookups: Array<[string, LookupResult]> = [];
  const bare = await freshDatabase('sqlite', tempDir('representatives-bare'));
  for (const [label, target] of [
    ['shipped range table only (no import)', bare],
    [`${n(last.imported)} imported postcodes`, db],
  ] as const) {
    log(`${benchmark}: ${n(LOOKUPS)} lookups (after ${n(WARMUP)} to warm up), one at a time, ${label}`);
    const lk = await run<LookupResult>(
      { mode: 'lookup', db: target, dataDir: dir, warmup: WARMUP, lookups: LOOKUPS, file, synthetic },
      600_000,
    );
    log(
      `${benchmark}: lookup p50 ${lk.lantern.p50Us.toFixed(1)} µs, p99 ${lk.lantern.p99Us.toFixed(1)} µs; Map.get p99 ${lk.floor.p99Us.toFixed(2)} µs; range table decoded in ${lk.decodeMs.toFixed(0)} ms; wrong answers ${lk.wrong}`,
    );
    if (lk.wrong > 0) throw new Error(`${lk.wrong} real postcodes were matched to the wrong constituency (${label})`);
    lookups.push([label, lk]);
  }

  const pct = (x: number) => `${((100 * x) / LOOKUPS).toFixed(0)} %`;
  return [
    {
      benchmark,
      figure: 'import 1.73M-row postcode file',
      value: importS,
      unit: 's',
      floor: floorS,
      ratio: importS / floorS,
      goal: `≤ ${IMPORT_GOAL_S} s`,
      met: importS <= IMPORT_GOAL_S,
      note:
        `${what}; synchronous=FULL; median of ${IMPORT_ROUNDS} rounds (${list(
          imports.map((r) => r.seconds),
          1,
        )} s), each into a fresh database, stored ${n(last.imported)} ` +
        `(skipped: ${
          Object.entries(last.skipped)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ') || 'none'
        }); floor: the same file read, gunzipped and streamed through csv-parse, nothing stored (${list(
          floors.map((r) => r.seconds),
          1,
        )} s)`,
    },
    {
      benchmark,
      figure: 'import peak RSS',
      value: rss,
      unit: 'MiB',
      floor: floorRss,
      ratio: rss / floorRss,
      goal: `≤ ${IMPORT_RSS_GOAL_MIB} MiB`,
      met: rss <= IMPORT_RSS_GOAL_MIB,
      note: 'peak resident memory of the importing process (process.resourceUsage().maxRSS, Node and tsx included); floor: the read-gunzip-parse-only process',
    },
    ...lookups.map(([label, lk]): Row => ({
      benchmark,
      figure: `postcode → MP lookup p99, ${label}`,
      value: lk.lantern.p99Us,
      unit: 'µs',
      floor: lk.floor.p99Us,
      ratio: lk.lantern.p99Us / lk.floor.p99Us,
      goal: `≤ ${LOOKUP_GOAL_US} µs`,
      met: lk.lantern.p99Us <= LOOKUP_GOAL_US,
      note:
        `lookupPostcode one at a time; p50 ${lk.lantern.p50Us.toFixed(1)} µs, mean ${lk.lantern.meanUs.toFixed(1)} µs, max ${lk.lantern.maxUs.toFixed(0)} µs; ` +
        `real postcodes from the 1,896 of fixtures/gb_postcode_sample_by_constituency.csv${synthetic ? '' : `, every one matched to its stated constituency`}; ` +
        `mix: ${Object.entries(lk.mix)
          .map(([k, v]) => `${k} ${pct(v)}`)
          .join(', ')}; answers: ${Object.entries(lk.kinds)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}; ` +
        `range table (54,076 ranges) decoded once in ${lk.decodeMs.toFixed(0)} ms; floor: Map.get of the same normalised postcodes in a Map of every postcode of the file (p50 ${lk.floor.p50Us.toFixed(2)} µs)`,
    })),
  ];
}
