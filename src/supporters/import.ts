import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { LawfulBasis, SupporterImportStatus } from './tables.js';
import { PermanentJobError, type JobContext, type JobHandler } from '../core/jobs/worker.js';
import { DomainError } from '../core/web/errors.js';
import { formValues, parseForm, text, type FormResult } from '../core/web/forms.js';
import { recordAudit } from '../core/audit.js';
import { normaliseTag, tagField } from './filters.js';
import {
  addTagsOfMany,
  deleteImportChunks,
  deleteImportRow,
  findExpiredImports,
  findImport,
  findImportChunk,
  findListsByIds,
  findSupporterIdsByEmailIndexes,
  findSuppressions,
  insertImport,
  insertImportChunk,
  listRecentImports,
  listSubscriptionsOfMany,
  updateImport,
  type SupporterImportRow,
} from './queries.js';
import { emailIndex, recordConsentForMany, upsertSupportersInBulk, type SupporterDetails } from './service.js';

// CSV import, in explicit stages: upload (the file is stored encrypted, in chunks), map the columns and give the
// lawful basis, check (a background job reads the whole file and reports per row, storing nothing), confirm (a
// second job imports in committed batches, resuming after a crash from the last committed row). The file is
// deleted once imported, or after 24 hours. Importing the same file twice changes nothing the second time:
// supporters are matched by their address's blind index, and consent is recorded once per list.

/** The largest file accepted. */
export const UPLOAD_LIMIT_BYTES = 60 * 1024 * 1024;
/** The file is stored and read in pieces of this size, so a big file never sits in memory whole. */
const CHUNK_BYTES = 1024 * 1024;
/** How long an upload is kept waiting for confirmation. */
export const IMPORT_KEEP_MS = 24 * 3600_000;
/** At most this many row problems are kept for the report (the counts are always complete). */
const MAX_ISSUES = 1000;
const MAX_COLUMNS = 100;
const CHECK_BATCH = 500;
const IMPORT_BATCH = 500;

export const IMPORT_FIELDS = ['email', 'firstName', 'lastName', 'postcode', 'phone', 'address', 'constituency', 'tags'] as const;
export type ImportField = (typeof IMPORT_FIELDS)[number];
export type ColumnChoice = ImportField | 'ignore';

/** What each field is called on the mapping form and in the report. */
export const FIELD_LABELS: Record<ImportField, string> = {
  email: 'Email address',
  firstName: 'First name',
  lastName: 'Last name',
  postcode: 'Postcode',
  phone: 'Phone',
  address: 'Address',
  constituency: 'Constituency code',
  tags: 'Tags',
};

export const ENCODINGS = ['utf-8', 'windows-1252', 'iso-8859-1', 'utf-16le', 'utf-16be'] as const;
export type FileEncoding = (typeof ENCODINGS)[number];

/** What each encoding is called on the forms. */
export const ENCODING_LABELS: Record<FileEncoding, string> = {
  'utf-8': 'UTF-8 (most programs, “CSV UTF-8” in Excel)',
  'windows-1252': 'Windows-1252 (plain “CSV” from Excel on Windows)',
  'iso-8859-1': 'Latin-1 (ISO-8859-1, older systems)',
  'utf-16le': 'UTF-16 little-endian (“Unicode text” from Excel)',
  'utf-16be': 'UTF-16 big-endian',
};

const DELIMITERS = [',', ';', '\t', '|'] as const;
type Delimiter = (typeof DELIMITERS)[number];

/** The staff's choices for an import, stored encrypted and checked again whenever they are read. */
const ImportSettingsSchema = z.object({
  encoding: z.enum(ENCODINGS),
  delimiter: z.enum(DELIMITERS),
  header: z.boolean(),
  columns: z
    .array(z.enum([...IMPORT_FIELDS, 'ignore']))
    .min(1)
    .max(MAX_COLUMNS),
  basis: z.enum(['consent', 'soft_opt_in']),
  consentDate: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/)
    .optional(),
  evidence: z.string().min(1).max(1000),
  listIds: z.array(z.number().int().positive()).min(1),
  tag: z.string().min(1).max(50).optional(),
});
export type ImportSettings = z.output<typeof ImportSettingsSchema>;

/** One problem with one row (or a warning about it). */
export interface ImportIssue {
  row: number;
  column: string;
  message: string;
  level: 'error' | 'warning';
}

/** What the check found: counts of everything, and the first MAX_ISSUES problems. */
export interface ImportReport {
  /** A problem that stops the whole file being read (broken quoting, wrong encoding). */
  fatal?: { line: number; message: string } | undefined;
  rows: number;
  valid: number;
  create: number;
  update: number;
  invalid: number;
  duplicates: number;
  erased: number;
  flagged: number;
  unsubscribed: number;
  issues: ImportIssue[];
  issuesTotal: number;
}

/** What the import did (no personal data: kept after the file and the report are deleted). */
export interface ImportCounts {
  created: number;
  updated: number;
  skipped: number;
  consents: number;
}

/** An import as the pages show it. */
export interface ImportView {
  id: number;
  staffId: number | null;
  status: SupporterImportStatus;
  filename: string;
  bytes: number;
  chunks: number;
  detectedEncoding: FileEncoding;
  settings: ImportSettings | undefined;
  report: ImportReport | undefined;
  counts: ImportCounts | undefined;
  rowsTotal: number | null;
  rowsDone: number;
  bytesDone: number;
  error: string | null;
  createdAt: number;
  expiresAt: number;
  finishedAt: number | null;
}

// ---- reading the stored file -------------------------------------------------------------------------------

/** A problem with the file as a whole, at a line of it. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

// Chunks are bytes; the keyring encrypts text. Latin-1 maps each byte to one character and back exactly, so the
// bytes survive the round trip whatever the file's own encoding is.
const bytesToText = (b: Buffer) => b.toString('latin1');
const textToBytes = (s: string) => Buffer.from(s, 'latin1');

async function* decodedText(
  core: Core,
  imp: { id: number; chunks: number },
  encoding: FileEncoding,
  onBytes?: (n: number) => void,
): AsyncGenerator<string> {
  const decoder = encoding === 'iso-8859-1' ? undefined : new TextDecoder(encoding, { fatal: true });
  for (let seq = 0; seq < imp.chunks; seq++) {
    const stored = await findImportChunk(core.db, imp.id, seq);
    if (stored === undefined)
      throw new ImportFileError(0, 'Part of the uploaded file is missing (it may have been deleted). Upload it again.');
    const bytes = textToBytes(core.keyring.decrypt(stored));
    let s: string;
    try {
      s = decoder ? decoder.decode(bytes, { stream: true }) : bytes.toString('latin1');
    } catch {
      throw new ImportFileError(
        0,
        `The file is not valid ${encoding.toUpperCase()}. Choose the encoding it was saved in (Windows-1252 for a plain CSV from Excel).`,
      );
    }
    onBytes?.(bytes.length);
    if (s) yield s;
  }
  if (decoder) {
    let tail: string;
    try {
      tail = decoder.decode();
    } catch {
      throw new ImportFileError(0, `The file is not valid ${encoding.toUpperCase()}: it ends in the middle of a character.`);
    }
    if (tail) yield tail;
  }
}

const CSV_PROBLEMS: Record<string, string> = {
  CSV_QUOTE_NOT_CLOSED: 'a value starts with a quote mark (") that is never closed',
  CSV_INVALID_CLOSING_QUOTE: 'a quote mark (") is followed by more text in the same value',
  CSV_MAX_RECORD_SIZE_EXCEEDED: 'a row is longer than 100,000 characters; is this really a CSV file?',
  CSV_RECORD_INCONSISTENT_FIELDS_LENGTH: 'a row has a different number of values',
};

/** Every record of the stored file with its row number (the header is row 1, as in a spreadsheet). */
async function* fileRecords(
  core: Core,
  imp: { id: number; chunks: number },
  s: { encoding: FileEncoding; delimiter: Delimiter },
  onBytes?: (n: number) => void,
): AsyncGenerator<{ row: number; cells: string[] }> {
  const parser = parse({
    delimiter: s.delimiter,
    bom: true,
    relax_column_count: true,
    relax_quotes: true,
    info: true,
    max_record_size: 100_000,
  });
  const source = Readable.from(decodedText(core, imp, s.encoding, onBytes));
  source.on('error', (e) => parser.destroy(e));
  source.pipe(parser);
  try {
    for await (const r of parser as AsyncIterable<{ record: string[]; info: { records: number } }>)
      yield { row: r.info.records, cells: r.record };
  } catch (err) {
    if (err instanceof ImportFileError) throw err;
    if (err instanceof CsvError) {
      const line = Number((err as CsvError & { lines?: number }).lines ?? 0);
      throw new ImportFileError(
        line,
        `Line ${line} of the file cannot be read: ${CSV_PROBLEMS[err.code] ?? 'it is not valid CSV'}. Fix the file and upload it again.`,
      );
    }
    throw err;
  } finally {
    source.destroy();
    parser.destroy();
  }
}

/** The delimiter a first line most likely uses (comma unless semicolons, tabs or bars clearly win). */
function detectDelimiter(firstLine: string): Delimiter {
  const counts = new Map<Delimiter, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of firstLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch as Delimiter)) counts.set(ch as Delimiter, counts.get(ch as Delimiter)! + 1);
  }
  let best: Delimiter = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

const EMAILISH = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

/** The field a column heading most likely means. */
function guessColumn(heading: string): ColumnChoice {
  const h = heading
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
  if (/^(e?mail|emailaddress|mailaddress)$/.test(h)) return 'email';
  if (/^(first|firstname|forename|forenames|givenname|given)$/.test(h)) return 'firstName';
  if (/^(last|lastname|surname|familyname|family)$/.test(h)) return 'lastName';
  if (/^(postcode|postalcode|zip|zipcode|post)$/.test(h)) return 'postcode';
  if (/^(phone|phonenumber|mobile|mobilenumber|telephone|tel|cell)$/.test(h)) return 'phone';
  if (/^(address|streetaddress|address1|addressline1|street)$/.test(h)) return 'address';
  if (/^(constituency|constituencycode|pcon|pconcode|onscode)$/.test(h)) return 'constituency';
  if (/^(tags?|labels?|groups?)$/.test(h)) return 'tags';
  return 'ignore';
}

/** The first rows of the stored file read with an encoding: headings, a sample, and what the file looks like. */
export async function previewImport(core: Core, imp: ImportView, o: { encoding: FileEncoding; header?: boolean | undefined }) {
  // The first chunk (a whole small file) is enough to show the columns; a row cut off at its end is not a problem.
  let text = '';
  let problem: string | undefined;
  try {
    for await (const s of decodedText(core, { id: imp.id, chunks: Math.min(imp.chunks, 1) }, o.encoding)) text += s;
  } catch (err) {
    if (!(err instanceof ImportFileError)) throw err;
    problem = err.message;
  }
  const delimiter = detectDelimiter(text.replace(/^\ufeff/, '').split(/\r?\n/, 1)[0] ?? '');
  const rows: string[][] = [];
  if (!problem) {
    try {
      parseSync(text, {
        delimiter,
        bom: true,
        relax_column_count: true,
        relax_quotes: true,
        max_record_size: 100_000,
        to: 20,
        on_record: (r: string[]) => {
          if (rows.length < 6 && !r.every((c) => c.trim() === '')) rows.push(r);
          return r;
        },
      });
    } catch (err) {
      if (!(err instanceof CsvError)) throw err;
      const whole = imp.chunks <= 1;
      if (rows.length === 0 || (whole && rows.length < 6)) {
        const line = Number((err as CsvError & { lines?: number }).lines ?? 0);
        problem = `Line ${line} of the file cannot be read: ${CSV_PROBLEMS[err.code] ?? 'it is not valid CSV'}. Fix the file and upload it again.`;
      }
    }
  }
  const first = rows[0] ?? [];
  const headerLikely = first.length > 0 && !first.some((c) => EMAILISH.test(c.trim()));
  const header = o.header ?? headerLikely;
  const width = Math.min(MAX_COLUMNS, Math.max(0, ...rows.map((r) => r.length)));
  const headings = Array.from({ length: width }, (_, i) => (header ? (first[i] ?? '').trim() : '') || `Column ${i + 1}`);
  const sample = (header ? rows.slice(1) : rows).slice(0, 5);
  const tooWide = rows.some((r) => r.length > MAX_COLUMNS);
  return {
    delimiter,
    header,
    headerLikely,
    headings,
    sample,
    guesses: headings.map((h) => (header ? guessColumn(h) : ('ignore' as ColumnChoice))),
    problem,
    tooWide,
  };
}

// ---- stage 1: upload ---------------------------------------------------------------------------------------

export type UploadResult = { ok: true; id: number } | { ok: false; message: string };

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
): Promise<UploadResult> {
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
  const refuse = async (message: string): Promise<UploadResult> => {
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

function parseJson<T>(s: string | null, schema?: z.ZodType<T>): T | undefined {
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

// ---- stage 2: mapping and lawful basis -----------------------------------------------------------------------

const listIdsField = z.preprocess(
  (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
  z
    .array(
      z.coerce
        .number({ error: 'Choose a list' })
        .int('Choose a list')
        .positive('Choose a list')
        .max(Number.MAX_SAFE_INTEGER, 'Choose a list'),
      { error: 'Choose a list' },
    )
    .min(1, 'Choose at least one list to subscribe these people to')
    .max(50, 'Choose at most 50 lists'),
);

const isRealDate = (s: string) => {
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
};

/** Why an encoding cannot be right for a file whose upload looked like `detected`, if it cannot. */
export function encodingProblem(encoding: FileEncoding, detected: FileEncoding): string | undefined {
  if (encoding === 'utf-8' && detected !== 'utf-8' && !detected.startsWith('utf-16'))
    return 'This file is not valid UTF-8. It was probably saved by Excel on Windows: choose Windows-1252.';
  if ((encoding.startsWith('utf-16') || detected.startsWith('utf-16')) && encoding !== detected)
    return `This file begins with a mark that says it is ${detected.toUpperCase()}: choose that.`;
  return undefined;
}

const mappingBase = z.object({
  encoding: z.enum(ENCODINGS, { error: 'Choose the file’s encoding' }),
  header: z.preprocess((v) => v === 'on' || v === 'true' || v === '1', z.boolean()),
  basis: z.enum(['consent', 'soft_opt_in'], { error: 'Choose the lawful basis for emailing these people' }),
  consentDate: z.preprocess(
    (v) => (typeof v === 'string' && v.trim() === '' ? undefined : typeof v === 'string' ? v.trim() : v),
    z.string({ error: 'Enter the date they gave consent' }).optional(),
  ),
  evidence: text('where, when and how they agreed', { max: 1000 }),
  lists: listIdsField,
  tag: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), tagField('a tag').optional()),
});

const columnChoice = z.preprocess(
  (v) => (v === undefined ? 'ignore' : v),
  z.enum([...IMPORT_FIELDS, 'ignore'], { error: 'Choose what this column holds' }),
);

/**
 * Reads the mapping form for a file with `width` columns (col_0 … col_N each name a field or "ignore"). Every
 * rule is checked and reported at once: the columns, the encoding, the lawful basis and its date, the lists.
 */
export function parseMappingForm(body: unknown, width: number, detected: FileEncoding): FormResult<MappingInput> {
  const base = parseForm(mappingBase, body);
  const errors: Record<string, string> = base.ok ? {} : { ...base.errors };
  const raw = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const columns: ColumnChoice[] = [];
  for (let i = 0; i < width; i++) {
    const c = columnChoice.safeParse(raw[`col_${i}`]);
    if (c.success) columns.push(c.data);
    else errors[`col_${i}`] ??= c.error.issues[0]!.message;
  }
  if (columns.length === width) {
    if (!columns.includes('email')) errors.columns = 'Choose the column that holds email addresses: every supporter needs one';
    for (const field of IMPORT_FIELDS) {
      if (field !== 'tags' && columns.filter((c) => c === field).length > 1)
        errors.columns ??= `Only one column can be “${FIELD_LABELS[field]}”`;
    }
  }
  const encoding =
    typeof raw.encoding === 'string' && (ENCODINGS as readonly string[]).includes(raw.encoding)
      ? (raw.encoding as FileEncoding)
      : undefined;
  const wrongEncoding = encoding && encodingProblem(encoding, detected);
  if (wrongEncoding) errors.encoding = wrongEncoding;
  if (raw.basis === 'consent') {
    const date = typeof raw.consentDate === 'string' ? raw.consentDate.trim() : '';
    const today = new Date().toISOString().slice(0, 10);
    if (!date) errors.consentDate = 'Enter the date they gave consent';
    else if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !isRealDate(date)) errors.consentDate = 'Enter the date as a real date, like 2026-03-31';
    else if (date > today) errors.consentDate = 'The date they gave consent cannot be in the future';
    else if (date < '1990-01-01') errors.consentDate = 'Enter a date after 1990';
  }
  if (!base.ok || Object.keys(errors).length > 0) return { ok: false, errors, values: formValues(body) };
  const f = base.data;
  return {
    ok: true,
    data: {
      encoding: f.encoding,
      header: f.header,
      basis: f.basis as LawfulBasis,
      consentDate: f.basis === 'consent' ? f.consentDate : undefined,
      evidence: f.evidence,
      listIds: [...new Set(f.lists)],
      tag: f.tag,
      columns,
    },
  };
}

/** The mapping form's choices, valid. */
export interface MappingInput {
  encoding: FileEncoding;
  header: boolean;
  basis: LawfulBasis;
  consentDate: string | undefined;
  evidence: string;
  listIds: number[];
  tag: string | undefined;
  columns: ColumnChoice[];
}

/** Saves the staff's choices and starts the check (a background job); nothing about supporters is stored. */
export async function startImportCheck(core: Core, staffId: number, id: number, input: MappingInput, delimiter: string): Promise<void> {
  const lists = await findListsByIds(core.db, input.listIds);
  const usable = new Set(lists.filter((l) => l.archived_at === null).map((l) => l.id));
  if (input.listIds.some((l) => !usable.has(l)))
    throw new DomainError('invalid', 'One of those lists does not exist or is archived.', {
      lists: 'Choose lists that exist and are not archived',
    });
  const settings = ImportSettingsSchema.parse({ ...input, delimiter });
  await core.db.transaction().execute(async (trx) => {
    const ok = await updateImport(
      trx,
      id,
      {
        status: 'checking',
        settings_enc: core.keyring.encrypt(JSON.stringify(settings)),
        report_enc: null,
        rows_total: null,
        rows_done: 0,
        bytes_done: 0,
        error: null,
        updated_at: Date.now(),
      },
      ['uploaded', 'checked', 'failed'],
    );
    if (!ok) throw new DomainError('conflict', 'This import is being checked or imported already; wait for it to finish.');
    await core.queue.enqueue(trx, 'checkSupporterImport', { importId: id }, { lane: 'bulk', maxAttempts: 3 });
    await recordAudit(trx, {
      staffId,
      action: 'supporters.import.check',
      target: `import ${id}`,
      details: { lists: settings.listIds, basis: settings.basis },
    });
  });
}

/** Starts importing a checked file (a background job that commits in batches). */
export async function confirmImport(core: Core, staffId: number, id: number): Promise<void> {
  const imp = await getImport(core, id);
  if (imp.status !== 'checked' || !imp.report) throw new DomainError('conflict', 'Only a checked file can be imported.');
  if (imp.report.fatal) throw new DomainError('conflict', 'This file cannot be imported until the problem with it is fixed.');
  if (imp.report.valid === 0) throw new DomainError('conflict', 'There are no rows in this file that can be imported.');
  await core.db.transaction().execute(async (trx) => {
    const ok = await updateImport(
      trx,
      id,
      {
        status: 'importing',
        rows_done: 0,
        counts: JSON.stringify({ created: 0, updated: 0, skipped: 0, consents: 0 }),
        updated_at: Date.now(),
      },
      ['checked'],
    );
    if (!ok) throw new DomainError('conflict', 'This import has started already.');
    await core.queue.enqueue(trx, 'importSupportersFromFile', { importId: id }, { lane: 'bulk', maxAttempts: 3 });
    await recordAudit(trx, {
      staffId,
      action: 'supporters.import.confirm',
      target: `import ${id}`,
      details: { rows: imp.report!.valid, lists: imp.settings!.listIds, basis: imp.settings!.basis },
    });
  });
}

/** Deletes an import and its file (not while it is importing). */
export async function deleteImport(core: Core, staffId: number, id: number): Promise<void> {
  const imp = await getImport(core, id);
  if (imp.status === 'importing') throw new DomainError('conflict', 'This file is being imported; wait for it to finish.');
  await core.db.transaction().execute(async (trx) => {
    await deleteImportRow(trx, id);
    await recordAudit(trx, { staffId, action: 'supporters.import.delete', target: `import ${id}` });
  });
}

/**
 * Lets the event loop run (web requests, timers) between batches. With SQLite every query is synchronous, so a
 * job that only awaits queries never yields, and a long import would hold up every page of the site.
 */
const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));

// ---- checking rows (both jobs use the same rules) ------------------------------------------------------------

const FORMULA_START = /^[=+\-@\t\r]/;
const PHONE_NUMBER = /^\+[\d\s().-]+$/;
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f]/;

interface CheckedRow {
  details: SupporterDetails | undefined;
  index: string | undefined;
  tags: string[];
  issues: ImportIssue[];
}

function checkField(field: Exclude<ImportField, 'tags' | 'email'>, v: string): string | undefined {
  switch (field) {
    case 'firstName':
    case 'lastName':
      if (v.length > 100) return 'is longer than 100 characters';
      if (CONTROL_IN_LINE.test(v)) return 'contains characters that are not allowed';
      return undefined;
    case 'postcode':
      if (v.length > 16) return 'is longer than 16 characters';
      if (!/^[A-Za-z0-9 -]*$/.test(v)) return 'may hold letters, numbers, spaces and hyphens only';
      return undefined;
    case 'phone':
      if (v.length > 40) return 'is longer than 40 characters';
      if (!/^[0-9+()\s.-]*$/.test(v)) return 'may hold digits, spaces and + ( ) - . only';
      return undefined;
    case 'address':
      if (v.length > 500) return 'is longer than 500 characters';
      if (CONTROL.test(v)) return 'contains characters that are not allowed';
      return undefined;
    case 'constituency':
      if (!/^[A-Za-z]\d{8}$/.test(v)) return 'is not a constituency code like E14001234';
      return undefined;
  }
}

const emailSchema = z.email().max(254);

/** Checks one data row against the mapping: what would be stored, and every problem with it. */
function checkRow(core: Core, s: ImportSettings, row: number, cells: readonly string[]): CheckedRow {
  const issues: ImportIssue[] = [];
  const tags: string[] = [];
  const d: Partial<Record<ImportField, string>> = {};
  const heading = (i: number) => `column ${i + 1}`;
  if (cells.length > s.columns.length) {
    issues.push({
      row,
      column: '',
      message: `This row has ${cells.length} values but the file has ${s.columns.length} columns: is there a comma inside a value without quotes?`,
      level: 'error',
    });
  }
  s.columns.forEach((field, i) => {
    if (field === 'ignore') return;
    const raw = cells[i] ?? '';
    const label = FIELD_LABELS[field];
    if (FORMULA_START.test(raw) && !(field === 'phone' && PHONE_NUMBER.test(raw.trim()))) {
      issues.push({
        row,
        column: `${label} (${heading(i)})`,
        message: `Starts with “${JSON.stringify(raw.charAt(0)).slice(1, -1)}”, which a spreadsheet may run as a formula. It is stored as plain text, and exports escape it.`,
        level: 'warning',
      });
    }
    const v = raw.trim();
    if (field === 'tags') {
      for (const t of v.split(/[;,|]/).map(normaliseTag).filter(Boolean)) {
        const ok = tagField().safeParse(t);
        if (ok.success) tags.push(ok.data);
        else
          issues.push({
            row,
            column: `${label} (${heading(i)})`,
            message: `The tag “${t.slice(0, 60)}” ${ok.error.issues[0]!.message.replace(/^A tag /, '')}`,
            level: 'error',
          });
      }
      return;
    }
    if (v === '') return;
    if (field === 'email') {
      if (!emailSchema.safeParse(v).success)
        issues.push({ row, column: `${label} (${heading(i)})`, message: `“${v.slice(0, 80)}” is not an email address`, level: 'error' });
      else d.email = v;
      return;
    }
    const problem = checkField(field, v);
    if (problem) issues.push({ row, column: `${label} (${heading(i)})`, message: `${label} ${problem}`, level: 'error' });
    else d[field] = field === 'postcode' ? v.toUpperCase().replace(/\s+/g, ' ') : field === 'constituency' ? v.toUpperCase() : v;
  });
  const emailColumn = s.columns.indexOf('email');
  if (!d.email && !issues.some((x) => x.level === 'error' && x.column.startsWith(FIELD_LABELS.email))) {
    issues.push({
      row,
      column: `${FIELD_LABELS.email} (${heading(emailColumn)})`,
      message: 'There is no email address in this row',
      level: 'error',
    });
  }
  const failed = issues.some((x) => x.level === 'error');
  if (failed || !d.email) return { details: undefined, index: undefined, tags, issues };
  if (s.tag) tags.push(s.tag);
  return {
    details: {
      email: d.email,
      firstName: d.firstName,
      lastName: d.lastName,
      postcode: d.postcode,
      phone: d.phone,
      address: d.address,
      constituencyCode: d.constituency,
    },
    index: emailIndex(core.keyring, d.email),
    tags: [...new Set(tags)],
    issues,
  };
}

/** Walks the data rows, checking each and recognising repeats of an address: both jobs see the file identically. */
async function* checkedRows(core: Core, imp: SupporterImportRow, s: ImportSettings, onBytes?: (n: number) => void) {
  const seen = new Map<string, number>();
  for await (const { row, cells } of fileRecords(core, imp, s, onBytes)) {
    if (row === 1 && s.header) continue;
    if (cells.every((c) => c.trim() === '')) continue;
    const checked = checkRow(core, s, row, cells);
    let duplicateOf: number | undefined;
    if (checked.index) {
      duplicateOf = seen.get(checked.index);
      if (duplicateOf === undefined) seen.set(checked.index, row);
    }
    yield { row, checked, duplicateOf };
  }
}

function emptyReport(): ImportReport {
  return {
    rows: 0,
    valid: 0,
    create: 0,
    update: 0,
    invalid: 0,
    duplicates: 0,
    erased: 0,
    flagged: 0,
    unsubscribed: 0,
    issues: [],
    issuesTotal: 0,
  };
}

function note(report: ImportReport, issue: ImportIssue): void {
  report.issuesTotal++;
  if (report.issues.length < MAX_ISSUES) report.issues.push(issue);
}

function loadForJob(
  core: Core,
  r: SupporterImportRow | undefined,
  status: SupporterImportStatus,
): { imp: SupporterImportRow; settings: ImportSettings } | undefined {
  if (!r || r.status !== status || r.settings_enc === null) return undefined;
  return { imp: r, settings: ImportSettingsSchema.parse(JSON.parse(core.keyring.decrypt(r.settings_enc))) };
}

/** The check (dry run): reads every row, reports problems and what would happen, and stores no supporter data. */
export async function checkSupporterImport(core: Core, importId: number): Promise<void> {
  const loaded = loadForJob(core, await findImport(core.db, importId), 'checking');
  if (!loaded) return;
  const { imp, settings } = loaded;
  const listNames = new Map((await findListsByIds(core.db, settings.listIds)).map((l) => [l.id, l.name]));
  const report = emptyReport();
  let bytesDone = 0;
  let pending: Array<{ row: number; index: string }> = [];
  const flush = async (rowsDone: number) => {
    const indexes = pending.map((p) => p.index);
    const [existing, suppressed] = await Promise.all([
      findSupporterIdsByEmailIndexes(core.db, indexes),
      findSuppressions(core.db, indexes),
    ]);
    const left = new Map<number, number[]>();
    for (const sub of await listSubscriptionsOfMany(core.db, [...existing.values()], settings.listIds)) {
      if (sub.status === 'unsubscribed') left.set(sub.supporter_id, [...(left.get(sub.supporter_id) ?? []), sub.list_id]);
    }
    for (const p of pending) {
      const id = existing.get(p.index);
      if (id === undefined && suppressed.get(p.index) === 'erased') {
        report.erased++;
        report.valid--;
        note(report, {
          row: p.row,
          column: '',
          message: 'This person asked for their data to be erased, so they are not imported again',
          level: 'warning',
        });
        continue;
      }
      if (id === undefined) {
        report.create++;
        continue;
      }
      report.update++;
      for (const listId of left.get(id) ?? []) {
        report.unsubscribed++;
        note(report, {
          row: p.row,
          column: '',
          message: `Unsubscribed from ${listNames.get(listId) ?? 'a list'} earlier: they stay unsubscribed`,
          level: 'warning',
        });
      }
    }
    pending = [];
    await updateImport(core.db, imp.id, { rows_done: rowsDone, bytes_done: bytesDone, updated_at: Date.now() }, ['checking']);
    await breathe();
  };
  try {
    for await (const { row, checked, duplicateOf } of checkedRows(core, imp, settings, (n) => (bytesDone += n))) {
      report.rows++;
      for (const issue of checked.issues) {
        if (issue.level === 'warning') report.flagged++;
        note(report, issue);
      }
      if (!checked.details || !checked.index) {
        report.invalid++;
        continue;
      }
      if (duplicateOf !== undefined) {
        report.duplicates++;
        note(report, {
          row,
          column: FIELD_LABELS.email,
          message: `The same email address as row ${duplicateOf}: only row ${duplicateOf} is imported`,
          level: 'warning',
        });
        continue;
      }
      report.valid++;
      pending.push({ row, index: checked.index });
      if (pending.length >= CHECK_BATCH) await flush(report.rows);
    }
    await flush(report.rows);
  } catch (err) {
    if (!(err instanceof ImportFileError)) throw err;
    report.fatal = { line: err.line, message: err.message };
  }
  report.issues.sort((a, b) => a.row - b.row);
  await updateImport(
    core.db,
    imp.id,
    {
      status: 'checked',
      report_enc: core.keyring.encrypt(JSON.stringify(report)),
      rows_total: report.rows,
      rows_done: report.rows,
      bytes_done: imp.bytes,
      updated_at: Date.now(),
    },
    ['checking'],
  );
}

/**
 * The import itself: the same rows the check accepted, in batches of IMPORT_BATCH, each batch and the position
 * reached committed together, so a crash resumes after the last committed row. Existing supporters get the given
 * fields replaced (blank cells leave what is there); consent is granted only on lists they are not subscribed to,
 * and never again on a list they left; addresses erased at the person's request are skipped.
 */
export async function importSupportersFromFile(core: Core, importId: number): Promise<void> {
  const loaded = loadForJob(core, await findImport(core.db, importId), 'importing');
  if (!loaded) return;
  const { imp, settings } = loaded;
  const source =
    settings.basis === 'consent'
      ? `import ${imp.id}: consent given ${settings.consentDate ?? ''}; ${settings.evidence}`
      : `import ${imp.id}: charity soft opt-in; ${settings.evidence}`;
  const counts: ImportCounts = { created: 0, updated: 0, skipped: 0, consents: 0, ...parseJson<ImportCounts>(imp.counts) };
  const resumeAfter = imp.rows_done;
  let ordinal = 0;
  let batch: Array<{ details: SupporterDetails; index: string; tags: string[] }> = [];

  const flush = async (position: number) => {
    const rows = batch;
    batch = [];
    await core.db.transaction().execute(async (trx) => {
      const indexes = rows.map((r) => r.index);
      const [existing, suppressed] = await Promise.all([findSupporterIdsByEmailIndexes(trx, indexes), findSuppressions(trx, indexes)]);
      const keep = rows.filter((r) => existing.has(r.index) || suppressed.get(r.index) !== 'erased');
      counts.skipped += rows.length - keep.length;
      const saved = await upsertSupportersInBulk(
        trx,
        core.keyring,
        keep.map((r) => r.details),
        { source: 'import', confirmed: true },
      );
      for (const r of saved) {
        if (r.created) counts.created++;
        else counts.updated++;
      }
      await addTagsOfMany(
        trx,
        keep.map((r, i) => ({ supporterId: saved[i]!.id, tags: r.tags })),
      );
      const states = new Map<number, Map<number, string>>();
      for (const sub of await listSubscriptionsOfMany(
        trx,
        saved.map((x) => x.id),
        settings.listIds,
      )) {
        states.set(sub.supporter_id, (states.get(sub.supporter_id) ?? new Map()).set(sub.list_id, sub.status));
      }
      // Granted only where they have no subscription yet, or one still waiting: never again where they left.
      const grants = saved.map(({ id }) => {
        const mine = states.get(id) ?? new Map<number, string>();
        return { supporterId: id, listIds: settings.listIds.filter((l) => !mine.has(l) || mine.get(l) === 'pending') };
      });
      await recordConsentForMany(trx, { grants, change: 'granted', basis: settings.basis, source });
      counts.consents += grants.reduce((n, g) => n + g.listIds.length, 0);
      await updateImport(trx, imp.id, { rows_done: position, counts: JSON.stringify(counts), updated_at: Date.now() });
    });
    await breathe();
  };

  try {
    for await (const { checked, duplicateOf } of checkedRows(core, imp, settings)) {
      ordinal++;
      if (ordinal <= resumeAfter) continue;
      if (checked.details && checked.index && duplicateOf === undefined)
        batch.push({ details: checked.details, index: checked.index, tags: checked.tags });
      else counts.skipped++;
      if (batch.length >= IMPORT_BATCH) await flush(ordinal);
    }
    await flush(ordinal);
  } catch (err) {
    if (err instanceof ImportFileError) throw new PermanentJobError(err.message);
    throw err;
  }
  await core.db.transaction().execute(async (trx) => {
    await updateImport(
      trx,
      imp.id,
      { status: 'imported', rows_done: ordinal, counts: JSON.stringify(counts), finished_at: Date.now(), updated_at: Date.now() },
      ['importing'],
    );
    await deleteImportChunks(trx, imp.id);
    await recordAudit(trx, { staffId: null, action: 'supporters.import.finish', target: `import ${imp.id}`, details: { ...counts } });
  });
}

/** Deletes uploads past their 24 hours, and the findings (which quote cells) of finished imports. */
export async function deleteExpiredSupporterImports(core: Core, now = Date.now()): Promise<number> {
  let n = 0;
  for (const imp of await findExpiredImports(core.db, now)) {
    if (imp.status === 'importing') continue;
    if (imp.status === 'imported') {
      await deleteImportChunks(core.db, imp.id);
      await updateImport(core.db, imp.id, { report_enc: null, settings_enc: null, expires_at: Number.MAX_SAFE_INTEGER, updated_at: now });
    } else {
      await deleteImportRow(core.db, imp.id);
    }
    n++;
  }
  return n;
}

const JobPayload = z.object({ importId: z.number().int().positive() });

/** Wraps an import job: a bad payload is permanent; the last failed attempt marks the import failed for staff. */
function importJob(core: Core, status: 'checking' | 'importing', run: (core: Core, id: number) => Promise<void>): JobHandler {
  return async (payload: unknown, ctx: JobContext) => {
    const p = JobPayload.safeParse(payload);
    if (!p.success) throw new PermanentJobError('bad payload');
    try {
      await run(core, p.data.importId);
    } catch (err) {
      if (err instanceof PermanentJobError || ctx.attempt >= ctx.maxAttempts) {
        const message =
          err instanceof PermanentJobError
            ? err.message
            : 'The work stopped with an error. Try again; if it happens again, ask whoever runs Lantern to look at the jobs page.';
        await updateImport(core.db, p.data.importId, { status: 'failed', error: message, updated_at: Date.now() }, [status]);
      }
      throw err;
    }
  };
}

/** The import's background jobs. */
export function importJobs(core: Core): Record<string, JobHandler> {
  return {
    checkSupporterImport: importJob(core, 'checking', checkSupporterImport),
    importSupportersFromFile: importJob(core, 'importing', importSupportersFromFile),
    deleteExpiredSupporterImports: async () => {
      await deleteExpiredSupporterImports(core);
    },
  };
}
