import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { TestClient } from '../../../test/helpers/http.js';
import { expectClearPage, nextAddress, send } from '../../../test/helpers/send-garbage.js';
import { insertList } from '../../supporters/queries.js';
import type { Action } from '../kinds.js';

// Property tests on the petition's public endpoints. Whatever arrives at POST /act/:slug/sign (any strings, arrays,
// objects, names in any script, huge values, any content type, with or without a token, from any site), the answer
// is a 303 or a clear 4xx page, never a 500; a refused post stores nothing, and an accepted one is stored whole
// (the signature, its confirmation token and its queued email together, and with an opt-in, the consent request).

const { scalar, value } = garbage({
  extra: ['%00', 'SW1A 1AA', 'BFPO 1234', 'on', '1', 'yes', '../../etc/passwd'],
  maxRepeat: 300_000,
  hugeValue: true,
});

type Encoding = 'form' | 'json' | 'text/plain' | 'multipart/form-data; boundary=x' | 'none' | 'broken-json';
const encoding = fc.constantFrom<Encoding>(
  'form',
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
const fetchSite = fc.constantFrom<string | undefined>(
  'same-origin',
  'same-origin',
  'same-origin',
  'same-origin',
  'cross-site',
  'same-site',
  'none',
  undefined,
);

describeEachDialect('petition forms (property)', (ctx) => {
  let t: TestLantern;
  let petition: Action;
  let listId: number;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
    listId = await insertList(ctx.db, { slug: 'news', name: 'News', description: '', wording: 'Email me news.', at: Date.now() });
    petition = await openTestAction(t.lantern.core, { kind: 'petition', newsletterListId: listId });
  });
  afterAll(() => t?.close());

  const db = () => t.lantern.core.db;
  const n = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
  const counts = async () => ({
    signatures: await n(
      db()
        .selectFrom('signatures')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
    pending: await n(
      db()
        .selectFrom('signatures')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('status', '=', 'pending')
        .executeTakeFirst(),
    ),
    optIns: await n(
      db()
        .selectFrom('signatures')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('opt_in', '=', 1)
        .where('supporter_id', 'is not', null)
        .executeTakeFirst(),
    ),
    supporters: await n(
      db()
        .selectFrom('supporters')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
    events: await n(
      db()
        .selectFrom('consent_events')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
    tokens: await n(
      db()
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('purpose', '=', 'signature_confirm')
        .executeTakeFirst(),
    ),
    mail: await n(
      db()
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('name', '=', 'sendEmail')
        .executeTakeFirst(),
    ),
  });

  test('POST /act/:slug/sign: any input gets a 303 or a clear 4xx page; only a whole signature is stored', async () => {
    const c = new TestClient(t.baseUrl);
    await c.get(`/act/${petition.slug}`);
    const tick = fc.oneof(fc.constantFrom('on', 'on', '', 'true'), value);
    // Near-valid signatures turn up often, so the accepting path is exercised too; each gets a fresh address.
    const validish = fc.record(
      {
        email: fc
          .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/), fc.uuid(), fc.constantFrom('', ' ', 'UPPER'))
          .map(([l, u, how]) => {
            const e = `${l.replace(/\.+$/, '')}.${u}@example.org`;
            return how === 'UPPER' ? e.toUpperCase() : `${how}${e}${how}`;
          }),
        // Names in any script, and nasty ones.
        firstName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), scalar),
        lastName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), scalar),
        postcode: fc.constantFrom(
          '',
          'SW1A 1AA',
          'sw1a1aa',
          'e16an',
          'NOT A CODE',
          'BT1 5GS',
          'GIR 0AA',
          'JE2 3AB',
          'BFPO 1234',
          ' m1  1ae ',
        ),
        abroad: tick,
        showName: tick,
        town: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), scalar),
        optIn: tick,
        website: fc.constantFrom('', '', '', 'http://spam.example.com'),
      },
      { requiredKeys: ['email', 'firstName', 'lastName'] },
    );
    const keys = [
      'email',
      'firstName',
      'lastName',
      'postcode',
      'abroad',
      'showName',
      'town',
      'optIn',
      'website',
      'altcha',
      '_csrf',
    ] as const;
    const anything = fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<(typeof keys)[number], typeof value>, {
      requiredKeys: [],
    });
    // (Paths past the router's 2,000-character limit get Fastify's own 414, before any route: not this form's business.)
    const slug = fc.constantFrom(petition.slug, petition.slug, petition.slug, 'no-such-petition', '%00', 'Upper-Case', 'a'.repeat(150));
    let stored = 0;
    let refused = 0;

    await fc.assert(
      fc.asyncProperty(fc.oneof(anything, validish), encoding, fetchSite, fc.boolean(), slug, async (f, how, site, csrf, s) => {
        const before = await counts();
        const r = await send(c, `/act/${s}/sign`, f, how, { csrf, site });
        expectClearPage(r);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        const after = await counts();
        const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
        const nothing = { signatures: 0, pending: 0, optIns: 0, supporters: 0, events: 0, tokens: 0, mail: 0 };
        if (r.status === 303) {
          expect(r.location).toBe(`/act/${petition.slug}/check-your-email`);
          if (delta.signatures === 0) {
            // A robot's trap answer: nothing at all.
            expect(delta).toEqual(nothing);
          } else {
            expect(delta).toMatchObject({ signatures: 1, pending: 1, tokens: 1, mail: 1 });
            // An opt-in comes with its supporter record and its consent request; no opt-in, neither.
            expect(delta.supporters).toBe(delta.optIns);
            expect(delta.events).toBe(delta.optIns);
            stored++;
          }
        } else {
          if (r.status === 422) expect(r.text).toMatch(/There is a problem|press Sign the petition again/);
          expect(delta).toEqual(nothing);
          refused++;
        }
      }),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('a body over 1 MiB is refused with 413 and stores nothing', async () => {
    const c = new TestClient(t.baseUrl, { 'x-forwarded-for': nextAddress() });
    const before = await counts();
    const r = await c.request('POST', `/act/${petition.slug}/sign`, {
      form: { email: 'big@example.org', firstName: 'Big', lastName: 'x'.repeat(1_100_000), postcode: 'SW1A 1AA' },
      headers: { 'sec-fetch-site': 'same-origin' },
    });
    expect(r.status).toBe(413);
    expect(await counts()).toEqual(before);
  });

  test('the confirmation link: any token or slug is a 404 page or the link page, never a 500', async () => {
    const c = new TestClient(t.baseUrl);
    await c.get(`/act/${petition.slug}`);
    const token = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      scalar.filter((x) => encodeURIComponent(x).length < 150),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.constantFrom('GET', 'POST'), async (tok, method) => {
        const path = `/act/${petition.slug}/confirm/${encodeURIComponent(tok)}`;
        // A fresh address each time, so the link's rate limit does not decide the answer.
        const headers = { 'x-forwarded-for': nextAddress() };
        const r =
          method === 'GET'
            ? await c.request('GET', path, { headers })
            : await c.request('POST', path, { headers, form: { _csrf: c.lastCsrf ?? '' } });
        expect(r.status).toBeLessThan(500);
        if (r.status !== 403) expect([404, 400]).toContain(r.status);
      }),
      { numRuns: 60 },
    );
  });
});
