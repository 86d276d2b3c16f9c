// Load generator for the surge benchmark, in its own process. It first makes and solves a pool of proof-of-work
// challenges (with the server's secret and the benchmark's trivial difficulty: exactly what the widget would send),
// each in its own signature with its own address, then runs the phases with autocannon: every request a POST of a
// signature never sent before, from its own client address (so the per-address limits apply, as they would to many
// people, rather than stopping one), marked same-origin as a browser marks a post from our own page.
import autocannon from 'autocannon';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { readFileSync } from 'node:fs';
import { createKeyring } from '../../src/core/crypto.js';
import { createProofChallenge, useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/supporters/proof-of-work.js';
import { serveChild } from '../lib/child.js';

/** One run of autocannon against one server. */
export interface SurgePhase {
  url: string;
  serverPid: number;
  connections: number;
  /** How many requests (the pool of solved signatures is sized for them). */
  amount: number;
  measured: boolean;
}

/** What the parent sends: the server's secret and difficulty (to make and solve the pool), and the phases. */
export interface SurgeLoadInput {
  secret: string;
  difficulty: ProofOfWorkDifficulty;
  /** How many solved signatures to prepare. */
  pool: number;
  phases: SurgePhase[];
}

/** The figures of one measured phase. */
export interface SurgePhaseResult {
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
export interface SurgeLoadResult {
  prepareS: number;
  /** Requests handed to autocannon for each URL, warm-ups included: at most this many can have been stored. */
  sent: Record<string, number>;
  /** 303 answers from each URL, warm-ups included: at least this many must have been stored. */
  accepted: Record<string, number>;
  phases: SurgePhaseResult[];
}

// The part of autocannon's options this child needs beyond bench/autocannon.d.ts.
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

const POSTCODES = ['SW1A 1AA', 'E1 6AN', 'LS29 9TZ', 'CF24 2PY', 'G83 9QZ', 'M24 1AZ', 'BT1 5GS', 'RG1 1AF'];
const FIRST = ['Gulnar', 'Aisha', 'Rhys', 'Mei', 'Kwame', 'Zoë', 'Dilnoza', 'Tomás'];
const LAST = ['Tursun', 'Okafor', 'Jones', 'Zhang', 'Mensah', 'Nowak', 'Kurban', 'Silva'];

serveChild<SurgeLoadInput, SurgeLoadResult>(async (input) => {
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
        const altcha = Buffer.from(JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution })).toString('base64');
        bodies[n] = new URLSearchParams({
          firstName: FIRST[n % FIRST.length]!,
          lastName: LAST[(n >> 3) % LAST.length]!,
          email: `surge.${run_}.${n}@example.org`,
          postcode: POSTCODES[n % POSTCODES.length]!,
          website: '',
          altcha,
        }).toString();
      }),
    );
  }
  const prepareS = (performance.now() - started) / 1000;

  const next = new Map<string, number>();
  const sent: Record<string, number> = {};
  const accepted: Record<string, number> = {};
  const phases: SurgePhaseResult[] = [];
  for (const p of input.phases) {
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
            if (i >= bodies.length) throw new Error(`the pool of ${bodies.length} solved signatures ran out`);
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
});
