import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

// The one Markdown renderer: pages, action bodies and updates, newsletters. Raw HTML in the source is not parsed
// (markdown-it `html: false`), and what markdown-it makes is then passed through sanitize-html with a short list of
// elements, attributes and link schemes, so nothing staff paste (or import from another site) can put script,
// styles, frames or a request to another origin on our pages or in an email.

const md = new MarkdownIt({ html: false, linkify: true, typographer: true });

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
  ],
  allowedAttributes: { a: ['href', 'title'], ol: ['start'], th: ['style'], td: ['style'] },
  // markdown-it writes table alignment as a style; nothing else may carry one.
  allowedStyles: { th: { 'text-align': [/^(left|right|center)$/] }, td: { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowProtocolRelative: false,
  // Images would load from wherever the address points; pages load nothing from another origin.
  exclusiveFilter: (frame) => frame.tag === 'img',
};

/** Markdown rendered to HTML that is safe to put on a page or in an email. */
export function renderMarkdown(source: string): string {
  return sanitizeHtml(md.render(source), SANITIZE);
}
