import type { Core } from '../../core/context.js';
import { addWarningReason, createCategory, createUpdate, publishUpdate, type StaffMember } from './service.js';

// The demo charity's news: two categories, a starting list of content warning reasons, and three updates (one of
// them behind a warning, one left as a draft). The charity and everyone in it are made up.

/** Seeds the demo updates, categories and content warning reasons. */
export async function seedUpdatesDemo(core: Core): Promise<void> {
  const demo: StaffMember = { id: null, name: 'Freedom Thread' };
  const news = await createCategory(core, { name: 'News', description: 'What we have been doing.' }, demo);
  const testimony = await createCategory(core, { name: 'Testimony', description: 'People in the diaspora, in their own words.' }, demo);
  const reasons: number[] = [];
  for (const label of [
    'Descriptions of detention',
    'Descriptions of torture',
    'Sexual violence',
    'Suicide and self-harm',
    'Family separation',
  ]) {
    reasons.push(await addWarningReason(core, label, demo));
  }
  const vigil = await createUpdate(
    core,
    {
      title: 'Forty people at Friday’s vigil',
      excerpt: 'Our weekly vigil outside the embassy had its biggest turnout since the spring.',
      bodyMd: [
        'Forty supporters stood in the rain on Friday evening, holding the names of people whose families have not heard from them.',
        '',
        '## Next week',
        '',
        'We meet at 6pm as always. Bring a friend, and a warm coat.',
      ].join('\n'),
      authorKind: 'organisation',
      categoryIds: [news],
      tags: ['vigil', 'London'],
    },
    demo,
  );
  await publishUpdate(core, vigil.id, demo);
  const story = await createUpdate(
    core,
    {
      title: '“I have not heard my mother’s voice in six years”',
      excerpt: 'A supporter tells us about the day the calls stopped.',
      bodyMd: [
        'Gulnar (not her real name) was studying in Manchester when her mother stopped answering the phone.',
        '',
        '> I kept calling. Then a cousin told me not to call any more, because it made things worse for them.',
        '',
        'She asked us to share her story so that others in her position know they are not alone.',
      ].join('\n'),
      authorKind: 'custom',
      authorName: 'Our casework team',
      categoryIds: [testimony],
      tags: ['families'],
      warningReasonId: reasons[4]!,
      warningText: 'This account describes a family torn apart by detention.',
    },
    demo,
  );
  await publishUpdate(core, story.id, demo);
  await createUpdate(
    core,
    {
      title: 'Draft: our response to the trade bill',
      excerpt: 'Not published yet.',
      bodyMd: 'We will publish our response once the bill has its second reading.',
      authorKind: 'organisation',
      categoryIds: [news],
    },
    demo,
  );
}
