import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SearchLoadPhase, SearchLoadResult } from './children/search-load.js';
import { envWithoutLanternVars, repoRoot, startNodeFlags } from './lib/lantern.js';
import { freshDatabase } from './lib/pg.js';
import { freePort, profileArgs, runChild, startNode, tempDir, waitFor200, type Server } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { searches } from './lib/search-corpus.js';
import { list } from './lib/stats.js';

// Site search: GET /search?q=… over real HTTP against 10,000 updates of about 300 words each (bench/lib/search-corpus.ts:
// words in Zipf's proportions, so a common word matches thousands of updates and a rare one a few dozen), on SQLite
// and on PostgreSQL. The searches are one to three words, each common or rare; each is timed from the request to the
// last byte of its page, one at a time over a kept-alive connection (a visitor's wait, without queueing behind
// others). The floor is the same number of GETs, the same way, to a bare Fastify route (bench/servers/hello.ts) in
// its own process. Warm-up first, then alternating rounds (floor, Lantern), so a slow moment on a shared machine
// falls on both. Lantern runs as `npm start` runs Node (its V8 flags), from source, the web process alone, with
// info logs to a file (its default), on a fresh database where the updates were indexed through the search service.
// To try a change quickly: BENCH_SEARCH_DIALECTS=sqlite, BENCH_SEARCH_UPDATES, BENCH_SEARCH_ROUNDS and
// BENCH_SEARCH_ROUND_REQUESTS change the run (docs/benchmarks.md uses the defaults).

const UPDATES = Number(process.env.BENCH_SEARCH_UPDATES ?? 10_000);
const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 3);
const ROUND_REQUESTS = Number(process.env.BENCH_SEARCH_ROUND_REQUESTS ?? 150);
const WARMUP_REQUESTS = 60;
const GOAL_P99_MS = 20;
const DIALECTS = (process.env.BENCH_SEARCH_DIALECTS ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;
const loadScript = join(repoRoot, 'bench/children/search-load.ts');

const percentile = (xs: readonly number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

/** The search benchmark on each dialect, with the floor beside it. */
export async function benchSearch(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('search');
  const floorPort = await freePort();
  const floor = startNode({
    args: [join(repoRoot, 'bench/servers/hello.ts')],
    env: { ...process.env, PORT: String(floorPort) },
    cwd: repoRoot,
    logFile: join(dir, 'hello.log'),
  });
  const floorUrl = `http://127.0.0.1:${floorPort}/`;
  try {
    await waitFor200(floorUrl, { server: floor, intervalMs: 20, timeoutMs: 30_000 });
    const rows: Row[] = [];
    for (const dialect of DIALECTS) rows.push(...(await measure(dialect, { dir, floorUrl, log })));
    return rows;
  } finally {
    await floor.stop();
  }
}

async function measure(dialect: 'sqlite' | 'postgres', o: { dir: string; floorUrl: string; log: (s: string) => void }): Promise<Row[]> {
  const dataDir = join(o.dir, `data-${dialect}`);
  const database = await freshDatabase(dialect, dataDir);
  const port = await freePort();
  const env = envWithoutLanternVars();
  Object.assign(env, {
    LANTERN_DATA_DIR: dataDir,
    LANTERN_WORKER: 'off',
    LANTERN_DEMO: 'false',
    BENCH_SEARCH_UPDATES: String(UPDATES),
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: database.dialect === 'sqlite' ? `sqlite:${database.file}` : database.url,
  });
  const logFile = join(o.dir, `lantern-${dialect}.log`);
  o.log(`search (${dialect}): indexing ${UPDATES.toLocaleString('en-GB')} updates, then starting Lantern`);
  const lantern: Server = startNode({
    args: [...startNodeFlags(), ...profileArgs(), '--import', 'tsx', join(repoRoot, 'bench/servers/search-lantern.ts')],
    env,
    cwd: repoRoot,
    logFile,
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(`${base}/healthz`, { server: lantern, intervalMs: 50, timeoutMs: 180_000 });
    const indexedMs = Number(/indexed \d+ updates in (\d+) ms/.exec(readFileSync(logFile, 'utf8'))?.[1] ?? NaN);
    const url = (q: string) => `${base}/search?q=${encodeURIComponent(q)}`;
    const words = searches(WARMUP_REQUESTS + ROUNDS * ROUND_REQUESTS, 42);
    const warm = words.slice(0, WARMUP_REQUESTS);
    const phases: SearchLoadPhase[] = [
      { urls: warm.map(() => o.floorUrl), measured: false, expect: 'hello' },
      { urls: warm.map(url), measured: false, expect: 'results for “' },
    ];
    for (let i = 0; i < ROUNDS; i++) {
      const round = words.slice(WARMUP_REQUESTS + i * ROUND_REQUESTS, WARMUP_REQUESTS + (i + 1) * ROUND_REQUESTS);
      phases.push({ urls: round.map(() => o.floorUrl), measured: true, expect: 'hello' });
      phases.push({ urls: round.map(url), measured: true, expect: 'results for “' });
    }
    o.log(
      `search (${dialect}): ${WARMUP_REQUESTS} warm-up searches, then ${ROUNDS} alternating rounds of ${ROUND_REQUESTS} (floor, Lantern)`,
    );
    const result = await runChild<SearchLoadPhase[], SearchLoadResult>(loadScript, phases, 600_000);
    const floorMs = result.latencies.filter((_, i) => i % 2 === 0).flat();
    const searchMs = result.latencies.filter((_, i) => i % 2 === 1).flat();
    const roundP99 = result.latencies.filter((_, i) => i % 2 === 1).map((r) => percentile(r, 99));
    const p = (xs: number[], q: number) => percentile(xs, q);
    o.log(
      `search (${dialect}): p50 ${p(searchMs, 50).toFixed(2)} ms, p99 ${p(searchMs, 99).toFixed(2)} ms; floor p50 ${p(floorMs, 50).toFixed(2)} ms, p99 ${p(floorMs, 99).toFixed(2)} ms`,
    );
    const n = searchMs.length;
    return [
      {
        benchmark: 'search',
        figure: `GET /search p99 latency, ${dialect}`,
        value: p(searchMs, 99),
        unit: 'ms',
        floor: p(floorMs, 99),
        ratio: p(searchMs, 99) / p(floorMs, 99),
        goal: `≤ ${GOAL_P99_MS} ms`,
        met: p(searchMs, 99) <= GOAL_P99_MS,
        note:
          `${n} searches of 1–3 words (each common or rare) over ${UPDATES.toLocaleString('en-GB')} updates of ~300 words, one at a time over a kept-alive connection after ${WARMUP_REQUESTS} warm-up; ` +
          `${result.withResults} of ${n} pages listed results; p99 of each round ${list(roundP99, 1)} ms; max ${Math.max(...searchMs).toFixed(1)} ms (floor ${Math.max(...floorMs).toFixed(1)} ms); ` +
          'Lantern logs each request at info to a file, its default',
      },
      {
        benchmark: 'search',
        figure: `GET /search p50 latency, ${dialect}`,
        value: p(searchMs, 50),
        unit: 'ms',
        floor: p(floorMs, 50),
        ratio: p(searchMs, 50) / p(floorMs, 50),
        goal: 'reported',
        met: null,
      },
      {
        benchmark: 'search',
        figure: `index ${UPDATES.toLocaleString('en-GB')} updates, ${dialect}`,
        value: indexedMs / 1000,
        unit: 's',
        goal: 'reported',
        met: null,
        note: 'indexDocument for each update in one transaction (reindexAll), as the server starts',
      },
    ];
  } finally {
    await lantern.stop();
  }
}
