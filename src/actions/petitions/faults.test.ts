import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { solveChallenge } from 'altcha-lib';
import { deriveKey } from 'altcha-lib/algorithms/pbkdf2';
import { sql } from 'kysely';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { freePort, startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { createProofChallenge, STANDARD_DIFFICULTY, useDifficultyForBenchmarks } from '../../core/web/proof-of-work.js';
import { emailIndex } from '../../supporters/service.js';

// The fault: the server killed with SIGKILL in the middle of a surge of signatures, then started again.
// Lantern runs as a real process of its own (test/fixtures/surge-lantern.ts) on the test's database; concurrent
// signatures arrive through real HTTP, each with a solved proof of work, until the process is killed. After the
// restart every signature that was acknowledged (303) is there with its confirmation token and its queued email,
// none is there twice, and nothing is there by half; people pressing again after the restart change nothing.

const fixture = fileURLToPath(new URL('../../../test/fixtures/surge-lantern.ts', import.meta.url));
const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';
// Trivial challenges, so hundreds can be solved ahead; the server checks a proof the same way at any difficulty.
const DIFFICULTY = { cost: 1, counterMin: 1, counterMax: 3 };
const SURGE = 600;
const KILL_AFTER = 150;
const CONCURRENCY = 32;

describeEachDialect('petition signatures under faults', (ctx) => {
  let t: TestLantern;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    useDifficultyForBenchmarks(DIFFICULTY);
  });
  afterAll(async () => {
    useDifficultyForBenchmarks(STANDARD_DIFFICULTY);
    await t?.close();
  });

  const core = () => t.lantern.core;

  function startServer(port: number): { child: ChildProcess; listening: Promise<void>; exited: Promise<string> } {
    const child = fork(fixture, [], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        DATABASE_URL:
          ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
        LANTERN_SECRET: SECRET,
        LANTERN_DATA_DIR: ctx.testDb.dataDir,
        // vitest exports Vite's BASE_URL=/ into the environment; the child must not inherit it.
        BASE_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        TRUST_PROXY: 'true',
        LANTERN_DEMO: 'false',
        LANTERN_WORKER: 'off',
        LOG_LEVEL: 'silent',
        SURGE_POW_DIFFICULTY: JSON.stringify(DIFFICULTY),
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? String(code))));
    const listening = new Promise<void>((resolve, reject) => {
      child.on('message', (m: { listening?: number }) => m.listening && resolve());
      void exited.then((how) => reject(new Error(`the server exited (${how}) before listening`)));
    });
    return { child, listening, exited };
  }

  const proof = async () => {
    const challenge = await createProofChallenge(core().keyring);
    const solution = await solveChallenge({ challenge, deriveKey });
    if (!solution) throw new Error('could not solve a challenge');
    return Buffer.from(
      JSON.stringify({ challenge: { parameters: challenge.parameters, signature: challenge.signature }, solution }),
    ).toString('base64');
  };

  test('SIGKILL mid-surge, then a restart: every acknowledged signature is there whole, none twice', async () => {
    const p = await openTestAction(core(), { kind: 'petition' });
    const email = (i: number) => `surge.${ctx.dialect}.${i}@example.org`;
    const bodies = await Promise.all(
      Array.from({ length: SURGE }, async (_, i) =>
        new URLSearchParams({
          firstName: 'Surge',
          lastName: `Signer ${i}`,
          email: email(i),
          postcode: 'SW1A 1AA',
          website: '',
          altcha: await proof(),
        }).toString(),
      ),
    );
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/act/${p.slug}/sign`;
    const post = (i: number, body: string) =>
      fetch(url, {
        method: 'POST',
        body,
        redirect: 'manual',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'sec-fetch-site': 'same-origin',
          'x-forwarded-for': `10.9.${i >> 8}.${i & 255}`,
        },
      });

    const first = startServer(port);
    let second: ReturnType<typeof startServer> | undefined;
    const acked = new Set<number>();
    const failed = new Set<number>();
    const otherStatuses: number[] = [];
    let sent = 0;
    try {
      await first.listening;
      let killed = false;
      let next = 0;
      const lane = async () => {
        while (!killed && next < SURGE) {
          const i = next++;
          sent++;
          try {
            const res = await post(i, bodies[i]!);
            await res.arrayBuffer();
            if (res.status === 303 && res.headers.get('location') === `/act/${p.slug}/check-your-email`) acked.add(i);
            else otherStatuses.push(res.status);
          } catch {
            failed.add(i);
          }
          if (!killed && acked.size >= KILL_AFTER) {
            killed = true;
            first.child.kill('SIGKILL');
          }
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, lane));
      expect(await first.exited).toBe('SIGKILL');
      expect(otherStatuses).toEqual([]);
      expect(acked.size).toBeGreaterThanOrEqual(KILL_AFTER);
      // The kill came in the middle of the surge: some requests were in flight or unsent.
      expect(sent - acked.size).toBeGreaterThan(0);

      second = startServer(port);
      await second.listening;

      const db = core().db;
      const rows = await db.selectFrom('signatures').select(['id', 'email_index', 'status']).where('action_id', '=', p.id).execute();
      const byIndex = new Map(rows.map((r) => [r.email_index, r]));
      // Nobody twice (the unique index), nothing acknowledged lost, nothing stored that was never sent.
      expect(byIndex.size).toBe(rows.length);
      const lost = [...acked].filter((i) => !byIndex.has(emailIndex(core().keyring, email(i))));
      expect(lost).toEqual([]);
      expect(rows.length).toBeLessThanOrEqual(sent);
      expect(rows.every((r) => r.status === 'pending')).toBe(true);
      // Nothing by half: every stored signature has its confirmation token and its queued email, and nothing else has.
      const count = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
      const tokens = await db.selectFrom('tokens').select(['subject_id']).where('purpose', '=', 'signature_confirm').execute();
      expect(new Set(tokens.map((x) => x.subject_id))).toEqual(new Set(rows.map((r) => r.id)));
      expect(tokens).toHaveLength(rows.length);
      expect(
        await count(
          db
            .selectFrom('jobs')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('name', '=', 'sendEmail')
            .executeTakeFirst(),
        ),
      ).toBe(rows.length);
      if (ctx.dialect === 'sqlite') {
        const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(db);
        expect(check.rows).toEqual([{ integrity_check: 'ok' }]);
      }

      // After the restart, people whose page never answered press again, and a few who were answered press again
      // too: every one gets the same page, and each address still has exactly one signature.
      const again = [...failed, ...[...acked].slice(0, 30)];
      const answers = await Promise.all(
        again.map(async (i) => (await post(i, bodies[i]!.replace(/altcha=[^&]*/, `altcha=${encodeURIComponent(await proof())}`))).status),
      );
      expect(answers.every((s) => s === 303)).toBe(true);
      const after = await db.selectFrom('signatures').select(['email_index']).where('action_id', '=', p.id).execute();
      const indexes = after.map((r) => r.email_index);
      expect(new Set(indexes).size).toBe(indexes.length);
      for (const i of [...acked, ...again]) expect(indexes).toContain(emailIndex(core().keyring, email(i)));
    } finally {
      first.child.kill('SIGKILL');
      second?.child.kill('SIGTERM');
      if (second) expect(await second.exited).toBe('0');
    }
  }, 120_000);
});
