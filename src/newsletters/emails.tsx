import { renderMarkdown } from '../core/markdown.js';
import { renderEmail, type RenderedEmail } from '../core/mail/render.js';

// A newsletter is rendered once per send, with a short token standing where each personal value goes; each
// recipient's message is that rendering with the tokens replaced (HTML-escaped in the HTML part). So the HTML
// and the text part a supporter gets are exactly the ones the preview shows, and a send of 100,000 messages does
// not run the Markdown parser, the template and the text converter 100,000 times.

/**
 * The placeholders staff may write, and what each becomes. Kept small on purpose: the first name is the only
 * personal value, because a newsletter can be forwarded, and anything else personal in it (a surname, a
 * postcode) would travel with it.
 */
export const PLACEHOLDERS = {
  first_name: 'the supporter’s first name, or “Supporter” when we do not know it',
  org_name: 'the organisation’s name',
} as const;

export type Placeholder = keyof typeof PLACEHOLDERS;

/** What a recipient's first name becomes when we do not have one, and in the public archive. */
export const FALLBACK_NAME = 'Supporter';

// Tokens are private-use characters around a digit: Markdown, the template and the text converter leave them
// alone (the converter upper-cases headings, which changes no character here).
const TOKEN = {
  first_name: '\uE000' + '1' + '\uE001',
  org_name: '\uE000' + '2' + '\uE001',
  manage_url: '\uE000' + '3' + '\uE001',
} as const;
const PLACEHOLDER_PATTERN = /\{\{\s*([^{}]*?)\s*\}\}/g;
// How a token looks once percent-encoded, i.e. inside a link address.
const ENCODED_TOKEN = /%EE%80%80/i;

/** The placeholders a text uses, split into those Lantern knows and those it does not. */
export function findPlaceholders(text: string): { known: Placeholder[]; unknown: string[] } {
  const known = new Set<Placeholder>();
  const unknown = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER_PATTERN)) {
    const name = m[1]!;
    if (Object.hasOwn(PLACEHOLDERS, name)) known.add(name as Placeholder);
    else unknown.add(name);
  }
  return { known: [...known], unknown: [...unknown] };
}

function tokenise(text: string): string {
  return text.replace(PLACEHOLDER_PATTERN, (whole, name: string) =>
    Object.hasOwn(PLACEHOLDERS, name) ? TOKEN[name as Placeholder] : whole,
  );
}

/** What an image's address becomes (Lantern's own images only; undefined leaves the image out). */
export type ImageAddresser = (src: string) => string | undefined;

/** Renders newsletter Markdown to safe HTML with tokens where its placeholders were; images only as `image` allows. */
function bodyWithTokens(markdown: string, image?: ImageAddresser, inEmail = false): string {
  return renderMarkdown(tokenise(markdown), image ? { image, inlineImageStyle: inEmail } : {});
}

/** Whether a placeholder sits inside a link address (refused: it would send a supporter's name to another site). */
export function placeholderInLink(markdown: string): boolean {
  const html = bodyWithTokens(markdown);
  for (const m of html.matchAll(/(?:href|src)="([^"]*)"/g)) {
    if (ENCODED_TOKEN.test(m[1]!) || m[1]!.includes('\uE000')) return true;
  }
  return false;
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/** Control characters never belong in a name or a header. */
function clean(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
}

/** The values that replace the tokens for one reader. */
export interface Personal {
  firstName: string | null;
  orgName: string;
  manageUrl: string;
}

function substitute(text: string, p: Personal, escape: (s: string) => string): string {
  const firstName = escape(clean(p.firstName ?? '') || FALLBACK_NAME);
  const orgName = escape(clean(p.orgName));
  const manageUrl = escape(p.manageUrl);
  // Replacer functions, not strings: in a replacement string "$`" or "$&" would splice in parts of the email.
  return text
    .replaceAll(TOKEN.first_name, () => firstName)
    .replaceAll(TOKEN.org_name, () => orgName)
    .replaceAll(TOKEN.manage_url, () => manageUrl);
}

/** A newsletter's body as safe HTML for a web page: placeholders filled in for nobody in particular. */
export function renderWebVersion(markdown: string, orgName: string, image?: ImageAddresser): string {
  return substitute(bodyWithTokens(markdown, image), { firstName: null, orgName, manageUrl: '' }, escapeHtml);
}

/** A newsletter rendered once, with tokens for the personal values (see personalise). */
export interface CompiledNewsletter {
  subject: string;
  html: string;
  text: string;
}

export interface NewsletterEmailInput {
  subject: string;
  body: string;
  orgName: string;
  listName: string;
  postalAddress: string;
  charityNumber: string;
  /** The public web version, when the newsletter is in the archive. */
  webUrl: string | null;
  /** What an image's address becomes in the email: absolute, on Lantern's own address. Without it (or where it
   *  answers undefined) an image is left out. */
  image?: ImageAddresser;
}

/**
 * The newsletter email: the body, then a footer saying why the reader gets it, how to change that (the manage
 * link: preferences and unsubscribe), and the organisation's postal address, as PECR and the ICO ask.
 */
export function compileNewsletter(o: NewsletterEmailInput): CompiledNewsletter {
  const footer = (
    <>
      <p style="margin:0 0 8px;">
        You are getting this email because you signed up to {o.listName} from {o.orgName}.{' '}
        <a href={TOKEN.manage_url} style="color:#5b5b57;">
          Unsubscribe or change what we send you
        </a>
        .
      </p>
      {o.webUrl && (
        <p style="margin:0 0 8px;">
          <a href={o.webUrl} style="color:#5b5b57;">
            Read this newsletter on our website
          </a>
          .
        </p>
      )}
      {o.postalAddress && <p style="margin:0 0 8px;white-space:pre-line;">{o.postalAddress}</p>}
      {o.charityNumber && <p style="margin:0;">Registered charity number {o.charityNumber}</p>}
    </>
  );
  const rendered = renderEmail({
    subject: tokenise(o.subject),
    orgName: o.orgName,
    body: <div dangerouslySetInnerHTML={{ __html: bodyWithTokens(o.body, o.image, true) }} />,
    footer,
  });
  return rendered;
}

/** One reader's message: the compiled newsletter with their values in place (escaped in the HTML part). */
export function personalise(c: CompiledNewsletter, p: Personal): RenderedEmail {
  return {
    subject: substitute(c.subject, p, clean),
    html: substitute(c.html, p, escapeHtml),
    text: substitute(c.text, p, (s) => s),
  };
}
