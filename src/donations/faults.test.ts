import { fork, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { until } from '../../test/helpers/wait.js';
import { createKeyring } from '../core/crypto.js';
import { sealCheckoutDetails } from './giving-form.js';
import { insertCheckout } from './queries.js';
import { donorEmailIndex } from './records.js';

// The payment events under the fault: `lantern start`, as deployed, in a process of its own on the test's
// database, is killed with SIGKILL while a burst of Stripe events is arriving; it is started again and Stripe delivers
// everything once more (as it does for any delivery not answered 2xx, and as the reconciliation job would find it).
// Every event is then applied exactly once: one gift per paid checkout, one stored row per event, nothing half-stored.

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const SECRET = 'test-secret-0123456789abcdef0123456789abcdef';

describeEachDialect('donations: payment events under faults', (ctx) => {
  let fake: FakeStripe;
  let port: number;
  let child: { child: ChildProcess; exited: Promise<string> } | undefined;

  beforeAll(async () => {
    fake = await startFakeStripe();
    port = await freePort();
  });
  afterAll(async () => {
    if (child && child.child.exitCode === null && child.child.signalCode === null) {
      child.child.kill('SIGKILL');
      await child.exited;
    }
    await fake?.close();
  });

  /** `lantern start`, as deployed, with Stripe pointed at the fake. */
  async function startServer(): Promise<{ child: ChildProcess; exited: Promise<string> }> {
    const c = fork(cli, ['start'], {
      execArgv: ['--import', 'tsx'],
      env: {
        ...process.env,
        DATABASE_URL:
          ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
        LANTERN_SECRET: SECRET,
        LANTERN_DATA_DIR: ctx.testDb.dataDir,
        BASE_URL: `http://127.0.0.1:${port}`,
        PORT: String(port),
        HOST: '127.0.0.1',
        LANTERN_DEMO: 'false',
        LANTERN_WORKER: 'off',
        LOG_LEVEL: 'silent',
        STRIPE_SECRET_KEY: 'sk_test_fake',
        STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
        STRIPE_API_URL: fake.url,
      },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const exited = new Promise<string>((resolve) => c.on('exit', (code, signal) => resolve(signal ?? String(code))));
    await until(async () => {
      if (c.exitCode !== null) throw new Error(`lantern start exited with ${c.exitCode}`);
      return fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
    }, 60_000);
    return { child: c, exited };
  }

  test('SIGKILL `lantern start` during a burst of events, restart, redeliver everything: each event applied exactly once', async () => {
    const keyring = createKeyring(SECRET, []);
    const gifts = 60;
    const sessions: string[] = [];
    // Checkouts as /donate makes them, each with its session at the (fake) Stripe, half paid by card, half by Bacs
    // Direct Debit that the bank then confirms: a burst of completed, cleared and other events.
    for (let i = 0; i < gifts; i++) {
      const email = `burst.${ctx.dialect}.${i}@example.org`;
      const id = await insertCheckout(ctx.db, {
        session_ref: `pending:${randomUUID()}`,
        kind: 'one_off',
        fund_id: null,
        amount_pence: 1000 + i,
        day_of_month: null,
        details_enc: sealCheckoutDetails(keyring, { name: `Donor ${i}`, email, message: '', optIn: false, giftAid: null }),
        email_index: donorEmailIndex(keyring, email),
        state: 'open',
        donor_id: null,
        created_at: Date.now(),
        completed_at: null,
      });
      const s = await fake.client().checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price_data: { currency: 'gbp', unit_amount: 1000 + i, product_data: { name: 'Donation' } }, quantity: 1 }],
        allowed_payment_method_types: ['card', 'bacs_debit'],
        customer_email: email,
        metadata: { lantern_checkout: String(id) },
        success_url: 'http://127.0.0.1/ok',
      });
      await ctx.db.updateTable('donation_checkouts').set({ session_ref: s.id }).where('id', '=', id).execute();
      const bacs = i % 2 === 1;
      await fake.completeCheckout(s.id, { paymentMethod: bacs ? 'bacs_debit' : 'card' });
      if (bacs) await fake.settleAsyncPayment(s.id);
      sessions.push(s.id);
    }
    const events: Stripe.Event[] = fake.events().reverse(); // oldest first
    const url = `http://127.0.0.1:${port}/webhooks/stripe`;

    child = await startServer();
    // Eight deliveries at a time, as Stripe sends them; the server is killed once a third have been answered.
    let answered = 0;
    let killed = false;
    const queue = [...events];
    const sender = async () => {
      for (let e = queue.shift(); e; e = queue.shift()) {
        const r = await fake.deliver(e, { url }).catch(() => undefined);
        if (r?.status === 200) answered++;
        if (!killed && answered >= events.length / 3) {
          killed = true;
          child!.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, sender));
    expect(await child.exited).toBe('SIGKILL');
    expect(answered).toBeLessThan(events.length);

    // Restarted, Stripe delivers everything again (those it saw answered too: a replay must change nothing).
    child = await startServer();
    for (const e of events) expect((await fake.deliver(e, { url })).status).toBe(200);
    child.child.kill('SIGTERM');
    await child.exited;

    const count = async (t: 'donations' | 'payment_events' | 'donors') =>
      Number(
        (
          await ctx.db
            .selectFrom(t)
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    expect(await count('payment_events')).toBe(events.length);
    expect(await count('donations')).toBe(gifts);
    expect(await count('donors')).toBe(gifts);
    const rows = await ctx.db.selectFrom('donations').select(['checkout_ref', 'status', 'amount_pence']).execute();
    expect(new Set(rows.map((r) => r.checkout_ref))).toEqual(new Set(sessions));
    expect(rows.every((r) => r.status === 'paid')).toBe(true);
    const stored = await ctx.db.selectFrom('payment_events').select(['event_ref', 'state']).execute();
    expect(new Set(stored.map((r) => r.event_ref))).toEqual(new Set(events.map((e) => e.id)));
    expect(stored.filter((r) => r.state === 'parked')).toEqual([]);
    const checkouts = await ctx.db.selectFrom('donation_checkouts').select('state').execute();
    expect(checkouts.every((c) => c.state === 'completed')).toBe(true);
  });
});
