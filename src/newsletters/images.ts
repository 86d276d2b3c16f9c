import { createHash } from 'node:crypto';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { safeEqual } from '../core/crypto.js';
import { findFileById, insertFile } from '../core/files.js';
import { markdownImages } from '../core/markdown.js';
import { DomainError } from '../core/web/errors.js';
import { checkImage, encodeImage, IMAGE_CONTENT_TYPES } from '../core/images.js';
import type { MemoryUpload } from '../core/web/uploads.js';
import { existingNewsletterImageIds, findNewsletterImage, insertNewsletterImage, listNewsletterImageRows } from './queries.js';

// Images in newsletters. A remote image in an email is a tracking pixel: the site it comes from learns who opened
// the email, when, and from where. Some supporters are at risk, so a newsletter shows only images staff uploaded to
// Lantern, served from Lantern's own address at one URL for every reader (nothing in it tells readers apart), and a
// newsletter naming any other image is refused on save, preview, test and send. An upload is checked by its first
// bytes, decoded and re-encoded with sharp (which drops its metadata: camera, place, author), and kept in `files`.

/** The largest upload accepted. */
export const IMAGE_MAX_BYTES = 5 * 1024 * 1024;
/** Wider images are scaled down to this (twice an email's 600 pixels, for sharp screens). */
const MAX_WIDTH = 1200;

/** An upload as the multipart hook read it: the bytes, cut off at the limit. */
export type ImageUpload = MemoryUpload;

/** The upload re-encoded in its own format without metadata, scaled down to MAX_WIDTH; or a DomainError for the file field. */
async function prepareImage(upload: ImageUpload): Promise<{ contentType: string; bytes: Buffer; width: number; height: number }> {
  const checked = await checkImage(upload, { maxBytes: IMAGE_MAX_BYTES });
  const image = checked.pipeline().resize({ width: MAX_WIDTH, withoutEnlargement: true });
  const encoder =
    checked.format === 'png'
      ? image.png()
      : checked.format === 'jpeg'
        ? image.jpeg({ quality: 85, mozjpeg: true })
        : checked.format === 'webp'
          ? image.webp({ quality: 85 })
          : image.gif();
  const { data, info } = await encodeImage(encoder);
  return { contentType: IMAGE_CONTENT_TYPES[checked.format], bytes: data, width: info.width, height: info.pageHeight ?? info.height };
}

/** An uploaded image as staff see it, with the Markdown that shows it. */
export interface NewsletterImage {
  id: number;
  description: string;
  width: number;
  height: number;
  url: string;
  markdown: string;
  createdAt: number;
}

const IMAGE_PATH = /^\/newsletters\/images\/([1-9]\d{0,14})-([A-Za-z0-9_-]{32})$/;
// The signature keeps ids from being walked: an image uploaded for a newsletter not yet sent stays unseen until then.
const signatureOf = (core: Core, id: number) => core.keyring.sign('newsletter-image', String(id)).slice(0, 32);

/** The path an image is served at, on Lantern's own address. */
export function imagePath(core: Core, id: number): string {
  return `/newsletters/images/${id}-${signatureOf(core, id)}`;
}

/** The id of the uploaded image an address names (ours, absolute at the public address or a path), or undefined. */
export function imageIdOf(core: Core, src: string): number | undefined {
  const path = src.startsWith(`${core.config.baseUrl}/`) ? src.slice(core.config.baseUrl.length) : src;
  const m = IMAGE_PATH.exec(path);
  if (!m) return undefined;
  const id = Number(m[1]);
  return safeEqual(signatureOf(core, id), m[2]!) ? id : undefined;
}

/** What an image's address becomes in an email (absolute, at the public address) or on our pages (a path): ours only. */
export function imageAddresser(core: Core, where: 'email' | 'web'): (src: string) => string | undefined {
  return (src) => {
    const id = imageIdOf(core, src);
    if (id === undefined) return undefined;
    return where === 'email' ? `${core.config.baseUrl}${imagePath(core, id)}` : imagePath(core, id);
  };
}

const shorten = (s: string) => (s.length > 120 ? `${s.slice(0, 117)}…` : s);

/** Why a newsletter's Markdown may not be sent (an image that is not one uploaded to Lantern), or undefined. */
export async function imageProblem(core: Core, markdown: string): Promise<string | undefined> {
  const sources = markdownImages(markdown);
  if (sources.length === 0) return undefined;
  const ids = sources.map((src) => imageIdOf(core, src));
  const existing = await existingNewsletterImageIds(
    core.db,
    ids.filter((id): id is number => id !== undefined),
  );
  const i = ids.findIndex((id) => id === undefined || !existing.has(id));
  if (i === -1) return undefined;
  return (
    `The image “${shorten(sources[i]!)}” is not one uploaded to Lantern. A newsletter can only show images uploaded on its ` +
    'Images page: an image from another website would tell that website who opened the email. Upload the image there and use ' +
    'the address it gives, or take the image out'
  );
}

/** Refuses a newsletter whose Markdown names an image that is not one of ours (on the compose form: for the body field). */
export async function checkImages(core: Core, markdown: string, o: { field?: 'body' } = {}): Promise<void> {
  const problem = await imageProblem(core, markdown);
  if (problem) throw new DomainError('invalid', `${problem}.`, o.field ? { [o.field]: problem } : {});
}

/** Stores an upload for newsletters (re-encoded, metadata dropped); returns its id. */
export async function uploadImage(core: Core, staffId: number, upload: ImageUpload | undefined, description: string): Promise<number> {
  if (!upload) throw new DomainError('invalid', 'Choose an image to upload', { file: 'Choose an image to upload' });
  const image = await prepareImage(upload);
  return core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const fileId = await insertFile(trx, {
      contentType: image.contentType,
      bytes: image.bytes,
      sha256: createHash('sha256').update(image.bytes).digest('hex'),
      at: now,
    });
    const id = await insertNewsletterImage(trx, {
      file_id: fileId,
      description,
      width: image.width,
      height: image.height,
      created_by: staffId,
      created_at: now,
    });
    await recordAudit(trx, { staffId, action: 'newsletter.image.upload', target: `newsletter image ${id}` });
    return id;
  });
}

/** Markdown alternative text: the description with the characters that would end or break it escaped. */
const altText = (s: string) => s.replace(/[\\[\]]/g, '\\$&').replace(/\s+/g, ' ');

/** The uploaded images, newest first, with the Markdown that shows each. */
export async function listImages(core: Core, limit = 100): Promise<NewsletterImage[]> {
  return (await listNewsletterImageRows(core.db, { limit })).map((r) => {
    const url = `${core.config.baseUrl}${imagePath(core, Number(r.id))}`;
    return {
      id: Number(r.id),
      description: r.description,
      width: r.width,
      height: r.height,
      url,
      markdown: `![${altText(r.description)}](${url})`,
      createdAt: r.created_at,
    };
  });
}

/** An uploaded image's bytes by the reference in its path (`<id>-<signature>`), or undefined. */
export async function imageFile(core: Core, ref: string): Promise<{ contentType: string; bytes: Uint8Array; sha256: string } | undefined> {
  const id = imageIdOf(core, `/newsletters/images/${ref}`);
  if (id === undefined) return undefined;
  const row = await findNewsletterImage(core.db, id);
  const file = row ? await findFileById(core.db, Number(row.file_id)) : undefined;
  return file ? { contentType: file.content_type, bytes: file.bytes, sha256: file.sha256 } : undefined;
}
