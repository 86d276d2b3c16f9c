import { auditDetails, targetId, type AuditDescriber, type AuditDescription } from '../core/audit.js';
import type { Core, DashboardStep } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { formatTime } from '../core/web/components.js';
import { newsletterProgress } from './service.js';
import { findNewsletterSubjects, listLatestSends, listNewslettersHeldUp } from './queries.js';

// What newsletters adds to the dashboard (the last sends with what was delivered and what failed, and sends that
// are paused or held up) and its audit codes in words.

const n = (x: number) => x.toLocaleString('en-GB');

/** The last newsletters with delivered and failed counts; paused or held-up sends need a person. */
export function newslettersDashboard(core: Core): DashboardStep {
  return async (viewer, { timeZone }) => {
    const canOpen = viewer.can('newsletters:edit');
    const [sends, heldUp] = await Promise.all([listLatestSends(core.db, 3), listNewslettersHeldUp(core.db)]);
    const rows = await Promise.all(
      sends.map(async (s) => {
        const p = await newsletterProgress(core.db, Number(s.id));
        const counts = `${n(p.sent)} delivered, ${n(p.failed)} failed`;
        const when = formatTime(s.started_at, timeZone);
        const detail =
          s.status === 'sent'
            ? `Sent ${when}: ${counts}`
            : s.status === 'cancelled'
              ? `Cancelled: ${counts}, ${n(p.skipped + p.remaining)} not sent`
              : `${s.status === 'paused' ? 'Paused' : 'Sending'}: ${counts}, ${n(p.remaining)} to go`;
        return { label: s.subject, detail, href: canOpen ? `/admin/newsletters/${s.id}` : undefined };
      }),
    );
    return {
      cards: [
        {
          title: 'Latest newsletters',
          order: 20,
          rows,
          empty: 'No newsletter has been sent yet.',
          link: canOpen ? { href: '/admin/newsletters', label: 'All newsletters' } : undefined,
        },
      ],
      needs: canOpen
        ? heldUp.map((h) => ({
            label: h.status === 'paused' ? 'A newsletter is paused half-sent' : 'A newsletter is held up: the mail server is not taking it',
            count: 1,
            href: `/admin/newsletters/${h.id}`,
            detail: h.subject,
          }))
        : [],
    };
  };
}

const WORDS: Record<string, string> = {
  'newsletter.create': 'started the newsletter',
  'newsletter.update': 'edited the newsletter',
  'newsletter.delete': 'deleted a draft newsletter',
  'newsletter.send': 'sent the newsletter',
  'newsletter.schedule': 'scheduled the newsletter',
  'newsletter.unschedule': 'took the schedule off the newsletter',
  'newsletter.pause': 'paused the newsletter',
  'newsletter.resume': 'resumed the newsletter',
  'newsletter.cancel': 'cancelled the newsletter',
};

/** Newsletters' audit codes in words, with each newsletter's subject. */
export function describeNewslettersAudit(): AuditDescriber {
  return async (db, entries) => {
    const mine = entries.filter((e) => WORDS[e.action]);
    const ids = [...new Set(mine.flatMap((e) => targetId(e.target, 'newsletter') ?? []))];
    const subjects = new Map((await findNewsletterSubjects(db, ids)).map((r) => [Number(r.id), r.subject]));
    const { timeZone } = await getSiteSettings(db);
    const out = new Map<number, AuditDescription>();
    for (const e of mine) {
      const id = targetId(e.target, 'newsletter');
      const subject = id === undefined ? undefined : subjects.get(id);
      const d = auditDetails(e);
      out.set(e.id, {
        did: WORDS[e.action]!,
        title: subject,
        href: subject ? `/admin/newsletters/${id}` : undefined,
        more:
          typeof d.recipients === 'number'
            ? `to ${n(d.recipients)} supporters`
            : typeof d.at === 'string'
              ? `for ${formatTime(Date.parse(d.at), timeZone)}`
              : undefined,
      });
    }
    return out;
  };
}
