import { auditDetails, targetId, type AuditDescriber, type AuditDescription, type AuditRecord } from '../core/audit.js';
import type { Core, DashboardStep, NeedsAPerson } from '../core/context.js';
import { kindModule, type Kinds } from './kinds.js';
import { listActionSubjects, listCampaignTitles } from './queries.js';
import { actionTitles, listPublicActions } from './service.js';

// What actions add to the dashboard (the open actions with their counts and deadlines; from each kind, what waits
// for staff) and the audit codes of the frame and its kinds in words. The kinds are handed in, never imported.

const n = (x: number) => x.toLocaleString('en-GB');
/** A deadline's day ("31 Aug 2026"): a calendar day, so read in UTC at noon whatever the time zone. */
const dayFormat = new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'short', year: 'numeric' });

/** "petition", "letter to MPs": a kind's label as it reads inside a sentence. */
const inSentence = (label: string) => label.charAt(0).toLowerCase() + label.slice(1);

/** The open actions card, and every kind's waiting items, for this viewer. */
export function actionsDashboard(kinds: Kinds) {
  return (core: Core): DashboardStep =>
    async (viewer, { now }) => {
      const canEdit = viewer.can('actions:edit');
      const open = await listPublicActions(core.db);
      const rows = open.map((a) => {
        const noun = kindModule(kinds, a.kind).noun;
        const count = `${n(a.count)} ${a.count === 1 ? noun[0] : noun[1]}${a.goal ? ` of ${n(a.goal)}` : ''}`;
        const deadline =
          a.deadline === null || a.closesAt === null
            ? 'no deadline'
            : a.closesAt <= now
              ? 'deadline passed, closing'
              : `closes ${dayFormat.format(new Date(`${a.deadline}T12:00:00Z`))}`;
        return { label: a.title, detail: `${count} · ${deadline}`, href: canEdit ? `/admin/actions/${a.id}` : undefined };
      });
      const waiting = (await Promise.all(kinds.map((k) => k.waiting?.(core.db) ?? Promise.resolve([])))).flat();
      const shown = waiting.filter((w) => viewer.can(w.permission));
      const titles = await actionTitles(
        core.db,
        shown.map((w) => w.actionId),
      );
      const needs: NeedsAPerson[] = shown.map((w) => ({ label: w.label, count: w.count, href: w.href, detail: titles.get(w.actionId) }));
      return {
        cards: [
          {
            title: 'Open actions',
            order: 30,
            rows,
            empty: 'No action is open at the moment.',
            link: canEdit ? { href: '/admin/actions', label: 'All campaigns and actions' } : undefined,
          },
        ],
        needs,
      };
    };
}

const FRAME_WORDS: Record<string, string> = {
  'action.create': 'created the #',
  'action.update': 'edited the #',
  'action.open': 'opened the #',
  'action.close': 'closed the #',
  'action.reopen': 'reopened the #',
  'action.unpublish': 'took back to draft the #',
  'action.update_posted': 'posted an update on the #',
  'action.update_deleted': 'removed an update from the #',
  'action.targets': 'set the targets of the #',
};
const CAMPAIGN_WORDS: Record<string, string> = { 'campaign.create': 'created the campaign', 'campaign.update': 'edited the campaign' };

/** The action an entry is about: its target ("action 12"), or the action its details name (a letter's, a sign-on's). */
function actionIdOf(e: AuditRecord): number | undefined {
  const d = auditDetails(e);
  const fromDetails = typeof d.action === 'number' ? d.action : typeof d.actionId === 'number' ? d.actionId : undefined;
  return targetId(e.target, 'action') ?? fromDetails;
}

/** The frame's and every kind's audit codes in words, with the titles of the actions and campaigns. */
export function describeActionsAudit(kinds: Kinds) {
  const kindWords: Record<string, string> = Object.assign({}, ...kinds.map((k) => k.auditWords ?? {}));
  return (_core: Core): AuditDescriber =>
    async (db, entries) => {
      const mine = entries.filter((e) => FRAME_WORDS[e.action] || CAMPAIGN_WORDS[e.action] || kindWords[e.action]);
      const actionIds = [...new Set(mine.flatMap((e) => (CAMPAIGN_WORDS[e.action] ? [] : (actionIdOf(e) ?? []))))];
      const campaignIds = [...new Set(mine.flatMap((e) => (CAMPAIGN_WORDS[e.action] ? (targetId(e.target, 'campaign') ?? []) : [])))];
      const [actions, campaigns] = await Promise.all([listActionSubjects(db, actionIds), listCampaignTitles(db, campaignIds)]);
      const actionById = new Map(actions.map((a) => [Number(a.id), a]));
      const campaignTitle = new Map(campaigns.map((c) => [Number(c.id), c.title]));
      const out = new Map<number, AuditDescription>();
      for (const e of mine) {
        const d = auditDetails(e);
        if (CAMPAIGN_WORDS[e.action]) {
          const id = targetId(e.target, 'campaign');
          const title = id === undefined ? undefined : campaignTitle.get(id);
          out.set(e.id, { did: CAMPAIGN_WORDS[e.action]!, title, href: title ? `/admin/campaigns/${id}` : undefined });
          continue;
        }
        const id = actionIdOf(e);
        const a = id === undefined ? undefined : actionById.get(id);
        const kindLabel = a ? inSentence(kindModule(kinds, a.kind).label) : 'action';
        const words = FRAME_WORDS[e.action] ?? kindWords[e.action]!;
        out.set(e.id, {
          did: words.replace('#', kindLabel),
          title: a?.title,
          subject: a ? undefined : 'an action that no longer exists',
          href: a ? `/admin/actions/${id}` : undefined,
          more:
            typeof d.rows === 'number'
              ? `${n(d.rows)} rows`
              : typeof d.count === 'number' && e.action === 'action.targets'
                ? `${n(d.count)} targets`
                : undefined,
        });
      }
      return out;
    };
}
