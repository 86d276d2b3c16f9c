import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { utcToZonedLocal } from '../core/time.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import type { DonationPowers } from './admin-views.js';
import { allClaims, allCollections } from './service.js';
import {
  buildOptionsOf,
  checkClaimAgain,
  createClaim,
  deleteClaim,
  leftOutOfClaim,
  markClaimPaid,
  markClaimSubmitted,
  parseClaimForm,
  parseCollectionForm,
  parsePaidForm,
  parseSubmittedForm,
  recordCollection,
  requireClaim,
  smallDonationsOf,
  summariseClaim,
  writeClaimSchedule,
} from './claims.js';
import {
  cancelStaffDeclaration,
  correctDeclaration,
  donorForStaff,
  parseCorrectionForm,
  parseDayForm,
  parseDeclarationForm,
  recordLetterSent,
  recordStaffDeclaration,
  type DonorForStaff,
} from './declarations.js';
import { CURRENT_WORDING, DECLARATION_WORDINGS } from './gift-aid.js';
import {
  ClaimView,
  CorrectDeclarationView,
  DonorView,
  GiftAidHomeView,
  NewClaimView,
  NewCollectionView,
  NewDeclarationView,
  personValues,
} from './gift-aid-views.js';

// The Gift Aid pages for staff: claims (make one for a period, check it again after fixing, download HMRC's
// schedule, mark it submitted and paid, delete a draft), small cash collections, and a donor's page with the
// declaration ledger (record a paper or spoken declaration, record its letter sent, correct one, cancel one).
// 'donations:view' sees; 'donations:manage' changes and downloads.

const VIEW = can('donations:view');
const MANAGE = can('donations:manage');

/** The Gift Aid staff routes (the lead adds them beside admin-routes.tsx's). */
export const giftAidRoutes: RouteTable = [
  get('/admin/donations/gift-aid', VIEW, showGiftAid),
  get('/admin/donations/gift-aid/claims/new', MANAGE, showNewClaim),
  post('/admin/donations/gift-aid/claims/new', MANAGE, makeClaim),
  get('/admin/donations/gift-aid/claims/:id', VIEW, showClaim),
  post('/admin/donations/gift-aid/claims/:id/check', MANAGE, checkClaim),
  post('/admin/donations/gift-aid/claims/:id/download', MANAGE, downloadSchedule),
  post('/admin/donations/gift-aid/claims/:id/submitted', MANAGE, markSubmitted),
  post('/admin/donations/gift-aid/claims/:id/paid', MANAGE, markPaid),
  post('/admin/donations/gift-aid/claims/:id/delete', MANAGE, removeDraftClaim),
  get('/admin/donations/gift-aid/collections/new', MANAGE, showNewCollection),
  post('/admin/donations/gift-aid/collections/new', MANAGE, addCollection),
  get('/admin/donations/donors/:id', VIEW, showDonor),
  get('/admin/donations/donors/:id/declarations/new', MANAGE, showNewDeclaration),
  post('/admin/donations/donors/:id/declarations/new', MANAGE, addDeclaration),
  get('/admin/donations/donors/:id/declarations/:declarationId/correct', MANAGE, showCorrection),
  post('/admin/donations/donors/:id/declarations/:declarationId/correct', MANAGE, saveCorrection),
  post('/admin/donations/donors/:id/declarations/:declarationId/letter', MANAGE, letterSent),
  post('/admin/donations/donors/:id/declarations/:declarationId/cancel', MANAGE, cancelDeclaration),
];

const idText = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);
const IdParams = z.object({ id: idText });
const DeclarationParams = z.object({ id: idText, declarationId: idText });

const NOTICES: Record<string, string> = {
  claim_made: 'The claim was made. Check its rows below before downloading the schedule.',
  checked: 'The claim was checked again with the declarations as they are now.',
  submitted: 'The claim is marked as submitted to HMRC.',
  paid: 'The claim is marked as paid.',
  deleted: 'The draft claim was deleted and its gifts released.',
  collection: 'The collection was recorded.',
  declaration: 'The declaration was recorded.',
  letter: 'The letter was recorded as sent.',
  corrected: 'The correction was recorded as a new declaration. Check the claim again to use it.',
  cancelled: 'The declaration was cancelled.',
};

const notice = (req: FastifyRequest) => {
  const done = formValues(req.query).done ?? '';
  return Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
};

const powersOf = (req: FastifyRequest): DonationPowers => ({ manage: req.viewer!.can('donations:manage') });

const todayIn = (timeZone: string) => utcToZonedLocal(Date.now(), timeZone).slice(0, 10);

function idOf(req: FastifyRequest, what: string): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', `There is no such ${what}.`);
  return p.data.id;
}

function declarationIdsOf(req: FastifyRequest): { donorId: number; declarationId: number } {
  const p = DeclarationParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', 'There is no such declaration.');
  return { donorId: p.data.id, declarationId: p.data.declarationId };
}

/** A missing thing becomes a 404 page; any other refusal is given back for the form to show. */
function notFoundOr(err: unknown): DomainError {
  if (err instanceof DomainError && err.code === 'not_found') throw new AppError(404, 'not_found', err.message);
  if (err instanceof DomainError) return err;
  throw err;
}

/** A refusal as the form's messages. */
const fieldsOf = (e: DomainError) => (Object.keys(e.fields).length > 0 ? { ...e.fields } : { _form: e.message });
const statusOf = (e: DomainError) => (e.code === 'conflict' ? 409 : 422);

// ---- claims -------------------------------------------------------------------------------------------------------------------

async function showGiftAid(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, claims, collections] = await Promise.all([
    getSiteSettings(core.db),
    allClaims(core.db),
    allCollections(core.db, { limit: 200 }),
  ]);
  return reply.adminPage({
    title: 'Gift Aid',
    body: (
      <GiftAidHomeView claims={claims} collections={collections} timeZone={site.timeZone} powers={powersOf(req)} notice={notice(req)} />
    ),
  });
}

function newClaimPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { values: Record<string, string>; errors?: Record<string, string>; status?: number },
) {
  return reply.adminPage({
    title: o.errors ? 'Error: Make a Gift Aid claim' : 'Make a Gift Aid claim',
    status: o.status ?? (o.errors ? 422 : 200),
    body: <NewClaimView csrf={req.csrfToken()} values={o.values} errors={o.errors} powers={powersOf(req)} />,
  });
}

async function showNewClaim(req: FastifyRequest, reply: FastifyReply) {
  return newClaimPage(req, reply, { values: {} });
}

async function makeClaim(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const form = parseClaimForm(req.body, { today: todayIn(site.timeZone) });
  if (!form.ok) return newClaimPage(req, reply, { values: form.values, errors: form.errors });
  try {
    const made = await createClaim(core, req.viewer!.id, form.data, { timeZone: site.timeZone });
    return reply.redirect(`/admin/donations/gift-aid/claims/${made.claimId}?done=claim_made`, 303);
  } catch (err) {
    const e = notFoundOr(err);
    return newClaimPage(req, reply, { values: formValues(req.body), errors: fieldsOf(e), status: statusOf(e) });
  }
}

async function claimPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  const claim = await requireClaim(core.db, id).catch((e: unknown) => {
    throw notFoundOr(e);
  });
  const now = Date.now();
  const build = await buildOptionsOf(core, claim, now);
  const [summary, leftOut, small] = await Promise.all([
    summariseClaim(core.db, core.keyring, id, build),
    leftOutOfClaim(core, claim, { now: build.now }),
    smallDonationsOf(core.db, id, { timeZone: build.timeZone }),
  ]);
  return reply.adminPage({
    title: `${o.errors ? 'Error: ' : ''}Gift Aid claim ${id}`,
    status: o.status ?? 200,
    body: (
      <ClaimView
        csrf={req.csrfToken()}
        claim={claim}
        summary={summary}
        leftOut={leftOut}
        small={small}
        timeZone={build.timeZone}
        today={todayIn(build.timeZone)}
        powers={powersOf(req)}
        values={o.values}
        errors={o.errors}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showClaim(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return claimPage(req, reply, core, idOf(req, 'claim'));
}

/** Runs a change to a claim; a refusal re-shows the claim's page with its message. */
async function changeClaim(req: FastifyRequest, reply: FastifyReply, core: Core, id: number, change: () => Promise<string>) {
  try {
    const done = await change();
    return reply.redirect(`/admin/donations/gift-aid/claims/${id}?done=${done}`, 303);
  } catch (err) {
    const e = notFoundOr(err);
    return claimPage(req, reply, core, id, { values: formValues(req.body), errors: fieldsOf(e), status: statusOf(e) });
  }
}

async function checkClaim(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'claim');
  return changeClaim(req, reply, core, id, async () => {
    await checkClaimAgain(core, req.viewer!.id, id);
    return 'checked';
  });
}

async function downloadSchedule(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'claim');
  let file;
  try {
    file = await writeClaimSchedule(core, req.viewer!.id, id);
  } catch (err) {
    const e = notFoundOr(err);
    return claimPage(req, reply, core, id, { errors: { _form: e.message }, status: statusOf(e) });
  }
  return reply
    .header('content-type', file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}

async function markSubmitted(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'claim');
  const form = parseSubmittedForm(req.body);
  if (!form.ok) return claimPage(req, reply, core, id, { values: form.values, errors: form.errors, status: 422 });
  return changeClaim(req, reply, core, id, async () => {
    await markClaimSubmitted(core, req.viewer!.id, id, form.data.reference);
    return 'submitted';
  });
}

async function markPaid(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'claim');
  const site = await getSiteSettings(core.db);
  const claim = await requireClaim(core.db, id).catch((e: unknown) => {
    throw notFoundOr(e);
  });
  const submittedOn = claim.submitted_at === null ? '2000-01-01' : utcToZonedLocal(Number(claim.submitted_at), site.timeZone).slice(0, 10);
  const form = parsePaidForm(req.body, { today: todayIn(site.timeZone), submittedOn });
  if (!form.ok) return claimPage(req, reply, core, id, { values: form.values, errors: form.errors, status: 422 });
  return changeClaim(req, reply, core, id, async () => {
    await markClaimPaid(core, req.viewer!.id, id, form.data, { timeZone: site.timeZone });
    return 'paid';
  });
}

async function removeDraftClaim(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'claim');
  try {
    await deleteClaim(core, req.viewer!.id, id);
  } catch (err) {
    const e = notFoundOr(err);
    return claimPage(req, reply, core, id, { errors: { _form: e.message }, status: statusOf(e) });
  }
  return reply.redirect('/admin/donations/gift-aid?done=deleted', 303);
}

// ---- collections ---------------------------------------------------------------------------------------------------------------

async function collectionPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values: Record<string, string>; errors?: Record<string, string> },
) {
  const site = await getSiteSettings(core.db);
  return reply.adminPage({
    title: o.errors ? 'Error: Record a small cash collection' : 'Record a small cash collection',
    status: o.errors ? 422 : 200,
    body: (
      <NewCollectionView csrf={req.csrfToken()} values={o.values} errors={o.errors} today={todayIn(site.timeZone)} powers={powersOf(req)} />
    ),
  });
}

async function showNewCollection(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return collectionPage(req, reply, core, { values: {} });
}

async function addCollection(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const form = parseCollectionForm(req.body, { today: todayIn(site.timeZone) });
  if (!form.ok) return collectionPage(req, reply, core, { values: form.values, errors: form.errors });
  await recordCollection(core, req.viewer!.id, form.data, { timeZone: site.timeZone });
  return reply.redirect('/admin/donations/gift-aid?done=collection', 303);
}

// ---- a donor and their declarations ----------------------------------------------------------------------------------------------

async function donorOf(core: Core, id: number): Promise<DonorForStaff> {
  return donorForStaff(core, id).catch((e: unknown) => {
    throw notFoundOr(e);
  });
}

async function donorPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { errors?: Record<string, string>; status?: number } = {},
) {
  const [site, data] = await Promise.all([getSiteSettings(core.db), donorOf(core, id)]);
  return reply.adminPage({
    title: `${o.errors ? 'Error: ' : ''}Donor: ${data.donor.name}`,
    status: o.status ?? 200,
    body: (
      <DonorView
        csrf={req.csrfToken()}
        data={data}
        timeZone={site.timeZone}
        today={todayIn(site.timeZone)}
        powers={powersOf(req)}
        errors={o.errors}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showDonor(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return donorPage(req, reply, core, idOf(req, 'donor'));
}

async function declarationPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  donorId: number,
  o: { values: Record<string, string>; errors?: Record<string, string>; status?: number },
) {
  const [site, data] = await Promise.all([getSiteSettings(core.db), donorOf(core, donorId)]);
  const wording = DECLARATION_WORDINGS[CURRENT_WORDING];
  return reply.adminPage({
    title: o.errors ? 'Error: Record a Gift Aid declaration' : 'Record a Gift Aid declaration',
    status: o.status ?? (o.errors ? 422 : 200),
    body: (
      <NewDeclarationView
        csrf={req.csrfToken()}
        donorId={donorId}
        donorName={data.donor.name}
        values={o.values}
        errors={o.errors}
        today={todayIn(site.timeZone)}
        wording={wording ? wording.text.replaceAll('{charity}', site.orgName) : ''}
        powers={powersOf(req)}
      />
    ),
  });
}

async function showNewDeclaration(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return declarationPage(req, reply, core, idOf(req, 'donor'), { values: {} });
}

async function addDeclaration(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const donorId = idOf(req, 'donor');
  const site = await getSiteSettings(core.db);
  const form = parseDeclarationForm(req.body, { today: todayIn(site.timeZone) });
  if (!form.ok) return declarationPage(req, reply, core, donorId, { values: form.values, errors: form.errors });
  try {
    await recordStaffDeclaration(core, req.viewer!.id, donorId, form.data, { timeZone: site.timeZone });
  } catch (err) {
    const e = notFoundOr(err);
    return declarationPage(req, reply, core, donorId, { values: formValues(req.body), errors: fieldsOf(e), status: statusOf(e) });
  }
  return reply.redirect(`/admin/donations/donors/${donorId}?done=declaration`, 303);
}

/** The ledger record a request names, or a 404. */
async function ledgerEntryOf(core: Core, donorId: number, declarationId: number) {
  const data = await donorOf(core, donorId);
  const d = data.ledger.find((x) => x.id === declarationId);
  if (!d) throw new AppError(404, 'not_found', 'There is no such declaration for this donor.');
  return d;
}

async function correctionPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  const { donorId, declarationId } = declarationIdsOf(req);
  const [site, d] = await Promise.all([getSiteSettings(core.db), ledgerEntryOf(core, donorId, declarationId)]);
  return reply.adminPage({
    title: o.errors ? 'Error: Correct a Gift Aid declaration' : 'Correct a Gift Aid declaration',
    status: o.status ?? (o.errors ? 422 : 200),
    body: (
      <CorrectDeclarationView
        csrf={req.csrfToken()}
        donorId={donorId}
        declaration={d}
        values={o.values ?? personValues(d)}
        errors={o.errors}
        timeZone={site.timeZone}
        powers={powersOf(req)}
      />
    ),
  });
}

async function showCorrection(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return correctionPage(req, reply, core);
}

async function saveCorrection(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { donorId, declarationId } = declarationIdsOf(req);
  const form = parseCorrectionForm(req.body);
  if (!form.ok) return correctionPage(req, reply, core, { values: form.values, errors: form.errors });
  try {
    await correctDeclaration(core, req.viewer!.id, donorId, declarationId, form.data);
  } catch (err) {
    const e = notFoundOr(err);
    return correctionPage(req, reply, core, { values: formValues(req.body), errors: fieldsOf(e), status: statusOf(e) });
  }
  return reply.redirect(`/admin/donations/donors/${donorId}?done=corrected`, 303);
}

/** A one-day change to a ledger record (letter sent, cancelled), refused with its message on the donor's page. */
async function dayChange(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: {
    what: string;
    beforeMessage: string;
    done: string;
    change: (donorId: number, declarationId: number, day: string, timeZone: string) => Promise<void>;
  },
) {
  const { donorId, declarationId } = declarationIdsOf(req);
  const [site, d] = await Promise.all([getSiteSettings(core.db), ledgerEntryOf(core, donorId, declarationId)]);
  const madeOn = utcToZonedLocal(d.madeAt, site.timeZone).slice(0, 10);
  const form = parseDayForm(req.body, { today: todayIn(site.timeZone), notBefore: madeOn, what: o.what, beforeMessage: o.beforeMessage });
  if (!form.ok) return donorPage(req, reply, core, donorId, { errors: form.errors, status: 422 });
  try {
    await o.change(donorId, declarationId, form.data.day, site.timeZone);
  } catch (err) {
    const e = notFoundOr(err);
    return donorPage(req, reply, core, donorId, { errors: { _form: e.message }, status: statusOf(e) });
  }
  return reply.redirect(`/admin/donations/donors/${donorId}?done=${o.done}#declaration-${declarationId}`, 303);
}

async function letterSent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return dayChange(req, reply, core, {
    what: 'the day the letter was sent',
    beforeMessage: 'The letter cannot have been sent before the declaration was made',
    done: 'letter',
    change: (donorId, declarationId, day, timeZone) => recordLetterSent(core, req.viewer!.id, donorId, declarationId, day, { timeZone }),
  });
}

async function cancelDeclaration(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return dayChange(req, reply, core, {
    what: 'the day the cancellation starts',
    beforeMessage: 'A declaration cannot be cancelled from before the day it was made',
    done: 'cancelled',
    change: (donorId, declarationId, day, timeZone) =>
      cancelStaffDeclaration(core, req.viewer!.id, donorId, declarationId, day, { timeZone }),
  });
}
