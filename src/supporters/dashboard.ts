import { auditDetails, targetId, type AuditDescriber, type AuditDescription, type AuditRecord } from '../core/audit.js';
import type { Core, DashboardStep, NeedsAPerson } from '../core/context.js';
import { startOfMonth } from '../core/time.js';
import { displayName } from './admin-service.js';
import {
  countSupportersForDashboard,
  findImportFileNames,
  findListsByIds,
  findSegmentNames,
  findSupporterNames,
  listImportsWaiting,
} from './queries.js';

// What supporters adds to the dashboard (its figures, and imports waiting for staff) and its audit codes in words.

const n = (x: number) => x.toLocaleString('en-GB');

/** The supporters card (how many, how many joined this month, how many have still to confirm) and imports waiting. */
export function supportersDashboard(core: Core): DashboardStep {
  return async (viewer, { timeZone, now }) => {
    const counts = await countSupportersForDashboard(core.db, startOfMonth(now, timeZone));
    const list = viewer.can('supporters:view') ? '/admin/supporters' : undefined;
    const needs: NeedsAPerson[] = [];
    if (viewer.can('supporters:import')) {
      for (const imp of await listImportsWaiting(core.db, now)) {
        const file = core.keyring.decrypt(imp.filename_enc);
        needs.push({
          label:
            imp.status === 'checked'
              ? `An import of ${imp.rows_total === null ? 'supporters' : `${n(imp.rows_total)} rows`} is checked and waiting for you to confirm it`
              : 'An uploaded import is waiting for its columns to be matched',
          count: 1,
          href: `/admin/supporters/import/${imp.id}`,
          detail: file,
        });
      }
    }
    return {
      cards: [
        {
          title: 'Supporters',
          order: 10,
          figures: [
            { label: 'Supporters', value: n(counts.confirmed), detail: 'who confirmed their address', href: list },
            {
              label: 'New this month',
              value: counts.since > 0 ? `+${n(counts.since)}` : '0',
              href: list,
              detail: 'confirmed since the 1st',
            },
            { label: 'Waiting to confirm', value: n(counts.unconfirmed), detail: 'signed up, have not clicked the link yet' },
          ],
          link: list ? { href: list, label: 'Find supporters' } : undefined,
        },
      ],
      needs,
    };
  };
}

const SUPPORTER_WORDS: Record<string, string> = {
  'supporter.update': 'changed the details of',
  'supporter.tag': 'tagged',
  'supporter.untag': 'took a tag off',
  'supporter.erase': 'erased',
  'supporter.data_export_sent': 'sent a copy of their data to',
};
const LIST_WORDS: Record<string, string> = {
  'list.create': 'created the mailing list',
  'list.update': 'changed the mailing list',
  'list.archive': 'archived the mailing list',
  'list.unarchive': 'reopened the mailing list',
};
const SEGMENT_WORDS: Record<string, string> = {
  'segment.create': 'saved the segment',
  'segment.rename': 'renamed the segment',
  'segment.delete': 'deleted a segment',
};
const IMPORT_WORDS: Record<string, string> = {
  'supporters.import.upload': 'uploaded the supporter import',
  'supporters.import.check': 'had the supporter import checked:',
  'supporters.import.confirm': 'confirmed the supporter import',
  'supporters.import.finish': 'finished importing',
  'supporters.import.delete': 'deleted the supporter import',
};

const rows = (v: unknown) => (typeof v === 'number' ? `${n(v)} rows` : undefined);

/** Supporters' audit codes in words, with the supporters', lists', segments' and imports' names. */
export function describeSupportersAudit(core: Core): AuditDescriber {
  return async (db, entries) => {
    const ids = (noun: string) => [...new Set(entries.flatMap((e) => targetId(e.target, noun) ?? []))];
    const [people, lists, segments, imports] = await Promise.all([
      findSupporterNames(db, ids('supporter')),
      findListsByIds(db, ids('list')),
      findSegmentNames(db, ids('segment')),
      findImportFileNames(db, ids('import')),
    ]);
    const personName = new Map(
      people.map((p) => [
        Number(p.id),
        displayName({
          firstName: p.first_name_enc === null ? null : core.keyring.decrypt(p.first_name_enc),
          lastName: p.last_name_enc === null ? null : core.keyring.decrypt(p.last_name_enc),
          erasedAt: p.erased_at,
        }),
      ]),
    );
    const listName = new Map(lists.map((l) => [Number(l.id), l.name]));
    const segmentName = new Map(segments.map((s) => [Number(s.id), s.name]));
    const fileName = new Map(imports.map((i) => [Number(i.id), core.keyring.decrypt(i.filename_enc)]));
    const describe = (e: AuditRecord): AuditDescription | undefined => {
      const d = auditDetails(e);
      const tag = typeof d.tag === 'string' ? d.tag : undefined;
      if (SUPPORTER_WORDS[e.action]) {
        const id = targetId(e.target, 'supporter');
        const name = id === undefined ? 'a supporter' : (personName.get(id) ?? 'a deleted supporter');
        return {
          did: SUPPORTER_WORDS[e.action]!,
          subject: name,
          href: id !== undefined && personName.has(id) ? `/admin/supporters/${id}` : undefined,
          more: tag ? `tag “${tag}”` : undefined,
        };
      }
      if (e.action === 'supporters.tag' || e.action === 'supporters.untag')
        return {
          did: e.action === 'supporters.tag' ? `tagged “${tag ?? ''}” on` : `took the tag “${tag ?? ''}” off`,
          subject: e.target ?? 'supporters',
        };
      if (e.action === 'supporters.export') return { did: 'exported', subject: e.target ?? 'supporters', more: 'CSV download' };
      if (LIST_WORDS[e.action]) {
        const id = targetId(e.target, 'list');
        const name = id === undefined ? undefined : listName.get(id);
        return {
          did: LIST_WORDS[e.action]!,
          title: name,
          subject: name ? undefined : (e.target ?? undefined),
          href: id ? `/admin/lists/${id}` : undefined,
          more: d.newWording ? 'new consent wording' : undefined,
        };
      }
      if (SEGMENT_WORDS[e.action]) {
        const id = targetId(e.target, 'segment');
        const name = id === undefined ? undefined : segmentName.get(id);
        return { did: SEGMENT_WORDS[e.action]!, title: name, href: name ? '/admin/supporters/segments' : undefined };
      }
      if (IMPORT_WORDS[e.action]) {
        const id = targetId(e.target, 'import');
        const name = id === undefined ? undefined : fileName.get(id);
        return {
          did: IMPORT_WORDS[e.action]!,
          title: name,
          subject: name ? undefined : 'a supporter import',
          href: name ? `/admin/supporters/import/${id}` : undefined,
          more: rows(d.rows) ?? (typeof d.created === 'number' ? `${n(d.created)} added, ${n(Number(d.updated ?? 0))} updated` : undefined),
        };
      }
      return undefined;
    };
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const w = describe(e);
      if (w) out.set(e.id, w);
    }
    return out;
  };
}
