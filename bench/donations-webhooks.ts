import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import Stripe from 'stripe';
import { buildCore } from '../src/app.js';
import { loadConfig } from '../src/core/config.js';
import { donorEmailIndex } from '../src/donations/records.js';
import { sealCheckoutDetails } from '../src/donations/giving-form.js';
import { insertCheckout } from '../src/donations/queries.js';
import { envWithoutLanternVars, lanternCommand, repoRoot } from './lib/lantern.js';
import { freshDatabase } from './lib/pg.js';
import { freePort, profileArgs, startNode, tempDir, waitFor200 } from './lib/proc.js';
import type { Row } from './lib/report.js';

// Stripe's webhook (issue 12): N genuine payment events (checkout.session.completed for N gifts that were started on
// /donate), each signed with the webhook secret as Stripe signs it, POSTed to /webhooks/stripe of Lantern started as
// users start it (`node dist/cli.js start`, Stripe keys set, LANTERN_WORKER=off so the receipts wait in the queue),
// 50 at a time over keep-alive connections. Each is verified over its raw body, stored once (unique event id) and
// applied in the same transaction (a donor, a gift, a receipt job). Then the same N events again: a replay must
// change nothing (counts of events, gifts, donors and jobs the same). The checkouts are written into the database
// before the server takes traffic, through the capability's own queries and sealing, not timed.
// The floor: the same number of bare INSERTs of an event-sized row (an id, a type, the JSON) into a scratch table of
// the same database, one statement each (so one commit each, with the same durability), 50 at a time on PostgreSQL.
// BENCH_WEBHOOK_EVENTS changes N to try a change quickly; BENCH_WEBHOOK_DIALECTS=sqlite (or postgres) one dialect.

const N = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 10_000);
const CONCURRENCY = 50;
const SECRET = `whsec_${randomBytes(24).toString('base64')}`;
const LANTERN_SECRET = randomBytes(32).toString('hex');
const DIALECTS = (process.env.BENCH_WEBHOOK_DIALECTS ?? 'sqlite,postgres').split(',') as Array<'sqlite' | 'postgres'>;

type Log = (s: string) => void;
type Db = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

/** Sends every body with its signature, CONCURRENCY at a time; the number answered 200 and the seconds it took. */
async function send(
  url: string,
  events: ReadonlyArray<{ body: string; header: string }>,
): Promise<{ ok: number; seconds: number; statuses: Record<number, number> }> {
  let next = 0;
  let ok = 0;
  const statuses: Record<number, number> = {};
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= events.length) return;
        const e = events[i]!;
        const r = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'stripe-signature': e.header },
          body: e.body,
        });
        await r.arrayBuffer();
        statuses[r.status] = (statuses[r.status] ?? 0) + 1;
        if (r.status === 200) ok++;
      }
    }),
  );
  return { ok, seconds: (performance.now() - t0) / 1000, statuses };
}

/** Counts of the rows a replay must not change. */
async function counts(db: Db): Promise<Record<string, number>> {
  const sql = ['payment_events', 'donations', 'donors', 'jobs']
    .map((t) => `select '${t}' as t, count(*) as n from ${t}`)
    .join(' union all ');
  let rows: Array<{ t: string; n: number | string }>;
  if (db.dialect === 'sqlite') {
    const h = new DatabaseSync(db.file, { readOnly: true });
    rows = h.prepare(sql).all() as typeof rows;
    h.close();
  } else {
    const c = new pg.Client({ connectionString: db.url });
    await c.connect();
    rows = (await c.query(sql)).rows as typeof rows;
    await c.end();
  }
  // Sorted by table, so two readings compare equal whatever order the database returned them in.
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)] as const).sort(([a], [b]) => a.localeCompare(b)));
}

/** The floor: N bare INSERTs of an event-sized row, one statement (one commit) each; inserts per second. */
async function floor(db: Db, bodies: readonly string[]): Promise<number> {
  if (db.dialect === 'sqlite') {
    const h = new DatabaseSync(db.file);
    h.exec('PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000;');
    h.exec('create table if not exists bench_floor (id integer primary key, event_ref text unique, type text, payload text)');
    const ins = h.prepare('insert into bench_floor (event_ref, type, payload) values (?, ?, ?)');
    const t0 = performance.now();
    bodies.forEach((b, i) => ins.run(`evt_floor_${i}`, 'checkout.session.completed', b));
    const s = (performance.now() - t0) / 1000;
    h.close();
    return bodies.length / s;
  }
  const pool = new pg.Pool({ connectionString: db.url, max: 10 });
  await pool.query('create table if not exists bench_floor (id bigserial primary key, event_ref text unique, type text, payload text)');
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        const i = next++;
        if (i >= bodies.length) return;
        await pool.query('insert into bench_floor (event_ref, type, payload) values ($1, $2, $3)', [
          `evt_floor_${i}`,
          'checkout.session.completed',
          bodies[i],
        ]);
      }
    }),
  );
  const s = (performance.now() - t0) / 1000;
  await pool.end();
  return bodies.length / s;
}

async function one(dialect: 'sqlite' | 'postgres', log: Log): Promise<Row[]> {
  const dataDir = tempDir(`webhooks-${dialect}`);
  const dbc = await freshDatabase(dialect, dataDir);
  const db: Db = dbc.dialect === 'sqlite' ? { dialect: 'sqlite', file: dbc.file } : { dialect: 'postgres', url: dbc.url };
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...envWithoutLanternVars(),
    LANTERN_DATA_DIR: dataDir,
    LANTERN_SECRET,
    LANTERN_DEMO: 'false',
    LANTERN_WORKER: 'off',
    LOG_LEVEL: 'warn',
    PORT: String(port),
    HOST: '127.0.0.1',
    STRIPE_SECRET_KEY: 'sk_test_bench_not_called',
    STRIPE_WEBHOOK_SECRET: SECRET,
    // Nothing answers here: applying a webhook makes no call to Stripe.
    STRIPE_API_URL: 'http://127.0.0.1:9',
    ...(db.dialect === 'postgres' ? { DATABASE_URL: db.url } : { DATABASE_URL: `sqlite:${db.file}` }),
  };
  // The checkouts the events complete, written through the capability's own code (migrations run by buildCore).
  const core = await buildCore(loadConfig(env));
  const now = Date.now();
  const ids: number[] = [];
  await core.db.transaction().execute(async (trx) => {
    for (let i = 0; i < N; i++) {
      const email = `donor${i}@bench.example.org`;
      ids.push(
        await insertCheckout(trx, {
          session_ref: `cs_bench_${i}`,
          kind: 'one_off',
          fund_id: null,
          amount_pence: 1000 + (i % 50) * 100,
          day_of_month: null,
          details_enc: sealCheckoutDetails(core.keyring, { name: `Donor ${i}`, email, message: '', optIn: false, giftAid: null }),
          email_index: donorEmailIndex(core.keyring, email),
          state: 'open',
          donor_id: null,
          created_at: now,
          completed_at: null,
        }),
      );
    }
  });
  await core.db.destroy();
  const stripe = new Stripe('sk_test_bench_not_called');
  const events = ids.map((id, i) => {
    const created = Math.floor(Date.now() / 1000);
    const body = JSON.stringify({
      id: `evt_bench_${i}`,
      object: 'event',
      api_version: '2026-11-18.endive',
      created,
      type: 'checkout.session.completed',
      livemode: false,
      data: {
        object: {
          id: `cs_bench_${i}`,
          object: 'checkout.session',
          mode: 'payment',
          status: 'complete',
          payment_status: 'paid',
          customer: null,
          customer_details: { email: `donor${i}@bench.example.org`, name: `Donor ${i}` },
          payment_intent: `pi_bench_${i}`,
          subscription: null,
          invoice: null,
          metadata: { lantern_checkout: String(id) },
          amount_total: 1000 + (i % 50) * 100,
          currency: 'gbp',
          created,
        },
      },
    });
    return { body, header: stripe.webhooks.generateTestHeaderString({ payload: body, secret: SECRET }) };
  });

  const cmd = await lanternCommand();
  const server = startNode({ args: [...profileArgs(), ...cmd.args], env, cwd: repoRoot, logFile: join(dataDir, 'server.log') });
  const label = `donations-webhooks (${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`;
  try {
    await waitFor200(`http://127.0.0.1:${port}/healthz`, { server, intervalMs: 100, timeoutMs: 120_000 });
    const url = `http://127.0.0.1:${port}/webhooks/stripe`;
    // Warm-up: the first 200 events (counted in the totals below, not in the timing).
    const warm = await send(url, events.slice(0, 200));
    const first = await send(url, events.slice(200));
    const applied = await counts(db);
    log(`${label}: ${first.ok + warm.ok} of ${N} answered 200; ${JSON.stringify(applied)}`);
    const replay = await send(url, events);
    const after = await counts(db);
    const unchanged = JSON.stringify(after) === JSON.stringify(applied);
    log(
      `${label}: replay of ${N}: ${replay.ok} answered 200 in ${replay.seconds.toFixed(1)} s; counts ${unchanged ? 'unchanged' : `CHANGED ${JSON.stringify(after)}`}`,
    );
    await server.stop();
    const floorRate = await floor(
      db,
      events.map((e) => e.body),
    );
    const rate = (N - 200) / first.seconds;
    const all = applied.payment_events === N && applied.donations === N && first.ok + warm.ok === N;
    return [
      {
        benchmark: label,
        figure: `events processed/s (verified, stored once, applied), ${N.toLocaleString('en-GB')} events`,
        value: Math.round(rate),
        unit: 'events/s',
        floor: Math.round(floorRate),
        ratio: rate / floorRate,
        goal: 'every event applied once',
        met: all,
        note: `floor: bare INSERTs, one commit each; ${applied.donations} gifts, ${applied.donors} donors, ${applied.jobs} receipt jobs queued`,
      },
      {
        benchmark: label,
        figure: `replay of the same ${N.toLocaleString('en-GB')} events`,
        value: Math.round(N / replay.seconds),
        unit: 'events/s',
        goal: 'changes nothing',
        met: unchanged && replay.ok === N,
        note: `counts after the replay: ${JSON.stringify(after)}`,
      },
    ];
  } finally {
    if (!server.hasExited()) await server.stop();
  }
}

/** The webhook benchmark on each dialect. */
export async function benchDonationsWebhooks(log: Log): Promise<Row[]> {
  const rows: Row[] = [];
  for (const d of DIALECTS) rows.push(...(await one(d, log)));
  return rows;
}
