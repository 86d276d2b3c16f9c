import { z } from 'zod';
import type { Core } from '../core/context.js';
import { PermanentJobError, type JobContext, type JobHandler } from '../core/jobs/worker.js';
import { recordAudit } from '../core/audit.js';
import {
  addTagsOfMany,
  deleteImportChunks,
  deleteImportRow,
  findExpiredImports,
  findImport,
  findListsByIds,
  findSupporterIdsByEmailIndexes,
  findSuppressions,
  listSubscriptionsOfMany,
  updateImport,
} from './queries.js';
import { recordConsentForMany, upsertSupportersInBulk, type SupporterDetails } from './service.js';
import { CHECK_BATCH, FIELD_LABELS, IMPORT_BATCH, ImportFileError, type ImportCounts } from './import-file.js';
import { breathe } from './import-mapping.js';
import { checkedRows, emptyReport, loadForJob, note } from './import-rows.js';
import { parseJson } from './import-upload.js';

// CSV import, in explicit stages: upload (the file is stored encrypted, in chunks), map the columns and give the
// lawful basis, check (a background job reads the whole file and reports per row, storing nothing), confirm (a
// second job imports in committed batches, resuming after a crash from the last committed row). The file is
// deleted once imported, or after 24 hours. Importing the same file twice changes nothing the second time:
// supporters are matched by their address's blind index, and consent is recorded once per list.
// The stages live in import-file.ts (reading a stored file), import-upload.ts, import-mapping.ts and
// import-rows.ts (the rules for each row); this file runs the two jobs: the check and the import.

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

/** How long an import's file is kept (re-exported for the tests and the job's callers). */
export { IMPORT_KEEP_MS } from './import-file.js';
