import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { readWxr, WxrError, type WxrEvent, type WxrLimits, type WxrSource } from './wxr.js';

// The streaming reader on a realistic export and on hostile files: each hostile file is refused with words a person
// can act on, after reading no more than its cap, and the refusal comes before any item of the file is handed on.

const FIXTURE = fileURLToPath(new URL('../../../test/fixtures/wordpress/riverside.xml', import.meta.url));

async function all(source: WxrSource, limits?: WxrLimits): Promise<WxrEvent[]> {
  const out: WxrEvent[] = [];
  for await (const e of readWxr(source, limits)) out.push(e);
  return out;
}

async function* bytes(...parts: Array<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

const HEAD =
  '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" xmlns:wp="http://wordpress.org/export/1.2/" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title><link>https://t.example</link><wp:wxr_version>1.2</wp:wxr_version>';
const item = (id: number, content = 'x') =>
  `<item><title>Post ${id}</title><wp:post_id>${id}</wp:post_id><wp:post_type>post</wp:post_type><wp:status>publish</wp:status><content:encoded><![CDATA[${content}]]></content:encoded></item>`;
const TAIL = '</channel></rss>';

async function refusal(source: WxrSource, limits?: WxrLimits): Promise<string> {
  try {
    await all(source, limits);
  } catch (e) {
    expect(e).toBeInstanceOf(WxrError);
    return (e as Error).message;
  }
  throw new Error('the file was not refused');
}

describe('reading a WordPress export', () => {
  test('the site, its categories, tags and authors, then every item with its fields', async () => {
    const events = await all(FIXTURE);
    expect(events[0]).toEqual({
      kind: 'site',
      site: {
        title: 'Riverside Rights Network',
        link: 'https://riverside-rights.example.org',
        baseSiteUrl: 'https://riverside-rights.example.org',
        baseBlogUrl: 'https://riverside-rights.example.org',
        wxrVersion: '1.2',
      },
    });
    const categories = events.flatMap((e) => (e.kind === 'category' ? [e.category] : []));
    expect(categories.map((c) => [c.slug, c.name, c.parent])).toEqual([
      ['campaign-news', 'Campaign news', ''],
      ['vigils', 'Vigils &amp; events', 'campaign-news'],
      ['uncategorized', 'Uncategorized', ''],
    ]);
    expect(events.filter((e) => e.kind === 'tag')).toHaveLength(2);
    // Authors: only the login and the name shown; the export's email addresses are never read into the import.
    const authors = events.flatMap((e) => (e.kind === 'author' ? [e.author] : []));
    expect(authors).toEqual([
      { login: 'hana', displayName: 'Hana Okafor' },
      { login: 'comms', displayName: 'The comms team' },
    ]);
    expect(JSON.stringify(events)).not.toContain('@riverside-rights.example.org');
    expect(JSON.stringify(events)).not.toContain('supporter@example.net');
    const items = events.flatMap((e) => (e.kind === 'item' ? [e.item] : []));
    expect(items.map((i) => [i.postId, i.postType, i.status])).toEqual([
      [101, 'post', 'publish'],
      [88, 'post', 'publish'],
      [120, 'post', 'draft'],
      [130, 'post', 'future'],
      [140, 'post', 'publish'],
      [60, 'post', 'trash'],
      [2, 'page', 'publish'],
      [4, 'page', 'draft'],
      [3, 'page', 'publish'],
      [150, 'attachment', 'inherit'],
      [151, 'attachment', 'inherit'],
      [5, 'nav_menu_item', 'publish'],
    ]);
    const first = items[0]!;
    expect(first.title).toBe('Candles outside the embassy');
    expect(first.postDateGmt).toBe('2025-03-14 18:30:00');
    expect(first.postName).toBe('candles-outside-the-embassy');
    expect(first.content).toContain('[caption id="attachment_150"');
    expect(first.categories).toEqual([
      { domain: 'category', nicename: 'vigils', name: 'Vigils &amp; events' },
      { domain: 'post_tag', nicename: 'embassy', name: 'Embassy' },
    ]);
    expect(first.meta).toEqual([{ key: '_thumbnail_id', value: '150' }]);
    expect(first.comments).toBe(1);
    expect(items[4]!.postPassword).toBe('lantern-test');
    expect(items[9]!.attachmentUrl).toBe('https://riverside-rights.example.org/wp-content/uploads/2025/03/vigil.jpg');
    expect(items[9]!.postParent).toBe(101);
  });

  test('items come one at a time as the file is read, not after the whole file', async () => {
    let handedOn = 0;
    async function* slow(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(HEAD + item(1) + item(2));
      // By now the first items must have been handed on.
      expect(handedOn).toBeGreaterThanOrEqual(1);
      yield Buffer.from(item(3) + TAIL);
    }
    for await (const e of readWxr(slow())) if (e.kind === 'item') handedOn++;
    expect(handedOn).toBe(3);
  });

  test('another prefix for the WordPress namespace reads the same', async () => {
    const xml = HEAD.replace('xmlns:wp=', 'xmlns:w=').replace(/wp:/g, 'w:') + item(1).replace(/wp:/g, 'w:') + TAIL;
    const items = (await all(bytes(xml))).filter((e) => e.kind === 'item');
    expect(items).toHaveLength(1);
  });

  test('a byte order mark is fine', async () => {
    const items = (await all(bytes(new Uint8Array([0xef, 0xbb, 0xbf]), HEAD + item(1) + TAIL))).filter((e) => e.kind === 'item');
    expect(items).toHaveLength(1);
  });
});

describe('hostile and broken files are refused with a clear message', () => {
  test('billion laughs (entity expansion) is refused at the DOCTYPE', async () => {
    const laughs = `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;"><!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;"><!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">]><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>&lol4;</title></item></channel></rss>`;
    expect(await refusal(bytes(laughs))).toMatch(/DOCTYPE/);
  });

  test('an external entity (file:///etc/passwd) is refused and nothing is read from it', async () => {
    const xxe = `<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><rss xmlns:wp="http://wordpress.org/export/1.2/"><channel><wp:wxr_version>1.2</wp:wxr_version><item><title>&xxe;</title></item></channel></rss>`;
    const message = await refusal(bytes(xxe));
    expect(message).toMatch(/DOCTYPE/);
    expect(message).not.toContain('root:');
  });

  test('an encoding other than UTF-8 is refused', async () => {
    const latin = HEAD.replace('encoding="UTF-8"', 'encoding="ISO-8859-1"') + item(1) + TAIL;
    expect(await refusal(bytes(latin))).toMatch(/ISO-8859-1.*only UTF-8/);
  });

  test('bytes that are not UTF-8 are refused', async () => {
    const bad = Buffer.concat([Buffer.from(HEAD + '<item><title>Caf'), Buffer.from([0xe9]), Buffer.from('</title></item>' + TAIL)]);
    expect(await refusal(bytes(bad))).toMatch(/not UTF-8/);
  });

  test('a 100 MB line with no break is refused after its cap, without holding it', async () => {
    const mb = Buffer.alloc(1024 * 1024, 'a');
    let sent = 0;
    async function* huge(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(HEAD + '<item><content:encoded>');
      for (let i = 0; i < 100; i++) {
        sent++;
        yield mb;
      }
      yield Buffer.from('</content:encoded></item>' + TAIL);
    }
    const message = await refusal(huge(), { maxContent: 4 * 1024 * 1024, maxField: 64 * 1024 });
    expect(message).toMatch(/longer than Lantern accepts/);
    expect(sent).toBeLessThan(8);
  });

  test('an over-long field that is not a post’s text is refused at the smaller cap', async () => {
    const long = HEAD + `<item><title>${'t'.repeat(200_000)}</title></item>` + TAIL;
    expect(await refusal(bytes(long), { maxContent: 4 * 1024 * 1024, maxField: 64 * 1024 })).toMatch(/longer than Lantern accepts/);
  });

  test('elements nested millions deep are refused at once, before the nesting costs time', async () => {
    let sent = 0;
    async function* deep(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(HEAD + '<item>');
      // 40 MB of opening tags: read to the end, saxes's look-ups along the open elements would take hours.
      for (let i = 0; i < 640; i++) {
        sent++;
        yield Buffer.from('<a>'.repeat(21_000));
      }
    }
    const started = Date.now();
    expect(await refusal(deep())).toMatch(/nests elements deeper than a WordPress export/);
    expect(sent).toBe(1);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  test('a start tag with megabytes of attributes is refused at the smaller cap', async () => {
    let sent = 0;
    async function* attributes(): AsyncGenerator<Uint8Array> {
      yield Buffer.from(HEAD + '<item><title');
      for (let i = 0; i < 200; i++) {
        sent++;
        yield Buffer.from(Array.from({ length: 5000 }, (_, k) => ` a${i}x${k}=""`).join(''));
      }
      yield Buffer.from('>x</title></item>' + TAIL);
    }
    expect(await refusal(attributes(), { maxContent: 4 * 1024 * 1024, maxField: 64 * 1024 })).toMatch(/A tag in the export is longer/);
    expect(sent).toBeLessThan(5);
  });

  test('an item with more categories, custom fields or custom-field text than any export holds is refused', async () => {
    const terms = '<category domain="post_tag" nicename="t"><![CDATA[t]]></category>'.repeat(5001);
    expect(await refusal(bytes(HEAD, `<item>${terms}</item>`, TAIL))).toMatch(/more than 5,000 categories and tags/);
    const fields = '<wp:postmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>v</wp:meta_value></wp:postmeta>'.repeat(5001);
    expect(await refusal(bytes(HEAD, `<item>${fields}</item>`, TAIL))).toMatch(/more than 5,000 custom fields/);
    // Each value under the cap, together over it.
    const long = `<wp:postmeta><wp:meta_key>k</wp:meta_key><wp:meta_value>${'v'.repeat(40_000)}</wp:meta_value></wp:postmeta>`;
    const limits = { maxContent: 100_000, maxField: 10_000 };
    expect(await refusal(bytes(HEAD, `<item>${long.repeat(3)}</item>`, TAIL), limits)).toMatch(/custom fields of an item .* longer/);
    // Two of them are fine.
    const events = await all(bytes(HEAD, `<item>${long.repeat(2)}</item>`, TAIL), limits);
    expect(events.filter((e) => e.kind === 'item')).toHaveLength(1);
  });

  test('a truncated export is refused', async () => {
    expect(await refusal(bytes(HEAD + item(1) + '<item><title>Half'))).toMatch(/not well-formed|end/i);
  });

  test('an RSS feed that is not a WordPress export is refused', async () => {
    const rss = '<?xml version="1.0"?><rss version="2.0"><channel><title>News</title><item><title>x</title></item></channel></rss>';
    expect(await refusal(bytes(rss))).toMatch(/not a WordPress export/);
  });

  test('a WordPress-looking file without a WXR version is refused', async () => {
    const noVersion = HEAD.replace('<wp:wxr_version>1.2</wp:wxr_version>', '') + item(1) + TAIL;
    expect(await refusal(bytes(noVersion))).toMatch(/WXR version/);
  });

  test('something that is not XML at all is refused', async () => {
    expect(await refusal(bytes('name,email\nA,a@example.org\n'))).toMatch(/not well-formed|not a WordPress export|empty/);
    expect(await refusal(bytes(''))).toMatch(/empty|not a WordPress export|well-formed/);
  });
});
