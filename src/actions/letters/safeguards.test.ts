import { parse as parseCsv } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { mailsTo, waitForMailTo } from '../../../test/helpers/supporters.js';
import { until } from '../../../test/helpers/wait.js';
import { insertList } from '../../supporters/queries.js';
import { seedLettersDemo } from './demo.js';
import { paceGap } from './pace.js';
import {
  askWhetherMpsReplied,
  confirmedLettersByDay,
  confirmLetter,
  countConfirmedLetters,
  deleteStaleUnconfirmedLetters,
  deliverLetter,
  FOLLOWUP_AFTER_MS,
  getLetterAction,
  moderationOverview,
  UNCONFIRMED_KEPT_MS,
  mpResponseFigures,
  previewLetter,
  recipientsOf,
  submitLetter,
  type LetterAction,
  type LetterDraft,
} from './service.js';

// The safeguards after WriteToThem, and the faults: letters too like others are held with a request to personalise
// and sent once a moderator approves (once), or not at all if rejected; the pace limit gives each letter to a
// recipient its own slot instead of dropping any; a crash between sending and recording repeats at most the letter
// in flight, with the same Message-ID; a recipient refused with 5xx is shown to staff and can be retried; fourteen
// days on, writers are asked once whether their MP replied, and their answers make the figures per MP and party.
// Time is driven by passing `now`, never by sleeping. Real databases, a real SMTP server, real HTTP for staff.

const CONFIRM = /\/letter\/confirm\/([A-Za-z0-9_-]{43})/g;
const WORDS = [
  'cotton',
  'harvest',
  'factory',
  'shirt',
  'supply',
  'chain',
  'audit',
  'label',
  'river',
  'market',
  'winter',
  'family',
  'village',
  'school',
  'garden',
  'letter',
];

describeEachDialect('letters: similarity, moderation, pace, faults and the follow-up', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let refusing = true;
  let listId: number;

  beforeAll(async () => {
    sink = await startSmtpSink({ rejectRcpt: (a) => refusing && a.startsWith('refuses') });
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url }, worker: true });
    // Before any page reads the lists (they are cached for a few seconds).
    listId = await insertList(ctx.db, {
      slug: 'letters-export',
      name: 'News',
      description: 'News',
      wording: 'Email me news.',
      at: Date.now(),
    });
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const core = () => t.lantern.core;
  const db = () => t.lantern.core.db;
  let e = 1;
  const freshEmail = (name = 'writer') => `${name}.${ctx.dialect}.${e++}@example.org`;
  /** A letter in words of its own: a different run of words for each seed. */
  const ownWords = (seed: number) => Array.from({ length: 40 }, (_, i) => WORDS[(seed * 7 + i * (seed + 3)) % WORDS.length]).join(' ');
  const COPY =
    'Please back the ban on goods made with forced labour. I ask you to speak in the debate and to vote for it, because nobody should be made to work against their will.';

  const letterAction = async (o: Parameters<typeof openTestAction>[1]): Promise<LetterAction> => {
    const a = await openTestAction(core(), o);
    return (await getLetterAction(db(), { id: a.id }))!;
  };
  const draft = (email: string, body: string, o: Partial<LetterDraft> = {}): LetterDraft => ({
    subject: 'About forced labour',
    body,
    firstName: 'Nur',
    lastName: 'Yılmaz',
    email,
    address: '5 Oak Road',
    optIn: false,
    postcode: null,
    constituencyCode: null,
    ...o,
  });
  /** The newest confirmation token emailed to an address (waiting for the nth email). */
  const tokenFor = async (email: string, nth = 1) => {
    const mails = await waitForMailTo(sink, email, nth);
    const tokens = mails.flatMap((m) => [...(m.text ?? '').matchAll(CONFIRM)].map((x) => x[1]!));
    return tokens.at(-1)!;
  };
  const writeAndConfirm = async (action: LetterAction, d: LetterDraft, now?: number) => {
    await submitLetter(core(), action, d);
    return confirmLetter(core(), await tokenFor(d.email), now);
  };
  const letterOf = (actionId: number, email: string) =>
    db()
      .selectFrom('letters')
      .selectAll()
      .where('action_id', '=', actionId)
      .execute()
      .then((rows) => rows.find((r) => core().keyring.decrypt(r.email_enc) === email)!);
  const deliveriesOf = (letterId: number) =>
    db().selectFrom('letter_deliveries').selectAll().where('letter_id', '=', letterId).orderBy('id').execute();
  const textsTo = (address: string) => mailsTo(sink, address).map((m) => m.text ?? '');

  test('a letter too like others is held with a request to personalise; approved once it is sent once, rejected it is not sent', async () => {
    const target = `target.similar.${ctx.dialect}@company.example`;
    const action = await letterAction({
      kind: 'email_target',
      settings: { pacePerHour: 3600, minWords: 5, similarityPercent: 70 },
      targets: [{ name: 'Dana Reyes', role: 'Chief Executive', email: target }],
    });
    const first = freshEmail('first');
    expect(await writeAndConfirm(action, draft(first, COPY))).toMatchObject({ state: 'queued' });

    // The preview warns a writer whose letter is a near-copy, before anything is stored.
    const to = await recipientsOf(core(), action, {});
    expect(to.ok).toBe(true);
    const copier = freshEmail('copier');
    const nearCopy = `${COPY} Thank you.`;
    expect((await previewLetter(core(), action, draft(copier, nearCopy), to.ok ? to.recipients : [])).similar).toBe(true);
    expect((await previewLetter(core(), action, draft(copier, ownWords(1)), to.ok ? to.recipients : [])).similar).toBe(false);

    expect(await writeAndConfirm(action, draft(copier, nearCopy))).toMatchObject({ state: 'held' });
    const held = await letterOf(action.id, copier);
    expect(held).toMatchObject({ status: 'held', hold_reason: 'similar' });
    expect(held.similarity).toBeGreaterThanOrEqual(0.7);
    expect(await deliveriesOf(held.id)).toHaveLength(0);

    // Staff: moderators read and decide; an editor may not read supporters' letters, nor a viewer.
    const moderator = (await signedInAs(t, 'campaigner')).client;
    for (const role of ['editor', 'viewer'] as const) {
      const other = (await signedInAs(t, role)).client;
      expect((await other.get(`/admin/actions/${action.id}/letters`)).status).toBe(403);
      expect((await other.get(`/admin/actions/${action.id}/letters/${held.id}`)).status).toBe(403);
    }
    const queue = await moderator.get(`/admin/actions/${action.id}/letters`);
    expect(queue.status).toBe(200);
    expect(queue.text).toContain('Very like other emails');
    const page = await moderator.get(`/admin/actions/${action.id}/letters/${held.id}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Approve and send');
    const approved = await moderator.post(`/admin/actions/${action.id}/letters/${held.id}/approve`);
    expect(approved.status).toBe(303);
    // A second press (or a second moderator) finds it dealt with, and nothing more is sent.
    expect((await moderator.post(`/admin/actions/${action.id}/letters/${held.id}/approve`)).status).toBe(409);
    await until(async () => (await letterOf(action.id, copier)).status === 'sent');
    expect(await deliveriesOf(held.id)).toHaveLength(1);
    await until(() => textsTo(target).filter((x) => x.includes(copier)).length === 1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(textsTo(target).filter((x) => x.includes(copier))).toHaveLength(1);

    // Another near-copy, rejected with a reason the writer reads; it never goes.
    const third = freshEmail('third');
    expect(await writeAndConfirm(action, draft(third, `${COPY} Regards.`))).toMatchObject({ state: 'held' });
    const rejected = await letterOf(action.id, third);
    const empty = await moderator.post(`/admin/actions/${action.id}/letters/${rejected.id}/reject`, { reason: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain('Enter the reason');
    expect(
      (
        await moderator.post(`/admin/actions/${action.id}/letters/${rejected.id}/reject`, {
          reason: 'Please write it in your own words <b>first</b>.',
        })
      ).status,
    ).toBe(303);
    const told = (await waitForMailTo(sink, third, 2)).find((m) => m.subject?.startsWith('Your email was not sent'))!;
    expect(told.text).toContain('Please write it in your own words <b>first</b>.');
    expect((await letterOf(action.id, third)).status).toBe('rejected');
    expect(await deliveriesOf(rejected.id)).toHaveLength(0);
    expect((await moderator.post(`/admin/actions/${action.id}/letters/${rejected.id}/approve`)).status).toBe(409);

    // A held writer may rewrite in their own words: the new letter replaces the held one, and needs confirming again.
    const rewriter = freshEmail('rewriter');
    expect(await writeAndConfirm(action, draft(rewriter, `${COPY} Yours.`))).toMatchObject({ state: 'held' });
    await submitLetter(core(), action, draft(rewriter, ownWords(5)));
    expect((await letterOf(action.id, rewriter)).status).toBe('unconfirmed');
    expect(await confirmLetter(core(), await tokenFor(rewriter, 2))).toMatchObject({ state: 'queued' });
    await until(() => textsTo(target).some((x) => x.includes(rewriter)));
    expect(textsTo(target).filter((x) => x.includes(rewriter))).toHaveLength(1);

    // The counter counts confirmed letters not rejected; the chart has them today.
    expect(await countConfirmedLetters(db(), action.id)).toBe(3);
    const days = await confirmedLettersByDay(db(), action.id, 'Europe/London');
    expect(days.reduce((s, d) => s + d.count, 0)).toBe(3);
  });

  test('an action that moderates every letter holds them all, for the moderation reason', async () => {
    const action = await letterAction({
      kind: 'email_target',
      settings: { minWords: 5, moderateAll: true },
      targets: [{ name: 'A Target', role: 'Director', email: `all.${ctx.dialect}@company.example` }],
    });
    const w = freshEmail('moderated');
    expect(await writeAndConfirm(action, draft(w, ownWords(2)))).toMatchObject({ state: 'held' });
    expect(await letterOf(action.id, w)).toMatchObject({ status: 'held', hold_reason: 'moderation' });
    const overview = await moderationOverview(core(), action.id);
    expect(overview.held.map((l) => l.email)).toEqual([w]);
  });

  test('constituencies by name: a held letter to an MP shows its constituency by name on the moderation pages and in the export', async () => {
    const action = await letterAction({ kind: 'letter_mp', settings: { minWords: 5, moderateAll: true } });
    const w = freshEmail('named');
    expect(
      await writeAndConfirm(action, { ...draft(w, ownWords(90), { postcode: 'GU11 1AA', constituencyCode: 'E14001063' }), optIn: true }),
    ).toMatchObject({ state: 'held' });
    const staff = (await signedInAs(t, 'owner')).client;
    const list = await staff.get(`/admin/actions/${action.id}/letters`);
    expect(list.text).toContain('<th scope="col">Constituency</th>');
    expect(list.text).toContain('<td>Aldershot</td>');
    const id = (await letterOf(action.id, w)).id;
    const one = await staff.get(`/admin/actions/${action.id}/letters/${id}`);
    expect(one.text.replace(/\s+/g, ' ')).toContain('<dt>Constituency</dt><dd>Aldershot<span class="muted"> (E14001063)</span></dd>');
    await staff.get(`/admin/actions/${action.id}/letters/export`);
    const csv = parseCsv((await staff.post(`/admin/actions/${action.id}/letters/export`)).text, { bom: true, columns: true }) as Array<
      Record<string, string>
    >;
    expect(csv).toEqual([expect.objectContaining({ constituency: 'E14001063', constituency_name: 'Aldershot', email: w })]);
  });

  test('the pace limit spreads letters to one recipient over the following hours instead of dropping any, and each is sent once', async () => {
    const target = `target.pace.${ctx.dialect}@company.example`;
    const action = await letterAction({
      kind: 'email_target',
      settings: { pacePerHour: 2, minWords: 5, similarityPercent: 100 },
      targets: [{ name: 'Pace Target', role: 'Chair', email: target }],
    });
    const writers = [0, 1, 2, 3].map(() => freshEmail('pace'));
    for (const [i, w] of writers.entries()) await submitLetter(core(), action, draft(w, ownWords(10 + i)));
    const tokens = await Promise.all(writers.map((w) => tokenFor(w)));
    const now = Date.now();
    // Confirmed at the same moment: each still gets a slot of its own.
    const outcomes = await Promise.all(tokens.map((tk) => confirmLetter(core(), tk, now)));
    expect(outcomes.every((o) => o.state === 'queued')).toBe(true);
    const deliveries = await db()
      .selectFrom('letter_deliveries')
      .selectAll()
      .where('action_id', '=', action.id)
      .orderBy('not_before')
      .execute();
    expect(deliveries).toHaveLength(4);
    const slots = deliveries.map((d) => Number(d.not_before));
    expect(slots[0]).toBe(now);
    for (let i = 1; i < slots.length; i++) expect(slots[i]! - slots[i - 1]!).toBe(paceGap(2));
    // Every slot has its job, due at the slot: nothing is dropped or left without a sender.
    const jobs = await db().selectFrom('jobs').select(['payload', 'run_at', 'state']).where('name', '=', 'sendConfirmedLetter').execute();
    const mine = jobs
      .map((j) => ({ ...(core().queue.decodePayload(j.payload) as { deliveryId: number }), runAt: Number(j.run_at) }))
      .filter((j) => deliveries.some((d) => d.id === j.deliveryId));
    expect(mine.map((j) => j.runAt).sort((a, b) => a - b)).toEqual(slots);

    // The first goes now; the others wait for their slots (too early, nothing is sent).
    await until(() => mailsTo(sink, target).length === 1);
    expect(await deliverLetter(core(), Number(deliveries[1]!.id), { lastAttempt: false, now: slots[1]! - 10 * 60_000 })).toBe('early');
    expect(mailsTo(sink, target)).toHaveLength(1);
    // Hours later, each in its slot.
    for (const d of deliveries.slice(1))
      expect(await deliverLetter(core(), Number(d.id), { lastAttempt: false, now: Number(d.not_before) })).toBe('sent');
    await until(() => mailsTo(sink, target).length === 4);
    for (const w of writers) expect(textsTo(target).filter((x) => x.includes(w))).toHaveLength(1);
    const states = await db().selectFrom('letters').select('status').where('action_id', '=', action.id).execute();
    expect(states.map((s) => s.status)).toEqual(['sent', 'sent', 'sent', 'sent']);
  });

  test('a crash between sending and recording repeats at most the letter in flight, with the same Message-ID; the copy goes once', async () => {
    const target = `target.crash.${ctx.dialect}@company.example`;
    const action = await letterAction({
      kind: 'email_target',
      settings: { pacePerHour: 3600, minWords: 5 },
      targets: [{ name: 'Crash Target', role: 'Chair', email: target }],
    });
    const w = freshEmail('crash');
    await writeAndConfirm(action, draft(w, ownWords(20)));
    await until(() => mailsTo(sink, target).length === 1);
    const letter = await letterOf(action.id, w);
    await until(async () => (await letterOf(action.id, w)).status === 'sent');
    const [d] = await deliveriesOf(letter.id);
    // The send happened, but its record was lost (the process died before committing): as the row looks after such a crash.
    await db().updateTable('letter_deliveries').set({ status: 'waiting', sent_at: null }).where('id', '=', d!.id).execute();
    await db().updateTable('letters').set({ status: 'queued', sent_at: null }).where('id', '=', letter.id).execute();
    expect(await deliverLetter(core(), Number(d!.id), { lastAttempt: false })).toBe('sent');
    expect(await deliverLetter(core(), Number(d!.id), { lastAttempt: false })).toBe('skipped');
    await until(() => mailsTo(sink, target).length === 2);
    await new Promise((r) => setTimeout(r, 500));
    const got = mailsTo(sink, target);
    expect(got).toHaveLength(2);
    expect(got[0]!.messageId).toBe(got[1]!.messageId);
    await until(() => mailsTo(sink, w).some((m) => m.subject?.startsWith('Your email has been sent')));
    await new Promise((r) => setTimeout(r, 800));
    expect(mailsTo(sink, w).filter((m) => m.subject?.startsWith('Your email has been sent'))).toHaveLength(1);
  });

  test('a recipient refused with 5xx: the delivery fails with the server’s words for staff, the letter waits, and a retry sends it', async () => {
    refusing = true;
    const target = `refuses.${ctx.dialect}@company.example`;
    const action = await letterAction({
      kind: 'email_target',
      settings: { pacePerHour: 3600, minWords: 5 },
      targets: [{ name: 'Refusing Target', role: 'Chair', email: target }],
    });
    const w = freshEmail('refused');
    await writeAndConfirm(action, draft(w, ownWords(30)));
    const letter = await letterOf(action.id, w);
    await until(async () => (await deliveriesOf(letter.id))[0]?.status === 'failed');
    const [d] = await deliveriesOf(letter.id);
    expect(d!.error).toMatch(/550/);
    expect((await letterOf(action.id, w)).status).toBe('queued');
    const moderator = (await signedInAs(t, 'campaigner')).client;
    const page = await moderator.get(`/admin/actions/${action.id}/letters`);
    expect(page.text).toContain('550');
    refusing = false;
    expect((await moderator.post(`/admin/actions/${action.id}/letters/deliveries/${d!.id}/retry`)).status).toBe(303);
    expect((await moderator.post(`/admin/actions/${action.id}/letters/deliveries/${d!.id}/retry`)).status).toBe(409);
    await until(async () => (await letterOf(action.id, w)).status === 'sent');
    expect(mailsTo(sink, target)).toHaveLength(1);
    refusing = true;
  });

  test('fourteen days on, each writer is asked once whether their MP replied; GET shows buttons, POST records; figures per MP and party', async () => {
    const action = await letterAction({ kind: 'letter_mp', settings: { pacePerHour: 3600, minWords: 5 } });
    const writers = [
      { email: freshEmail('reply'), where: { postcode: 'GU11 1AA', constituencyCode: null }, mp: 'Alex Baker', party: 'Labour' },
      {
        email: freshEmail('reply'),
        where: { postcode: 'WS9 0AA', constituencyCode: 'E14001064' },
        mp: 'Wendy Morton',
        party: 'Conservative',
      },
    ];
    for (const [i, w] of writers.entries())
      expect(await writeAndConfirm(action, draft(w.email, ownWords(40 + i), w.where))).toMatchObject({ state: 'queued' });
    await until(async () =>
      (await db().selectFrom('letters').select('status').where('action_id', '=', action.id).execute()).every((l) => l.status === 'sent'),
    );
    const rows = await db().selectFrom('letters').selectAll().where('action_id', '=', action.id).execute();
    const sentAt = rows.map((r) => Number(r.sent_at));
    expect(rows.map((r) => Number(r.followup_at) - Number(r.sent_at))).toEqual([FOLLOWUP_AFTER_MS, FOLLOWUP_AFTER_MS]);

    // A moment before the first is due, nobody is asked; once both are due, each is asked; a second run asks nobody.
    expect(await askWhetherMpsReplied(core(), Math.min(...sentAt) + FOLLOWUP_AFTER_MS - 1)).toBe(0);
    expect(await askWhetherMpsReplied(core(), Math.max(...sentAt) + FOLLOWUP_AFTER_MS)).toBe(2);
    expect(await askWhetherMpsReplied(core(), Math.max(...sentAt) + FOLLOWUP_AFTER_MS + 3600_000)).toBe(0);
    const client = t.client();
    for (const [i, w] of writers.entries()) {
      const mail = (await waitForMailTo(sink, w.email, 3)).find((m) => m.subject === `Did ${w.mp} reply to your letter?`)!;
      expect(mail).toBeDefined();
      const yes = /\/letter\/reply\/[0-9]+\.[A-Za-z0-9_-]{32}\/yes/.exec(mail.text ?? '')![0];
      // Opening the link records nothing (mail scanners follow links); pressing a button does.
      const page = await client.get(i === 0 ? yes : yes.replace(/\/yes$/, '/no'));
      expect(page.status).toBe(200);
      expect(page.text).toContain(`Did ${w.mp} reply?`);
      const token = yes.split('/')[3]!;
      expect(
        (
          await db()
            .selectFrom('letters')
            .select('reply')
            .where('id', '=', Number(token.split('.')[0]))
            .executeTakeFirstOrThrow()
        ).reply,
      ).toBeNull();
      expect((await client.post(`/letter/reply/${token}`, { answer: 'maybe' })).status).toBe(422);
      expect((await client.post(`/letter/reply/${token}`, { answer: i === 0 ? 'yes' : 'no' })).status).toBe(303);
    }
    expect(writers.every((w) => mailsTo(sink, w.email).filter((m) => m.subject?.startsWith('Did ')).length === 1)).toBe(true);
    const tampered = await client.get(`/letter/reply/${rows[0]!.id}.${'A'.repeat(32)}`);
    expect(tampered.status).toBe(404);

    const figures = await mpResponseFigures(db(), action.id);
    expect(figures.perParty.find((p) => p.party === 'Labour')).toMatchObject({ mps: 1, sent: 1, asked: 1, yes: 1, no: 0 });
    expect(figures.perParty.find((p) => p.party === 'Conservative')).toMatchObject({ mps: 1, sent: 1, asked: 1, yes: 0, no: 1 });
    const editor = (await signedInAs(t, 'editor')).client;
    const page = await editor.get(`/admin/actions/${action.id}/letters/responses`);
    expect(page.status).toBe(200);
    for (const s of ['Alex Baker', 'Wendy Morton', 'Labour', 'Conservative', '100%', '0%']) expect(page.text).toContain(s);
    expect((await (await signedInAs(t, 'viewer')).client.get(`/admin/actions/${action.id}/letters/responses`)).status).toBe(403);
  });

  test('the export: consent-aware (details only of writers who agreed to hear from us), audited, and only with the export permission', async () => {
    const action = await letterAction({
      kind: 'email_target',
      settings: { pacePerHour: 3600, minWords: 5 },
      newsletterListId: listId,
      targets: [{ name: 'Export Target', role: 'Chair', email: `export.${ctx.dialect}@company.example` }],
    });
    const agreed = freshEmail('agreed');
    const private_ = freshEmail('private');
    await writeAndConfirm(action, { ...draft(agreed, ownWords(50)), optIn: true });
    await writeAndConfirm(action, draft(private_, ownWords(51)));
    expect((await (await signedInAs(t, 'editor')).client.get(`/admin/actions/${action.id}/letters/export`)).status).toBe(403);
    const staff = (await signedInAs(t, 'campaigner')).client;
    const page = await staff.get(`/admin/actions/${action.id}/letters/export`);
    expect(page.status).toBe(200);
    const csv = await staff.post(`/admin/actions/${action.id}/letters/export`);
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.text).toContain(agreed);
    expect(csv.text).not.toContain(private_);
    expect(csv.text.split('\r\n').filter((l) => l.trim() !== '')).toHaveLength(3);
    const audit = await db().selectFrom('audit_log').selectAll().where('action', '=', 'letters.export').execute();
    expect(audit.some((a) => a.target === `action ${action.id}` && !String(a.details).includes('@'))).toBe(true);
  });

  test('retention: letters never confirmed are deleted after 30 days, with their links; confirmed ones stay', async () => {
    const action = await letterAction({
      kind: 'email_target',
      settings: { minWords: 5 },
      targets: [{ name: 'Kept Target', role: 'Chair', email: `kept.${ctx.dialect}@company.example` }],
    });
    const stale = freshEmail('stale');
    const kept = freshEmail('kept');
    await submitLetter(core(), action, draft(stale, ownWords(60)));
    await writeAndConfirm(action, draft(kept, ownWords(61)));
    const now = Date.now();
    expect(await deleteStaleUnconfirmedLetters(db(), now + UNCONFIRMED_KEPT_MS - 60_000)).toBe(0);
    expect(await deleteStaleUnconfirmedLetters(db(), now + UNCONFIRMED_KEPT_MS + 60_000)).toBeGreaterThanOrEqual(1);
    const left = await db().selectFrom('letters').selectAll().where('action_id', '=', action.id).execute();
    expect(left.map((l) => core().keyring.decrypt(l.email_enc))).toEqual([kept]);
    const links = await db()
      .selectFrom('tokens')
      .select('token_hash')
      .where('purpose', '=', 'letter_confirm')
      .where('expires_at', '<', now + UNCONFIRMED_KEPT_MS)
      .execute();
    expect(links).toHaveLength(0);
  });

  test('the demo: fictional letters, sent and held, recorded without writing to anyone', async () => {
    const action = await letterAction({ kind: 'letter_mp' });
    const jobsBefore = await db().selectFrom('jobs').select('id').where('name', '=', 'sendConfirmedLetter').execute();
    await seedLettersDemo(core(), action);
    expect(await countConfirmedLetters(db(), action.id)).toBe(5);
    expect((await moderationOverview(core(), action.id)).held).toHaveLength(1);
    expect((await mpResponseFigures(db(), action.id)).perMp.length).toBeGreaterThan(0);
    expect(await db().selectFrom('jobs').select('id').where('name', '=', 'sendConfirmedLetter').execute()).toHaveLength(jobsBefore.length);
  });
});
