import { expect, test } from 'vitest';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { buildCore } from '../app.js';
import type { Core } from '../core/context.js';
import { addTags, insertList } from './queries.js';
import {
  eraseSupporter,
  findListIdBySlug,
  listNewsletterAudience,
  listOpenLists,
  mailableRecipients,
  markUndeliverable,
  recordConsent,
  suppress,
  upsertSupporter,
} from './service.js';

// What newsletters asks of supporters: who a newsletter to a list (and segment) may go to, and who of them may still
// be sent it at the moment of sending. Everyone left out is left out for one reason, named in their address.

describeEachDialect('the audience newsletters ask of supporters', (ctx) => {
  let core: Core;
  let updates: number;
  let events: number;
  const ids: Record<string, number> = {};

  async function person(key: string, o: { lists?: number[]; confirmed?: boolean; firstName?: string; tags?: string[] } = {}) {
    const { id } = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: `${key}@example.org`, firstName: o.firstName ?? null },
      { source: 'signup', mode: 'fill', confirmed: o.confirmed ?? true },
    );
    if (o.lists?.length)
      await recordConsent(ctx.db, { supporterId: id, listIds: o.lists, change: 'granted', basis: 'consent', source: 'test' });
    if (o.tags?.length) await addTags(ctx.db, [id], o.tags);
    ids[key] = id;
    return id;
  }

  const setup = async () => {
    if (core) return;
    core = await buildCore(testConfig(ctx.testDb), { db: ctx.db });
    const at = Date.now();
    updates = await insertList(ctx.db, { slug: 'aud-updates', name: 'Updates', description: '', wording: 'Email me updates.', at });
    events = await insertList(ctx.db, { slug: 'aud-events', name: 'Events', description: '', wording: 'Tell me about events.', at });
    await person('amina', { lists: [updates], firstName: 'Amina', tags: ['volunteer'] });
    await person('bo', { lists: [updates, events] });
    await person('other-list', { lists: [events] });
    await person('unconfirmed', { lists: [updates], confirmed: false });
    await person('unsubscribed', { lists: [updates] });
    await recordConsent(ctx.db, { supporterId: ids.unsubscribed!, listIds: [updates], change: 'withdrawn', basis: null, source: 'test' });
    await person('pending');
    await recordConsent(ctx.db, { supporterId: ids.pending!, listIds: [updates], change: 'requested', basis: 'consent', source: 'test' });
    await person('erased', { lists: [updates] });
    await eraseSupporter(core, ids.erased!, { source: 'test' });
    await person('suppressed', { lists: [updates] });
    await suppress(ctx.db, core.keyring, 'suppressed@example.org', 'complaint');
    await person('bounced', { lists: [updates] });
    await markUndeliverable(ctx.db, core.keyring, ids.bounced!);
  };

  test('a list audience: subscribed and confirmed, with an address, not undeliverable, erased or suppressed, ids ascending', async () => {
    await setup();
    expect(await listNewsletterAudience(ctx.db, { listId: updates, segmentId: null })).toEqual([ids.amina, ids.bo]);
    expect(await listNewsletterAudience(ctx.db, { listId: events, segmentId: null })).toEqual([ids.bo, ids['other-list']]);
    expect(await listNewsletterAudience(ctx.db, { listId: 99_999_999, segmentId: null })).toEqual([]);
    // The demo's back-dated sends reach only those who existed then.
    expect(await listNewsletterAudience(ctx.db, { listId: updates, segmentId: null, createdTo: 1 })).toEqual([]);
  });

  test('a segment narrows the list; a segment that no longer exists is refused, never "everyone"', async () => {
    await setup();
    const now = Date.now();
    const segment = (filters: string, name: string) =>
      ctx.db
        .insertInto('segments')
        .values({ name, filters, created_by: null, created_at: now, updated_at: now })
        .returning('id')
        .executeTakeFirstOrThrow();
    const seg = (await segment('{"tag":"volunteer"}', 'Volunteers')).id;
    expect(await listNewsletterAudience(ctx.db, { listId: updates, segmentId: seg })).toEqual([ids.amina]);
    await expect(listNewsletterAudience(ctx.db, { listId: updates, segmentId: 99_999_999 })).rejects.toMatchObject({ code: 'invalid' });
    const broken = (await segment('{"list":"all"}', 'Broken')).id;
    await expect(listNewsletterAudience(ctx.db, { listId: updates, segmentId: broken })).rejects.toMatchObject({ code: 'invalid' });
  });

  test('mailable recipients are re-checked now and decrypted; everyone else given is left out', async () => {
    await setup();
    const everyone = Object.values(ids);
    expect(await mailableRecipients(core, updates, everyone)).toEqual([
      { supporterId: ids.amina, publicId: expect.any(String), email: 'amina@example.org', firstName: 'Amina' },
      { supporterId: ids.bo, publicId: expect.any(String), email: 'bo@example.org', firstName: null },
    ]);
    expect((await mailableRecipients(core, events, everyone)).map((r) => r.supporterId)).toEqual([ids.bo, ids['other-list']]);
    expect(await mailableRecipients(core, updates, [])).toEqual([]);
    // Someone who unsubscribes between the audience and the send is not sent it.
    const fresh = await person('changed-mind', { lists: [updates] });
    await recordConsent(ctx.db, { supporterId: fresh, listIds: [updates], change: 'withdrawn', basis: null, source: 'test' });
    expect(await mailableRecipients(core, updates, [fresh, ids.amina!])).toMatchObject([{ supporterId: ids.amina }]);
  });

  test('open lists by name, and a list found by its slug', async () => {
    await setup();
    const archived = await insertList(ctx.db, { slug: 'aud-old', name: 'Aardvark news', description: '', wording: 'Old.', at: Date.now() });
    await ctx.db.updateTable('lists').set({ archived_at: Date.now() }).where('id', '=', archived).execute();
    const open = await listOpenLists(ctx.db);
    expect(open.map((l) => l.id)).not.toContain(archived);
    expect(open.filter((l) => l.id === updates || l.id === events)).toEqual([
      { id: events, name: 'Events' },
      { id: updates, name: 'Updates' },
    ]);
    expect(await findListIdBySlug(ctx.db, 'aud-events')).toBe(events);
    expect(await findListIdBySlug(ctx.db, 'no-such-list')).toBeUndefined();
  });
});
