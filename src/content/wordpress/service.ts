import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import { pageUrl } from '../service.js';
import { getUpdateForStaff } from '../updates/service.js';
import type { ImportOptions, ImportReport } from './import.js';
import { countAttachments, findItems, findLatestImport, listAttachmentRows } from './queries.js';

// Moving in from WordPress: the contract the command (src/cli.ts) and the admin page use. The import itself is in
// import.ts, the reading of the export in wxr.ts and the conversion of posts in convert.ts.

// The import (its XML reader and HTML converter) is loaded when an import runs, not by every web process.

/** The words of an import's report, as the command prints it. */
export async function describeWordPressReport(report: ImportReport): Promise<string> {
  return (await import('./import.js')).describeReport(report);
}

/** Whether an error is an export refused as a whole (its message says why, for the person who ran the import). */
export function isRefusedExport(e: unknown): e is Error {
  return e instanceof Error && e.name === 'WxrError';
}
export type { ImportReport };

/**
 * Imports a WordPress export file (`lantern import wordpress FILE.xml [--dry-run]`). Throws WxrError with words
 * for the person running it when the file is refused; nothing is written then.
 */
export async function importWordPressFile(
  core: Core,
  file: string,
  o: Omit<ImportOptions, 'fileName'> & { fileName?: string },
): Promise<ImportReport> {
  const { importWordPress } = await import('./import.js');
  return importWordPress(core, file, { ...o, fileName: o.fileName ?? file.split(/[\\/]/).pop() ?? file });
}

/** A file the export only pointed at, for staff to fetch from the old site and upload by hand. */
export interface FileToFetch {
  title: string;
  /** Its old address, shown as text (never loaded by our pages). */
  url: string;
  /** What it belongs to on Lantern, in words, and where staff edit it, when known. */
  belongsTo: string;
  editUrl: string | null;
}

export const FILES_PER_PAGE = 100;

/** The last import's report and a page of the files still to fetch by hand. */
export async function getWordPressOverview(
  db: DbOrTrx,
  page = 1,
): Promise<{ last: (ImportReport & { finishedAt: number }) | undefined; files: FileToFetch[]; totalFiles: number; pages: number }> {
  const [last, totalFiles] = await Promise.all([findLatestImport(db), countAttachments(db)]);
  const pages = Math.max(1, Math.ceil(totalFiles / FILES_PER_PAGE));
  const p = Math.min(Math.max(1, page), pages);
  const rows = await listAttachmentRows(db, { limit: FILES_PER_PAGE, offset: (p - 1) * FILES_PER_PAGE });
  const bySource = new Map<string, string[]>();
  for (const r of rows) if (r.parent_key) bySource.set(r.source, [...(bySource.get(r.source) ?? []), r.parent_key]);
  const became = new Map<string, { kind: string; ref: string }>();
  for (const [source, keys] of bySource)
    for (const item of await findItems(db, source, [...new Set(keys)])) became.set(`${source} ${item.wp_key}`, item);
  const files: FileToFetch[] = [];
  for (const r of rows) {
    const item = r.parent_key ? became.get(`${r.source} ${r.parent_key}`) : undefined;
    let belongsTo = r.parent_key ? 'A WordPress post that was not imported' : 'Nothing in particular (the media library)';
    let editUrl: string | null = null;
    if (item?.kind === 'update') {
      const u = await getUpdateForStaff(db, Number(item.ref));
      if (u) {
        belongsTo = `The update “${u.title}”`;
        editUrl = `/admin/content/updates/${u.id}`;
      }
    } else if (item?.kind === 'page') {
      belongsTo = `The page at ${pageUrl(item.ref)}`;
      editUrl = `/admin/content/pages/${item.ref}`;
    }
    files.push({ title: r.title, url: r.url, belongsTo, editUrl });
  }
  return {
    last: last ? { ...(JSON.parse(last.report) as ImportReport), finishedAt: Number(last.finished_at) } : undefined,
    files,
    totalFiles,
    pages,
  };
}
