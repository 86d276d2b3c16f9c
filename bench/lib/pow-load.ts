// The load generator of the sign-up and surge benchmarks (bench/children/signup-load.ts, surge-load.ts), in the
// child's process. It first makes and solves a pool of proof-of-work challenges (with the server's secret and the
// benchmark's trivial difficulty: exactly what the widget would send), each in its own form body, then runs the
// phases with autocannon: every request a POST of a body never sent before, from its own client address (so the
// per-address limits apply, as they would to many people, rather than stopping one), marked same-origin as a
// browser marks a post from our own page.
import autocannon from 'autocannon';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { readFileSync } from 'node:fs';
import { createKeyring } from '../../src/core/crypto.js';
import { createProofChallenge, useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';

/** One run of autocannon against one server. */
export interface PowPhase {
  url: string;
  serverPid: number;
  connections: number;
  /** How many requests (the pool of solved bodies is sized for them). */
  amount: number;
  measured: boolean;
  /** Before starting, wait until these processes are idle (a worker still sending the last round's emails). */
  settlePids?: number[];
}

/** What the parent sends (besides what the body needs): the server's secret and difficulty, the pool, the phases. */
export interface PowLoadInput {
  secret: string;
  difficulty: ProofOfWorkDifficulty;
  /** How many solved bodies to prepare. */
  pool: number;
  phases: PowPhase[];
}

/** The figures of one measured phase. */
export interface PowPhaseResult {
  url: string;
  reqPerSec: number;
  requests: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  serverCpuUsPerReq: number;
}

/** What the child reports back. */
export interface PowLoadResult {
  prepareS: number;
  /** Requests handed to autocannon for each URL, warm-ups included: at most this many can have been stored. */
  sent: Record<string, number>;
  /** 303 answers from each URL, warm-ups included: at least this many must have been stored. */
  accepted: Record<string, number>;
  phases: PowPhaseResult[];
}

// The part of autocannon's options this needs beyond bench/autocannon.d.ts.
interface PostOptions {
  url: string;
  connections: number;
  amount: number;
  sampleInt: number;
  requests: Array<{ method: 'POST'; setupRequest: (req: Record<string, unknown>) => Record<string, unknown> }>;
}
const run = autocannon as unknown as (o: PostOptions) => ReturnType<typeof autocannon>;

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (up to two minutes) until a process uses under 5 % of a CPU over half a second. */
async function settle(pid: number): Promise<void> {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    const a = cpuSeconds(pid);
    await sleep(500);
    if (cpuSeconds(pid) - a < 0.025) return;
  }
  throw new Error(`process ${pid} did not become idle within two minutes`);
}

/**
 * Prepares the pool and runs the phases. `body(n, run, altcha)` is the urlencoded body of the n-th post of this
 * run (`run` tells one run's addresses from another's); `what` names the bodies in errors ("solved sign-ups").
 */
export async function runPowLoad(
  input: PowLoadInput,
  o: { what: string; body: (n: number, run: string, altcha: string) => string },
): Promise<PowLoadResult> {
  useDifficultyForBenchmarks(input.difficulty);
  const keyring = createKeyring(input.secret);
  const started = performance.now();
  const run_ = Date.now().toString(36);
  const bodies: string[] = new Array(input.pool);
  for (let i = 0; i < input.pool; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, input.pool - i) }, async (_, k) => {
        const n = i + k;
        const challenge = await createProofChallenge(keyring);
        const solution = await solveChallenge({ challenge, deriveKey });
        if (!solution) throw new Error('could not solve a challenge');
        const altcha = Buffer.from(
          JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution }),
        ).toString('base64');
        bodies[n] = o.body(n, run_, altcha);
      }),
    );
  }
  const prepareS = (performance.now() - started) / 1000;

  const next = new Map<string, number>();
  const sent: Record<string, number> = {};
  const accepted: Record<string, number> = {};
  const phases: PowPhaseResult[] = [];
  for (const p of input.phases) {
    for (const pid of p.settlePids ?? []) await settle(pid);
    const cpu0 = cpuSeconds(p.serverPid);
    const t0 = performance.now();
    const r = await run({
      url: p.url,
      connections: p.connections,
      amount: p.amount,
      // autocannon notices the end of a fixed amount only at its sampling tick (1 s by default): tick often instead.
      sampleInt: 20,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            // Each server takes bodies from the pool in order; a body is never sent twice to the same server.
            const i = next.get(p.url) ?? 0;
            next.set(p.url, i + 1);
            sent[p.url] = (sent[p.url] ?? 0) + 1;
            if (i >= bodies.length) throw new Error(`the pool of ${bodies.length} ${o.what} ran out`);
            const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
            return {
              ...req,
              body: bodies[i],
              headers: { 'content-type': 'application/x-www-form-urlencoded', 'sec-fetch-site': 'same-origin', 'x-forwarded-for': address },
            };
          },
        },
      ],
    });
    // autocannon's own duration is rounded; a round of a fixed number of requests is timed here instead.
    const elapsedS = (performance.now() - t0) / 1000;
    const cpu = cpuSeconds(p.serverPid) - cpu0;
    accepted[p.url] = (accepted[p.url] ?? 0) + (r.statusCodeStats?.['303']?.count ?? 0);
    if (!p.measured) continue;
    phases.push({
      url: p.url,
      reqPerSec: r.requests.total / elapsedS,
      requests: r.requests.total,
      p50Ms: r.latency.p50,
      p99Ms: r.latency.p99,
      maxMs: r.latency.max,
      statusCodes: Object.fromEntries(Object.entries(r.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
      errors: r.errors,
      timeouts: r.timeouts,
      serverCpuUsPerReq: (cpu * 1e6) / r.requests.total,
    });
  }
  return { prepareS, sent, accepted, phases };
}
