import fc from 'fast-check';
import { renderToString } from 'preact-render-to-string';
import { expect, test } from 'vitest';
import { feedLink, mergeHead, ShareLinks, shareTags, shareTargets } from './share.js';

// The share block is plain links: no script, image or style of another site, and each service's address carries the
// page's own address and title exactly, however odd the title.

const unescape = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
const hrefs = (html: string) => [...html.matchAll(/href="([^"]*)"/g)].map((m) => unescape(m[1]!));

test('the share block loads nothing from elsewhere and offers every service and the address to copy', () => {
  const url = 'https://charity.example/act/free-them?from=a&b=c';
  const html = renderToString(<ShareLinks url={url} title="Free them & “all” <now>" heading="Share with others" />);
  expect(html).not.toMatch(/<script|<img|<iframe|<link|<svg|src=|style=/i);
  const links = hrefs(html);
  expect(links).toHaveLength(6);
  for (const l of links) expect(l.startsWith('mailto:?') || new URL(l).protocol === 'https:').toBe(true);
  // The address to copy works without JavaScript: a labelled read-only field holding it.
  expect(html).toContain('<label for="f-share-url">Or copy this link</label>');
  expect(html).toContain(`<input id="f-share-url" type="text" readonly value="${url.replace(/&/g, '&amp;')}"`);
  expect(html).toContain('<h2 id="share-title">Share with others</h2>');
  // A second block on a page keeps its own ids.
  expect(renderToString(<ShareLinks url={url} title="t" heading="h" id="share-2" />)).toContain('for="f-share-2-url"');
});

test("each service's address carries the page's address and message exactly, for any title", () => {
  fc.assert(
    fc.property(
      fc.webUrl({ withQueryParameters: true, withFragments: true }),
      fc.string({ unit: 'grapheme', maxLength: 60 }),
      (url, title) => {
        const t = Object.fromEntries(shareTargets({ url, title }).map((s) => [s.label, s.href]));
        expect(Object.keys(t)).toEqual(['Email', 'WhatsApp', 'Bluesky', 'X', 'Facebook', 'LinkedIn']);
        const q = (href: string) => new URL(href).searchParams;
        expect(new URL(t.WhatsApp!).origin).toBe('https://wa.me');
        expect(q(t.WhatsApp!).get('text')).toBe(`${title} ${url}`);
        expect(t.Bluesky!.startsWith('https://bsky.app/intent/compose?')).toBe(true);
        expect(q(t.Bluesky!).get('text')).toBe(`${title} ${url}`);
        expect(t.X!.startsWith('https://x.com/intent/post?')).toBe(true);
        expect(q(t.X!).get('url')).toBe(url);
        expect(q(t.X!).get('text')).toBe(title);
        expect(t.Facebook!.startsWith('https://www.facebook.com/sharer/sharer.php?')).toBe(true);
        expect(q(t.Facebook!).get('u')).toBe(url);
        expect(t.LinkedIn!.startsWith('https://www.linkedin.com/sharing/share-offsite/?')).toBe(true);
        expect(q(t.LinkedIn!).get('url')).toBe(url);
        // mailto: addresses are percent-encoded (RFC 6068), so a "+" stays a plus and a "&" stays in the text.
        const mail = t.Email!.slice('mailto:?'.length).split('&');
        expect(mail.map((kv) => kv.split('=')[0])).toEqual(['subject', 'body']);
        expect(decodeURIComponent(mail[0]!.slice('subject='.length))).toBe(title);
        expect(decodeURIComponent(mail[1]!.slice('body='.length))).toBe(`${title}\n\n${url}`);
      },
    ),
  );
});

test('a message other than the title is offered where the service takes one', () => {
  const t = shareTargets({ url: 'https://c.example/x', title: 'Title', text: 'Sign this today' });
  expect(new URL(t.find((s) => s.label === 'WhatsApp')!.href).searchParams.get('text')).toBe('Sign this today https://c.example/x');
  expect(t.find((s) => s.label === 'Email')!.href).toContain(
    `subject=Title&body=${encodeURIComponent('Sign this today\n\nhttps://c.example/x')}`,
  );
});

test('head tags: canonical and Open Graph, an image only when given, and a feed link that merges with them', () => {
  const tags = shareTags({ url: 'https://c.example/p', title: 'T', description: 'D', siteName: 'S' });
  expect(tags.links).toEqual([{ rel: 'canonical', href: 'https://c.example/p' }]);
  expect(tags.meta?.some((m) => 'property' in m && m.property === 'og:image')).toBe(false);
  const withImage = shareTags({
    url: 'https://c.example/p',
    title: 'T',
    description: 'D',
    siteName: 'S',
    image: 'https://c.example/i.jpg',
  });
  expect(withImage.meta).toContainEqual({ property: 'og:image', content: 'https://c.example/i.jpg' });
  const merged = mergeHead(tags, feedLink('https://c.example/feed.xml', 'News from S'));
  expect(merged.links).toEqual([
    { rel: 'canonical', href: 'https://c.example/p' },
    { rel: 'alternate', type: 'application/atom+xml', title: 'News from S', href: 'https://c.example/feed.xml' },
  ]);
  expect(merged.meta).toEqual(tags.meta);
});
