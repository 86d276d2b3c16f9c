import { createHash } from 'node:crypto';
import { getCampaign } from '../../actions/service.js';
import { recordAudit } from '../../core/audit.js';
import type { Core } from '../../core/context.js';
import type { Db, DbOrTrx } from '../../core/db/index.js';
import { isUniqueViolation } from '../../core/db/errors.js';
import { deleteFiles, findFileById, insertFile } from '../../core/files.js';
import { imageFormatOf } from '../../core/images.js';
import { getSiteSettings } from '../../core/settings.js';
import { utcToZonedLocal } from '../../core/time.js';
import { DomainError } from '../../core/web/errors.js';
import type { MemoryUpload } from '../../core/web/uploads.js';
import { addRedirect } from '../redirects/service.js';
import { indexDocument, unindexDocument } from '../search/service.js';
import { isSlug, slugify } from '../updates/service.js';
import {
  countDownload,
  countPublishedResources,
  countResources,
  deleteResourceRow,
  findResourceById,
  findResourceBySlug,
  insertResource,
  listPublishedResourceRows,
  listResourceRowsForStaff,
  listResourceYears,
  resourceSlugTaken,
  sumDownloads,
  updateResourceRow,
  type ResourceFilter,
  type ResourceListRow,
} from './queries.js';
import type { FileKind, ResourceType } from './tables.js';

// The resources library: briefing papers, resource packs, submissions and reports supporters download. A file's kind
// is found from its own bytes (a PDF's header and end, a word-processor file's zip directory, an image's first
// bytes, a video's boxes or EBML header), never from its name or the type the browser declared; anything else is
// refused and nothing is stored. A download is sent as an attachment with nosniff and a policy that runs nothing, so a
// file that is also a page (a polyglot) is never shown as one; a video's page plays that same download in a <video>
// (a media element ignores the attachment). A PDF's text is read by a job for the site search. Downloads are counted per
// resource and day, with nothing about who downloaded.

export { RESOURCE_TYPES_IN_WORDS } from './words.js';
export type { ResourceType } from './tables.js';

/** The most a server keeps in memory for one upload, whatever the setting says (the setting may be lower). */
export const RESOURCE_UPLOAD_CEILING = 50 * 1024 * 1024;
/** The most text kept from one PDF for the search. */
const MAX_TEXT = 1_000_000;
/** The most pages of one PDF read for the search. */
const MAX_PAGES = 300;
export const RESOURCES_PER_PAGE = 12;

export const RESOURCE_TYPES: readonly ResourceType[] = ['briefing', 'pack', 'submission', 'report', 'guide', 'other'];

const KINDS: Record<FileKind, { contentType: string; ext: string; words: string }> = {
  pdf: { contentType: 'application/pdf', ext: 'pdf', words: 'PDF' },
  docx: { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', ext: 'docx', words: 'Word document' },
  odt: { contentType: 'application/vnd.oasis.opendocument.text', ext: 'odt', words: 'OpenDocument text' },
  png: { contentType: 'image/png', ext: 'png', words: 'PNG image' },
  jpeg: { contentType: 'image/jpeg', ext: 'jpg', words: 'JPEG image' },
  webp: { contentType: 'image/webp', ext: 'webp', words: 'WebP image' },
  mp4: { contentType: 'video/mp4', ext: 'mp4', words: 'MP4 video' },
  webm: { contentType: 'video/webm', ext: 'webm', words: 'WebM video' },
};

const TYPE_MESSAGE =
  'The file must be a PDF, a Word (.docx) or OpenDocument (.odt) document, a PNG, JPEG or WebP image, or an MP4 or WebM video';

/** The brands of an MP4 browsers play (QuickTime's 'qt  ' is not among them: its files are not always MP4s). */
const MP4_BRANDS = new Set(['isom', 'iso2', 'mp41', 'mp42', 'avc1', 'M4V ']);

/**
 * Whether the bytes are a whole ISO base media file (MP4): an 'ftyp' box first, naming a brand browsers play, then
 * top-level boxes that fill the file exactly (a file cut short, or with something else after its boxes, is not one).
 */
function isMp4(bytes: Buffer): boolean {
  if (bytes.length < 16 || bytes.subarray(4, 8).toString('latin1') !== 'ftyp') return false;
  const ftyp = bytes.readUInt32BE(0);
  if (ftyp < 16 || ftyp > 1024 || ftyp % 4 !== 0 || ftyp > bytes.length) return false;
  const brands = [bytes.subarray(8, 12)];
  for (let at = 16; at < ftyp; at += 4) brands.push(bytes.subarray(at, at + 4));
  if (!brands.some((b) => MP4_BRANDS.has(b.toString('latin1')))) return false;
  let at = ftyp;
  for (let boxes = 0; at < bytes.length && boxes < 100_000; boxes++) {
    if (at + 8 > bytes.length || !/^[\x20-\x7e]{4}$/.test(bytes.subarray(at + 4, at + 8).toString('latin1'))) return false;
    let size = bytes.readUInt32BE(at);
    // Size 1: a 64-bit size follows the type; size 0: the box runs to the end of the file.
    if (size === 1) {
      if (at + 16 > bytes.length) return false;
      size = Number(bytes.readBigUInt64BE(at + 8));
      if (size < 16) return false;
    } else if (size === 0) size = bytes.length - at;
    else if (size < 8) return false;
    at += size;
  }
  return at === bytes.length;
}

/** Whether the bytes begin as a WebM file: the EBML magic, then the DocType element saying "webm" in the header. */
function isWebm(bytes: Buffer): boolean {
  if (!bytes.subarray(0, 4).equals(Buffer.from([0x1a, 0x45, 0xdf, 0xa3]))) return false;
  const head = bytes.subarray(0, 64);
  for (let at = head.indexOf(Buffer.from([0x42, 0x82])); at >= 0; at = head.indexOf(Buffer.from([0x42, 0x82]), at + 1)) {
    // The DocType's size is an EBML variable-length number: its first byte's leading zeros say how many bytes it has.
    const first = head[at + 2] ?? 0;
    const length = Math.clz32(first) - 23;
    if (first === 0 || length > 8) continue;
    let size = first & (0xff >> length);
    for (let i = 1; i < length; i++) size = size * 256 + (head[at + 2 + i] ?? 0);
    const start = at + 2 + length;
    if (size === 4 && head.subarray(start, start + 4).toString('latin1') === 'webm') return true;
  }
  return false;
}

/** The names in a zip file's central directory (at its end), or undefined when it is not a whole zip file. */
function zipNames(bytes: Buffer): string[] | undefined {
  // The end-of-central-directory record: its signature within the last 64 KiB (after the longest comment).
  const from = Math.max(0, bytes.length - 65_557);
  const eocd = bytes.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]), bytes.length - 22);
  if (eocd < from || eocd < 0) return undefined;
  const entries = bytes.readUInt16LE(eocd + 10);
  let at = bytes.readUInt32LE(eocd + 16);
  const names: string[] = [];
  for (let i = 0; i < entries && i < 10_000; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== 0x02014b50) return undefined;
    const nameLength = bytes.readUInt16LE(at + 28);
    const extra = bytes.readUInt16LE(at + 30);
    const comment = bytes.readUInt16LE(at + 32);
    names.push(bytes.subarray(at + 46, at + 46 + nameLength).toString('utf8'));
    at += 46 + nameLength + extra + comment;
  }
  return names;
}

/** What the file is, from its own bytes; undefined for anything the library does not take. */
export function fileKindOf(bytes: Buffer): FileKind | undefined {
  if (bytes.subarray(0, 5).toString('latin1') === '%PDF-') {
    // A whole PDF ends with %%EOF (perhaps followed by a line break or a few bytes of padding).
    return bytes.subarray(Math.max(0, bytes.length - 1024)).includes('%%EOF') ? 'pdf' : undefined;
  }
  if (bytes.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    const names = zipNames(bytes);
    if (!names) return undefined;
    // An OpenDocument text begins with its mimetype, stored uncompressed.
    if (names[0] === 'mimetype' && bytes.subarray(30, 200).toString('latin1').includes('application/vnd.oasis.opendocument.text'))
      return 'odt';
    if (names.includes('[Content_Types].xml') && names.includes('word/document.xml')) return 'docx';
    return undefined;
  }
  if (isMp4(bytes)) return 'mp4';
  if (isWebm(bytes)) return 'webm';
  const image = imageFormatOf(bytes);
  return image === 'png' || image === 'jpeg' || image === 'webp' ? image : undefined;
}

/** A resource as pages show it (its text is kept for the search, not shown). */
export interface Resource {
  id: number;
  slug: string;
  url: string;
  title: string;
  summary: string;
  type: ResourceType;
  publishedOn: string;
  campaignId: number | null;
  fileKind: FileKind;
  fileWords: string;
  /** What a <video> plays when the file is a video (its download, from this site), or null. */
  video: { src: string; type: string } | null;
  byteSize: number;
  pageCount: number | null;
  status: 'draft' | 'published';
  textState: string;
  updatedAt: number;
}

function toResource(r: ResourceListRow): Resource {
  return {
    id: Number(r.id),
    slug: r.slug,
    url: `/resources/${r.slug}`,
    title: r.title,
    summary: r.summary,
    type: r.type,
    publishedOn: r.published_on,
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    fileKind: r.file_kind,
    fileWords: KINDS[r.file_kind].words,
    video:
      r.file_kind === 'mp4' || r.file_kind === 'webm'
        ? { src: `/resources/${r.slug}/download`, type: KINDS[r.file_kind].contentType }
        : null,
    byteSize: Number(r.byte_size),
    pageCount: r.page_count,
    status: r.status,
    textState: r.text_state,
    updatedAt: r.updated_at,
  };
}

/** The size of a file in words ("1.2 MB", "840 KB"). */
export function sizeInWords(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  return `${Math.max(1, Math.round(bytes / 1024))} KB`;
}

/** Published resources, newest first, a page at a time, with the years there are for the filter. */
export async function listPublishedResources(
  db: Db,
  f: ResourceFilter & { page?: number; perPage?: number },
): Promise<{ total: number; items: Resource[]; years: number[] }> {
  const perPage = f.perPage ?? RESOURCES_PER_PAGE;
  const page = f.page ?? 1;
  const [rows, total, years] = await Promise.all([
    listPublishedResourceRows(db, f, { limit: perPage, offset: (page - 1) * perPage }),
    countPublishedResources(db, f),
    listResourceYears(db),
  ]);
  return { total, items: rows.map(toResource), years };
}

/** A campaign's published resources, newest first (for its hub, feeds and the sitemap). */
export async function listResources(db: Db, o: { campaignId?: number; limit: number }): Promise<Resource[]> {
  return (await listPublishedResourceRows(db, { campaignId: o.campaignId }, { limit: o.limit, offset: 0 })).map(toResource);
}

/** A published resource by slug. */
export async function getPublishedResource(db: DbOrTrx, slug: string): Promise<Resource | undefined> {
  if (!isSlug(slug)) return undefined;
  const row = await findResourceBySlug(db, slug);
  return row && row.status === 'published' ? toResource(row) : undefined;
}

/** A published resource by id (an event's recording from the library), or undefined. */
export async function getPublishedResourceById(db: DbOrTrx, id: number): Promise<Resource | undefined> {
  const row = await findResourceById(db, id);
  return row && row.status === 'published' ? toResource(row) : undefined;
}

/** A published resource's file, counted as one download unless `count` is false; undefined when there is none. */
export async function downloadResource(
  core: Core,
  slug: string,
  o: { count: boolean } = { count: true },
): Promise<{ resource: Resource; bytes: Uint8Array; contentType: string; fileName: string } | undefined> {
  const resource = await getPublishedResource(core.db, slug);
  if (!resource) return undefined;
  const row = await findResourceBySlug(core.db, slug);
  const file = row ? await findFileById(core.db, Number(row.file_id)) : undefined;
  if (!file) return undefined;
  // One small write per download, beside sending up to megabytes: cheaper than anything that batches it.
  if (o.count) await countDownload(core.db, resource.id, new Date().toISOString().slice(0, 10));
  return {
    resource,
    bytes: file.bytes,
    contentType: KINDS[resource.fileKind].contentType,
    fileName: `${resource.slug}.${KINDS[resource.fileKind].ext}`,
  };
}

/** What staff type about a resource. */
export interface ResourceInput {
  title: string;
  slug?: string | undefined;
  summary: string;
  type: ResourceType;
  publishedOn?: string | undefined;
  campaignId?: number | null | undefined;
}

/** Who makes a change. */
export interface Staff {
  id: number | null;
}

const invalid = (field: string, message: string) => new DomainError('invalid', message, { [field]: message });

async function checkedFields(core: Core, input: ResourceInput, exceptId?: number) {
  const site = await getSiteSettings(core.db);
  const slug = input.slug ? input.slug : slugify(input.title, 'resource');
  if (!isSlug(slug)) throw invalid('slug', 'Use only lower-case letters, numbers and hyphens in the web address');
  if (await resourceSlugTaken(core.db, slug, exceptId)) throw invalid('slug', 'Another resource has this web address: choose another');
  if (input.campaignId != null && !(await getCampaign(core.db, { id: input.campaignId })))
    throw invalid('campaignId', 'Choose a campaign from the list');
  const publishedOn = input.publishedOn || utcToZonedLocal(Date.now(), site.timeZone).slice(0, 10);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(publishedOn) || Number.isNaN(Date.parse(`${publishedOn}T00:00:00Z`))) {
    throw invalid('publishedOn', 'Enter the date like 2026-12-04');
  }
  return { slug, publishedOn, maxBytes: site.resourceMaxMb * 1024 * 1024, maxMb: site.resourceMaxMb };
}

/** The file of an upload, checked: its kind from its bytes, not empty, within the organisation's limit. */
function checkedFile(upload: MemoryUpload | undefined, o: { maxBytes: number; maxMb: number }): { kind: FileKind; bytes: Buffer } {
  if (!upload) throw invalid('file', 'Choose the file to upload');
  if (upload.truncated || upload.bytes.byteLength > o.maxBytes) throw invalid('file', `The file must be ${o.maxMb} MB or smaller`);
  if (upload.bytes.byteLength === 0) throw invalid('file', 'The file is empty. Choose it again');
  const kind = fileKindOf(upload.bytes);
  if (!kind) throw invalid('file', TYPE_MESSAGE);
  return { kind, bytes: upload.bytes };
}

async function storeFile(trx: DbOrTrx, f: { kind: FileKind; bytes: Buffer }, now: number): Promise<number> {
  return insertFile(trx, {
    contentType: KINDS[f.kind].contentType,
    bytes: f.bytes,
    sha256: createHash('sha256').update(f.bytes).digest('hex'),
    at: now,
  });
}

/** Adds a resource as a draft with its file; a PDF's text is read by a job. Nothing is stored on refusal. */
export async function createResource(
  core: Core,
  input: ResourceInput,
  upload: MemoryUpload | undefined,
  staff: Staff,
): Promise<{ id: number; slug: string }> {
  const c = await checkedFields(core, input);
  const file = checkedFile(upload, c);
  try {
    return await core.db.transaction().execute(async (trx) => {
      const now = Date.now();
      const fileId = await storeFile(trx, file, now);
      const id = await insertResource(trx, {
        slug: c.slug,
        title: input.title,
        summary: input.summary,
        type: input.type,
        published_on: c.publishedOn,
        campaign_id: input.campaignId ?? null,
        file_id: fileId,
        file_kind: file.kind,
        byte_size: file.bytes.byteLength,
        page_count: null,
        text: '',
        text_state: file.kind === 'pdf' ? 'waiting' : 'none',
        status: 'draft',
        created_by: staff.id,
        created_at: now,
        updated_at: now,
      });
      if (file.kind === 'pdf') await core.queue.enqueue(trx, 'readResourceText', { resourceId: id });
      await recordAudit(trx, { staffId: staff.id, action: 'resource.create', target: `resource ${id}` });
      return { id, slug: c.slug };
    });
  } catch (e) {
    if (isUniqueViolation(e)) throw invalid('slug', 'Another resource has this web address: choose another');
    throw e;
  }
}

/** Changes a resource's details and, when a new file is given, its file; a renamed slug leaves a redirect. */
export async function saveResource(
  core: Core,
  id: number,
  input: ResourceInput,
  upload: MemoryUpload | undefined,
  staff: Staff,
): Promise<{ slug: string }> {
  const current = await findResourceById(core.db, id);
  if (!current) throw new DomainError('not_found', 'There is no such resource.');
  const c = await checkedFields(core, input, id);
  const file = upload ? checkedFile(upload, c) : undefined;
  await core.db.transaction().execute(async (trx) => {
    const now = Date.now();
    const fileId = file ? await storeFile(trx, file, now) : undefined;
    await updateResourceRow(trx, id, {
      slug: c.slug,
      title: input.title,
      summary: input.summary,
      type: input.type,
      published_on: c.publishedOn,
      campaign_id: input.campaignId ?? null,
      updated_at: now,
      ...(file && fileId !== undefined
        ? {
            file_id: fileId,
            file_kind: file.kind,
            byte_size: file.bytes.byteLength,
            page_count: null,
            text: '',
            text_state: file.kind === 'pdf' ? 'waiting' : 'none',
          }
        : {}),
    });
    if (fileId !== undefined) {
      await deleteFiles(trx, [Number(current.file_id)]);
      if (file?.kind === 'pdf') await core.queue.enqueue(trx, 'readResourceText', { resourceId: id });
    }
    if (c.slug !== current.slug) await addRedirect(trx, `/resources/${current.slug}`, `/resources/${c.slug}`);
    await indexResource(trx, id);
    await recordAudit(trx, { staffId: staff.id, action: fileId ? 'resource.replace' : 'resource.save', target: `resource ${id}` });
  });
  return { slug: c.slug };
}

/** Publishes or takes off the website a resource. */
export async function setResourcePublished(core: Core, id: number, publish: boolean, staff: Staff): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const current = await findResourceById(trx, id);
    if (!current) throw new DomainError('not_found', 'There is no such resource.');
    await updateResourceRow(trx, id, { status: publish ? 'published' : 'draft', updated_at: Date.now() });
    await indexResource(trx, id);
    await recordAudit(trx, { staffId: staff.id, action: publish ? 'resource.publish' : 'resource.unpublish', target: `resource ${id}` });
  });
}

/** Deletes a resource and its file. */
export async function deleteResource(core: Core, id: number, staff: Staff): Promise<void> {
  await core.db.transaction().execute(async (trx) => {
    const current = await findResourceById(trx, id);
    if (!current) throw new DomainError('not_found', 'There is no such resource.');
    await deleteResourceRow(trx, id);
    await deleteFiles(trx, [Number(current.file_id)]);
    await unindexDocument(trx, 'resource', id);
    await recordAudit(trx, { staffId: staff.id, action: 'resource.delete', target: `resource ${id}`, details: { title: current.title } });
  });
}

/** Puts a resource into the site search as it now stands (its PDF's text too), or takes it out when not published. */
export async function indexResource(db: DbOrTrx, id: number): Promise<void> {
  const r = await findResourceById(db, id);
  if (!r || r.status !== 'published') {
    await unindexDocument(db, 'resource', id);
    return;
  }
  await indexDocument(db, {
    kind: 'resource',
    ref: id,
    title: r.title,
    summary: r.summary,
    body: r.text,
    url: `/resources/${r.slug}`,
    publishedAt: Date.parse(`${r.published_on}T12:00:00Z`),
    campaignId: r.campaign_id === null ? null : Number(r.campaign_id),
    resourceType: r.type,
    year: Number(r.published_on.slice(0, 4)),
  });
}

/** Reads a PDF resource's text for the search (the job readResourceText); a PDF that cannot be read is noted, not retried. */
export async function readResourceText(core: Core, resourceId: number): Promise<void> {
  const r = await findResourceById(core.db, resourceId);
  if (!r || r.file_kind !== 'pdf') return;
  const file = await findFileById(core.db, Number(r.file_id));
  if (!file) return;
  let text = '';
  let pages: number | null = null;
  let state: 'read' | 'unreadable' = 'read';
  try {
    // Loaded on first use: the PDF reader is large, and a web process that never reads a PDF should not hold it.
    const { getDocumentProxy } = await import('unpdf');
    const pdf = await getDocumentProxy(new Uint8Array(file.bytes), { stopAtErrors: false });
    pages = pdf.numPages;
    const parts: string[] = [];
    let length = 0;
    for (let i = 1; i <= Math.min(pdf.numPages, MAX_PAGES) && length < MAX_TEXT; i++) {
      const page = await pdf.getPage(i);
      const content = await page.getTextContent();
      const pageText = content.items.map((item) => ('str' in item ? item.str : '')).join(' ');
      parts.push(pageText);
      length += pageText.length;
    }
    text = parts.join('\n').replace(/\s+/g, ' ').trim().slice(0, MAX_TEXT);
  } catch {
    state = 'unreadable';
  }
  await core.db.transaction().execute(async (trx) => {
    await updateResourceRow(trx, resourceId, { text, page_count: pages, text_state: state });
    await indexResource(trx, resourceId);
  });
}

/** Resources for staff, newest first, with their download counts. */
export async function listResourcesForStaff(
  core: Core,
  o: { page: number; perPage: number },
): Promise<{ total: number; items: Array<Resource & { downloads: number }> }> {
  const [rows, total] = await Promise.all([
    listResourceRowsForStaff(core.db, { limit: o.perPage, offset: (o.page - 1) * o.perPage }),
    countResources(core.db),
  ]);
  const downloads = await sumDownloads(
    core.db,
    rows.map((r) => Number(r.id)),
  );
  return { total, items: rows.map((r) => ({ ...toResource(r), downloads: downloads.get(Number(r.id)) ?? 0 })) };
}

/** One resource for staff, with its download count. */
export async function getResourceForStaff(core: Core, id: number): Promise<(Resource & { downloads: number }) | undefined> {
  const r = await findResourceById(core.db, id);
  if (!r) return undefined;
  const downloads = await sumDownloads(core.db, [id]);
  return { ...toResource(r), downloads: downloads.get(id) ?? 0 };
}
