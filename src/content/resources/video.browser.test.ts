import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { browserAvailable, describeInBrowser, foreignRequests, launchBrowser, openPage, WAIT } from '../../../test/helpers/browser.js';
import { makeTestEvent } from '../../../test/helpers/events.js';
import { createResource, setResourcePublished } from './service.js';

// A video in the resources library really plays in Chromium: on its own page and on a past event's page, the <video>
// loads its metadata from the download (an attachment with nosniff, which a media element plays regardless), from
// our own origin under the site's policy. The videos are recorded by Chromium itself (a canvas, a second of it), so
// they are real files of the kinds browsers make.

let browser: Browser;

beforeAll(async () => {
  if (browserAvailable()) browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

/** A second of a canvas recorded by the browser as this type, or undefined when the browser cannot record it. */
async function recordVideo(page: Page, mimeType: string): Promise<Buffer | undefined> {
  const bytes = await page.evaluate(async (type) => {
    if (!MediaRecorder.isTypeSupported(type)) return undefined;
    const canvas = document.createElement('canvas');
    canvas.width = 64;
    canvas.height = 48;
    document.body.append(canvas);
    const g = canvas.getContext('2d')!;
    const recorder = new MediaRecorder(canvas.captureStream(10), { mimeType: type });
    const chunks: Blob[] = [];
    recorder.ondataavailable = (e) => chunks.push(e.data);
    let frame = 0;
    const timer = setInterval(() => {
      g.fillStyle = frame++ % 2 ? '#b03a2e' : '#1f4e79';
      g.fillRect(0, 0, 64, 48);
    }, 50);
    const stopped = new Promise((resolve) => (recorder.onstop = resolve));
    recorder.start();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    recorder.stop();
    await stopped;
    clearInterval(timer);
    return Array.from(new Uint8Array(await new Blob(chunks).arrayBuffer()));
  }, mimeType);
  return bytes ? Buffer.from(bytes) : undefined;
}

describeInBrowser('resources: a video plays in the browser', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  test('a WebM (and an MP4, where Chromium records one) plays on its page and on a past event’s page, from this site', async () => {
    const { context, page, record } = await openPage(browser);
    try {
      await page.goto('about:blank');
      const webm = await recordVideo(page, 'video/webm;codecs=vp8');
      expect(webm).toBeDefined();
      const mp4 = await recordVideo(page, 'video/mp4;codecs=avc1');
      const videos = [{ ext: 'webm', type: 'video/webm', bytes: webm! }, ...(mp4 ? [{ ext: 'mp4', type: 'video/mp4', bytes: mp4 }] : [])];

      for (const v of videos) {
        const slug = `thread-film-${v.ext}-${ctx.dialect}`;
        const made = await createResource(
          t.lantern.core,
          { title: `The thread, a short film (${v.ext})`, slug, summary: '', type: 'other' },
          { bytes: v.bytes, truncated: false },
          { id: null },
        );
        await setResourcePublished(t.lantern.core, made.id, true, { id: null });
        const event = await makeTestEvent(t.lantern.core, {
          startsAt: Date.now() - 3 * 3600_000,
          endsAt: Date.now() - 2 * 3600_000,
          recordingResourceId: made.id,
        });

        for (const path of [`/resources/${slug}`, `/events/${event.slug}`]) {
          const download = page.waitForResponse((r) => r.url() === `${t.baseUrl}/resources/${slug}/download`);
          await page.goto(`${t.baseUrl}${path}`);
          const response = await download;
          expect([200, 206], path).toContain(response.status());
          expect(response.headers()['content-type'], path).toBe(v.type);
          await expect
            .poll(() => page.locator('video').evaluate((el: HTMLVideoElement) => el.readyState), { ...WAIT, message: path })
            .toBeGreaterThanOrEqual(1);
          expect(await page.locator('video').evaluate((el: HTMLVideoElement) => el.error?.code ?? null)).toBeNull();
        }
      }
      expect(foreignRequests(record, t.baseUrl)).toEqual([]);
      expect(record.failed).toEqual([]);
      expect(record.errors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});
