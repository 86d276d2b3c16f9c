import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { draftNewsletter, seedAudience, sendState } from '../../test/helpers/newsletters.js';
import { recordConsent } from '../supporters/service.js';
import { newsletterTimeline, startSending } from './service.js';

// Preparing a send (one statement for the deliveries, from the audience supporters give), and the supporter
// timeline's newsletter entries. No worker runs here, so the deliveries stay as the send prepared them.

describeEachDialect('newsletter deliveries and the supporter timeline', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(async () => {
    await t?.close();
  });
  const core = () => t.lantern.core;

  test('starting a send writes one pending delivery per supporter the audience reaches, and no one else', async () => {
    const audience = await seedAudience(core(), { count: 3_000 });
    const gone = audience.people[10]!.id;
    await recordConsent(core().db, { supporterId: gone, listIds: [audience.listId], change: 'withdrawn', basis: null, source: 'test' });
    const id = await draftNewsletter(core(), { listId: audience.listId });
    expect(await startSending(core(), null, id)).toBe(2_999);
    expect(await sendState(core(), id)).toMatchObject({ status: 'sending', pending: 2_999, sent: 0 });
    const rows = await core().db.selectFrom('newsletter_deliveries').select('supporter_id').where('newsletter_id', '=', id).execute();
    expect(rows.map((r) => r.supporter_id).sort((a, b) => a - b)).toEqual(audience.people.map((p) => p.id).filter((s) => s !== gone));
    const n = await core().db.selectFrom('newsletters').select('recipient_count').where('id', '=', id).executeTakeFirstOrThrow();
    expect(n.recipient_count).toBe(2_999);
  });

  test("a supporter's deliveries are their timeline's newsletter entries, with the delivery's state", async () => {
    const audience = await seedAudience(core(), { count: 2 });
    const first = await draftNewsletter(core(), { listId: audience.listId, subject: 'The cotton report' });
    const second = await draftNewsletter(core(), { listId: audience.listId, subject: 'One year of vigils' });
    await startSending(core(), null, first);
    await startSending(core(), null, second);
    const supporterId = audience.people[0]!.id;
    await core()
      .db.updateTable('newsletter_deliveries')
      .set({ status: 'failed', updated_at: 1_000 })
      .where('newsletter_id', '=', first)
      .where('supporter_id', '=', supporterId)
      .execute();
    const entries = await newsletterTimeline(core().db, supporterId);
    expect(entries.sort((a, b) => a.at - b.at)).toEqual([
      {
        at: 1_000,
        kind: 'newsletter',
        title: 'Newsletter: The cotton report',
        detail: 'Could not be sent',
        href: `/admin/newsletters/${first}`,
      },
      {
        at: expect.any(Number),
        kind: 'newsletter',
        title: 'Newsletter: One year of vigils',
        detail: 'Due to be sent',
        href: `/admin/newsletters/${second}`,
      },
    ]);
    // The capability hands the same step to the core, which the supporter page merges.
    const fromCore = (await Promise.all((core().timeline ?? []).map((step) => step(core().db, supporterId)))).flat();
    expect(fromCore.filter((e) => e.kind === 'newsletter')).toHaveLength(2);
  });
});
