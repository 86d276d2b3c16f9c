import { renderToString } from 'preact-render-to-string';
import { expect, test } from 'vitest';
import type { ContentImage } from './service.js';
import { ImageChooser, Picture } from './views.js';

// <Picture> is what every page of the website shows an image with; <ImageChooser> is how editors pick one.

const image: ContentImage = {
  id: 7,
  alt: 'Supporters holding candles outside the embassy',
  width: 1600,
  height: 1067,
  webpSrcset: '/images/7-abcdefghijklmnop/480.webp 480w, /images/7-abcdefghijklmnop/1600.webp 1600w',
  fallbackSrcset: '/images/7-abcdefghijklmnop/480.jpg 480w, /images/7-abcdefghijklmnop/1600.jpg 1600w',
  src: '/images/7-abcdefghijklmnop/1600.jpg',
  createdAt: 0,
};

test('a picture offers WebP first, falls back with srcset, keeps its shape and loads lazily', () => {
  const html = renderToString(<Picture image={image} sizes="50vw" class="hero" />);
  expect(html).toBe(
    '<picture class="hero">' +
      `<source type="image/webp" srcset="${image.webpSrcset}" sizes="50vw"/>` +
      `<img src="${image.src}" srcset="${image.fallbackSrcset}" sizes="50vw" alt="${image.alt}" width="1600" height="1067" loading="lazy" decoding="async"/>` +
      '</picture>',
  );
  expect(renderToString(<Picture image={image} eager />)).toContain('loading="eager"');
});

test('the image’s own description is its alt text unless the page gives one; empty only when decorative', () => {
  expect(renderToString(<Picture image={image} />)).toContain(`alt="${image.alt}"`);
  expect(renderToString(<Picture image={image} alt="The vigil on 3 March" />)).toContain('alt="The vigil on 3 March"');
  // A page's empty or blank alt is a slip, not a choice: the image keeps its description.
  expect(renderToString(<Picture image={image} alt="" />)).toContain(`alt="${image.alt}"`);
  expect(renderToString(<Picture image={image} alt="  " />)).toContain(`alt="${image.alt}"`);
  // preact writes an empty attribute bare (`alt`), which HTML reads as alt="".
  expect(renderToString(<Picture image={image} decorative />)).toMatch(/<img [^>]*\balt(="")? /);
  expect(renderToString(<Picture image={{ ...image, alt: 'A "quoted" <b>word</b>' }} />)).toContain(
    'alt="A &quot;quoted&quot; &lt;b>word&lt;/b>"',
  );
});

test('the chooser lists the images by their descriptions, with no image first and the chosen one selected', () => {
  const html = renderToString(
    <ImageChooser name="imageId" label="Featured image" images={[image, { ...image, id: 8, alt: 'A banner' }]} value="8" />,
  );
  expect(html).toMatch(/<option value(="")?>No image<\/option>/);
  expect(html).toContain(`<option value="7">${image.alt}</option>`);
  expect(html).toMatch(/<option value="8" selected(="")?>A banner<\/option>/);
  expect(html).toContain('href="/admin/content/images"');
});
