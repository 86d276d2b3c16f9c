import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import type { TestClient } from '../../../test/helpers/http.js';
import { postMultipart } from '../../../test/helpers/multipart.js';
import { expectClearPage, formString } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';

// The website's images over real HTTP on both dialects: an upload is checked from its bytes, loses every piece of
// metadata (a photograph's GPS position above all), is served at a few widths as WebP and a fallback with srcset,
// needs a description, and a refused upload stores nothing.

/** A JPEG photograph 2,000 pixels wide carrying a camera name and a GPS position in its EXIF. */
const photoWithGps = () =>
  sharp({ create: { width: 2000, height: 1200, channels: 3, background: '#8a5a2b' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'Robin Camera', Artist: 'Secret Person' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 0/1' },
    })
    .toBuffer();

describeEachDialect('content: images for the website', (ctx) => {
  let t: TestLantern;
  let editor: TestClient;
  const db = () => t.lantern.core.db;
  const count = async () => {
    const images = await db()
      .selectFrom('content_images')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const files = await db()
      .selectFrom('files')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { images: Number(images.n), files: Number(files.n) };
  };
  const upload = (client: TestClient, content: Buffer, alt = 'Supporters at the vigil', filename = 'photo.jpg') =>
    postMultipart(client, '/admin/content/images', { alt }, { field: 'file', filename, content, type: 'image/jpeg' });

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    editor = (await signedInAs(t, 'campaigner')).client;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a photograph loses its GPS position and camera, and is served at three widths as WebP and JPEG', async () => {
    const original = await photoWithGps();
    expect((await sharp(original).metadata()).exif).toBeDefined();
    expect(original.toString('latin1')).toContain('Robin Camera');
    await editor.get('/admin/content/images');
    const up = await upload(editor, original);
    expect(up.status, up.text).toBe(303);
    const page = await editor.get(up.location!);
    expect(page.text).toContain('The image is uploaded');
    const webp = /<source type="image\/webp" srcset="([^"]+)"/.exec(page.text)![1]!;
    const fallback = /<img src="[^"]+" srcset="([^"]+)"/.exec(page.text)![1]!;
    const urls = (srcset: string) => srcset.split(', ').map((s) => s.split(' ')[0]!.replaceAll('&amp;', '&'));
    expect(webp.split(', ').map((s) => s.split(' ')[1])).toEqual(['480w', '960w', '1600w']);
    expect(urls(fallback).every((u) => u.endsWith('.jpg'))).toBe(true);
    for (const url of [...urls(webp), ...urls(fallback)]) {
      const res = await fetch(`${t.baseUrl}${url}`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe(url.endsWith('.webp') ? 'image/webp' : 'image/jpeg');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('cache-control')).toContain('immutable');
      const bytes = Buffer.from(await res.arrayBuffer());
      const meta = await sharp(bytes).metadata();
      expect(meta.exif).toBeUndefined();
      expect(bytes.toString('latin1')).not.toContain('Robin Camera');
      expect(bytes.toString('latin1')).not.toContain('Secret Person');
      expect(meta.width).toBe(Number(/\/(\d+)\.\w+$/.exec(url)![1]));
    }
    // The signature keeps ids from being walked; a width that was not made is not found.
    const first = urls(webp)[0]!;
    expect((await fetch(`${t.baseUrl}${first.replace(/-([A-Za-z0-9_-])/, (_m, c: string) => `-${c === 'A' ? 'B' : 'A'}`)}`)).status).toBe(
      404,
    );
    expect((await fetch(`${t.baseUrl}${first.replace('/480.', '/481.')}`)).status).toBe(404);
  });

  test('a small image is served at its own width only; a transparent one falls back to PNG', async () => {
    const small = await sharp({ create: { width: 300, height: 200, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } })
      .png()
      .toBuffer();
    const up = await upload(editor, small, 'A logo', 'logo.png');
    expect(up.status, up.text).toBe(303);
    const id = Number(/#image-(\d+)$/.exec(up.location!)![1]);
    const variants = await db()
      .selectFrom('content_image_variants')
      .select(['width', 'format'])
      .where('image_id', '=', id)
      .orderBy('format')
      .execute();
    expect(variants).toEqual([
      { width: 300, format: 'png' },
      { width: 300, format: 'webp' },
    ]);
  });

  test('lies, polyglots, empty and oversize files and a missing description are refused, and nothing is stored', async () => {
    const before = await count();
    const cases: Array<[Buffer, string, string]> = [
      [Buffer.from('<svg onload="alert(1)"></svg>'), 'x.png', 'The image must be a PNG, JPEG, WebP or GIF file'],
      [Buffer.from('just words, named as a picture'), 'x.jpg', 'The image must be a PNG, JPEG, WebP or GIF file'],
      // A GIF's first bytes followed by a page: it is not a picture that decodes.
      [Buffer.concat([Buffer.from('GIF89a'), Buffer.from('<script>alert(1)</script>')]), 'x.gif', 'could not be read'],
      [Buffer.alloc(0), 'empty.jpg', 'The file is empty'],
      [Buffer.concat([Buffer.from([0xff, 0xd8, 0xff]), Buffer.alloc(11 * 1024 * 1024)]), 'huge.jpg', 'must be 10 MB or smaller'],
      [(await photoWithGps()).subarray(0, 2000), 'cut.jpg', 'could not be read'],
    ];
    for (const [content, filename, message] of cases) {
      const res = await upload(editor, content, 'Something', filename);
      expect(res.status, filename).toBe(422);
      expect(res.text, filename).toContain(message);
    }
    const noAlt = await upload(editor, await photoWithGps(), '   ');
    expect(noAlt.status).toBe(422);
    expect(noAlt.text).toContain('Describe the image for people who cannot see it');
    expect(await count()).toEqual(before);
  });

  test('only staff who edit the website may upload; a viewer is refused', async () => {
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get('/admin/content/images')).status).toBe(403);
  });

  test('garbage thrown at the description forms never breaks the page and stores nothing', async () => {
    const before = await count();
    await fc.assert(
      fc.asyncProperty(garbage({ maxRepeat: 400, hugeValue: false }).value, async (value) => {
        const res = await editor.post('/admin/content/images/1', { alt: formString(value) });
        expectClearPage({ status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' });
        const up = await upload(editor, Buffer.from(formString(value)), formString(value));
        expect(up.status).toBeLessThan(500);
      }),
      { numRuns: 25 },
    );
    expect((await count()).images).toBe(before.images);
  });
});
