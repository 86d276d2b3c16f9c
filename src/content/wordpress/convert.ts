import { Tokenizer } from 'htmlparser2';
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
  /** Far more than an update holds: not converted (markdown is empty), for the import to skip with a reason. */
  tooLarge?: boolean;
}

/**
 * The most tags a post may hold once sanitised. turndown builds a document of the whole post, some 700 bytes an
 * element, and sanitize-html some 200 bytes a tag as it goes: a post of a few megabytes of line breaks would need
 * gigabytes. The longest update Lantern takes (200,000 characters) holds a few tens of thousands; before sanitising,
 * a page builder's wrappers may hold a few times more.
 */
export const MAX_TAGS = 50_000;
const MAX_TAGS_UNSANITISED = 200_000;
/** Visible characters (not counting spaces) beyond which a post cannot fit in an update, however it is written. */
export const MAX_TEXT = 2_000_000;

/** Whether HTML holds more tags than may be converted (line breaks too, when each may become a <br>); stops early. */
function overTags(html: string, maxTags: number, countLineBreaks: boolean): boolean {
  let tags = 0;
  for (let i = 0; i < html.length; i++) {
    const c = html.charCodeAt(i);
    if ((c === 60 /* < */ || (countLineBreaks && c === 10)) && ++tags > maxTags) return true;
  }
  return false;
}

/** Visible characters of sanitised HTML (its tags are whole: sanitize-html escapes < and > elsewhere), up to a cap. */
function overText(safe: string): boolean {
  let text = 0;
  for (let i = 0; i < safe.length; i++) {
    const c = safe.charCodeAt(i);
    if (c === 60 /* < */) {
      const end = safe.indexOf('>', i);
      if (end === -1) break;
      i = end;
    } else if (c === 38 /* & */) {
      // An entity is one character.
      const end = safe.indexOf(';', i);
      if (end !== -1 && end - i <= 10) i = end;
      if (++text > MAX_TEXT) return true;
    } else if (c > 32 && ++text > MAX_TEXT) return true;
  }
  return false;
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

// A shortcode's tag: [name attrs], [name attrs /] or [/name]. Neither its attributes nor anything else here may run
// past the next bracket, so each character of a post is looked at a bounded number of times: a post of 16 MB of
// "[x]" or "[caption]" with no closing tag is read in one pass (patterns that looked ahead for a closing tag from
// every opening one took hours on such a post).
const SHORTCODE_TAG = /\[(\/?)([a-z][\w-]*)((?:\s[^[\]]*)?)(\/?)\]/gi;
const IMG_TAG = /<img\b[^<>]*>/gi;
const LINKED_IMG = /<a\b[^<>]*>\s*<img\b[^<>]*>\s*<\/a>|<img\b[^<>]*>/gi;
const ANY_SHORTCODE_TAG = /\[\/?[a-z][\w-]*(?:\s[^[\]]*)?\]/gi;

interface ShortcodeTag {
  start: number;
  end: number;
  name: string;
  closing: boolean;
  attrs: string;
  /** For an opening tag, the index of its closing tag in the list. */
  closedBy?: number;
}

/** A caption's words and images as HTML: the caption says what the image showed; its description would say it twice. */
function captionHtml(attrs: string, inner: string): string {
  const images = inner.match(IMG_TAG) ?? [];
  const fromAttr = /\bcaption=(?:"([^"]*)"|'([^']*)')/i.exec(attrs);
  const words = (fromAttr?.[1] ?? fromAttr?.[2] ?? inner.replace(LINKED_IMG, '').replace(ANY_SHORTCODE_TAG, '')).trim();
  const shown = words ? images.map((i) => i.replace(/\balt=("[^"]*"|'[^']*')/i, 'alt=""')) : images;
  return `\n\n${shown.join('')}\n\n${words ? `<p>${words}</p>` : ''}\n\n`;
}

/** WordPress shortcodes turned into plain HTML: captions kept, embeds as links, wrappers unwrapped, the rest dropped (counted). */
export function expandShortcodes(html: string, dropped: Record<string, number>): string {
  if (!html.includes('[')) return html;
  const tags: ShortcodeTag[] = [];
  // Opening tags not yet closed, by name: a closing tag closes the nearest one before it.
  const open = new Map<string, number[]>();
  for (const m of html.matchAll(SHORTCODE_TAG)) {
    const name = m[2]!.toLowerCase();
    const end = m.index + m[0].length;
    // [text](address) is a Markdown link written into the post, not a shortcode.
    if (!isShortcode(name) || html[end] === '(') continue;
    const tag: ShortcodeTag = { start: m.index, end, name, closing: m[1] === '/', attrs: m[3] ?? '' };
    if (tag.closing) {
      const opener = open.get(name)?.pop();
      if (opener !== undefined) tags[opener]!.closedBy = tags.length;
    } else if (m[4] !== '/' && !tag.attrs.trimEnd().endsWith('/')) {
      let list = open.get(name);
      if (!list) open.set(name, (list = []));
      list.push(tags.length);
    }
    tags.push(tag);
  }
  if (!tags.length) return html;

  let out = '';
  let at = 0;
  for (let i = 0; i < tags.length; i++) {
    const tag = tags[i]!;
    // Inside a shortcode already replaced whole.
    if (tag.start < at) continue;
    out += html.slice(at, tag.start);
    at = tag.end;
    if (tag.closing) continue;
    const close = tag.closedBy === undefined ? undefined : tags[tag.closedBy]!;
    const wrapper = WRAPPERS.has(tag.name) || BUILDER_PREFIX.test(tag.name);
    if (close && !wrapper) {
      const inner = html.slice(tag.end, close.start);
      at = close.end;
      if (tag.name === 'caption') {
        out += captionHtml(tag.attrs, inner);
        continue;
      }
      const url = inner.trim();
      if (tag.name === 'embed' && /^https?:\/\/[^\s[\]<>"]+$/.test(url)) {
        out += `\n\n<p><a href="${url}">${url}</a></p>\n\n`;
        continue;
      }
    }
    // A wrapper's tags go and what it wraps stays; any other shortcode goes (with what it encloses) and is counted.
    if (!wrapper) count(dropped, tag.name);
  }
  return out + html.slice(at);
}

const BLOCK =
  /^<\/?(p|div|h[1-6]|ul|ol|li|dl|dt|dd|blockquote|table|thead|tbody|tfoot|tr|td|th|caption|pre|figure|figcaption|hr|address|section|article|aside|header|footer|nav|form|fieldset|details|summary|!--)\b/i;

/** WordPress's paragraphs: text separated by a blank line is a paragraph, a single line break a <br> (wpautop). */
export function wpautop(html: string): string {
  if (!html.trim()) return '';
  const kept: string[] = [];
  // A <pre> keeps its line breaks exactly.
  // The markers' own characters are taken out of the post first, so that nothing in it can pass for a marker.
  const s = setPreAside(html.replace(/\r\n?/g, '\n').replace(/[\uE000\uE001]/g, ''), kept);
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

/**
 * Each <pre>…</pre> replaced by a marker and kept aside. Found one after another, each closing tag searched for once
 * from its opening tag: with no closing tag left, the search ends (a lazy pattern would search again from every
 * later "<pre", reading a hostile post over and over).
 */
function setPreAside(s: string, kept: string[]): string {
  const opening = /<pre\b/gi;
  const closing = /<\/pre>/gi;
  let out = '';
  let at = 0;
  for (let m = opening.exec(s); m; m = opening.exec(s)) {
    closing.lastIndex = m.index;
    const c = closing.exec(s);
    if (!c) break;
    const end = c.index + c[0].length;
    out += `${s.slice(at, m.index)}\uE000${kept.push(s.slice(m.index, end)) - 1}\uE001`;
    at = opening.lastIndex = end;
  }
  return out + s.slice(at);
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

// How deep elements may nest before a post is taken as its words alone. sanitize-html's parser (htmlparser2) keeps
// its open elements with the newest first, so every element opened or closed costs as many steps as are open: a post
// of 16 MB of opening tags would take hours. Page builders nest a few dozen deep; beyond NESTING the sanitiser keeps
// only the text anyway.
const MAX_OPEN = 256;

// When opening one element closes the open one before it (htmlparser2's rules, which the count below follows).
const P_ONLY = new Set(['p']);
const HEADINGS = new Set(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'p']);
const FORM_TAGS = new Set(['input', 'option', 'optgroup', 'select', 'button', 'datalist', 'textarea']);
const IMPLIES_CLOSE = new Map<string, ReadonlySet<string>>([
  ['tr', new Set(['tr', 'th', 'td'])],
  ['th', new Set(['th'])],
  ['td', new Set(['thead', 'th', 'td'])],
  ['body', new Set(['head', 'link', 'script'])],
  ['a', new Set(['a'])],
  ['li', new Set(['li'])],
  ['option', new Set(['option'])],
  ['optgroup', new Set(['optgroup', 'option'])],
  ['dd', new Set(['dd', 'dt'])],
  ['dt', new Set(['dd', 'dt'])],
  ['rt', new Set(['rt', 'rp'])],
  ['rp', new Set(['rt', 'rp'])],
  ['tbody', new Set(['thead', 'tbody'])],
  ['tfoot', new Set(['thead', 'tbody'])],
  ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((h) => [h, HEADINGS] as const),
  ...['select', 'input', 'output', 'button', 'datalist', 'textarea'].map((t) => [t, FORM_TAGS] as const),
  ...[
    'p',
    'address',
    'article',
    'aside',
    'blockquote',
    'details',
    'div',
    'dl',
    'fieldset',
    'figcaption',
    'figure',
    'footer',
    'form',
    'header',
    'hr',
    'main',
    'nav',
    'ol',
    'pre',
    'section',
    'table',
    'ul',
  ].map((t) => [t, P_ONLY] as const),
]);
const VOID = new Set([
  'area',
  'base',
  'basefont',
  'br',
  'col',
  'command',
  'embed',
  'frame',
  'hr',
  'img',
  'input',
  'isindex',
  'keygen',
  'link',
  'meta',
  'param',
  'source',
  'track',
  'wbr',
]);
// Whose content is not text a reader sees (the tokenizer reads script, style, title and textarea as raw text).
const RAW = new Set(['script', 'style', 'title', 'textarea']);
// Elements that end a line of text or a paragraph when the post is taken as its words alone.
const BREAKS = new Set(['br', 'p', 'div', 'li', 'tr', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'pre', 'ul', 'ol', 'table']);

const escapeHtml = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** How many opening tags HTML may hold ("<" and a letter), counted up to just past MAX_OPEN: no more, no deeper. */
function openingTags(html: string): number {
  let n = 0;
  for (let i = html.indexOf('<'); i !== -1 && n <= MAX_OPEN; i = html.indexOf('<', i + 1)) {
    const c = html.charCodeAt(i + 1) | 0x20;
    if (c >= 97 && c <= 122) n++;
  }
  return n;
}

/**
 * The post's words alone (as HTML paragraphs) when its elements nest deeper than MAX_OPEN, otherwise undefined.
 * One pass of htmlparser2's tokenizer (which reads each character once) with a stack kept newest last, following
 * the parser's rules for elements that close others; the depth it finds is never less than the parser's.
 */
export function wordsIfTooDeep(html: string): string | undefined {
  if (openingTags(html) <= MAX_OPEN) return undefined;
  const stack: string[] = [];
  const open = new Map<string, number>();
  const push = (name: string) => {
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
  };
  const pop = () => {
    const name = stack.pop()!;
    open.set(name, open.get(name)! - 1);
    return name;
  };
  let tooDeep = false;
  let name = '';
  let raw = '';
  let text = '';
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      onopentagname(start, end) {
        name = html.slice(start, end).toLowerCase();
        if (BREAKS.has(name)) text += name === 'br' ? '\n' : '\n\n';
        if (tooDeep) return;
        const closes = IMPLIES_CLOSE.get(name);
        if (closes) while (stack.length && closes.has(stack[stack.length - 1]!)) pop();
        if (!VOID.has(name)) push(name);
        if (stack.length > MAX_OPEN) tooDeep = true;
      },
      onopentagend() {
        if (RAW.has(name)) raw = name;
      },
      onselfclosingtag() {
        if (RAW.has(name)) raw = name;
        // Only SVG and MathML close themselves with "/>"; in HTML the element stays open.
        if ((open.get('svg') || open.get('math')) && stack[stack.length - 1] === name) pop();
      },
      onclosetag(start, end) {
        const closing = html.slice(start, end).toLowerCase();
        if (closing === raw) raw = '';
        if (BREAKS.has(closing)) text += '\n\n';
        if (tooDeep || !open.get(closing)) return;
        while (pop() !== closing);
      },
      ontext(start, end) {
        if (!raw) text += html.slice(start, end);
      },
      ontextentity(codepoint) {
        if (!raw) text += String.fromCodePoint(codepoint);
      },
      onattribdata() {},
      onattribentity() {},
      onattribend() {},
      onattribname() {},
      oncdata() {},
      oncomment() {},
      ondeclaration() {},
      onend() {},
      onprocessinginstruction() {},
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  if (!tooDeep) return undefined;
  const lines = text.split('\n').map((line) => line.trim());
  return escapeHtml(
    lines
      .join('\n')
      .replace(/\n{3,}/g, '\n\n')
      .trim(),
  );
}

/** A post's HTML (as WordPress stores it) as safe Markdown, with the images left out and the shortcodes dropped. */
export function convertPost(html: string, o: { oldOrigins: readonly string[] }): Converted {
  const droppedShortcodes: Record<string, number> = {};
  const tooLarge: Converted = { markdown: '', images: [], droppedShortcodes, tooLarge: true };
  // Checked before any work: each step costs memory in proportion to the tags it meets.
  if (overTags(html, MAX_TAGS_UNSANITISED, true)) return tooLarge;
  const expanded = expandShortcodes(html, droppedShortcodes);
  const safe = sanitizeHtml(wpautop(wordsIfTooDeep(expanded) ?? expanded), sanitizeOptions(o.oldOrigins));
  gathering = [];
  if (overTags(safe, MAX_TAGS, false) || overText(safe)) return tooLarge;
  const markdown = safe.trim() ? turndown.turndown(safe) : '';
  const images = gathering;
  gathering = [];
  return { markdown: tidy(markdown, 'multi'), images, droppedShortcodes };
}

// Elements whose content is not text a reader sees, beside RAW: what is inside SVG and MathML is drawing, not words.
const FOREIGN = new Set(['svg', 'math']);

/** The text of HTML, entities decoded, without what scripts, styles and drawings hold: one pass of the tokenizer. */
function textOf(html: string): string {
  if (!html.includes('<') && !html.includes('&')) return html;
  let name = '';
  let raw = '';
  let foreign = 0;
  let text = '';
  const tokenizer = new Tokenizer(
    { xmlMode: false, decodeEntities: true },
    {
      onopentagname(start, end) {
        name = html.slice(start, end).toLowerCase();
        if (FOREIGN.has(name)) foreign++;
      },
      onopentagend() {
        if (RAW.has(name)) raw = name;
      },
      onselfclosingtag() {
        if (FOREIGN.has(name)) foreign--;
      },
      onclosetag(start, end) {
        const closing = html.slice(start, end).toLowerCase();
        if (closing === raw) raw = '';
        if (FOREIGN.has(closing) && foreign > 0) foreign--;
      },
      ontext(start, end) {
        if (!raw && !foreign) text += html.slice(start, end);
      },
      ontextentity(codepoint) {
        if (!raw && !foreign) text += String.fromCodePoint(codepoint);
      },
      onattribdata() {},
      onattribentity() {},
      onattribend() {},
      onattribname() {},
      oncdata() {},
      oncomment() {},
      ondeclaration() {},
      onend() {},
      onprocessinginstruction() {},
    },
  );
  tokenizer.write(html);
  tokenizer.end();
  return text;
}

/**
 * A title or a name from the export as plain text on one line (WordPress titles may hold tags and entities, and a
 * title written with its entities escaped once more, "&amp;#8211;", is decoded once more). Read by the tokenizer,
 * not the sanitiser: a title of a megabyte of opening tags would take the sanitiser's parser minutes.
 */
export function plainText(html: string): string {
  return tidy(decodeEntities(textOf(html)).replace(/\s+/g, ' ').trim(), 'single');
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
