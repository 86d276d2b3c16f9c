import type { Db } from '../db/index.js';
import type { MailMessagesTable } from '../db/schema.js';
import type { Insertable, Selectable } from 'kysely';

export type MailRow = Selectable<MailMessagesTable>;

/** Records one outgoing message (ciphertext fields already encrypted). */
export async function insertMailRecord(db: Db, row: Insertable<MailMessagesTable>): Promise<number> {
  const r = await db.insertInto('mail_messages').values(row).returning('id').executeTakeFirstOrThrow();
  return r.id;
}

/** The newest messages first. */
export async function listRecentMail(db: Db, o: { limit: number; offset?: number }): Promise<MailRow[]> {
  return db
    .selectFrom('mail_messages')
    .selectAll()
    .orderBy('id', 'desc')
    .limit(o.limit)
    .offset(o.offset ?? 0)
    .execute();
}

/** One message by id. */
export async function findMailById(db: Db, id: number): Promise<MailRow | undefined> {
  return db.selectFrom('mail_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** How many messages are recorded. */
export async function countMail(db: Db): Promise<number> {
  const r = await db
    .selectFrom('mail_messages')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

/** Deletes records older than the cutoff (the catcher keeps whole messages, so they must not live for ever). */
export async function deleteMailBefore(db: Db, cutoff: number): Promise<number> {
  const r = await db.deleteFrom('mail_messages').where('created_at', '<', cutoff).executeTakeFirst();
  return Number(r.numDeletedRows);
}
