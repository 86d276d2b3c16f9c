import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { TestClient } from '../../../test/helpers/http.js';
import { nextAddress, send } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import type { Action } from '../kinds.js';
import { replyToken } from './service.js';

// Property tests on every form of the letters: the stages (postcode, constituency, preview, back to edit), the
// send, the confirmation and reply links, and the staff's posts. Whatever arrives (any strings, arrays, objects,
// unicode, huge values, any content type, with or without a token, from any site), the answer is a page or a
// redirect below 500; the stages never store anything; a send is stored whole (letter, link and email together)
// or not at all.

const { scalar, value } = garbage({
  extra: ['GU11 1AA', 'bt1 1aa', 'JE2 3AB', 'GIR 0AA', 'BFPO 1234', 'E14001063', 'N05000001', 'on'],
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
  'none',
  undefined,
);

/** Every answer is a page in the layout (or a redirect), never a 500. */
function expectClearPage(r: { status: number; text: string; type: string }) {
  expect(r.status, r.text.slice(0, 500)).toBeLessThan(500);
  if (r.status >= 400 || r.status === 200) {
    expect(r.type).toMatch(/^text\/html/);
    expect(r.text).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
  }
}

const STAGE_FIELDS = [
  'postcode',
  'constituency',
  'subject',
  'body',
  'firstName',
  'lastName',
  'email',
  'address',
  'optIn',
  'website',
  'altcha',
  '_csrf',
] as const;
const fieldsOf = <K extends string>(keys: readonly K[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<K, typeof value>, { requiredKeys: [] });

describeEachDialect('letter forms (property)', (ctx) => {
  let t: TestLantern;
  let mpAction: Action;
  let targetAction: Action;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
    mpAction = await openTestAction(t.lantern.core, { kind: 'letter_mp', settings: { minWords: 3 } });
    targetAction = await openTestAction(t.lantern.core, { kind: 'email_target', settings: { minWords: 3 } });
  });
  afterAll(() => t?.close());

  const db = () => t.lantern.core.db;
  const counts = async () => {
    const n = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
    return {
      letters: await n(
        db()
          .selectFrom('letters')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst(),
      ),
      tokens: await n(
        db()
          .selectFrom('tokens')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('purpose', '=', 'letter_confirm')
          .executeTakeFirst(),
      ),
      mail: await n(
        db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('name', '=', 'sendEmail')
          .executeTakeFirst(),
      ),
      deliveries: await n(
        db()
          .selectFrom('letter_deliveries')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst(),
      ),
    };
  };

  // Near-valid letters turn up often, so the accepting paths are exercised too.
  const validish = fc.record(
    {
      postcode: fc.constantFrom('GU11 1AA', 'gu111aa', 'BT1 1AA', 'JE2 3AB', 'nonsense', ''),
      constituency: fc.constantFrom('', 'E14001063', 'N05000001', 'X'),
      subject: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }), scalar),
      body: fc.oneof(
        fc.constant('Please vote for the ban on forced labour goods.'),
        fc.string({ unit: 'grapheme', maxLength: 200 }),
        scalar,
      ),
      firstName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), scalar),
      email: fc.uuid().map((u) => `${u}@example.org`),
      address: fc.oneof(fc.constant('1 High Street\nAldershot'), scalar),
      optIn: fc.constantFrom('', 'on'),
      website: fc.constantFrom('', '', '', 'http://spam.example.com'),
    },
    { requiredKeys: ['subject', 'body', 'firstName', 'email'] },
  );
  const fields = fc.oneof(fieldsOf(STAGE_FIELDS), validish);

  test('the stages: any input gets a page below 500, and nothing is ever stored', async () => {
    const c = new TestClient(t.baseUrl);
    await c.get(`/act/${mpAction.slug}`);
    const path = fc.constantFrom(
      ...['postcode', 'constituency', 'preview', 'edit'].flatMap((s) => [
        `/act/${mpAction.slug}/letter/${s}`,
        `/act/${targetAction.slug}/letter/${s}`,
      ]),
      '/act/no-such-action/letter/preview',
    );
    await fc.assert(
      fc.asyncProperty(path, fields, encoding, fetchSite, fc.boolean(), async (p, f, how, site, csrf) => {
        const before = await counts();
        const r = await send(c, p, f, how, { csrf, site });
        expectClearPage(r);
        expect(r.status === 200 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        expect(await counts()).toEqual(before);
      }),
      { numRuns: 150 },
    );
  });

  test('the send: any input gets a 303 or a clear 4xx page; a letter is stored whole (with its link and email) or not at all', async () => {
    const c = new TestClient(t.baseUrl);
    let stored = 0;
    let refused = 0;
    const path = fc.constantFrom(`/act/${mpAction.slug}/letter/send`, `/act/${targetAction.slug}/letter/send`);
    await fc.assert(
      fc.asyncProperty(path, fields, encoding, fetchSite, fc.boolean(), async (p, f, how, site, csrf) => {
        const before = await counts();
        const r = await send(c, p, f, how, { csrf, site });
        expectClearPage(r);
        const after = await counts();
        const delta = {
          letters: after.letters - before.letters,
          tokens: after.tokens - before.tokens,
          mail: after.mail - before.mail,
          deliveries: after.deliveries - before.deliveries,
        };
        // Nothing goes anywhere before its writer confirms.
        expect(delta.deliveries).toBe(0);
        if (r.status === 303 && delta.letters === 1) {
          expect(delta).toEqual({ letters: 1, tokens: 1, mail: 1, deliveries: 0 });
          stored++;
        } else {
          expect(r.status === 200 || r.status === 303 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
          expect(delta).toEqual({ letters: 0, tokens: 0, mail: 0, deliveries: 0 });
          if (r.status >= 400) refused++;
        }
      }),
      { numRuns: 200 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('any token in a confirmation or reply link, and any answer, gets a clear answer below 500', async () => {
    const c = new TestClient(t.baseUrl);
    const real = replyToken(t.lantern.core, 1);
    await c.get(`/act/${mpAction.slug}`);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 200 }), value, async (a, answer) => {
        for (const path of [
          `/letter/confirm/${encodeURIComponent(a)}`,
          `/letter/reply/${encodeURIComponent(a)}`,
          `/letter/reply/${encodeURIComponent(a)}/yes`,
          `/letter/reply/${real}/${encodeURIComponent(a)}`,
        ]) {
          for (const method of ['GET', 'POST']) {
            const res = await c.request(method, path, { headers: { 'x-forwarded-for': nextAddress() } });
            expectClearPage({ status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' });
            expect([400, 403, 404]).toContain(res.status);
          }
        }
        const r = await send(c, `/letter/reply/${encodeURIComponent(a)}`, { answer }, 'form', { csrf: true });
        expectClearPage(r);
        expect([400, 403, 404, 413, 422]).toContain(r.status);
      }),
      { numRuns: 60 },
    );
  });

  test('the staff posts: any id or body gets a clear answer below 500, and a refused one changes nothing', async () => {
    const { client } = await signedInAs(t, 'campaigner');
    await client.get(`/admin/actions/${mpAction.id}/letters`);
    const id = fc.oneof(
      fc.constantFrom(String(mpAction.id), String(targetAction.id), '0', '999999999999', '-1', 'abc'),
      fc.string({ maxLength: 20 }),
    );
    const path = fc
      .tuple(id, id, fc.constantFrom('approve', 'reject'))
      .map(([a, l, act]) => `/admin/actions/${encodeURIComponent(a)}/letters/${encodeURIComponent(l)}/${act}`);
    const retry = fc
      .tuple(id, id)
      .map(([a, d]) => `/admin/actions/${encodeURIComponent(a)}/letters/deliveries/${encodeURIComponent(d)}/retry`);
    await fc.assert(
      fc.asyncProperty(fc.oneof(path, retry), fieldsOf(['reason', '_csrf'] as const), encoding, fc.boolean(), async (p, f, how, csrf) => {
        const before = await counts();
        const r = await send(client, p, f, how, { csrf });
        expectClearPage(r);
        expect(r.status).toBeGreaterThanOrEqual(400);
        expect(await counts()).toEqual(before);
      }),
      { numRuns: 100 },
    );
  });
});
