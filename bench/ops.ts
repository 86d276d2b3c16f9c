import { readFileSync, rmSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { STAMP } from '../scripts/build.js';
import { LANTERN_VARS, repoRoot } from './lib/lantern.js';
import { commandLine, descendants, freePort, runCommand, sleep, startCommand, tempDir, waitFor200 } from './lib/proc.js';
import type { Row } from './lib/report.js';

const NPM_CI_GOAL_S = 60;
const START_GOAL_MS = 3000;
const RSS_GOAL_MB = 150;
const START_RUNS = 3;
const POLL_MS = 20;

/** The environment of a plain shell: without what `npm run` adds (npm_* variables, node_modules/.bin on PATH). */
function plainShellEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && k !== 'INIT_CWD' && k !== 'NODE'));
  env.PATH = (process.env.PATH ?? '')
    .split(delimiter)
    .filter((p) => !p.includes(`node_modules${'/'}.bin`) && !p.includes('node-gyp-bin'))
    .join(delimiter);
  return env;
}

/** Runs `npm ci` in a folder and reads npm's own log for what its cache served. */
async function npmCi(cwd: string, env: NodeJS.ProcessEnv): Promise<{ seconds: number; cache: string }> {
  // --loglevel=http only makes npm print each fetch with its cache outcome; it changes nothing about the install.
  const ci = await runCommand('npm', ['ci', '--loglevel=http'], { cwd, env, timeoutMs: 300_000 });
  if (ci.code !== 0) throw new Error(`npm ci failed (${ci.code}):\n${ci.stderr.split('\n').slice(-20).join('\n')}`);
  const outcomes = new Map<string, number>();
  for (const m of ci.stderr.matchAll(/^npm http fetch .*\((cache [a-z]+)\)$/gm)) outcomes.set(m[1]!, (outcomes.get(m[1]!) ?? 0) + 1);
  const fetches = [...outcomes.values()].reduce((a, b) => a + b, 0);
  // make-fetch-happen's words: hit and stale are answered from the cache (stale: without asking the registry),
  // revalidated after a 304; updated and miss are downloaded.
  const fromCache = (outcomes.get('cache hit') ?? 0) + (outcomes.get('cache stale') ?? 0) + (outcomes.get('cache revalidated') ?? 0);
  const state =
    fetches === 0
      ? 'no registry requests (all from the cache)'
      : fromCache === fetches
        ? 'warm (every request answered from the cache)'
        : fromCache === 0
          ? 'not warm (nothing answered from the cache)'
          : 'partly warm';
  const detail = [...outcomes].map(([k, v]) => `${v} ${k}`).join(', ');
  return { seconds: ci.ms / 1000, cache: `${state}${detail ? `: ${fetches} registry requests, ${detail}` : ''}` };
}

/** `npm ci` in a fresh clone of the committed HEAD, as a user runs it, with what npm says about its cache. */
export async function benchNpmCi(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('npm-ci');
  const clone = join(dir, 'lantern');
  const git = await runCommand('git', ['clone', '--quiet', repoRoot, clone], { cwd: dir, timeoutMs: 60_000 });
  if (git.code !== 0) throw new Error(`git clone failed: ${git.stderr}`);
  const head = (await runCommand('git', ['rev-parse', '--short', 'HEAD'], { cwd: clone, timeoutMs: 10_000 })).stdout.trim();
  const env = plainShellEnv();
  const versions = (
    await runCommand('sh', ['-c', 'echo "npm $(npm --version) under node $(node --version)"'], { cwd: clone, env, timeoutMs: 30_000 })
  ).stdout.trim();
  log(`npm-ci: clone of ${head}: npm ci (${versions})`);
  const plain = await npmCi(clone, env);
  log(`npm-ci: ${plain.seconds.toFixed(1)} s; npm cache ${plain.cache}`);
  return [
    {
      benchmark: 'npm ci',
      figure: 'clean clone, wall time',
      value: plain.seconds,
      unit: 's',
      goal: `≤ ${NPM_CI_GOAL_S} s`,
      met: plain.seconds <= NPM_CI_GOAL_S,
      note: `commit ${head}, ${versions}, a plain shell's environment; npm cache ${plain.cache}`,
    },
  ];
}

function vmRssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for process ${pid}`);
  return (Number(m[1]) * 1024) / 1e6; // kB in /proc are KiB; MB here are 10^6 bytes.
}

/** Samples VmRSS every 250 ms until it moves less than 0.5 MB over 2 s (or 20 s pass); returns the last sample. */
async function settledRss(pid: number): Promise<{ mb: number; afterMs: number }> {
  const samples: number[] = [];
  const t0 = performance.now();
  for (;;) {
    samples.push(vmRssMb(pid));
    const last = samples.slice(-9);
    if (last.length === 9 && Math.max(...last) - Math.min(...last) < 0.5) break;
    if (performance.now() - t0 > 20_000) break;
    await sleep(250);
  }
  return { mb: samples.at(-1)!, afterMs: performance.now() - t0 };
}

/** The Lantern server below an `npm start` (the node running dist/cli.js), once npm has started it. */
async function serverBelow(npmPid: number): Promise<number> {
  const t0 = performance.now();
  while (performance.now() - t0 < 10_000) {
    // Not the shell npm runs the script in (`sh -c "node … dist/cli.js start"`): the node it starts.
    const pid = descendants(npmPid).find((p) => /^\S*node\s.*dist\/cli\.js start/.test(commandLine(p)));
    if (pid !== undefined) return pid;
    await sleep(20);
  }
  throw new Error('npm start answered but no node running dist/cli.js start was found below it');
}

/**
 * `npm start`, the README's own command, as a user types it (a plain shell's environment; npm itself runs under
 * the machine's Node and the server under the project's): the first start on a new data folder after the sources
 * changed (it builds, migrates and seeds the demo), then restarts on that folder to the first 200 of GET /healthz,
 * and the idle RSS of the server process (not npm's) once it settles.
 */
export async function benchStartup(log: (s: string) => void): Promise<Row[]> {
  const dir = tempDir('startup');
  const dataDir = join(dir, 'data');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/healthz`;
  const logFile = join(dir, 'lantern.log');
  const shell = Object.entries(plainShellEnv()).filter(([k]) => !LANTERN_VARS.test(k));
  const env = { ...Object.fromEntries(shell), LANTERN_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1' };
  const npmStart = () => startCommand({ cmd: 'npm', args: ['start'], env, cwd: repoRoot, logFile });

  // As after a `git pull`: the build stamp no longer matches, so this start compiles.
  rmSync(join(repoRoot, 'dist', STAMP), { force: true });
  log('startup: first start (npm start: build, migrate, seed the demo)');
  const f0 = performance.now();
  const first = npmStart();
  const firstMs = (await waitFor200(url, { server: first, intervalMs: POLL_MS, timeoutMs: 300_000 })) - f0;
  log(`startup: first start answered after ${(firstMs / 1000).toFixed(1)} s`);
  await first.stop();

  const times: number[] = [];
  let rss = { mb: NaN, afterMs: 0 };
  for (let i = 1; i <= START_RUNS; i++) {
    const t0 = performance.now();
    const server = npmStart();
    try {
      const t1 = await waitFor200(url, { server, intervalMs: POLL_MS, timeoutMs: 60_000 });
      times.push(t1 - t0);
      log(`startup: restart ${i}: first 200 after ${Math.round(t1 - t0)} ms`);
      if (i === START_RUNS) {
        const pid = await serverBelow(server.pid);
        rss = await settledRss(pid);
        log(`startup: idle RSS ${rss.mb.toFixed(1)} MB (settled after ${(rss.afterMs / 1000).toFixed(1)} s)`);
      }
    } finally {
      await server.stop();
    }
  }
  const sorted = [...times].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const slowest = sorted.at(-1)!;
  return [
    {
      benchmark: 'start',
      figure: 'npm start, first start → first 200',
      value: firstMs,
      unit: 'ms',
      goal: 'reported',
      met: null,
      note: `a new data folder after the sources changed: the build (scripts/build.ts), migrations and the demo seed`,
    },
    {
      benchmark: 'start',
      figure: 'npm start, restart → first 200',
      value: slowest,
      unit: 'ms',
      goal: `≤ ${START_GOAL_MS} ms`,
      met: slowest <= START_GOAL_MS,
      note: `slowest of ${START_RUNS} restarts with \`npm start\` on an existing database and an up-to-date build (${times.map((t) => Math.round(t)).join(', ')} ms; median ${Math.round(median)} ms), polled every ${POLL_MS} ms`,
    },
    {
      benchmark: 'start',
      figure: 'idle RSS after settling',
      value: rss.mb,
      unit: 'MB',
      goal: `≤ ${RSS_GOAL_MB} MB`,
      met: rss.mb <= RSS_GOAL_MB,
      note: `VmRSS from /proc/<pid>/status of the started server, no load, stable within 0.5 MB over 2 s (after ${(rss.afterMs / 1000).toFixed(1)} s)`,
    },
  ];
}
