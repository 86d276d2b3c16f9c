import { randomBytes } from 'node:crypto';
import type { Core } from '../../src/core/context.js';
import { emailIndex } from '../../src/supporters/service.js';

// Audiences for newsletter tests: a list and many confirmed, subscribed supporters, written with batched inserts
// (thousands in a second or two). Personal fields are encrypted and blind-indexed exactly as Lantern does it.

export interface Audience {
  listId: number;
  /** Supporter ids in insertion order, with their addresses. */
  people: Array<{ id: number; email: string; firstName: string | null }>;
}

let seq = 0;

/** Creates a list and `count` subscribed, confirmed supporters on it (addresses under example.org). */
export async function seedAudience(
  core: Core,
  o: { count: number; firstName?: (i: number) => string | null; domain?: string },
): Promise<Audience> {
  const { db, keyring } = core;
  const tag = `${process.pid}-${++seq}-${randomBytes(3).toString('hex')}`;
  const now = Date.now();
  const listId = (
    await db
      .insertInto('lists')
      .values({
        slug: `list-${tag}`,
        name: `Test list ${tag}`,
        description: 'Test list',
        wording: 'Email me.',
        wording_version: 1,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
  await db.insertInto('consent_wordings').values({ list_id: listId, version: 1, wording: 'Email me.', created_at: now }).execute();
  const people: Audience['people'] = [];
  const domain = o.domain ?? 'example.org';
  for (let start = 0; start < o.count; start += 500) {
    const batch = Array.from({ length: Math.min(500, o.count - start) }, (_, k) => {
      const i = start + k;
      const email = `s${i}.${tag}@${domain}`;
      const firstName = o.firstName ? o.firstName(i) : `Name${i}`;
      return { email, firstName };
    });
    const ids = await db
      .insertInto('supporters')
      .values(
        batch.map((b) => ({
          public_id: randomBytes(16).toString('base64url'),
          email_enc: keyring.encrypt(b.email),
          email_index: emailIndex(keyring, b.email),
          first_name_enc: keyring.encryptNullable(b.firstName),
          last_name_enc: null,
          postcode_enc: null,
          phone_enc: null,
          address_enc: null,
          constituency_code: null,
          source: 'test',
          confirmed_at: now,
          undeliverable_at: null,
          erased_at: null,
          created_at: now,
          updated_at: now,
        })),
      )
      .returning('id')
      .execute();
    await db
      .insertInto('subscriptions')
      .values(
        ids.map((r) => ({
          supporter_id: r.id,
          list_id: listId,
          status: 'subscribed' as const,
          lawful_basis: 'consent' as const,
          updated_at: now,
        })),
      )
      .execute();
    batch.forEach((b, k) => people.push({ id: ids[k]!.id, email: b.email, firstName: b.firstName }));
  }
  return { listId, people };
}

/** A newsletter row in draft for a list, written directly (the compose form has its own tests). */
export async function draftNewsletter(
  core: Core,
  o: { listId: number; subject?: string; body?: string; ratePerMinute?: number | null; inArchive?: boolean; segmentId?: number | null },
): Promise<number> {
  const now = Date.now();
  return (
    await core.db
      .insertInto('newsletters')
      .values({
        subject: o.subject ?? 'News for {{first_name}}',
        body: o.body ?? 'Hello {{first_name}},\n\nThank you for everything.',
        list_id: o.listId,
        segment_id: o.segmentId ?? null,
        status: 'draft',
        scheduled_at: null,
        started_at: null,
        finished_at: null,
        archive_slug: null,
        created_by: null,
        created_at: now,
        updated_at: now,
        rate_per_minute: o.ratePerMinute ?? null,
        in_archive: o.inArchive === false ? 0 : 1,
      })
      .returning('id')
      .executeTakeFirstOrThrow()
  ).id;
}

/** A newsletter's status and its deliveries counted by outcome. */
export async function sendState(
  core: Core,
  newsletterId: number,
): Promise<{ status: string; pending: number; sent: number; failed: number; skipped: number }> {
  const n = await core.db.selectFrom('newsletters').select('status').where('id', '=', newsletterId).executeTakeFirstOrThrow();
  const rows = await core.db
    .selectFrom('newsletter_deliveries')
    .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('newsletter_id', '=', newsletterId)
    .groupBy('status')
    .execute();
  const by = Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  return { status: n.status, pending: by.pending ?? 0, sent: by.sent ?? 0, failed: by.failed ?? 0, skipped: by.skipped ?? 0 };
}
