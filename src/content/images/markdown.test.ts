import { expect, test } from 'vitest';
import { renderMarkdown } from '../../core/markdown.js';
import { checkContentMarkdownImages, ownImageAddress } from './service.js';

// The website shows only its own images: an image from another website would tell it who reads the page, and when.
// The editors of updates and pages call checkContentMarkdownImages on save, and render with ownImageAddress.

const OURS = '/images/12-abcdefghijklmnop/960.jpg';

test('images uploaded to Lantern, or any path on this site, may be shown', () => {
  expect(checkContentMarkdownImages(`Before\n\n![Candles at the vigil](${OURS})\n\nAfter`)).toBeUndefined();
  expect(checkContentMarkdownImages('![A leaflet](/resources/leaflet.png "The leaflet")')).toBeUndefined();
  expect(checkContentMarkdownImages('No images, but [a link](https://example.org/x.png) to another site')).toBeUndefined();
  expect(checkContentMarkdownImages('')).toBeUndefined();
  expect(ownImageAddress(OURS)).toBe(OURS);
  // markdown-it writes a backslash as %5C, which keeps the address a path on this site.
  expect(checkContentMarkdownImages('![Backslash](/\\tracker.example/pixel.gif)')).toBeUndefined();
});

test('an address browsers would read as another website is never our own', () => {
  // A backslash after the first slash reads as a second slash; a line break or tab inside is dropped by browsers.
  for (const src of [
    '//tracker.example/p.gif',
    '/\\tracker.example/p.gif',
    '/\t/tracker.example/p.gif',
    'https://x.example/p.gif',
    'p.gif',
    '',
  ])
    expect(ownImageAddress(src), JSON.stringify(src)).toBeUndefined();
});

test('an image from another website is refused with a message naming it', () => {
  const cases = [
    '![Tracker](https://tracker.example/pixel.gif)',
    '![Tracker](http://tracker.example/pixel.gif)',
    '![Protocol-relative](//tracker.example/pixel.gif)',
    '![Encoded](data:image/png;base64,iVBORw0KGgo=)',
    `![Ours](${OURS}) then ![Reference][far]\n\n[far]: https://tracker.example/far.png`,
  ];
  for (const md of cases) {
    const message = checkContentMarkdownImages(md);
    expect(message, md).toMatch(/^The image “.+” is not one uploaded to Lantern/);
    expect(message, md).not.toContain(OURS);
  }
  expect(checkContentMarkdownImages('![x](https://tracker.example/pixel.gif)')).toContain('“https://tracker.example/pixel.gif”');
  expect(checkContentMarkdownImages(`![x](https://tracker.example/${'a'.repeat(300)}.gif)`)!.length).toBeLessThan(400);
});

test('rendered with ownImageAddress, only our own images reach the page', () => {
  const html = renderMarkdown(`![Ours](${OURS}) ![Theirs](https://tracker.example/p.gif) ![Slashes](//tracker.example/p.gif)`, {
    image: ownImageAddress,
  });
  expect(html).toContain(`src="${OURS}"`);
  expect(html).not.toContain('tracker.example');
});
