import { Writable } from 'node:stream';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { z } from 'zod';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { freePort } from '../../../test/helpers/app.js';
import { describeEachDialect, testConfig } from '../../../test/helpers/db.js';
import { TestClient } from '../../../test/helpers/http.js';
import { createKeyring } from '../crypto.js';
import { createWebApp } from './app.js';
import { email, parseForm, text } from './forms.js';
import { AppError } from './errors.js';

describeEachDialect('web core', (ctx) => {
  let app: FastifyInstance;
  let base: string;
  const logLines: string[] = [];

  beforeAll(async () => {
    const port = await freePort();
    const config = testConfig(ctx.testDb, { PORT: String(port), METRICS_TOKEN: 'metrics-token-0123456789' });
    const logger = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (logLines.push(String(c)), cb()) }));
    app = await createWebApp({
      config,
      db: ctx.db,
      keyring: createKeyring(config.secret),
      logger,
      nav: [{ href: '/', label: 'Home' }],
      adminNav: [],
    });
    const Form = z.object({ name: text('your name'), email: email() });
    app.get('/form', async (req, reply) =>
      reply.page({
        title: 'Form',
        body: (
          <form method="post">
            <input type="hidden" name="_csrf" value={req.csrfToken()} />
          </form>
        ),
      }),
    );
    app.post('/form', async (req, reply) => {
      const r = parseForm(Form, req.body);
      if (!r.ok) return reply.code(422).send({ errors: r.errors });
      return reply.redirect('/form', 303);
    });
    app.get('/boom', async () => {
      throw new Error('secret internals for someone@example.org');
    });
    app.get('/teapot', async () => {
      throw new AppError(409, 'conflict', 'Already there.');
    });
    await app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
  });
  afterAll(() => app.close());

  test('unknown routes get the 404 page in the layout, or JSON when asked for JSON', async () => {
    const c = new TestClient(base);
    const html = await c.get('/no/such/page');
    expect(html.status).toBe(404);
    expect(html.headers.get('content-type')).toContain('text/html');
    expect(html.text).toContain('Page not found');
    expect(html.text).toContain('<main id="main"');
    const json = await c.get('/no/such/page', { accept: 'application/json' });
    expect(json.status).toBe(404);
    expect(JSON.parse(json.text)).toEqual({ error: { code: 'not_found', message: expect.any(String), fields: {} } });
  });

  test('unexpected errors are a 500 page that reveals nothing, and the log has no address', async () => {
    const r = await new TestClient(base).get('/boom');
    expect(r.status).toBe(500);
    expect(r.text).not.toContain('secret internals');
    expect(logLines.join('')).toContain('unhandled error');
    expect(logLines.join('')).not.toContain('someone@example.org');
  });

  test('AppError keeps its status and message', async () => {
    const r = await new TestClient(base).get('/teapot', { accept: 'application/json' });
    expect(r.status).toBe(409);
    expect(JSON.parse(r.text).error).toMatchObject({ code: 'conflict', message: 'Already there.' });
  });

  test('every response carries the security headers; the CSP names no other origin', async () => {
    const r = await new TestClient(base).get('/form');
    const csp = r.headers.get('content-security-policy')!;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(csp).not.toContain('unsafe-inline');
    expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    expect(r.headers.get('referrer-policy')).toBe('same-origin');
    expect(r.headers.get('x-frame-options')).toBe('DENY');
    // HSTS only makes sense behind https (BASE_URL is http here).
    expect(r.headers.get('strict-transport-security')).toBeNull();
  });

  test('CSRF: a post without the token, with a wrong one or from another site is refused; with it, accepted', async () => {
    const c = new TestClient(base);
    await c.get('/form');
    expect((await c.request('POST', '/form', { form: { name: 'A', email: 'a@example.org' } })).status).toBe(403);
    expect((await c.request('POST', '/form', { form: { _csrf: 'forged', name: 'A', email: 'a@example.org' } })).status).toBe(403);
    expect(
      (
        await c.request('POST', '/form', {
          form: { _csrf: c.lastCsrf!, name: 'A', email: 'a@example.org' },
          headers: { 'sec-fetch-site': 'cross-site' },
        })
      ).status,
    ).toBe(403);
    const other = new TestClient(base);
    await other.get('/form');
    // A token from another visitor's cookie does not fit this visitor's cookie.
    expect((await c.request('POST', '/form', { form: { _csrf: other.lastCsrf!, name: 'A', email: 'a@example.org' } })).status).toBe(403);
    expect((await c.post('/form', { name: 'A', email: 'a@example.org' })).status).toBe(303);
  });

  test('bad input: 422 with field messages, 413 oversize, 415 wrong type, 400 broken JSON — never 500', async () => {
    const c = new TestClient(base);
    await c.get('/form');
    const invalid = await c.post('/form', { name: '', email: 'nope' });
    expect(invalid.status).toBe(422);
    expect(JSON.parse(invalid.text).errors).toEqual({ name: 'Enter your name', email: expect.stringContaining('right format') });
    const big = await c.request('POST', '/form', {
      body: `_csrf=${c.lastCsrf}&name=${'a'.repeat(1_200_000)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(big.status).toBe(413);
    const wrongType = await c.request('POST', '/form', { body: 'hello', headers: { 'content-type': 'text/plain' } });
    expect(wrongType.status).toBe(415);
    const xml = await c.request('POST', '/form', { body: '<a/>', headers: { 'content-type': 'application/xml' } });
    expect(xml.status).toBe(415);
    const broken = await c.request('POST', '/form', {
      body: '{"name":',
      headers: { 'content-type': 'application/json', 'x-csrf-token': c.lastCsrf! },
    });
    expect(broken.status).toBe(400);
  });

  test('malformed cookies are treated as absent', async () => {
    for (const cookie of [
      'lantern_csrf=%E0%A4%A',
      'lantern_csrf',
      '=;=;',
      'lantern_csrf="unterminated',
      `lantern_csrf=${'x'.repeat(5000)}`,
    ]) {
      const r = await fetch(`${base}/form`, { headers: { cookie } });
      expect(r.status).toBe(200);
    }
  });

  test('property: any form body gives 303, 403 or 422, never a 500', async () => {
    const c = new TestClient(base);
    await c.get('/form');
    const value = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string(), { maxLength: 3 }), fc.constant(''));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.oneof(fc.constantFrom('name', 'email', '_csrf'), fc.string()), value, { maxKeys: 5 }),
        fc.boolean(),
        async (form, withToken) => {
          const r = await c.request('POST', '/form', { form: withToken ? { ...form, _csrf: c.lastCsrf! } : form });
          expect([303, 400, 403, 422]).toContain(r.status);
        },
      ),
      { numRuns: 60 },
    );
  });

  test('healthz answers; metrics only from loopback without proxy headers, or with the token', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const m = await fetch(`${base}/metrics`);
    expect(m.status).toBe(200);
    const body = await m.text();
    expect(body).toContain('lantern_http_request_duration_seconds');
    expect(body).toContain('lantern_jobs_oldest_due_seconds');
    expect(body).toContain('route="/form"');
    expect((await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).status).toBe(404);
    expect((await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer wrong' } })).status).toBe(
      404,
    );
    expect(
      (await fetch(`${base}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer metrics-token-0123456789' } }))
        .status,
    ).toBe(200);
  });

  test('request logs carry the route pattern and status, never the URL, query, form or address', async () => {
    const c = new TestClient(base);
    await c.get('/form?email=planted%40example.org&token=abcdef');
    await c.post('/form', { name: 'Planted Name', email: 'planted@example.org' });
    const text = logLines.join('');
    expect(text).toContain('"route":"/form"');
    expect(text).not.toContain('planted');
    expect(text).not.toContain('abcdef');
    const requests = logLines.filter((l) => l.includes('"msg":"request"')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(requests.length).toBeGreaterThan(2);
    for (const r of requests) {
      expect(Object.keys(r).sort()).toEqual(['hostname', 'level', 'method', 'ms', 'msg', 'pid', 'reqId', 'route', 'status', 'time']);
    }
  });
});
