import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { findRedirect } from '../redirects/service.js';
import { searchSite } from '../search/service.js';
import {
  addWarningReason,
  createCategory,
  createUpdate,
  ensureCategory,
  ensureTag,
  getCategoryBySlug,
  getPublishedUpdate,
  listCategories,
  listPublishedUpdates,
  listRevisions,
  publishScheduledUpdates,
  publishUpdate,
  restoreRevision,
  saveUpdate,
  scheduleUpdate,
  unpublishUpdate,
  upsertUpdateBySlug,
  type UpdateInput,
} from './service.js';

// The read and write API other parts of the website code against: only published updates are listed, newest first,
// with their categories, tags and warning; a save writes a revision; a renamed slug leaves a redirect.

describeEachDialect('content updates: the data model and its API', (ctx) => {
  let t: TestLantern;
  const core = () => t.lantern.core;
  const staff = { id: null, name: 'Amina Yusuf' };
  const input = (over: Partial<UpdateInput> = {}): UpdateInput => ({
    title: 'Vigil report',
    excerpt: 'We stood outside the embassy.',
    bodyMd: 'Forty people came.',
    authorKind: 'staff',
    ...over,
  });

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('drafts and scheduled updates are not listed; published ones are, newest first, with categories, tags and warning', async () => {
    const cat = await createCategory(core(), { name: 'Vigils', description: 'Every week' }, staff);
    const reason = await addWarningReason(core(), 'Descriptions of torture', staff);
    const a = await createUpdate(core(), input({ title: 'First', categoryIds: [cat], tags: ['Embassy', 'London', 'embassy'] }), staff);
    const b = await createUpdate(core(), input({ title: 'Second', warningReasonId: reason, warningText: 'Survivors speak.' }), staff);
    const c = await createUpdate(core(), input({ title: 'Third' }), staff);
    expect(a.slug).toBe('first');
    expect((await listPublishedUpdates(core().db)).total).toBe(0);
    await publishUpdate(core(), a.id, staff);
    await new Promise((r) => setTimeout(r, 5));
    await publishUpdate(core(), b.id, staff);
    await scheduleUpdate(core(), c.id, Date.now() + 60_000, staff);
    const list = await listPublishedUpdates(core().db);
    expect(list.total).toBe(2);
    expect(list.items.map((u) => u.title)).toEqual(['Second', 'First']);
    expect(list.items[1]).toMatchObject({
      url: '/updates/first',
      authorName: 'Amina Yusuf',
      categories: [{ id: cat, slug: 'vigils', name: 'Vigils' }],
      tags: ['Embassy', 'London'],
      warning: null,
    });
    expect(list.items[0]!.warning).toEqual({ reason: 'Descriptions of torture', text: 'Survivors speak.' });
    expect((await listPublishedUpdates(core().db, { categoryId: cat })).items.map((u) => u.id)).toEqual([a.id]);
    expect((await listPublishedUpdates(core().db, { perPage: 1, page: 2 })).items.map((u) => u.id)).toEqual([a.id]);
    expect(await getPublishedUpdate(core().db, 'third')).toBeUndefined();
    expect((await getPublishedUpdate(core().db, 'first'))?.html).toContain('<p>Forty people came.</p>');
    expect(await getCategoryBySlug(core().db, 'vigils')).toMatchObject({ id: cat, url: '/categories/vigils' });

    expect(await publishScheduledUpdates(core(), Date.now())).toBe(0);
    expect(await publishScheduledUpdates(core(), Date.now() + 61_000)).toBe(1);
    expect(await publishScheduledUpdates(core(), Date.now() + 61_000)).toBe(0);
    expect(await getPublishedUpdate(core().db, 'third')).toBeDefined();
    await unpublishUpdate(core(), c.id, staff);
    expect(await getPublishedUpdate(core().db, 'third')).toBeUndefined();
  });

  test('a save writes a revision, a restore writes another, and a renamed slug redirects from every old one', async () => {
    const u = await createUpdate(core(), input({ title: 'Cotton brief' }), staff);
    await saveUpdate(core(), u.id, input({ title: 'Cotton brief', bodyMd: 'Second words.', slug: 'cotton-2026' }), staff);
    await saveUpdate(core(), u.id, input({ title: 'Cotton brief', bodyMd: 'Second words.', slug: 'cotton-briefing' }), staff);
    const revs = await listRevisions(core().db, u.id);
    expect(revs.map((r) => r.bodyMd)).toEqual(['Second words.', 'Forty people came.']);
    await restoreRevision(core(), u.id, revs[1]!.id, staff);
    expect((await listRevisions(core().db, u.id))[0]!.bodyMd).toBe('Forty people came.');
    expect(await findRedirect(core().db, '/updates/cotton-brief')).toBe('/updates/cotton-briefing');
    expect(await findRedirect(core().db, '/updates/cotton-2026')).toBe('/updates/cotton-briefing');
    await expect(createUpdate(core(), input({ slug: 'cotton-briefing' }), staff)).rejects.toMatchObject({
      fields: { slug: expect.any(String) },
    });
  });

  test('the import upserts by slug and makes categories and tags by slug once', async () => {
    const cat = await ensureCategory(core().db, { slug: 'news', name: 'News' });
    expect(await ensureCategory(core().db, { slug: 'news', name: 'News again' })).toBe(cat);
    expect(await ensureTag(core().db, { name: 'Uyghur' })).toBe(await ensureTag(core().db, { slug: 'uyghur', name: 'Uyghur' }));
    const when = Date.UTC(2019, 2, 14);
    const first = await upsertUpdateBySlug(
      core(),
      { ...input({ categoryIds: [cat] }), slug: 'old-post' },
      { status: 'published', publishedAt: when },
      staff,
    );
    const again = await upsertUpdateBySlug(
      core(),
      { ...input({ title: 'Old post' }), slug: 'old-post' },
      { status: 'published', publishedAt: when },
      staff,
    );
    expect(again).toEqual({ id: first.id, created: false });
    expect(await getPublishedUpdate(core().db, 'old-post')).toMatchObject({ title: 'Old post', publishedAt: when });
    expect((await listCategories(core().db)).map((c) => c.slug)).toContain('news');
  });
  test('the site search finds an update only while it is published, with its text as it was last saved', async () => {
    const u = await createUpdate(core(), input({ title: 'Harbour vigil', bodyMd: 'We met by the **quayside** at dusk.' }), staff);
    const find = async (q: string) => (await searchSite(core().db, { q, page: 1, perPage: 10 })).results.map((r) => r.url);
    expect(await find('quayside')).toEqual([]);
    await publishUpdate(core(), u.id, staff);
    expect(await find('quayside')).toEqual([`/updates/${u.slug}`]);
    await saveUpdate(core(), u.id, input({ title: 'Harbour vigil', bodyMd: 'We met by the lighthouse at dusk.' }), staff);
    expect(await find('quayside')).toEqual([]);
    expect(await find('lighthouse')).toEqual([`/updates/${u.slug}`]);
    await unpublishUpdate(core(), u.id, staff);
    expect(await find('lighthouse')).toEqual([]);
  });
});
