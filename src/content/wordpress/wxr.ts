import { createReadStream } from 'node:fs';
import { SaxesParser, type SaxesTagNS } from 'saxes';

// Reading a WordPress export (WXR: RSS 2.0 with WordPress's own elements) as a stream, one item at a time, so a
// 50 MB export costs a few megabytes of memory. A WXR file comes from outside, possibly from an attacker who knows
// Lantern imports them, so anything a WordPress export never holds is refused before it can cost anything: a
// DOCTYPE (the door to entity expansion and external entities), an encoding other than UTF-8, bytes that are not
// UTF-8, and any single piece of text longer than a cap (a 1 GB line is refused after the cap, not held).

/** A WXR file refused, with words for the person who ran the import. */
export class WxrError extends Error {
  override name = 'WxrError';
}

/** A WordPress category, from the export's channel. */
export interface WxrCategory {
  termId: number;
  slug: string;
  name: string;
  parent: string;
  description: string;
}

/** A WordPress tag, from the export's channel. */
export interface WxrTag {
  termId: number;
  slug: string;
  name: string;
}

/** A WordPress author: only what the import shows (the display name); the export's email addresses are not kept. */
export interface WxrAuthor {
  login: string;
  displayName: string;
}

/** One WordPress item: a post, a page, an attachment, or something else WordPress keeps in wp_posts. */
export interface WxrItem {
  title: string;
  link: string;
  pubDate: string;
  creator: string;
  guid: string;
  content: string;
  excerpt: string;
  postId: number;
  postDate: string;
  postDateGmt: string;
  postName: string;
  status: string;
  postParent: number;
  postType: string;
  postPassword: string;
  attachmentUrl: string;
  categories: Array<{ domain: string; nicename: string; name: string }>;
  meta: Array<{ key: string; value: string }>;
  comments: number;
}

/** What the channel says about the site the export came from. */
export interface WxrSite {
  title: string;
  link: string;
  baseSiteUrl: string;
  baseBlogUrl: string;
  wxrVersion: string;
}

export type WxrEvent =
  | { kind: 'site'; site: WxrSite }
  | { kind: 'category'; category: WxrCategory }
  | { kind: 'tag'; tag: WxrTag }
  | { kind: 'author'; author: WxrAuthor }
  | { kind: 'item'; item: WxrItem };

export interface WxrLimits {
  /** The longest single piece of text (a post's content, in characters). */
  maxContent: number;
  /** The longest any other field may be. */
  maxField: number;
}

export const DEFAULT_LIMITS: WxrLimits = { maxContent: 16 * 1024 * 1024, maxField: 1024 * 1024 };

// A WordPress export nests six elements deep at most (rss > channel > item > wp:comment > wp:commentmeta > wp:meta_key);
// saxes looks up namespaces along every open element, so a file nesting millions deep would take hours, not memory.
const MAX_DEPTH = 16;
// What one item may carry: WordPress's own exports stay far below these, and they bound what an item holds.
const MAX_TERMS = 5000;
const MAX_META = 5000;

const CHUNK = 64 * 1024;

const NS: Record<string, string> = {
  'http://purl.org/rss/1.0/modules/content/': 'content',
  'http://purl.org/dc/elements/1.1/': 'dc',
  'http://wellformedweb.org/CommentAPI/': 'wfw',
};
const WP_NS = /^https?:\/\/wordpress\.org\/export\/1\.[0-2]\/$/;
const EXCERPT_NS = /^https?:\/\/wordpress\.org\/export\/1\.[0-2]\/excerpt\/$/;

/** The element's name with WordPress's usual prefix, whatever prefix the file chose for that namespace. */
function qualified(tag: SaxesTagNS): string {
  const uri = tag.uri;
  if (!uri) return tag.local;
  if (WP_NS.test(uri)) return `wp:${tag.local}`;
  if (EXCERPT_NS.test(uri)) return `excerpt:${tag.local}`;
  const prefix = NS[uri];
  return prefix ? `${prefix}:${tag.local}` : `${uri}:${tag.local}`;
}

// The fields of the channel's categories, tags and authors that are read; any other is passed over, not gathered.
const GROUP_FIELDS = new Set([
  'term_id',
  'category_nicename',
  'cat_name',
  'category_parent',
  'category_description',
  'tag_slug',
  'tag_name',
  'author_login',
  'author_display_name',
]);

// The fields of an item that hold a post's text may be long; every other field is short.
const LONG_FIELDS = new Set(['content:encoded', 'excerpt:encoded', 'wp:meta_value', 'description']);

function emptyItem(): WxrItem {
  return {
    title: '',
    link: '',
    pubDate: '',
    creator: '',
    guid: '',
    content: '',
    excerpt: '',
    postId: 0,
    postDate: '',
    postDateGmt: '',
    postName: '',
    status: '',
    postParent: 0,
    postType: '',
    postPassword: '',
    attachmentUrl: '',
    categories: [],
    meta: [],
    comments: 0,
  };
}

/**
 * A short field as a string of its own. saxes hands text on as slices of the 64 KB piece of the file it was read
 * from, and a slice keeps that whole piece alive: an address kept for the report would keep 64 KB with it.
 */
const ownCopy = (s: string) => (s.length === 0 ? '' : Buffer.from(s, 'utf8').toString('utf8'));

const int = (s: string) => {
  const n = Number.parseInt(s.trim(), 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : 0;
};

/** Bytes from a file, or any stream of bytes (tests generate huge hostile files without writing them). */
export type WxrSource = string | AsyncIterable<Uint8Array>;

/**
 * Reads a WXR export as a stream of events: the site first, then categories, tags and authors, then items one by
 * one. Throws WxrError (with the line) on anything that is not a WordPress export or is refused.
 */
export async function* readWxr(source: WxrSource, limits: WxrLimits = DEFAULT_LIMITS): AsyncGenerator<WxrEvent> {
  const parser = new SaxesParser({ xmlns: true, position: true });
  const out: WxrEvent[] = [];
  let failure: Error | undefined;
  const fail = (message: string) => {
    failure ??= new WxrError(`${message} (line ${parser.line})`);
  };

  // saxes holds a text node, a comment or a tag it has not finished in memory, and says nothing until it ends: if
  // nothing has come out of it for longer than any field may be, the file is refused now rather than held.
  let sinceEvent = 0;
  // Inside a start tag (its name and attributes), where nothing of a WordPress export is long.
  let inTag = false;
  // What the current item's custom fields hold in all: each may be long, their sum is capped too.
  let metaChars = 0;

  // Where we are: the path of open elements, and what is being gathered.
  const path: string[] = [];
  let text = '';
  let textCap = limits.maxField;
  let sawRss = false;
  let wpDeclared = false;
  const site: WxrSite = { title: '', link: '', baseSiteUrl: '', baseBlogUrl: '', wxrVersion: '' };
  let siteSent = false;
  let item: WxrItem | undefined;
  let group: Record<string, string> | undefined;
  let category: { domain: string; nicename: string } | undefined;
  let meta: { key: string; value: string } | undefined;

  const sendSite = () => {
    if (siteSent) return;
    if (!site.wxrVersion) fail('This is not a WordPress export: it has no WXR version (export it again from Tools → Export in WordPress)');
    siteSent = true;
    out.push({ kind: 'site', site: { ...site } });
  };

  parser.on('xmldecl', (decl) => {
    const enc = (decl.encoding ?? 'UTF-8').toLowerCase();
    if (enc !== 'utf-8' && enc !== 'utf8')
      fail(`The export is in the ${decl.encoding} encoding; Lantern reads only UTF-8 (WordPress exports are UTF-8)`);
  });
  parser.on('doctype', () =>
    fail('The file declares a DOCTYPE, which a WordPress export never does; it is refused (it could expand entities or read other files)'),
  );
  parser.on('comment', () => (sinceEvent = 0));
  parser.on('opentagstart', () => {
    sinceEvent = 0;
    inTag = true;
    if (path.length < MAX_DEPTH) return;
    // Thrown, not only noted: saxes would otherwise go on through the rest of the piece, one deeper look-up a tag.
    fail(`The export nests elements deeper than a WordPress export does (more than ${MAX_DEPTH})`);
    throw failure;
  });
  parser.on('opentag', (tag) => {
    sinceEvent = 0;
    inTag = false;
    if (failure) return;
    const name = qualified(tag);
    if (path.length === 0) {
      if (tag.local !== 'rss') fail('This is not a WordPress export: it is not an RSS document');
      sawRss = true;
      wpDeclared = Object.values(tag.ns ?? {}).some((uri) => WP_NS.test(uri));
      if (!wpDeclared) fail('This is not a WordPress export: it does not use the WordPress export namespace');
    }
    path.push(name);
    text = '';
    const depth = path.length;
    // rss > channel > item > field
    if (depth === 3 && name === 'item') {
      sendSite();
      item = emptyItem();
      metaChars = 0;
    } else if (depth === 3 && (name === 'wp:category' || name === 'wp:tag' || name === 'wp:author')) {
      // The channel's own fields come before these in every export: the site is known from here on.
      sendSite();
      group = {};
    } else if (depth === 4 && item && name === 'category') {
      if (item.categories.length >= MAX_TERMS)
        fail(`An item of the export has more than ${MAX_TERMS.toLocaleString('en-GB')} categories and tags`);
      const attr = (k: string) => String(tag.attributes[k]?.value ?? '');
      category = { domain: attr('domain'), nicename: attr('nicename') };
    } else if (depth === 4 && item && name === 'wp:postmeta') {
      if (item.meta.length >= MAX_META) fail(`An item of the export has more than ${MAX_META.toLocaleString('en-GB')} custom fields`);
      meta = { key: '', value: '' };
    } else if (depth === 4 && item && name === 'wp:comment') {
      item.comments++;
    }
    textCap = LONG_FIELDS.has(name) ? limits.maxContent : limits.maxField;
  });
  const gather = (t: string) => {
    sinceEvent = 0;
    if (text.length + t.length > textCap) {
      fail(`A piece of text in the export is longer than Lantern accepts (${Math.round(textCap / 1024 / 1024)} MB)`);
      return;
    }
    text += t;
  };
  parser.on('text', gather);
  parser.on('cdata', gather);
  parser.on('closetag', (tag) => {
    sinceEvent = 0;
    if (failure) return;
    const name = qualified(tag);
    const depth = path.length;
    const value = LONG_FIELDS.has(name) ? text : ownCopy(text);
    text = '';
    if (depth === 3 && name === 'item' && item) {
      out.push({ kind: 'item', item });
      item = undefined;
    } else if (depth === 3 && group) {
      const g = group;
      group = undefined;
      if (name === 'wp:category') {
        out.push({
          kind: 'category',
          category: {
            termId: int(g.term_id ?? ''),
            slug: g.category_nicename ?? '',
            name: g.cat_name ?? '',
            parent: g.category_parent ?? '',
            description: g.category_description ?? '',
          },
        });
      } else if (name === 'wp:tag') {
        out.push({ kind: 'tag', tag: { termId: int(g.term_id ?? ''), slug: g.tag_slug ?? '', name: g.tag_name ?? '' } });
      } else if (name === 'wp:author') {
        out.push({ kind: 'author', author: { login: g.author_login ?? '', displayName: g.author_display_name ?? '' } });
      }
    } else if (depth === 4 && group) {
      const field = name.replace(/^wp:/, '');
      if (GROUP_FIELDS.has(field)) group[field] = value;
    } else if (depth === 3 && !item) {
      if (name === 'title') site.title = value;
      else if (name === 'link') site.link = value;
      else if (name === 'wp:base_site_url') site.baseSiteUrl = value;
      else if (name === 'wp:base_blog_url') site.baseBlogUrl = value;
      else if (name === 'wp:wxr_version') site.wxrVersion = value;
    } else if (depth === 4 && item) {
      setItemField(item, name, value, category);
      if (name === 'category') category = undefined;
      if (name === 'wp:postmeta' && meta) {
        item.meta.push(meta);
        meta = undefined;
      }
    } else if (depth === 5 && meta) {
      if (name === 'wp:meta_key') meta.key = value;
      else if (name === 'wp:meta_value') {
        metaChars += value.length;
        if (metaChars > limits.maxContent)
          fail(
            `The custom fields of an item of the export are longer than Lantern accepts (${Math.round(limits.maxContent / 1024 / 1024)} MB in all)`,
          );
        meta.value = value;
      }
    }
    path.pop();
  });
  parser.on('error', (e) => fail(`The export is not well-formed XML: ${e.message.replace(/^.*?:\d+:\d+: /, '')}`));

  const decoder = new TextDecoder('utf-8', { fatal: true });
  const feed = (s: string) => {
    for (let i = 0; i < s.length && !failure; i += CHUNK) {
      const piece = s.slice(i, i + CHUNK);
      sinceEvent += piece.length;
      parser.write(piece);
      if (sinceEvent > limits.maxContent + CHUNK)
        fail(`A piece of the export is longer than Lantern accepts (${Math.round(limits.maxContent / 1024 / 1024)} MB without a break)`);
      else if (inTag && sinceEvent > limits.maxField + CHUNK)
        fail(`A tag in the export is longer than Lantern accepts (${Math.round(limits.maxField / 1024)} KB of attributes)`);
    }
  };

  const chunks: AsyncIterable<Uint8Array> =
    typeof source === 'string' ? (createReadStream(source, { highWaterMark: CHUNK }) as AsyncIterable<Uint8Array>) : source;
  try {
    for await (const chunk of chunks) {
      let s: string;
      try {
        s = decoder.decode(chunk, { stream: true });
      } catch {
        throw new WxrError(`The export holds bytes that are not UTF-8 (near line ${parser.line}); Lantern reads only UTF-8`);
      }
      feed(s);
      if (failure) throw failure;
      while (out.length) yield out.shift()!;
    }
    try {
      decoder.decode();
    } catch {
      throw new WxrError('The export ends with bytes that are not UTF-8; Lantern reads only UTF-8');
    }
    parser.close();
  } catch (e) {
    if (e instanceof WxrError) throw e;
    if (failure) throw failure;
    throw e;
  }
  if (failure) throw failure;
  if (!sawRss) throw new WxrError('The file is empty or is not a WordPress export');
  sendSite();
  if (failure) throw failure;
  while (out.length) yield out.shift()!;
}

function setItemField(item: WxrItem, name: string, value: string, category: { domain: string; nicename: string } | undefined) {
  switch (name) {
    case 'title':
      item.title = value;
      break;
    case 'link':
      item.link = value;
      break;
    case 'pubDate':
      item.pubDate = value;
      break;
    case 'dc:creator':
      item.creator = value;
      break;
    case 'guid':
      item.guid = value;
      break;
    case 'content:encoded':
      item.content = value;
      break;
    case 'excerpt:encoded':
      item.excerpt = value;
      break;
    case 'wp:post_id':
      item.postId = int(value);
      break;
    case 'wp:post_date':
      item.postDate = value;
      break;
    case 'wp:post_date_gmt':
      item.postDateGmt = value;
      break;
    case 'wp:post_name':
      item.postName = value;
      break;
    case 'wp:status':
      item.status = value;
      break;
    case 'wp:post_parent':
      item.postParent = int(value);
      break;
    case 'wp:post_type':
      item.postType = value;
      break;
    case 'wp:post_password':
      item.postPassword = value;
      break;
    case 'wp:attachment_url':
      item.attachmentUrl = value;
      break;
    case 'category':
      if (category) item.categories.push({ ...category, name: value });
      break;
  }
}
