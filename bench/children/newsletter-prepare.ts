// Sets up the newsletter benchmark's database and times the preparation of a send. Seeding (not timed): a list
// and `recipients` confirmed, subscribed supporters with encrypted, blind-indexed addresses, in batched inserts.
// Timed: startSending, which the "Send now" button calls: one INSERT … SELECT writing a delivery per eligible
// supporter, the newsletter's state and the first bulk job, in one transaction.
import { randomBytes } from 'node:crypto';
import type { DatabaseConfig } from '../../src/core/config.js';
import { buildCore } from '../../src/app.js';
import { insertNewsletter } from '../../src/newsletters/queries.js';
import { startSending } from '../../src/newsletters/service.js';
import { emailIndex } from '../../src/supporters/service.js';
import { serveChild } from '../lib/child.js';
import { BENCH_BODY, BENCH_SUBJECT, benchConfig } from './newsletter-common.js';

export interface PrepareInput {
  database: DatabaseConfig;
  dataDir: string;
  recipients: number;
}

export interface PrepareResult {
  newsletterId: number;
  recipients: number;
  seedMs: number;
  prepareMs: number;
}

serveChild<PrepareInput, PrepareResult>(async (input) => {
  const core = await buildCore(benchConfig(input));
  const { db, keyring } = core;
  try {
    const t0 = performance.now();
    const now = Date.now();
    const listId = (
      await db
        .insertInto('lists')
        .values({
          slug: 'campaign-updates',
          name: 'Campaign updates',
          description: '',
          wording: 'Email me.',
          wording_version: 1,
          created_at: now,
          updated_at: now,
        })
        .returning('id')
        .executeTakeFirstOrThrow()
    ).id;
    const names = ['Aisha', 'Gülnar', 'Mehmet', 'Oliver', 'Chioma', 'Priya', 'Wei', 'Hodan', null];
    for (let start = 0; start < input.recipients; start += 1000) {
      const n = Math.min(1000, input.recipients - start);
      await db.transaction().execute(async (trx) => {
        const ids = await trx
          .insertInto('supporters')
          .values(
            Array.from({ length: n }, (_, k) => {
              const email = `supporter${start + k}@example.org`;
              return {
                public_id: randomBytes(16).toString('base64url'),
                email_enc: keyring.encrypt(email),
                email_index: emailIndex(keyring, email),
                first_name_enc: keyring.encryptNullable(names[(start + k) % names.length]),
                last_name_enc: null,
                postcode_enc: null,
                phone_enc: null,
                address_enc: null,
                constituency_code: null,
                source: 'bench',
                confirmed_at: now,
                undeliverable_at: null,
                erased_at: null,
                created_at: now,
                updated_at: now,
              };
            }),
          )
          .returning('id')
          .execute();
        await trx
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
      });
    }
    const newsletterId = await insertNewsletter(db, {
      subject: BENCH_SUBJECT,
      body: BENCH_BODY,
      list_id: listId,
      segment_id: null,
      status: 'draft',
      scheduled_at: null,
      started_at: null,
      finished_at: null,
      archive_slug: null,
      created_by: null,
      created_at: now,
      updated_at: now,
    });
    const seedMs = performance.now() - t0;

    const t1 = performance.now();
    const recipients = await startSending(core, null, newsletterId);
    const prepareMs = performance.now() - t1;
    return { newsletterId, recipients, seedMs, prepareMs };
  } finally {
    await core.mailer.close();
    await db.destroy();
  }
});
