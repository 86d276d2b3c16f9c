import { CompiledQuery, type Insertable, type Selectable, type Updateable } from 'kysely';
import type { Db, DbOrTrx, Trx } from '../core/db/index.js';
import { byDialect } from '../core/db/index.js';
import type {
  ConstituenciesTable,
  MpsTable,
  RepresentativesSourceKey,
  RepresentativesSourcesTable,
  RepresentativesUploadsTable,
  RepresentativesUploadStatus,
} from './tables.js';

export type SourceRow = RepresentativesSourcesTable;

// Rows per INSERT statement: well under SQLite's and PostgreSQL's limits on bound parameters.
const CHUNK = 500;

/** Every source row (what is loaded, from where). */
export function findSources(db: DbOrTrx): Promise<SourceRow[]> {
  return db.selectFrom('representatives_sources').selectAll().orderBy('key').execute();
}

/** The source rows, locked until the transaction ends (PostgreSQL; SQLite's write transaction already excludes others). */
export function lockSources(trx: Trx): Promise<SourceRow[]> {
  const q = trx.selectFrom('representatives_sources').selectAll().orderBy('key');
  return byDialect(trx, { sqlite: () => q.execute(), postgres: () => q.forUpdate().execute() });
}

/** Records what a table now holds and where it came from. */
export async function recordSource(db: DbOrTrx, key: RepresentativesSourceKey, row: Omit<SourceRow, 'key'>): Promise<void> {
  await db.updateTable('representatives_sources').set(row).where('key', '=', key).execute();
}

/** The constituencies and MPs, for the in-memory lookup tables. */
export async function findAllRepresentativesData(db: Db): Promise<{ constituencies: ConstituenciesTable[]; mps: MpsTable[] }> {
  const [constituencies, mps] = await Promise.all([
    db.selectFrom('constituencies').selectAll().execute(),
    db.selectFrom('mps').selectAll().execute(),
  ]);
  return { constituencies, mps };
}

/** The constituency code of an imported postcode ('SW1A 0AA'), or undefined. */
export async function findPostcodeConstituency(db: Db, postcode: string): Promise<string | undefined> {
  const row = await db.selectFrom('postcodes').select('constituency_code').where('postcode', '=', postcode).executeTakeFirst();
  return row?.constituency_code;
}

/** The codes of every known constituency. */
export async function findConstituencyCodes(db: DbOrTrx): Promise<Set<string>> {
  return new Set((await db.selectFrom('constituencies').select('code').execute()).map((r) => r.code));
}

/** The constituencies' codes and names, for matching Parliament's names. */
export function findConstituencyNames(db: DbOrTrx): Promise<Array<{ code: string; name: string }>> {
  return db.selectFrom('constituencies').select(['code', 'name']).execute();
}

/** The MPs now stored, by constituency code. */
export async function findMpsByCode(db: DbOrTrx): Promise<Map<string, MpsTable>> {
  return new Map((await db.selectFrom('mps').selectAll().execute()).map((m) => [m.constituency_code, m]));
}

async function insertChunked<T>(rows: readonly T[], insert: (chunk: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += CHUNK) await insert(rows.slice(i, i + CHUNK));
}

/** Replaces every constituency. */
export async function replaceConstituencies(trx: Trx, rows: readonly ConstituenciesTable[]): Promise<void> {
  await trx.deleteFrom('constituencies').execute();
  await insertChunked(rows, (c) => trx.insertInto('constituencies').values(c).execute());
}

/** Replaces every MP. */
export async function replaceMps(trx: Trx, rows: readonly MpsTable[]): Promise<void> {
  await trx.deleteFrom('mps').execute();
  await insertChunked(rows, (c) => trx.insertInto('mps').values(c).execute());
}

/** Sets the MPs of the given constituencies, and clears any other seat the same members were recorded in. */
export async function upsertMps(trx: Trx, rows: readonly MpsTable[]): Promise<void> {
  for (const m of rows) {
    await trx.deleteFrom('mps').where('member_id', '=', m.member_id).where('constituency_code', '<>', m.constituency_code).execute();
    await trx
      .insertInto('mps')
      .values(m)
      .onConflict((oc) =>
        oc
          .column('constituency_code')
          .doUpdateSet({ member_id: m.member_id, name: m.name, full_title: m.full_title, party: m.party, email: m.email }),
      )
      .execute();
  }
}

const upsertPostcodes = (trx: Trx, rows: ReadonlyArray<{ postcode: string; constituency_code: string }>) =>
  trx
    .insertInto('postcodes')
    .values(rows.map((r) => ({ postcode: r.postcode, constituency_code: r.constituency_code })))
    .onConflict((oc) => oc.column('postcode').doUpdateSet((eb) => ({ constituency_code: eb.ref('excluded.constituency_code') })));

/** Adds or updates imported postcodes and removes terminated ones (one batch, inside a transaction). */
export async function applyPostcodeBatch(
  trx: Trx,
  live: ReadonlyArray<{ postcode: string; constituency_code: string }>,
  terminated: readonly string[],
): Promise<void> {
  for (let i = 0; i < terminated.length; i += CHUNK) {
    await trx
      .deleteFrom('postcodes')
      .where('postcode', 'in', terminated.slice(i, i + CHUNK))
      .execute();
  }
  // Every full chunk runs the same statement, compiled once: building and compiling a 500-row INSERT in the query
  // builder for each chunk cost about a fifth of a 1.7M-row import (measured with --cpu-prof).
  let full: string | undefined;
  for (let i = 0; i < live.length; i += CHUNK) {
    const chunk = live.slice(i, i + CHUNK);
    if (chunk.length < CHUNK) {
      await upsertPostcodes(trx, chunk).execute();
      continue;
    }
    full ??= upsertPostcodes(trx, chunk).compile().sql;
    const parameters: string[] = [];
    for (const r of chunk) parameters.push(r.postcode, r.constituency_code);
    await trx.executeQuery(CompiledQuery.raw(full, parameters));
  }
}

/** How many postcodes are imported, and how many of them in Northern Ireland. */
export async function countPostcodes(db: DbOrTrx): Promise<{ all: number; ni: number }> {
  const r = await db
    .selectFrom('postcodes')
    .select((eb) => [
      eb.fn.countAll<number>().as('all'),
      eb.fn.sum<number>(eb.case().when('constituency_code', 'like', 'N%').then(1).else(0).end()).as('ni'),
    ])
    .executeTakeFirstOrThrow();
  return { all: Number(r.all), ni: Number(r.ni ?? 0) };
}

// ---- uploads ----

export type UploadRow = Selectable<RepresentativesUploadsTable>;

/** Stores a new upload; returns its id. */
export async function insertUpload(db: DbOrTrx, row: Insertable<RepresentativesUploadsTable>): Promise<number> {
  return Number((await db.insertInto('representatives_uploads').values(row).returning('id').executeTakeFirstOrThrow()).id);
}

/** One upload by id. */
export async function findUpload(db: DbOrTrx, id: number): Promise<UploadRow | undefined> {
  return db.selectFrom('representatives_uploads').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The file names of these uploads, for the audit log. */
export async function findUploadFileNames(db: DbOrTrx, ids: readonly number[]) {
  if (ids.length === 0) return [];
  return db
    .selectFrom('representatives_uploads')
    .select(['id', 'file'])
    .where('id', 'in', [...ids])
    .execute();
}

/** Changes an upload; with `whenStatus`, only while it is in one of those states. Returns whether it changed. */
export async function updateUpload(
  db: DbOrTrx,
  id: number,
  values: Updateable<RepresentativesUploadsTable>,
  whenStatus?: readonly RepresentativesUploadStatus[],
): Promise<boolean> {
  const r = await db
    .updateTable('representatives_uploads')
    .set(values)
    .where('id', '=', id)
    .$if(whenStatus !== undefined, (q) => q.where('status', 'in', whenStatus!))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The latest uploads (never one still arriving), newest first. */
export async function listRecentUploads(db: Db, limit: number): Promise<UploadRow[]> {
  return db
    .selectFrom('representatives_uploads')
    .selectAll()
    .where('status', '!=', 'uploading')
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
}

/** Deletes an upload and its chunks. */
export async function deleteUploadRow(db: DbOrTrx, id: number): Promise<void> {
  await db.deleteFrom('representatives_upload_chunks').where('upload_id', '=', id).execute();
  await db.deleteFrom('representatives_uploads').where('id', '=', id).execute();
}

/** Stores one chunk of an uploaded file. */
export async function insertUploadChunk(db: DbOrTrx, uploadId: number, seq: number, data: Uint8Array): Promise<void> {
  await db.insertInto('representatives_upload_chunks').values({ upload_id: uploadId, seq, data }).execute();
}

/** One chunk of an uploaded file, by its place in the file. */
export async function findUploadChunk(db: DbOrTrx, uploadId: number, seq: number): Promise<Uint8Array | undefined> {
  const r = await db
    .selectFrom('representatives_upload_chunks')
    .select('data')
    .where('upload_id', '=', uploadId)
    .where('seq', '=', seq)
    .executeTakeFirst();
  return r?.data;
}

/** Deletes an upload's file once it has been read. */
export async function deleteUploadChunks(db: DbOrTrx, uploadId: number): Promise<void> {
  await db.deleteFrom('representatives_upload_chunks').where('upload_id', '=', uploadId).execute();
}
