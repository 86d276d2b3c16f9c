import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { startFakeStripe, type FakeStripe } from '../../test/helpers/fake-stripe.js';
import { garbage } from '../../test/helpers/garbage.js';
import { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { buildLantern, type Lantern } from '../app.js';
import { registerRoutes } from '../core/web/routes.js';
import { manageRoutes } from './manage-routes.js';
import { findDonorById, insertRegularGift } from './queries.js';
import { findOrCreateDonor } from './records.js';

// Property tests on every form of the donor's page: whatever arrives (any strings, arrays, objects, unicode, huge
// values, any content type, with or without the page's token, at a real donor's page or a made-up one), the answer
// is a redirect, a page or a clear 4xx page, never a 5xx; and nothing changes: not the monthly gift, not the Gift Aid
// ledger, not the jobs queue (no link emailed to a made-up address is possible here), and no call reaches Stripe.

const { scalar, value } = garbage({
  extra: ['%00', '../../etc/passwd', '£', '-1', '1e9', '0x10', '29', '99999999'],
  maxRepeat: 300_000,
  hugeValue: true,
});

const encoding = fc.constantFrom(
  'form',
  'form',
  'form',
  'json',
  'json',
  'text/plain',
  'multipart/form-data; boundary=x',
  'none',
  'broken-json',
);
const DOS = ['amount', 'day', 'pause', 'resume', 'cancel', 'cancel-gift-aid', 'address'];
// Any field may be garbage; `do` is often a real one, so the parse of each form is reached. The gift named is never
// the donor's own (whose real changes the other tests make): a digit string could name it.
const namesTheGift = (v: unknown): boolean =>
  Array.isArray(v) ? v.some(namesTheGift) : typeof v === 'number' || (typeof v === 'string' && /^\s*\d+\s*$/.test(v));
/** A path segment from any string, whole characters only (a lone surrogate cannot be encoded: then a plain one). */
const segment = (s: string, max: number) => {
  let out = '';
  for (const ch of s) {
    let enc: string;
    try {
      enc = encodeURIComponent(ch);
    } catch {
      enc = 'x';
    }
    if (out.length + enc.length > max) break;
    out += enc;
  }
  return out || 'x';
};
const fields = fc.record(
  {
    do: fc.oneof(fc.constantFrom(...DOS), value),
    gift: value.filter((v) => !namesTheGift(v)),
    amount: value,
    day: value,
    house: value,
    address: value,
    postcode: value,
    email: value,
  },
  { requiredKeys: [] },
);

describeEachDialect('donations: the donor’s page forms (property)', (ctx) => {
  let fake: FakeStripe;
  let lantern: Lantern;
  let c: TestClient;
  let token: string;
  let regularId: number;

  beforeAll(async () => {
    fake = await startFakeStripe();
    const port = await freePort();
    const config = testConfig(ctx.testDb, {
      PORT: String(port),
      TRUST_PROXY: 'true',
      STRIPE_SECRET_KEY: 'sk_test_fake_lantern',
      STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
      STRIPE_API_URL: fake.url,
    });
    lantern = await buildLantern(config, { db: ctx.db, worker: false });
    if (!lantern.web.hasRoute({ method: 'GET', url: '/donate/manage/:token' }))
      registerRoutes(lantern.web, lantern.core, manageRoutes, 'public');
    await lantern.web.listen({ port, host: '127.0.0.1' });
    c = new TestClient(`http://127.0.0.1:${port}`);

    const core = lantern.core;
    const { id } = await findOrCreateDonor(core.db, core.keyring, {
      email: `prop.${ctx.dialect}@example.org`,
      name: 'Pat Prop',
      now: Date.now(),
    });
    token = core.keyring.decrypt((await findDonorById(core.db, id))!.manage_enc);
    const stripe: Stripe = fake.client();
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [
        {
          quantity: 1,
          price_data: { currency: 'gbp', unit_amount: 1000, recurring: { interval: 'month' }, product_data: { name: 'Monthly gift' } },
        },
      ],
      success_url: 'http://127.0.0.1/done',
    });
    const done = await fake.completeCheckout(session.id);
    const now = Date.now();
    regularId = await insertRegularGift(core.db, {
      donor_id: id,
      fund_id: null,
      amount_pence: 1000,
      day_of_month: 5,
      status: 'active',
      method: 'card',
      gift_aid: 0,
      subscription_ref: done.subscription as string,
      card_expires: null,
      expiry_notice_for: null,
      failed_at: null,
      started_at: now,
      cancelled_at: null,
      created_at: now,
      updated_at: now,
    });
  });
  afterAll(async () => {
    await lantern?.close();
    await fake?.close();
  });

  /** Everything a post could change, as one value to compare. */
  async function state() {
    const db = lantern.core.db;
    const gift = await db.selectFrom('regular_gifts').selectAll().where('id', '=', regularId).executeTakeFirstOrThrow();
    const declarations = await db
      .selectFrom('gift_aid_declarations')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    const jobs = await db
      .selectFrom('jobs')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirst();
    return {
      gift: { ...gift, amount_pence: Number(gift.amount_pence), updated_at: Number(gift.updated_at) },
      declarations: Number(declarations?.n ?? 0),
      jobs: Number(jobs?.n ?? 0),
      stripeCalls: fake.requests.filter((r) => r.method === 'POST' || r.method === 'DELETE').length,
    };
  }

  test('the donor’s page: garbage with or without the token never gives a 5xx and changes nothing', async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(fields, encoding, fc.boolean(), async (f, how, withToken) => {
        await c.get(`/donate/manage/${token}`);
        const r = await send(c, `/donate/manage/${token}`, f, how, { csrf: withToken, site: 'same-origin' });
        expectClearPage(r);
        if (r.status === 303) expect.unreachable(`a change was accepted: ${JSON.stringify(f).slice(0, 300)}`);
      }),
      { numRuns: 60 },
    );
    expect(await state()).toEqual(before);
  });

  test('a made-up link, the confirmation page and the resend form: garbage never gives a 5xx', async () => {
    const before = await state();
    await fc.assert(
      fc.asyncProperty(scalar, fields, encoding, async (made, f, how) => {
        const path = `/donate/manage/${segment(made, 90)}`;
        const page = await c.request('GET', path);
        expect(page.status).toBeLessThan(500);
        expectClearPage(await send(c, path, f, how, { csrf: true, site: 'same-origin' }));
        const confirm = await c.request('GET', `/donate/manage/${token}/cancel/${segment(made, 40)}`);
        expect(confirm.status).toBeLessThan(500);
        // The resend form: a garbage address is refused, or answered like any other, and only ever queues a lookup.
        const resend = await send(c, '/donate/manage/resend', { email: f.email }, how, { csrf: true, site: 'same-origin' });
        expectClearPage(resend);
      }),
      { numRuns: 60 },
    );
    const after = await state();
    expect({ ...after, jobs: before.jobs }).toEqual(before);
    // Lookups may have been queued (for addresses that pass as email addresses), but no email.
    const mails = await lantern.core.db.selectFrom('jobs').select('id').where('name', '=', 'sendEmail').execute();
    expect(mails).toEqual([]);
  });
});
