import { expect, test } from 'vitest';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { buildCore } from '../app.js';
import type { Core } from '../core/context.js';
import { DEMO_SUPPORTERS, seedSupportersDemo } from './demo.js';
import { countSupporters, findSupporterIdsByNameTokens, findSupporters, mailableSupporterIds } from './queries.js';
import { nameTokenIndexes, rowToSupporter, supporterConsent } from './service.js';

// The demo supporters: fictional, under example.org, quick to seed, and with a consent ledger that matches their
// subscriptions (so every screen of the demo shows consistent data).

describeEachDialect('supporters demo', (ctx) => {
  let core: Core;
  const setup = async () => (core ??= await buildCore(testConfig(ctx.testDb), { db: ctx.db }));

  test('two lists and a few hundred fictional supporters, seeded in well under two seconds', async () => {
    await setup();
    const started = performance.now();
    await seedSupportersDemo(core);
    const ms = performance.now() - started;
    expect(ms).toBeLessThan(2000);

    const lists = await ctx.db.selectFrom('lists').select(['id', 'name', 'wording']).orderBy('name').execute();
    expect(lists.map((l) => l.name)).toEqual(['Campaign updates', 'Events and vigils']);
    for (const l of lists) expect(l.wording).toMatch(/unsubscribe at any time/);
    expect(await countSupporters(ctx.db, {})).toBe(DEMO_SUPPORTERS);

    const rows = await findSupporters(ctx.db, {}, { limit: 1000, offset: 0 });
    const people = rows.map((r) => rowToSupporter(core.keyring, r));
    for (const p of people) {
      expect(p.email).toMatch(/^[a-z0-9.]+@example\.org$/);
      expect(p.firstName).toBeTruthy();
      if (p.postcode) expect(p.constituencyCode).toMatch(/^(E14|S14|W07)\d{6}$/);
      // Nobody unconfirmed is older than the retention period.
      if (p.confirmedAt === null) expect(Date.now() - p.createdAt).toBeLessThan(30 * 24 * 3600_000);
    }
    expect(new Set(people.map((p) => p.email)).size).toBe(DEMO_SUPPORTERS);
    expect(people.filter((p) => p.postcode).length).toBeGreaterThan(DEMO_SUPPORTERS / 3);
    expect(people.filter((p) => p.confirmedAt === null).length).toBeGreaterThan(10);
    expect(new Set(people.map((p) => p.source)).size).toBeGreaterThan(3);
    expect((await ctx.db.selectFrom('supporter_tags').select('tag').distinct().execute()).length).toBeGreaterThan(3);
    expect((await mailableSupporterIds(ctx.db, lists[0]!.id).execute()).length).toBeGreaterThan(DEMO_SUPPORTERS / 2);

    // Every subscription is explained by the ledger: its latest event matches its state.
    for (const p of people.slice(0, 120)) {
      const c = await supporterConsent(ctx.db, p.id);
      for (const s of c.subscriptions) {
        const latest = c.ledger.find((e) => e.listId === s.listId)!;
        expect({ pending: 'requested', subscribed: 'granted', unsubscribed: 'withdrawn' }[s.status]).toBe(latest.kind);
        expect(latest.wording).toBeTruthy();
        if (s.status !== 'pending') expect(p.confirmedAt).not.toBeNull();
      }
    }

    // Names are searchable like any supporter's.
    const someone = people[0]!;
    expect(await findSupporterIdsByNameTokens(ctx.db, nameTokenIndexes(core.keyring, someone.firstName), 1000)).toContain(someone.id);

    // Seeding again adds nothing.
    await seedSupportersDemo(core);
    expect(await countSupporters(ctx.db, {})).toBe(DEMO_SUPPORTERS);
  });
});
