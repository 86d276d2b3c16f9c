import { join } from 'node:path';
import type { LoadPhase, LoadResult } from './children/load.js';
import { repoRoot, startLantern } from './lib/lantern.js';
import { freePort, httpGet, runChild, startNode, tempDir, waitFor200 } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

const CONNECTIONS = 10;
const WARMUP_S = 3;
const ROUNDS = 5;
const ROUND_S = 4;
const GOAL_RATIO = 0.5;
const loadScript = join(repoRoot, 'bench/children/load.ts');

async function expect200(url: string, has: string, what: string): Promise<void> {
  const r = await httpGet(url);
  if (r.status !== 200 || !r.body.includes(has)) throw new Error(`${what}: GET ${url} answered ${r.status} without "${has}"`);
}

/**
 * GET / of Lantern with the demo content on SQLite, against a bare Fastify "hello" route; each server in its own
 * process, both loaded by autocannon from a third. After a warm-up of each, the two are measured in alternating
 * rounds, so a slow moment on a shared machine falls on both rather than on one.
 */
export async function benchHome(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('home');
  const floorPort = await freePort();
  const hello = startNode({
    args: [join(repoRoot, 'bench/servers/hello.ts')],
    env: { ...process.env, PORT: String(floorPort) },
    cwd: repoRoot,
    logFile: join(dir, 'hello.log'),
  });
  const port = await freePort();
  const lantern = await startLantern({ dataDir: join(dir, 'data'), port, logFile: join(dir, 'lantern.log') });
  try {
    const floorUrl = `http://127.0.0.1:${floorPort}/`;
    const homeUrl = `http://127.0.0.1:${port}/`;
    await waitFor200(floorUrl, { server: hello, intervalMs: 20, timeoutMs: 30_000 });
    await waitFor200(`http://127.0.0.1:${port}/healthz`, { server: lantern, intervalMs: 20, timeoutMs: 60_000 });
    await expect200(floorUrl, 'hello', 'floor');
    await expect200(homeUrl, 'Freedom Thread', 'Lantern (demo content)');

    log(
      `home: ${WARMUP_S} s warm-up of each, then ${ROUNDS} alternating rounds of ${ROUND_S} s (floor, Lantern) at ${CONNECTIONS} connections`,
    );
    const floorPhase = (durationS: number, measured: boolean): LoadPhase => ({
      url: floorUrl,
      serverPid: hello.pid,
      connections: CONNECTIONS,
      durationS,
      measured,
    });
    const homePhase = (durationS: number, measured: boolean): LoadPhase => ({
      url: homeUrl,
      serverPid: lantern.pid,
      connections: CONNECTIONS,
      durationS,
      measured,
    });
    const phases = [floorPhase(WARMUP_S, false), homePhase(WARMUP_S, false)];
    for (let i = 0; i < ROUNDS; i++) phases.push(floorPhase(ROUND_S, true), homePhase(ROUND_S, true));
    const results = await runChild<LoadPhase[], LoadResult[]>(loadScript, phases, (2 * (WARMUP_S + ROUNDS * ROUND_S) + 60) * 1000);

    const bad = results.filter((r) => r.non2xx > 0 || r.errors > 0);
    if (bad.length) throw new Error(`non-2xx responses or errors under load: ${JSON.stringify(bad)}`);
    const floor = results.filter((r) => r.url === floorUrl);
    const home = results.filter((r) => r.url === homeUrl);
    const ratios = home.map((h, i) => h.reqPerSec / floor[i]!.reqPerSec);
    const ratio = median(ratios);
    const rps = { home: median(home.map((r) => r.reqPerSec)), floor: median(floor.map((r) => r.reqPerSec)) };
    const p99 = { home: median(home.map((r) => r.p99Ms)), floor: median(floor.map((r) => r.p99Ms)) };
    log(`home: Lantern ${Math.round(rps.home)} req/s (p99 ${p99.home} ms), floor ${Math.round(rps.floor)} req/s (p99 ${p99.floor} ms)`);
    return [
      {
        benchmark: 'home',
        figure: 'GET / throughput',
        value: rps.home,
        unit: 'req/s',
        floor: rps.floor,
        ratio,
        goal: `≥ ${GOAL_RATIO}× floor`,
        met: ratio >= GOAL_RATIO,
        note:
          `median of ${ROUNDS} alternating ${ROUND_S} s rounds at ${CONNECTIONS} connections after ${WARMUP_S} s warm-up; ratio = median of per-round ratios (${list(ratios, 2)}); ` +
          `Lantern rounds ${list(home.map((r) => r.reqPerSec))} req/s, floor ${list(floor.map((r) => r.reqPerSec))} req/s; every response 2xx; ` +
          `server CPU per request (user + system) ${Math.round(median(home.map((r) => r.serverCpuUsPerReq)))} µs, floor ${Math.round(median(floor.map((r) => r.serverCpuUsPerReq)))} µs; ` +
          'Lantern logs each request at info to a file, its default',
      },
      {
        benchmark: 'home',
        figure: 'GET / p99 latency',
        value: p99.home,
        unit: 'ms',
        floor: p99.floor,
        // autocannon reports latency in whole milliseconds, so a floor of 0 ms has no meaningful ratio.
        ratio: p99.floor > 0 ? p99.home / p99.floor : null,
        goal: 'reported',
        met: null,
        note: `median of the rounds' p99 (autocannon measures whole ms); p50 ${median(home.map((r) => r.p50Ms))} ms (floor ${median(floor.map((r) => r.p50Ms))} ms), worst max ${Math.max(...home.map((r) => r.maxMs))} ms (floor ${Math.max(...floor.map((r) => r.maxMs))} ms)`,
      },
    ];
  } finally {
    await Promise.all([hello.stop(), lantern.stop()]);
  }
}
