import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { StoredUpload } from '../core/web/uploads.js';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { auditDetails, recordAudit, targetId, type AuditDescriber, type AuditDescription } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { DomainError } from '../core/web/errors.js';
import { DataFileError } from './data.js';
import { describeMpsImport, describePostcodeImport, importMpsFile, importPostcodesFile } from './import.js';
import {
  deleteUploadChunks,
  deleteUploadRow,
  findUpload,
  findUploadChunk,
  findUploadFileNames,
  insertUpload,
  insertUploadChunk,
  listRecentUploads,
  updateUpload,
  type UploadRow,
} from './queries.js';
import type { RepresentativesUploadKind, RepresentativesUploadStatus } from './tables.js';

// The MPs and postcodes page's upload: staff send an ONSPD/NSPL postcode file or a list of MPs from the browser.
// The file is stored in the database in chunks as it arrives (so a worker on another machine can read it), and a
// background job runs the same import as `lantern import postcodes|mps`, updating how far it has read as it goes.

/** The largest file accepted: the whole ONSPD as CSV is about 1.4 GB (gzipped, a fraction of that). */
export const UPLOAD_LIMIT_BYTES = 2 * 1024 ** 3;
const CHUNK_BYTES = 1024 * 1024;

/** An upload as its pages show it. */
export interface UploadView {
  id: number;
  kind: RepresentativesUploadKind;
  status: RepresentativesUploadStatus;
  file: string;
  bytes: number;
  /** 0 to 100: how much of the file the import has read. */
  percent: number;
  summary: string | null;
  createdAt: number;
  finishedAt: number | null;
}

const toView = (r: UploadRow): UploadView => ({
  id: Number(r.id),
  kind: r.kind,
  status: r.status,
  file: r.file,
  bytes: Number(r.bytes),
  percent: r.status === 'done' ? 100 : Number(r.bytes) > 0 ? Math.min(99, Math.floor((Number(r.bytes_done) / Number(r.bytes)) * 100)) : 0,
  summary: r.summary,
  createdAt: Number(r.created_at),
  finishedAt: r.finished_at === null ? null : Number(r.finished_at),
});

/** What the first bytes say the file is not: a ZIP archive, a spreadsheet, or some other binary file. */
function refusalFor(first: Buffer): string | undefined {
  if (first[0] === 0x1f && first[1] === 0x8b) return undefined; // gzip: the importer reads it
  if (first.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04])))
    return 'This is a ZIP archive (or a spreadsheet). Open it, and upload the CSV file inside it: for ONSPD, the large file in its Data folder.';
  if (first.subarray(0, 8192).includes(0)) return 'This does not look like a CSV or JSON file. Upload the CSV (or CSV.gz) file itself.';
  return undefined;
}

/**
 * Stores an uploaded file in chunks, as an upload in the 'uploading' state (adoptUpload makes it real once the
 * request has passed every check). Refuses ZIP archives, binary, empty and oversized files.
 */
export async function storeUpload(
  core: Core,
  staffId: number,
  filename: string,
  file: AsyncIterable<Buffer> & { truncated?: boolean },
): Promise<StoredUpload> {
  const now = Date.now();
  const name =
    basename(filename.replace(/\\/g, '/'))
      .replace(/[^\w.\- ]+/g, '_')
      .slice(0, 120) || 'upload.csv';
  const id = await insertUpload(core.db, {
    kind: 'postcodes',
    status: 'uploading',
    file: name,
    bytes: 0,
    chunks: 0,
    bytes_done: 0,
    summary: null,
    staff_id: staffId,
    created_at: now,
    updated_at: now,
    finished_at: null,
  });
  let refusal: string | undefined;
  let sniffed = false;
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let seq = 0;
  let bytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    const chunk = Buffer.concat(pending, pendingBytes);
    pending = [];
    pendingBytes = 0;
    await insertUploadChunk(core.db, id, seq++, chunk);
  };
  try {
    for await (const piece of file) {
      // Once refused, the rest is read and dropped: the request must be consumed to be answered.
      if (refusal) continue;
      if (!sniffed) {
        sniffed = true;
        refusal = refusalFor(piece);
        if (refusal) continue;
      }
      bytes += piece.length;
      pending.push(piece);
      pendingBytes += piece.length;
      if (pendingBytes >= CHUNK_BYTES) await flush();
    }
    if (!refusal && file.truncated) refusal = `The file is larger than ${UPLOAD_LIMIT_BYTES / 1024 ** 3} GB. Upload it gzipped (CSV.gz).`;
    if (!refusal && bytes === 0) refusal = 'The file is empty.';
    if (refusal) {
      await deleteUploadRow(core.db, id);
      return { ok: false, message: refusal };
    }
    await flush();
  } catch (err) {
    await deleteUploadRow(core.db, id);
    throw err;
  }
  await updateUpload(core.db, id, { bytes, chunks: seq, updated_at: Date.now() });
  return { ok: true, id };
}

/** Queues the import of a stored upload once its request passed every check, recording who asked. */
export async function adoptUpload(core: Core, staffId: number, id: number, kind: RepresentativesUploadKind): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    if (!(await updateUpload(trx, id, { kind, status: 'queued', updated_at: Date.now() }, ['uploading'])))
      throw new DomainError('not_found', 'The upload could not be found.');
    await core.queue.enqueue(trx, 'importRepresentativesUpload', { uploadId: id }, { lane: 'bulk', maxAttempts: 5 });
    await recordAudit(trx, { staffId, action: 'representatives.upload', target: `upload ${id}`, details: { kind } });
  });
}

/** Deletes an upload that its request did not keep (refused by a later check). */
export async function discardUpload(core: Core, id: number): Promise<void> {
  const u = await findUpload(core.db, id);
  if (u?.status === 'uploading') await deleteUploadRow(core.db, id);
}

/** One upload (never one still arriving), or a not-found error. */
export async function getUpload(core: Core, id: number): Promise<UploadView> {
  const r = await findUpload(core.db, id);
  if (!r || r.status === 'uploading') throw new DomainError('not_found', 'There is no such upload.');
  return toView(r);
}

/** The latest uploads, for the MPs and postcodes page. */
export async function recentUploads(core: Core): Promise<UploadView[]> {
  return (await listRecentUploads(core.db, 10)).map(toView);
}

/**
 * The background job: writes the stored file to a private temporary folder, runs the same import as the command
 * line on it (updating how far it has read), records what it did, and deletes the stored file. A file the importer
 * refuses fails the upload with its message (retrying cannot help); anything else (the database away) is retried.
 */
export async function importRepresentativesUpload(core: Core, payload: { uploadId?: unknown }): Promise<void> {
  const id = Number(payload.uploadId);
  const upload = Number.isSafeInteger(id) ? await findUpload(core.db, id) : undefined;
  if (!upload || upload.status === 'done' || upload.status === 'failed' || upload.status === 'uploading') return;
  await updateUpload(core.db, id, { status: 'importing', bytes_done: 0, updated_at: Date.now() });
  const dir = await mkdtemp(join(tmpdir(), 'lantern-upload-'));
  try {
    const path = join(dir, upload.file);
    await writeFile(path, new Uint8Array(0), { mode: 0o600 });
    for (let seq = 0; seq < Number(upload.chunks); seq++) {
      const chunk = await findUploadChunk(core.db, id, seq);
      if (!chunk) throw new Error(`part ${seq + 1} of the uploaded file is missing`);
      await writeFile(path, chunk, { flag: 'a' });
    }
    let summary: string;
    try {
      summary =
        upload.kind === 'mps'
          ? describeMpsImport(await importMpsFile(core.db, path))
          : describePostcodeImport(
              await importPostcodesFile(core.db, path, {
                bytesRead: async (b) => {
                  await updateUpload(core.db, id, { bytes_done: b, updated_at: Date.now() });
                },
              }),
            );
    } catch (e) {
      if (!(e instanceof DataFileError)) throw e;
      const now = Date.now();
      await updateUpload(core.db, id, { status: 'failed', summary: e.message, updated_at: now, finished_at: now });
      await deleteUploadChunks(core.db, id);
      return;
    }
    const now = Date.now();
    await updateUpload(core.db, id, { status: 'done', bytes_done: Number(upload.bytes), summary, updated_at: now, finished_at: now });
    await deleteUploadChunks(core.db, id);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The representatives' audit codes in words. */
export function describeRepresentativesAudit(): AuditDescriber {
  return async (db, entries) => {
    const ours = entries.filter((e) => e.action === 'representatives.upload');
    const ids = ours.map((e) => targetId(e.target, 'upload')).filter((id): id is number => id !== undefined);
    const files = new Map((await findUploadFileNames(db, [...new Set(ids)])).map((u) => [Number(u.id), u.file]));
    const out = new Map<number, AuditDescription>();
    for (const e of ours) {
      const id = targetId(e.target, 'upload');
      const file = id === undefined ? undefined : files.get(id);
      out.set(e.id, {
        did: auditDetails(e).kind === 'mps' ? 'uploaded the list of MPs' : 'uploaded the postcode file',
        title: file,
        href: file !== undefined ? `/admin/representatives/uploads/${id}` : undefined,
      });
    }
    return out;
  };
}
