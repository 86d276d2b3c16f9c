import { createHash } from 'node:crypto';
import { recordAudit } from '../../core/audit.js';
import type { Core } from '../../core/context.js';
import { safeEqual } from '../../core/crypto.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import { deleteFiles, findFileById, insertFile } from '../../core/files.js';
import { checkImage, encodeImage } from '../../core/images.js';
import { markdownImages } from '../../core/markdown.js';
import { cleanText, PROBLEM_WORDS } from '../../core/text.js';
import { DomainError } from '../../core/web/errors.js';
import type { MemoryUpload } from '../../core/web/uploads.js';
import {
  countContentImages,
  deleteContentImage,
  findContentImages,
  findVariantFileId,
  insertContentImage,
  insertImageVariant,
  listContentImageRows,
  listVariantFileIds,
  listVariantsOf,
  updateImageAlt,
  type ContentImageRow,
} from './queries.js';
import type { VariantFormat } from './tables.js';

// Images on the website. An upload is checked from its own bytes and decoded within a pixel limit (core/images.ts),
// then re-encoded at a few widths as WebP and as a fallback (JPEG, or PNG when it has transparency): re-encoding
// drops every piece of metadata, so a photograph's GPS position is never published. Pages show them with srcset, so
// a phone downloads the small one. Each image lives at an address signed with the instance key, so ids cannot be
// walked, and its encodings never change, so browsers may keep them for a year.

/** The largest upload accepted. */
export const CONTENT_IMAGE_MAX_BYTES = 10 * 1024 * 1024;
/** The widths served (those not wider than the original; the original's own width when it is narrower than all). */
export const IMAGE_WIDTHS = [480, 960, 1600] as const;
/** The longest alternative text. */
export const ALT_MAX = 300;

/** An image as pages show it. */
export interface ContentImage {
  id: number;
  alt: string;
  width: number;
  height: number;
  /** `srcset` of the WebP encodings. */
  webpSrcset: string;
  /** `srcset` of the fallback encodings, and the address of the widest of them. */
  fallbackSrcset: string;
  src: string;
  createdAt: number;
}

const EXTENSIONS: Record<VariantFormat, string> = { webp: 'webp', jpeg: 'jpg', png: 'png' };
const CONTENT_TYPES: Record<VariantFormat, string> = { webp: 'image/webp', jpeg: 'image/jpeg', png: 'image/png' };
const signatureOf = (core: Core, id: number) => core.keyring.sign('content-image', String(id)).slice(0, 16);

/** The folder an image's encodings are served from (`/images/<id>-<signature>`). */
export function imageBase(core: Core, id: number): string {
  return `/images/${id}-${signatureOf(core, id)}`;
}

function toImage(core: Core, row: ContentImageRow, variants: Array<{ width: number; format: VariantFormat }>): ContentImage {
  const base = imageBase(core, Number(row.id));
  const srcset = (formats: VariantFormat[]) =>
    variants
      .filter((v) => formats.includes(v.format))
      .map((v) => `${base}/${v.width}.${EXTENSIONS[v.format]} ${v.width}w`)
      .join(', ');
  const fallback = variants.filter((v) => v.format !== 'webp');
  const widest = fallback[fallback.length - 1];
  return {
    id: Number(row.id),
    alt: row.alt,
    width: row.width,
    height: row.height,
    webpSrcset: srcset(['webp']),
    fallbackSrcset: srcset(['jpeg', 'png']),
    src: widest ? `${base}/${widest.width}.${EXTENSIONS[widest.format]}` : '',
    createdAt: row.created_at,
  };
}

/** The images with these ids, by id (one query for the rows, one for their encodings). */
export async function getImages(core: Core, ids: readonly number[]): Promise<Map<number, ContentImage>> {
  const unique = [...new Set(ids)];
  const [rows, variants] = await Promise.all([findContentImages(core.db, unique), listVariantsOf(core.db, unique)]);
  return new Map(
    rows.map((r) => [
      Number(r.id),
      toImage(
        core,
        r,
        variants.filter((v) => Number(v.image_id) === Number(r.id)),
      ),
    ]),
  );
}

/** One image, if it exists. */
export async function getImage(core: Core, id: number): Promise<ContentImage | undefined> {
  return (await getImages(core, [id])).get(id);
}

/** The images, newest first, a page at a time. */
export async function listImages(core: Core, o: { page: number; perPage: number }): Promise<{ total: number; items: ContentImage[] }> {
  const [rows, total] = await Promise.all([
    listContentImageRows(core.db, { limit: o.perPage, offset: (o.page - 1) * o.perPage }),
    countContentImages(core.db),
  ]);
  const variants = await listVariantsOf(
    core.db,
    rows.map((r) => Number(r.id)),
  );
  return {
    total,
    items: rows.map((r) =>
      toImage(
        core,
        r,
        variants.filter((v) => Number(v.image_id) === Number(r.id)),
      ),
    ),
  };
}

const refuseAlt = (message: string) => new DomainError('invalid', message, { alt: message });

/** The description as stored: one line, cleaned by the rules of every form (core/text.ts), 1 to ALT_MAX characters. */
function checkAlt(alt: string): string {
  // A line break would end a Markdown image's text, and invisible characters make a description read aloud oddly.
  const cleaned = cleanText(alt, 'single');
  if (!cleaned.ok) throw refuseAlt(`The description ${PROBLEM_WORDS[cleaned.problem]}`);
  const a = cleaned.value.trim();
  if (a === '') throw refuseAlt('Describe the image for people who cannot see it');
  if (a.length > ALT_MAX) throw refuseAlt(`The description must be ${ALT_MAX} characters or fewer`);
  return a;
}

/** Checks, re-encodes and stores an upload with its alternative text; returns the image. Nothing is stored on refusal. */
export async function storeImage(
  core: Core,
  upload: MemoryUpload | undefined,
  o: { alt: string; staffId: number | null },
): Promise<ContentImage> {
  const alt = checkAlt(o.alt);
  if (!upload) throw new DomainError('invalid', 'Choose an image to upload', { file: 'Choose an image to upload' });
  const checked = await checkImage(upload, { maxBytes: CONTENT_IMAGE_MAX_BYTES });
  // Loaded on first use (checkImage has loaded it by now): libvips costs memory an idle web process need not hold.
  const { default: sharp } = await import('sharp');
  const widths = IMAGE_WIDTHS.filter((w) => w <= checked.width);
  if (widths.length === 0) widths.push(checked.width as (typeof IMAGE_WIDTHS)[number]);
  const fallback: VariantFormat = checked.hasAlpha ? 'png' : 'jpeg';
  // The original is decoded once, at the widest width served, and the encodings are made from that: a 24-megapixel
  // photograph costs one decode, not six. An animation keeps its first frame only: a page that moves by itself with
  // no way to stop it fails people who are distracted by movement (WCAG 2.2.2), and a fallback would show every frame
  // stacked. Every encoding is made before anything is written: a file that fails to decode part-way stores nothing.
  const master = await encodeImage(
    checked
      .pipeline({ firstFrame: true })
      .resize({ width: widths[widths.length - 1]!, withoutEnlargement: true })
      .raw(),
  );
  const { width: masterWidth, height: masterHeight, channels } = master.info;
  const encoded: Array<{ width: number; format: VariantFormat; data: Buffer }> = [];
  for (const width of widths) {
    const resized = () => sharp(master.data, { raw: { width: masterWidth, height: masterHeight, channels } }).resize({ width });
    const webp = await encodeImage(resized().webp({ quality: 80 }));
    const other = await encodeImage(
      fallback === 'png' ? resized().png() : resized().flatten({ background: '#ffffff' }).jpeg({ quality: 82, mozjpeg: true }),
    );
    encoded.push(
      { width: webp.info.width, format: 'webp', data: webp.data },
      { width: other.info.width, format: fallback, data: other.data },
    );
  }
  const height = masterHeight;
  const id = await core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const widest = encoded[encoded.length - 1]!.width;
    const imageId = await insertContentImage(trx, { alt, width: widest, height, created_by: o.staffId, created_at: now, updated_at: now });
    for (const e of encoded) {
      const fileId = await insertFile(trx, {
        contentType: CONTENT_TYPES[e.format],
        bytes: e.data,
        sha256: createHash('sha256').update(e.data).digest('hex'),
        at: now,
      });
      await insertImageVariant(trx, { image_id: imageId, width: e.width, format: e.format, file_id: fileId });
    }
    await recordAudit(trx, { staffId: o.staffId, action: 'content.image.upload', target: `image ${imageId}` });
    return imageId;
  });
  return (await getImage(core, id))!;
}

/** Changes an image's alternative text. */
export async function describeImage(core: Core, id: number, alt: string, staffId: number | null): Promise<void> {
  const a = checkAlt(alt);
  await core.db.transaction().execute(async (trx) => {
    if ((await updateImageAlt(trx, id, a, Date.now())) === 0) throw new DomainError('not_found', 'There is no such image.');
    await recordAudit(trx, { staffId, action: 'content.image.describe', target: `image ${id}` });
  });
}

/** Deletes an image and its files (pages that chose it show no image from then on). */
export async function deleteImage(core: Core, id: number, staffId: number | null): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const files = await listVariantFileIds(trx, id);
    if ((await deleteContentImage(trx, id)) === 0) throw new DomainError('not_found', 'There is no such image.');
    await deleteFiles(trx, files);
    await recordAudit(trx, { staffId, action: 'content.image.delete', target: `image ${id}` });
  });
}

const FILE_NAME = /^(\d{1,5})\.(webp|jpg|png)$/;
const REF = /^([1-9]\d{0,14})-([A-Za-z0-9_-]{16})$/;

/** The bytes of one encoding, by the parts of its address (`<id>-<signature>`, `<width>.<ext>`); undefined if none. */
export async function imageVariantFile(
  core: Core,
  ref: string,
  file: string,
): Promise<{ contentType: string; bytes: Uint8Array; sha256: string } | undefined> {
  const r = REF.exec(ref);
  const f = FILE_NAME.exec(file);
  if (!r || !f) return undefined;
  const id = Number(r[1]);
  if (!safeEqual(signatureOf(core, id), r[2]!)) return undefined;
  const format = (Object.entries(EXTENSIONS).find(([, ext]) => ext === f[2])?.[0] ?? 'webp') as VariantFormat;
  const fileId = await findVariantFileId(core.db as Db, id, Number(f[1]), format);
  const stored = fileId === undefined ? undefined : await findFileById(core.db, fileId);
  return stored ? { contentType: stored.content_type, bytes: stored.bytes, sha256: stored.sha256 } : undefined;
}

/**
 * The address a Markdown image on the website is shown at: the same address when it is a path on this site, else
 * undefined (for renderMarkdown's `image` option). A slash followed by another slash or a backslash is read by
 * browsers as another website's address, and so is refused.
 */
export function ownImageAddress(src: string): string | undefined {
  return /^\/(?![/\\])[^\\\s\p{Cc}]*$/u.test(src) ? src : undefined;
}

/** Whether a Markdown image address is one the website may show (our own, a path on this site). */
export function isOwnImageAddress(src: string): boolean {
  return ownImageAddress(src) !== undefined;
}

const shorten = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}…` : s);

/**
 * Why website Markdown may not be saved, as the message for its field: an image from another website (which would
 * tell that website who reads the page, and when); undefined when every image is our own.
 */
export function checkContentMarkdownImages(markdown: string): string | undefined {
  const remote = markdownImages(markdown).find((src) => !isOwnImageAddress(src));
  if (remote === undefined) return undefined;
  return (
    `The image “${shorten(remote)}” is not one uploaded to Lantern. The website shows only its own images: an image from ` +
    'another website would tell that website who reads the page. Upload it on the Images page and paste the Markdown ' +
    'it gives, or take the image out'
  );
}

/** Whether an image with this id exists (a form's choice of one is checked with it). */
export async function imageExists(db: DbOrTrx, id: number): Promise<boolean> {
  return (await findContentImages(db, [id])).length > 0;
}
