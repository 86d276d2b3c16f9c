import type { Core } from '../core/context.js';
import { publishPage } from './service.js';

// The demo charity's home page. The charity is fictional: its name, numbers and addresses are made up.

/** Publishes the demo home page. */
export async function seedContentDemo(core: Core): Promise<void> {
  await publishPage(core.db, {
    slug: 'home',
    title: 'Freedom Thread',
    summary: 'A small charity campaigning to end forced labour in supply chains and the mass detention of Uyghurs.',
    body: [
      'We are three staff and a few hundred volunteers. We research where forced labour enters the things',
      'people buy, brief MPs and journalists, and help supporters put pressure where it counts.',
      '',
      '## What we are working on',
      '',
      '- **Clean cotton.** Asking high-street brands to publish the mills and farms behind every garment,',
      '  and to leave regions where workers cannot refuse the work.',
      '- **No trade in detention.** Pressing Parliament to make importers prove their goods were not made',
      '  by people held against their will.',
      '- **Families apart.** Supporting diaspora families who have lost contact with relatives, and making',
      '  sure their stories are heard safely.',
      '',
      '## How you can help',
      '',
      'Read our briefings, write to your MP, come to our weekly vigil, or give a small monthly gift. Every',
      'action is counted and every letter is read.',
      '',
      '> We never share your details, and this site loads nothing from anywhere else.',
    ].join('\n'),
  });
}
