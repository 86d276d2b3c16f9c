import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { BurstPhase, BurstResult, EventsLoadInput, EventsLoadResult } from './children/events-load.js';
import { envWithoutLanternVars, repoRoot, startNodeFlags } from './lib/lantern.js';
import { adminQuery, freshDatabase } from './lib/pg.js';
import { freePort, httpGet, profileArgs, runChild, startNode, tempDir, waitFor200, type Server } from './lib/proc.js';
import type { Row } from './lib/report.js';
import { list, median } from './lib/stats.js';

// The RSVP surge (issue 11): an email goes out and thousands try for the same 200 places at once. Each round starts
// 5,000 registration attempts at the same moment, each a new person (own name, own email, own address in
// x-forwarded-for behind TRUST_PROXY, a proof of work solved ahead at the trivial difficulty only the benchmark
// server uses), through the real path: POST /events/:slug/register (rate limits, origin check, validation, the
// single-use proof, encryption, the unique address per event, the conditional UPDATE that claims a place or joins
// the waitlist, and the confirmation email with its .ics queued in the same transaction). Lantern runs as the web
// process alone (LANTERN_WORKER=off), from source as `npm start` runs Node, as bench/surge.ts runs it. On SQLite:
// one server. On PostgreSQL: TWO server processes on the same database, every other attempt to each. After the
// run, the database must show, for every event: exactly 200 places taken (the counter and 200 'confirmed' rows),
// everyone else waitlisted, and in arrival order (ordered as the server took them, every confirmed row comes
// before every waitlisted one: nobody overtook the queue), none oversold, one registration per attempt.
// The floor is a bare Fastify route at the same address inserting one row per attempt through the same driver with
// the same durability (two processes on PostgreSQL too), hit by the same bursts, alternating with Lantern's rounds.
// The rounds carry the attempts over 500 keep-alive connections, as the reverse proxy in front of Lantern (the one
// TRUST_PROXY trusts) would: every attempt is started at once and at most 500 are at the server at a time. One more
// burst per dialect, at its own event, opens a new connection for every attempt, all 5,000 at once: that checks the
// places under the most concurrency, and shows what a surge straight at the server costs (Node listens with a queue
// of 511 connections, so the rest wait for TCP to retry, and those pauses, not Lantern's work, set the pace).
// To try a change quickly: BENCH_EVENTS_DIALECTS=sqlite (or postgres), BENCH_EVENTS_ROUNDS, BENCH_EVENTS_ATTEMPTS,
// BENCH_EVENTS_WARMUP, BENCH_EVENTS_CONNECTIONS and BENCH_EVENTS_OWN_CONNECTIONS=0 change the run; the figures in
// docs/benchmarks.md use the defaults.

const ATTEMPTS = Number(process.env.BENCH_EVENTS_ATTEMPTS ?? 5000);
const CAPACITY = 200;
const ROUNDS = Number(process.env.BENCH_EVENTS_ROUNDS ?? 3);
const WARMUP = Number(process.env.BENCH_EVENTS_WARMUP ?? 1000);
const CONNECTIONS = Number(process.env.BENCH_EVENTS_CONNECTIONS ?? 500);
/** The extra burst with every attempt on its own connection (BENCH_EVENTS_OWN_CONNECTIONS=0 leaves it out). */
const OWN_CONNECTIONS = process.env.BENCH_EVENTS_OWN_CONNECTIONS !== '0';
const DIFFICULTY = { cost: 1, counterMin: 1, counterMax: 3 };
const loadScript = join(repoRoot, 'bench/children/events-load.ts');

type Database = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; url: string };

/** Runs read-only queries on the database the servers used ($1… placeholders; on SQLite they become ?). */
async function withQueries<T>(
  db: Database,
  fn: (q: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>) => Promise<T>,
): Promise<T> {
  if (db.dialect === 'sqlite') {
    const h = new DatabaseSync(db.file, { readOnly: true });
    try {
      return await fn(
        async (sql, params = []) =>
          h.prepare(sql.replace(/\$\d+/g, '?')).all(...(params as Array<string | number>)) as Array<Record<string, unknown>>,
      );
    } finally {
      h.close();
    }
  }
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  try {
    return await fn(async (sql, params = []) => (await client.query(sql, params)).rows as Array<Record<string, unknown>>);
  } finally {
    await client.end();
  }
}

/** What one event holds after its burst. */
interface EventCheck {
  slug: string;
  attempts: number;
  placesTaken: number;
  placesWaiting: number;
  confirmed: number;
  confirmedPlaces: number;
  waitlisted: number;
  waitlistedPlaces: number;
  other: number;
  registrations: number;
  /** Place rows in the order the server took them: every confirmed one before every waitlisted one. */
  queueKept: boolean;
  /** Registrations whose place row is out of their registration's order (0 wherever the server took them one by one). */
  reordered: number;
  problems: string[];
}

/** Reads an event's date, places and registrations, and says what breaks the rules of a surge. */
async function checkEvent(
  q: (sql: string, params?: unknown[]) => Promise<Array<Record<string, unknown>>>,
  slug: string,
  attempts: number,
): Promise<EventCheck> {
  const occ = await q(
    'select o.id, o.capacity, o.places_taken, o.places_waiting from event_occurrences o join events e on e.id = o.event_id where e.slug = $1',
    [slug],
  );
  if (occ.length !== 1) throw new Error(`event ${slug} has ${occ.length} dates, not 1`);
  const o = occ[0]!;
  const places = await q('select state, places, registration_id from event_places where occurrence_id = $1 order by id', [o.id]);
  const regs = await q('select count(*) as n from event_registrations where event_id = (select id from events where slug = $1)', [slug]);
  const count = (state: string) => places.filter((p) => p.state === state);
  const sum = (rows: Array<Record<string, unknown>>) => rows.reduce((s, p) => s + Number(p.places), 0);
  const lastConfirmed = places.map((p) => p.state).lastIndexOf('confirmed');
  const firstWaiting = places.findIndex((p) => p.state === 'waitlisted');
  const regOrder = places.map((p) => Number(p.registration_id));
  let reordered = 0;
  for (let i = 1; i < regOrder.length; i++) if (regOrder[i]! < regOrder[i - 1]!) reordered += 1;
  const c: EventCheck = {
    slug,
    attempts,
    placesTaken: Number(o.places_taken),
    placesWaiting: Number(o.places_waiting),
    confirmed: count('confirmed').length,
    confirmedPlaces: sum(count('confirmed')),
    waitlisted: count('waitlisted').length,
    waitlistedPlaces: sum(count('waitlisted')),
    other: places.length - count('confirmed').length - count('waitlisted').length,
    registrations: Number(regs[0]!.n),
    queueKept: firstWaiting === -1 || lastConfirmed < firstWaiting,
    reordered,
    problems: [],
  };
  const expectConfirmed = Math.min(CAPACITY, attempts);
  if (Number(o.capacity) !== CAPACITY) c.problems.push(`capacity ${String(o.capacity)}, not ${CAPACITY}`);
  if (c.placesTaken !== expectConfirmed) c.problems.push(`${c.placesTaken} places taken, not ${expectConfirmed}`);
  if (c.placesTaken > CAPACITY) c.problems.push(`OVERSOLD: ${c.placesTaken} places taken of ${CAPACITY}`);
  if (c.confirmed !== expectConfirmed || c.confirmedPlaces !== c.placesTaken)
    c.problems.push(`${c.confirmed} confirmed rows holding ${c.confirmedPlaces} places, against ${c.placesTaken} counted`);
  if (c.waitlisted !== attempts - expectConfirmed || c.waitlistedPlaces !== c.placesWaiting)
    c.problems.push(
      `${c.waitlisted} waitlisted rows wanting ${c.waitlistedPlaces} places, against ${c.placesWaiting} counted (${attempts - expectConfirmed} expected)`,
    );
  if (c.other !== 0) c.problems.push(`${c.other} place rows neither confirmed nor waitlisted`);
  if (c.registrations !== attempts || places.length !== attempts)
    c.problems.push(`${c.registrations} registrations and ${places.length} place rows for ${attempts} attempts`);
  if (new Set(regOrder).size !== regOrder.length) c.problems.push('a registration holds two place rows');
  if (!c.queueKept)
    c.problems.push(
      `the queue was overtaken: a confirmed place (row ${lastConfirmed + 1}) after a waitlisted one (row ${firstWaiting + 1})`,
    );
  return c;
}

/** Lantern on a database: one process, or two on the same PostgreSQL database (started one after the other). */
async function startLanterns(o: {
  database: Database;
  dir: string;
  secret: string;
  slugs: string[];
  processes: number;
}): Promise<Array<{ server: Server; base: string }>> {
  const out: Array<{ server: Server; base: string }> = [];
  for (let i = 0; i < o.processes; i++) {
    const port = await freePort();
    const env = envWithoutLanternVars();
    Object.assign(env, {
      // Each process its own data dir (uploads, logs); the database is the one given.
      LANTERN_DATA_DIR: join(o.dir, `data-${o.database.dialect}-${i + 1}`),
      LANTERN_SECRET: o.secret,
      LANTERN_WORKER: 'off',
      LANTERN_DEMO: 'false',
      BENCH_EVENTS_SLUGS: o.slugs.join(','),
      BENCH_EVENTS_CAPACITY: String(CAPACITY),
      PORT: String(port),
      HOST: '127.0.0.1',
      // Each attempt comes from its own address in x-forwarded-for, as many people behind a reverse proxy would.
      TRUST_PROXY: 'true',
      BENCH_POW_DIFFICULTY: JSON.stringify(DIFFICULTY),
      DATABASE_URL: o.database.dialect === 'postgres' ? o.database.url : `sqlite:${o.database.file}`,
    });
    const server = startNode({
      args: [...startNodeFlags(), ...profileArgs(), '--import', 'tsx', join(repoRoot, 'bench/servers/events-lantern.ts')],
      env,
      cwd: repoRoot,
      logFile: join(o.dir, `lantern-${o.database.dialect}-${i + 1}.log`),
    });
    const base = `http://127.0.0.1:${port}`;
    out.push({ server, base });
    await waitFor200(`${base}/healthz`, { server, intervalMs: 20, timeoutMs: 90_000 });
  }
  return out;
}

/** The floor: one bare process, or two on the same PostgreSQL database. */
async function startFloors(database: Database, dir: string, processes: number): Promise<Array<{ server: Server; base: string }>> {
  const out: Array<{ server: Server; base: string }> = [];
  for (let i = 0; i < processes; i++) {
    const port = await freePort();
    const server = startNode({
      args: [join(repoRoot, 'bench/servers/events-floor.ts')],
      env: {
        ...process.env,
        PORT: String(port),
        ...(database.dialect === 'sqlite' ? { DB_FILE: database.file } : { PG_URL: database.url }),
      },
      cwd: repoRoot,
      logFile: join(dir, `floor-${database.dialect}-${i + 1}.log`),
    });
    const base = `http://127.0.0.1:${port}`;
    out.push({ server, base });
    await waitFor200(`${base}/`, { server, intervalMs: 20, timeoutMs: 30_000 });
  }
  return out;
}

interface Measured {
  dialect: Database['dialect'];
  processes: number;
  rounds: { lantern: BurstResult[]; floor: BurstResult[] };
  ratios: number[];
  /** The burst with every attempt on its own connection, and the floor's. */
  ownConnections: { lantern: BurstResult; floor: BurstResult } | undefined;
  checks: EventCheck[];
  totals: { emails: number; proofs: number; floorRows: number; lanternAttempts: number; floorAttempts: number };
  perProcess: number[];
  prepareS: number;
}

/** Runs the warm-ups and the alternating rounds on one dialect, then checks every event and every acknowledged row. */
async function measure(dialect: Database['dialect'], log: (s: string) => void): Promise<Measured> {
  const dir = tempDir(`events-${dialect}`);
  const processes = dialect === 'postgres' ? 2 : 1;
  const secret = randomBytes(32).toString('hex');
  const database = (dialect === 'sqlite' ? { dialect, file: join(dir, 'lantern.db') } : await freshDatabase('postgres', dir)) as Database;
  const floorDb = (dialect === 'sqlite' ? { dialect, file: join(dir, 'floor.db') } : await freshDatabase('postgres', dir)) as Database;
  const slugs = ['rsvp-warm-up', ...Array.from({ length: ROUNDS }, (_, i) => `rsvp-surge-${i + 1}`), 'rsvp-surge-own-connections'];
  const floors = await startFloors(floorDb, dir, processes);
  const lanterns = await startLanterns({ database, dir, secret, slugs, processes });
  try {
    for (const l of lanterns) {
      const page = await httpGet(`${l.base}/events/${slugs[1]}`, 10_000);
      if (page.status !== 200 || !page.body.includes(`action="/events/${slugs[1]}/register"`))
        throw new Error(`GET /events/${slugs[1]} answered ${page.status} without the registration form`);
    }
    const targets = (servers: Array<{ server: Server; base: string }>, slug: string) =>
      servers.map((s) => ({ url: `${s.base}/events/${slug}/register`, serverPid: s.server.pid }));
    const phases: BurstPhase[] = [
      { label: 'floor warm-up', targets: targets(floors, 'floor'), amount: WARMUP, connections: CONNECTIONS, measured: false },
      { label: 'Lantern warm-up', targets: targets(lanterns, slugs[0]!), amount: WARMUP, connections: CONNECTIONS, measured: false },
    ];
    for (let r = 1; r <= ROUNDS; r++) {
      phases.push(
        { label: `floor round ${r}`, targets: targets(floors, 'floor'), amount: ATTEMPTS, connections: CONNECTIONS, measured: true },
        { label: `Lantern round ${r}`, targets: targets(lanterns, slugs[r]!), amount: ATTEMPTS, connections: CONNECTIONS, measured: true },
      );
    }
    if (OWN_CONNECTIONS) {
      phases.push(
        { label: 'floor, own connections', targets: targets(floors, 'floor'), amount: ATTEMPTS, connections: 0, measured: true },
        {
          label: 'Lantern, own connections',
          targets: targets(lanterns, slugs[ROUNDS + 1]!),
          amount: ATTEMPTS,
          connections: 0,
          measured: true,
        },
      );
    }
    const pool = phases.reduce((s, p) => s + p.amount, 0);
    log(
      `events (${dialect}, ${processes} Lantern process${processes > 1 ? 'es' : ''}): a warm-up burst of ${WARMUP} each, ${ROUNDS} alternating rounds (floor, Lantern) of ${ATTEMPTS} attempts started at once over ${CONNECTIONS} connections at a ${CAPACITY}-place event${OWN_CONNECTIONS ? `, then one burst of ${ATTEMPTS} each on its own connection` : ''} (${pool} proofs of work solved before the bursts)`,
    );
    const input: EventsLoadInput = { secret, difficulty: DIFFICULTY, pool, phases };
    const result = await runChild<EventsLoadInput, EventsLoadResult>(loadScript, input, 1_200_000);
    for (const b of result.bursts)
      log(`events (${dialect}): ${b.label}: ${Math.round(b.perSecond)}/s, p99 ${Math.round(b.p99Ms)} ms, ${JSON.stringify(b.statusCodes)}`);
    const bad = result.bursts.filter((b) => Object.values(b.statusCodes).some((codes) => Object.keys(codes).some((c) => c !== '303')));
    if (bad.length)
      throw new Error(
        `answers other than 303: ${JSON.stringify(bad.map((b) => ({ label: b.label, statusCodes: b.statusCodes, errors: b.errors })))}`,
      );

    for (const l of lanterns) await l.server.stop();
    for (const f of floors) await f.server.stop();
    const attempts = WARMUP + (ROUNDS + (OWN_CONNECTIONS ? 1 : 0)) * ATTEMPTS;
    const lanternAttempts = attempts;
    const checks = await withQueries(database, async (q) => {
      const out = [await checkEvent(q, slugs[0]!, WARMUP)];
      for (let r = 1; r <= ROUNDS; r++) out.push(await checkEvent(q, slugs[r]!, ATTEMPTS));
      if (OWN_CONNECTIONS) out.push(await checkEvent(q, slugs[ROUNDS + 1]!, ATTEMPTS));
      return out;
    });
    const totals = await withQueries(database, async (q) => ({
      emails: Number((await q("select count(*) as n from jobs where name = 'sendRegistrationStanding'"))[0]!.n),
      proofs: Number((await q("select count(*) as n from tokens where purpose = 'proof_of_work'"))[0]!.n),
    }));
    const floorRows = await withQueries(floorDb, async (q) => Number((await q('select count(*) as n from registrations'))[0]!.n));
    // Every acknowledged attempt was stored whole: its registration (checked per event), its spent proof, and the job
    // that writes its email (queued in the same transaction).
    if (totals.emails !== lanternAttempts || totals.proofs !== lanternAttempts)
      throw new Error(`${totals.emails} emails queued and ${totals.proofs} proofs spent for ${lanternAttempts} acknowledged registrations`);
    if (floorRows !== attempts) throw new Error(`the floor stored ${floorRows} rows for ${attempts} acknowledged inserts`);
    const measured = result.bursts.filter((b) => b.measured && b.connections === CONNECTIONS);
    const rounds = {
      lantern: measured.filter((b) => b.label.startsWith('Lantern')),
      floor: measured.filter((b) => b.label.startsWith('floor')),
    };
    const own = result.bursts.filter((b) => b.measured && b.connections === 0);
    const ownConnections = own.length === 2 ? { floor: own[0]!, lantern: own[1]! } : undefined;
    const perProcess = lanterns.map((l) =>
      rounds.lantern.reduce(
        (s, b) => s + Object.entries(b.statusCodes).reduce((n, [url, codes]) => n + (url.startsWith(l.base) ? (codes['303'] ?? 0) : 0), 0),
        0,
      ),
    );
    return {
      dialect,
      processes,
      rounds,
      ratios: rounds.lantern.map((b, i) => b.perSecond / rounds.floor[i]!.perSecond),
      checks,
      ownConnections,
      totals: { ...totals, floorRows, lanternAttempts, floorAttempts: attempts },
      perProcess,
      prepareS: result.prepareS,
    };
  } finally {
    for (const l of lanterns) await l.server.stop();
    for (const f of floors) await f.server.stop();
  }
}

/** The rows of one dialect's run: registrations per second against the floor, p99, and whether the places held. */
function rowsOf(m: Measured): Row[] {
  const where = m.dialect === 'sqlite' ? 'SQLite, 1 process' : 'PostgreSQL, 2 processes';
  const name = 'events';
  const lantern = median(m.rounds.lantern.map((b) => b.perSecond));
  const floor = median(m.rounds.floor.map((b) => b.perSecond));
  const surges = m.checks.slice(1);
  const held = m.checks.every((c) => c.problems.length === 0);
  const durability =
    m.dialect === 'sqlite'
      ? 'SQLite (WAL, synchronous=FULL) on both'
      : "PostgreSQL on 127.0.0.1 with the server's synchronous_commit on both; a pool of 10 in each process; attempts alternate between the two processes";
  const connections =
    CONNECTIONS > 0
      ? `carried over ${CONNECTIONS} keep-alive connections, as a reverse proxy would`
      : 'each on its own connection, all opened at once';
  const own = m.ownConnections;
  return [
    {
      benchmark: name,
      figure: `RSVP surge registrations, ${where}`,
      value: lantern,
      unit: 'reg/s',
      floor,
      ratio: median(m.ratios),
      goal: 'reported',
      met: null,
      note:
        `${ATTEMPTS.toLocaleString('en-GB')} attempts started at once (${connections}) at a ${CAPACITY}-place event, each a new person from a new address with a proof of work solved ahead; ` +
        `time from the first attempt sent to the last answer read; median of ${ROUNDS} rounds alternating with the floor after a warm-up burst of ${WARMUP}; ` +
        `Lantern rounds ${list(m.rounds.lantern.map((b) => b.perSecond))}/s, floor ${list(m.rounds.floor.map((b) => b.perSecond))}/s (ratios ${list(m.ratios, 2)}); ` +
        `p50 ${list(m.rounds.lantern.map((b) => b.p50Ms))} ms (floor ${list(m.rounds.floor.map((b) => b.p50Ms))} ms); ` +
        `server CPU per attempt ${Math.round(median(m.rounds.lantern.map((b) => b.serverCpuUsPerAttempt)))} µs, floor ${Math.round(median(m.rounds.floor.map((b) => b.serverCpuUsPerAttempt)))} µs; ` +
        `${durability}; web process only (LANTERN_WORKER=off: the ${m.totals.emails.toLocaleString('en-GB')} confirmation emails with .ics wait in the queue)` +
        (m.processes > 1 ? `; registrations taken per process ${m.perProcess.join(' / ')}` : ''),
    },
    {
      benchmark: name,
      figure: `RSVP surge p99, ${where}`,
      value: median(m.rounds.lantern.map((b) => b.p99Ms)),
      unit: 'ms',
      floor: median(m.rounds.floor.map((b) => b.p99Ms)),
      ratio: null,
      goal: 'reported',
      met: null,
      note: `median of the rounds' p99 (rounds ${list(m.rounds.lantern.map((b) => b.p99Ms))} ms; worst max ${Math.round(Math.max(...m.rounds.lantern.map((b) => b.maxMs)))} ms)`,
    },
    ...(own
      ? [
          {
            benchmark: name,
            figure: `RSVP surge, each attempt on its own connection, ${where}`,
            value: own.lantern.perSecond,
            unit: 'reg/s',
            floor: own.floor.perSecond,
            ratio: own.lantern.perSecond / own.floor.perSecond,
            goal: 'reported',
            met: null,
            note:
              `one burst of ${ATTEMPTS.toLocaleString('en-GB')} attempts, all ${ATTEMPTS.toLocaleString('en-GB')} connections opened at once, at its own ${CAPACITY}-place event; ` +
              `p50 ${Math.round(own.lantern.p50Ms)} ms, p99 ${Math.round(own.lantern.p99Ms)} ms (floor ${Math.round(own.floor.p50Ms)} / ${Math.round(own.floor.p99Ms)} ms); ` +
              `server CPU per attempt ${Math.round(own.lantern.serverCpuUsPerAttempt)} µs (floor ${Math.round(own.floor.serverCpuUsPerAttempt)} µs): ` +
              `past Node's listen queue of 511, connections wait for TCP to retry (1 s, 2 s, 4 s …), so the wall clock runs well past the CPU time`,
          },
        ]
      : []),
    {
      benchmark: name,
      figure: `places taken at each ${CAPACITY}-place event, ${where}`,
      value: median(surges.map((c) => c.placesTaken)),
      unit: 'places',
      goal: `= ${CAPACITY}, rest waitlisted in order, none oversold`,
      met: held,
      note: m.checks
        .map(
          (c) =>
            `${c.slug}: ${c.placesTaken} taken (${c.confirmed} confirmed rows), ${c.waitlisted} waitlisted (${c.placesWaiting} counted), ${c.registrations} registrations for ${c.attempts} attempts, ` +
            `queue ${c.queueKept ? 'kept' : 'OVERTAKEN'}, ${c.reordered} place rows out of registration order${c.problems.length ? `; PROBLEMS: ${c.problems.join('; ')}` : ''}`,
        )
        .join(' · '),
    },
  ];
}

/** The RSVP surge on SQLite (one process) and PostgreSQL (two processes on one database). */
export async function benchEvents(log: (s: string) => void): Promise<Row[]> {
  const rows: Row[] = [];
  const only = process.env.BENCH_EVENTS_DIALECTS;
  if (only !== 'postgres') {
    const m = await measure('sqlite', log);
    log(
      `events (SQLite): ${Math.round(median(m.rounds.lantern.map((b) => b.perSecond)))} registrations/s, floor ${Math.round(median(m.rounds.floor.map((b) => b.perSecond)))} inserts/s`,
    );
    rows.push(...rowsOf(m));
  }
  if (only === 'sqlite') return rows;
  try {
    await adminQuery('select 1');
  } catch (err) {
    const why = `PostgreSQL unreachable (${err instanceof Error ? err.message : String(err)})`;
    log(`events (PostgreSQL): ${why}`);
    rows.push({
      benchmark: 'events',
      figure: 'RSVP surge registrations, PostgreSQL, 2 processes',
      value: null,
      unit: 'reg/s',
      goal: 'reported',
      met: null,
      note: why,
    });
    return rows;
  }
  const m = await measure('postgres', log);
  log(
    `events (PostgreSQL): ${Math.round(median(m.rounds.lantern.map((b) => b.perSecond)))} registrations/s, floor ${Math.round(median(m.rounds.floor.map((b) => b.perSecond)))} inserts/s`,
  );
  rows.push(...rowsOf(m));
  return rows;
}
