import { Readable } from 'node:stream';
import { ErrorLevel, SitemapIndexStream, SitemapStream, streamToPromise } from 'sitemap';

// sitemap.xml (sitemaps.org 0.9) written by the `sitemap` package, which escapes and checks every address. One
// document holds at most 50,000 addresses; past that the sitemap becomes an index of numbered parts.

/** One public address: absolute, and when it last changed (UTC ms) if known. */
export interface SitemapEntry {
  url: string;
  lastModified?: number | null | undefined;
}

/** The protocol's limit of addresses in one sitemap document. */
export const SITEMAP_LIMIT = 50_000;

// Only the plain protocol: none of Google's news, image or video extensions is written.
const PLAIN = { news: false, video: false, xhtml: false, image: false };

const iso = (at: number | null | undefined) => (at ? new Date(at).toISOString() : undefined);

/** The sitemap document of these addresses. */
export async function renderSitemap(baseUrl: string, entries: readonly SitemapEntry[]): Promise<string> {
  const stream = new SitemapStream({ hostname: baseUrl, xmlns: PLAIN, level: ErrorLevel.THROW });
  const items = entries.map((e) => ({ url: e.url, ...(e.lastModified ? { lastmod: iso(e.lastModified) } : {}) }));
  return (await streamToPromise(Readable.from(items).pipe(stream))).toString('utf8');
}

/** The sitemap index listing these parts (absolute addresses of sitemap documents, with their newest change). */
export async function renderSitemapIndex(parts: readonly SitemapEntry[]): Promise<string> {
  const stream = new SitemapIndexStream({ level: ErrorLevel.THROW });
  const items = parts.map((p) => ({ url: p.url, ...(p.lastModified ? { lastmod: iso(p.lastModified) } : {}) }));
  return (await streamToPromise(Readable.from(items).pipe(stream))).toString('utf8');
}
