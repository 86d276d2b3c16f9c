import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { SurgeLoadInput, SurgeLoadResult, SurgePhase } from './children/surge-load.js';
import { envWithoutLanternVars, repoRoot, startNodeFlags } from './lib/lantern.js';
import { adminQuery, freshDatabase } from './lib/pg.js';
import { freePort, httpGet, profileArgs, runChild, startNode, tempDir, waitFor200, type Server } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

// The surge: petition signatures per second through the real path (POST /act/:slug/sign: the rate limits, the
// origin check, validation, the postcode lookup, the proof-of-work check and its single-use record, encryption, the
// dedupe by the unique index, the insert, and the confirmation token and email queued in the same transaction), on
// SQLite with synchronous=FULL, against the floor of a bare Fastify route inserting one row with the same
// durability, in alternating rounds; then the same on PostgreSQL, reported. Each server in its own process, the load
// from autocannon in a third. Lantern runs as `npm start` runs Node (its V8 flags), from source, as the web process
// alone (LANTERN_WORKER=off: the layout for more than one process, and the one a surge calls for; the emails wait in
// the queue for a worker elsewhere), on a fresh data dir, with a petition made through the actions service.
// The proofs of work are solved ahead of time by the load process, at a trivial difficulty that only the benchmark
// server uses (bench/servers/surge-lantern.ts says why that leaves the server's work unchanged).
// To try a change quickly: BENCH_SURGE_DIALECTS=sqlite, BENCH_SURGE_ROUNDS, BENCH_SURGE_ROUND_REQUESTS, BENCH_SURGE_WARMUP
// and BENCH_SURGE_CONNECTIONS change the run (the figures in docs/benchmarks.md use the defaults).

const CONNECTIONS = Number(process.env.BENCH_SURGE_CONNECTIONS ?? 50);
const WARMUP_REQUESTS = Number(process.env.BENCH_SURGE_WARMUP ?? 2000);
/** Requests per measured round for each server: a fixed amount, so the pool of solved signatures can be sized. */
const ROUND_REQUESTS = Number(process.env.BENCH_SURGE_ROUND_REQUESTS ?? 6000);
const ROUNDS = Number(process.env.BENCH_SURGE_ROUNDS ?? 3);
const GOAL_PER_SECOND = 2000;
const GOAL_P99_MS = 100;
const DIFFICULTY = { cost: 1, counterMin: 1, counterMax: 3 };
const loadScript = join(repoRoot, 'bench/children/surge-load.ts');
const SLUG = 'surge-benchmark-petition';

type Database = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

interface Stored {
  signatures: number;
  tokens: number;
  proofs: number;
  emails: number;
}

/** What the database holds for a petition: its signatures, confirmation tokens, spent proofs and queued emails. */
async function storedFor(db: Database, slug: string): Promise<Stored> {
  const queries = {
    signatures: 'select count(*) as n from signatures where action_id = (select id from actions where slug = $1)',
    tokens: "select count(*) as n from tokens where purpose = 'signature_confirm'",
    proofs: "select count(*) as n from tokens where purpose = 'proof_of_work'",
    emails: "select count(*) as n from jobs where name = 'sendEmail'",
  };
  const out = {} as Stored;
  if (db.dialect === 'sqlite') {
    const h = new DatabaseSync(db.file, { readOnly: true });
    try {
      for (const [k, q] of Object.entries(queries))
        out[k as keyof Stored] = Number((h.prepare(q.replace('$1', '?')).get(...(q.includes('$1') ? [slug] : [])) as { n: number }).n);
    } finally {
      h.close();
    }
    return out;
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    for (const [k, q] of Object.entries(queries))
      out[k as keyof Stored] = Number((await client.query<{ n: string }>(q, q.includes('$1') ? [slug] : [])).rows[0]!.n);
  } finally {
    await client.end();
  }
  return out;
}

/** The petition's slug, once its page shows the signing form. */
async function petitionSlug(base: string): Promise<string> {
  const slug = SLUG;
  const page = await httpGet(`${base}/act/${slug}`);
  if (page.status !== 200 || !page.body.includes(`action="/act/${slug}/sign"`))
    throw new Error(`GET /act/${slug} answered ${page.status} without the signing form`);
  return slug;
}

interface Measured {
  rps: { lantern: number; floor: number };
  p99: { lantern: number; floor: number };
  p50: { lantern: number; floor: number };
  max: { lantern: number; floor: number };
  ratios: number[];
  rounds: { lantern: number[]; floor: number[] };
  cpuUs: { lantern: number; floor: number };
  stored: number;
  slug: string;
}

/** Starts Lantern on the database, runs warm-ups and alternating rounds against the floor, and checks what was stored. */
async function measure(o: {
  database: Database;
  floor: Server;
  floorUrl: string;
  dir: string;
  log: (s: string) => void;
}): Promise<Measured> {
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const dataDir = join(o.dir, `data-${o.database.dialect}`);
  const env = envWithoutLanternVars();
  Object.assign(env, {
    LANTERN_DATA_DIR: dataDir,
    LANTERN_SECRET: secret,
    LANTERN_WORKER: 'off',
    LANTERN_DEMO: 'false',
    BENCH_SURGE_SLUG: SLUG,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Each request comes from its own address in x-forwarded-for, as many people behind a reverse proxy would.
    TRUST_PROXY: 'true',
    BENCH_POW_DIFFICULTY: JSON.stringify(DIFFICULTY),
    ...(o.database.dialect === 'postgres' ? { DATABASE_URL: o.database.url } : { DATABASE_URL: `sqlite:${o.database.file}` }),
  });
  const lantern = startNode({
    args: [...startNodeFlags(), ...profileArgs(), '--import', 'tsx', join(repoRoot, 'bench/servers/surge-lantern.ts')],
    env,
    cwd: repoRoot,
    logFile: join(o.dir, `lantern-${o.database.dialect}.log`),
  });
  try {
    const base = `http://127.0.0.1:${port}`;
    await waitFor200(`${base}/healthz`, { server: lantern, intervalMs: 20, timeoutMs: 60_000 });
    const slug = await petitionSlug(base);
    const url = `${base}/act/${slug}/sign`;
    const phase = (to: 'floor' | 'lantern', amount: number, measured: boolean): SurgePhase => ({
      url: to === 'floor' ? o.floorUrl : url,
      serverPid: to === 'floor' ? o.floor.pid : lantern.pid,
      connections: CONNECTIONS,
      amount,
      measured,
    });
    const phases = [phase('floor', WARMUP_REQUESTS, false), phase('lantern', WARMUP_REQUESTS, false)];
    for (let i = 0; i < ROUNDS; i++) phases.push(phase('floor', ROUND_REQUESTS, true), phase('lantern', ROUND_REQUESTS, true));
    // Exactly what the phases need, with room for requests autocannon prepares but never sends at the end of one.
    const pool = WARMUP_REQUESTS + ROUNDS * ROUND_REQUESTS + phases.length * CONNECTIONS;
    o.log(
      `surge (${o.database.dialect}): petition /act/${slug}; solving ${pool} proofs of work ahead, then a warm-up of ${WARMUP_REQUESTS} requests each and ${ROUNDS} alternating rounds of ${ROUND_REQUESTS} (floor, Lantern) at ${CONNECTIONS} connections`,
    );
    // The database is new (a new data dir, or a new PostgreSQL database) and its petition unsigned: all starts at 0.
    const before: Stored = { signatures: 0, tokens: 0, proofs: 0, emails: 0 };
    const input: SurgeLoadInput = { secret, difficulty: DIFFICULTY, pool, phases };
    const result = await runChild<SurgeLoadInput, SurgeLoadResult>(loadScript, input, 1_200_000);

    const bad = result.phases.filter((r) => r.errors > 0 || r.timeouts > 0 || Object.keys(r.statusCodes).some((c) => c !== '303'));
    if (bad.length)
      throw new Error(
        `answers other than 303 under load: ${JSON.stringify(bad.map((b) => ({ url: b.url, statusCodes: b.statusCodes, errors: b.errors, timeouts: b.timeouts })))}`,
      );
    const floorRounds = result.phases.filter((r) => r.url === o.floorUrl);
    const rounds = result.phases.filter((r) => r.url === url);

    // Nothing acknowledged was lost: every 303 is a stored signature, with its token, spent proof and queued email.
    await lantern.stop();
    const after = await storedFor(o.database, slug);
    const [least, most] = [result.accepted[url] ?? 0, result.sent[url] ?? 0];
    for (const what of ['signatures', 'tokens', 'proofs', 'emails'] as const) {
      const n = after[what] - before[what];
      if (n < least || n > most) throw new Error(`${what}: ${n} stored, but ${least} signatures were acknowledged (${most} sent)`);
    }
    const m = (xs: number[]) => median(xs);
    return {
      rps: { lantern: m(rounds.map((r) => r.reqPerSec)), floor: m(floorRounds.map((r) => r.reqPerSec)) },
      p99: { lantern: m(rounds.map((r) => r.p99Ms)), floor: m(floorRounds.map((r) => r.p99Ms)) },
      p50: { lantern: m(rounds.map((r) => r.p50Ms)), floor: m(floorRounds.map((r) => r.p50Ms)) },
      max: { lantern: Math.max(...rounds.map((r) => r.maxMs)), floor: Math.max(...floorRounds.map((r) => r.maxMs)) },
      ratios: rounds.map((r, i) => r.reqPerSec / floorRounds[i]!.reqPerSec),
      rounds: { lantern: rounds.map((r) => r.reqPerSec), floor: floorRounds.map((r) => r.reqPerSec) },
      cpuUs: {
        lantern: Math.round(m(rounds.map((r) => r.serverCpuUsPerReq))),
        floor: Math.round(m(floorRounds.map((r) => r.serverCpuUsPerReq))),
      },
      stored: after.signatures - before.signatures,
      slug,
    };
  } finally {
    await lantern.stop();
  }
}

/** Starts the floor server on a database: SQLite (a file) or PostgreSQL (a fresh database). */
async function startFloor(database: Database, dir: string): Promise<{ server: Server; url: string }> {
  const port = await freePort();
  const server = startNode({
    args: [join(repoRoot, 'bench/servers/surge-floor.ts')],
    env: { ...process.env, PORT: String(port), ...(database.dialect === 'sqlite' ? { DB_FILE: database.file } : { PG_URL: database.url }) },
    cwd: repoRoot,
    logFile: join(dir, `floor-${database.dialect}.log`),
  });
  await waitFor200(`http://127.0.0.1:${port}/`, { server, intervalMs: 20, timeoutMs: 30_000 });
  return { server, url: `http://127.0.0.1:${port}/act/floor/sign` };
}

const note = (r: Measured, durability: string) =>
  `web process (LANTERN_WORKER=off; the confirmation email queued in the same transaction, sent by a worker elsewhere); ${durability}; petition /act/${r.slug} (default settings: confirmation by email, postcode asked; no opt-ins); ` +
  `${CONNECTIONS} connections; each request a new signer from a new address (x-forwarded-for behind TRUST_PROXY) with a proof of work solved ahead (trivial difficulty on the benchmark server only); ` +
  `median of ${ROUNDS} alternating rounds of ${ROUND_REQUESTS} after a warm-up of ${WARMUP_REQUESTS}; Lantern rounds ${list(r.rounds.lantern)}/s, floor ${list(r.rounds.floor)}/s (ratios ${list(r.ratios, 2)}); ` +
  `p50 ${r.p50.lantern} ms (floor ${r.p50.floor} ms), worst max ${r.max.lantern} ms (floor ${r.max.floor} ms); server CPU per signature ${r.cpuUs.lantern} µs, floor ${r.cpuUs.floor} µs; ` +
  `every answer a 303 and every acknowledged signature stored with its token, spent proof and queued email (${r.stored})`;

/** Petition signatures per second and their p99 through the real route on SQLite (the goal) and PostgreSQL (reported). */
export async function benchSurge(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('surge');
  const rows: Row[] = [];

  const liteFloor = await startFloor({ dialect: 'sqlite', file: join(dir, 'floor.db') }, dir);
  try {
    const lite = await measure({
      database: { dialect: 'sqlite', file: join(dir, 'lantern.db') },
      floor: liteFloor.server,
      floorUrl: liteFloor.url,
      dir,
      log,
    });
    log(
      `surge (SQLite): Lantern ${Math.round(lite.rps.lantern)} signatures/s (p99 ${lite.p99.lantern} ms), floor ${Math.round(lite.rps.floor)} inserts/s (p99 ${lite.p99.floor} ms)`,
    );
    const durability = 'SQLite (WAL, synchronous=FULL) on both';
    rows.push(
      {
        benchmark: 'surge',
        figure: 'petition signatures, SQLite',
        value: lite.rps.lantern,
        unit: 'sig/s',
        floor: lite.rps.floor,
        ratio: median(lite.ratios),
        goal: `≥ ${GOAL_PER_SECOND.toLocaleString('en-GB')}/s`,
        met: lite.rps.lantern >= GOAL_PER_SECOND,
        note: note(lite, durability),
      },
      {
        benchmark: 'surge',
        figure: 'petition signature p99, SQLite',
        value: lite.p99.lantern,
        unit: 'ms',
        floor: lite.p99.floor,
        ratio: null,
        goal: `≤ ${GOAL_P99_MS} ms`,
        met: lite.p99.lantern <= GOAL_P99_MS,
        note: `median of the rounds' p99 (autocannon measures whole ms) at ${CONNECTIONS} connections`,
      },
    );
  } finally {
    await liteFloor.server.stop();
  }

  // BENCH_SURGE_DIALECTS=sqlite measures SQLite only (for trying a change quickly).
  if (process.env.BENCH_SURGE_DIALECTS === 'sqlite') return rows;
  try {
    await adminQuery('select 1');
  } catch (err) {
    const why = `PostgreSQL unreachable (${err instanceof Error ? err.message : String(err)})`;
    log(`surge (PostgreSQL): ${why}`);
    rows.push({
      benchmark: 'surge (PostgreSQL)',
      figure: 'petition signatures',
      value: null,
      unit: 'sig/s',
      goal: 'reported',
      met: null,
      note: why,
    });
    return rows;
  }
  const pgFloor = await startFloor((await freshDatabase('postgres', dir)) as Database, dir);
  try {
    const db = (await freshDatabase('postgres', dir)) as Database;
    const r = await measure({ database: db, floor: pgFloor.server, floorUrl: pgFloor.url, dir, log });
    log(
      `surge (PostgreSQL): Lantern ${Math.round(r.rps.lantern)} signatures/s (p99 ${r.p99.lantern} ms), floor ${Math.round(r.rps.floor)} inserts/s (p99 ${r.p99.floor} ms)`,
    );
    rows.push(
      {
        benchmark: 'surge (PostgreSQL)',
        figure: 'petition signatures',
        value: r.rps.lantern,
        unit: 'sig/s',
        floor: r.rps.floor,
        ratio: median(r.ratios),
        goal: 'reported',
        met: null,
        note: note(r, "PostgreSQL on 127.0.0.1 with the server's synchronous_commit on both; a pool of 10 on each"),
      },
      {
        benchmark: 'surge (PostgreSQL)',
        figure: 'petition signature p99',
        value: r.p99.lantern,
        unit: 'ms',
        floor: r.p99.floor,
        ratio: null,
        goal: 'reported',
        met: null,
      },
    );
  } finally {
    await pgFloor.server.stop();
  }
  return rows;
}
