import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { openTestAction } from '../../../test/helpers/actions.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { TestClient } from '../../../test/helpers/http.js';
import { expectClearPage, formString, nextAddress } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { insertList } from '../../supporters/queries.js';
import { demoLogoPng } from './demo.js';

// Property tests on the public sign-on form and its confirmation link. Whatever arrives (any strings, arrays,
// objects, unicode, huge values, any content type, real and broken multipart bodies with any file, with or without
// a token, from any site), the answer is a 303 or a clear 4xx page, never a 500; input that is refused stores
// nothing; and a sign-on that is accepted is stored whole (the row, its logo if any, its link and its email
// together), so no logo is ever left without its sign-on.

const { scalar, value } = garbage({
  extra: ['javascript:alert(1)', 'data:text/html,x', 'https://example.org', 'on', '%00', 'a@b'],
  maxRepeat: 20_000,
  hugeValue: true,
});

const PNG = demoLogoPng([200, 30, 30], [255, 255, 255], 8);
const SVG = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');

type Encoding = 'multipart' | 'broken-multipart' | 'multipart-no-boundary' | 'form' | 'json' | 'text/plain' | 'none';
const encoding = fc.constantFrom<Encoding>(
  'multipart',
  'multipart',
  'multipart',
  'form',
  'json',
  'broken-multipart',
  'multipart-no-boundary',
  'text/plain',
  'none',
);
const fetchSite = fc.constantFrom<string | undefined>(
  'same-origin',
  'same-origin',
  'same-origin',
  'cross-site',
  'same-site',
  'none',
  undefined,
);
const logo = fc.oneof(
  fc.constant(undefined),
  fc.constant({ content: PNG, filename: 'logo.png', type: 'image/png' }),
  fc.constant({ content: SVG, filename: 'logo.png', type: 'image/png' }),
  fc.record({
    content: fc.uint8Array({ maxLength: 2000 }).map((a) => Buffer.from(a)),
    filename: scalar.map(String),
    type: fc.constantFrom('image/png', 'text/html', 'application/octet-stream'),
  }),
  fc.constant({ content: Buffer.concat([PNG, Buffer.alloc(600 * 1024)]), filename: 'big.png', type: 'image/png' }),
);

function multipart(
  fields: Record<string, unknown>,
  file: { content: Buffer; filename: string; type: string } | undefined,
): { body: Buffer; contentType: string } {
  const boundary = `----prop${randomBytes(8).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    for (const x of Array.isArray(v) ? v : [v])
      parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${formString(x)}\r\n`, 'utf8'));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="logo"; filename="${file.filename}"\r\ncontent-type: ${file.type}\r\n\r\n`,
        'utf8',
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

function encode(
  fields: Record<string, unknown>,
  file: { content: Buffer; filename: string; type: string } | undefined,
  how: Encoding,
): { body: Uint8Array<ArrayBuffer> | string | undefined; contentType: string | undefined } {
  if (how === 'multipart') {
    const m = multipart(fields, file);
    return { body: new Uint8Array(m.body), contentType: m.contentType };
  }
  if (how === 'broken-multipart') {
    const m = multipart(fields, file);
    return { body: new Uint8Array(m.body.subarray(0, Math.floor(m.body.length / 2))), contentType: m.contentType };
  }
  if (how === 'multipart-no-boundary') return { body: new Uint8Array(multipart(fields, file).body), contentType: 'multipart/form-data' };
  if (how === 'form') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, formString(x));
    return { body: p.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  if (how === 'json') return { body: JSON.stringify(fields), contentType: 'application/json' };
  if (how === 'none') return { body: undefined, contentType: undefined };
  return { body: formString(fields), contentType: how };
}

/**
 * Posts over a connection of its own (fetch would reuse kept-alive connections, and one the server closed after
 * refusing an unread body stalls the next request). Resolves with the answer, or with null when the connection
 * was reset before one came: the server may refuse a body without reading it, and close the connection.
 */
function rawPost(
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array | string | undefined,
): Promise<{ status: number; location: string | null; type: string; text: string } | null> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          location: res.headers.location ?? null,
          type: res.headers['content-type'] ?? '',
          text: Buffer.concat(chunks).toString('utf8'),
        }),
      );
      res.on('error', reject);
    });
    req.on('error', (err: NodeJS.ErrnoException) => (err.code === 'ECONNRESET' || err.code === 'EPIPE' ? resolve(null) : reject(err)));
    req.end(body);
  });
}

describeEachDialect('sign-on forms (property)', (ctx) => {
  let t: TestLantern;
  let slug: string;
  const db = () => t.lantern.core.db;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
    const list = await insertList(db(), {
      slug: 'updates',
      name: 'Campaign updates',
      description: '',
      wording: 'Email me campaign news.',
      at: Date.now(),
    });
    slug = (await openTestAction(t.lantern.core, { kind: 'sign_on', newsletterListId: list })).slug;
  }, 60_000);
  afterAll(() => t?.close());

  const n = async (q: Promise<{ n: unknown } | undefined>) => Number((await q)?.n ?? 0);
  const counts = async () => ({
    signOns: await n(
      db()
        .selectFrom('sign_ons')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
    withLogo: await n(
      db()
        .selectFrom('sign_ons')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('logo_file_id', 'is not', null)
        .executeTakeFirst(),
    ),
    files: await n(
      db()
        .selectFrom('files')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
    links: await n(
      db()
        .selectFrom('tokens')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('purpose', '=', 'sign_on_confirm')
        .executeTakeFirst(),
    ),
    mail: await n(
      db()
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('name', '=', 'sendEmail')
        .executeTakeFirst(),
    ),
    supporters: await n(
      db()
        .selectFrom('supporters')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst(),
    ),
  });

  test('the sign-on form: any input gets a 303 or a clear 4xx page; only a whole sign-on is stored', async () => {
    const c = new TestClient(t.baseUrl);
    await c.get(`/act/${slug}/sign-on`);
    // Near-valid sign-ons turn up often, so the accepting path is exercised too; each gets a fresh address.
    const validish = fc.record(
      {
        organisation: fc.oneof(
          { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 60 }) },
          { weight: 1, arbitrary: scalar },
        ),
        website: fc.oneof(
          { weight: 4, arbitrary: fc.constantFrom('', 'example.org', 'https://www.example.org/about', 'http://ملتقى.example.org') },
          { weight: 1, arbitrary: fc.oneof(fc.constantFrom('javascript:alert(1)', 'ftp://x.example'), scalar) },
        ),
        contactName: fc.oneof(
          { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 40 }) },
          { weight: 1, arbitrary: scalar },
        ),
        contactRole: fc.oneof(fc.constant(''), fc.string({ unit: 'grapheme', maxLength: 40 })),
        email: fc
          .tuple(fc.stringMatching(/^[a-z0-9][a-z0-9.+-]{0,20}$/), fc.uuid())
          .map(([l, u]) => `${l.replace(/\.+$/, '')}.${u}@example.org`),
        optIn: fc.constantFrom(undefined, 'on', 'yes', ''),
        homepage: fc.constantFrom('', '', '', '', 'http://spam.example.com'),
      },
      { requiredKeys: ['organisation', 'contactName', 'email'] },
    );
    const anyFields = fc.record(
      Object.fromEntries(
        ['organisation', 'website', 'contactName', 'contactRole', 'email', 'optIn', 'homepage', 'altcha', '_csrf', 'logo'].map((k) => [
          k,
          value,
        ]),
      ),
      { requiredKeys: [] },
    );
    // Either anything at all, or a near-valid sign-on sent the way a browser would (so the accepting path is
    // exercised often): same origin, as multipart or a plain form, with a good, bad or no logo.
    const scenario = fc.oneof(
      fc.tuple(fc.oneof(anyFields, validish), logo, encoding, fetchSite, fc.boolean()),
      fc.tuple(
        validish,
        fc.oneof(fc.constant(undefined), fc.constant(undefined), logo),
        fc.constantFrom<Encoding>('multipart', 'multipart', 'form'),
        fc.constant('same-origin'),
        fc.constant(false),
      ),
    );
    let stored = 0;
    let refused = 0;

    await fc.assert(
      fc.asyncProperty(scenario, async ([f, file, how, site, csrf]) => {
        const before = await counts();
        const fields = csrf ? { ...f, _csrf: c.lastCsrf ?? '' } : f;
        const { body, contentType } = encode(fields, file, how);
        const headers: Record<string, string> = { 'x-forwarded-for': nextAddress() };
        if (contentType) headers['content-type'] = contentType;
        if (site) headers['sec-fetch-site'] = site;
        const r = await rawPost(new URL(`/act/${slug}/sign-on`, t.baseUrl), { accept: 'text/html', ...headers }, body);
        if (r === null) {
          // Reset before an answer: only a body refused unread (over the 1 MiB limit), and nothing stored.
          const size = typeof body === 'string' ? Buffer.byteLength(body) : (body?.byteLength ?? 0);
          expect(size).toBeGreaterThan(1024 * 1024);
          expect(await counts()).toEqual(before);
          return;
        }
        expectClearPage(r);
        expect(r.status === 303 || (r.status >= 400 && r.status < 500), `status ${r.status}`).toBe(true);
        const after = await counts();
        const delta = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as keyof typeof before]]));
        // Never a logo without its sign-on, whatever happened.
        expect(after.files).toBe(after.withLogo);
        if (r.status === 303 && delta.signOns === 1) {
          expect(r.location).toBe(`/act/${slug}/sign-on/check-your-email`);
          expect(delta.links).toBe(1);
          expect(delta.mail).toBe(1);
          expect(delta.files).toBe(delta.withLogo);
          expect(delta.supporters).toBeLessThanOrEqual(1);
          stored++;
        } else {
          // Refused, or a robot's trap answer (a 303 like everyone's): nothing at all.
          if (r.status === 303) expect(r.location).toBe(`/act/${slug}/sign-on/check-your-email`);
          if (r.status === 422) expect(r.text).toMatch(/There is a problem|press Sign up our organisation again/);
          expect(delta).toEqual({ signOns: 0, withLogo: 0, files: 0, links: 0, mail: 0, supporters: 0 });
          refused++;
        }
      }),
      { numRuns: 150 },
    );
    expect(stored).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  }, 240_000);

  test('the staff pages: any address, query or form gets a page, a redirect or a clear 4xx, never a 500', async () => {
    const { client } = await signedInAs(t, 'campaigner');
    const actionId = Number((await db().selectFrom('actions').select('id').where('slug', '=', slug).executeTakeFirstOrThrow()).id);
    const signOnIds = (await db().selectFrom('sign_ons').select('id').limit(5).execute()).map((r) => String(r.id));
    // Path segments are kept under the router's 200-character limit (a longer one is answered by the router itself).
    const short = scalar.map((x) => formString(x).slice(0, 150));
    const id = fc.oneof(fc.constant(String(actionId)), fc.constantFrom(...signOnIds, '0', '-1', '1e3', '99999999999999999999'), short);
    const query = fc.record(
      {
        status: fc.oneof(fc.constantFrom('pending', 'approved', 'rejected', 'unconfirmed'), short),
        page: fc.oneof(fc.nat().map(String), short),
        done: short,
      },
      { requiredKeys: [] },
    );
    const qs = (q: Record<string, unknown>) => new URLSearchParams(Object.entries(q).map(([k, v]) => [k, formString(v)])).toString();
    await client.get(`/admin/actions/${actionId}/sign-ons`);
    await fc.assert(
      fc.asyncProperty(id, id, query, fc.constantFrom('approve', 'reject', 'export', 'view'), async (a, so, q, what) => {
        const base = `/admin/actions/${encodeURIComponent(a)}/sign-ons`;
        const r =
          what === 'view'
            ? await client.get(`${base}?${qs(q)}`)
            : await client.post(what === 'export' ? `${base}/export` : `${base}/${encodeURIComponent(so)}/${what}?${qs(q)}`, {
                status: formString(q.status ?? ''),
              });
        expect(r.status, `${what} ${a} ${so}`).toBeLessThan(500);
        if (r.status >= 400) expect(r.text).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
      }),
      { numRuns: 80 },
    );
  }, 120_000);

  test('the confirmation link: any token gets the button page or a 404, and a bad one changes nothing', async () => {
    const c = new TestClient(t.baseUrl);
    const token = fc.oneof(
      fc.string({ maxLength: 60 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{43}$/),
      scalar.map((x) => formString(x).slice(0, 500)),
    );
    await fc.assert(
      fc.asyncProperty(token, fc.constantFrom(slug, 'no-such-statement'), async (tok, s) => {
        const before = await counts();
        const path = `/act/${s}/sign-on/confirm/${encodeURIComponent(tok)}`;
        const g = await c.get(path);
        expect(g.status, path).toBeLessThan(500);
        const file = await c.get(`/files/${encodeURIComponent(tok)}`);
        expect([404, 414]).toContain(file.status);
        const p = await c.post(path);
        expect(p.status, path).toBeLessThan(500);
        expect(p.status >= 400, path).toBe(true);
        expect(await counts()).toEqual(before);
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});
