import { createWriteStream, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { once } from 'node:events';
import { envWithoutLanternVars, lanternCommand, repoRoot } from './lib/lantern.js';
import { runCommand, sleep, startNode, tempDir } from './lib/proc.js';
import type { Row } from './lib/report.js';

// `lantern import wordpress FILE.xml` on a generated 5,000-post export (about 45 MB: a charity's ten years of news,
// each post a few paragraphs with headings, a list, links to older posts, a captioned image, a shortcode or two, in
// 25 categories with 300 tags, with 800 attachments), run as the README says (the built command, node dist/cli.js,
// on a fresh SQLite database with synchronous=FULL), measured for wall time and peak resident memory (VmHWM, read
// from /proc while it runs). Floor: the same Node streaming the same file through saxes and doing nothing else. A
// second run on the same database (nothing to change) is reported too.

const POSTS = 5_000;
const TIME_GOAL_S = 30;
const RSS_GOAL_MB = 300;

const words =
  'campaign letter embassy vigil prisoner writer release freedom court hearing solidarity supporters petition minister families detained journalist rights trial appeal statement community volunteers march report'.split(
    ' ',
  );
function sentence(seed: number, length: number): string {
  const out: string[] = [];
  for (let i = 0; i < length; i++) out.push(words[(seed * 7 + i * 13 + ((i * i) % 11)) % words.length]!);
  const s = out.join(' ');
  return `${s.charAt(0).toUpperCase()}${s.slice(1)}.`;
}

/** Writes a WXR export of `posts` posts (and pages, attachments, a menu) to `file`; returns its size in bytes. */
export async function generateWxr(file: string, posts: number): Promise<number> {
  const out = createWriteStream(file);
  const write = async (s: string) => {
    if (!out.write(s)) await once(out, 'drain');
  };
  const site = 'https://old-site.example.org';
  await write(`<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:excerpt="http://wordpress.org/export/1.2/excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
<title>Benchmark Rights Trust</title><link>${site}</link><description>Generated</description>
<wp:wxr_version>1.2</wp:wxr_version><wp:base_site_url>${site}</wp:base_site_url><wp:base_blog_url>${site}</wp:base_blog_url>
<wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[editor]]></wp:author_login><wp:author_email><![CDATA[editor@old-site.example.org]]></wp:author_email><wp:author_display_name><![CDATA[The editor]]></wp:author_display_name></wp:author>
`);
  for (let c = 0; c < 25; c++)
    await write(
      `<wp:category><wp:term_id>${c + 10}</wp:term_id><wp:category_nicename><![CDATA[topic-${c}]]></wp:category_nicename><wp:category_parent><![CDATA[${c >= 20 ? 'topic-0' : ''}]]></wp:category_parent><wp:cat_name><![CDATA[Topic ${c}]]></wp:cat_name></wp:category>\n`,
    );
  for (let t = 0; t < 300; t++)
    await write(
      `<wp:tag><wp:term_id>${t + 100}</wp:term_id><wp:tag_slug><![CDATA[tag-${t}]]></wp:tag_slug><wp:tag_name><![CDATA[Tag ${t}]]></wp:tag_name></wp:tag>\n`,
    );
  const start = Date.UTC(2015, 0, 1);
  for (let i = 1; i <= posts; i++) {
    const d = new Date(start + i * 17 * 3600_000);
    const ymd = d.toISOString().slice(0, 10);
    const [y, m, day] = ymd.split('-');
    const slug = `post-${i}-${words[i % words.length]}`;
    const paragraphs: string[] = [];
    for (let p = 0; p < 14; p++) paragraphs.push(`${sentence(i + p, 40)} ${sentence(i * 3 + p, 35)}\n${sentence(i * 5 + p, 30)}`);
    const content = [
      paragraphs.slice(0, 3).join('\n\n'),
      `<h2>${sentence(i, 5)}</h2>`,
      `<ul>\n<li>${sentence(i + 1, 8)}</li>\n<li>${sentence(i + 2, 8)}</li>\n<li><a href="${site}/${y}/${m}/${day}/post-${Math.max(1, i - 1)}/">an older post</a></li>\n</ul>`,
      `[caption id="attachment_${i}" width="800"]<img src="${site}/wp-content/uploads/${y}/${m}/photo-${i}.jpg" alt="${sentence(i, 6)}" width="800" height="533" /> ${sentence(i + 9, 10)}[/caption]`,
      paragraphs.slice(3, 9).join('\n\n'),
      `<blockquote>${sentence(i + 4, 25)}</blockquote>`,
      i % 10 === 0 ? '[gallery ids="1,2,3"]' : '',
      paragraphs.slice(9).join('\n\n'),
    ].join('\n\n');
    const status = i % 50 === 0 ? 'draft' : 'publish';
    await write(`<item>
<title><![CDATA[${sentence(i, 7).replace(/\.$/, '')} (${i})]]></title>
<link>${site}/${y}/${m}/${day}/${slug}/</link>
<pubDate>${d.toUTCString().replace('GMT', '+0000')}</pubDate>
<dc:creator><![CDATA[editor]]></dc:creator>
<guid isPermaLink="false">${site}/?p=${i + 1000}</guid>
<description></description>
<content:encoded><![CDATA[${content}]]></content:encoded>
<excerpt:encoded><![CDATA[]]></excerpt:encoded>
<wp:post_id>${i + 1000}</wp:post_id>
<wp:post_date><![CDATA[${ymd} 10:00:00]]></wp:post_date>
<wp:post_date_gmt><![CDATA[${ymd} 10:00:00]]></wp:post_date_gmt>
<wp:post_name><![CDATA[${slug}]]></wp:post_name>
<wp:status><![CDATA[${status}]]></wp:status>
<wp:post_parent>0</wp:post_parent>
<wp:post_type><![CDATA[post]]></wp:post_type>
<wp:post_password><![CDATA[]]></wp:post_password>
<category domain="category" nicename="topic-${i % 25}"><![CDATA[Topic ${i % 25}]]></category>
<category domain="post_tag" nicename="tag-${i % 300}"><![CDATA[Tag ${i % 300}]]></category>
<category domain="post_tag" nicename="tag-${(i * 7) % 300}"><![CDATA[Tag ${(i * 7) % 300}]]></category>
</item>
`);
    if (i % 6 === 0)
      await write(`<item><title><![CDATA[photo-${i}]]></title><link>${site}/photo-${i}/</link><guid isPermaLink="false">${site}/wp-content/uploads/${y}/${m}/photo-${i}.jpg</guid><content:encoded><![CDATA[]]></content:encoded><wp:post_id>${i + 100_000}</wp:post_id><wp:post_name><![CDATA[photo-${i}]]></wp:post_name><wp:status><![CDATA[inherit]]></wp:status><wp:post_parent>${i + 1000}</wp:post_parent><wp:post_type><![CDATA[attachment]]></wp:post_type><wp:attachment_url><![CDATA[${site}/wp-content/uploads/${y}/${m}/photo-${i}.jpg]]></wp:attachment_url></item>
`);
  }
  for (let p = 1; p <= 10; p++)
    await write(`<item><title><![CDATA[Page ${p}]]></title><link>${site}/page-${p}/</link><content:encoded><![CDATA[${sentence(p, 60)}\n\n${sentence(p + 1, 60)}]]></content:encoded><wp:post_id>${p}</wp:post_id><wp:post_name><![CDATA[page-${p}]]></wp:post_name><wp:status><![CDATA[publish]]></wp:status><wp:post_parent>0</wp:post_parent><wp:post_type><![CDATA[page]]></wp:post_type></item>
`);
  await write('</channel>\n</rss>\n');
  out.end();
  await once(out, 'finish');
  return statSync(file).size;
}

function peakRssMb(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? (Number(m[1]) * 1024) / 1e6 : 0;
  } catch {
    return 0;
  }
}

/** Runs node with these arguments to the end, returning its wall time and its peak RSS as last read while it ran. */
async function measured(
  args: string[],
  env: NodeJS.ProcessEnv,
  logFile: string,
): Promise<{ seconds: number; rssMb: number; code: string }> {
  const t0 = performance.now();
  const p = startNode({ args, env, cwd: repoRoot, logFile });
  let rss = 0;
  while (!p.hasExited()) {
    rss = Math.max(rss, peakRssMb(p.pid));
    await sleep(25);
  }
  const code = await p.exited;
  return { seconds: (performance.now() - t0) / 1000, rssMb: rss, code };
}

/** The import's wall time and peak RSS beside the floor of stream-parsing the same file. */
export async function benchWordPress(log: (s: string) => void): Promise<Row[]> {
  const benchmark = 'wordpress (SQLite)';
  const dir = tempDir('wordpress');
  const file = join(dir, 'export.xml');
  const bytes = await generateWxr(file, POSTS);
  log(`${benchmark}: generated a ${POSTS.toLocaleString('en-GB')}-post export, ${(bytes / 1e6).toFixed(1)} MB`);

  const command = await lanternCommand();
  if (command.warning) log(`${benchmark}: ${command.warning}`);
  // As `npx lantern` runs it: the flags on the command's first line (#!/usr/bin/env -S node --max-semi-space-size=16).
  const shebang = readFileSync(join(repoRoot, 'src/cli.ts'), 'utf8').split('\n')[0]!.split(/\s+/);
  const flags = shebang.slice(shebang.indexOf('node') + 1);
  const cli = [...flags, ...(command.args.includes('dist/cli.js') ? ['dist/cli.js'] : ['--import', 'tsx', 'src/cli.ts'])];
  const env = {
    ...envWithoutLanternVars(),
    DATABASE_URL: `sqlite:${join(dir, 'lantern.db')}`,
    LANTERN_DATA_DIR: dir,
    LANTERN_SECRET: 'bench-secret-0123456789abcdef0123456789abcdef',
    BASE_URL: 'http://127.0.0.1:1',
    LOG_LEVEL: 'warn',
  };
  const migrated = await runCommand(process.execPath, [...cli, 'migrate'], { cwd: repoRoot, env, timeoutMs: 120_000 });
  if (migrated.code !== 0) throw new Error(`lantern migrate failed: ${migrated.stderr}`);

  const floor = await measured([join(repoRoot, 'bench/children/wordpress-parse.ts'), file], env, join(dir, 'floor.log'));
  if (floor.code !== '0')
    throw new Error(`the floor's parse failed (${floor.code}): ${readFileSync(join(dir, 'floor.log'), 'utf8').slice(-500)}`);
  log(`${benchmark}: floor (stream-parse with saxes, nothing else): ${floor.seconds.toFixed(1)} s, peak RSS ${floor.rssMb.toFixed(0)} MB`);

  const logFile = join(dir, 'import.log');
  const first = await measured([...cli, 'import', 'wordpress', file], env, logFile);
  const out = readFileSync(logFile, 'utf8');
  if (first.code !== '0') throw new Error(`the import failed (${first.code}):\n${out.slice(-2000)}`);
  const imported = /new: +([\d,]+) updates/.exec(out)?.[1] ?? '?';
  log(`${benchmark}: import: ${first.seconds.toFixed(1)} s, peak RSS ${first.rssMb.toFixed(0)} MB, ${imported} updates`);
  const again = await measured([...cli, 'import', 'wordpress', file], env, join(dir, 'again.log'));
  const unchanged = /unchanged: +([\d,]+) updates/.exec(readFileSync(join(dir, 'again.log'), 'utf8'))?.[1] ?? '?';
  log(
    `${benchmark}: second run (nothing to change): ${again.seconds.toFixed(1)} s, peak RSS ${again.rssMb.toFixed(0)} MB, ${unchanged} unchanged`,
  );

  const what = `a generated ${POSTS.toLocaleString('en-GB')}-post WXR (${(bytes / 1e6).toFixed(0)} MB, 25 categories, 300 tags, ~830 attachments, 10 pages), \`node ${cli.join(' ')} import wordpress FILE\` on a fresh, migrated SQLite database`;
  return [
    {
      benchmark,
      figure: `import a ${POSTS.toLocaleString('en-GB')}-post export`,
      value: first.seconds,
      unit: 's',
      floor: floor.seconds,
      ratio: first.seconds / floor.seconds,
      goal: `≤ ${TIME_GOAL_S} s`,
      met: first.seconds <= TIME_GOAL_S,
      note: `${what}; ${imported} updates imported; floor: the same Node stream-parsing the file with saxes, nothing else`,
    },
    {
      benchmark,
      figure: 'import peak RSS',
      value: first.rssMb,
      unit: 'MB',
      floor: floor.rssMb,
      goal: `≤ ${RSS_GOAL_MB} MB`,
      met: first.rssMb <= RSS_GOAL_MB,
      note: 'VmHWM of the import process, read from /proc/<pid>/status every 25 ms while it ran; floor: the parse-only process',
    },
    {
      benchmark,
      figure: 'second run of the same export (nothing changes)',
      value: again.seconds,
      unit: 's',
      goal: 'reported',
      met: null,
      note: `${unchanged} updates found unchanged`,
    },
  ];
}
