import sharp from 'sharp';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { storeImage } from '../images/service.js';
import { addWarningReason, createUpdate, publishUpdate } from './service.js';

// An update's featured image: on its card in lists and at the top of its page, at the screen's size (srcset); an
// update behind a content warning shows the warning in lists instead, and its image only behind the warning.

describeEachDialect('content updates: featured images', (ctx) => {
  let t: TestLantern;
  const core = () => t.lantern.core;
  const staff = { id: null, name: 'Amina Yusuf' };

  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the card and the page show the picture; a warned update’s card shows the warning and no picture', async () => {
    const bytes = await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#446688' } })
      .jpeg()
      .toBuffer();
    const image = await storeImage(core(), { bytes, truncated: false }, { alt: 'Candles on the embassy steps', staffId: null });
    const plain = await createUpdate(
      core(),
      { title: 'Candles', excerpt: 'e', bodyMd: 'b', authorKind: 'staff', featuredImageId: image.id },
      staff,
    );
    const reason = await addWarningReason(core(), 'Descriptions of detention', staff);
    const warned = await createUpdate(
      core(),
      {
        title: 'Hard reading',
        excerpt: 'e',
        bodyMd: 'b',
        authorKind: 'staff',
        featuredImageId: image.id,
        featuredImageAlt: 'A cell door',
        warningReasonId: reason,
      },
      staff,
    );
    await publishUpdate(core(), plain.id, staff);
    await publishUpdate(core(), warned.id, staff);
    const list = (await t.client().get('/updates')).text;
    const cards = list.split('<li class="card update-card').slice(1);
    const card = (title: string) => cards.find((c) => c.includes(`>${title}</a>`))!;
    expect(card('Candles')).toContain('<picture');
    expect(card('Candles')).toContain('alt="Candles on the embassy steps"');
    expect(card('Candles')).toMatch(/srcset="\/images\/\d+-[\w-]+\/480\.webp 480w, \/images\/\d+-[\w-]+\/960\.webp 960w"/);
    expect(card('Hard reading')).not.toContain('<img');
    expect(card('Hard reading')).toContain('Content warning:');
    const page = (await t.client().get(`/updates/${plain.slug}`)).text;
    expect(page).toContain('alt="Candles on the embassy steps"');
    const warnedPage = (await t.client().get(`/updates/${warned.slug}`)).text;
    // The picture is inside the details, after the warning; its own description for this update is used.
    expect(warnedPage.indexOf('alt="A cell door"')).toBeGreaterThan(warnedPage.indexOf('<details'));
  });

  test('an image that does not exist is refused on the form', async () => {
    await expect(
      createUpdate(core(), { title: 'No such image', excerpt: '', bodyMd: 'b', authorKind: 'staff', featuredImageId: 999_999 }, staff),
    ).rejects.toThrow();
  });
});
