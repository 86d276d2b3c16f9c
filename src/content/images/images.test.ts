import { crc32 } from 'node:zlib';
import fc from 'fast-check';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { TestClient } from '../../../test/helpers/http.js';
import { postMultipart } from '../../../test/helpers/multipart.js';
import { expectClearPage, formString } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { getImage } from './service.js';

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

/** A plain picture in one format, to carry what a test hides in it. */
const plain = (format: 'png' | 'jpeg' | 'gif' | 'webp', width = 1000, height = 600) =>
  sharp({ create: { width, height, channels: 3, background: '#2b5a8a' } })
    [format]()
    .toBuffer();

/** A JPEG with a comment segment (FF FE) holding text, straight after its first marker. */
const jpegWithComment = (jpeg: Buffer, text: string) => {
  const body = Buffer.from(text, 'latin1');
  const head = Buffer.from([0xff, 0xfe, (body.length + 2) >> 8, (body.length + 2) & 0xff]);
  return Buffer.concat([jpeg.subarray(0, 2), head, body, jpeg.subarray(2)]);
};

/** A PNG with a tEXt chunk holding text, straight after its header chunk. */
const pngWithText = (png: Buffer, text: string) => {
  const data = Buffer.concat([Buffer.from('Comment\0', 'latin1'), Buffer.from(text, 'latin1')]);
  const type = Buffer.from('tEXt', 'latin1');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([type, data])));
  const afterHeader = 8 + 25; // the signature, then IHDR: length, type, 13 bytes, CRC
  return Buffer.concat([png.subarray(0, afterHeader), length, type, data, crc, png.subarray(afterHeader)]);
};

/** A PNG whose header says it is 10,000 by 4,100 pixels (41 million: past the limit), as a decompression bomb would. */
const pngClaimingHugeSize = (png: Buffer) => {
  const out = Buffer.from(png);
  out.writeUInt32BE(10_000, 16);
  out.writeUInt32BE(4_100, 20);
  out.writeUInt32BE(crc32(out.subarray(12, 29)), 29);
  return out;
};

const SCRIPT = '<html><body><script>alert(document.cookie)</script></body></html>';

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

  /** The id of the image an upload's redirect names. */
  const idOf = (location: string | null | undefined) => Number(/#image-(\d+)$/.exec(location ?? '')![1]);
  /** Every encoding of an image as a browser fetches it: address, status, type and bytes. */
  const served = async (id: number) => {
    const image = (await getImage(t.lantern.core, id))!;
    const urls = [image.webpSrcset, image.fallbackSrcset].flatMap((set) => set.split(', ').map((s) => s.split(' ')[0]!));
    return Promise.all(
      urls.map(async (url) => {
        const res = await fetch(`${t.baseUrl}${url}`);
        return { url, status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()) };
      }),
    );
  };

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
      [pngClaimingHugeSize(await plain('png', 100, 100)), 'bomb.png', 'too large in pixels'],
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

  test('a picture that lies about its name is taken by its bytes; polyglots are re-encoded clean', async () => {
    const cases: Array<[string, Buffer, string, string]> = [
      // A GIF that is also a web page: the page after the picture's end.
      ['GIF with a page after it', Buffer.concat([await plain('gif'), Buffer.from(SCRIPT, 'latin1')]), 'vigil.gif', 'image/gif'],
      // A JPEG carrying a page in a comment, named and sent as a PNG.
      ['JPEG named as a PNG, a page in a comment', jpegWithComment(await plain('jpeg'), SCRIPT), 'vigil.png', 'image/png'],
      // A PNG carrying a page in a text chunk, named and sent as a JPEG.
      ['PNG named as a JPEG, a page in a text chunk', pngWithText(await plain('png'), SCRIPT), 'vigil.jpg', 'image/jpeg'],
    ];
    for (const [name, content, filename, type] of cases) {
      expect(content.toString('latin1'), name).toContain('<script>');
      const res = await postMultipart(
        editor,
        '/admin/content/images',
        { alt: 'Candles at the vigil' },
        { field: 'file', filename, content, type },
      );
      expect(res.status, `${name}: ${res.text}`).toBe(303);
      const files = await served(idOf(res.location));
      expect(files.length, name).toBe(4); // 480 and 960, as WebP and a fallback
      for (const f of files) {
        const format = ({ webp: 'webp', jpg: 'jpeg', png: 'png' } as const)[f.url.split('.').pop() as 'webp' | 'jpg' | 'png'];
        expect(f.status, f.url).toBe(200);
        expect(f.type, f.url).toBe(`image/${format}`);
        expect((await sharp(f.bytes).metadata()).format, f.url).toBe(format);
        const text = f.bytes.toString('latin1');
        expect(text, `${name} ${f.url}`).not.toContain('<script');
        expect(text, `${name} ${f.url}`).not.toContain('document.cookie');
      }
    }
  });

  test('EXIF and XMP are dropped from PNG and WebP uploads too', async () => {
    const exif = { IFD0: { Make: 'Robin Camera' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 0/1' } };
    const xmp =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Secret Person</dc:creator></rdf:Description></rdf:RDF></x:xmpmeta>';
    for (const format of ['png', 'webp'] as const) {
      const base = sharp({ create: { width: 1000, height: 600, channels: 3, background: '#8a5a2b' } });
      const original = await base[format]().withExif(exif).withXmp(xmp).toBuffer();
      const meta = await sharp(original).metadata();
      expect(meta.exif, format).toBeDefined();
      expect(meta.xmp, format).toBeDefined();
      const res = await upload(editor, original, 'A banner', `banner.${format}`);
      expect(res.status, res.text).toBe(303);
      for (const f of await served(idOf(res.location))) {
        const m = await sharp(f.bytes).metadata();
        expect(m.exif, f.url).toBeUndefined();
        expect(m.xmp, f.url).toBeUndefined();
        expect(f.bytes.toString('latin1'), f.url).not.toContain('Robin Camera');
        expect(f.bytes.toString('latin1'), f.url).not.toContain('Secret Person');
      }
    }
  });

  test('a photograph taken on its side is turned upright, and its sizes say so', async () => {
    // 2,000 by 1,200 as stored, with the camera's note that it is to be turned a quarter (EXIF orientation 6).
    const sideways = await sharp({ create: { width: 2000, height: 1200, channels: 3, background: '#445566' } })
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await sharp(sideways).metadata()).orientation).toBe(6);
    const res = await upload(editor, sideways, 'A banner held up high');
    expect(res.status, res.text).toBe(303);
    const image = (await getImage(t.lantern.core, idOf(res.location)))!;
    expect([image.width, image.height]).toEqual([960, 1600]);
    for (const f of await served(image.id)) {
      const m = await sharp(f.bytes).metadata();
      expect(m.orientation ?? 1, f.url).toBe(1);
      expect(m.height, f.url).toBe((m.width! * 2000) / 1200);
    }
  });

  test('an animated GIF is served as its first picture, still, at its own height', async () => {
    const frame = (colour: string) =>
      sharp({ create: { width: 800, height: 500, channels: 3, background: colour } })
        .png()
        .toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } })
      .gif({ delay: [200, 200], loop: 0 })
      .toBuffer();
    expect((await sharp(gif).metadata()).pages).toBe(2);
    const res = await upload(editor, gif, 'A flashing banner', 'banner.gif');
    expect(res.status, res.text).toBe(303);
    const image = (await getImage(t.lantern.core, idOf(res.location)))!;
    expect([image.width, image.height]).toEqual([480, 300]);
    for (const f of await served(image.id)) {
      const m = await sharp(f.bytes, { animated: true }).metadata();
      expect(m.pages ?? 1, f.url).toBe(1);
      expect([m.width, m.height], f.url).toEqual([480, 300]);
      // The first frame, red: not the blue second one, nor the two stacked.
      const { channels } = await sharp(f.bytes).stats();
      expect(channels[0]!.mean, f.url).toBeGreaterThan(200);
      expect(channels[2]!.mean, f.url).toBeLessThan(50);
    }
  });

  test('staff change a description and delete an image; each change is audited, and a refused description is shown beside its image', async () => {
    const up = await upload(editor, await plain('jpeg'), 'First words');
    const id = idOf(up.location);
    const audited = async () =>
      (await db().selectFrom('audit_log').select(['action', 'target']).where('target', '=', `image ${id}`).orderBy('id').execute()).map(
        (r) => r.action,
      );
    expect(await audited()).toEqual(['content.image.upload']);

    const empty = await editor.post(`/admin/content/images/${id}`, { alt: '  ' });
    expect(empty.status).toBe(422);
    expect(empty.text).toContain(`href="#f-alt-${id}"`);
    expect(empty.text).toContain(`id="f-alt-${id}-error"`);
    expect(empty.text).not.toContain('id="f-alt-error"'); // not on the upload form's field
    expect((await getImage(t.lantern.core, id))!.alt).toBe('First words');

    const saved = await editor.post(`/admin/content/images/${id}`, { alt: 'Supporters outside the embassy' });
    expect(saved.status).toBe(303);
    expect((await getImage(t.lantern.core, id))!.alt).toBe('Supporters outside the embassy');
    expect(saved.headers.get('location')).toBe(`/admin/content/images?done=described#image-${id}`);
    expect((await editor.get(saved.headers.get('location')!)).text).toContain('The description is saved.');

    const files = await served(id);
    const before = await count();
    const gone = await editor.post(`/admin/content/images/${id}/delete`, {});
    expect(gone.status).toBe(303);
    expect(await getImage(t.lantern.core, id)).toBeUndefined();
    expect(await count()).toEqual({ images: before.images - 1, files: before.files - files.length });
    for (const f of files) expect((await fetch(`${t.baseUrl}${f.url}`)).status, f.url).toBe(404);
    expect(await audited()).toEqual(['content.image.upload', 'content.image.describe', 'content.image.delete']);
    expect((await editor.post(`/admin/content/images/${id}/delete`, {})).status).toBe(404);
  });

  test('the images page shows 60 at a time, with links to older and newer ones', async () => {
    const { images } = await count();
    const now = Date.now();
    await db()
      .insertInto('content_images')
      .values(
        Array.from({ length: 61 - images }, (_, i) => ({
          alt: `Archive picture ${i}`,
          width: 480,
          height: 300,
          created_by: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .execute();
    const first = await editor.get('/admin/content/images');
    expect(first.status).toBe(200);
    expect(first.text.match(/<li id="image-/g)).toHaveLength(60);
    expect(first.text).toContain('href="/admin/content/images?page=2"');
    expect(first.text).toContain('Page 1 of 2');
    const second = await editor.get('/admin/content/images?page=2');
    expect(second.text.match(/<li id="image-/g)).toHaveLength(1);
    expect(second.text).toContain('href="/admin/content/images"');
    const past = await editor.get('/admin/content/images?page=9');
    expect(past.status).toBe(200);
    expect(past.text).toContain('There are no images on this page.');
    for (const odd of ['?page=abc', '?page=-1&page=2', '?done=constructor', '?done=__proto__', '?page=1e400']) {
      const res = await editor.get(`/admin/content/images${odd}`);
      expect(res.status, odd).toBe(200);
      expect(res.text, odd).toContain('Page 1 of 2');
    }
  });

  test('a description is one line of at most 300 characters, cleaned like every form', async () => {
    const before = await count();
    const refused: Array<[string, string]> = [
      ['Candles\nat the vigil', 'The description must be on one line'],
      ['x'.repeat(301), 'The description must be 300 characters or fewer'],
    ];
    for (const [alt, message] of refused) {
      const res = await upload(editor, await plain('jpeg'), alt);
      expect(res.status, alt).toBe(422);
      expect(res.text, alt).toContain(message);
    }
    expect(await count()).toEqual(before);
    const res = await upload(editor, await plain('jpeg'), `  Candles\u200b at the vigil ${'x'.repeat(276)}  `);
    expect(res.status, res.text).toBe(303);
    expect((await getImage(t.lantern.core, idOf(res.location)))!.alt).toBe(`Candles at the vigil ${'x'.repeat(276)}`);
  });

  test('only staff who edit the website may upload; a viewer is refused', async () => {
    const viewer = (await signedInAs(t, 'viewer')).client;
    expect((await viewer.get('/admin/content/images')).status).toBe(403);
    const before = await count();
    expect((await upload(viewer, await plain('jpeg'), 'Not theirs to add')).status).toBe(403);
    expect((await viewer.post('/admin/content/images/1', { alt: 'Not theirs to change' })).status).toBe(403);
    expect((await viewer.post('/admin/content/images/1/delete', {})).status).toBe(403);
    expect(await count()).toEqual(before);
    // Signed out, the upload leads to the sign-in page and stores nothing either.
    const anonymous = new TestClient(t.baseUrl);
    await anonymous.get('/admin/sign-in');
    const res = await upload(anonymous, await plain('jpeg'), 'Not theirs to add');
    expect([303, 401, 403]).toContain(res.status);
    expect(await count()).toEqual(before);
  });

  test('garbage thrown at the description forms never breaks the page and stores nothing', async () => {
    const before = await count();
    // Image 1 exists (the first test uploaded it), so its description form is tried with a real image too.
    await fc.assert(
      fc.asyncProperty(garbage({ maxRepeat: 400, hugeValue: false }).value, async (value) => {
        const res = await editor.post('/admin/content/images/1', { alt: formString(value) });
        expectClearPage({ status: res.status, text: res.text, type: res.headers.get('content-type') ?? '' });
        const up = await upload(editor, Buffer.from(formString(value)), formString(value));
        expect(up.status).toBeLessThan(500);
      }),
      { numRuns: 25 },
    );
    expect(await count()).toEqual(before);
  });
});
