import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatabaseConfig } from '../src/core/config.js';
import { openDatabase, type Db, type Dialect } from '../src/core/db/index.js';
import { BENCH_SECRET } from './children/newsletter-common.js';
import type { FloorInput, FloorResult } from './children/newsletter-floor.js';
import type { PrepareInput, PrepareResult } from './children/newsletter-prepare.js';
import { onCleanup } from './lib/cleanup.js';
import { adminQuery, freshDatabase, PG_ADMIN_URL } from './lib/pg.js';
import { LANTERN_VARS, lanternCommand, repoRoot, startNodeFlags } from './lib/lantern.js';
import { logTail, profileArgs, runChild, sleep, startNode, tempDir } from './lib/proc.js';
import { fmt, type Row } from './lib/report.js';
import { list } from './lib/stats.js';

// A newsletter to RECIPIENTS supporters, sent into an SMTP sink on loopback (smtp-server in its own process,
// throwing the bytes away). Three figures: how long preparing the deliveries takes (the INSERT … SELECT behind
// "Send now"), messages per second of the real sending process (the Worker's bulk lane: eligibility re-check,
// personalisation, List-Unsubscribe headers, the bulk SMTP pool, a committed outcome per message) against the
// floor of raw nodemailer with the same pool settings into the same sink in the same run (once before and once
// after, so a slow moment on a shared machine falls on both), and the sending process's peak resident memory.

const RECIPIENTS = Number(process.env.BENCH_NEWSLETTER_RECIPIENTS ?? 100_000);
const FLOOR_MESSAGES = Math.min(RECIPIENTS, 50_000);
const FLOOR_OUTSTANDING = Number(process.env.BENCH_FLOOR_OUTSTANDING ?? 10);
const GOAL = { prepareS: 10, ratio: 0.8, rssMb: 300 };
const child = (name: string) => join(repoRoot, `bench/children/${name}.ts`);

/** Starts the sink process; returns its SMTP URL and a way to ask how many messages it has accepted. */
async function startSink(): Promise<{ url: string; count(): Promise<number> }> {
  const proc = fork(child('newsletter-sink'), [], {
    execArgv: ['--import', 'tsx', ...profileArgs()],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  onCleanup('stop the SMTP sink', async () => {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await gone;
  });
  const port = await new Promise<number>((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve(m.port));
    proc.once('exit', (code) => reject(new Error(`the SMTP sink exited (${code}) before listening`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    count: () =>
      new Promise((resolve) => {
        proc.once('message', (m: { count: number }) => resolve(m.count));
        proc.send({ count: true });
      }),
  };
}

/** CPU seconds a process has used, from /proc/<pid>/stat (clock ticks of 10 ms). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A process's peak resident memory so far (VmHWM), in MB of 10^6 bytes as the other benchmarks report memory. */
function peakRssMb(pid: number): number {
  const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmHWM for process ${pid}`);
  return (Number(m[1]) * 1024) / 1e6;
}

interface SendResult {
  command: string;
  sent: number;
  /** From starting the process to the newsletter marked sent. */
  elapsedMs: number;
  /** From the first delivery recorded to the last. */
  steadyPerSec: number;
  peakRssMb: number;
  cpuUsPerMessage: number;
}

/**
 * Sends the prepared newsletter with the real `lantern worker` process (the built dist/cli.js when it builds,
 * otherwise the same command from source), into the sink; watches the database until the newsletter is sent.
 */
async function sendWithLanternWorker(o: {
  database: DatabaseConfig;
  dataDir: string;
  smtpUrl: string;
  newsletterId: number;
  timeoutMs: number;
}): Promise<SendResult> {
  const cmd = await lanternCommand();
  const built = cmd.args.includes('dist/cli.js');
  // As `npm run worker` runs it, with that script's V8 flags.
  const args = built ? [...startNodeFlags('worker'), 'dist/cli.js', 'worker'] : ['--import', 'tsx', 'src/cli.ts', 'worker'];
  const env: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !LANTERN_VARS.test(k)));
  Object.assign(env, {
    DATABASE_URL: o.database.dialect === 'sqlite' ? `sqlite:${o.database.file}` : o.database.url,
    LANTERN_DATA_DIR: o.dataDir,
    LANTERN_SECRET: BENCH_SECRET,
    BASE_URL: 'https://freedomthread.example.org',
    MAIL_FROM: 'Freedom Thread <news@freedomthread.example.org>',
    SMTP_URL: o.smtpUrl,
    LOG_LEVEL: 'warn',
    LANTERN_DEMO: 'false',
  });
  const db: Db = openDatabase(o.database, { poolSize: 2 });
  const t0 = performance.now();
  const worker = startNode({ args: [...profileArgs(), ...args], env, cwd: repoRoot, logFile: join(o.dataDir, 'worker.log') });
  try {
    for (;;) {
      if (worker.hasExited()) throw new Error(`lantern worker exited before the newsletter was sent:\n${logTail(worker.logFile)}`);
      const row = await db.selectFrom('newsletters').select('status').where('id', '=', o.newsletterId).executeTakeFirstOrThrow();
      if (row.status === 'sent') break;
      if (performance.now() - t0 > o.timeoutMs)
        throw new Error(`the newsletter was still ${row.status} after ${o.timeoutMs} ms:\n${logTail(worker.logFile)}`);
      await sleep(25);
    }
    const elapsedMs = performance.now() - t0;
    const rss = peakRssMb(worker.pid);
    const cpu = cpuSeconds(worker.pid);
    const r = await db
      .selectFrom('newsletter_deliveries')
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('updated_at').as('first'), eb.fn.max('updated_at').as('last')])
      .where('newsletter_id', '=', o.newsletterId)
      .where('status', '=', 'sent')
      .executeTakeFirstOrThrow();
    const sent = Number(r.n);
    return {
      command: `node ${args.join(' ')}${built ? '' : ' (npm run build failed; from source)'}`,
      sent,
      elapsedMs,
      steadyPerSec: (sent - 1) / (Math.max(1, Number(r.last) - Number(r.first)) / 1000),
      peakRssMb: rss,
      cpuUsPerMessage: (cpu * 1e6) / sent,
    };
  } finally {
    await worker.stop();
    await db.destroy();
  }
}

/** The newsletter benchmark on one dialect. */
export async function benchNewsletter(dialect: Dialect, log: (s: string) => void): Promise<Row[]> {
  const benchmark = `newsletter (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`;
  const goals = { prepare: `≤ ${GOAL.prepareS} s`, rate: `≥ ${GOAL.ratio}× floor`, rss: `≤ ${GOAL.rssMb} MB` };
  if (dialect === 'postgres') {
    try {
      await adminQuery('select 1');
    } catch (err) {
      const why = `PostgreSQL at ${PG_ADMIN_URL} is unreachable (${err instanceof Error ? err.message : String(err)})`;
      log(`${benchmark}: ${why}: not measured`);
      return [
        { benchmark, figure: 'prepare deliveries', value: null, unit: 's', goal: goals.prepare, met: null, note: why },
        { benchmark, figure: 'send rate', value: null, unit: 'msg/s', floor: null, ratio: null, goal: goals.rate, met: null, note: why },
        { benchmark, figure: 'sender peak RSS', value: null, unit: 'MB', goal: goals.rss, met: null, note: why },
      ];
    }
  }
  const dataDir = tempDir(`newsletter-${dialect}`);
  const database = await freshDatabase(dialect, dataDir);
  const sink = await startSink();

  log(`${benchmark}: seeding ${RECIPIENTS.toLocaleString('en-GB')} supporters, then preparing the send`);
  const prep = await runChild<PrepareInput, PrepareResult>(
    child('newsletter-prepare'),
    { database, dataDir, recipients: RECIPIENTS },
    600_000,
  );
  if (prep.recipients !== RECIPIENTS) throw new Error(`prepared ${prep.recipients} deliveries for ${RECIPIENTS} supporters`);
  log(
    `${benchmark}: seeded in ${fmt(prep.seedMs / 1000)} s; prepared ${prep.recipients.toLocaleString('en-GB')} deliveries in ${fmt(prep.prepareMs / 1000)} s`,
  );

  const floor: FloorResult[] = [];
  const runFloor = async () => {
    const r = await runChild<FloorInput, FloorResult>(
      child('newsletter-floor'),
      { smtpUrl: sink.url, messages: FLOOR_MESSAGES, outstanding: FLOOR_OUTSTANDING },
      600_000,
    );
    floor.push(r);
    log(`${benchmark}: floor (raw nodemailer) ${fmt(r.perSec)} msg/s over ${r.sent.toLocaleString('en-GB')} messages`);
  };
  await runFloor();
  log(`${benchmark}: sending the newsletter with a bulk-lane worker`);
  const send = await sendWithLanternWorker({ database, dataDir, smtpUrl: sink.url, newsletterId: prep.newsletterId, timeoutMs: 900_000 });
  log(
    `${benchmark}: Lantern ${fmt(send.steadyPerSec)} msg/s (${fmt(send.elapsedMs / 1000)} s from process start), peak RSS ${fmt(send.peakRssMb)} MB, ${send.command}`,
  );
  await runFloor();

  const accepted = await sink.count();
  const expected = RECIPIENTS + floor.reduce((a, f) => a + f.sent, 0);
  if (send.sent !== RECIPIENTS || accepted !== expected) {
    throw new Error(`the sink accepted ${accepted} messages, expected ${expected}; Lantern recorded ${send.sent} of ${RECIPIENTS} sent`);
  }
  const floorRate = floor.reduce((a, f) => a + f.perSec, 0) / floor.length;
  const ratio = send.steadyPerSec / floorRate;
  return [
    {
      benchmark,
      figure: 'prepare deliveries',
      value: prep.prepareMs / 1000,
      unit: 's',
      goal: goals.prepare,
      met: prep.prepareMs / 1000 <= GOAL.prepareS,
      note: `startSending for ${RECIPIENTS.toLocaleString('en-GB')} eligible supporters: the audience's ids read from supporters and the deliveries written in one statement, the newsletter's state and its first job in one transaction (seeding the supporters beforehand took ${fmt(prep.seedMs / 1000)} s, not counted)`,
    },
    {
      benchmark,
      figure: 'send rate',
      value: send.steadyPerSec,
      unit: 'msg/s',
      floor: floorRate,
      ratio,
      goal: goals.rate,
      met: ratio >= GOAL.ratio,
      note:
        `${RECIPIENTS.toLocaleString('en-GB')} messages by \`${send.command}\`, from the first delivery recorded to the last (${fmt(send.elapsedMs / 1000)} s from starting the process to the newsletter marked sent, start-up and first poll included); ` +
        `floor = mean of raw nodemailer runs before and after (${list(floor.map((f) => f.perSec))} msg/s, ${FLOOR_MESSAGES.toLocaleString('en-GB')} messages each, ${FLOOR_OUTSTANDING} outstanding, pool of 5 connections × 100 messages, as Lantern's bulk pool); ` +
        `CPU per message: Lantern ${Math.round(send.cpuUsPerMessage)} µs, floor ${Math.round(floor.reduce((a, f) => a + f.cpuUsPerMessage, 0) / floor.length)} µs; the sink accepted every message`,
    },
    {
      benchmark,
      figure: 'sender peak RSS',
      value: send.peakRssMb,
      unit: 'MB',
      goal: goals.rss,
      met: send.peakRssMb <= GOAL.rssMb,
      note: `VmHWM (peak resident set) of the \`lantern worker\` process, read from /proc/<pid>/status when the newsletter was sent; the floor process (raw nodemailer under tsx) peaked at ${fmt(Math.max(...floor.map((f) => f.peakRssMb)))} MB`,
    },
  ];
}
