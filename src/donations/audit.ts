import { describeGiftAidAudit } from './gift-aid-views.js';
import { auditDetails, targetId, type AuditDescriber, type AuditDescription } from '../core/audit.js';
import { formatPounds } from './figures.js';

// The donations capability's audit codes (the staff side's) in words. Targets read `donation <id>` or `fund <id>`;
// details never hold anyone's name or email, only amounts, counts and a fund's name.

const WORDS: Readonly<Record<string, string>> = {
  'donations.gift.record': 'recorded an offline gift',
  'donations.gift.refund': 'refunded a gift',
  'donations.export': 'downloaded the gifts as a spreadsheet',
  'donations.fund.create': 'created the fund',
  'donations.fund.update': 'changed the fund',
  'donations.settings.update': 'changed the giving settings',
  'donations.events.retry': 'asked Lantern to try the parked payments again',
};

const n = (x: number) => x.toLocaleString('en-GB');

/** A few words more about an entry, from its details. */
function moreOf(action: string, d: Record<string, unknown>): string | undefined {
  if ((action === 'donations.gift.record' || action === 'donations.gift.refund') && typeof d.amountPence === 'number')
    return action === 'donations.gift.refund' && d.online === true
      ? `${formatPounds(d.amountPence)}, through the payment provider`
      : formatPounds(d.amountPence);
  if (action === 'donations.export' && typeof d.rows === 'number')
    return `${n(d.rows)} ${d.rows === 1 ? 'gift' : 'gifts'}${d.names === true ? ', with names and emails' : ''}`;
  return undefined;
}

/** Puts donations' staff audit entries in words. */
export function describeDonationsAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const did = WORDS[e.action];
      if (!did) continue;
      const d = auditDetails(e);
      const gift = targetId(e.target, 'donation');
      const fund = targetId(e.target, 'fund');
      const name = typeof d.name === 'string' ? d.name : undefined;
      out.set(e.id, {
        did,
        title: fund !== undefined ? name : undefined,
        subject: gift !== undefined ? `gift ${gift}` : undefined,
        href:
          gift !== undefined
            ? `/admin/donations/${gift}`
            : fund !== undefined
              ? `/admin/donations/funds/${fund}`
              : e.action === 'donations.settings.update'
                ? '/admin/donations/settings'
                : '/admin/donations',
        more: moreOf(e.action, d),
      });
    }
    return out;
  };
}

/** Puts every donations audit entry in words: gifts, funds and exports, then Gift Aid declarations and claims. */
export function describeAllDonationsAudit(): AuditDescriber {
  const gifts = describeDonationsAudit();
  const giftAid = describeGiftAidAudit();
  return async (db, entries) => {
    const out = await gifts(db, entries);
    const rest = entries.filter((e) => !out.has(e.id));
    if (rest.length > 0) for (const [id, words] of await giftAid(db, rest)) out.set(id, words);
    return out;
  };
}
