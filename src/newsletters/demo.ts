import type { Core } from '../core/context.js';
import { findListIdBySlug, listNewsletterAudience } from '../supporters/service.js';
import { insertDeliveries, insertNewsletter, setRecipientCount } from './queries.js';
import { slugFor } from './service.js';

// Two newsletters the fictional charity has already sent to its "Campaign updates" list, so the archive, the
// admin list and a progress page have something in them. Written for the demo; every person in them is made up.

const DAY = 24 * 3600_000;

const NEWSLETTERS = [
  {
    daysAgo: 26,
    subject: 'What the label on your jumper does not say',
    body: [
      'Dear {{first_name}},',
      '',
      'Pick up almost any cotton jumper on the high street and the label will tell you where it was sewn. It will not',
      'tell you where the cotton was grown, spun or dyed, and that is where forced labour hides.',
      '',
      '## What we found this autumn',
      '',
      'Our volunteers traced the supply chains of 40 everyday garments bought in six UK cities. For 31 of them, the',
      'brand could not, or would not, name the mill that made the yarn. Nine brands did, and we thank them: it is',
      'possible, and it is not expensive.',
      '',
      '## Three things you can do this month',
      '',
      '- **Ask before you buy.** Email the brand and ask which mills spin its cotton. A polite question from a customer',
      '  counts for more than you might think.',
      '- **Write to your MP.** Ask them to back a law making importers show that their goods were not made by people',
      '  held against their will. Our letter tool takes two minutes.',
      '- **Share the findings.** Our full briefing is on the website, free to quote.',
      '',
      'Thank you for standing with the people who make our clothes and cannot speak for themselves.',
      '',
      'The team at {{org_name}}',
    ].join('\n'),
  },
  {
    daysAgo: 5,
    subject: 'One year of Thursday vigils',
    body: [
      'Dear {{first_name}},',
      '',
      'A year ago, six of us stood outside with candles and a handwritten sign. Last Thursday there were more than',
      'ninety of you, in the rain, holding the names of people who have disappeared into the detention camps.',
      '',
      '## Why we keep going',
      '',
      'For many Uyghur families in this country, the vigil is the one place where they can say a relative’s name out',
      'loud. Several have told us they had not heard from a parent or a brother in years. Standing beside them, week',
      'after week, says that they are not alone and that we have not forgotten.',
      '',
      '## Keeping each other safe',
      '',
      'Some people who come to the vigil have family who could be punished for their presence. Please do not',
      'photograph or film anyone without asking, and never post faces online. If you are unsure, ask one of our',
      'stewards in the orange scarves.',
      '',
      '## Join us',
      '',
      'We meet every Thursday at 6pm. Bring a candle if you have one; we always have spares. If you cannot come, you',
      'can still help: tell one friend why this matters.',
      '',
      'With thanks and hope,',
      '',
      'Everyone at {{org_name}}',
    ].join('\n'),
  },
] as const;

/** Adds the two sent demo newsletters, with deliveries to the list's current subscribers (nothing if the list is absent). */
export async function seedDemoNewsletters(core: Core): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const listId = await findListIdBySlug(trx, 'campaign-updates');
    if (listId === undefined) return;
    const now = Date.now();
    for (const n of NEWSLETTERS) {
      const sentAt = now - n.daysAgo * DAY;
      const id = await insertNewsletter(trx, {
        subject: n.subject,
        body: n.body,
        list_id: listId,
        segment_id: null,
        status: 'sent',
        scheduled_at: null,
        started_at: sentAt,
        finished_at: sentAt + 4 * 60_000,
        archive_slug: slugFor(n.subject, sentAt),
        created_by: null,
        created_at: sentAt - 2 * DAY,
        updated_at: sentAt + 4 * 60_000,
      });
      // Only those who had joined by the day it went out received it.
      const supporterIds = await listNewsletterAudience(trx, { listId, segmentId: null, createdTo: sentAt });
      const count = await insertDeliveries(trx, { newsletterId: id, supporterIds, now: sentAt + 60_000, status: 'sent' });
      await setRecipientCount(trx, id, count);
    }
  });
}
