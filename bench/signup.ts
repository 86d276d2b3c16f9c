import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { DEMO_SUPPORTERS } from '../src/supporters/demo.js';
import type { SignupLoadInput, SignupLoadResult, SignupPhase } from './children/signup-load.js';
import { envWithoutLanternVars, repoRoot } from './lib/lantern.js';
import { freePort, httpGet, profileArgs, runChild, startNode, tempDir, waitFor200, type Server } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

// The public sign-up (POST /stay-in-touch) through the real route, on SQLite, against the floor of a bare Fastify
// route inserting one row into a table with the same durability; each server in its own process, the load from
// autocannon in a third. The proof of work is solved ahead of time by the load process: with the server's secret it
// makes and solves a pool of challenges, as the widget would, at a trivial difficulty that only the benchmark server
// uses (bench/servers/signup-lantern.ts says why that leaves the server's work unchanged).
//
// Two layouts of Lantern are measured. The figure with the goal is the web process on its own (LANTERN_WORKER=off,
// the layout for more than one process): the route's whole work, the confirmation email included up to its commit
// in the queue. The second is the default single process, whose inline worker also sends every confirmation email
// (to the mail catcher) while sign-ups arrive; it is reported, with its own floor rounds, and each of its rounds
// starts once the worker has finished the previous round's emails.

const CONNECTIONS = 10;
const WARMUP_REQUESTS = 1000;
/** Requests per measured round for each server: a fixed amount, so the pool of solved sign-ups can be sized. */
const ROUND_REQUESTS = Number(process.env.BENCH_SIGNUP_ROUND_REQUESTS ?? 2000);
const ROUNDS = { web: 5, inline: 3 };
const GOAL_RATIO = 0.5;
const DIFFICULTY = { cost: 1, counterMin: 1, counterMax: 3 };
const loadScript = join(repoRoot, 'bench/children/signup-load.ts');

async function listIdsOf(url: string): Promise<number[]> {
  const r = await httpGet(url);
  const ids = [...r.body.matchAll(/name="list" value="(\d+)"/g)].map((m) => Number(m[1]));
  if (r.status !== 200 || ids.length === 0) throw new Error(`GET ${url} answered ${r.status} without the demo lists`);
  return ids;
}

function count(db: DatabaseSync, sql: string): number {
  return Number((db.prepare(sql).get() as { n: number }).n);
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
  prepareS: number;
}

/** Starts Lantern in one layout, runs warm-ups and alternating rounds against the floor, and checks what was stored. */
async function measure(o: {
  worker: 'off' | 'inline';
  rounds: number;
  floor: Server;
  floorUrl: string;
  dir: string;
  log: (s: string) => void;
}): Promise<Measured> {
  const secret = randomBytes(32).toString('hex');
  const port = await freePort();
  const dataDir = join(o.dir, `data-${o.worker}`);
  const env = envWithoutLanternVars();
  Object.assign(env, {
    LANTERN_DATA_DIR: dataDir,
    LANTERN_SECRET: secret,
    LANTERN_WORKER: o.worker,
    PORT: String(port),
    HOST: '127.0.0.1',
    // Each request comes from its own address in x-forwarded-for, as many people behind a reverse proxy would.
    TRUST_PROXY: 'true',
    BENCH_POW_DIFFICULTY: JSON.stringify(DIFFICULTY),
  });
  const lantern = startNode({
    args: [...profileArgs(), '--import', 'tsx', join(repoRoot, 'bench/servers/signup-lantern.ts')],
    env,
    cwd: repoRoot,
    logFile: join(o.dir, `lantern-${o.worker}.log`),
  });
  try {
    const url = `http://127.0.0.1:${port}/stay-in-touch`;
    await waitFor200(`http://127.0.0.1:${port}/healthz`, { server: lantern, intervalMs: 20, timeoutMs: 60_000 });
    const listIds = await listIdsOf(url);
    // With the inline worker, each phase waits for the previous round's emails to be sent.
    const settlePids = o.worker === 'inline' ? [lantern.pid] : [];
    const phase = (to: 'floor' | 'lantern', amount: number, measured: boolean): SignupPhase => ({
      url: to === 'floor' ? o.floorUrl : url,
      serverPid: to === 'floor' ? o.floor.pid : lantern.pid,
      connections: CONNECTIONS,
      amount,
      measured,
      settlePids,
    });
    const phases = [phase('floor', WARMUP_REQUESTS, false), phase('lantern', WARMUP_REQUESTS, false)];
    for (let i = 0; i < o.rounds; i++) phases.push(phase('floor', ROUND_REQUESTS, true), phase('lantern', ROUND_REQUESTS, true));
    // Exactly what the phases need, with room for requests autocannon prepares but never sends at the end of one.
    const pool = WARMUP_REQUESTS + o.rounds * ROUND_REQUESTS + phases.length * CONNECTIONS;
    o.log(
      `signup (worker ${o.worker}): solving ${pool} proofs of work ahead, then a warm-up of ${WARMUP_REQUESTS} requests each and ${o.rounds} alternating rounds of ${ROUND_REQUESTS} (floor, Lantern) at ${CONNECTIONS} connections`,
    );
    const input: SignupLoadInput = { secret, difficulty: DIFFICULTY, listIds, pool, phases };
    const result = await runChild<SignupLoadInput, SignupLoadResult>(loadScript, input, 1_200_000);

    const bad = result.phases.filter((r) => r.errors > 0 || r.timeouts > 0 || Object.keys(r.statusCodes).some((c) => c !== '303'));
    if (bad.length)
      throw new Error(
        `answers other than 303 under load: ${JSON.stringify(bad.map((b) => ({ url: b.url, statusCodes: b.statusCodes, errors: b.errors })))}`,
      );
    const floorRounds = result.phases.filter((r) => r.url === o.floorUrl);
    const rounds = result.phases.filter((r) => r.url === url);

    // Nothing acknowledged was lost: every 303 is a stored sign-up, with its token, spent proof and queued email.
    await lantern.stop();
    const db = new DatabaseSync(join(dataDir, 'lantern.db'), { readOnly: true });
    let stored: Record<string, number>;
    try {
      stored = {
        supporters: count(db, 'select count(*) as n from supporters') - DEMO_SUPPORTERS,
        'confirmation tokens': count(db, "select count(*) as n from tokens where purpose = 'supporter_confirm'"),
        'spent proofs': count(db, "select count(*) as n from tokens where purpose = 'proof_of_work'"),
        'queued emails': count(db, "select count(*) as n from jobs where name = 'sendEmail'"),
      };
    } finally {
      db.close();
    }
    const [least, most] = [result.accepted[url] ?? 0, result.sent[url] ?? 0];
    for (const [what, n] of Object.entries(stored)) {
      if (n < least || n > most) throw new Error(`${what}: ${n} stored, but ${least} sign-ups were acknowledged (${most} sent)`);
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
      stored: stored.supporters!,
      prepareS: result.prepareS,
    };
  } finally {
    await lantern.stop();
  }
}

/**
 * Sign-ups per second and their p99 through the real route (rate limits, origin check, validation, proof of work,
 * encryption, one transaction with the consent ledger, the token and the queued confirmation email), against the
 * floor, in alternating rounds after a warm-up; then the same with the inline worker sending the emails.
 */
export async function benchSignup(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('signup');
  const floorPort = await freePort();
  const floor = startNode({
    args: [join(repoRoot, 'bench/servers/signup-floor.ts')],
    env: { ...process.env, PORT: String(floorPort), DB_FILE: join(dir, 'floor.db') },
    cwd: repoRoot,
    logFile: join(dir, 'floor.log'),
  });
  try {
    await waitFor200(`http://127.0.0.1:${floorPort}/`, { server: floor, intervalMs: 20, timeoutMs: 30_000 });
    const floorUrl = `http://127.0.0.1:${floorPort}/stay-in-touch`;
    const web = await measure({ worker: 'off', rounds: ROUNDS.web, floor, floorUrl, dir, log });
    log(
      `signup (web process): Lantern ${Math.round(web.rps.lantern)} sign-ups/s (p99 ${web.p99.lantern} ms), floor ${Math.round(web.rps.floor)} inserts/s (p99 ${web.p99.floor} ms)`,
    );
    const inline = await measure({ worker: 'inline', rounds: ROUNDS.inline, floor, floorUrl, dir, log });
    log(
      `signup (inline worker): Lantern ${Math.round(inline.rps.lantern)} sign-ups/s (p99 ${inline.p99.lantern} ms), floor ${Math.round(inline.rps.floor)} inserts/s`,
    );

    const ratio = median(web.ratios);
    const inlineRatio = median(inline.ratios);
    const common = `SQLite (WAL, synchronous=FULL) on both; ${CONNECTIONS} connections; each request a new address (x-forwarded-for behind TRUST_PROXY) and a proof of work solved ahead (trivial difficulty on the benchmark server only)`;
    return [
      {
        benchmark: 'signup',
        figure: 'POST /stay-in-touch throughput',
        value: web.rps.lantern,
        unit: 'req/s',
        floor: web.rps.floor,
        ratio,
        goal: `≥ ${GOAL_RATIO}× floor`,
        met: ratio >= GOAL_RATIO,
        note:
          `web process (LANTERN_WORKER=off; emails queued in the same transaction, sent by a worker elsewhere); ${common}; median of ${ROUNDS.web} alternating rounds of ${ROUND_REQUESTS} requests after a warm-up of ${WARMUP_REQUESTS}; ` +
          `ratio = median of per-round ratios (${list(web.ratios, 2)}); Lantern rounds ${list(web.rounds.lantern)} req/s, floor ${list(web.rounds.floor)} req/s; ` +
          `every answer a 303 and every acknowledged sign-up stored with its token, spent proof and queued email (${web.stored}); server CPU per request ${web.cpuUs.lantern} µs, floor ${web.cpuUs.floor} µs ` +
          `(the floor is bound by the disk's fsync, Lantern mostly by CPU, so the ratio rises with a slower disk)`,
      },
      {
        benchmark: 'signup',
        figure: 'POST /stay-in-touch p99 latency',
        value: web.p99.lantern,
        unit: 'ms',
        floor: web.p99.floor,
        ratio: web.p99.floor > 0 ? web.p99.lantern / web.p99.floor : null,
        goal: 'reported',
        met: null,
        note: `web process; median of the rounds' p99 (autocannon measures whole ms); p50 ${web.p50.lantern} ms (floor ${web.p50.floor} ms), worst max ${web.max.lantern} ms (floor ${web.max.floor} ms)`,
      },
      {
        benchmark: 'signup',
        figure: 'POST /stay-in-touch throughput, inline worker sending the emails',
        value: inline.rps.lantern,
        unit: 'req/s',
        floor: inline.rps.floor,
        ratio: inlineRatio,
        goal: 'reported',
        met: null,
        note:
          `the default single process (LANTERN_WORKER=inline) while its worker sends every confirmation email to the mail catcher; ${common}; median of ${ROUNDS.inline} alternating rounds of ${ROUND_REQUESTS}, each starting once the worker is idle; ` +
          `ratios ${list(inline.ratios, 2)}; Lantern rounds ${list(inline.rounds.lantern)} req/s, floor ${list(inline.rounds.floor)} req/s; p99 ${inline.p99.lantern} ms (floor ${inline.p99.floor} ms); ` +
          `server CPU per request ${inline.cpuUs.lantern} µs; every acknowledged sign-up stored (${inline.stored}). Each email costs the worker its own commits (the claim, the mail record, the completion)`,
      },
    ];
  } finally {
    await floor.stop();
  }
}
