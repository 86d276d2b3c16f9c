import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { recordAudit } from '../core/audit.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { can, get, post, type RouteTable } from '../core/web/routes.js';
import {
  DonationFiguresView,
  ExportView,
  FundFormView,
  FundListView,
  GiftListView,
  GiftView,
  GivingSettingsView,
  NewGiftView,
  PaymentEventsView,
  type DonationPowers,
  type GiftLine,
} from './admin-views.js';
import { exportGifts, parseGiftFilter } from './exports.js';
import { loadDonationFigures } from './figures.js';
import {
  changeFund,
  createFund,
  fundValues,
  givingSettingsValues,
  parseFundForm,
  parseGivingSettingsForm,
  saveGivingSettings,
} from './funds.js';
import { giftForStaff, parseOfflineGiftForm, parseRefundForm, recordOfflineGift, refundGift, todayIn } from './offline.js';
import { allFunds, fundById, parkedPaymentEvents, pageOfGifts, totalOfGifts } from './service.js';

// The staff pages of donations: the gifts (filtered, paginated, with totals), the figures, recording an offline
// gift, one gift with its history and its refund, the accounts download, funds and appeals, the giving settings,
// and the payments parked for a person. 'donations:view' sees; 'donations:manage' changes (and downloads).
// The Gift Aid pages (/admin/donations/gift-aid…, /admin/donations/donors/…) are gift-aid-routes.tsx.

const VIEW = can('donations:view');
const MANAGE = can('donations:manage');

/** The staff routes of donations (the lead adds gift-aid-routes.tsx's beside them). */
export const adminRoutes: RouteTable = [
  get('/admin/donations', VIEW, listGifts),
  get('/admin/donations/figures', VIEW, showFigures),
  get('/admin/donations/new', MANAGE, showNewGift),
  post('/admin/donations/new', MANAGE, recordGift),
  get('/admin/donations/export', MANAGE, showExport),
  post('/admin/donations/export', MANAGE, downloadExport),
  get('/admin/donations/funds', VIEW, showFunds),
  get('/admin/donations/funds/new', MANAGE, showNewFund),
  post('/admin/donations/funds/new', MANAGE, createFundFromForm),
  get('/admin/donations/funds/:id', MANAGE, showFund),
  post('/admin/donations/funds/:id', MANAGE, saveFund),
  get('/admin/donations/settings', MANAGE, showSettings),
  post('/admin/donations/settings', MANAGE, saveSettings),
  get('/admin/donations/payment-events', VIEW, showParkedEvents),
  post('/admin/donations/payment-events/retry', MANAGE, retryParked),
  get('/admin/donations/:id', VIEW, showGift),
  post('/admin/donations/:id/refund', MANAGE, refund),
];

/** Gifts on a page of the list. */
export const PAGE_SIZE = 50;

const idText = z
  .string()
  .regex(/^\d{1,12}$/)
  .transform(Number);
const IdParams = z.object({ id: idText });

const NOTICES: Record<string, string> = {
  recorded: 'The gift was recorded.',
  refunded: 'The refund was recorded.',
  refund_asked:
    'The payment provider was asked to make the refund. This page shows it once the provider confirms it, usually within a minute.',
  fund_created: 'The fund was saved.',
  fund_saved: 'Your changes were saved.',
  settings_saved: 'The giving settings were saved.',
  retried: 'Lantern tried the waiting payments again. Any still listed need a person to look into them.',
};

const notice = (req: FastifyRequest) => {
  const done = formValues(req.query).done ?? '';
  return Object.hasOwn(NOTICES, done) ? NOTICES[done] : undefined;
};

const powersOf = (req: FastifyRequest): DonationPowers => ({ manage: req.viewer!.can('donations:manage') });

function idOf(req: FastifyRequest, what: string): number {
  const p = IdParams.safeParse(req.params);
  if (!p.success) throw new AppError(404, 'not_found', `There is no such ${what}.`);
  return p.data.id;
}

/** A service's refusal as field messages for the form (a missing thing is a 404); anything else is thrown on. */
function refusedByService(err: unknown): Record<string, string> {
  if (err instanceof DomainError && err.code === 'not_found') throw new AppError(404, 'not_found', err.message);
  if (err instanceof DomainError) return Object.keys(err.fields).length > 0 ? { ...err.fields } : { _form: err.message };
  throw err;
}

/** The gift for its page, or a 404. */
async function giftOf(core: Core, id: number) {
  return giftForStaff(core, id).catch((e: unknown) => {
    if (e instanceof DomainError && e.code === 'not_found') throw new AppError(404, 'not_found', e.message);
    throw e;
  });
}

// ---- the list and figures ----------------------------------------------------------------------------------------------------

async function listGifts(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const filter = parseGiftFilter(req.query, { timeZone: site.timeZone });
  const pageText = formValues(req.query).page ?? '1';
  const page = /^\d{1,6}$/.test(pageText) && Number(pageText) >= 1 ? Number(pageText) : 1;
  const funds = await allFunds(core.db);
  const base = {
    typed: filter.typed,
    funds,
    page,
    pageSize: PAGE_SIZE,
    timeZone: site.timeZone,
    powers: powersOf(req),
    notice: notice(req),
  };
  if (!filter.ok)
    return reply.adminPage({
      title: 'Error: Donations',
      status: 422,
      body: <GiftListView {...base} lines={[]} totals={undefined} errors={filter.errors} />,
    });
  const [rows, totals] = await Promise.all([
    pageOfGifts(core.db, filter.data, { limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE }),
    totalOfGifts(core.db, filter.data),
  ]);
  // Only the page shown is decrypted.
  const lines: GiftLine[] = rows.map((r) => ({ ...r, donorName: r.donorNameEnc ? core.keyring.decrypt(r.donorNameEnc) : null }));
  return reply.adminPage({ title: 'Donations', body: <GiftListView {...base} lines={lines} totals={totals} errors={undefined} /> });
}

async function showFigures(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const site = await getSiteSettings(core.db);
  const figures = await loadDonationFigures(core.db, { now: Date.now(), timeZone: site.timeZone });
  return reply.adminPage({
    title: 'Donation figures',
    body: <DonationFiguresView figures={figures} timeZone={site.timeZone} powers={powersOf(req)} />,
  });
}

// ---- an offline gift ----------------------------------------------------------------------------------------------------------

async function newGiftPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const [site, funds] = await Promise.all([getSiteSettings(core.db), allFunds(core.db)]);
  return reply.adminPage({
    title: o.errors ? 'Error: Record an offline gift' : 'Record an offline gift',
    status: o.errors ? 422 : 200,
    body: (
      <NewGiftView
        csrf={req.csrfToken()}
        values={o.values ?? {}}
        errors={o.errors}
        funds={funds}
        today={todayIn(site.timeZone)}
        powers={powersOf(req)}
      />
    ),
  });
}

async function showNewGift(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return newGiftPage(req, reply, core);
}

async function recordGift(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, funds] = await Promise.all([getSiteSettings(core.db), allFunds(core.db)]);
  const form = parseOfflineGiftForm(req.body, { today: todayIn(site.timeZone), fundIds: funds.map((f) => Number(f.id)) });
  if (!form.ok) return newGiftPage(req, reply, core, { values: form.values, errors: form.errors });
  try {
    const id = await recordOfflineGift(core, req.viewer!.id, form.data, { timeZone: site.timeZone });
    return reply.redirect(`/admin/donations/${id}?done=recorded`, 303);
  } catch (err) {
    return newGiftPage(req, reply, core, { values: formValues(req.body), errors: refusedByService(err) });
  }
}

// ---- one gift and its refund ------------------------------------------------------------------------------------------------

async function giftPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  id: number,
  o: { values?: Record<string, string>; errors?: Record<string, string>; status?: number } = {},
) {
  const [site, data] = await Promise.all([getSiteSettings(core.db), giftOf(core, id)]);
  return reply.adminPage({
    title: `${o.errors ? 'Error: ' : ''}Gift ${id}`,
    status: o.status ?? 200,
    body: (
      <GiftView
        csrf={req.csrfToken()}
        data={data}
        timeZone={site.timeZone}
        powers={powersOf(req)}
        values={o.values}
        errors={o.errors}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showGift(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return giftPage(req, reply, core, idOf(req, 'gift'));
}

async function refund(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'gift');
  const data = await giftOf(core, id);
  if (data.refundBlocked) return giftPage(req, reply, core, id, { errors: { _form: data.refundBlocked }, status: 409 });
  const form = parseRefundForm(req.body, { refundablePence: data.refundablePence });
  if (!form.ok) return giftPage(req, reply, core, id, { values: form.values, errors: form.errors, status: 422 });
  try {
    const outcome = await refundGift(core, req.viewer!.id, id, form.data.amountPence);
    return reply.redirect(`/admin/donations/${id}?done=${outcome === 'asked_provider' ? 'refund_asked' : 'refunded'}`, 303);
  } catch (err) {
    const errors = refusedByService(err);
    const status = err instanceof DomainError && err.code === 'conflict' ? 409 : 422;
    return giftPage(req, reply, core, id, { values: formValues(req.body), errors, status });
  }
}

// ---- the download ---------------------------------------------------------------------------------------------------------------

async function showExport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, funds] = await Promise.all([getSiteSettings(core.db), allFunds(core.db)]);
  const filter = parseGiftFilter(req.query, { timeZone: site.timeZone });
  return reply.adminPage({
    title: 'Download gifts',
    body: (
      <ExportView
        csrf={req.csrfToken()}
        typed={filter.typed}
        names={false}
        errors={filter.ok ? undefined : filter.errors}
        funds={funds}
        powers={powersOf(req)}
      />
    ),
  });
}

async function downloadExport(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, funds] = await Promise.all([getSiteSettings(core.db), allFunds(core.db)]);
  const filter = parseGiftFilter(req.body, { timeZone: site.timeZone });
  const names = ['on', 'true', '1'].includes(formValues(req.body).names ?? '');
  if (!filter.ok)
    return reply.adminPage({
      title: 'Error: Download gifts',
      status: 422,
      body: (
        <ExportView csrf={req.csrfToken()} typed={filter.typed} names={names} errors={filter.errors} funds={funds} powers={powersOf(req)} />
      ),
    });
  const file = await exportGifts(core, req.viewer!.id, filter.data, { names, typed: filter.typed, timeZone: site.timeZone });
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .header('cache-control', 'no-store')
    .send(file.stream);
}

// ---- funds --------------------------------------------------------------------------------------------------------------------

async function showFunds(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, funds] = await Promise.all([getSiteSettings(core.db), allFunds(core.db)]);
  return reply.adminPage({
    title: 'Funds and appeals',
    body: <FundListView funds={funds} timeZone={site.timeZone} powers={powersOf(req)} notice={notice(req)} />,
  });
}

function fundPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { fundId?: number; values: Record<string, string>; errors?: Record<string, string>; status?: number },
) {
  const title = o.fundId === undefined ? 'New fund or appeal' : `Fund: ${o.values.name ?? ''}`;
  return reply.adminPage({
    title: o.errors ? `Error: ${title}` : title,
    status: o.status ?? 200,
    body: (
      <FundFormView
        csrf={req.csrfToken()}
        {...(o.fundId === undefined ? {} : { fundId: o.fundId })}
        values={o.values}
        errors={o.errors}
        powers={powersOf(req)}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showNewFund(req: FastifyRequest, reply: FastifyReply) {
  return fundPage(req, reply, { values: { publication: 'draft' } });
}

async function createFundFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const settings = await getSiteSettings(core.db);
  const form = parseFundForm(req.body, { settings });
  if (!form.ok) return fundPage(req, reply, { values: form.values, errors: form.errors, status: 422 });
  try {
    const id = await createFund(core, req.viewer!.id, form.data);
    return reply.redirect(`/admin/donations/funds/${id}?done=fund_created`, 303);
  } catch (err) {
    return fundPage(req, reply, { values: formValues(req.body), errors: refusedByService(err), status: 422 });
  }
}

async function showFund(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'fund');
  const [settings, fund] = await Promise.all([getSiteSettings(core.db), fundById(core.db, id)]);
  if (!fund) throw new AppError(404, 'not_found', 'There is no such fund.');
  return fundPage(req, reply, { fundId: id, values: fundValues(fund, settings.timeZone) });
}

async function saveFund(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const id = idOf(req, 'fund');
  const [settings, fund] = await Promise.all([getSiteSettings(core.db), fundById(core.db, id)]);
  if (!fund) throw new AppError(404, 'not_found', 'There is no such fund.');
  const form = parseFundForm(req.body, { settings });
  if (!form.ok) return fundPage(req, reply, { fundId: id, values: form.values, errors: form.errors, status: 422 });
  try {
    await changeFund(core, req.viewer!.id, id, form.data);
    return reply.redirect(`/admin/donations/funds/${id}?done=fund_saved`, 303);
  } catch (err) {
    return fundPage(req, reply, { fundId: id, values: formValues(req.body), errors: refusedByService(err), status: 422 });
  }
}

// ---- settings ------------------------------------------------------------------------------------------------------------------

function settingsPage(req: FastifyRequest, reply: FastifyReply, o: { values: Record<string, string>; errors?: Record<string, string> }) {
  return reply.adminPage({
    title: o.errors ? 'Error: Giving settings' : 'Giving settings',
    status: o.errors ? 422 : 200,
    body: (
      <GivingSettingsView
        csrf={req.csrfToken()}
        values={o.values}
        errors={o.errors}
        powers={powersOf(req)}
        notice={o.errors ? undefined : notice(req)}
      />
    ),
  });
}

async function showSettings(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return settingsPage(req, reply, { values: givingSettingsValues(await getSiteSettings(core.db)) });
}

async function saveSettings(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseGivingSettingsForm(req.body);
  if (!form.ok) return settingsPage(req, reply, { values: form.values, errors: form.errors });
  await saveGivingSettings(core, req.viewer!.id, form.data);
  return reply.redirect('/admin/donations/settings?done=settings_saved', 303);
}

// ---- parked payment events ----------------------------------------------------------------------------------------------------

async function showParkedEvents(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const [site, events] = await Promise.all([getSiteSettings(core.db), parkedPaymentEvents(core.db)]);
  return reply.adminPage({
    title: 'Payments that need a look',
    body: <PaymentEventsView csrf={req.csrfToken()} events={events} timeZone={site.timeZone} powers={powersOf(req)} notice={notice(req)} />,
  });
}

async function retryParked(req: FastifyRequest, reply: FastifyReply, core: Core) {
  // Loaded when used: the event applier (payment-events.ts) is written beside these pages and is not needed to show them.
  const { retryParkedEvents } = await import('./payment-events.js');
  await retryParkedEvents(core);
  await recordAudit(core.db, { staffId: req.viewer!.id, action: 'donations.events.retry' });
  return reply.redirect('/admin/donations/payment-events?done=retried', 303);
}
