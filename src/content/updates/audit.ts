import { auditDetails, targetId, type AuditDescriber, type AuditDescription } from '../../core/audit.js';
import { listCategoryNames, listUpdateTitles } from './queries.js';

// The audit codes of updates in words, after the name of who did it ("Amina published the update ‘Vigil report’").

/** What each audit code of updates, categories, tags and warning reasons says. */
export const updatesAuditWords: Readonly<Record<string, string>> = {
  'update.create': 'wrote the update',
  'update.import': 'imported the update',
  'update.save': 'saved the update',
  'update.publish': 'published the update',
  'update.publish_scheduled': 'published the scheduled update',
  'update.schedule': 'scheduled the update',
  'update.unpublish': 'took off the website the update',
  'update.restore': 'restored an earlier revision of the update',
  'update.preview_link': 'made a private preview link for the update',
  'update.preview_revoke': 'stopped the private preview link of the update',
  'category.create': 'added the category',
  'category.save': 'changed the category',
  'category.delete': 'deleted the category',
  'tag.merge': 'merged tags',
  'tag.delete': 'deleted the tag',
  'warning_reason.add': 'added the content warning reason',
  'warning_reason.rename': 'renamed a content warning reason to',
  'warning_reason.retire': 'retired a content warning reason',
  'warning_reason.restore': 'offered again a content warning reason',
  'warning_reason.move': 'reordered the content warning reasons',
};

/** Puts the audit entries of updates in words, with the titles of the updates and categories they name. */
export function describeUpdatesAudit(): AuditDescriber {
  return async (db, entries) => {
    const mine = entries.filter((e) => updatesAuditWords[e.action]);
    const updateIds = [...new Set(mine.flatMap((e) => targetId(e.target, 'update') ?? []))];
    const categoryIds = [...new Set(mine.flatMap((e) => targetId(e.target, 'category') ?? []))];
    const [titles, names] = await Promise.all([listUpdateTitles(db, updateIds), listCategoryNames(db, categoryIds)]);
    const title = new Map(titles.map((r) => [Number(r.id), r.title]));
    const name = new Map(names.map((r) => [Number(r.id), r.name]));
    const out = new Map<number, AuditDescription>();
    for (const e of mine) {
      const d = auditDetails(e);
      const u = targetId(e.target, 'update');
      const c = targetId(e.target, 'category');
      const words: AuditDescription = { did: updatesAuditWords[e.action]!, ...(e.staffId === null ? { who: 'Lantern' } : {}) };
      if (u !== undefined)
        Object.assign(words, { title: title.get(u) ?? `update ${u}`, href: title.has(u) ? `/admin/content/updates/${u}` : undefined });
      else if (c !== undefined) Object.assign(words, { title: name.get(c) ?? (typeof d.name === 'string' ? d.name : `category ${c}`) });
      else if (typeof d.label === 'string') words.title = d.label;
      else if (typeof d.name === 'string') words.title = d.name;
      if (e.action === 'tag.merge' && typeof d.from === 'string' && typeof d.into === 'string') words.more = `“${d.from}” into “${d.into}”`;
      if ((e.action === 'update.save' || e.action === 'category.save') && typeof d.to === 'string')
        words.more = `its address is now ${d.to}`;
      out.set(e.id, words);
    }
    return out;
  };
}
