import { z } from 'zod';
import type { StoredUpload } from '../core/web/uploads.js';
import type { Core } from '../core/context.js';
import { DomainError } from '../core/web/errors.js';
import { recordAudit } from '../core/audit.js';
import {
  deleteImportRow,
  findImport,
  insertImport,
  insertImportChunk,
  listRecentImports,
  updateImport,
  type SupporterImportRow,
} from './queries.js';
import {
  CHUNK_BYTES,
  ENCODINGS,
  IMPORT_KEEP_MS,
  ImportSettingsSchema,
  UPLOAD_LIMIT_BYTES,
  bytesToText,
  type FileEncoding,
  type ImportCounts,
  type ImportReport,
  type ImportView,
} from './import-file.js';

// Stage 1 of an import: the upload, streamed into encrypted chunks and sniffed for what it really is; and an
// import read back for its pages.

// ---- stage 1: upload ---------------------------------------------------------------------------------------

function sniff(first: Buffer): FileEncoding | 'zip' | 'ole' | 'binary' | undefined {
  if (first[0] === 0xef && first[1] === 0xbb && first[2] === 0xbf) return 'utf-8';
  if (first[0] === 0xff && first[1] === 0xfe) return 'utf-16le';
  if (first[0] === 0xfe && first[1] === 0xff) return 'utf-16be';
  if (first.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) return 'zip';
  if (first.subarray(0, 4).equals(Buffer.from([0xd0, 0xcf, 0x11, 0xe0]))) return 'ole';
  if (first.subarray(0, 8192).includes(0)) return 'binary';
  return undefined;
}

/**
 * Stores an uploaded file, encrypted, in chunks, as an import in the 'uploading' state (adoptUpload makes it
 * real once the request has passed every check). Refuses spreadsheets, binary files, empty and oversized files.
 */
export async function storeUpload(
  core: Core,
  staffId: number,
  filename: string,
  file: AsyncIterable<Buffer> & { truncated?: boolean },
): Promise<StoredUpload> {
  const now = Date.now();
  const id = await insertImport(core.db, {
    staff_id: staffId,
    status: 'uploading',
    filename_enc: core.keyring.encrypt(filename.slice(0, 255) || 'upload.csv'),
    bytes: 0,
    chunks: 0,
    detected_encoding: 'utf-8',
    settings_enc: null,
    report_enc: null,
    counts: null,
    rows_total: null,
    rows_done: 0,
    bytes_done: 0,
    error: null,
    created_at: now,
    updated_at: now,
    expires_at: now + IMPORT_KEEP_MS,
    finished_at: null,
  });
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  let validUtf8 = true;
  let sniffed: ReturnType<typeof sniff> | 'checked' | undefined;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let bytes = 0;
  const refuse = async (message: string): Promise<StoredUpload> => {
    await deleteImportRow(core.db, id);
    return { ok: false, message };
  };
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await insertImportChunk(core.db, id, seq++, core.keyring.encrypt(bytesToText(chunk)));
  };
  let refusal: string | undefined;
  try {
    for await (const piece of file) {
      // Once refused, the rest of the upload is read and dropped (the request must be consumed to be answered).
      if (refusal) continue;
      if (sniffed === undefined) {
        sniffed = sniff(piece) ?? 'checked';
        if (sniffed === 'zip' || sniffed === 'ole')
          refusal =
            'This is a spreadsheet file, not CSV. In your spreadsheet program choose “Save as” and then “CSV UTF-8”, and upload that.';
        if (sniffed === 'binary') refusal = 'This does not look like a CSV file. Save your data as “CSV UTF-8” and upload that.';
        if (refusal) continue;
      }
      bytes += piece.length;
      if (validUtf8) {
        try {
          utf8.decode(piece, { stream: true });
        } catch {
          validUtf8 = false;
        }
      }
      pending.push(piece);
      pendingBytes += piece.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    if (refusal) return refuse(refusal);
    if (file.truncated)
      return refuse(`The file is larger than ${UPLOAD_LIMIT_BYTES / 1024 / 1024} MB. Split it into smaller files and import each.`);
    if (validUtf8) {
      try {
        utf8.decode();
      } catch {
        validUtf8 = false;
      }
    }
    if (bytes === 0) return refuse('The file is empty.');
    await flush();
  } catch (err) {
    await deleteImportRow(core.db, id);
    throw err;
  }
  const detected: FileEncoding = sniffed === 'utf-16le' || sniffed === 'utf-16be' ? sniffed : validUtf8 ? 'utf-8' : 'windows-1252';
  await updateImport(core.db, id, { bytes, chunks: seq, detected_encoding: detected, updated_at: Date.now() });
  return { ok: true, id };
}

/** Makes a stored upload visible once its request passed every check; deletes it otherwise (see discardUpload). */
export async function adoptUpload(core: Core, staffId: number, id: number): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    await updateImport(trx, id, { status: 'uploaded', updated_at: Date.now() }, ['uploading']);
    await recordAudit(trx, { staffId, action: 'supporters.import.upload', target: `import ${id}` });
  });
}

/** Deletes an upload that its request did not keep (refused by a later check). */
export async function discardUpload(core: Core, id: number): Promise<void> {
  const imp = await findImport(core.db, id);
  if (imp?.status === 'uploading') await deleteImportRow(core.db, id);
}

// ---- reading an import ---------------------------------------------------------------------------------------

/** A stored JSON column read back (checked by the schema when given), or undefined when absent or unreadable. */
export function parseJson<T>(s: string | null, schema?: z.ZodType<T>): T | undefined {
  if (s === null) return undefined;
  const v: unknown = JSON.parse(s);
  return schema ? schema.parse(v) : (v as T);
}

function toView(core: Core, r: SupporterImportRow): ImportView {
  const settings = r.settings_enc === null ? undefined : parseJson(core.keyring.decrypt(r.settings_enc), ImportSettingsSchema);
  return {
    id: r.id,
    staffId: r.staff_id,
    status: r.status,
    filename: core.keyring.decrypt(r.filename_enc),
    bytes: r.bytes,
    chunks: r.chunks,
    detectedEncoding: (ENCODINGS as readonly string[]).includes(r.detected_encoding) ? (r.detected_encoding as FileEncoding) : 'utf-8',
    settings,
    report: r.report_enc === null ? undefined : parseJson<ImportReport>(core.keyring.decrypt(r.report_enc)),
    counts: parseJson<ImportCounts>(r.counts),
    rowsTotal: r.rows_total,
    rowsDone: r.rows_done,
    bytesDone: r.bytes_done,
    error: r.error,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    finishedAt: r.finished_at,
  };
}

/** One import (never one still uploading), or a not-found error. */
export async function getImport(core: Core, id: number): Promise<ImportView> {
  const r = await findImport(core.db, id);
  if (!r || r.status === 'uploading')
    throw new DomainError('not_found', 'There is no such import. Files are deleted 24 hours after they are uploaded.');
  return toView(core, r);
}

/** The most recent imports, for the upload page. */
export async function recentImports(core: Core) {
  const rows = await listRecentImports(core.db, 20);
  return rows
    .filter((r) => r.status !== 'uploading')
    .map((r) => ({
      id: r.id,
      status: r.status,
      filename: core.keyring.decrypt(r.filename_enc),
      bytes: r.bytes,
      rowsTotal: r.rows_total,
      counts: parseJson<ImportCounts>(r.counts),
      createdAt: r.created_at,
    }));
}
