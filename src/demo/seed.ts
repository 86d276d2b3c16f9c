import { capabilities } from '../app.js';
import type { Core } from '../core/context.js';
import { hasSiteSettings, saveSiteSettings } from '../core/settings.js';
import { publishPage } from '../content/service.js';

// The demo charity is fictional: its name, numbers and addresses are made up, and its email domain is under
// example.org, which can never receive mail.

/** Seeds the demo charity on an empty database; returns false when the database already had an organisation. */
export async function seedDemo(core: Core): Promise<boolean> {
  if (await hasSiteSettings(core.db)) return false;
  await core.db.transaction().execute(async (trx) => {
    await saveSiteSettings(trx, {
      orgName: 'Freedom Thread',
      tagline: 'Ending forced labour in the clothes we wear, and standing with the Uyghur people.',
      charityNumber: '1190000 (demo)',
      timeZone: 'Europe/London',
      contactEmail: 'hello@freedomthread.example.org',
      postalAddress: 'Freedom Thread (demo)\n2 Sample Yard\nLondon',
      require2fa: false,
    });
    await publishPage(trx, {
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
  });
  for (const c of capabilities) await c.demo?.(core);
  return true;
}
