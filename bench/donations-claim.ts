import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import type { Insertable } from 'kysely';
import { hashToken, newToken } from '../src/core/crypto.js';
import { loadConfig } from '../src/core/config.js';
import { utcToZonedLocal } from '../src/core/time.js';
import type { Core } from '../src/core/context.js';
import type { DonationsTable, GiftAidDeclarationsTable } from '../src/donations/tables.js';
import { serveChild } from './lib/child.js';
import { fork } from 'node:child_process';
import { startNodeFlags } from './lib/lantern.js';
import { profileArgs, runChild, tempDir } from './lib/proc.js';
import type { Row } from './lib/report.js';

// A Gift Aid claim of 100,000 gifts (issue 12) on SQLite: seeded (not timed) with 25,000 donors, a declaration
// each (names and addresses encrypted, as the donate form stores them) and four eligible gifts each, in batched
// inserts, by one process. Timed, in a fresh process: createClaim (select the eligible unclaimed gifts in batches,
// take them with the conditional UPDATE, build and check every row) then writeClaimSchedule (read the claim's gifts
// and declarations again in batches, decrypt the five fields a row needs, write 100 .ods parts of 1,000 rows and
// zip them): the very functions the claim page's buttons call. That process reports its wall time and its peak
// resident memory (process.resourceUsage().maxRSS). Floor, in a third process: the same 100,000 gifts joined to
// their declarations read with node:sqlite and written as a bare CSV (no rules, no decryption, no spreadsheet).
// Goals: at most 10 s and 300 MB. BENCH_CLAIM_GIFTS changes the size to try a change quickly.

const GIFTS = Number(process.env.BENCH_CLAIM_GIFTS ?? 100_000);
const GIFTS_PER_DONOR = 4;
const TIME_GOAL_S = 10;
const RSS_GOAL_MB = 300;
const DAY = 86_400_000;
const SECRET = 'bench-secret-0123456789abcdef0123456789abcdef';
const self = fileURLToPath(import.meta.url);

type Input = { step: 'seed' | 'claim' | 'floor'; file: string; dataDir: string; gifts: number };
/** What a step reports: wall time, CPU time (user + system, which a busy machine does not inflate), peak RSS. */
type Output = { ms: number; cpuMs: number; rssMb: number; rows: number; parts: number; bytes: number };

const cpuMsSince = (start: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(start);
  return (u.user + u.system) / 1000;
};

const configOf = (input: Input) =>
  loadConfig({
    DATABASE_URL: `sqlite:${input.file}`,
    LANTERN_DATA_DIR: input.dataDir,
    LANTERN_SECRET: SECRET,
    LANTERN_DEMO: 'false',
    LANTERN_WORKER: 'off',
    LOG_LEVEL: 'silent',
  });

const peakRssMb = () => (process.resourceUsage().maxRSS * 1024) / 1e6;

/** Donors, one declaration each and their gifts, all eligible, given over the last 300 days. */
async function seed(input: Input): Promise<Output> {
  const t0 = performance.now();
  // Lantern is loaded in the children only: the process running the benchmarks stays small.
  const { buildCore } = await import('../src/app.js');
  const { CURRENT_WORDING } = await import('../src/donations/gift-aid.js');
  const core = await buildCore(configOf(input));
  const { db, keyring } = core;
  const now = Date.now();
  const donors = Math.ceil(input.gifts / GIFTS_PER_DONOR);
  const first = ['Aisha', 'Oliver', 'Chioma', 'Priya', 'Wei', 'Hodan', 'Gareth', 'Siobhan', 'Tomasz', 'Leila'];
  const last = ['Yusuf', 'Smith', 'Okafor', 'Patel', 'Zhang', 'Ali', 'Jones', "O'Neill", 'Nowak', 'Haddad'];
  for (let start = 0; start < donors; start += 500) {
    const n = Math.min(500, donors - start);
    await db.transaction().execute(async (trx) => {
      const ids = await trx
        .insertInto('donors')
        .values(
          Array.from({ length: n }, (_, k) => {
            const token = newToken();
            const i = start + k;
            return {
              email_index: null,
              email_enc: null,
              name_enc: keyring.encrypt(`${first[i % 10]} ${last[(i * 7) % 10]}`),
              manage_hash: hashToken(token),
              manage_enc: keyring.encrypt(token),
              supporter_id: null,
              customer_ref: null,
              erasure_requested_at: null,
              created_at: now,
              updated_at: now,
            };
          }),
        )
        .returning('id')
        .execute();
      const declarations: Array<Insertable<GiftAidDeclarationsTable>> = ids.map((r, k) => {
        const i = start + k;
        return {
          donor_id: Number(r.id),
          wording_version: CURRENT_WORDING,
          title_enc: keyring.encrypt(i % 3 === 0 ? 'Ms' : ''),
          first_name_enc: keyring.encrypt(first[i % 10]!),
          last_name_enc: keyring.encrypt(last[(i * 7) % 10]!),
          house_enc: keyring.encrypt(String((i % 200) + 1)),
          address_enc: keyring.encrypt('Station Road, Leeds'),
          postcode_enc: keyring.encrypt('LS1 4AP'),
          channel: 'online',
          made_at: now - 400 * DAY,
          covers_from: now - 400 * DAY,
          letter_sent_at: null,
          cancelled_at: null,
          superseded_at: null,
          replaces_id: null,
          recorded_by: null,
          created_at: now,
        };
      });
      for (let i = 0; i < declarations.length; i += 100)
        await trx
          .insertInto('gift_aid_declarations')
          .values(declarations.slice(i, i + 100))
          .execute();
      const gifts: Array<Insertable<DonationsTable>> = [];
      ids.forEach((r, k) => {
        for (let g = 0; g < GIFTS_PER_DONOR && (start + k) * GIFTS_PER_DONOR + g < input.gifts; g++)
          gifts.push({
            ...{
              donor_id: Number(r.id),
              fund_id: null,
              regular_id: null,
              kind: 'monthly',
              channel: 'online',
              method: 'card',
              status: 'paid',
            },
            ...{
              amount_pence: 2100 + ((start + k) % 50) * 100,
              refunded_pence: 0,
              given_at: now - (1 + (((start + k) * 7 + g * 73) % 300)) * DAY,
            },
            ...{
              gift_aid: 1,
              from_company: 0,
              benefit_pence: 0,
              message_enc: null,
              checkout_ref: null,
              payment_ref: null,
              invoice_ref: null,
            },
            ...{ reference: '', claim_id: null, recorded_by: null, created_at: now, updated_at: now },
          });
      });
      for (let i = 0; i < gifts.length; i += 100)
        await trx
          .insertInto('donations')
          .values(gifts.slice(i, i + 100))
          .execute();
    });
  }
  await db.destroy();
  return { ms: performance.now() - t0, cpuMs: 0, rssMb: peakRssMb(), rows: input.gifts, parts: 0, bytes: 0 };
}

/** The claim made and written through the service the claim page calls. */
async function claim(input: Input): Promise<Output> {
  // The core the claim functions use (the database, the keyring and the config), without loading every capability:
  // the process then holds what a claim needs, as the web server does beside its other work.
  const { openDatabase } = await import('../src/core/db/index.js');
  const { createKeyring } = await import('../src/core/crypto.js');
  const { getSiteSettings } = await import('../src/core/settings.js');
  const { createClaim, writeClaimSchedule } = await import('../src/donations/claims.js');
  const config = configOf(input);
  const core = { config, db: openDatabase(config.database), keyring: createKeyring(config.secret) } as unknown as Core;
  const { timeZone } = await getSiteSettings(core.db);
  const now = Date.now();
  const day = (ms: number) => utcToZonedLocal(ms, timeZone).slice(0, 10);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const made = await createClaim(core, null, { fromDay: day(now - 365 * DAY), toDay: day(now), aggregate: false }, { timeZone });
  const file = await writeClaimSchedule(core, null, made.claimId);
  const ms = performance.now() - t0;
  const cpuMs = cpuMsSince(cpu0);
  if (made.summary.rows !== input.gifts || made.summary.problemRows !== 0)
    throw new Error(`the claim has ${made.summary.rows} rows (${made.summary.problemRows} with problems), not ${input.gifts}`);
  await core.db.destroy();
  return { ms, cpuMs, rssMb: peakRssMb(), rows: made.summary.rows, parts: file.parts, bytes: file.bytes.byteLength };
}

/** The floor: the same gifts with their declarations read and written as CSV, nothing else. */
async function floor(input: Input): Promise<Output> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const db = new DatabaseSync(input.file, { readOnly: true });
  const out = createWriteStream(join(input.dataDir, 'floor.csv'));
  let rows = 0;
  let bytes = 0;
  const q = db.prepare(
    `select d.id, d.given_at, d.amount_pence, g.title_enc, g.first_name_enc, g.last_name_enc, g.house_enc, g.postcode_enc
       from donations d join gift_aid_declarations g on g.donor_id = d.donor_id
      where d.gift_aid = 1 order by d.id`,
  );
  for (const r of q.iterate() as Iterable<Record<string, string | number>>) {
    const line = `${r.id},${r.given_at},${r.amount_pence},${r.title_enc},${r.first_name_enc},${r.last_name_enc},${r.house_enc},${r.postcode_enc}\n`;
    bytes += line.length;
    rows += 1;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  db.close();
  return { ms: performance.now() - t0, cpuMs: cpuMsSince(cpu0), rssMb: peakRssMb(), rows, parts: 1, bytes };
}

if (process.argv[1] === self && process.send)
  serveChild<Input, Output>((input) => (input.step === 'seed' ? seed(input) : input.step === 'claim' ? claim(input) : floor(input)));

/** Runs one step in a child with the V8 flags `npm start` gives the server (runChild gives none), and returns its report. */
function measuredChild(input: Input, timeoutMs: number): Promise<Output> {
  return new Promise((resolve, reject) => {
    const child = fork(self, [], {
      execArgv: [...startNodeFlags(), '--import', 'tsx', ...profileArgs()],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('message', (m: { ok: true; result: Output } | { ok: false; error: string }) =>
      m.ok ? resolve(m.result) : reject(new Error(m.error)),
    );
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the ${input.step} step exited (${code}) without a result`));
    });
    child.send(input);
  });
}

/** The claim's wall time and peak RSS beside the floor of reading the same rows and writing them as CSV. */
export async function benchDonationsClaim(log: (s: string) => void): Promise<Row[]> {
  const benchmark = 'donations-claim (SQLite)';
  const dir = tempDir('donations-claim');
  const input = (step: Input['step']): Input => ({ step, file: join(dir, 'lantern.db'), dataDir: dir, gifts: GIFTS });
  const seeded = await runChild<Input, Output>(self, input('seed'), 30 * 60_000);
  log(`${benchmark}: seeded ${GIFTS.toLocaleString('en-GB')} gifts in ${(seeded.ms / 1000).toFixed(1)} s`);
  const bare = await measuredChild(input('floor'), 10 * 60_000);
  log(
    `${benchmark}: floor read and wrote ${bare.rows.toLocaleString('en-GB')} rows in ${(bare.ms / 1000).toFixed(2)} s, ${bare.rssMb.toFixed(0)} MB`,
  );
  const made = await measuredChild(input('claim'), 10 * 60_000);
  log(
    `${benchmark}: claim of ${made.rows.toLocaleString('en-GB')} rows in ${made.parts} parts (${(made.bytes / 1e6).toFixed(1)} MB) in ${(made.ms / 1000).toFixed(2)} s (CPU ${(made.cpuMs / 1000).toFixed(2)} s), ${made.rssMb.toFixed(0)} MB`,
  );
  const seconds = made.ms / 1000;
  const floorSeconds = bare.ms / 1000;
  return [
    {
      benchmark,
      figure: `claim of ${GIFTS.toLocaleString('en-GB')} gifts: select, check, write all parts`,
      value: seconds,
      unit: 's',
      floor: floorSeconds,
      ratio: floorSeconds > 0 ? seconds / floorSeconds : null,
      goal: `≤ ${TIME_GOAL_S} s`,
      met: seconds <= TIME_GOAL_S,
      note: `${made.parts} schedule parts, ${(made.bytes / 1e6).toFixed(1)} MB zipped; CPU ${(made.cpuMs / 1000).toFixed(2)} s (floor ${(bare.cpuMs / 1000).toFixed(2)} s); floor: the same rows read and written as CSV`,
    },
    {
      benchmark,
      figure: 'peak RSS of the claim process',
      value: made.rssMb,
      unit: 'MB',
      floor: bare.rssMb,
      ratio: bare.rssMb > 0 ? made.rssMb / bare.rssMb : null,
      goal: `≤ ${RSS_GOAL_MB} MB`,
      met: made.rssMb <= RSS_GOAL_MB,
    },
  ];
}
