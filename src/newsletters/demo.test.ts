import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { seedDemo } from '../app.js';
import { seedDemoNewsletters } from './demo.js';

describeEachDialect('the newsletters demo', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the demo charity has two sent newsletters in its archive, delivered to the supporters of its updates list', async () => {
    const db = t.lantern.core.db;
    expect(await seedDemo(t.lantern.core)).toBe(true);
    const rows = await db.selectFrom('newsletters').selectAll().orderBy('started_at').execute();
    expect(rows.map((r) => [r.subject, r.status, r.in_archive])).toEqual([
      ['What the label on your jumper does not say', 'sent', 1],
      ['One year of Thursday vigils', 'sent', 1],
    ]);
    const list = await db.selectFrom('lists').select('id').where('slug', '=', 'campaign-updates').executeTakeFirstOrThrow();
    for (const r of rows) {
      expect(r.list_id).toBe(list.id);
      const sent = await db
        .selectFrom('newsletter_deliveries')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('newsletter_id', '=', r.id)
        .where('status', '=', 'sent')
        .executeTakeFirstOrThrow();
      expect(Number(sent.n)).toBe(r.recipient_count);
      expect(r.recipient_count).toBeGreaterThan(0);
    }
    const archive = await t.client().get('/newsletters');
    for (const r of rows) expect(archive.text).toContain(`href="/newsletters/${r.archive_slug}"`);
    const page = await t.client().get(`/newsletters/${rows[1]!.archive_slug}`);
    expect(page.text).toContain('Dear Supporter,');
    expect(page.text).toContain('Everyone at Freedom Thread');
  });

  test('without the updates list, the demo adds no newsletters', async () => {
    const db = t.lantern.core.db;
    const before = await db.selectFrom('newsletters').select('id').execute();
    await db.updateTable('lists').set({ slug: 'renamed-list' }).where('slug', '=', 'campaign-updates').execute();
    await seedDemoNewsletters(t.lantern.core);
    expect((await db.selectFrom('newsletters').select('id').execute()).length).toBe(before.length);
  });
});
