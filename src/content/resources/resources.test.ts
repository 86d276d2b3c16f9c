import fc from 'fast-check';
import { crc32 } from 'node:zlib';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import type { TestClient } from '../../../test/helpers/http.js';
import { postMultipart } from '../../../test/helpers/multipart.js';
import { formString } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { searchSite } from '../search/service.js';
import { fileKindOf, readResourceText } from './service.js';
import { seedResourcesDemo } from './demo.js';

// The resources library over real HTTP on both dialects: a file's kind is found from its bytes and anything else is
// refused with nothing stored; downloads are attachments that cannot run as a page, counted per day; a PDF's text
// is found by the site search; drafts are not public; the list filters by type, campaign and year.

async function pdfSaying(words: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([400, 400]);
  page.drawText(words, { x: 20, y: 350, size: 12, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save());
}

/** A zip file with these entries stored uncompressed (enough for a word processor's file to be recognised). */
function zipOf(entries: Array<[string, string]>): Buffer {
  const local: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [name, text] of entries) {
    const data = Buffer.from(text);
    const nameBytes = Buffer.from(name);
    const crc = crc32(data);
    const head = Buffer.alloc(30);
    head.writeUInt32LE(0x04034b50, 0);
    head.writeUInt16LE(20, 4);
    head.writeUInt32LE(crc, 14);
    head.writeUInt32LE(data.length, 18);
    head.writeUInt32LE(data.length, 22);
    head.writeUInt16LE(nameBytes.length, 26);
    local.push(head, nameBytes, data);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    entry.writeUInt16LE(20, 6);
    entry.writeUInt32LE(crc, 16);
    entry.writeUInt32LE(data.length, 20);
    entry.writeUInt32LE(data.length, 24);
    entry.writeUInt16LE(nameBytes.length, 28);
    entry.writeUInt32LE(offset, 42);
    central.push(entry, nameBytes);
    offset += 30 + nameBytes.length + data.length;
  }
  const dir = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(dir.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...local, dir, end]);
}

test('a Word document and an OpenDocument text are told apart from any other zip by their directories', () => {
  const docx = zipOf([
    ['[Content_Types].xml', '<Types/>'],
    ['word/document.xml', '<w:document/>'],
  ]);
  const odt = zipOf([
    ['mimetype', 'application/vnd.oasis.opendocument.text'],
    ['content.xml', '<office:document-content/>'],
  ]);
  const other = zipOf([['notes.txt', 'just a zip']]);
  expect(fileKindOf(docx)).toBe('docx');
  expect(fileKindOf(odt)).toBe('odt');
  expect(fileKindOf(other)).toBeUndefined();
  expect(fileKindOf(docx.subarray(0, docx.length - 30))).toBeUndefined();
});

test('a file’s kind comes from its bytes: PDFs whole, word-processor zips by their directory, images by their header', async () => {
  const pdf = await pdfSaying('hello');
  expect(fileKindOf(pdf)).toBe('pdf');
  expect(fileKindOf(pdf.subarray(0, pdf.length - 200))).toBeUndefined();
  expect(fileKindOf(Buffer.from('%PDF-1.7 but then <html><script>alert(1)</script>'))).toBeUndefined();
  expect(
    fileKindOf(
      await sharp({ create: { width: 4, height: 4, channels: 3, background: '#000' } })
        .png()
        .toBuffer(),
    ),
  ).toBe('png');
  expect(fileKindOf(Buffer.from('PK\x03\x04 not really a zip'))).toBeUndefined();
  expect(fileKindOf(Buffer.from('<svg onload=alert(1)>'))).toBeUndefined();
});

/** A box of an MP4 (ISO base media file): its size, its four-letter type, its content. */
function box(type: string, content: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + content.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, content]);
}
/** An MP4's first box: its major brand, a minor version, then its compatible brands. */
const ftyp = (major: string, ...compatible: string[]) =>
  box('ftyp', Buffer.concat([Buffer.from(major, 'latin1'), Buffer.from([0, 0, 2, 0]), ...compatible.map((b) => Buffer.from(b, 'latin1'))]));
/** The smallest MP4 the library takes: a 'ftyp' box naming 'isom', then an empty 'mdat' box. */
const MP4 = Buffer.concat([ftyp('isom', 'isom', 'iso2'), box('mdat')]);
/** A WebM's EBML header (as Chromium's recorder writes it: versions, DocType "webm"), then a Segment of unknown size. */
const WEBM = Buffer.from('1a45dfa39f4286810142f7810142f2810442f381084282847765626d42878104428581021853806701ffffffffffffff', 'hex');

test('an MP4 is a whole ISO base media file of a brand browsers play; a WebM has the EBML magic and the DocType webm', () => {
  expect(fileKindOf(MP4)).toBe('mp4');
  expect(fileKindOf(WEBM)).toBe('webm');
  // A brand browsers play among the compatible ones is enough; QuickTime's alone is not.
  expect(fileKindOf(Buffer.concat([ftyp('XAVC', 'mp42'), box('moov'), box('mdat', Buffer.alloc(40))]))).toBe('mp4');
  expect(fileKindOf(Buffer.concat([ftyp('qt  ', 'qt  '), box('moov'), box('mdat')]))).toBeUndefined();
  // A box's 64-bit size (size 1), and a last box that runs to the end of the file (size 0).
  const large = Buffer.concat([Buffer.from([0, 0, 0, 1]), Buffer.from('mdat'), Buffer.from([0, 0, 0, 0, 0, 0, 0, 20]), Buffer.alloc(4)]);
  expect(fileKindOf(Buffer.concat([ftyp('mp41'), large]))).toBe('mp4');
  const toEnd = Buffer.concat([Buffer.from([0, 0, 0, 0]), Buffer.from('mdat'), Buffer.alloc(100)]);
  expect(fileKindOf(Buffer.concat([ftyp('mp42'), toEnd]))).toBe('mp4');
  // Something that is not a box after the boxes (a page tacked on), or a box that says it is longer than the file.
  expect(fileKindOf(Buffer.concat([MP4, Buffer.from('<html><script>alert(1)</script></html>')]))).toBeUndefined();
  expect(fileKindOf(Buffer.concat([ftyp('isom'), box('mdat', Buffer.alloc(50))]).subarray(0, 60))).toBeUndefined();
  expect(fileKindOf(Buffer.from('<!doctype html><title>ftyp isom</title>'))).toBeUndefined();
  // Matroska that is not WebM, and the EBML magic before anything else.
  expect(
    fileKindOf(Buffer.from(WEBM.toString('hex').replace('4282847765626d', '428288' + Buffer.from('matroska').toString('hex')), 'hex')),
  ).toBeUndefined();
  expect(fileKindOf(Buffer.concat([WEBM.subarray(0, 4), Buffer.from('<html><script>alert(1)</script>webm')]))).toBeUndefined();
});

test('an MP4 cut anywhere inside a box is refused, and any bytes after a video’s first bytes never break the check', () => {
  const parts = [ftyp('isom', 'avc1'), box('moov', Buffer.alloc(12)), box('mdat', Buffer.alloc(30))];
  const whole = Buffer.concat(parts);
  // Cut between two boxes, what is left is still a whole MP4 (its first boxes).
  const boundaries = new Set([parts[0]!.length, parts[0]!.length + parts[1]!.length]);
  fc.assert(
    fc.property(fc.integer({ min: 1, max: whole.length - 1 }), (cut) => {
      expect(fileKindOf(whole.subarray(0, cut))).toBe(boundaries.has(cut) ? 'mp4' : undefined);
    }),
  );
  fc.assert(
    fc.property(
      fc.constantFrom(ftyp('isom'), Buffer.from('\0\0\0\x01ftyp'), WEBM.subarray(0, 4), WEBM.subarray(0, 40)),
      fc.uint8Array({ maxLength: 200 }),
      (head, tail) => {
        expect([undefined, 'mp4', 'webm', 'png', 'jpeg', 'webp']).toContain(fileKindOf(Buffer.concat([head, tail])));
      },
    ),
  );
});

describeEachDialect('content: the resources library', (ctx) => {
  let t: TestLantern;
  let editor: TestClient;
  let campaigner: TestClient;
  const db = () => t.lantern.core.db;
  const counts = async () => {
    const r = await db()
      .selectFrom('resources')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    const f = await db()
      .selectFrom('files')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    return { resources: Number(r.n), files: Number(f.n) };
  };
  const add = (client: TestClient, fields: Record<string, string>, content?: Buffer, filename = 'paper.pdf') =>
    postMultipart(
      client,
      '/admin/content/resources',
      fields,
      content ? { field: 'file', filename, content, type: 'application/pdf' } : undefined,
    );

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
    editor = (await signedInAs(t, 'editor')).client;
    campaigner = (await signedInAs(t, 'campaigner')).client;
  });
  afterAll(async () => {
    await t?.close();
  });

  test('staff add a PDF as a draft, publish it, and supporters download it as an attachment, counted', async () => {
    await campaigner.get('/admin/content/resources');
    const made = await add(
      campaigner,
      { title: 'Cotton briefing', summary: 'Where the cotton comes from.', type: 'briefing', publishedOn: '2025-03-01' },
      await pdfSaying('Isotopes reveal the river valley'),
    );
    expect(made.status, made.text).toBe(303);
    const id = Number(/resources\/(\d+)/.exec(made.location!)![1]);
    expect((await t.client().get('/resources/cotton-briefing')).status).toBe(404);
    // A campaigner may not publish; an editor may.
    await campaigner.get(`/admin/content/resources/${id}`);
    expect((await campaigner.post(`/admin/content/resources/${id}/publish`, {})).status).toBe(403);
    await editor.get(`/admin/content/resources/${id}`);
    expect((await editor.post(`/admin/content/resources/${id}/publish`, {})).status).toBe(303);
    const page = await t.client().get('/resources/cotton-briefing');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Briefing paper');
    expect(page.text).toMatch(/PDF, \d+ KB/);
    expect(page.text).not.toContain('<video');
    const file = await fetch(`${t.baseUrl}/resources/cotton-briefing/download`);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/pdf');
    expect(file.headers.get('content-disposition')).toBe(
      `attachment; filename="cotton-briefing.pdf"; filename*=UTF-8''cotton-briefing.pdf`,
    );
    expect(file.headers.get('x-content-type-options')).toBe('nosniff');
    expect(file.headers.get('content-security-policy')).toBe("default-src 'none'; frame-ancestors 'none'; sandbox");
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 5)
        .toString(),
    ).toBe('%PDF-');
    await fetch(`${t.baseUrl}/resources/cotton-briefing/download`);
    const downloads = await db().selectFrom('resource_downloads').select(['day', 'count']).where('resource_id', '=', id).execute();
    expect(downloads).toEqual([{ day: new Date().toISOString().slice(0, 10), count: 2 }]);
    expect((await editor.get('/admin/content/resources')).text).toMatch(/<td>2<\/td>/);

    // Its text is read by the job, and then the search finds it by words only inside the PDF.
    await readResourceText(t.lantern.core, id);
    const found = await searchSite(db(), { q: 'river valley', page: 1, perPage: 10 });
    expect(found.results.map((r) => r.url)).toEqual(['/resources/cotton-briefing']);
    await editor.post(`/admin/content/resources/${id}/unpublish`, {});
    expect((await searchSite(db(), { q: 'river valley', page: 1, perPage: 10 })).total).toBe(0);
    expect((await fetch(`${t.baseUrl}/resources/cotton-briefing/download`)).status).toBe(404);
  });

  test('a video is kinded by its bytes whatever its name, plays on its page from this site, and downloads as an attachment of its type', async () => {
    await campaigner.get('/admin/content/resources');
    const cases = [
      { bytes: MP4, filename: 'talk.pdf', slug: `talk-video-${ctx.dialect}`, type: 'video/mp4', ext: 'mp4', words: 'MP4 video' },
      { bytes: WEBM, filename: 'panel.webm', slug: `panel-video-${ctx.dialect}`, type: 'video/webm', ext: 'webm', words: 'WebM video' },
    ];
    for (const c of cases) {
      const made = await add(campaigner, { title: `Video ${c.slug}`, summary: '', type: 'other', slug: c.slug }, c.bytes, c.filename);
      expect(made.status, made.text).toBe(303);
      const id = Number(/resources\/(\d+)/.exec(made.location!)![1]);
      await editor.get(`/admin/content/resources/${id}`);
      expect((await editor.post(`/admin/content/resources/${id}/publish`, {})).status).toBe(303);
      const page = await t.client().get(`/resources/${c.slug}`);
      expect(page.text).toContain(`${c.words}, 1 KB`);
      expect(page.text).toContain('<video class="resource-video" controls preload="metadata">');
      expect(page.text).toContain(`<source src="/resources/${c.slug}/download" type="${c.type}"/>`);
      expect(page.text).toContain(`href="/resources/${c.slug}/download" download`);
      // The page's policy lets it play media from this site only.
      expect(page.headers.get('content-security-policy')).toContain("media-src 'self'");

      const file = await fetch(`${t.baseUrl}/resources/${c.slug}/download`);
      expect(file.status).toBe(200);
      expect(file.headers.get('content-type')).toBe(c.type);
      expect(file.headers.get('content-disposition')).toBe(
        `attachment; filename="${c.slug}.${c.ext}"; filename*=UTF-8''${c.slug}.${c.ext}`,
      );
      expect(file.headers.get('x-content-type-options')).toBe('nosniff');
      expect(Buffer.from(await file.arrayBuffer()).equals(c.bytes)).toBe(true);
      // A <video>'s own fetches (each page view, each seek) are not downloads; a download is.
      expect((await t.client().get(`/resources/${c.slug}/download`, { 'sec-fetch-dest': 'video' })).status).toBe(200);
      const downloads = await db().selectFrom('resource_downloads').select('count').where('resource_id', '=', id).execute();
      expect(downloads).toEqual([{ count: 1 }]);
    }
  });

  test('lies, polyglots, empty, cut short and oversize files are refused with a clear message, and nothing is stored', async () => {
    await campaigner.get('/admin/content/resources');
    const before = await counts();
    const pdf = await pdfSaying('x');
    const cases: Array<[Buffer | undefined, string, string]> = [
      [Buffer.from('just some words'), 'notes.pdf', 'The file must be a PDF'],
      [Buffer.from('%PDF-1.4\n<html><script>alert(1)</script></html>'), 'trick.pdf', 'The file must be a PDF'],
      [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'), 'x.png', 'The file must be a PDF'],
      [Buffer.alloc(0), 'empty.pdf', 'The file is empty'],
      [pdf.subarray(0, pdf.length - 100), 'cut.pdf', 'The file must be a PDF'],
      [Buffer.from('<!doctype html><script>alert(1)</script>'), 'film.mp4', 'or an MP4 or WebM video'],
      [Buffer.concat([MP4, Buffer.from('<html><script>alert(1)</script>')]), 'trick.mp4', 'or an MP4 or WebM video'],
      [undefined, '', 'Choose the file to upload'],
    ];
    for (const [content, filename, message] of cases) {
      const res = await add(campaigner, { title: `Bad ${filename}`, summary: '', type: 'report' }, content, filename);
      expect(res.status, filename).toBe(422);
      expect(res.text, filename).toContain(message);
    }
    // The organisation's limit (a setting): 1 MB here.
    const { saveSiteSettings } = await import('../../core/settings.js');
    await saveSiteSettings(db(), { resourceMaxMb: 1 });
    const big = Buffer.concat([pdf.subarray(0, 9), Buffer.alloc(1_200_000, 32), pdf.subarray(9)]);
    const tooBig = await add(campaigner, { title: 'Too big', summary: '', type: 'report' }, big);
    expect(tooBig.status).toBe(422);
    expect(tooBig.text).toContain('The file must be 1 MB or smaller');
    await saveSiteSettings(db(), { resourceMaxMb: 20 });
    expect(await counts()).toEqual(before);
  });

  test('the list filters by type, campaign and year; a renamed slug redirects', async () => {
    await seedResourcesDemo(t.lantern.core);
    const all = await t.client().get('/resources');
    expect(all.text).toContain('Campaign pack: clean cotton');
    const packs = await t.client().get('/resources?type=pack');
    expect(packs.text).toContain('Campaign pack: clean cotton');
    expect(packs.text).not.toContain('Briefing: the case for an import ban');
    expect((await t.client().get('/resources?year=2026')).text).toContain('Campaign pack: clean cotton');
    expect((await t.client().get('/resources?year=2025')).text).not.toContain('Campaign pack: clean cotton');
    expect((await t.client().get('/resources?campaign=no-such-campaign')).text).toContain('No resources match');
    expect((await t.client().get('/resources?type=nonsense&year=abc&page=1')).status).toBe(200);
    expect((await t.client().get('/resources?page=99')).status).toBe(404);
    // The demo PDFs are real: their pages were counted.
    expect((await t.client().get('/resources/campaign-pack-clean-cotton')).text).toContain('2 pages');

    const row = await db().selectFrom('resources').select('id').where('slug', '=', 'campaign-pack-clean-cotton').executeTakeFirstOrThrow();
    await editor.get(`/admin/content/resources/${row.id}`);
    const renamed = await postMultipart(editor, `/admin/content/resources/${row.id}`, {
      title: 'Campaign pack: clean cotton',
      summary: 's',
      type: 'pack',
      publishedOn: '2026-08-14',
      slug: 'clean-cotton-pack',
    });
    expect(renamed.status, renamed.text).toBe(303);
    const old = await fetch(`${t.baseUrl}/resources/campaign-pack-clean-cotton`, { redirect: 'manual' });
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe('/resources/clean-cotton-pack');
  });

  test('garbage thrown at the staff forms and the public list never breaks a page and stores nothing', async () => {
    await campaigner.get('/admin/content/resources');
    const before = await counts();
    await fc.assert(
      fc.asyncProperty(
        garbage({ maxRepeat: 300, hugeValue: false }).value,
        fc.constantFrom('title', 'summary', 'type', 'publishedOn', 'campaignId', 'slug'),
        async (value, field) => {
          const fields = { title: 'A', summary: '', type: 'report', [field]: formString(value) };
          const res = await add(campaigner, fields, Buffer.from(formString(value)));
          expect(res.status).toBeLessThan(500);
          const list = await t
            .client()
            .get(`/resources?type=${encodeURIComponent(formString(value))}&year=${encodeURIComponent(formString(value))}`);
          expect(list.status).toBeLessThan(500);
        },
      ),
      { numRuns: 30 },
    );
    expect(await counts()).toEqual(before);
  });
});
