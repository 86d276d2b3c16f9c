import { Feed } from 'feed';
import sanitizeHtml from 'sanitize-html';

// Atom documents (RFC 4287) written by the `feed` package, and the HTML that goes inside them. A feed reader shows an
// entry away from our pages, so every address in it must be absolute, and an entry under a content warning must
// say so before anything else and carry no image: a reader would otherwise show the picture the warning is about.

/** One entry of a feed: addresses absolute, `html` the full text already rendered, `summary` plain text. */
export interface AtomEntry {
  /** A stable identifier (a tag: URI), kept when the entry's address changes. */
  id: string;
  title: string;
  url: string;
  publishedAt: number;
  updatedAt: number;
  authorName: string;
  summary: string;
  html: string;
  /** The content warning to show first (its reason, and staff's words if any); its images are then left out. */
  warning?: { reason: string; text?: string | null | undefined } | null | undefined;
  categories?: readonly string[] | undefined;
}

/** A whole feed: its own address (`selfUrl`), the page it stands for (`pageUrl`) and its entries, newest first. */
export interface AtomFeed {
  id: string;
  title: string;
  subtitle?: string | undefined;
  selfUrl: string;
  pageUrl: string;
  iconUrl: string;
  authorName: string;
  /** When the feed last changed; the newest entry's time, or `emptyUpdatedAt` when it has none. */
  emptyUpdatedAt: number;
  entries: readonly AtomEntry[];
}

// XML 1.0 refuses C0 controls other than tab and line breaks, U+FFFE/U+FFFF and lone surrogates: one in a title
// imported from an old site would make the whole feed unreadable, so they are dropped from everything written.
const NOT_XML =
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text with the characters XML cannot hold removed. */
export function xmlSafe(s: string): string {
  return s.replace(NOT_XML, '');
}

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/**
 * The feed package writes HTML into CDATA sections and escapes only the first "]]>" of each; an escaped ">" reads
 * the same in HTML, so every one is written that way before it gets there.
 */
const cdataSafe = (html: string) => xmlSafe(html).replace(/]]>/g, ']]&gt;');

/** The Atom document of a feed. */
export function renderAtom(f: AtomFeed): string {
  const newest = f.entries.reduce((m, e) => Math.max(m, e.updatedAt), 0);
  const feed = new Feed({
    id: xmlSafe(f.id),
    title: xmlSafe(f.title),
    description: f.subtitle === undefined ? undefined : xmlSafe(f.subtitle),
    link: f.pageUrl,
    feedLinks: { atom: f.selfUrl },
    favicon: f.iconUrl,
    updated: new Date(newest || f.emptyUpdatedAt),
    author: { name: xmlSafe(f.authorName) },
    // No generator: nothing in a feed needs to say which software a charity runs.
    generator: false,
  });
  for (const e of f.entries) {
    const warning = e.warning ? warningHtml(e.warning) : '';
    feed.addItem({
      id: e.id,
      // Atom "html" text: the title is HTML, so a title's own "&" or "<" is escaped once more.
      title: cdataSafe(escapeHtml(e.title)),
      link: e.url,
      date: new Date(e.updatedAt),
      published: new Date(e.publishedAt),
      author: [{ name: xmlSafe(e.authorName) }],
      description: cdataSafe(warning + `<p>${escapeHtml(e.summary)}</p>`),
      content: cdataSafe(warning + e.html),
      category: e.categories?.map((c) => ({ term: xmlSafe(c) })),
    });
  }
  return feed.atom1();
}

/** The content warning as the first paragraphs of an entry. */
function warningHtml(w: NonNullable<AtomEntry['warning']>): string {
  return `<p><strong>Content warning: ${escapeHtml(w.reason)}</strong></p>${w.text ? `<p>${escapeHtml(w.text)}</p>` : ''}`;
}

const URL_ATTRIBUTES = ['href', 'src', 'poster', 'cite'];
const IMAGE_TAGS = ['img', 'picture', 'source', 'figure', 'svg', 'video', 'audio', 'iframe', 'object', 'embed'];

/**
 * Rendered HTML made ready for a feed: every address absolute on `baseUrl` (a reader has no page to resolve a
 * relative one against), script, style and frames dropped, and with `images: false` every image and media element
 * left out (an entry under a content warning).
 */
export function feedHtml(html: string, o: { baseUrl: string; images: boolean }): string {
  const absolute = (value: string) => {
    try {
      return new URL(value, `${o.baseUrl}/`).toString();
    } catch {
      return '';
    }
  };
  const absoluteSrcset = (value: string) =>
    value
      .split(',')
      .map((part) => {
        const [address, ...size] = part.trim().split(/\s+/);
        return address ? [absolute(address), ...size].join(' ') : '';
      })
      .filter(Boolean)
      .join(', ');
  const media = ['img', 'picture', 'source', 'figure', 'figcaption'];
  return sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, ...(o.images ? media : ['figure', 'figcaption'])],
    allowedAttributes: {
      a: ['href', 'title'],
      img: ['src', 'srcset', 'sizes', 'alt', 'title', 'width', 'height'],
      source: ['srcset', 'sizes', 'type', 'media'],
      ol: ['start'],
      th: ['style'],
      td: ['style'],
      blockquote: ['cite'],
    },
    allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowProtocolRelative: false,
    // Everything under a dropped image or media element goes with it, not only the element's own tag.
    nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', ...(o.images ? [] : IMAGE_TAGS.filter((t) => t !== 'figure'))],
    transformTags: {
      '*': (tagName, attribs) => {
        const out: Record<string, string> = { ...attribs };
        for (const a of URL_ATTRIBUTES) if (out[a] !== undefined && !/^(mailto|tel):/i.test(out[a])) out[a] = absolute(out[a]);
        if (out.srcset !== undefined) out.srcset = absoluteSrcset(out.srcset);
        return { tagName, attribs: out };
      },
    },
  });
}

/** The plain text of some HTML, cut at a word near `max` characters (an excerpt where none was written). */
export function excerptOf(html: string, max = 280): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: ['script', 'style', 'figcaption'] })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).replace(/[\s,.;:–—-]+$/, '')}…`;
}

/** A tag: URI (RFC 4151) for an entry: stable across renamed slugs and, unlike a URL, never taken for an address. */
export function tagUri(baseUrl: string, at: number, specific: string): string {
  const host = new URL(baseUrl).hostname;
  return `tag:${host},${new Date(at).toISOString().slice(0, 10)}:${specific}`;
}
