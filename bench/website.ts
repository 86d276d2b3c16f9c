import { join } from 'node:path';
import type { LoadPhase, LoadResult } from './children/load.js';
import type { SeedWebsite } from './children/seed-website.js';
import { repoRoot, startLantern } from './lib/lantern.js';
import { freePort, httpGet, runChild, startNode, tempDir, waitFor200 } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

const CONNECTIONS = 10;
const WARMUP_S = 3;
const ROUNDS = 4;
const ROUND_S = 4;
const GOAL_RATIO = 0.6;
const UPDATES = 50;
const RESOURCES = 20;
const loadScript = join(repoRoot, 'bench/children/load.ts');
const seedScript = join(repoRoot, 'bench/children/seed-website.ts');

/**
 * The campaign hub and an update's page of the demo site with 50 published updates, served by `npm start` on SQLite,
 * against a bare Fastify "hello" route in its own process, loaded by autocannon from a third; after a warm-up of each,
 * floor, hub and update are measured in alternating rounds so a slow moment of a shared machine falls on all three.
 */
export async function benchWebsite(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('website');
  const dataDir = join(dir, 'data');
  const seeded = await runChild<SeedWebsite, { updates: number; resources: number; slug: string }>(
    seedScript,
    { dataDir, updates: UPDATES, resources: RESOURCES },
    300_000,
  );
  log(`website: seeded the demo site with ${seeded.updates} published updates and ${seeded.resources} resources`);
  const floorPort = await freePort();
  const hello = startNode({
    args: [join(repoRoot, 'bench/servers/hello.ts')],
    env: { ...process.env, PORT: String(floorPort) },
    cwd: repoRoot,
    logFile: join(dir, 'hello.log'),
  });
  const port = await freePort();
  const lantern = await startLantern({ dataDir, port, logFile: join(dir, 'lantern.log') });
  try {
    const floorUrl = `http://127.0.0.1:${floorPort}/`;
    const pages = [
      { name: 'campaign hub', url: `http://127.0.0.1:${port}/campaigns/free-the-supply-chain` },
      { name: 'update page', url: `http://127.0.0.1:${port}/updates/${seeded.slug}` },
    ];
    await waitFor200(floorUrl, { server: hello, intervalMs: 20, timeoutMs: 30_000 });
    await waitFor200(`http://127.0.0.1:${port}/healthz`, { server: lantern, intervalMs: 20, timeoutMs: 120_000 });
    for (const p of pages) {
      const r = await httpGet(p.url);
      if (r.status !== 200) throw new Error(`website: GET ${p.url} answered ${r.status}`);
    }
    log(
      `website: ${WARMUP_S} s warm-up of each, then ${ROUNDS} alternating rounds of ${ROUND_S} s (floor, hub, update) at ${CONNECTIONS} connections`,
    );
    const phase = (url: string, serverPid: number, durationS: number, measured: boolean): LoadPhase => ({
      url,
      serverPid,
      connections: CONNECTIONS,
      durationS,
      measured,
    });
    const round = (s: number, measured: boolean) => [
      phase(floorUrl, hello.pid, s, measured),
      ...pages.map((p) => phase(p.url, lantern.pid, s, measured)),
    ];
    const phases = round(WARMUP_S, false);
    for (let i = 0; i < ROUNDS; i++) phases.push(...round(ROUND_S, true));
    const results = await runChild<LoadPhase[], LoadResult[]>(
      loadScript,
      phases,
      ((1 + pages.length) * (WARMUP_S + ROUNDS * ROUND_S) + 60) * 1000,
    );
    const bad = results.filter((r) => r.non2xx > 0 || r.errors > 0);
    if (bad.length) throw new Error(`non-2xx responses or errors under load: ${JSON.stringify(bad)}`);
    const floor = results.filter((r) => r.url === floorUrl);
    const floorRps = median(floor.map((r) => r.reqPerSec));
    return pages.map((p) => {
      const mine = results.filter((r) => r.url === p.url);
      const ratios = mine.map((m, i) => m.reqPerSec / floor[i]!.reqPerSec);
      const ratio = median(ratios);
      const rps = median(mine.map((r) => r.reqPerSec));
      log(`website: ${p.name} ${Math.round(rps)} req/s (p99 ${median(mine.map((r) => r.p99Ms))} ms), floor ${Math.round(floorRps)} req/s`);
      return {
        benchmark: 'website',
        figure: `GET ${p.name} throughput`,
        value: rps,
        unit: 'req/s',
        floor: floorRps,
        ratio,
        goal: `≥ ${GOAL_RATIO}× floor`,
        met: ratio >= GOAL_RATIO,
        note:
          `${seeded.updates} published updates and ${seeded.resources} resources; median of ${ROUNDS} alternating ${ROUND_S} s rounds at ${CONNECTIONS} connections after ${WARMUP_S} s warm-up; ` +
          `ratio = median of per-round ratios (${list(ratios, 2)}); p99 ${median(mine.map((r) => r.p99Ms))} ms (floor ${median(floor.map((r) => r.p99Ms))} ms); ` +
          `server CPU per request ${Math.round(median(mine.map((r) => r.serverCpuUsPerReq)))} µs (floor ${Math.round(median(floor.map((r) => r.serverCpuUsPerReq)))} µs)`,
      };
    });
  } finally {
    await Promise.all([hello.stop(), lantern.stop()]);
  }
}
