import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { LawfulBasis } from './tables.js';
import { DomainError } from '../core/web/errors.js';
import { formValues, multilineText, parseForm, type FormResult } from '../core/web/forms.js';
import { recordAudit } from '../core/audit.js';
import { tagField } from './filters.js';
import { deleteImportRow, findListsByIds, updateImport } from './queries.js';
import { ENCODINGS, FIELD_LABELS, IMPORT_FIELDS, ImportSettingsSchema, type ColumnChoice, type FileEncoding } from './import-file.js';
import { getImport } from './import-upload.js';

// Stage 2 of an import: the columns and the lawful basis staff choose, then starting the check, confirming the
// import, or deleting it.

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
  evidence: multilineText('where, when and how they agreed', { max: 1000 }),
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
export const breathe = () => new Promise<void>((resolve) => setImmediate(resolve));
