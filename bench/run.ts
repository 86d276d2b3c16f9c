// npm run bench [-- <name>...]: runs the benchmarks (all, or those named), prints each figure beside its floor
// with the goal and whether it was met, and saves the figures to bench/results/. See docs/benchmarks.md.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { benchDonationsClaim } from './donations-claim.js';
import { benchDonationsWebhooks } from './donations-webhooks.js';
import { benchEvents } from './events.js';
import { benchHome } from './home.js';
import { benchJobs } from './jobs.js';
import { benchNewsletter } from './newsletter.js';
import { benchRepresentatives } from './representatives.js';
import { benchSearch } from './search.js';
import { benchSignup } from './signup.js';
import { benchSurge } from './surge.js';
import { benchWebsite } from './website.js';
import { benchWordPress } from './wordpress.js';
import { cleanupAll } from './lib/cleanup.js';
import { lanternCommand, repoRoot } from './lib/lantern.js';
import { machine, notes, table, type Row } from './lib/report.js';
import { benchNpmCi, benchStartup } from './ops.js';

type Log = (s: string) => void;

const BENCHMARKS: Record<string, { what: string; needsServer: boolean; run: (log: Log) => Promise<Row[]> }> = {
  home: { what: 'GET / of the demo site on SQLite vs a bare Fastify route', needsServer: true, run: benchHome },
  'jobs-sqlite': { what: 'job queue vs raw inserts, SQLite', needsServer: false, run: (log) => benchJobs('sqlite', log) },
  'jobs-postgres': { what: 'job queue vs raw inserts, PostgreSQL', needsServer: false, run: (log) => benchJobs('postgres', log) },
  'npm-ci': { what: 'npm ci on a clean clone', needsServer: false, run: benchNpmCi },
  startup: { what: 'start to first 200 on an existing database, and idle RSS', needsServer: true, run: benchStartup },
  signup: { what: 'sign-up POST through the real route vs a bare insert route, SQLite', needsServer: false, run: benchSignup },
  surge: {
    what: 'petition signatures through the real route vs a bare insert route, SQLite (and PostgreSQL, reported)',
    needsServer: false,
    run: benchSurge,
  },
  'newsletter-sqlite': {
    what: 'newsletter to 100,000 supporters into an SMTP sink vs raw nodemailer, SQLite',
    needsServer: false,
    run: (log) => benchNewsletter('sqlite', log),
  },
  'newsletter-postgres': {
    what: 'newsletter to 100,000 supporters into an SMTP sink vs raw nodemailer, PostgreSQL',
    needsServer: false,
    run: (log) => benchNewsletter('postgres', log),
  },
  website: {
    what: 'campaign hub and update page of the demo site with 50 updates and 20 resources on SQLite vs a bare Fastify route',
    needsServer: true,
    run: benchWebsite,
  },
  wordpress: {
    what: 'lantern import wordpress of a generated 5,000-post export on SQLite vs stream-parsing it with saxes',
    needsServer: false,
    run: benchWordPress,
  },
  representatives: {
    what: 'import a 1.73M-row postcode file vs csv-parse alone; postcode → MP lookup p99 vs Map.get, SQLite',
    needsServer: false,
    run: benchRepresentatives,
  },
  search: {
    what: 'GET /search over 10,000 updates, p50/p99 vs a bare route, SQLite and PostgreSQL',
    needsServer: false,
    run: benchSearch,
  },
  events: {
    what: 'RSVP surge: 5,000 registrations at once for 200 places through the real route vs a bare insert route, SQLite and PostgreSQL (2 processes)',
    needsServer: false,
    run: benchEvents,
  },
  'donations-claim': {
    what: 'Gift Aid claim of 100,000 gifts (select, check, write 100 .ods parts) vs the same rows as a bare CSV, SQLite',
    needsServer: false,
    run: benchDonationsClaim,
  },
  'donations-webhooks': {
    what: 'Stripe webhook events processed per second (verified, stored once, applied) vs bare inserts, and a replay that changes nothing, SQLite and PostgreSQL',
    needsServer: false,
    run: benchDonationsWebhooks,
  },
};
const GROUPS: Record<string, string[]> = {
  jobs: ['jobs-sqlite', 'jobs-postgres'],
  ops: ['npm-ci', 'startup'],
  newsletter: ['newsletter-sqlite', 'newsletter-postgres'],
  donations: ['donations-webhooks', 'donations-claim'],
};

function usage(): string {
  const names = Object.entries(BENCHMARKS).map(([k, b]) => `  ${k.padEnd(14)} ${b.what}`);
  const groups = Object.entries(GROUPS).map(([k, v]) => `  ${k.padEnd(14)} ${v.join(' + ')}`);
  return ['Usage: npm run bench [-- <name>...]   (no names: all)', '', ...names, '', 'Groups:', ...groups].join('\n');
}

function selected(args: string[]): string[] {
  if (args.length === 0) return Object.keys(BENCHMARKS);
  const names = new Set<string>();
  for (const a of args) {
    const expanded = GROUPS[a] ?? (a in BENCHMARKS ? [a] : undefined);
    if (!expanded) {
      process.stderr.write(`Unknown benchmark "${a}".\n\n${usage()}\n`);
      process.exit(64);
    }
    for (const n of expanded) names.add(n);
  }
  // Always in the order of the table, whatever order they were named in.
  return Object.keys(BENCHMARKS).filter((n) => names.has(n));
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage()}\n`);
    return 0;
  }
  const names = selected(args);
  const m = machine();
  const started = performance.now();
  const log: Log = (s) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${s}\n`);
  const command = `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`;
  process.stdout.write(
    `Lantern benchmarks: ${command}\n${m.date} · ${m.cores} cores · ${m.ramGiB} GiB RAM · ${m.cpu} · Node ${m.node} · Linux ${m.kernel}\n`,
  );
  // Other work on the machine lowers every figure; the floors run alongside, but a busy machine is worth knowing about.
  const loadAtStart = loadavg()[0]!;
  log(`load average at start: ${loadAtStart.toFixed(2)} on ${m.cores} cores`);

  let server: string | undefined;
  const warnings: string[] = [];
  if (names.some((n) => BENCHMARKS[n]!.needsServer)) {
    log('building Lantern (npm run build)');
    const cmd = await lanternCommand();
    server = cmd.label;
    if (cmd.warning) warnings.push(cmd.warning);
    log(`server under test: ${cmd.label}`);
    if (cmd.warning) log(`WARNING: ${cmd.warning}`);
  }

  const rows: Row[] = [];
  const failures: string[] = [];
  const busyBefore: Record<string, number | null> = {};
  for (const name of names) {
    // Nothing of this run is working now: whatever keeps the CPUs busy is someone else's.
    const busy = await cpuBusyPercent();
    busyBefore[name] = busy;
    if (busy !== null && busy > 10) log(`${name}: the CPUs are ${busy}% busy with other work before it starts`);
    try {
      rows.push(...(await BENCHMARKS[name]!.run(log)));
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(`${name}: ${message}`);
      log(`${name} FAILED: ${message}`);
      rows.push({ benchmark: name, figure: 'failed', value: null, unit: '', goal: '', met: false, note: message.split('\n')[0] });
    }
  }
  await cleanupAll();

  const totalS = (performance.now() - started) / 1000;
  process.stdout.write(`\n${table(rows)}\n\n`);
  if (server) process.stdout.write(`Server under test: ${server}\n`);
  const busiest = Math.max(0, ...Object.values(busyBefore).map((b) => b ?? 0));
  if (busiest > 10) {
    warnings.push(
      `other work kept the CPUs up to ${busiest}% busy just before a benchmark (load average ${loadAtStart.toFixed(2)} at start, ${m.cores} cores): figures are lower and noisier than on a quiet machine`,
    );
  }
  for (const w of warnings) process.stdout.write(`WARNING: ${w}\n`);
  const n = notes(rows);
  if (n) process.stdout.write(`\nNotes:\n${n}\n`);
  process.stdout.write(`\n${summary(rows)}; ${totalS.toFixed(0)} s in all.\n`);

  const dir = join(repoRoot, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${m.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      { command, machine: m, server, warnings, loadAtStart, cpuBusyBefore: busyBefore, rows, failures, totalSeconds: totalS },
      null,
      2,
    ) + '\n',
  );
  process.stdout.write(`Figures saved to ${file}\n`);
  return failures.length > 0 ? 1 : 0;
}

/** "3 of 5 goals met, 1 missed, 1 not measured". */
function summary(rows: Row[]): string {
  const goals = rows.filter((r) => r.goal !== 'reported');
  const met = goals.filter((r) => r.met === true).length;
  const missed = goals.filter((r) => r.met === false).length;
  const unmeasured = goals.length - met - missed;
  return [`${met} of ${goals.length} goals met`, missed ? `${missed} missed` : '', unmeasured ? `${unmeasured} not measured` : '']
    .filter(Boolean)
    .join(', ');
}

/** How busy the machine's CPUs are over the next second (from /proc/stat), as a percentage; null off Linux. */
async function cpuBusyPercent(): Promise<number | null> {
  const sample = () => {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3]! + (f[4] ?? 0);
    return { idle, total: f.reduce((a, b) => a + b, 0) };
  };
  try {
    const a = sample();
    await new Promise((r) => setTimeout(r, 1000));
    const b = sample();
    return Math.round(100 * (1 - (b.idle - a.idle) / (b.total - a.total)));
  } catch {
    return null;
  }
}

let interrupted = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (interrupted) return;
    interrupted = true;
    process.stderr.write(`\n${signal}: cleaning up\n`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

main().then(
  (code) => process.exit(code),
  async (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    await cleanupAll();
    process.exit(1);
  },
);
