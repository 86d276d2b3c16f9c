import { getCampaign } from '../../actions/service.js';
import type { Core } from '../../core/context.js';
import { savePage } from '../service.js';
import { addTestimonial, saveHub } from './service.js';

// The demo charity's campaign page, three quotes given with permission, and its about and contact pages, in our own
// words about the fictional charity.

/** Seeds the demo campaign page, quotes and pages. */
export async function seedSiteDemo(core: Core): Promise<void> {
  const campaign = await getCampaign(core.db, { slug: 'free-the-supply-chain' });
  if (campaign) {
    await saveHub(
      core,
      campaign.id,
      {
        heroImageId: null,
        heroAlt: '',
        bodyMd: [
          'Cotton from regions where people are made to work under threat reaches British shops every day. It is spun,',
          'woven and sewn in other countries on the way, so by the time it is a T-shirt on a rail, nobody can say where it began.',
          '',
          'That silence protects the people who profit. Brands can say they did not know; importers can say they were never asked.',
          'We want the law to ask, and brands to answer in public.',
        ].join('\n'),
        priorities: [
          'A duty on importers to show their goods were made without forced labour',
          'Every brand to publish the mills and farms behind its clothes',
          'A safe way for affected families to give evidence',
        ].join('\n'),
      },
      null,
    );
  }
  const quotes = [
    {
      quote: 'Writing to my MP took four minutes. A month later she asked a question in Parliament using our words.',
      attribution: 'Hannah',
      context: 'supporter in Sheffield',
      campaignId: campaign?.id ?? null,
      permissionNote: 'by email, 2 October 2026',
    },
    {
      quote: 'For years I felt nobody here knew what was happening to my family. Standing at the vigil, I was not alone.',
      attribution: 'A member of the diaspora',
      context: 'London',
      campaignId: null,
      permissionNote: 'in person at the vigil, 14 November 2026; asked not to be named',
    },
    {
      quote: 'Their briefing was the clearest thing our committee read on supply chains this year.',
      attribution: 'A parliamentary researcher',
      context: '',
      campaignId: campaign?.id ?? null,
      permissionNote: 'by email, 20 November 2026',
    },
  ];
  for (const q of quotes) await addTestimonial(core, { ...q, permission: true }, null);
  const taken = new Set<string>();
  await savePage(
    core,
    {
      slug: 'about',
      title: 'About us',
      summary: 'Who we are, what we do and how we are funded.',
      body: [
        'Freedom Thread is a small charity working to end forced labour in the things people buy, and to stand with Uyghur',
        'families separated by mass detention.',
        '',
        '## What we do',
        '',
        '- We research supply chains and publish what we find.',
        '- We brief MPs, journalists and companies.',
        '- We help supporters act: petitions, letters, vigils and events.',
        '',
        '## How we are funded',
        '',
        'Almost all of our income comes from individual supporters giving small amounts each month. We take no money from',
        'companies we campaign on.',
      ].join('\n'),
      published: true,
      navPosition: 1,
    },
    { staffId: null, taken, isNew: false },
  );
  await savePage(
    core,
    {
      slug: 'contact',
      title: 'Contact us',
      summary: 'How to reach our small team.',
      body: [
        'We are three staff, so please allow a few days for a reply.',
        '',
        'For press enquiries, say so in your message and we will answer the same day.',
      ].join('\n'),
      published: true,
      navPosition: 2,
    },
    { staffId: null, taken, isNew: false },
  );
}
