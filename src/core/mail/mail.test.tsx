import { createServer } from 'node:net';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { freePort } from '../../../test/helpers/app.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { createKeyring } from '../crypto.js';
import { JobQueue } from '../jobs/queue.js';
import { Worker } from '../jobs/worker.js';
import { createLogger } from '../log.js';
import { saveSiteSettings } from '../settings.js';
import { catcherTransport, Mailer, smtpTransport } from './mailer.js';
import { renderEmail } from './render.js';
import { until } from '../../../test/helpers/wait.js';

const keyring = createKeyring('test-secret-0123456789abcdef0123456789abcdef');
const queue = new JobQueue(keyring);
const logger = createLogger('silent');

const welcome = (name: string) =>
  renderEmail({
    subject: `Welcome, ${name}`,
    orgName: 'Freedom Thread',
    body: (
      <>
        <p>Dear {name},</p>
        <p>
          Thank you for joining. <a href="https://example.org/confirm/abc">Confirm your address</a>.
        </p>
      </>
    ),
  });

describeEachDialect('mail', (ctx) => {
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRcpt: (a) => a.startsWith('bounce') });
  });
  afterAll(() => sink.close());

  const jobState = async (name: string) =>
    await ctx.db
      .selectFrom('jobs')
      .select(['state', 'attempts', 'last_error'])
      .where('name', '=', name)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();

  test('templates render escaped HTML and a plain-text part', () => {
    const m = welcome('<script>alert(1)</script> Zoë');
    expect(m.html).toContain('&lt;script>alert(1)&lt;/script> Zoë');
    expect(m.html).not.toContain('<script>');
    expect(m.text).toContain('Dear <script>alert(1)</script> Zoë,');
    expect(m.text).toContain('Confirm your address [https://example.org/confirm/abc]');
  });

  test('a queued message is delivered through real SMTP with HTML, text and headers, and recorded encrypted', async () => {
    const mailer = new Mailer({
      db: ctx.db,
      keyring,
      queue,
      transport: smtpTransport(sink.url),
      from: 'Freedom Thread <hello@example.org>',
      host: 'example.org',
    });
    const worker = new Worker({ db: ctx.db, queue, handlers: mailer.jobs(), logger, pollMs: 20 });
    worker.start();
    try {
      const before = sink.messages.length;
      await ctx.db.transaction().execute(async (trx) => {
        await mailer.enqueue(trx, {
          ...welcome('Ayesha'),
          to: 'ayesha@example.org',
          replyTo: 'office@example.org',
          headers: { 'List-Unsubscribe': '<https://example.org/u/1>' },
        });
      });
      const [m] = (await sink.waitFor(before + 1)).slice(before);
      expect(m!.subject).toBe('Welcome, Ayesha');
      expect((m!.to as { text: string }).text).toBe('ayesha@example.org');
      expect(m!.replyTo?.text).toBe('office@example.org');
      expect(m!.from?.text).toContain('hello@example.org');
      expect(m!.html).toContain('Dear Ayesha,');
      expect(m!.text).toContain('Dear Ayesha,');
      expect(JSON.stringify(m!.headers.get('list'))).toContain('https://example.org/u/1');
      expect(m!.messageId).toMatch(/@example\.org>$/);
      await until(async () => (await mailer.recent(1))[0]?.subject === 'Welcome, Ayesha');
      const rec = (await mailer.recent(1))[0]!;
      expect(rec).toMatchObject({ to: 'ayesha@example.org', status: 'sent', transport: 'smtp', body: null });
      const raw = await ctx.db.selectFrom('mail_messages').selectAll().where('id', '=', rec.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toContain('ayesha');
    } finally {
      await worker.stop();
      await mailer.close();
    }
  });

  test('without MAIL_FROM, mail is from the organisation’s name and contact address, or a no-reply at the public host', async () => {
    const mailer = new Mailer({ db: ctx.db, keyring, queue, transport: smtpTransport(sink.url), from: undefined, host: 'act.example.org' });
    const worker = new Worker({ db: ctx.db, queue, handlers: mailer.jobs(), logger, pollMs: 20 });
    worker.start();
    try {
      // A name that needs quoting in a header: a comma, quotes and a non-ASCII letter.
      await saveSiteSettings(ctx.db, { orgName: 'Freedom Thread, "Tüm" UK', contactEmail: 'office@freedomthread.example.org' });
      let before = sink.messages.length;
      await mailer.enqueue(ctx.db, { ...welcome('Ela'), to: 'ela@example.org' });
      let [m] = (await sink.waitFor(before + 1)).slice(before);
      expect(m!.from?.value).toEqual([{ name: 'Freedom Thread, "Tüm" UK', address: 'office@freedomthread.example.org' }]);

      // No contact address: a no-reply address at the public host, never lantern@localhost.localdomain.
      await saveSiteSettings(ctx.db, { orgName: 'Freedom Thread', contactEmail: '' });
      before = sink.messages.length;
      await mailer.enqueue(ctx.db, { ...welcome('Ela'), to: 'ela@example.org' });
      [m] = (await sink.waitFor(before + 1)).slice(before);
      expect(m!.from?.value).toEqual([{ name: 'Freedom Thread', address: 'no-reply@act.example.org' }]);
    } finally {
      await worker.stop();
      await mailer.close();
      await saveSiteSettings(ctx.db, { orgName: 'Lantern', contactEmail: '' });
    }
  });

  test('a recipient the server refuses (5xx) is a permanent failure: parked, recorded as failed, not retried', async () => {
    const mailer = new Mailer({
      db: ctx.db,
      keyring,
      queue,
      transport: smtpTransport(sink.url),
      from: 'x@example.org',
      host: 'example.org',
    });
    const worker = new Worker({ db: ctx.db, queue, handlers: mailer.jobs(), logger, pollMs: 20 });
    worker.start();
    try {
      await mailer.enqueue(ctx.db, { ...welcome('Bo'), to: 'bounce@example.org' });
      await until(async () => (await jobState('sendEmail')).state === 'parked');
      const j = await jobState('sendEmail');
      expect(j.attempts).toBe(1);
      expect(j.last_error).toContain('refused');
      expect(j.last_error).not.toContain('bounce@example.org');
      expect((await mailer.recent(1))[0]).toMatchObject({ to: 'bounce@example.org', status: 'failed' });
    } finally {
      await worker.stop();
      await mailer.close();
    }
  });

  test('when the mail server is down the message waits and is retried, then delivered once', async () => {
    const port = await freePort();
    const mailer = new Mailer({
      db: ctx.db,
      keyring,
      queue,
      transport: smtpTransport(`smtp://127.0.0.1:${port}`),
      from: 'x@example.org',
      host: 'example.org',
    });
    const worker = new Worker({ db: ctx.db, queue, handlers: mailer.jobs(), logger, pollMs: 20 });
    worker.start();
    let later: SmtpSink | undefined;
    try {
      await mailer.enqueue(ctx.db, { ...welcome('Chen'), to: 'chen@example.org' });
      await until(async () => (await jobState('sendEmail')).attempts === 1 && (await jobState('sendEmail')).state === 'queued');
      // Nothing listens on the port: a temporary failure, scheduled for later.
      const probe = createServer();
      await new Promise<void>((r) => probe.listen(port, '127.0.0.1', () => probe.close(() => r())));
      later = await startSmtpSinkOn(port);
      await ctx.db.updateTable('jobs').set({ run_at: Date.now() }).where('name', '=', 'sendEmail').where('state', '=', 'queued').execute();
      await later.waitFor(1);
      await until(async () => (await jobState('sendEmail')).state === 'done');
      await new Promise((r) => setTimeout(r, 200));
      expect(later.messages.length).toBe(1);
      expect(later.messages[0]!.subject).toBe('Welcome, Chen');
    } finally {
      await worker.stop();
      await mailer.close();
      await later?.close();
    }
  });

  test('without SMTP the catcher keeps the whole message, encrypted, for staff to read', async () => {
    const mailer = new Mailer({
      db: ctx.db,
      keyring,
      queue,
      transport: catcherTransport(),
      from: 'Freedom Thread <hello@example.org>',
      host: 'example.org',
    });
    const worker = new Worker({ db: ctx.db, queue, handlers: mailer.jobs(), logger, pollMs: 20 });
    worker.start();
    try {
      await mailer.enqueue(ctx.db, { ...welcome('Dilnur'), to: 'dilnur@example.org' });
      await until(async () => (await mailer.recent(1))[0]?.subject === 'Welcome, Dilnur');
      const m = (await mailer.recent(1))[0]!;
      expect(m.status).toBe('caught');
      expect(m.body?.text).toContain('Dear Dilnur,');
      expect(m.body?.from).toContain('hello@example.org');
      expect((await mailer.find(m.id))?.to).toBe('dilnur@example.org');
      const raw = await ctx.db.selectFrom('mail_messages').selectAll().where('id', '=', m.id).executeTakeFirstOrThrow();
      expect(JSON.stringify(raw)).not.toMatch(/dilnur/i);
    } finally {
      await worker.stop();
    }
  });
});

function startSmtpSinkOn(port: number): Promise<SmtpSink> {
  return startSmtpSink({ port });
}
