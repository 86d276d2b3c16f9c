import { getActionBySlug, getCampaign } from '../../actions/service.js';
import type { Core } from '../../core/context.js';
import { addWarningReason, createCategory, createUpdate, upsertUpdateBySlug, type StaffMember, type UpdateInput } from './service.js';

// The demo charity's news: three categories, a starting list of content warning reasons, a dozen published updates
// over the past months (one behind a warning, one a call to action beside the demo letter to MPs) and one draft.
// The charity, its people and its numbers are made up.

const DAY = 24 * 3600_000;

interface DemoUpdate extends Omit<UpdateInput, 'categoryIds' | 'authorKind'> {
  slug: string;
  daysAgo: number;
  category: 'news' | 'research' | 'testimony';
  author?: string;
  warning?: { reason: string; text: string };
  action?: string;
}

const UPDATES: DemoUpdate[] = [
  {
    slug: 'forty-people-at-fridays-vigil',
    daysAgo: 3,
    category: 'news',
    title: 'Forty people at Friday’s vigil',
    excerpt: 'Our weekly vigil outside the embassy had its biggest turnout since the spring.',
    bodyMd: [
      'Forty supporters stood in the rain on Friday evening, holding the names of people whose families have not heard from them.',
      '',
      'Several passers-by stopped to ask what the names meant. Two of them signed up to come next week.',
      '',
      '## Next week',
      '',
      'We meet at 6pm as always. Bring a friend, and a warm coat.',
    ].join('\n'),
    tags: ['vigil', 'London'],
  },
  {
    slug: 'the-import-ban-reaches-the-order-paper',
    daysAgo: 6,
    category: 'news',
    title: 'The import ban reaches the order paper: write to your MP this week',
    excerpt: 'A debate on goods made with forced labour is expected within days. Your MP needs to hear from you first.',
    bodyMd: [
      'After two years of letters, briefings and vigils, a proposal to stop goods made with forced labour entering the UK',
      'is on the order paper. MPs will be asked whether importers should have to show where their goods were made.',
      '',
      'The MPs who have heard from their constituents are the ones who turn up to vote. It takes about three minutes:',
      'enter your postcode, read the letter we drafted, make it your own, and send it.',
      '',
      '**[Write to your MP now](/act/write-to-your-mp-import-ban)**',
    ].join('\n'),
    tags: ['parliament', 'import ban'],
    action: 'write-to-your-mp-import-ban',
  },
  {
    slug: 'i-have-not-heard-my-mothers-voice-in-six-years',
    daysAgo: 10,
    category: 'testimony',
    author: 'A supporter in Birmingham',
    title: '“I have not heard my mother’s voice in six years”',
    excerpt: 'A supporter in Birmingham on the day the phone calls stopped, and what she wants MPs to know.',
    bodyMd: [
      'The last call was short. My mother said she was well and that I should not call again. Then the number stopped working.',
      '',
      'Later I learned from a cousin that she had been taken to a place they call a school. She is sixty-three.',
      '',
      'I tell this because silence is what they want from us. When you write to your MP, you make the silence harder to keep.',
    ].join('\n'),
    tags: ['families'],
    warning: { reason: 'Family separation', text: 'This account describes a family separated by detention.' },
  },
  {
    slug: 'what-the-new-audit-rules-miss',
    daysAgo: 17,
    category: 'research',
    title: 'What the new audit rules miss',
    excerpt: 'Factory audits announced in advance cannot find workers who were moved out the week before.',
    bodyMd: [
      'Brands point to social audits as proof that their suppliers are clean. Our new briefing looks at why an audit',
      'announced weeks ahead, carried out with managers in the room, cannot find forced labour.',
      '',
      '- Workers transferred under state programmes are often moved before an audit.',
      '- Interviews happen on site, where nobody can speak freely.',
      '- Spinning mills and farms, where the risk is highest, are rarely audited at all.',
      '',
      'Read the full briefing in our resources library.',
    ].join('\n'),
    tags: ['audits', 'brands'],
  },
  {
    slug: 'five-thousand-signatures-in-a-week',
    daysAgo: 24,
    category: 'news',
    title: 'Five thousand signatures in a week',
    excerpt: 'The petition asking brands to label where their cotton comes from passed five thousand names.',
    bodyMd: [
      'Thank you. In seven days, five thousand of you asked the high street to say where its cotton comes from.',
      '',
      'We will hand the petition to the trade body’s annual meeting next month. Until then, every new name counts.',
    ].join('\n'),
    tags: ['petition', 'cotton'],
  },
  {
    slug: 'how-cotton-tracing-works',
    daysAgo: 33,
    category: 'research',
    title: 'How cotton tracing works, and where it stops',
    excerpt: 'Isotope tests can say where a fibre grew. They cannot say who picked it.',
    bodyMd: [
      'A fibre of cotton carries a trace of the water and soil it grew in. Laboratories can compare that trace with',
      'samples from known regions and say, with some confidence, where the cotton came from.',
      '',
      'That is useful, but it is not enough. Tests cannot see who spun the yarn, and blended fabrics hide their origins.',
      'Tracing works best alongside published supplier lists, which is why our petition asks for both.',
    ].join('\n'),
    tags: ['cotton', 'tracing'],
  },
  {
    slug: 'volunteers-evening-how-the-vigil-works',
    daysAgo: 41,
    category: 'news',
    title: 'Volunteers’ evening: how the weekly vigil works',
    excerpt: 'Twenty new volunteers learned how we keep the vigil safe, peaceful and visible.',
    bodyMd: [
      'Every week a small team sets up the banner, hands out leaflets and makes sure everyone gets home safely.',
      '',
      'At our volunteers’ evening we talked through what to do if someone takes photographs of the crowd, and why',
      'we never post faces online without asking first.',
    ].join('\n'),
    tags: ['vigil', 'volunteers'],
  },
  {
    slug: 'our-evidence-to-the-committee',
    daysAgo: 52,
    category: 'research',
    title: 'Our evidence to the committee on supply chains',
    excerpt: 'We told MPs what a workable import rule would need: a duty on importers, and teeth.',
    bodyMd: [
      'The committee asked how the UK could keep goods made with forced labour off its shelves. Our written evidence',
      'makes three points: put the duty to prove clean supply on the importer; publish every decision; and let',
      'affected communities bring evidence forward safely.',
    ].join('\n'),
    tags: ['parliament'],
  },
  {
    slug: 'three-things-you-can-do-in-ten-minutes',
    daysAgo: 63,
    category: 'news',
    title: 'Three things you can do in ten minutes',
    excerpt: 'Short on time? Here is how to help the campaign before the kettle boils twice.',
    bodyMd: [
      '1. Sign the petition asking brands to label their cotton.',
      '2. Write to your MP about the import ban: we have drafted the letter.',
      '3. Tell one friend why you care, and send them this page.',
    ].join('\n'),
    tags: ['get involved'],
  },
  {
    slug: 'a-grandfathers-letters',
    daysAgo: 75,
    category: 'testimony',
    author: 'A student in Manchester',
    title: 'A grandfather’s letters',
    excerpt: 'A student in Manchester keeps the letters her grandfather wrote before they stopped arriving.',
    bodyMd: [
      'He wrote about the apricot tree in the yard and the price of bread. Nothing political, ever.',
      '',
      'I keep reading them for the things he could not say. I want people here to know he existed.',
    ].join('\n'),
    tags: ['families'],
  },
  {
    slug: 'questions-to-ask-a-brand',
    daysAgo: 88,
    category: 'research',
    title: 'Questions to ask a brand’s customer service',
    excerpt: 'Four polite questions that tell you a lot about a company’s supply chain.',
    bodyMd: [
      '- Can you name the spinning mills that make the yarn for this product?',
      '- Do you publish your full list of suppliers, and how often is it updated?',
      '- How do you check for forced labour where you have no audit access?',
      '- What do you do when you find it?',
    ].join('\n'),
    tags: ['brands'],
  },
  {
    slug: 'thank-you-for-a-year-of-campaigning',
    daysAgo: 120,
    category: 'news',
    title: 'Thank you for a year of campaigning',
    excerpt: 'Letters, vigils, signatures and small monthly gifts: what you made possible this year.',
    bodyMd: [
      'This year supporters sent more than two thousand letters to MPs, stood at fifty vigils and helped us publish',
      'four briefings. None of it would have happened without you.',
    ].join('\n'),
    tags: ['thank you'],
  },
];

/** Seeds the demo updates, categories and content warning reasons (after the demo campaign and actions exist). */
export async function seedUpdatesDemo(core: Core): Promise<void> {
  const demo: StaffMember = { id: null, name: 'Freedom Thread' };
  const categories = {
    news: await createCategory(core, { name: 'News', description: 'What we have been doing.' }, demo),
    research: await createCategory(core, { name: 'Research', description: 'Briefings, evidence and how supply chains work.' }, demo),
    testimony: await createCategory(core, { name: 'Testimony', description: 'People in the diaspora, in their own words.' }, demo),
  };
  const reasons = new Map<string, number>();
  for (const label of [
    'Descriptions of detention',
    'Descriptions of torture',
    'Sexual violence',
    'Suicide and self-harm',
    'Family separation',
  ]) {
    reasons.set(label, await addWarningReason(core, label, demo));
  }
  const campaign = await getCampaign(core.db, { slug: 'free-the-supply-chain' });
  const now = Date.now();
  for (const u of UPDATES) {
    const action = u.action ? await getActionBySlug(core.db, u.action) : undefined;
    const { daysAgo, category, author, warning, action: _action, ...rest } = u;
    await upsertUpdateBySlug(
      core,
      {
        ...rest,
        authorKind: author ? 'custom' : 'organisation',
        ...(author ? { authorName: author } : {}),
        categoryIds: [categories[category]],
        campaignId: campaign?.id ?? null,
        relatedActionIds: action ? [action.id] : [],
        ...(warning ? { warningReasonId: reasons.get(warning.reason) ?? null, warningText: warning.text } : {}),
      },
      { status: 'published', publishedAt: now - daysAgo * DAY },
      demo,
    );
  }
  await createUpdate(
    core,
    {
      title: 'Draft: our response to the trade bill',
      excerpt: 'Not ready yet.',
      bodyMd: 'Notes for the response go here.',
      authorKind: 'staff',
      categoryIds: [categories.research],
    },
    demo,
  );
}
