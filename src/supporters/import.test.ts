import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { postMultipart } from '../../test/helpers/multipart.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { until } from '../../test/helpers/wait.js';
import { Worker } from '../core/jobs/worker.js';
import { deleteExpiredSupporterImports, IMPORT_KEEP_MS } from './import.js';
import { insertList } from './queries.js';
import { eraseSupporter, findSupporterByEmail, recordConsent, supporterConsent, upsertSupporter } from './service.js';

// CSV import end to end over HTTP: upload, map, check (a dry run that stores nothing), confirm, and the file's
// many ways of being awkward: a BOM, Windows-1252 bytes, formula cells, repeated addresses, a missing email
// column, broken quoting, spreadsheets, size limits, and a 50 MB file streamed through the jobs with progress.

describeEachDialect('supporter import', (ctx) => {
  let t: TestLantern;
  let staff: TestClient;
  let updates: number;
  let events: number;
  let worker: Worker | undefined;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    worker = startWorker();
    staff = (await signedInAs(t, 'campaigner')).client;
    const now = Date.now();
    updates = await insertList(ctx.db, {
      slug: 'updates',
      name: 'Campaign updates',
      description: '',
      wording: 'Email me campaign updates.',
      at: now,
    });
    events = await insertList(ctx.db, { slug: 'events', name: 'Events', description: '', wording: 'Tell me about events.', at: now });
  });
  afterAll(async () => {
    await worker?.stop();
    await t?.close();
  });

  // The test drives its own worker, so it can hold jobs back to look at a page while they are waiting.
  const startWorker = () => {
    const w = new Worker({
      db: ctx.db,
      queue: t.lantern.core.queue,
      handlers: t.lantern.handlers,
      logger: t.lantern.core.logger,
      pollMs: 50,
    });
    w.start();
    return w;
  };

  const core = () => t.lantern.core;
  const count = async (
    table: 'supporters' | 'consent_events' | 'subscriptions' | 'supporter_tags' | 'supporter_imports' | 'supporter_import_chunks',
  ) =>
    Number(
      (
        await ctx.db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  const importRow = (id: number) => ctx.db.selectFrom('supporter_imports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

  async function upload(content: Buffer | string, filename = 'people.csv') {
    await staff.get('/admin/supporters/import');
    return postMultipart(
      staff,
      '/admin/supporters/import',
      {},
      { field: 'file', filename, content: typeof content === 'string' ? Buffer.from(content, 'utf8') : content },
    );
  }

  async function uploaded(content: Buffer | string): Promise<number> {
    const r = await upload(content);
    expect(r.status, r.text.slice(0, 500)).toBe(303);
    return Number(/\/admin\/supporters\/import\/(\d+)$/.exec(r.location ?? '')![1]);
  }

  const mapping = (columns: string[], o: Record<string, string | string[]> = {}) => ({
    encoding: 'utf-8',
    header: '1',
    width: String(columns.length),
    basis: 'consent',
    consentDate: '2026-03-01',
    evidence: 'Paper sign-up sheet at the Pride stall: “Yes, email me about campaigns”.',
    lists: [String(updates)],
    ...Object.fromEntries(columns.map((c, i) => [`col_${i}`, c])),
    ...o,
  });

  async function check(id: number, form: Record<string, string | string[]>) {
    const page = await staff.get(`/admin/supporters/import/${id}`);
    expect(page.status).toBe(200);
    const r = await staff.post(`/admin/supporters/import/${id}/check`, form);
    expect(r.status, /<main[\s\S]*?<\/form>/.exec(r.text)?.[0]).toBe(303);
    await until(async () => (await importRow(id)).status !== 'checking', 30_000);
    expect((await importRow(id)).status).toBe('checked');
    return staff.get(`/admin/supporters/import/${id}`);
  }

  async function confirm(id: number) {
    await staff.get(`/admin/supporters/import/${id}`);
    const r = await staff.post(`/admin/supporters/import/${id}/confirm`);
    expect(r.status).toBe(303);
    await until(async () => (await importRow(id)).status !== 'importing', 60_000);
    expect((await importRow(id)).status).toBe('imported');
    return staff.get(`/admin/supporters/import/${id}`);
  }

  test('a file with a BOM, formula cells and a repeated address: checked without storing anything, then imported once', async () => {
    const csv =
      '\ufeffEmail,First name,Surname,Postcode,Phone,Tags,Notes\r\n' +
      'amira@example.org,Amira,Haddad,sw1a 1aa,+44 20 7946 0000,volunteer; donor,met at stall\r\n' +
      'bad-address,No,Email,,,,\r\n' +
      'AMIRA@example.org,Amira,Again,,,,repeat\r\n' +
      'formula@example.org,"=HYPERLINK(""http://evil.example"",""click"")",@risk,,,,\r\n' +
      ',Blank,Email,,,,\r\n' +
      '\r\n' +
      'tab@example.org,\tTabby,-Minus,,,,\r\n';
    const before = { supporters: await count('supporters'), consents: await count('consent_events') };
    const id = await uploaded(csv);

    const mapPage = await staff.get(`/admin/supporters/import/${id}`);
    expect(mapPage.text).toContain('Choose the columns');
    // Headings are found (the BOM does not stick to the first one) and guessed.
    expect(mapPage.text).toMatch(/<option value="email" selected>/);
    expect(mapPage.text).toContain('>Email</th>');
    expect(mapPage.text).toContain('amira@example.org');

    const report = await check(id, mapping(['email', 'firstName', 'lastName', 'postcode', 'phone', 'tags', 'ignore']));
    expect(report.text).toContain('Check before importing');
    // The dry run stored no supporter, consent, subscription or tag.
    expect({ supporters: await count('supporters'), consents: await count('consent_events') }).toEqual(before);
    const r = await importRow(id);
    expect(r.rows_total).toBe(6);
    // Per-row problems with their row numbers (the header is row 1, as in a spreadsheet) and columns.
    const rows = [
      ...report.text.matchAll(/<tr><td>(\d+)<\/td><td>([^<]*)<\/td><td class="wrap-anywhere">([^<]*)<\/td><td>([^<]*)<\/td><\/tr>/g),
    ].map((m) => ({
      row: Number(m[1]),
      column: m[2] ?? '',
      message: m[3]!
        .replace(/&quot;/g, '"')
        .replace(/&amp;/g, '&')
        .replace(/&#x27;|&#39;/g, "'"),
      effect: m[4],
    }));
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          row: 3,
          column: 'Email address (column 1)',
          message: '“bad-address” is not an email address',
          effect: 'row skipped',
        }),
        expect.objectContaining({ row: 4, message: 'The same email address as row 2: only row 2 is imported', effect: 'warning' }),
        expect.objectContaining({ row: 5, column: 'First name (column 2)', effect: 'warning' }),
        expect.objectContaining({ row: 5, column: 'Last name (column 3)', effect: 'warning' }),
        expect.objectContaining({ row: 6, message: 'There is no email address in this row', effect: 'row skipped' }),
        expect.objectContaining({ row: 8, column: 'First name (column 2)', effect: 'warning' }),
        expect.objectContaining({ row: 8, column: 'Last name (column 3)', effect: 'warning' }),
      ]),
    );
    expect(rows.find((x) => x.row === 5 && x.column.startsWith('First'))!.message).toMatch(/Starts with “=”.*formula/);
    // A phone number starting with + is a phone number, not a formula.
    expect(rows.filter((x) => x.row === 2)).toEqual([]);
    expect(report.text).toMatch(/New supporters<\/dt><dd>3</);
    expect(report.text).toContain('Import 3 supporters');

    const done = await confirm(id);
    expect(done.text).toContain('Import finished');
    expect(await count('supporter_import_chunks')).toBe(0);
    const amira = (await findSupporterByEmail(ctx.db, core().keyring, 'amira@example.org'))!;
    expect(amira).toMatchObject({
      firstName: 'Amira',
      lastName: 'Haddad',
      postcode: 'SW1A 1AA',
      phone: '+44 20 7946 0000',
      source: 'import',
    });
    expect(amira.confirmedAt).not.toBeNull();
    const formula = (await findSupporterByEmail(ctx.db, core().keyring, 'formula@example.org'))!;
    // Stored as the text it was, never evaluated or altered.
    expect(formula.firstName).toBe('=HYPERLINK("http://evil.example","click")');
    expect(formula.lastName).toBe('@risk');
    const c = await supporterConsent(ctx.db, amira.id);
    expect(c.tags).toEqual(['donor', 'volunteer']);
    expect(c.subscriptions).toEqual([expect.objectContaining({ listId: updates, status: 'subscribed', lawfulBasis: 'consent' })]);
    expect(c.ledger).toEqual([
      expect.objectContaining({
        kind: 'granted',
        lawfulBasis: 'consent',
        wording: 'Email me campaign updates.',
        source: expect.stringContaining('consent given 2026-03-01; Paper sign-up sheet'),
      }),
    ]);
    expect(await count('supporters')).toBe(before.supporters + 3);
    const audit = await ctx.db.selectFrom('audit_log').selectAll().where('target', '=', `import ${id}`).orderBy('id').execute();
    expect(audit.map((a) => a.action)).toEqual([
      'supporters.import.upload',
      'supporters.import.check',
      'supporters.import.confirm',
      'supporters.import.finish',
    ]);
    expect(JSON.stringify(audit)).not.toMatch(/amira|haddad|formula@/i);

    // The same file again: nobody is added twice and consent is not recorded twice.
    const afterFirst = {
      supporters: await count('supporters'),
      consents: await count('consent_events'),
      subs: await count('subscriptions'),
      tags: await count('supporter_tags'),
    };
    const again = await uploaded(csv);
    const report2 = await check(again, mapping(['email', 'firstName', 'lastName', 'postcode', 'phone', 'tags', 'ignore']));
    expect(report2.text).toMatch(/Already on file \(details updated\)<\/dt><dd>3</);
    await confirm(again);
    expect({
      supporters: await count('supporters'),
      consents: await count('consent_events'),
      subs: await count('subscriptions'),
      tags: await count('supporter_tags'),
    }).toEqual(afterFirst);
    expect((await importRow(again)).counts).toBe(JSON.stringify({ created: 0, updated: 3, skipped: 3, consents: 0 }));
  });

  test('Windows-1252 bytes are detected, refused as UTF-8, and read correctly as Windows-1252', async () => {
    // "José Müller" and "Zoë" in Windows-1252: é = E9, ü = FC, ë = EB; and a curly apostrophe (92) in O’Neill.
    const bytes = Buffer.concat([
      Buffer.from('email;first;last\n', 'ascii'),
      Buffer.from('jose@example.org;Jos', 'ascii'),
      Buffer.from([0xe9]),
      Buffer.from(';M', 'ascii'),
      Buffer.from([0xfc]),
      Buffer.from('ller\n', 'ascii'),
      Buffer.from('zoe@example.org;Zo', 'ascii'),
      Buffer.from([0xeb]),
      Buffer.from(';O', 'ascii'),
      Buffer.from([0x92]),
      Buffer.from('Neill\n', 'ascii'),
    ]);
    const id = await uploaded(bytes);
    const page = await staff.get(`/admin/supporters/import/${id}`);
    expect(page.text).toContain('This file is not UTF-8');
    expect(page.text).toContain('José');
    // Semicolons were recognised as the separator.
    expect(page.text).toContain('>first</th>');
    const asUtf8 = await staff.post(`/admin/supporters/import/${id}/check`, mapping(['email', 'firstName', 'lastName']));
    expect(asUtf8.status).toBe(422);
    expect(asUtf8.text).toContain('This file is not valid UTF-8');
    expect((await importRow(id)).status).toBe('uploaded');
    await check(id, mapping(['email', 'firstName', 'lastName'], { encoding: 'windows-1252' }));
    await confirm(id);
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'jose@example.org')).toMatchObject({ firstName: 'José', lastName: 'Müller' });
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'zoe@example.org')).toMatchObject({ firstName: 'Zoë', lastName: 'O’Neill' });
  });

  test('the mapping form refuses a file without an email column, no lawful basis, no lists, and garbage, storing nothing', async () => {
    const jobs = async () => (await ctx.db.selectFrom('jobs').select('id').where('name', '=', 'checkSupporterImport').execute()).length;
    const jobsBefore = await jobs();
    const id = await uploaded('Name,Town\nAsha,Leeds\n');
    await staff.get(`/admin/supporters/import/${id}`);
    const r = await staff.post(
      `/admin/supporters/import/${id}/check`,
      mapping(['firstName', 'ignore'], { basis: '', evidence: '', lists: [] }),
    );
    expect(r.status).toBe(422);
    expect(r.text).toContain('Choose the column that holds email addresses');
    expect(r.text).toContain('Choose the lawful basis for emailing these people');
    expect(r.text).toContain('Enter where, when and how they agreed');
    expect(r.text).toContain('Choose at least one list');
    const twoEmails = await staff.post(`/admin/supporters/import/${id}/check`, mapping(['email', 'email'], { consentDate: '2999-01-01' }));
    expect(twoEmails.status).toBe(422);
    expect(twoEmails.text).toContain('Only one column can be “Email address”');
    expect(twoEmails.text).toContain('cannot be in the future');
    const stale = await staff.post(`/admin/supporters/import/${id}/check`, mapping(['email', 'ignore', 'ignore']));
    expect(stale.status).toBe(422);
    expect(stale.text).toContain('The columns changed');
    const archived = await insertList(ctx.db, { slug: 'old', name: 'Old list', description: '', wording: 'Old.', at: Date.now() });
    await ctx.db.updateTable('lists').set({ archived_at: Date.now() }).where('id', '=', archived).execute();
    const badList = await staff.post(
      `/admin/supporters/import/${id}/check`,
      mapping(['email', 'ignore'], { lists: [String(archived), '99999'] }),
    );
    expect(badList.status).toBe(422);
    expect(badList.text).toContain('Choose lists that exist and are not archived');
    const row = await importRow(id);
    expect(row).toMatchObject({ status: 'uploaded', settings_enc: null, report_enc: null });
    expect(await jobs()).toBe(jobsBefore);
  });

  test('spreadsheets, empty files, files over 60 MB and broken quoting are refused with a reason; a failed CSRF check keeps nothing', async () => {
    const before = await count('supporter_imports');
    const chunksBefore = await count('supporter_import_chunks');
    const xlsx = await upload(Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 1)]), 'people.xlsx');
    expect(xlsx.status).toBe(422);
    expect(xlsx.text).toContain('This is a spreadsheet file, not CSV');
    const empty = await upload(Buffer.alloc(0));
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('The file is empty');
    const none = await postMultipart(staff, '/admin/supporters/import', {});
    expect(none.status).toBe(422);
    expect(none.text).toContain('Choose a CSV file to upload');
    const huge = await upload(Buffer.alloc(61 * 1024 * 1024, 'a'));
    expect(huge.status).toBe(422);
    expect(huge.text).toContain('The file is larger than 60 MB');
    const forged = await postMultipart(
      staff,
      '/admin/supporters/import',
      { _csrf: 'forged' },
      { field: 'file', filename: 'x.csv', content: Buffer.from('email\na@example.org\n') },
    );
    expect(forged.status).toBe(403);
    await until(async () => (await count('supporter_imports')) === before);
    expect(await count('supporter_import_chunks')).toBe(chunksBefore);

    // Broken quoting near the top is shown as soon as the file is read; further down, the check finds it.
    const early = await uploaded('email,name\nq1@example.org,"Fine"\nq2@example.org,"never closed\n');
    const earlyPage = await staff.get(`/admin/supporters/import/${early}`);
    expect(earlyPage.text).toContain('Line 3 of the file cannot be read: a value starts with a quote mark (&quot;) that is never closed');
    expect(earlyPage.text).not.toContain('/check');
    const late = await uploaded(
      `email,name\n${Array.from({ length: 40 }, (_, i) => `q${i}@example.org,Fine`).join('\n')}\nq99@example.org,"never closed\n`,
    );
    const report = await check(late, mapping(['email', 'firstName']));
    expect(report.text).toContain('Line 42 of the file cannot be read');
    expect(report.text).not.toContain('/confirm');
    await staff.get(`/admin/supporters/import/${late}`);
    const refused = await staff.post(`/admin/supporters/import/${late}/confirm`);
    expect(refused.status).toBe(409);
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'q1@example.org')).toBeUndefined();
  });

  test('an import never resubscribes someone who left a list, nor brings back someone erased at their request', async () => {
    const left = await upsertSupporter(
      ctx.db,
      core().keyring,
      { email: 'left@example.org', firstName: 'Left' },
      { source: 'signup', mode: 'fill', confirmed: true },
    );
    await recordConsent(ctx.db, { supporterId: left.id, listIds: [updates], change: 'granted', basis: 'consent', source: 'signup' });
    await recordConsent(ctx.db, { supporterId: left.id, listIds: [updates], change: 'withdrawn', basis: null, source: 'unsubscribe link' });
    const gone = await upsertSupporter(
      ctx.db,
      core().keyring,
      { email: 'gone@example.org' },
      { source: 'signup', mode: 'fill', confirmed: true },
    );
    await eraseSupporter(core(), gone.id, { source: 'test' });
    const id = await uploaded('email\nleft@example.org\ngone@example.org\n');
    const report = await check(id, mapping(['email'], { lists: [String(updates), String(events)] }));
    expect(report.text).toContain('Unsubscribed from Campaign updates earlier: they stay unsubscribed');
    expect(report.text).toContain('asked for their data to be erased');
    await confirm(id);
    const c = await supporterConsent(ctx.db, left.id);
    expect(c.subscriptions.map((s) => [s.list, s.status]).sort()).toEqual([
      ['Campaign updates', 'unsubscribed'],
      ['Events', 'subscribed'],
    ]);
    expect(await findSupporterByEmail(ctx.db, core().keyring, 'gone@example.org')).toBeUndefined();
  });

  test('the uploaded file is encrypted at rest and deleted 24 hours after upload', async () => {
    const id = await uploaded('email,first\nplaintext.person.9q@example.org,Plaintextname\n');
    const chunks = await ctx.db.selectFrom('supporter_import_chunks').select('data_enc').where('import_id', '=', id).execute();
    expect(chunks.length).toBe(1);
    expect(chunks[0]!.data_enc).not.toContain('plaintext');
    expect(JSON.stringify(await importRow(id))).not.toContain('plaintext');
    expect(await deleteExpiredSupporterImports(core(), Date.now())).toBe(0);
    await deleteExpiredSupporterImports(core(), Date.now() + IMPORT_KEEP_MS + 60_000);
    expect(await ctx.db.selectFrom('supporter_imports').select('id').where('id', '=', id).executeTakeFirst()).toBeUndefined();
    expect(await ctx.db.selectFrom('supporter_import_chunks').select('seq').where('import_id', '=', id).execute()).toEqual([]);
    expect((await staff.get(`/admin/supporters/import/${id}`)).status).toBe(404);
  });

  test('a 50 MB file is stored in chunks, checked and imported by jobs, with progress on a self-refreshing page', async () => {
    const rows = 5000;
    const filler = 'x'.repeat(10_500);
    const lines = ['email,first,last,notes'];
    for (let i = 0; i < rows; i++) lines.push(`big${i}@example.org,Big,Person${i},${filler}`);
    const content = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    expect(content.length).toBeGreaterThan(50 * 1024 * 1024);
    const started = Date.now();
    const id = await uploaded(content);
    expect((await importRow(id)).chunks).toBeGreaterThanOrEqual(50);
    await staff.get(`/admin/supporters/import/${id}`);
    // Jobs are held back until the waiting page has been looked at.
    await worker!.stop();
    const r = await staff.post(`/admin/supporters/import/${id}/check`, mapping(['email', 'firstName', 'lastName', 'ignore']));
    expect(r.status).toBe(303);
    // Refreshing itself is the viewer's choice (a timed refresh is a WCAG 2.2.1 time limit).
    expect((await staff.get(`/admin/supporters/import/${id}`)).text).not.toContain('http-equiv');
    const progress = await staff.get(`/admin/supporters/import/${id}?refresh=on`);
    expect(progress.text, /<main[\s\S]*<\/main>/.exec(progress.text)?.[0]).toContain('<meta http-equiv="refresh" content="3"/>');
    expect(progress.text).toContain('Checking the file');
    expect(progress.text).toMatch(/<progress id="import-progress" max="100" value="\d+">/);
    worker = startWorker();
    await until(async () => (await importRow(id)).status === 'checked', 40_000);
    expect((await importRow(id)).rows_total).toBe(rows);
    await staff.get(`/admin/supporters/import/${id}`);
    await worker.stop();
    expect((await staff.post(`/admin/supporters/import/${id}/confirm`)).status).toBe(303);
    const waiting = await staff.get(`/admin/supporters/import/${id}?refresh=on`);
    expect(waiting.text).toContain('Importing supporters');
    expect(waiting.text).toContain('0 of 5,000 rows done (0%)');
    expect(waiting.text).toContain('<meta http-equiv="refresh" content="3"/>');
    worker = startWorker();
    const seen = new Set<number>();
    await until(async () => {
      const row = await importRow(id);
      seen.add(row.rows_done);
      return row.status === 'imported';
    }, 60_000);
    // Progress was committed batch by batch, not only at the end.
    expect([...seen].some((n) => n > 0 && n < rows)).toBe(true);
    expect(JSON.parse((await importRow(id)).counts!)).toEqual({ created: rows, updated: 0, skipped: 0, consents: rows });
    expect(await findSupporterByEmail(ctx.db, core().keyring, `big${rows - 1}@example.org`)).toMatchObject({
      lastName: `Person${rows - 1}`,
    });
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);
});
