import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { publishPage } from '../service.js';
import { addRedirect, findRedirect, redirectKey } from './service.js';

// Old addresses keep working: recorded old paths (renamed slugs, WordPress permalinks) answer 301 to where the page
// lives now, only when nothing lives at the old address, and a chain of renames is always one hop.

test('an address is recorded without its trailing slash, and only WordPress’s own home-page queries are kept', () => {
  expect(redirectKey('/2019/03/14/cotton-report/')).toBe('/2019/03/14/cotton-report');
  expect(redirectKey('/category/news/?utm_source=x')).toBe('/category/news');
  expect(redirectKey('/?p=123')).toBe('/?p=123');
  expect(redirectKey('/?utm_source=mail&page_id=7')).toBe('/?page_id=7');
  expect(redirectKey('/?utm_source=mail')).toBeUndefined();
  expect(redirectKey('https://elsewhere.example/x')).toBeUndefined();
  expect(redirectKey('//elsewhere.example/x')).toBeUndefined();
  expect(redirectKey('not a path')).toBeUndefined();
});

describeEachDialect('content: old addresses redirect', (ctx) => {
  let t: TestLantern;
  const db = () => t.lantern.core.db;

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    await publishPage(db(), { slug: 'home', title: 'Home', summary: 's', body: 'b' });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a missing old address answers 301 to the new one; a live page is never redirected', async () => {
    await addRedirect(db(), '/2019/03/14/cotton-report/', '/privacy');
    await addRedirect(db(), '/?p=123', '/privacy');
    await addRedirect(db(), '/data-sources', '/privacy');
    const res = await fetch(`${t.baseUrl}/2019/03/14/cotton-report/`, { redirect: 'manual' });
    expect(res.status).toBe(301);
    expect(res.headers.get('location')).toBe('/privacy');
    const plain = await fetch(`${t.baseUrl}/?p=123`, { redirect: 'manual' });
    expect(plain.status).toBe(301);
    expect(plain.headers.get('location')).toBe('/privacy');
    // The home page with any other query is the home page.
    expect((await fetch(`${t.baseUrl}/?p=999`, { redirect: 'manual' })).status).toBe(200);
    // A live page wins over a recorded old address.
    expect((await fetch(`${t.baseUrl}/data-sources`, { redirect: 'manual' })).status).toBe(200);
    // A POST is never redirected, and an unknown address is still "not found".
    expect((await fetch(`${t.baseUrl}/never-was`, { redirect: 'manual' })).status).toBe(404);
  });

  test('renaming twice repoints the oldest address, so every old address is one hop from the page', async () => {
    await addRedirect(db(), '/updates/first-name', '/updates/second-name');
    await addRedirect(db(), '/updates/second-name', '/updates/third-name');
    expect(await findRedirect(db(), '/updates/first-name')).toBe('/updates/third-name');
    expect(await findRedirect(db(), '/updates/second-name/')).toBe('/updates/third-name');
    // Renaming back: the address that is live again no longer redirects anywhere.
    await addRedirect(db(), '/updates/third-name', '/updates/first-name');
    expect(await findRedirect(db(), '/updates/first-name')).toBeUndefined();
    expect(await findRedirect(db(), '/updates/second-name')).toBe('/updates/first-name');
    expect(await findRedirect(db(), '/updates/third-name')).toBe('/updates/first-name');
    await expect(addRedirect(db(), 'https://elsewhere.example/', '/x')).rejects.toThrow(/Not an address/);
  });
});
