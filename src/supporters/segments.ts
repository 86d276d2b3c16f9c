import { z } from 'zod';
import type { Core } from '../core/context.js';
import type { Db, DbOrTrx } from '../core/db/index.js';
import { getSiteSettings } from '../core/settings.js';
import { text } from '../core/web/forms.js';
import { DomainError } from '../core/web/errors.js';
import { recordAudit } from '../core/audit.js';
import { SegmentFiltersSchema, toSupporterFilters, type SegmentFilters } from './filters.js';
import {
  countSupporters,
  deleteSegmentRow,
  findSegment,
  insertSegment,
  listSegmentRows,
  renameSegmentRow,
  type SegmentRow,
  type SupporterFilters,
} from './queries.js';

// Saved segments: a name for a set of filters, used to find people again and as a newsletter's audience. The
// filters are JSON checked by zod when saved and again whenever they are read: a segment whose filters cannot be
// read is an error, never "no filters", because that would widen a newsletter's audience to the whole list.

export interface Segment {
  id: number;
  name: string;
  filters: SegmentFilters;
  createdAt: number;
  updatedAt: number;
}

/** The name field of a segment. */
export const SegmentNameSchema = z.object({ name: text('a name for the segment', { max: 100 }) });

function rowToSegment(r: SegmentRow): Segment {
  let raw: unknown;
  try {
    raw = JSON.parse(r.filters);
  } catch {
    raw = undefined;
  }
  const parsed = SegmentFiltersSchema.safeParse(raw);
  if (!parsed.success) throw new DomainError('invalid', `The filters of segment ${r.id} cannot be read; delete it and save it again.`);
  return { id: r.id, name: r.name, filters: parsed.data, createdAt: r.created_at, updatedAt: r.updated_at };
}

/** Every segment by name (a segment with unreadable filters makes this throw rather than be shown without them). */
export async function listSegments(db: DbOrTrx): Promise<Segment[]> {
  return (await listSegmentRows(db)).map(rowToSegment);
}

/** One segment, or a not-found error. */
async function getSegment(db: DbOrTrx, id: number): Promise<Segment> {
  const r = await findSegment(db, id);
  if (!r) throw new DomainError('not_found', 'There is no such segment.');
  return rowToSegment(r);
}

/** The query filters a saved segment stands for (for newsletters' audiences and the supporters page). */
export async function segmentFilters(db: Db, segmentId: number): Promise<SupporterFilters> {
  const segment = await getSegment(db, segmentId);
  const { timeZone } = await getSiteSettings(db);
  return toSupporterFilters(segment.filters, timeZone);
}

/** How many supporters each segment matches now. */
export async function countSegmentMembers(db: Db, segments: readonly Segment[]): Promise<Map<number, number>> {
  const { timeZone } = await getSiteSettings(db);
  const counts = await Promise.all(segments.map((s) => countSupporters(db, toSupporterFilters(s.filters, timeZone))));
  return new Map(segments.map((s, i) => [s.id, counts[i]!]));
}

/** Saves filters under a name; returns the new segment's id. */
export async function createSegment(core: Core, staffId: number, o: { name: string; filters: SegmentFilters }): Promise<number> {
  const filters = SegmentFiltersSchema.parse(o.filters);
  return core.db.transaction().execute(async (trx) => {
    const id = await insertSegment(trx, { name: o.name, filters: JSON.stringify(filters), createdBy: staffId, at: Date.now() });
    await recordAudit(trx, { staffId, action: 'segment.create', target: `segment ${id}`, details: { filters } });
    return id;
  });
}

/** Renames a segment. */
export async function renameSegment(core: Core, staffId: number, id: number, name: string): Promise<void> {
  await getSegment(core.db, id);
  await core.db.transaction().execute(async (trx) => {
    await renameSegmentRow(trx, id, name, Date.now());
    await recordAudit(trx, { staffId, action: 'segment.rename', target: `segment ${id}` });
  });
}

/**
 * Deletes a segment, unless something not yet done is addressed to it (a newsletter not yet sent: deleting the
 * segment would silently turn that newsletter's audience into the whole list). Each capability says why through
 * its segmentUse step.
 */
export async function deleteSegment(core: Core, staffId: number, id: number): Promise<void> {
  if (!(await findSegment(core.db, id))) throw new DomainError('not_found', 'There is no such segment.');
  for (const inUse of core.segmentUses ?? []) {
    const why = await inUse(core.db, id);
    if (why !== undefined) throw new DomainError('conflict', why);
  }
  await core.db.transaction().execute(async (trx) => {
    await deleteSegmentRow(trx, id);
    await recordAudit(trx, { staffId, action: 'segment.delete', target: `segment ${id}` });
  });
}
