import fc from 'fast-check';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { garbage } from '../../test/helpers/garbage.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { importPostcodesFile } from './import.js';

// The JSON lookup the letter forms' scripts may call, the staff page about the data, and the attribution the data's
// licences ask for, through real HTTP on each dialect.

describeEachDialect('representatives over HTTP', (ctx) => {
  let t: TestLantern;
  let address = 0;
  /** A fresh address per request (behind a trusted proxy), so the rate limit does not decide the answers. */
  const from = () => {
    address++;
    return { 'x-forwarded-for': `10.9.${(address >> 8) & 255}.${address & 255}`, accept: 'application/json' };
  };
  const api = (pc: string, headers: Record<string, string> = from()) =>
    t.client().get(`/api/representatives/postcode/${encodeURIComponent(pc.toWellFormed())}`, headers);

  beforeAll(async () => {
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' } });
  });
  afterAll(() => t?.close());

  test('a postcode gives JSON of its constituency and MP, never cached', async () => {
    const r = await api(' ab11 5aa ');
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    expect(JSON.parse(r.text)).toMatchObject({
      kind: 'found',
      postcode: 'AB11 5AA',
      constituency: { code: 'S14000061', name: 'Aberdeen South', nation: 'Scotland' },
      mp: { memberId: expect.any(Number) },
    });
    expect(JSON.parse((await api('BT9 5AB')).text)).toMatchObject({
      kind: 'choose',
      reason: 'northern_ireland',
      candidates: expect.any(Array),
    });
    expect(JSON.parse((await api('JE2 4WD')).text)).toMatchObject({ kind: 'not_covered', reason: 'crown_dependency' });
  });

  test('a malformed postcode is a 422 saying what to enter', async () => {
    const r = await api('not a postcode');
    expect(r.status).toBe(422);
    expect(JSON.parse(r.text)).toEqual({
      error: {
        code: 'invalid',
        message: 'Enter a UK postcode, like SW1A 0AA. Check it for typing mistakes.',
        fields: { postcode: expect.any(String) },
      },
    });
  });

  test('garbage in the postcode gets a clear 4xx or an answer, never a 500', async () => {
    const { scalar } = garbage({ extra: ['..', '%', '%2F', '?', '#', 'BFPO 1', 'GIR 0AA', 'bt1 1aa'], maxRepeat: 400, hugeValue: false });
    await fc.assert(
      fc.asyncProperty(scalar, async (raw) => {
        const r = await api(raw);
        expect(r.status).toBeLessThan(500);
        if (r.status === 200) expect(JSON.parse(r.text).kind).toMatch(/^(found|choose|not_covered)$/);
        else {
          expect(r.status).toBeGreaterThanOrEqual(400);
          const body = JSON.parse(r.text);
          // Fastify answers a path segment over the router's 2,000-character limit itself (414, its own JSON shape).
          expect(r.status === 414 ? body.message : body.error.message).toMatch(/\w/);
        }
      }),
      { numRuns: 150 },
    );
  });

  test('lookups are rate-limited per address', async () => {
    const headers = from();
    let status = 0;
    for (let i = 0; i < 61 && status !== 429; i++) status = (await api('AB11 5AA', headers)).status;
    expect(status).toBe(429);
    expect((await api('AB11 5AA')).status).toBe(200);
  });

  test('owners see what data is loaded; other roles may not', async () => {
    const { client } = await signedInAs(t, 'owner');
    const r = await client.get('/admin/representatives');
    expect(r.status).toBe(200);
    expect(r.text).toContain('<h1>MPs and postcodes</h1>');
    expect(r.text).toMatch(/Constituencies<\/dt><dd>650</);
    expect(r.text).toMatch(/MPs without an email address<\/dt><dd class="bad">4</);
    expect(r.text).toContain('current_mps.csv');
    expect(r.text).toContain('Shipped with Lantern');
    expect(r.text).toMatch(/Postcode ranges<\/dt><dd>54,076</);
    expect(r.text).toContain('mysociety_pcon_2024_range_lookup.json');
    expect(r.text).toContain('No postcodes are imported');
    // After an import, the page shows what it stored and skipped.
    await importPostcodesFile(ctx.db, fileURLToPath(new URL('./fixtures/onspd_aug2024_extract.csv', import.meta.url)));
    const after = await client.get('/admin/representatives');
    expect(after.text).toMatch(/Imported postcodes<\/dt><dd>3</);
    expect(after.text).toContain('onspd_aug2024_extract.csv');
    expect(after.text).toContain('terminated postcodes: 2');
    expect(after.text).not.toContain('No postcodes are imported');
    expect(JSON.parse((await api('AB12 3TP')).text)).toMatchObject({ kind: 'found', constituency: { code: 'S14000111' } });
    const { client: editor } = await signedInAs(t, 'campaigner');
    expect((await editor.get('/admin/representatives')).status).toBe(403);
    expect((await t.client().get('/admin/representatives')).status).toBe(303);
  });

  test('the data sources page carries the attributions the licences ask for', async () => {
    const r = await t.client().get('/data-sources');
    expect(r.status).toBe(200);
    for (const line of [
      'Contains Parliamentary information licensed under the Open Parliament Licence v3.0.',
      'Contains OS data © Crown copyright and database right; Contains Royal Mail data © Royal Mail copyright and database right; Source: Office for National Statistics licensed under the Open Government Licence v3.0.',
      'Constituency and postcode lookup © mySociety, CC BY 4.0.',
    ])
      expect(r.text).toContain(line);
  });
});
