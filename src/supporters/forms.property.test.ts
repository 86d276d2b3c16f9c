import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { TestClient } from '../../test/helpers/http.js';
import { insertList } from './queries.js';
import { markConfirmed, recordConsent, supporterConsent, supporterLink, upsertSupporter } from './service.js';
import { garbage } from '../../test/helpers/garbage.js';
import { expectClearPage, nextAddress, send } from '../../test/helpers/send-garbage.js';

// Property tests on the three forms anyone can reach: sign-up, preferences and one-click unsubscribe. Whatever
// arrives (any strings, arrays, objects, unicode, huge values, any content type, with or without a token, from any
// site), the answer is a 303, a 2xx page or a 4xx page, never a 500; and input that is not accepted stores nothing,
// while a sign-up that is accepted is stored whole (supporter, consent, confirmation token and email together).

const { scalar, value } = garbage({
  extra: ['%00', '../../etc/passwd', 'a@b', '1', '-1', '1e9', '0x10'],
  maxRepeat: 300_000,
  hugeValue: true,
});

type Encoding = 'form' | 'json' | 'text/plain' | 'application/xml' | 'multipart/form-data; boundary=x' | 'none' | 'broken-json';
const encoding = fc.constantFrom<Encoding>(
  'form',
  'form',
  'form',
  'json',
  'json',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'none',
  'broken-json',
);
// Where the browser says the post came from (the sign-up form checks it); undefined sends no header.
const fetchSite = fc.constantFrom<string | undefined>(
  'same-origin',
  'same-origin',
  'same-origin',
  'cross-site',
  'same-site',
  'none',
  undefined,
);

const fieldsOf = <K extends string>(keys: readonly K[]) =>
  fc.record(Object.fromEntries(keys.map((k) => [k, value])) as Record<K, typeof value>, { requiredKeys: [] });

describeEachDialect('supporter forms (property)', (ctx) => {
  let t: TestLantern;
  let lists: number[];

  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
    const at = Date.now();
    lists = [
      await insertList(ctx.db, { slug: 'a', name: 'List A', description: '', wording: 'Email me about A.', at }),
      await insertList(ctx.db, { slug: 'b', name: 'List B', description: '', wording: 'Email me about B.', at }),
    ];
  });
  afterAll(() => t?.close());

  const db = () => t.lantern.core.db;
  const counts = async () => {
    const n = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
    return {
      supporters: await n(
        db()
          .selectFrom('supporters')
          .select((eb) => eb.fn.countAll().as('n'))
          .executeTakeFirst(),
      ),
      subscriptions: await n(
        db()
          .selectFrom('subscriptions')
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
          .where('purpose', '=', 'supporter_confirm')
          .executeTakeFirst(),
      ),
      mail: await n(
        db()
          .selectFrom('jobs')
          .select((eb) => eb.fn.countAll().as('n'))
          .where('name', '=', 'sendEmail')
          .executeTakeFirst(),
      ),
    };
  };

  test('the sign-up form: any input gets a 303 or a clear 4xx page; only a whole sign-up is stored', async () => {
    const c = new TestClient(t.baseUrl);
    await c.get('/stay-in-touch');
    const listValue = fc.oneof(fc.constantFrom(...lists.map(String)), fc.constant(lists.map(String)), value);
    // Near-valid sign-ups turn up often, so the accepting path is exercised too; each gets a fresh address.
    const validish = fc.record(
      {
        email: fc
          .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/), fc.uuid())
          .map(([l, u]) => `${l.replace(/\.+$/, '')}.${u}@example.org`),
        firstName: fc.oneof(fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }), scalar),
        lastName: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 30 })),
        postcode: fc.constantFrom('', 'SW1A 1AA', 'e16an', 'NOT A CODE', 'BT1 1AA'),
        list: listValue,
        website: fc.constantFrom('', '', '', 'http://spam.example.com'),
      },
      { requiredKeys: ['email', 'firstName', 'list'] },
    );
    const fields = fc.oneof(
      fieldsOf(['email', 'firstName', 'lastName', 'postcode', 'list', 'website', 'altcha', '_csrf'] as const),
      validish,
    );
    let stored = 0;
    let refused = 0;

    await fc.assert(
      fc.asyncProperty(fields, encoding, fetchSite, fc.boolean(), async (f, how, site, csrf) => {
        const before = await counts();
        const r = await send(c, '/stay-in-touch', f, how, { csrf, site });
        expectClearPage(r);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        const after = await counts();
        const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
        if (r.status === 303) {
          expect(r.location).toBe('/stay-in-touch/check-your-email');
          if (delta.supporters === 0 && delta.events === 0) {
            // A robot's trap answer: nothing at all.
            expect(delta).toEqual({ supporters: 0, subscriptions: 0, events: 0, tokens: 0, mail: 0 });
          } else {
            expect(delta.supporters).toBe(1);
            expect(delta.events).toBeGreaterThanOrEqual(1);
            expect(delta.subscriptions).toBe(delta.events);
            expect(delta.tokens).toBe(1);
            expect(delta.mail).toBe(1);
            stored++;
          }
        } else {
          if (r.status === 422) expect(r.text).toMatch(/There is a problem|press Sign up again/);
          expect(delta).toEqual({ supporters: 0, subscriptions: 0, events: 0, tokens: 0, mail: 0 });
          refused++;
        }
      }),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  test('the preferences form: any input gets a 303 or a clear 4xx page; a refused one changes nothing', async () => {
    const { keyring } = t.lantern.core;
    const { id, publicId } = await upsertSupporter(
      db(),
      keyring,
      { email: 'prefs.property@example.org' },
      { source: 'test', mode: 'fill', confirmed: true },
    );
    await markConfirmed(db(), id);
    await recordConsent(db(), { supporterId: id, listIds: lists, change: 'granted', basis: 'consent', source: 'test' });
    const manage = new URL(supporterLink(t.lantern.core, 'manage', publicId)).pathname;
    const c = new TestClient(t.baseUrl);
    expect((await c.get(manage)).status).toBe(200);
    const listField = fc.oneof(fc.subarray(lists.map(String)), fc.constantFrom(...lists.map(String)), value);
    const fields = fc.oneof(fieldsOf(['list', '_csrf'] as const), fc.record({ list: listField }));
    let saved = 0;

    await fc.assert(
      fc.asyncProperty(fields, encoding, fc.boolean(), async (f, how, csrf) => {
        const before = { ...(await counts()), consent: await supporterConsent(db(), id) };
        const r = await send(c, manage, f, how, { csrf });
        expectClearPage(r);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        const after = await supporterConsent(db(), id);
        if (r.status !== 303) {
          expect(after).toEqual(before.consent);
          const now = await counts();
          expect(now.mail).toBe(before.mail);
          expect(now.tokens).toBe(before.tokens);
          return;
        }
        saved++;
        // Saved: every list now matches the boxes sent (ticked ones kept or waiting for confirmation).
        const sent = (f as { list?: unknown }).list;
        const ticked = new Set((Array.isArray(sent) ? sent : [sent]).map(String));
        for (const s of after.subscriptions) expect(s.status === 'unsubscribed', `list ${s.listId}`).toBe(!ticked.has(String(s.listId)));
      }),
      { numRuns: 120 },
    );
    expect(saved).toBeGreaterThan(0);
  });

  test('one-click unsubscribe: any body or content type on a real link unsubscribes (200); any other link is a 404', async () => {
    const { keyring } = t.lantern.core;
    const { id, publicId } = await upsertSupporter(
      db(),
      keyring,
      { email: 'unsub.property@example.org' },
      { source: 'test', mode: 'fill', confirmed: true },
    );
    const link = new URL(supporterLink(t.lantern.core, 'unsubscribe', publicId, String(lists[0]))).pathname;
    const c = new TestClient(t.baseUrl);

    await fc.assert(
      fc.asyncProperty(fc.dictionary(fc.string({ maxLength: 20 }), value, { maxKeys: 4 }), encoding, async (f, how) => {
        await recordConsent(db(), { supporterId: id, listIds: [lists[0]!], change: 'granted', basis: 'consent', source: 'test' });
        const r = await send(c, link, f, how);
        expectClearPage(r);
        if (r.status === 413) return;
        expect(r.status).toBe(200);
        expect((await supporterConsent(db(), id)).subscriptions.find((s) => s.listId === lists[0])!.status).toBe('unsubscribed');
      }),
      { numRuns: 60 },
    );

    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 120 }), fc.string({ maxLength: 20 }), async (token, listId) => {
        for (const path of [
          `/s/unsubscribe/${encodeURIComponent(token)}/${encodeURIComponent(listId)}`,
          `/s/unsubscribe/${link.split('/')[3]}/${encodeURIComponent(listId)}`,
        ]) {
          for (const method of ['GET', 'POST']) {
            const res = await c.request(method, path, { headers: { 'x-forwarded-for': nextAddress() } });
            const r = { status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' };
            expectClearPage(r);
            // (A POST to an address matching no route at all meets the CSRF check first: 403.)
            if (listId !== String(lists[0])) expect([400, 403, 404]).toContain(r.status);
          }
        }
      }),
      { numRuns: 80 },
    );
  });

  test('any token in a confirmation, preferences or data link gets a clear answer below 500', async () => {
    const c = new TestClient(t.baseUrl);
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'grapheme', maxLength: 300 }), async (a) => {
        for (const path of [
          `/s/confirm/${encodeURIComponent(a)}`,
          `/s/manage/${encodeURIComponent(a)}`,
          `/s/manage/${encodeURIComponent(a)}/erase`,
          `/s/data/${encodeURIComponent(a)}`,
        ]) {
          for (const method of ['GET', 'POST']) {
            const res = await c.request(method, path, { headers: { 'x-forwarded-for': nextAddress() } });
            expectClearPage({ status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' });
            expect([400, 403, 404]).toContain(res.status);
          }
        }
      }),
      { numRuns: 80 },
    );
  });
});
