import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../test/helpers/app.js';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { garbage } from '../../test/helpers/garbage.js';
import { TestClient } from '../../test/helpers/http.js';
import { expectClearPage, send } from '../../test/helpers/send-garbage.js';
import { buildLantern, type Lantern } from '../app.js';
import { registerRoutes } from '../core/web/routes.js';
import { publicRoutes } from './routes.js';
import { testPaymentRoutes } from './test-payments.js';

// Property tests on the donate form and the test payment page: whatever arrives (any strings, arrays, objects,
// unicode, huge values, any content type, from any site), the answer is a redirect or a page below 500, and nothing
// is half-stored: every checkout that exists reached the payment page (it has the provider's session), and no gift
// is recorded without a checkout that completed.

const { value } = garbage({
  extra: ['10', '2.00', '0', '-5', '1e9', 'other', 'one_off', 'monthly', 'GBP', 'gbp', 'USD', 'on', 'SW1A 1AA', 'X', '29', '£12.50'],
  maxRepeat: 5000,
  hugeValue: true,
});
const FIELDS = [
  'kind',
  'oneOffAmount',
  'monthlyAmount',
  'otherAmount',
  'currency',
  'day',
  'fund',
  'name',
  'email',
  'message',
  'giftAid',
  'title',
  'firstName',
  'lastName',
  'house',
  'address',
  'postcode',
  'abroad',
  'pastFourYears',
  'optIn',
  'website',
  'altcha',
] as const;
const fields = fc.record(Object.fromEntries(FIELDS.map((k) => [k, value])) as Record<(typeof FIELDS)[number], typeof value>, {
  requiredKeys: [],
});
// Mostly well-formed gifts with one or two fields replaced by garbage, so the deeper checks are reached too.
const nearlyGood = fc
  .record({ swap: fields })
  .map(({ swap }) => ({ kind: 'one_off', oneOffAmount: 'other', otherAmount: '12.50', name: 'Ana', email: 'ana@example.org', ...swap }));
const encoding = fc.constantFrom('form', 'form', 'form', 'json', 'text/plain', 'multipart/form-data; boundary=x', 'none', 'broken-json');
const site = fc.constantFrom<string | undefined>('same-origin', 'same-origin', 'same-origin', 'cross-site', 'none', undefined);

describeEachDialect('giving forms (property)', (ctx) => {
  let lantern: Lantern;
  let client: TestClient;
  beforeAll(async () => {
    const port = await freePort();
    lantern = await buildLantern(testConfig(ctx.testDb, { PORT: String(port), TRUST_PROXY: 'true' }), { db: ctx.db, worker: false });
    if (!lantern.web.hasRoute({ method: 'GET', url: '/donate' })) registerRoutes(lantern.web, lantern.core, publicRoutes, 'public');
    if (!lantern.web.hasRoute({ method: 'GET', url: '/donate/test-payment/:session' }))
      registerRoutes(lantern.web, lantern.core, testPaymentRoutes, 'public');
    await lantern.web.listen({ port, host: '127.0.0.1' });
    client = new TestClient(`http://127.0.0.1:${port}`);
  });
  afterAll(() => lantern?.close());

  /** Nothing half-stored: no checkout left without the provider's session, no gift without a completed checkout. */
  async function expectWhole() {
    const db = lantern.core.db;
    const stranded = await db
      .selectFrom('donation_checkouts')
      .select('id')
      .where('session_ref', 'like', 'pending:%')
      .where('state', '!=', 'expired')
      .execute();
    expect(stranded).toEqual([]);
    const gifts = await db.selectFrom('donations').select('checkout_ref').execute();
    for (const g of gifts) {
      const c = await db.selectFrom('donation_checkouts').select('state').where('session_ref', '=', g.checkout_ref!).executeTakeFirst();
      expect(c?.state).toBe('completed');
    }
  }

  test('POST /donate with garbage never fails with a 500 and leaves nothing half-stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fields, nearlyGood), encoding, site, async (f, how, from) => {
        const r = await send(client, '/donate', f, how, { site: from });
        expectClearPage(r);
        if (r.status === 303 && r.location?.includes('/donate/test-payment/')) {
          // Accepted: it reached the test payment page with a real session.
          expect(r.location).toMatch(/\/donate\/test-payment\/cs_test_lantern_[A-Za-z0-9]{24}$/);
        }
      }),
      { numRuns: 120 },
    );
    await expectWhole();
  });

  test('POST to the test payment page with garbage never fails with a 500, and any gift it records is whole', async () => {
    const ok = await send(
      client,
      '/donate',
      { kind: 'one_off', oneOffAmount: 'other', otherAmount: '15', name: 'Ana', email: 'ana.garbage@example.org' },
      'form',
      { site: 'same-origin' },
    );
    expect(ok.status).toBe(303);
    const page = new URL(ok.location!).pathname;
    await client.get(page);
    const doValue = fc.oneof(value, fc.constantFrom('card', 'bacs', 'decline', 'confirm', 'refuse'));
    const path = fc.oneof(
      fc.constant(page),
      fc.constant(page),
      fc.string({ maxLength: 40 }).map((s) => `/donate/test-payment/${encodeURIComponent(s)}`),
    );
    await fc.assert(
      fc.asyncProperty(
        path,
        fc.record({ do: doValue, _csrf: value }, { requiredKeys: [] }),
        fc.boolean(),
        encoding,
        async (p, f, csrf, how) => {
          const r = await send(client, p, f, how, { csrf, site: 'same-origin' });
          expectClearPage(r);
        },
      ),
      { numRuns: 80 },
    );
    await expectWhole();
  });
});
