import { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { parse as parseSync } from 'csv-parse/sync';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { SupporterImportStatus } from './tables.js';
import { findImportChunk } from './queries.js';

// The import's vocabulary (fields, encodings, settings, what a page shows) and how a stored file is read back:
// decoded, split into records, its delimiter and columns guessed for the preview.

/** The largest file accepted. */
export const UPLOAD_LIMIT_BYTES = 60 * 1024 * 1024;
/** The file is stored and read in pieces of this size, so a big file never sits in memory whole. */
export const CHUNK_BYTES = 1024 * 1024;
/** How long an upload is kept waiting for confirmation. */
export const IMPORT_KEEP_MS = 24 * 3600_000;
/** At most this many row problems are kept for the report (the counts are always complete). */
export const MAX_ISSUES = 1000;
const MAX_COLUMNS = 100;
export const CHECK_BATCH = 500;
export const IMPORT_BATCH = 500;

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
export const ImportSettingsSchema = z.object({
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
export const bytesToText = (b: Buffer) => b.toString('latin1');
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
export async function* fileRecords(
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
