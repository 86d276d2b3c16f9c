import { expect, test } from 'vitest';
import { markdownImages, renderMarkdown } from './markdown.js';

// The one Markdown renderer: an image is rendered only at an address the caller chose; pages that pass nothing
// (public pages, actions) keep rendering everything else and no image at all.

const SOURCE =
  'Hello ![pixel](https://tracker.example.net/p.gif) and ![ours][o]\n\n[o]: /newsletters/images/1-abc\n\n<img src="https://raw.example/x.png">';

test('without an image rule, images are left out and the rest renders as before', () => {
  const html = renderMarkdown(SOURCE);
  expect(html).toContain('<p>Hello  and </p>');
  expect(html).not.toContain('<img');
  // Raw HTML stays text.
  expect(html).toContain('&lt;img src=');
});

test('with an image rule, only the addresses it answers for are rendered, at the address it gives', () => {
  const html = renderMarkdown(SOURCE, {
    image: (src) => (src.startsWith('/newsletters/images/') ? `https://lantern.example.org${src}` : undefined),
    inlineImageStyle: true,
  });
  expect(html).toContain(
    '<img src="https://lantern.example.org/newsletters/images/1-abc" alt="ours" style="max-width:100%;height:auto" />',
  );
  expect(html).not.toContain('tracker.example.net');
  expect(html.match(/<img/g)).toHaveLength(1);
});

test('markdownImages lists every image address, references resolved, raw HTML and links not included', () => {
  expect(markdownImages(SOURCE + '\n\n[a link](https://example.org/x.png)')).toEqual([
    'https://tracker.example.net/p.gif',
    '/newsletters/images/1-abc',
  ]);
});
