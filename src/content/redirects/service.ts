import type { Db, DbOrTrx } from '../../core/db/index.js';
import { deleteRedirectFrom, findRedirectTarget, repointRedirects, upsertRedirect } from './queries.js';

// Old addresses keep working. When staff rename a slug, or a site moves in from WordPress, the old address is
// recorded with the new one; a GET that would end in "not found" is answered with a permanent redirect (301) instead
// (core/web/app.ts asks through the capability's `redirects` hook). Only misses are looked up, so a live page always
// wins over an old address that happens to match it, and the lookup costs nothing on a page that exists.

// WordPress's "plain" permalinks are the home page with a query (`/?p=123`, `/?page_id=7`, `/?cat=4`): those
// queries are part of the old address. Any other query string is not.
const WORDPRESS_QUERY = /^(p|page_id|cat|tag|attachment_id|m)$/;

/**
 * The form an address is recorded and looked up in: the path without its trailing slash, and for the home page
 * the one WordPress query that names a post; undefined for what cannot be an address of this site.
 */
export function redirectKey(address: string): string | undefined {
  let url: URL;
  try {
    url = new URL(address, 'http://lantern.invalid');
  } catch {
    return undefined;
  }
  if (url.origin !== 'http://lantern.invalid' || !address.startsWith('/') || address.startsWith('//')) return undefined;
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : '/';
  if (path === '/') {
    for (const [k, v] of url.searchParams) {
      if (WORDPRESS_QUERY.test(k) && v !== '') return `/?${k}=${encodeURIComponent(v)}`;
    }
    return undefined;
  }
  return path;
}

/**
 * Records that the old address now lives at the new one (both paths on this site). Old addresses that led to the
 * old one are repointed, so a chain of renames is always one hop; recording an address onto itself does nothing.
 */
export async function addRedirect(db: DbOrTrx, fromPath: string, toPath: string): Promise<void> {
  const from = redirectKey(fromPath);
  const to = redirectKey(toPath) ?? (toPath === '/' ? '/' : undefined);
  if (!from || !to) throw new Error(`Not an address of this site: ${!from ? fromPath : toPath}`);
  if (from === to) return;
  await repointRedirects(db, from, to);
  await upsertRedirect(db, from, to, Date.now());
  // The new address is live: an old record sending it elsewhere would only ever be consulted by mistake.
  await deleteRedirectFrom(db, to);
}

/** Where an address that was not found now lives, if it is an old address of a page. */
export async function findRedirect(db: Db, address: string): Promise<string | undefined> {
  const key = redirectKey(address);
  if (!key) return undefined;
  return findRedirectTarget(db, key);
}
