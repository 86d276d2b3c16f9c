// Load process of the RSVP surge benchmark (bench/events.ts). Before each burst it solves its proof-of-work
// challenges (with the server's secret and the benchmark's trivial difficulty: what the widget would send), each in
// the form body of a new person (own name, own email), then runs the burst: every attempt of a burst is started at once, each
// from its own client address (x-forwarded-for behind TRUST_PROXY, so the per-address limits apply as they would to
// many people), marked same-origin as a browser marks a post from our own page, and spread over the burst's servers
// in turn (two Lantern processes on one PostgreSQL database each get every other attempt). The attempts travel over a
// bounded pool of keep-alive connections (as a reverse proxy carries them), or each on its own new connection, all
// opened at once. A body is never sent twice.
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createKeyring } from '../../src/core/crypto.js';
import { createProofChallenge, useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';
import { serveChild } from '../lib/child.js';

/** One server a burst posts to. */
export interface BurstTarget {
  url: string;
  serverPid: number;
}

/** One burst: `amount` attempts started at once, spread over the targets in turn. */
export interface BurstPhase {
  label: string;
  targets: BurstTarget[];
  amount: number;
  /** 0: every attempt on its own new connection (all opened at once); n: carried over at most n keep-alive connections in all. */
  connections: number;
  measured: boolean;
}

export interface EventsLoadInput {
  secret: string;
  difficulty: ProofOfWorkDifficulty;
  /** How many bodies the bursts need in all (the sum of their attempts). */
  pool: number;
  phases: BurstPhase[];
}

export interface BurstResult {
  label: string;
  measured: boolean;
  connections: number;
  amount: number;
  /** From the first attempt started to the last answer read. */
  elapsedMs: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Answers per status code, per target URL ("error" for a request that got no answer). */
  statusCodes: Record<string, Record<string, number>>;
  /** The first few errors, for the report. */
  errors: string[];
  /** Server CPU (all the burst's servers) per attempt, µs. */
  serverCpuUsPerAttempt: number;
}

export interface EventsLoadResult {
  prepareS: number;
  bursts: BurstResult[];
}

const FIRST = ['Gulnar', 'Aisha', 'Rhys', 'Mei', 'Kwame', 'Zoë', 'Dilnoza', 'Tomás', 'Yusuf', 'Hodan'];
const LAST = ['Tursun', 'Okafor', 'Jones', 'Zhang', 'Mensah', 'Nowak', 'Kurban', 'Silva', 'Demir', 'Ali'];

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** One POST; resolves with the status code (or "error") and how long it took. */
function post(url: URL, body: string, address: string, agent: Agent | false): Promise<{ status: string; ms: number; error?: string }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        timeout: 120_000,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'sec-fetch-site': 'same-origin',
          'x-forwarded-for': address,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: String(res.statusCode), ms: performance.now() - t0 }));
        res.on('error', (e) => resolve({ status: 'error', ms: performance.now() - t0, error: e.message }));
      },
    );
    req.on('timeout', () => req.destroy(new Error('no answer within 120 s')));
    req.on('error', (e) => resolve({ status: 'error', ms: performance.now() - t0, error: e.message }));
    req.end(body);
  });
}

async function run(input: EventsLoadInput): Promise<EventsLoadResult> {
  useDifficultyForBenchmarks(input.difficulty);
  const keyring = createKeyring(input.secret);
  const runId = Date.now().toString(36);
  const bodies: string[] = new Array(input.pool);
  let prepareMs = 0;
  // Solved just before each burst (a challenge is good for ten minutes, and a slow run could outlast a pool solved
  // at the start); the solving is never inside a burst's time.
  const solve = async (from: number, count: number) => {
    const t0 = performance.now();
    for (let i = from; i < from + count; i += 200) {
      await Promise.all(
        Array.from({ length: Math.min(200, from + count - i) }, async (_, k) => {
          const n = i + k;
          const challenge = await createProofChallenge(keyring);
          const solution = await solveChallenge({ challenge, deriveKey });
          if (!solution) throw new Error('could not solve a challenge');
          const altcha = Buffer.from(
            JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution }),
          ).toString('base64');
          bodies[n] = new URLSearchParams({
            name: `${FIRST[n % FIRST.length]} ${LAST[Math.floor(n / FIRST.length) % LAST.length]}`,
            email: `rsvp.${runId}.${n}@example.org`,
            places: '1',
            website: '',
            altcha,
          }).toString();
        }),
      );
    }
    prepareMs += performance.now() - t0;
  };

  let next = 0;
  const bursts: BurstResult[] = [];
  for (const phase of input.phases) {
    if (next + phase.amount > bodies.length) throw new Error(`the pool of ${bodies.length} solved registrations ran out`);
    await solve(next, phase.amount);
    const agents = phase.targets.map((): Agent | false =>
      phase.connections > 0
        ? new Agent({ keepAlive: true, maxSockets: Math.max(1, Math.ceil(phase.connections / phase.targets.length)) })
        : false,
    );
    const urls = phase.targets.map((t) => new URL(t.url));
    const cpu0 = phase.targets.map((t) => cpuSeconds(t.serverPid));
    const first = next;
    next += phase.amount;
    const t0 = performance.now();
    const answers = await Promise.all(
      Array.from({ length: phase.amount }, (_, k) => {
        const i = first + k;
        const address = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
        return post(urls[k % urls.length]!, bodies[i]!, address, agents[k % agents.length]!);
      }),
    );
    const elapsedMs = performance.now() - t0;
    const cpu = phase.targets.reduce((s, t, j) => s + cpuSeconds(t.serverPid) - cpu0[j]!, 0);
    for (const a of agents) if (a) a.destroy();
    const statusCodes: Record<string, Record<string, number>> = {};
    answers.forEach((a, k) => {
      const url = phase.targets[k % phase.targets.length]!.url;
      const codes = (statusCodes[url] ??= {});
      codes[a.status] = (codes[a.status] ?? 0) + 1;
    });
    const ms = answers.map((a) => a.ms).sort((a, b) => a - b);
    bursts.push({
      label: phase.label,
      measured: phase.measured,
      connections: phase.connections,
      amount: phase.amount,
      elapsedMs,
      perSecond: phase.amount / (elapsedMs / 1000),
      p50Ms: percentile(ms, 50),
      p99Ms: percentile(ms, 99),
      maxMs: ms[ms.length - 1] ?? 0,
      statusCodes,
      errors: [...new Set(answers.flatMap((a) => (a.error ? [a.error] : [])))].slice(0, 5),
      serverCpuUsPerAttempt: (cpu * 1e6) / phase.amount,
    });
  }
  return { prepareS: prepareMs / 1000, bursts };
}

serveChild<EventsLoadInput, EventsLoadResult>(run);
