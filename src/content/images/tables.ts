import type { Generated } from 'kysely';

// The tables content/images owns (lint rule lantern/own-tables), declared into core's Schema.

export interface ContentImagesTable {
  id: Generated<number>;
  /** What the image shows, for people who cannot see it (required; a page may give its own for one use). */
  alt: string;
  width: number;
  height: number;
  created_by: number | null;
  created_at: number;
  updated_at: number;
}

/** The encodings served: 'webp' for browsers that take it, and the fallback in 'jpeg' or 'png'. */
export type VariantFormat = 'webp' | 'jpeg' | 'png';

export interface ContentImageVariantsTable {
  image_id: number;
  width: number;
  format: VariantFormat;
  file_id: number;
}

declare module '../../core/db/schema.js' {
  interface Schema {
    content_images: ContentImagesTable;
    content_image_variants: ContentImageVariantsTable;
  }
}
