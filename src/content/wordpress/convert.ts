import sanitizeHtml from 'sanitize-html';
import TurndownService from 'turndown';
import { tables, strikethrough } from 'turndown-plugin-gfm';
import { cleanText } from '../../core/text.js';

// A WordPress post's HTML made into the Markdown updates are written in. The HTML comes from another system and
// perhaps from an attacker, so it goes through sanitize-html's allow-list first (no script, style, frames, forms,
// SVG or MathML, no event handlers, only http/https/mailto/tel links, nothing nested deeper than NESTING), then
// turndown writes Markdown, which Lantern's own renderer (core/markdown.ts: raw HTML off, sanitised again) renders.
//
// What WordPress adds on the way out is done here: paragraphs from blank lines (wpautop) and shortcodes ([caption]
// keeps its caption; embeds keep their address as a link; page builders' wrappers keep what they wrap; the rest is
// dropped and counted for the report). Images are not shown: they would load from the old site (a request elsewhere
// for every reader), so each becomes its description and is listed for staff to upload by hand.

/** What converting one post gave, beside its Markdown. */
export interface Converted {
  markdown: string;
  /** Images the post showed (their old addresses and descriptions), now left out. */
  images: Array<{ src: string; alt: string }>;
  /** Shortcodes dropped, by name, with how many times. */
  droppedShortcodes: Record<string, number>;
}

const NESTING = 40;

// Shortcodes whose content is a media address or a form: the whole shortcode goes.
const DROPPED = new Set([
  'gallery',
  'video',
  'audio',
  'playlist',
  'iframe',
  'youtube',
  'vimeo',
  'soundcloud',
  'tweet',
  'instagram',
  'googlemaps',
  'contact-form-7',
  'contact-form',
  'wpforms',
  'gravityform',
  'ninja_form',
  'mc4wp_form',
  'donate',
  'button',
  'video_embed',
  'wpvideo',
  'slideshow',
  'pdf-embedder',
  'table',
]);
// Shortcodes that only wrap text (layout, accordions): the tags go, what they wrap stays.
const WRAPPERS = new Set([
  'column',
  'columns',
  'row',
  'one_half',
  'one_third',
  'two_thirds',
  'toggle',
  'tabs',
  'tab',
  'accordion',
  'box',
  'quote',
]);
const BUILDER_PREFIX = /^(vc|et_pb|fusion|su|av|cs|mk|x|tatsu|themify|ux|cmsmasters)_/;

function isShortcode(name: string): boolean {
  return name === 'embed' || name === 'caption' || DROPPED.has(name) || WRAPPERS.has(name) || BUILDER_PREFIX.test(name);
}

const count = (into: Record<string, number>, name: string) => (into[name] = (into[name] ?? 0) + 1);

/** WordPress shortcodes turned into plain HTML: captions kept, embeds as links, wrappers unwrapped, the rest dropped (counted). */
export function expandShortcodes(html: string, dropped: Record<string, number>): string {
  if (!html.includes('[')) return html;
  let s = html.replace(/\[caption\b([^\]]*)\]([\s\S]*?)\[\/caption\]/gi, (_m, attrs: string, inner: string) => {
    const images = inner.match(/<img\b[^>]*>/gi) ?? [];
    const fromAttr = /\bcaption=(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
    const words = (fromAttr?.[1] ?? fromAttr?.[2] ?? inner.replace(/<a\b[^>]*>\s*<img\b[^>]*>\s*<\/a>|<img\b[^>]*>/gi, '')).trim();
    // The caption says what the image showed; its description would say it twice.
    const shown = words ? images.map((i) => i.replace(/\balt=("[^"]*"|'[^']*')/i, 'alt=""')) : images;
    return `\n\n${shown.join('')}\n\n${words ? `<p>${words}</p>` : ''}\n\n`;
  });
  s = s.replace(
    /\[embed\b[^\]]*\]\s*(https?:\/\/[^\s[\]<>"]+)\s*\[\/embed\]/gi,
    (_m, url: string) => `\n\n<p><a href="${url}">${url}</a></p>\n\n`,
  );
  // An enclosing shortcode whose content goes with it.
  s = s.replace(/\[([a-z][\w-]*)\b[^\]]*\]([\s\S]*?)\[\/\1\]/gi, (m, name: string) => {
    const n = name.toLowerCase();
    if (!DROPPED.has(n)) return m;
    count(dropped, n);
    return '';
  });
  // What remains: single shortcodes, and the tags of wrappers.
  return s.replace(/\[(\/?)([a-z][\w-]*)((?:\s[^\]]*)?)\/?\](?!\()/gi, (m, closing: string, name: string) => {
    const n = name.toLowerCase();
    if (!isShortcode(n)) return m;
    if (!closing && !WRAPPERS.has(n) && !BUILDER_PREFIX.test(n)) count(dropped, n);
    return '';
  });
}

const BLOCK =
  /^<\/?(p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|table|thead|tbody|tfoot|tr|td|th|caption|pre|figure|figcaption|hr|address|section|article|aside|header|footer|nav|form|fieldset|details|summary|!--)\b/i;

/** WordPress's paragraphs: text separated by a blank line is a paragraph, a single line break a <br> (wpautop). */
export function wpautop(html: string): string {
  if (!html.trim()) return '';
  const kept: string[] = [];
  // A <pre> keeps its line breaks exactly.
  const s = html.replace(/\r\n?/g, '\n').replace(/<pre\b[\s\S]*?<\/pre>/gi, (m) => `\uE000${kept.push(m) - 1}\uE001`);
  return s
    .split(/\n[ \t]*\n/)
    .map((block) => {
      const t = block.trim();
      if (!t) return '';
      if (BLOCK.test(t) || /^\uE000\d+\uE001$/.test(t)) return t;
      return `<p>${t.replace(/\n/g, '<br>\n')}</p>`;
    })
    .filter(Boolean)
    .join('\n')
    .replace(/\uE000(\d+)\uE001/g, (_m, i: string) => kept[Number(i)]!);
}

function sanitizeOptions(oldOrigins: readonly string[]): sanitizeHtml.IOptions {
  return {
    allowedTags: [
      'p',
      'br',
      'hr',
      'h1',
      'h2',
      'h3',
      'h4',
      'h5',
      'h6',
      'blockquote',
      'ul',
      'ol',
      'li',
      'strong',
      'b',
      'em',
      'i',
      's',
      'del',
      'strike',
      'code',
      'pre',
      'a',
      'table',
      'thead',
      'tbody',
      'tfoot',
      'tr',
      'th',
      'td',
      'img',
    ],
    allowedAttributes: { a: ['href', 'title'], img: ['src', 'alt'] },
    allowedSchemes: ['http', 'https', 'mailto', 'tel'],
    allowedSchemesByTag: { img: ['http', 'https'] },
    allowProtocolRelative: false,
    // Their text goes with them (sanitize-html keeps the text of other refused tags).
    nonTextTags: [
      'script',
      'style',
      'textarea',
      'option',
      'noscript',
      'template',
      'iframe',
      'object',
      'svg',
      'math',
      'select',
      'title',
      'head',
    ],
    nestingLimit: NESTING,
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, ...(attribs.href ? { href: onThisSite(attribs.href, oldOrigins) } : {}) },
      }),
      b: 'strong',
      i: 'em',
      strike: 's',
      del: 's',
    },
  };
}

/**
 * A link to a page of the old site becomes a path on this one, where its redirect answers; files in the old site's
 * uploads stay where they are (they are not here).
 */
export function onThisSite(href: string, oldOrigins: readonly string[]): string {
  let url: URL;
  try {
    url = new URL(href);
  } catch {
    return href;
  }
  if (!oldOrigins.includes(url.origin) || url.pathname.includes('/wp-content/')) return href;
  return `${url.pathname}${url.search}${url.hash}` || '/';
}

// One turndown for every post; the images of the post being converted are gathered here (conversion is synchronous).
let gathering: Converted['images'] = [];
const turndown = new TurndownService({ headingStyle: 'atx', codeBlockStyle: 'fenced', bulletListMarker: '-', emDelimiter: '_' });
turndown.use([tables, strikethrough]);
turndown.addRule('images', {
  filter: 'img',
  replacement: (_content, node) => {
    const el = node as unknown as { getAttribute(n: string): string | null };
    const src = el.getAttribute('src') ?? '';
    const alt = (el.getAttribute('alt') ?? '').replace(/\s+/g, ' ').trim();
    // Copies: the parser's strings are slices of the whole post, which a kept address would keep alive with it.
    if (/^https?:\/\//i.test(src)) gathering.push({ src: Buffer.from(src).toString(), alt: Buffer.from(alt).toString() });
    return alt ? turndown.escape(alt) : '';
  },
});

/** A post's HTML (as WordPress stores it) as safe Markdown, with the images left out and the shortcodes dropped. */
export function convertPost(html: string, o: { oldOrigins: readonly string[] }): Converted {
  const droppedShortcodes: Record<string, number> = {};
  const safe = sanitizeHtml(wpautop(expandShortcodes(html, droppedShortcodes)), sanitizeOptions(o.oldOrigins));
  gathering = [];
  const markdown = safe.trim() ? turndown.turndown(safe) : '';
  const images = gathering;
  gathering = [];
  return { markdown: tidy(markdown, 'multi'), images, droppedShortcodes };
}

/** A title or a name from the export as plain text on one line (WordPress titles may hold tags and entities). */
export function plainText(html: string): string {
  const text = sanitizeHtml(html, { allowedTags: [], allowedAttributes: {}, nonTextTags: ['script', 'style', 'textarea', 'svg', 'math'] });
  return tidy(decodeEntities(text).replace(/\s+/g, ' ').trim(), 'single');
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0', '#39': "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e: string) => {
    const k = e.toLowerCase();
    if (ENTITIES[k] !== undefined) return ENTITIES[k];
    const n = k.startsWith('#x') ? Number.parseInt(k.slice(2), 16) : k.startsWith('#') ? Number.parseInt(k.slice(1), 10) : NaN;
    return Number.isInteger(n) && n > 0 && n <= 0x10ffff && !(n >= 0xd800 && n <= 0xdfff) ? String.fromCodePoint(n) : m;
  });
}

// Characters core/text.ts refuses in anything typed are taken out of what is imported, rather than the post refused.
const REFUSED = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFDD0-\uFDEF\uFFFE\uFFFF]/g;

/** Imported text cleaned by the same rules as text staff type (core/text.ts), refused characters taken out. */
export function tidy(s: string, kind: 'single' | 'multi'): string {
  const stripped = s.toWellFormed().replace(REFUSED, '');
  const cleaned = cleanText(kind === 'single' ? stripped.replace(/\n/g, ' ') : stripped, kind);
  return cleaned.ok ? cleaned.value : stripped;
}
