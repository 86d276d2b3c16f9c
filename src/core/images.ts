import { DomainError } from './web/errors.js';
import type { MemoryUpload } from './web/uploads.js';

// Images staff upload (for newsletters, for the website) are checked the same way: the file's own first bytes say
// what it is, never its name or declared type; sharp decodes it within a pixel limit (a small file can unpack to
// gigabytes), turns it the way its camera said, and re-encodes it, which drops every piece of metadata (camera,
// place, author): a supporter at risk may send a photograph with the GPS position of their home in it.

export type ImageFormat = 'png' | 'jpeg' | 'webp' | 'gif';

export const IMAGE_CONTENT_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
  gif: 'image/gif',
};

/** Images that would decode to more pixels than this are refused. */
export const MAX_IMAGE_PIXELS = 40_000_000;

// Each format's first bytes, at an offset.
const MAGIC: Array<[ImageFormat, number, string]> = [
  ['png', 0, '\x89PNG\r\n\x1a\n'],
  ['jpeg', 0, '\xff\xd8\xff'],
  ['gif', 0, 'GIF8'],
  ['webp', 8, 'WEBP'],
];

export const IMAGE_TYPE_MESSAGE = 'The image must be a PNG, JPEG, WebP or GIF file';
export const IMAGE_UNREADABLE_MESSAGE = 'The image could not be read. It may be damaged, or too large in pixels: try saving it again';
export const imageSizeMessage = (maxBytes: number) => `The image must be ${maxBytes / 1024 / 1024} MB or smaller`;

/** The format the bytes begin with, or undefined. */
export function imageFormatOf(bytes: Uint8Array): ImageFormat | undefined {
  const head = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
  return MAGIC.find(([, at, sig]) => head.startsWith(sig, at) && (sig !== 'WEBP' || head.startsWith('RIFF')))?.[0];
}

const refuse = (message: string) => new DomainError('invalid', message, { file: message });

/** A checked upload: its format and size, and a way to make encoders of it (sharp pipelines, already rotated). */
export interface CheckedImage {
  format: ImageFormat;
  width: number;
  height: number;
  animated: boolean;
  hasAlpha: boolean;
  /**
   * A fresh sharp pipeline over the upload, turned upright, with no metadata kept on output; every frame of an
   * animation, or only its first with `firstFrame`.
   */
  pipeline(o?: { firstFrame?: boolean }): import('sharp').Sharp;
}

/**
 * Checks an upload: not empty, not over maxBytes, one of the four formats by its own bytes, and decodable as that
 * format within the pixel limit; else a DomainError for the `file` field with a message staff can act on.
 */
export async function checkImage(upload: MemoryUpload, o: { maxBytes: number }): Promise<CheckedImage> {
  if (upload.truncated || upload.bytes.byteLength > o.maxBytes) throw refuse(imageSizeMessage(o.maxBytes));
  if (upload.bytes.byteLength === 0) throw refuse('The file is empty. Choose the image again');
  const format = imageFormatOf(upload.bytes);
  if (!format) throw refuse(IMAGE_TYPE_MESSAGE);
  // Loaded on first use: libvips costs the web process memory it would otherwise hold idle.
  const { default: sharp } = await import('sharp');
  try {
    const meta = await sharp(upload.bytes, { limitInputPixels: MAX_IMAGE_PIXELS }).metadata();
    if (meta.format !== format || !meta.width || !meta.height) throw refuse(IMAGE_TYPE_MESSAGE);
    const animated = (meta.pages ?? 1) > 1;
    const upright = !animated && (meta.orientation ?? 1) >= 5;
    return {
      format,
      width: upright ? meta.height : meta.width,
      height: upright ? meta.width : (meta.pageHeight ?? meta.height),
      animated,
      hasAlpha: meta.hasAlpha ?? false,
      pipeline: (o = {}) => {
        const image = sharp(upload.bytes, { limitInputPixels: MAX_IMAGE_PIXELS, animated: animated && !o.firstFrame });
        // Turn the picture the way its camera said (before that note is dropped with the rest of the metadata); the
        // sizes above were measured the same way (an animation is never turned).
        return animated ? image : image.rotate();
      },
    };
  } catch (err) {
    if (err instanceof DomainError) throw err;
    throw refuse(IMAGE_UNREADABLE_MESSAGE);
  }
}

/** Runs an encoder, turning a decoding failure (a file damaged past its header) into the message for the file field. */
export async function encodeImage(encoder: import('sharp').Sharp): Promise<{ data: Buffer; info: import('sharp').OutputInfo }> {
  try {
    return await encoder.toBuffer({ resolveWithObject: true });
  } catch {
    throw refuse(IMAGE_UNREADABLE_MESSAGE);
  }
}
