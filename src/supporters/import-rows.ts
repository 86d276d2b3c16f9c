import { z } from 'zod';
import type { Core } from '../core/context.js';
import { cleanText, PROBLEM_WORDS } from '../core/text.js';
import type { SupporterImportStatus } from './tables.js';
import { normaliseTag, tagField } from './filters.js';
import type { SupporterImportRow } from './queries.js';
import { emailIndex, type SupporterDetails } from './service.js';
import {
  FIELD_LABELS,
  ImportSettingsSchema,
  MAX_ISSUES,
  fileRecords,
  type ImportField,
  type ImportIssue,
  type ImportReport,
  type ImportSettings,
} from './import-file.js';

// The rules every row is checked against (the check and the import use the same ones), and the report they fill.

// ---- checking rows (both jobs use the same rules) ------------------------------------------------------------

const FORMULA_START = /^[=+\-@\t\r]/;
const PHONE_NUMBER = /^\+[\d\s().-]+$/;

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
    // The same rules as every form's text (core/text.ts): an address keeps its lines, anything else is one line.
    const cleaned = cleanText(raw, field === 'address' ? 'multi' : 'single');
    if (!cleaned.ok) {
      issues.push({ row, column: `${label} (${heading(i)})`, message: `${label} ${PROBLEM_WORDS[cleaned.problem]}`, level: 'error' });
      return;
    }
    const v = cleaned.value.trim();
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
export async function* checkedRows(core: Core, imp: SupporterImportRow, s: ImportSettings, onBytes?: (n: number) => void) {
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

/** A report with every count at zero and no issues yet. */
export function emptyReport(): ImportReport {
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

/** Adds a row problem to the report (beyond MAX_ISSUES only the counts grow). */
export function note(report: ImportReport, issue: ImportIssue): void {
  report.issuesTotal++;
  if (report.issues.length < MAX_ISSUES) report.issues.push(issue);
}

/** The import a job is to work on and its settings, or undefined when it is gone or no longer in that state. */
export function loadForJob(
  core: Core,
  r: SupporterImportRow | undefined,
  status: SupporterImportStatus,
): { imp: SupporterImportRow; settings: ImportSettings } | undefined {
  if (!r || r.status !== status || r.settings_enc === null) return undefined;
  return { imp: r, settings: ImportSettingsSchema.parse(JSON.parse(core.keyring.decrypt(r.settings_enc))) };
}
