import { createHash } from 'node:crypto';
import { statSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import { recordAudit } from '../../core/audit.js';
import type { Core } from '../../core/context.js';
import type { DbOrTrx } from '../../core/db/index.js';
import { DomainError } from '../../core/web/errors.js';
import { getPageForStaff, hasPage, pageUrl, savePage } from '../service.js';
import { addRedirect, redirectKey } from '../redirects/service.js';
import { plainTextOfMarkdown } from '../search/service.js';
import {
  ensureCategory,
  findUpdateBySlug,
  getUpdateForStaff,
  isSlug,
  scheduleUpdate,
  slugify,
  upsertUpdateBySlug,
  type StaffMember,
} from '../updates/service.js';
import { convertPost, MAX_TAGS, MAX_TEXT, plainText, tidy } from './convert.js';
import { attachmentListed, findItem, insertAttachmentOnce, insertImport, upsertItem } from './queries.js';
import type { WordPressItemKind } from './tables.js';
import { DEFAULT_LIMITS, readWxr, WxrError, type WxrCategory, type WxrItem, type WxrLimits, type WxrSite, type WxrSource } from './wxr.js';

// `lantern import wordpress FILE.xml`: the whole file is read once first (cheap: it is streamed and nothing is kept)
// so that a malformed or hostile file is refused before anything is written; then it is read again and each item
// written. What each WordPress item became is recorded with a hash of what was imported, so running the import
// again writes nothing for an unchanged item, and an update staff have edited on Lantern since is left alone.

/** Bumped when the conversion changes, so a re-run brings every item up to date. */
const CONVERSION = 'wp-import-1';
/** The update editor's own limits (content/updates' form). */
const MAX_TITLE = 200;
const MAX_EXCERPT = 600;
const MAX_BODY = 200_000;
const FAR_TOO_LARGE = `Far more than an update holds (over ${MAX_TAGS.toLocaleString('en-GB')} pieces of formatting such as line breaks and links, or over ${MAX_TEXT.toLocaleString('en-GB')} characters): copy what matters by hand`;

/** What an import did (or, on a dry run, would do), for the person who ran it and for staff on the admin page. */
export interface ImportReport {
  site: string;
  fileName: string;
  dryRun: boolean;
  items: number;
  imported: Record<WordPressItemKind, number>;
  updated: Record<WordPressItemKind, number>;
  unchanged: Record<WordPressItemKind, number>;
  /** Why items were left out, with how many and the first few titles. */
  skipped: Array<{ reason: string; count: number; examples: string[] }>;
  /** What was imported differently from WordPress (a private post as a draft…), as for skipped. */
  notes: Array<{ reason: string; count: number; examples: string[] }>;
  droppedShortcodes: Record<string, number>;
  redirects: number;
  /** Files newly listed for staff to fetch by hand (attachments and images in posts). */
  attachmentsListed: number;
}

export interface ImportOptions {
  fileName: string;
  dryRun?: boolean;
  /** A line of progress, now and then (the command writes them to stderr). */
  progress?: (line: string) => void;
  limits?: WxrLimits;
  /** Who runs it (the command has no staff member: the audit log shows "the WordPress import"). */
  staff?: StaffMember;
  now?: () => number;
  /** The first parts of every address the site answers (a page may not take one: /updates, /act…). */
  takenAddresses?: ReadonlySet<string>;
}

const zero = (): Record<WordPressItemKind, number> => ({ update: 0, page: 0, category: 0 });
const EXAMPLES = 5;

class Tally {
  private readonly groups = new Map<string, { count: number; examples: string[] }>();
  add(reason: string, example: string, n = 1) {
    let g = this.groups.get(reason);
    if (!g) this.groups.set(reason, (g = { count: 0, examples: [] }));
    g.count += n;
    if (g.examples.length < EXAMPLES && example) g.examples.push(example);
  }
  list() {
    return [...this.groups].map(([reason, g]) => ({ reason, ...g }));
  }
}

const SKIPPED_TYPES: Record<string, string> = {
  nav_menu_item: 'WordPress menu entries are not imported: set up the navigation on Lantern',
  revision: 'Earlier revisions are not imported (each post comes with its latest text)',
  wp_block: 'Reusable blocks are not imported',
  wp_template: 'Theme templates are not imported',
  wp_template_part: 'Theme templates are not imported',
  wp_global_styles: 'Theme styles are not imported',
  wp_navigation: 'WordPress menu entries are not imported: set up the navigation on Lantern',
  custom_css: 'Theme styles are not imported',
  customize_changeset: 'Theme settings are not imported',
  oembed_cache: 'Cached embeds are not imported',
  wpcf7_contact_form: 'Contact forms are not imported: Lantern has its own',
  user_request: 'Personal data requests are not imported',
};

/** Reads the whole export once without writing, to refuse a bad file before anything is written; counts items. */
async function survey(source: WxrSource, limits: WxrLimits): Promise<{ site: WxrSite; items: number }> {
  let site: WxrSite | undefined;
  let items = 0;
  for await (const e of readWxr(source, limits)) {
    if (e.kind === 'site') site = e.site;
    else if (e.kind === 'item') items++;
  }
  if (!site) throw new WxrError('This is not a WordPress export');
  return { site, items };
}

/** The old site's address as recorded beside each item: its base URL without a trailing slash. */
function sourceOf(site: WxrSite): string {
  const base = site.baseBlogUrl || site.link || site.baseSiteUrl;
  return base.trim().replace(/\/+$/, '') || 'wordpress';
}

function originsOf(site: WxrSite): string[] {
  const out = new Set<string>();
  for (const u of [site.link, site.baseSiteUrl, site.baseBlogUrl]) {
    try {
      const url = new URL(u);
      out.add(url.origin);
      // The same site is often linked with and without www., and over http before it moved to https.
      const host = url.hostname.startsWith('www.') ? url.hostname.slice(4) : `www.${url.hostname}`;
      for (const scheme of ['http:', 'https:']) {
        out.add(`${scheme}//${url.host}`);
        out.add(`${scheme}//${host}${url.port ? `:${url.port}` : ''}`);
      }
    } catch {
      // Not an address: nothing to recognise links by.
    }
  }
  return [...out];
}

/** "2020-01-02 10:00:00" as UTC (WordPress's _gmt dates), or from the RSS date; undefined when there is none. */
export function wordpressDate(gmt: string, pubDate: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})$/.exec(gmt.trim());
  if (m && m[1] !== '0000') {
    const t = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
    if (Number.isFinite(t)) return t;
  }
  const t = Date.parse(pubDate);
  return Number.isFinite(t) && !pubDate.startsWith('Mon, 30 Nov -0001') ? t : undefined;
}

function decodedName(postName: string): string {
  try {
    return decodeURIComponent(postName);
  } catch {
    return postName;
  }
}

/** The path of a link to the old site, or undefined when it points elsewhere. */
function oldPath(link: string, origins: readonly string[]): string | undefined {
  // A link with "." or ".." steps is read by the address parser as another page's address (no export writes one).
  if (/\/(?:\.|%2e){1,2}(?:[/?#]|$)/i.test(link)) return undefined;
  try {
    const url = new URL(link);
    if (!origins.includes(url.origin)) return undefined;
    return `${url.pathname}${url.search}`;
  } catch {
    return undefined;
  }
}

/**
 * The old addresses that can lead somewhere, each once: not the site's own front page (a static front page's
 * address is the site itself: "/" is Lantern's home page), nor one that resolves there ("/2024/05/01/../"), nor
 * the new address itself.
 */
function redirectable(paths: Iterable<string>, to: string): string[] {
  const target = redirectKey(to);
  const keys = new Set<string>();
  for (const p of paths) {
    const key = redirectKey(p);
    if (key && key !== '/' && key !== target) keys.add(key);
  }
  return [...keys];
}

/** Every address a published post was known by on WordPress: /?p=ID, its permalink, /YYYY/MM/DD/slug/, /slug/. */
function postPermalinks(item: WxrItem, origins: readonly string[]): string[] {
  const out = new Set<string>([`/?p=${item.postId}`]);
  const link = oldPath(item.link, origins);
  if (link) out.add(link);
  const name = item.postName.trim();
  // A name that is "." or ".." (written plainly or as %2e) would be read as a step up the address, not a name.
  if (name && /^[^/?#\s]+$/.test(name) && !/^(?:\.|%2e){1,2}$/i.test(name)) {
    out.add(`/${name}/`);
    const d = /^(\d{4})-(\d{2})-(\d{2})/.exec(item.postDate);
    if (d && d[1] !== '0000') {
      out.add(`/${d[1]}/${d[2]}/${d[3]}/${name}/`);
      out.add(`/${d[1]}/${d[2]}/${name}/`);
    }
  }
  return [...out];
}

const hashOf = (v: unknown) => createHash('sha256').update(CONVERSION).update(JSON.stringify(v)).digest('base64url');

/** Imports a WordPress export (see the file's comment); throws WxrError when the file is refused, having written nothing. */
export async function importWordPress(core: Core, source: WxrSource, o: ImportOptions): Promise<ImportReport> {
  const limits = o.limits ?? DEFAULT_LIMITS;
  const now = o.now ?? Date.now;
  const staff: StaffMember = o.staff ?? { id: null, name: 'the WordPress import' };
  const dryRun = o.dryRun ?? false;
  const progress = o.progress ?? (() => undefined);
  const startedAt = now();

  if (typeof source !== 'string') throw new Error('importWordPress reads a file (it reads it twice)');
  progress('Checking the export…');
  const checked = fileState(source);
  const surveyed = await survey(source, limits);
  const site = sourceOf(surveyed.site);
  const origins = originsOf(surveyed.site);

  const report: ImportReport = {
    site,
    fileName: o.fileName,
    dryRun,
    items: surveyed.items,
    imported: zero(),
    updated: zero(),
    unchanged: zero(),
    skipped: [],
    notes: [],
    droppedShortcodes: {},
    redirects: 0,
    attachmentsListed: 0,
  };
  const skipped = new Tally();
  const notes = new Tally();
  const categoryIds = new Map<string, number>();
  const categoryParents = new Map<string, string>();
  const authors = new Map<string, string>();
  // On a dry run, a file listed earlier in this same run counts once.
  const listedThisRun = new Set<string>();
  // The WordPress ids of the posts and pages met so far: a second item with the same id would overwrite the first,
  // and on every later run the two would overwrite each other.
  const idsThisRun = new Set<number>();
  /** Why an item cannot be imported by its id, if it cannot. */
  const idProblem = (item: WxrItem): string | undefined => {
    if (item.postId === 0) return 'No WordPress id in the export, so a later import could not recognise it';
    if (idsThisRun.has(item.postId)) return 'The export holds another item with the same WordPress id: the first was imported';
    idsThisRun.add(item.postId);
    return undefined;
  };
  let read = 0;
  let lastProgress = Date.now();
  const total = surveyed.items.toLocaleString('en-GB');

  const redirect = async (db: DbOrTrx, from: string, to: string) => {
    if (!dryRun) await addRedirect(db, from, to);
    report.redirects++;
  };

  const listFile = async (db: DbOrTrx, f: { url: string; title: string; parentKey: string | null }) => {
    if (!/^https?:\/\//i.test(f.url) || f.url.length > 2000 || listedThisRun.has(f.url)) return;
    listedThisRun.add(f.url);
    if (dryRun) {
      if (!(await attachmentListed(db, site, f.url))) report.attachmentsListed++;
      return;
    }
    if (await insertAttachmentOnce(db, { source: site, url: f.url, title: f.title.slice(0, 300), parentKey: f.parentKey, at: now() }))
      report.attachmentsListed++;
  };

  const importCategory = async (c: WxrCategory) => {
    const slug = isSlug(c.slug) ? c.slug : slugify(decodedName(c.slug) || c.name, 'category');
    const name = plainText(c.name).slice(0, 120) || slug;
    categoryParents.set(c.slug, c.parent);
    // A category named only in a post has no term id in the export: it is known by its slug.
    const key = c.termId ? `term:${c.termId}` : `category:${c.slug}`;
    const hash = hashOf({ slug, name, description: c.description });
    const before = await findItem(core.db, site, key);
    if (before && before.hash === hash) {
      categoryIds.set(c.slug, Number(before.ref));
      report.unchanged.category++;
      return;
    }
    // WordPress's addresses of a category: /category/parent/child/, /category/child/ and /?cat=ID.
    const chain = [c.slug];
    for (let p = c.parent, n = 0; p && n < 10; p = categoryParents.get(p) ?? '', n++) chain.unshift(p);
    const from = redirectable(
      [`/category/${chain.join('/')}/`, `/category/${c.slug}/`, ...(c.termId ? [`/?cat=${c.termId}`] : [])],
      `/categories/${slug}`,
    );
    if (dryRun) {
      report[before ? 'updated' : 'imported'].category++;
      report.redirects += from.length;
      categoryIds.set(c.slug, -1);
      return;
    }
    await core.db.transaction().execute(async (trx) => {
      const id = await ensureCategory(trx, { slug, name, description: plainText(c.description).slice(0, 600) });
      categoryIds.set(c.slug, id);
      await upsertItem(trx, { source: site, wpKey: key, kind: 'category', ref: String(id), hash, at: now() });
      for (const f of from) await redirect(trx, f, `/categories/${slug}`);
    });
    report[before ? 'updated' : 'imported'].category++;
  };

  /** The category of a post named only in the post (not in the channel's list): made as it is met. */
  const categoryOf = async (nicename: string, name: string): Promise<number | undefined> => {
    if (!nicename) return undefined;
    if (!categoryIds.has(nicename)) await importCategory({ termId: 0, slug: nicename, name, parent: '', description: '' });
    const id = categoryIds.get(nicename);
    return id !== undefined && id > 0 ? id : undefined;
  };

  const importPost = async (item: WxrItem) => {
    const key = `post:${item.postId}`;
    const label = plainText(item.title) || `WordPress post ${item.postId}`;
    const problem = idProblem(item);
    if (problem) return skipped.add(problem, label);
    if (item.status === 'trash') return skipped.add('In the WordPress bin', label);
    if (item.status === 'auto-draft' || item.status === 'inherit')
      return skipped.add('Automatic drafts WordPress keeps are not imported', label);
    const author = tidy(authors.get(item.creator) ?? item.creator, 'single').slice(0, 120);
    // The hash is of what the export says (and of the conversion's version): an unchanged post is not converted again.
    const hash = hashOf({
      title: item.title,
      content: item.content,
      excerpt: item.excerpt,
      author,
      postName: item.postName,
      dates: [item.postDateGmt, item.pubDate],
      status: item.status,
      password: item.postPassword !== '',
      categories: item.categories,
    });
    const before = await findItem(core.db, site, key);
    const current = before?.kind === 'update' ? await getUpdateForStaff(core.db, Number(before.ref)) : undefined;
    if (before && current && before.hash === hash) {
      report.unchanged.update++;
      return;
    }
    if (current && current.updatedAt > Number(before!.changed_at))
      return skipped.add('Changed on Lantern since it was imported: left as staff edited it', label);

    const converted = convertPost(item.content, { oldOrigins: origins });
    for (const [name, n] of Object.entries(converted.droppedShortcodes))
      report.droppedShortcodes[name] = (report.droppedShortcodes[name] ?? 0) + n;
    if (converted.tooLarge) return skipped.add(FAR_TOO_LARGE, label);
    if (converted.markdown.length > MAX_BODY)
      return skipped.add(`Longer than an update may be (${MAX_BODY.toLocaleString('en-GB')} characters)`, label);
    const title = label.slice(0, MAX_TITLE);
    const excerptSource = plainText(item.excerpt) || plainTextOfMarkdown(converted.markdown).replace(/\s+/g, ' ').trim();
    const excerpt = shorten(excerptSource, 300).slice(0, MAX_EXCERPT);
    const date = wordpressDate(item.postDateGmt, item.pubDate);
    const categories: Array<{ nicename: string; name: string }> = [];
    const tags: string[] = [];
    for (const c of item.categories) {
      if (c.domain === 'category') categories.push({ nicename: c.nicename, name: c.name });
      else if (c.domain === 'post_tag') tags.push(plainText(c.name).slice(0, 60));
    }
    // What WordPress showed the public decides what Lantern shows: private and password-protected posts stay drafts.
    let status: 'draft' | 'published' | 'scheduled' = 'draft';
    if (item.postPassword) notes.add('Protected by a password on WordPress: imported as a draft', label);
    else if (item.status === 'private') notes.add('Private on WordPress: imported as a draft', label);
    else if (item.status === 'publish') status = 'published';
    else if (item.status === 'future') status = date !== undefined && date > now() ? 'scheduled' : 'published';
    else if (item.status === 'pending') notes.add('Waiting for review on WordPress: imported as a draft', label);
    if (status === 'published' && date === undefined) notes.add('No publication date in the export: dated today', label);

    const slug = current?.slug ?? (await freeSlug(core, item, title));
    const categoryIdList: number[] = [];
    for (const c of categories) {
      const id = await categoryOf(c.nicename, c.name);
      if (id !== undefined) categoryIdList.push(id);
    }
    if (dryRun) {
      report[current ? 'updated' : 'imported'].update++;
      for (const img of converted.images) await listFile(core.db, { url: img.src, title: img.alt, parentKey: key });
      if (status === 'published') report.redirects += redirectable(postPermalinks(item, origins), `/updates/${slug}`).length;
      return;
    }
    let id: number;
    try {
      ({ id } = await upsertUpdateBySlug(
        core,
        {
          slug,
          title,
          excerpt,
          bodyMd: converted.markdown,
          authorKind: author ? 'custom' : 'organisation',
          authorName: author,
          categoryIds: categoryIdList,
          tags,
        },
        // A scheduled update's date is set when it goes out.
        { status: status === 'published' ? 'published' : 'draft', publishedAt: status === 'scheduled' ? null : (date ?? null) },
        staff,
      ));
      if (status === 'scheduled') await scheduleUpdate(core, id, date!, staff, now());
    } catch (e) {
      if (e instanceof DomainError) return skipped.add(`Lantern could not take it: ${e.message}`, label);
      throw e;
    }
    const saved = await getUpdateForStaff(core.db, id);
    await core.db.transaction().execute(async (trx) => {
      await upsertItem(trx, { source: site, wpKey: key, kind: 'update', ref: String(id), hash, at: saved?.updatedAt ?? now() });
      const to = `/updates/${saved?.slug ?? slug}`;
      if (status === 'published') for (const from of redirectable(postPermalinks(item, origins), to)) await redirect(trx, from, to);
      for (const img of converted.images) await listFile(trx, { url: img.src, title: img.alt, parentKey: key });
    });
    report[current ? 'updated' : 'imported'].update++;
  };

  const importPage = async (item: WxrItem) => {
    const key = `post:${item.postId}`;
    const label = plainText(item.title) || `WordPress page ${item.postId}`;
    const problem = idProblem(item);
    if (problem) return skipped.add(problem, label);
    if (item.status === 'trash') return skipped.add('In the WordPress bin', label);
    if (item.status === 'auto-draft' || item.status === 'inherit')
      return skipped.add('Automatic drafts WordPress keeps are not imported', label);
    const published = item.status === 'publish' && !item.postPassword;
    const before = await findItem(core.db, site, key);
    const hash = hashOf({ title: item.title, content: item.content, excerpt: item.excerpt, postName: item.postName, published });
    const current = before?.kind === 'page' ? await getPageForStaff(core.db, before.ref) : undefined;
    if (before && current && before.hash === hash) {
      report.unchanged.page++;
      return;
    }
    if (current && current.updatedAt > Number(before!.changed_at))
      return skipped.add('Changed on Lantern since it was imported: left as staff edited it', label);
    if (item.postPassword) notes.add('Protected by a password on WordPress: imported as a draft', label);
    else if (item.status === 'private') notes.add('Private on WordPress: imported as a draft', label);
    const converted = convertPost(item.content, { oldOrigins: origins });
    for (const [name, n] of Object.entries(converted.droppedShortcodes))
      report.droppedShortcodes[name] = (report.droppedShortcodes[name] ?? 0) + n;
    if (converted.tooLarge) return skipped.add(FAR_TOO_LARGE, label);
    const name = decodedName(item.postName);
    const slug = current?.slug ?? (isSlug(name) ? name : slugify(name || label, 'page'));
    // Lantern's own pages (home, privacy, about, contact) and any page staff wrote are never replaced by an import.
    const ours = slug === 'home' || slug === 'privacy' || (o.takenAddresses?.has(slug) ?? false);
    if (!current && (ours || (await hasPage(core.db, slug))))
      return skipped.add('Lantern already has a page at that address: copy its words by hand if they should replace it', label);
    const summary = shorten(plainText(item.excerpt) || plainTextOfMarkdown(converted.markdown).replace(/\s+/g, ' ').trim(), 300);
    const input = {
      slug,
      title: label.slice(0, MAX_TITLE),
      summary,
      body: converted.markdown,
      published,
      navPosition: current?.navPosition ?? null,
    };
    const link = oldPath(item.link, origins);
    const from = redirectable([`/?page_id=${item.postId}`, `/?p=${item.postId}`, ...(link ? [link] : [])], pageUrl(slug));
    if (dryRun) {
      report[current ? 'updated' : 'imported'].page++;
      if (published) report.redirects += from.length;
      for (const img of converted.images) await listFile(core.db, { url: img.src, title: img.alt, parentKey: key });
      return;
    }
    try {
      await savePage(core, input, { staffId: staff.id, taken: o.takenAddresses ?? new Set(), isNew: !current });
    } catch (e) {
      if (e instanceof DomainError) return skipped.add(`Lantern could not take it: ${e.message} (/${slug})`, label);
      throw e;
    }
    const saved = await getPageForStaff(core.db, slug);
    await core.db.transaction().execute(async (trx) => {
      await upsertItem(trx, { source: site, wpKey: key, kind: 'page', ref: slug, hash, at: saved?.updatedAt ?? now() });
      if (published) for (const f of from) await redirect(trx, f, pageUrl(slug));
      for (const img of converted.images) await listFile(trx, { url: img.src, title: img.alt, parentKey: key });
    });
    report[current ? 'updated' : 'imported'].page++;
  };

  progress(`The export holds ${total} items from ${site}. Importing…`);
  // What was checked is what is imported: a file replaced in between (an export written again) is refused unread.
  if (fileState(source) !== checked)
    throw new WxrError(
      'The export changed while it was being checked; nothing was imported. Run the import again once the file is complete',
    );
  for await (const e of readWxr(source, limits)) {
    switch (e.kind) {
      case 'site':
        break;
      case 'category':
        if (e.category.slug) await importCategory(e.category);
        break;
      case 'tag':
        // Tags are made by name as the posts that carry them are imported; Lantern has no page per tag.
        break;
      case 'author':
        authors.set(e.author.login, e.author.displayName);
        break;
      case 'item': {
        const item = e.item;
        if (item.comments > 0) skipped.add('Comments are not imported (they hold commenters’ personal details)', '', item.comments);
        if (item.postType === 'post') await importPost(item);
        else if (item.postType === 'page') await importPage(item);
        else if (item.postType === 'attachment') {
          await listFile(core.db, {
            url: item.attachmentUrl || item.guid,
            title: plainText(item.title),
            parentKey: item.postParent ? `post:${item.postParent}` : null,
          });
        } else skipped.add(SKIPPED_TYPES[item.postType] ?? `Items of the kind “${item.postType}” are not imported`, plainText(item.title));
        read++;
        if (read % 500 === 0 || Date.now() - lastProgress > 2000) {
          lastProgress = Date.now();
          progress(`Read ${read.toLocaleString('en-GB')} of ${total} items…`);
        }
        // SQLite's calls are synchronous: let the event loop breathe between items.
        if (read % 50 === 0) await new Promise((r) => setImmediate(r));
        if (read % 100 === 0) collectGarbage();
        break;
      }
    }
  }
  report.skipped = skipped.list();
  report.notes = notes.list();
  if (!dryRun) {
    await core.db.transaction().execute(async (trx) => {
      const id = await insertImport(trx, {
        fileName: o.fileName,
        source: site,
        report: JSON.stringify(report),
        startedAt,
        finishedAt: now(),
      });
      await recordAudit(trx, {
        staffId: staff.id,
        action: 'wordpress.import',
        target: `wordpress_import ${id}`,
        details: { imported: report.imported, updated: report.updated },
      });
    });
  }
  return report;
}

// Converting a post makes a few megabytes of short-lived objects (two HTML parses, a DOM for turndown), and V8 lets
// its heap grow far past what is alive before collecting it in earnest: with nothing else running in the command,
// a full collection every hundred items keeps a 50 MB export's import within a bounded size (the live set is about
// 50 MB) for about a second in all. Where the runtime does not allow it, the import simply runs without it.
let gc: (() => void) | null | undefined;
function collectGarbage(): void {
  if (gc === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gc = vm.runInNewContext('gc') as () => void;
    } catch {
      gc = null;
    }
  }
  gc?.();
}

/** A file's size and last change, to tell whether it changed between the two readings. */
function fileState(file: string): string {
  try {
    const s = statSync(file, { bigint: true });
    return `${s.size} ${s.mtimeNs} ${s.ino}`;
  } catch {
    return 'missing';
  }
}

/** A slug for a post imported for the first time: its WordPress slug unless an update of Lantern's own has it. */
async function freeSlug(core: Core, item: WxrItem, title: string): Promise<string> {
  const name = decodedName(item.postName);
  const base = isSlug(name) ? name : slugify(name || title);
  let slug = base === 'preview' ? 'preview-2' : base;
  for (let n = 2; await findUpdateBySlug(core.db, slug); n++) slug = `${base.slice(0, 74)}-${n}`;
  return slug;
}

function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = s.slice(0, max - 1);
  const space = cut.lastIndexOf(' ');
  return `${(space > max / 2 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The report in words, as the command prints it. */
export function describeReport(r: ImportReport): string {
  const n = (x: number) => x.toLocaleString('en-GB');
  const kinds = (k: Record<WordPressItemKind, number>) =>
    `${n(k.update)} update${k.update === 1 ? '' : 's'}, ${n(k.page)} page${k.page === 1 ? '' : 's'}, ${n(k.category)} categor${k.category === 1 ? 'y' : 'ies'}`;
  const lines = [
    r.dryRun ? `Dry run: nothing was written. Importing ${r.fileName} would do this:` : `Imported ${r.fileName} (${r.site}):`,
    `  new:       ${kinds(r.imported)}`,
    `  updated:   ${kinds(r.updated)}`,
    `  unchanged: ${kinds(r.unchanged)}`,
    `  old addresses redirected: ${n(r.redirects)}`,
  ];
  const group = (title: string, list: ImportReport['skipped']) => {
    if (!list.length) return;
    lines.push('', title);
    for (const s of list) lines.push(`  ${n(s.count)} × ${s.reason}${s.examples.length ? ` (for example: ${s.examples.join('; ')})` : ''}`);
  };
  group('Skipped:', r.skipped);
  group('Imported differently:', r.notes);
  const shortcodes = Object.entries(r.droppedShortcodes);
  if (shortcodes.length) lines.push('', `Shortcodes left out: ${shortcodes.map(([name, c]) => `[${name}] × ${n(c)}`).join(', ')}`);
  if (r.attachmentsListed)
    lines.push(
      '',
      `${n(r.attachmentsListed)} images and files the export only points at were listed for staff to upload by hand`,
      '(on the admin page /admin/content/wordpress; nothing was fetched from the old site).',
    );
  return lines.join('\n');
}
