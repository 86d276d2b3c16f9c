import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { refusedFields } from '../core/web/public-forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import { registerStoredUploadRoutes, type StoredUploads } from '../core/web/uploads.js';
import {
  archiveList,
  bulkTag,
  changeList,
  createList,
  displayName,
  eraseSupporterForStaff,
  constituencyChoices,
  filterChoices,
  placeNames,
  ListCreateSchema,
  ListEditSchema,
  listForStaff,
  listsForStaff,
  searchSupporters,
  sendSupporterTheirData,
  supporterPage,
  SupporterEditSchema,
  TagFormSchema,
  tagSupporter,
  untagSupporter,
  updateSupporterDetails,
} from './admin-service.js';
import type { ListChoice } from './admin-views.js';
import { ImportDoneView, ImportMappingView, ImportProgressView, ImportReportView, ImportUploadView } from './import-views.js';
import { ListFormView, ListsView } from './list-views.js';
import { ExportView, SupportersView, type SupportersPageProps } from './search-views.js';
import { SaveSegmentView, SegmentsView } from './segment-views.js';
import { EraseView, SupporterEditView, SupporterView } from './supporter-views.js';
import { exportCount, exportSupporters } from './export.js';
import { filterQueryString, parseFilters, segmentPart, tagField, type FilterState } from './filters.js';
import { ENCODINGS, previewImport, UPLOAD_LIMIT_BYTES, type FileEncoding, type ImportView } from './import-file.js';
import { deleteImport, confirmImport, encodingProblem, parseMappingForm, startImportCheck } from './import-mapping.js';
import { adoptUpload, discardUpload, getImport, recentImports, storeUpload } from './import-upload.js';
import { countSegmentMembers, createSegment, deleteSegment, listSegments, renameSegment, SegmentNameSchema } from './segments.js';

// The staff side of supporters: the route table, with the permission beside every route. Handlers parse with zod,
// call the services, and render or redirect; a refused form comes back with its messages and a 422.

const VIEW = can('supporters:view');
const MANAGE = can('supporters:manage');
const IMPORT = can('supporters:import');
const EXPORT = can('supporters:export');
const LISTS = can('lists:manage');

export const adminRoutes: RouteTable = [
  // the supporters list, bulk tags
  get('/admin/supporters', VIEW, showSupporters),
  post('/admin/supporters/tags', MANAGE, bulkTagSupporters),
  // saved segments
  get('/admin/supporters/segments', VIEW, showSegments),
  post('/admin/supporters/segments', MANAGE, saveSegment),
  post('/admin/supporters/segments/:id/rename', MANAGE, renameSegmentByForm),
  post('/admin/supporters/segments/:id/delete', MANAGE, deleteSegmentByForm),
  // export
  get('/admin/supporters/export', EXPORT, showExport),
  post('/admin/supporters/export', EXPORT, downloadExport),
  // import (the upload itself is in importUploadRoutes below)
  get('/admin/supporters/import', IMPORT, showImportUpload),
  get('/admin/supporters/import/:id', IMPORT, showImport),
  post('/admin/supporters/import/:id/check', IMPORT, checkImport),
  post('/admin/supporters/import/:id/confirm', IMPORT, confirmImportByForm),
  post('/admin/supporters/import/:id/delete', IMPORT, deleteImportByForm),
  // one supporter
  get('/admin/supporters/:id', VIEW, showSupporter),
  get('/admin/supporters/:id/edit', MANAGE, showSupporterEdit),
  post('/admin/supporters/:id', MANAGE, saveSupporterDetails),
  post('/admin/supporters/:id/tags', MANAGE, addSupporterTag),
  post('/admin/supporters/:id/tags/remove', MANAGE, removeSupporterTag),
  post('/admin/supporters/:id/send-data', MANAGE, sendTheirData),
  get('/admin/supporters/:id/erase', MANAGE, showEraseSupporter),
  post('/admin/supporters/:id/erase', MANAGE, eraseSupporterByForm),
  // lists
  get('/admin/lists', LISTS, showLists),
  get('/admin/lists/new', LISTS, showNewList),
  post('/admin/lists', LISTS, createListByForm),
  get('/admin/lists/:id', LISTS, showList),
  post('/admin/lists/:id', LISTS, saveList),
  post('/admin/lists/:id/archive', LISTS, archiveListByForm),
  post('/admin/lists/:id/unarchive', LISTS, unarchiveListByForm),
];

/** The CSV upload: multipart is accepted on this route only, so setupImportUploads registers it in a scope of its own. */
export const importUploadRoutes: RouteTable = [post('/admin/supporters/import', IMPORT, uploadImportFile)];

const IdParams = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
const PageQuery = z.object({ page: z.coerce.number().int().min(1).max(100_000).catch(1).default(1) });
const PAGE_SIZE = 50;

const notFound = () => new AppError(404, 'not_found', 'There is nothing here.');
const idOf = (params: unknown) => {
  const p = IdParams.safeParse(params);
  if (!p.success) throw notFound();
  return p.data.id;
};

const NOTICES: Record<string, string> = {
  saved: 'The details were saved.',
  'tag-added': 'The tag was added.',
  'tag-removed': 'The tag was removed.',
  'data-sent': 'A link to download their data is on its way to their email address.',
  erased: 'The supporter was erased.',
  'segment-saved': 'The segment was saved.',
  'segment-renamed': 'The segment was renamed.',
  'segment-deleted': 'The segment was deleted.',
  'list-created': 'The list was created.',
  'list-saved': 'The list was saved.',
  'list-archived': 'The list was archived.',
  'list-unarchived': 'The list is open again.',
};

const noticeFor = (q: unknown) => NOTICES[formValues(q).done ?? ''];

// The tag field is "bulkTag": the form also carries the filters, one of which is "tag".
const BulkTagSchema = z
  .object({
    action: z.enum(['add', 'remove'], { error: 'Choose whether to add or remove the tag' }),
    bulkTag: tagField(),
    scope: z.enum(['ticked', 'all'], { error: 'Choose which supporters to tag' }),
    ids: z.preprocess(
      (v) => (v === undefined ? [] : Array.isArray(v) ? v : [v]),
      z
        .array(z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER), { error: 'Tick supporters from the list' })
        .max(PAGE_SIZE, 'Tick supporters from the list'),
    ),
  })
  .refine((f) => f.scope === 'all' || f.ids.length > 0, {
    path: ['scope'],
    message: 'Tick at least one supporter, or choose all the supporters matching the filters',
  });

const EraseSchema = z.object({ confirm: z.literal('on', { error: 'Tick the box to confirm that you want to erase this supporter' }) });

const tz = async (core: Core) => (await getSiteSettings(core.db)).timeZone;

/** The lists as the filters, forms and pages show them. */
async function listChoices(core: Core): Promise<ListChoice[]> {
  return (await listsForStaff(core)).map((l) => ({
    id: l.id,
    name: l.name,
    slug: l.slug,
    wording: l.wording,
    archived: l.archived_at !== null,
  }));
}

// ---- the supporters list --------------------------------------------------------------------------------------

/** Renders the supporters page for the filters (or their refusal), with the results when the filters are valid. */
async function supportersPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  input: unknown,
  o: { status?: number; errors?: Record<string, string>; values?: Record<string, string>; page?: number } = {},
) {
  const viewer = req.viewer!;
  const filters = parseFilters(input);
  const [lists, choices, timeZone] = await Promise.all([listChoices(core), filterChoices(core), tz(core)]);
  const page = o.page ?? PageQuery.parse(req.query ?? {}).page;
  const state: FilterState = filters.ok ? filters.state : {};
  const result = filters.ok ? await searchSupporters(core, state, { page, pageSize: PAGE_SIZE, timeZone }) : undefined;
  const props: SupportersPageProps = {
    csrf: req.csrfToken(),
    tz: timeZone,
    state,
    values: { ...formValues(input), ...o.values },
    errors: filters.ok ? o.errors : { ...filters.errors, ...o.errors },
    lists,
    tags: choices.tags,
    sources: choices.sources,
    constituencies: choices.constituencies,
    result,
    page,
    pageSize: PAGE_SIZE,
    can: { manage: viewer.can('supporters:manage'), export: viewer.can('supporters:export'), import: viewer.can('supporters:import') },
    notice: noticeFor(req.query),
  };
  const status = o.status ?? (filters.ok ? 200 : 422);
  return reply.adminPage({
    title: 'Supporters',
    status,
    body: <SupportersView {...props} notice={bulkNotice(req.query) ?? props.notice} />,
  });
}

async function showSupporters(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return supportersPage(req, reply, core, req.query);
}

async function bulkTagSupporters(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const filters = parseFilters(req.body);
  const page = PageQuery.parse(formValues(req.body)).page;
  if (!filters.ok) return supportersPage(req, reply, core, req.body, { status: 422, page });
  const form = parseForm(BulkTagSchema, req.body);
  if (!form.ok) return supportersPage(req, reply, core, req.body, { status: 422, errors: form.errors, values: form.values, page });
  const n = await bulkTag(core, req.viewer!.id, {
    action: form.data.action,
    tag: form.data.bulkTag,
    scope: form.data.scope,
    ids: form.data.ids,
    state: filters.state,
    timeZone: await tz(core),
  });
  const done = form.data.action === 'add' ? 'bulk-added' : 'bulk-removed';
  return reply.redirect(`/admin/supporters${filterQueryString(filters.state, { page, done, n, t: form.data.bulkTag })}`, 303);
}

// ---- segments -------------------------------------------------------------------------------------------------

async function segmentsPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { status?: number; errors?: Record<string, string>; editing?: number; values?: Record<string, string> } = {},
) {
  const [segments, lists, places] = await Promise.all([listSegments(core.db), listChoices(core), placeNames(core)]);
  const counts = await countSegmentMembers(core.db, segments);
  return reply.adminPage({
    title: 'Saved segments',
    status: o.status ?? 200,
    body: (
      <SegmentsView
        csrf={req.csrfToken()}
        segments={segments.map((s) => ({ ...s, count: counts.get(s.id) ?? 0 }))}
        lists={lists}
        places={places}
        canManage={req.viewer!.can('supporters:manage')}
        notice={noticeFor(req.query)}
        errors={o.errors}
        editing={o.editing}
        values={o.values}
      />
    ),
  });
}

async function showSegments(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return segmentsPage(req, reply, core);
}

async function saveSegment(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const filters = parseFilters(req.body);
  const form = parseForm(SegmentNameSchema, req.body);
  if (!filters.ok || !form.ok) {
    const state = filters.ok ? filters.state : {};
    const errors = { ...(filters.ok ? {} : filters.errors), ...(form.ok ? {} : form.errors) };
    return reply.adminPage({
      title: 'Save a segment',
      status: 422,
      body: (
        <SaveSegmentView
          csrf={req.csrfToken()}
          state={segmentPart(state)}
          lists={await listChoices(core)}
          places={await placeNames(core)}
          values={formValues(req.body)}
          errors={errors}
        />
      ),
    });
  }
  await createSegment(core, req.viewer!.id, { name: form.data.name, filters: segmentPart(filters.state) });
  return reply.redirect('/admin/supporters/segments?done=segment-saved', 303);
}

async function renameSegmentByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(SegmentNameSchema, req.body);
  if (!form.ok) return segmentsPage(req, reply, core, { status: 422, errors: form.errors, editing: id, values: form.values });
  await renameSegment(core, req.viewer!.id, id, form.data.name);
  return reply.redirect('/admin/supporters/segments?done=segment-renamed', 303);
}

async function deleteSegmentByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  try {
    await deleteSegment(core, req.viewer!.id, id);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'conflict')
      return segmentsPage(req, reply, core, { status: 409, errors: { _form: err.message } });
    throw err;
  }
  return reply.redirect('/admin/supporters/segments?done=segment-deleted', 303);
}

// ---- export ---------------------------------------------------------------------------------------------------

async function showExport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const filters = parseFilters(req.query);
  if (!filters.ok) return supportersPage(req, reply, core, req.query, { status: 422 });
  const [count, lists, places] = await Promise.all([exportCount(core, filters.state, await tz(core)), listChoices(core), placeNames(core)]);
  return reply.adminPage({
    title: 'Export supporters',
    body: <ExportView csrf={req.csrfToken()} state={filters.state} lists={lists} places={places} count={count} />,
  });
}

async function downloadExport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const filters = parseFilters(req.body);
  if (!filters.ok) return supportersPage(req, reply, core, req.body, { status: 422 });
  const { stream } = await exportSupporters(core, req.viewer!.id, filters.state, await tz(core));
  const day = new Date().toISOString().slice(0, 10);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="supporters-${day}.csv"`)
    .send(stream);
}

// ---- import ---------------------------------------------------------------------------------------------------

/** The file each upload request stored, set once the upload route is registered. */
let uploads: StoredUploads;

/**
 * Multipart is accepted on the upload route only, in a scope of its own; the file is streamed into encrypted chunks
 * as it arrives, and deleted if the request then fails any check.
 */
export async function setupImportUploads(app: FastifyInstance, core: Core): Promise<void> {
  uploads = await registerStoredUploadRoutes(app, core, {
    routes: importUploadRoutes,
    maxBytes: UPLOAD_LIMIT_BYTES,
    fields: 5,
    fieldSize: 4096,
    store: (staffId, filename, file) => storeUpload(core, staffId, filename, file),
    discard: (id) => discardUpload(core, id),
  });
}

async function uploadPage(req: FastifyRequest, reply: FastifyReply, core: Core, errors?: Record<string, string>) {
  return reply.adminPage({
    title: 'Import supporters',
    status: errors ? 422 : 200,
    body: <ImportUploadView csrf={req.csrfToken()} tz={await tz(core)} errors={errors} recent={await recentImports(core)} />,
  });
}

async function showImportUpload(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return uploadPage(req, reply, core);
}

async function uploadImportFile(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const u = uploads.get(req);
  if (!u) return uploadPage(req, reply, core, { file: 'Choose a CSV file to upload' });
  if (!u.ok) return uploadPage(req, reply, core, { file: u.message });
  uploads.keep(req);
  await adoptUpload(core, req.viewer!.id, u.id);
  return reply.redirect(`/admin/supporters/import/${u.id}`, 303);
}

const ImportPageQuery = z.object({
  encoding: z.enum(ENCODINGS).optional().catch(undefined),
  header: z.string().optional().catch(undefined),
  read: z.string().optional().catch(undefined),
  refresh: z.string().optional().catch(undefined),
  change: z.string().optional().catch(undefined),
});

async function mappingPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  imp: ImportView,
  o: {
    encoding: FileEncoding;
    header: boolean | undefined;
    values?: Record<string, string>;
    listsChecked?: string[];
    errors?: Record<string, string>;
    status?: number;
  },
) {
  const [preview, lists, timeZone] = await Promise.all([
    previewImport(core, imp, { encoding: o.encoding, header: o.header }),
    listChoices(core),
    tz(core),
  ]);
  const s = imp.settings;
  const fromSettings: Record<string, string> = s
    ? {
        basis: s.basis,
        consentDate: s.consentDate ?? '',
        evidence: s.evidence,
        tag: s.tag ?? '',
        ...(s.columns.length === preview.headings.length ? Object.fromEntries(s.columns.map((c, i) => [`col_${i}`, c])) : {}),
      }
    : {};
  return reply.adminPage({
    title: 'Choose the columns',
    status: o.status ?? 200,
    body: (
      <ImportMappingView
        csrf={req.csrfToken()}
        tz={timeZone}
        imp={imp}
        encoding={o.encoding}
        preview={preview}
        lists={lists}
        values={o.values ?? fromSettings}
        lists_checked={o.listsChecked ?? s?.listIds.map(String) ?? []}
        errors={o.errors}
      />
    ),
  });
}

/** An import's page for its state: progress, the check's report, the end, or the column mapping. */
async function showImport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const imp = await getImport(core, idOf(req.params));
  const q = ImportPageQuery.parse(formValues(req.query));
  if (imp.status === 'checking' || imp.status === 'importing') {
    return reply.adminPage({
      title: imp.status === 'checking' ? 'Checking the file' : 'Importing supporters',
      body: <ImportProgressView imp={imp} refresh={q.refresh === 'on'} />,
    });
  }
  const changing = q.change === '1' || q.read === '1';
  if (imp.status === 'checked' && !changing) {
    return reply.adminPage({
      title: 'Check before importing',
      body: <ImportReportView csrf={req.csrfToken()} imp={imp} lists={await listChoices(core)} />,
    });
  }
  if (imp.status === 'imported' || (imp.status === 'failed' && !changing)) {
    return reply.adminPage({
      title: imp.status === 'imported' ? 'Import finished' : 'The import stopped',
      body: <ImportDoneView csrf={req.csrfToken()} imp={imp} />,
    });
  }
  const encoding = (q.read === '1' ? q.encoding : undefined) ?? imp.settings?.encoding ?? imp.detectedEncoding;
  const header = q.read === '1' ? q.header === '1' : imp.settings?.header;
  return mappingPage(req, reply, core, imp, { encoding, header });
}

async function checkImport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const imp = await getImport(core, idOf(req.params));
  if (!['uploaded', 'checked', 'failed'].includes(imp.status))
    throw new AppError(409, 'conflict', 'This file is being checked or imported already; wait for it to finish.');
  const body = formValues(req.body);
  const posted = (ENCODINGS as readonly string[]).includes(body.encoding ?? '') ? (body.encoding as FileEncoding) : imp.detectedEncoding;
  // A refused encoding is reported on the form, which is shown again reading the file as it was detected.
  const encoding = encodingProblem(posted, imp.detectedEncoding) ? imp.detectedEncoding : posted;
  const header = body.header === '1' || body.header === 'on';
  const raw = (req.body ?? {}) as Record<string, unknown>;
  const listsChecked = (Array.isArray(raw.lists) ? raw.lists : [raw.lists]).filter((x): x is string => typeof x === 'string');
  const again = (errors: Record<string, string>, status = 422) =>
    mappingPage(req, reply, core, imp, { encoding, header, values: body, listsChecked, errors, status });
  const preview = await previewImport(core, imp, { encoding, header });
  if (preview.problem || preview.tooWide || preview.headings.length === 0)
    return again({ _form: preview.problem ?? 'No columns were found in this file.' });
  if (body.width !== String(preview.headings.length))
    return again({ columns: 'The columns changed since the page was shown: check what each column holds again.' });
  const form = parseMappingForm(req.body, preview.headings.length, imp.detectedEncoding);
  if (!form.ok) return again(form.errors);
  try {
    await startImportCheck(core, req.viewer!.id, imp.id, form.data, preview.delimiter);
  } catch (err) {
    return again(refusedFields(err));
  }
  return reply.redirect(`/admin/supporters/import/${imp.id}`, 303);
}

async function confirmImportByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await confirmImport(core, req.viewer!.id, id);
  return reply.redirect(`/admin/supporters/import/${id}`, 303);
}

async function deleteImportByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  await deleteImport(core, req.viewer!.id, idOf(req.params));
  return reply.redirect('/admin/supporters/import', 303);
}

// ---- one supporter --------------------------------------------------------------------------------------------

async function supporterView(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { status?: number; errors?: Record<string, string>; values?: Record<string, string> } = {},
) {
  const [data, timeZone] = await Promise.all([supporterPage(core, id), tz(core)]);
  const name = displayName(data.supporter);
  return reply.adminPage({
    title: name,
    status: o.status ?? 200,
    body: (
      <SupporterView
        csrf={req.csrfToken()}
        tz={timeZone}
        supporter={data.supporter}
        constituencyName={data.constituencyName}
        name={name}
        subscriptions={data.subscriptions}
        ledger={data.ledger}
        tags={data.tags}
        timeline={data.timeline}
        canManage={req.viewer!.can('supporters:manage')}
        notice={noticeFor(req.query)}
        errors={o.errors}
        values={o.values}
      />
    ),
  });
}

async function showSupporter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return supporterView(req, reply, core, idOf(req.params));
}

async function editPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const { supporter } = await supporterPage(core, id);
  if (supporter.erasedAt !== null) throw new AppError(409, 'conflict', 'This supporter was erased; there is nothing to change.');
  const values = o.values ?? {
    email: supporter.email ?? '',
    firstName: supporter.firstName ?? '',
    lastName: supporter.lastName ?? '',
    postcode: supporter.postcode ?? '',
    phone: supporter.phone ?? '',
    address: supporter.address ?? '',
    constituency: supporter.constituencyCode ?? '',
  };
  return reply.adminPage({
    title: 'Change details',
    status: o.errors ? 422 : 200,
    body: (
      <SupporterEditView
        csrf={req.csrfToken()}
        id={id}
        name={displayName(supporter)}
        values={values}
        errors={o.errors}
        constituencies={await constituencyChoices(core)}
      />
    ),
  });
}

async function showSupporterEdit(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return editPage(req, reply, core, idOf(req.params));
}

async function saveSupporterDetails(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(SupporterEditSchema, req.body);
  if (!form.ok) return editPage(req, reply, core, id, { values: form.values, errors: form.errors });
  try {
    await updateSupporterDetails(core, req.viewer!.id, id, form.data);
  } catch (err) {
    return editPage(req, reply, core, id, { values: formValues(req.body), errors: refusedFields(err) });
  }
  return reply.redirect(`/admin/supporters/${id}?done=saved`, 303);
}

async function addSupporterTag(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(TagFormSchema, req.body);
  if (!form.ok) return supporterView(req, reply, core, id, { status: 422, errors: form.errors, values: form.values });
  await tagSupporter(core, req.viewer!.id, id, form.data.tag);
  return reply.redirect(`/admin/supporters/${id}?done=tag-added`, 303);
}

async function removeSupporterTag(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(TagFormSchema, req.body);
  if (!form.ok) return supporterView(req, reply, core, id, { status: 422, errors: form.errors });
  await untagSupporter(core, req.viewer!.id, id, form.data.tag);
  return reply.redirect(`/admin/supporters/${id}?done=tag-removed`, 303);
}

async function sendTheirData(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await sendSupporterTheirData(core, req.viewer!.id, id);
  return reply.redirect(`/admin/supporters/${id}?done=data-sent`, 303);
}

async function erasePage(req: FastifyRequest, reply: FastifyReply, core: Core, id: number, errors?: Record<string, string>) {
  const { supporter } = await supporterPage(core, id);
  if (supporter.erasedAt !== null) return reply.redirect(`/admin/supporters/${id}`, 303);
  return reply.adminPage({
    title: 'Erase a supporter',
    status: errors ? 422 : 200,
    body: <EraseView csrf={req.csrfToken()} id={id} name={displayName(supporter)} errors={errors} />,
  });
}

async function showEraseSupporter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return erasePage(req, reply, core, idOf(req.params));
}

async function eraseSupporterByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(EraseSchema, req.body);
  if (!form.ok) return erasePage(req, reply, core, id, form.errors);
  await eraseSupporterForStaff(core, req.viewer!.id, id);
  return reply.redirect(`/admin/supporters/${id}?done=erased`, 303);
}

// ---- lists ----------------------------------------------------------------------------------------------------

async function showLists(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.adminPage({ title: 'Lists', body: <ListsView lists={await listsForStaff(core)} notice={noticeFor(req.query)} /> });
}

async function showNewList(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.adminPage({ title: 'Create a list', body: <ListFormView csrf={req.csrfToken()} tz={await tz(core)} values={{}} /> });
}

async function createListByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(ListCreateSchema, req.body);
  const again = async (errors: Record<string, string>) =>
    reply.adminPage({
      title: 'Create a list',
      status: 422,
      body: <ListFormView csrf={req.csrfToken()} tz={await tz(core)} values={formValues(req.body)} errors={errors} />,
    });
  if (!form.ok) return again(form.errors);
  let id: number;
  try {
    id = await createList(core, req.viewer!.id, form.data);
  } catch (err) {
    return again(refusedFields(err));
  }
  return reply.redirect(`/admin/lists/${id}?done=list-created`, 303);
}

async function listPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const { list, wordings } = await listForStaff(core, id);
  const summary = (await listsForStaff(core)).find((l) => l.id === id)!;
  const values = o.values ?? { name: list.name, description: list.description, wording: list.wording };
  return reply.adminPage({
    title: list.name,
    status: o.errors ? 422 : 200,
    body: (
      <ListFormView
        csrf={req.csrfToken()}
        tz={await tz(core)}
        list={summary}
        wordings={wordings}
        values={values}
        errors={o.errors}
        notice={noticeFor(req.query)}
      />
    ),
  });
}

async function showList(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return listPage(req, reply, core, idOf(req.params));
}

async function saveList(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  const form = parseForm(ListEditSchema, req.body);
  if (!form.ok) return listPage(req, reply, core, id, { values: form.values, errors: form.errors });
  await changeList(core, req.viewer!.id, id, form.data);
  return reply.redirect(`/admin/lists/${id}?done=list-saved`, 303);
}

async function archiveListByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await archiveList(core, req.viewer!.id, id, true);
  return reply.redirect(`/admin/lists/${id}?done=list-archived`, 303);
}

async function unarchiveListByForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req.params);
  await archiveList(core, req.viewer!.id, id, false);
  return reply.redirect(`/admin/lists/${id}?done=list-unarchived`, 303);
}

/** The notice after a bulk tag change, from the redirect's query. */
function bulkNotice(q: unknown): string | undefined {
  const v = formValues(q);
  if (v.done !== 'bulk-added' && v.done !== 'bulk-removed') return undefined;
  const n = Number(v.n);
  const tag = tagField().safeParse(v.t ?? '');
  if (!Number.isInteger(n) || n < 0 || !tag.success) return undefined;
  return `${v.done === 'bulk-added' ? 'Added' : 'Removed'} the tag “${tag.data}” ${v.done === 'bulk-added' ? 'to' : 'from'} ${n.toLocaleString('en-GB')} supporter${n === 1 ? '' : 's'}.`;
}
