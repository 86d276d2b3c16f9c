import { auditDetails, targetId, type AuditDescriber, type AuditDescription } from '../core/audit.js';

// The events capability's audit codes in words. Targets read `event <id>`.

const WORDS: Readonly<Record<string, string>> = {
  'event.create': 'created the event',
  'event.update': 'changed the event',
  'event.cancel_date': 'cancelled a date of the event',
  'event.move_date': 'moved a date of the event',
  'event.export': 'downloaded the attendee list of the event',
  'event.message': 'emailed the attendees of the event',
  'event.check_in': 'checked someone in at the event',
  'event.walk_in': 'registered someone at the door of the event',
  'event.check_in_undo': 'undid a check-in at the event',
  'event.no_shows': 'marked those not checked in as no-shows at the event',
};

/** Puts events' audit entries in words. */
export function describeEventsAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const did = WORDS[e.action];
      if (!did) continue;
      const id = targetId(e.target, 'event');
      const title = auditDetails(e).title;
      out.set(e.id, { did, title: typeof title === 'string' ? title : undefined, href: id ? `/admin/events/${id}` : '/admin/events' });
    }
    return out;
  };
}
