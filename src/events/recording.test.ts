import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { makeTestEvent } from '../../test/helpers/events.js';
import { createResource, setResourcePublished } from '../content/resources/service.js';

// A past event's recording kept in the resources library as a video plays on the event's page, from our own origin;
// any other recording (a draft resource, a file that is not a video, a link elsewhere) is a link, as before.

const HOUR = 3600_000;

/** A box of an MP4: its size, its type, its content. */
function box(type: string, content: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + content.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, content]);
}
/** The smallest MP4 the library takes: 'ftyp' (brand isom) and an empty 'mdat'. */
const MP4 = Buffer.concat([box('ftyp', Buffer.from('isom\0\0\x02\0isom', 'latin1')), box('mdat')]);
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

describeEachDialect('events: a recording from the resources library', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx, { worker: false });
  });
  afterAll(async () => {
    await t?.close();
  });
  const core = () => t.lantern.core;

  const resource = (slug: string, bytes: Buffer) =>
    createResource(core(), { title: `Recording ${slug}`, slug, summary: '', type: 'other' }, { bytes, truncated: false }, { id: null });
  const eventWith = (resourceId: number, startsAt: number) =>
    makeTestEvent(core(), {
      title: 'Film night: the thread',
      startsAt,
      endsAt: startsAt + HOUR,
      recordingUrl: 'https://video.example.org/watch/film-night',
      recordingResourceId: resourceId,
    });
  const pageOf = async (slug: string) => {
    const res = await t.client().get(`/events/${slug}`);
    expect(res.status).toBe(200);
    return res.text;
  };

  test('once past, the event’s page plays a published video resource from this site, with its caption and page', async () => {
    const slug = `film-night-${ctx.dialect}`;
    const video = await resource(slug, MP4);
    const past = await eventWith(video.id, Date.now() - 3 * HOUR);
    const upcoming = await eventWith(video.id, Date.now() + 48 * HOUR);

    // A draft resource is not shown: the link staff gave instead.
    const draft = await pageOf(past.slug);
    expect(draft).not.toContain('<video');
    expect(draft).toContain('href="https://video.example.org/watch/film-night">Watch the recording</a>');

    await setResourcePublished(core(), video.id, true, { id: null });
    const html = await pageOf(past.slug);
    const section = /<section id="recording"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    expect(section).toContain('<video controls preload="metadata">');
    const src = /<source src="([^"]+)" type="video\/mp4"\/>/.exec(section)?.[1];
    expect(src).toBe(`/resources/${slug}/download`);
    expect(new URL(src!, t.baseUrl).origin).toBe(new URL(t.baseUrl).origin);
    expect(section).toContain('<figcaption>The recording of Film night: the thread.');
    expect(section).toContain(`<a href="/resources/${slug}">Its page in our resources</a>`);
    expect(section).not.toContain('video.example.org');
    // What the <source> names is the video itself, of that type.
    const file = await fetch(new URL(src!, t.baseUrl));
    expect(file.headers.get('content-type')).toBe('video/mp4');
    expect(Buffer.from(await file.arrayBuffer()).equals(MP4)).toBe(true);

    // Before the event there is no recording to show.
    expect(await pageOf(upcoming.slug)).not.toContain('<video');
  });

  test('a published resource that is not a video stays a link to its page', async () => {
    const slug = `film-night-poster-${ctx.dialect}`;
    const image = await resource(slug, PNG);
    await setResourcePublished(core(), image.id, true, { id: null });
    const past = await eventWith(image.id, Date.now() - 3 * HOUR);
    const html = await pageOf(past.slug);
    expect(html).not.toContain('<video');
    expect(html).toContain(`<a href="/resources/${slug}">Watch the recording</a>`);
  });
});
