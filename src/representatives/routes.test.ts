import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { garbage } from '../../test/helpers/garbage.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { postMultipart } from '../../test/helpers/multipart.js';
import { until } from '../../test/helpers/wait.js';
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
    t = await startTestLantern(ctx, { env: { TRUST_PROXY: 'true' }, worker: true });
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
    expect(r.text).toMatch(/MPs with no email address<\/dt><dd class="bad">4</);
    expect(r.text).toContain('UK Parliament (June 2026), shipped with Lantern');
    expect(r.text).toMatch(
      /Postcode ranges<span[^>]*>[^<]*<\/span><\/th><td data-label="Where it comes from">mySociety[^<]*<\/td><td data-label="Last refreshed">With each version of Lantern<\/td><td class="num" data-label="Rows">54,076</,
    );
    expect(r.text).toContain('No postcodes have been imported');
    // After an import, the page shows what it stored and skipped.
    await importPostcodesFile(ctx.db, fileURLToPath(new URL('./fixtures/onspd_aug2024_extract.csv', import.meta.url)));
    const after = await client.get('/admin/representatives');
    expect(after.text).toMatch(/Postcodes imported<\/dt><dd>3</);
    expect(after.text).toContain('Imported from <span class="wrap-anywhere">onspd_aug2024_extract.csv</span>');
    expect(after.text).toContain('terminated postcodes: 2');
    expect(after.text).not.toContain('No postcodes have been imported');
    expect(JSON.parse((await api('AB12 3TP')).text)).toMatchObject({ kind: 'found', constituency: { code: 'S14000111' } });
    const { client: editor } = await signedInAs(t, 'campaigner');
    expect((await editor.get('/admin/representatives')).status).toBe(403);
    expect((await t.client().get('/admin/representatives')).status).toBe(303);
  });

  test('the page speaks to staff: what the data is, where from, when refreshed, and an upload form instead of server commands', async () => {
    const { client } = await signedInAs(t, 'owner');
    const r = await client.get('/admin/representatives');
    expect(r.text).toContain('When a supporter writes to their MP, Lantern finds their MP from their postcode.');
    expect(r.text).toContain('<th scope="col">Last refreshed</th>');
    expect(r.text).not.toContain('Version (SHA-256)');
    expect(r.text).toContain('<form method="post" action="/admin/representatives/uploads" enctype="multipart/form-data"');
    // Server commands are left to a disclosure for whoever runs the server, not the page's instructions.
    const beforeDetails = r.text.slice(0, r.text.indexOf('<details class="for-engineers">'));
    expect(beforeDetails).not.toContain('npx lantern');
  });

  test('a postcode file uploaded in the browser form is imported by a background job, with a progress page', async () => {
    const { client } = await signedInAs(t, 'owner', { name: 'Pat Upload' });
    await client.get('/admin/representatives');
    const content = await readFile(fileURLToPath(new URL('./fixtures/onspd_aug2024_extract.csv', import.meta.url)));
    const up = await postMultipart(
      client,
      '/admin/representatives/uploads',
      { kind: 'postcodes' },
      { field: 'file', filename: 'ONSPD_NOV_2026_UK.csv', content },
    );
    expect(up.status).toBe(303);
    const page = up.location!;
    expect(page).toMatch(/^\/admin\/representatives\/uploads\/\d+$/);
    const first = await client.get(page);
    expect(first.status).toBe(200);
    expect(first.text).toContain('Import of ONSPD_NOV_2026_UK.csv');
    expect(first.text).toMatch(/<progress id="upload-progress" value="\d+" max="100">/);
    expect(first.text).not.toContain('http-equiv="refresh"');
    await until(async () => (await client.get(page)).text.includes('The file was imported'));
    const done = await client.get(page);
    expect(done.text).toContain('<progress id="upload-progress" value="100" max="100">');
    expect(done.text).toContain('Imported 3 postcodes from 6 rows of ONSPD_NOV_2026_UK.csv');
    expect(JSON.parse((await api('AB12 3TP')).text)).toMatchObject({ kind: 'found', constituency: { code: 'S14000111' } });
    const id = Number(page.split('/').pop());
    expect(await ctx.db.selectFrom('representatives_upload_chunks').select('seq').where('upload_id', '=', id).execute()).toEqual([]);
    const data = await client.get('/admin/representatives');
    expect(data.text).toContain('Imported from <span class="wrap-anywhere">ONSPD_NOV_2026_UK.csv</span>');
    expect(data.text).toContain(`<a href="${page}" class="wrap-anywhere">ONSPD_NOV_2026_UK.csv</a>`);
    expect((await client.get('/admin')).text).toContain('<strong>Pat Upload</strong> uploaded the postcode file');
  });

  test('uploads that cannot be imported: refused at once (a ZIP, no file, no kind) or failed by the job with its reason', async () => {
    const { client } = await signedInAs(t, 'owner');
    await client.get('/admin/representatives');
    const count = async () =>
      Number(
        (
          await ctx.db
            .selectFrom('representatives_uploads')
            .select((eb) => eb.fn.countAll().as('n'))
            .executeTakeFirstOrThrow()
        ).n,
      );
    const before = await count();
    const zip = await postMultipart(
      client,
      '/admin/representatives/uploads',
      { kind: 'postcodes' },
      { field: 'file', filename: 'ONSPD.zip', content: Buffer.from([0x50, 0x4b, 0x03, 0x04, 1, 2, 3]) },
    );
    expect(zip.status).toBe(422);
    expect(zip.text).toContain('This is a ZIP archive');
    const none = await postMultipart(client, '/admin/representatives/uploads', { kind: 'nonsense' });
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a file to upload');
    expect(none.text).toContain('Choose what the file holds');
    expect(await count()).toBe(before);
    const wrong = await postMultipart(
      client,
      '/admin/representatives/uploads',
      { kind: 'postcodes' },
      { field: 'file', filename: 'shopping.csv', content: Buffer.from('item,price\napples,2\n') },
    );
    expect(wrong.status).toBe(303);
    await until(async () => (await client.get(wrong.location!)).text.includes('could not be imported'));
    expect((await client.get(wrong.location!)).text).toContain('shopping.csv is not an ONSPD or NSPL file');
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
