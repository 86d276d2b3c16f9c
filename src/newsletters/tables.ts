import type { Generated } from 'kysely';

// The tables the newsletters owns: their row types, beside the queries that alone may touch them (the lint rule
// lantern/own-tables). Declared into core's Schema so that one Kysely instance types every query.

export type NewsletterStatus = 'draft' | 'scheduled' | 'sending' | 'paused' | 'sent' | 'cancelled';

export interface NewslettersTable {
  id: Generated<number>;
  subject: string;
  body: string;
  list_id: number | null;
  segment_id: number | null;
  status: NewsletterStatus;
  scheduled_at: number | null;
  started_at: number | null;
  finished_at: number | null;
  archive_slug: string | null;
  created_by: number | null;
  created_at: number;
  updated_at: number;
  /** The throttle: at most this many messages a minute (null: as fast as the mail server takes them). */
  rate_per_minute: Generated<number | null>;
  /** 1: shown in the public archive once sending starts. */
  in_archive: Generated<number>;
  /** How many deliveries were prepared when sending started. */
  recipient_count: Generated<number | null>;
  /** The last temporary sending failure (mail server down), cleared when sending goes on; no addresses. */
  last_error: Generated<string | null>;
  /** The sender lock: which job may send this newsletter now, and until when (UTC ms) unless it renews. */
  runner: Generated<string | null>;
  runner_until: Generated<number | null>;
}

export type DeliveryStatus = 'pending' | 'sent' | 'failed' | 'skipped';

export interface NewsletterDeliveriesTable {
  id: Generated<number>;
  newsletter_id: number;
  supporter_id: number;
  status: DeliveryStatus;
  error: string | null;
  updated_at: number;
}

/** An image uploaded for newsletters; its bytes are a row of core's `files`. */
export interface NewsletterImagesTable {
  id: Generated<number>;
  file_id: number;
  /** What the image shows: the alternative text its Markdown starts with. */
  description: string;
  width: number;
  height: number;
  created_by: number | null;
  created_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    newsletters: NewslettersTable;
    newsletter_deliveries: NewsletterDeliveriesTable;
    newsletter_images: NewsletterImagesTable;
  }
}
