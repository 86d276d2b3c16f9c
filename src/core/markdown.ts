import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// The one Markdown renderer: pages, action bodies and updates, newsletters. Raw HTML in the source is not parsed
// (markdown-it `html: false`), and what markdown-it makes is then passed through sanitize-html with a short list of
// elements, attributes and link schemes, so nothing staff paste (or import from another site) can put script,
// styles, frames or a request to another origin on our pages or in an email.
//
// Images load from wherever their address points, so an image is rendered only when the caller says what its
// address becomes (newsletters: their own uploaded images, served by Lantern); otherwise it is left out.

const md = new MarkdownIt({ html: false, linkify: true, typographer: true });

/** How to render a Markdown text. */
export interface MarkdownOptions {
  /** The address an image's address becomes, or undefined to leave the image out. Without it, every image is left out. */
  image?: (src: string) => string | undefined;
  /** Give images an inline style that keeps them within the width (emails, where no style sheet can say so). */
  inlineImageStyle?: boolean;
}

const renderImage = md.renderer.rules.image!;
md.renderer.rules.image = (tokens, idx, options, env, self) => {
  const token = tokens[idx]!;
  const o = (env ?? {}) as MarkdownOptions;
  const src = o.image?.(String(token.attrGet('src') ?? ''));
  if (!src) return '';
  token.attrSet('src', src);
  if (o.inlineImageStyle) token.attrSet('style', 'max-width:100%;height:auto;');
  return renderImage(tokens, idx, options, env, self);
};

const SANITIZE: sanitizeHtml.IOptions = {
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
    'em',
    's',
    'code',
    'pre',
    'a',
    'table',
    'thead',
    'tbody',
    'tr',
    'th',
    'td',
    // Only the image rule above writes one, and only at an address the caller chose.
    'img',
  ],
  allowedAttributes: { a: ['href', 'title'], ol: ['start'], th: ['style'], td: ['style'], img: ['src', 'alt', 'title', 'style'] },
  // markdown-it writes table alignment as a style, and emails' images keep within the width; nothing else may carry one.
  allowedStyles: {
    th: { 'text-align': [/^(left|right|center)$/] },
    td: { 'text-align': [/^(left|right|center)$/] },
    img: { 'max-width': [/^100%$/], height: [/^auto$/] },
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
};

/** Markdown rendered to HTML that is safe to put on a page or in an email. */
export function renderMarkdown(source: string, o: MarkdownOptions = {}): string {
  return sanitizeHtml(md.render(source, { ...o }), SANITIZE);
}

/** The address of every image in a Markdown text, in order, as markdown-it reads it (references resolved). */
export function markdownImages(source: string): string[] {
  const found: string[] = [];
  const walk = (tokens: ReturnType<typeof md.parse>) => {
    for (const t of tokens) {
      if (t.type === 'image') found.push(String(t.attrGet('src') ?? ''));
      if (t.children) walk(t.children);
    }
  };
  walk(md.parse(source, {}));
  return found;
}
