import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { email, formValues, optionalText, parseForm, text } from '../core/web/forms.js';
import { personal } from '../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../core/web/routes.js';
import { normalisePostcode } from './gift-aid.js';
import type { RegularChange } from './payments.js';
import { ConfirmCancelView, DonorPageView, UnknownLinkView } from './manage-views.js';
import {
  cancelGiftAid,
  changeGiftAidAddress,
  changeMonthlyGift,
  findDonorByToken,
  loadDonorPage,
  PaymentProviderFailed,
  requestDonorLink,
  type DonorPage,
} from './regular.js';

// The donor's own page, from the link in every receipt: their gifts and statements, their monthly gifts (amount, day,
// pause, restart, cancel after an "Are you sure?"), their Gift Aid declaration (cancel, new home address). The page
// is theirs alone, so every post carries a CSRF token and is rate-limited. A link that leads nowhere gets a kind
// page with a form to have the link emailed again, which answers the same whether or not the address is a donor's.

const LIMITS = {
  change: { max: 30, timeWindow: '1 minute' },
  resend: { max: 5, timeWindow: '10 minutes' },
} as const;

/** The donor's page and its forms (public routes). */
export const manageRoutes: RouteTable = [
  post('/donate/manage/resend', anyone, resendLink, { config: { rateLimit: LIMITS.resend } }),
  get('/donate/manage/:token', anyone, showDonorPage),
  post('/donate/manage/:token', anyone, changeFromDonorPage, { config: { rateLimit: LIMITS.change } }),
  get('/donate/manage/:token/cancel/:gift', anyone, confirmCancel),
];

const TokenParams = z.object({ token: z.string().max(200) });
const CancelParams = z.object({
  token: z.string().max(200),
  gift: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});

const NOTICES: Readonly<Record<string, string>> = {
  amount: 'Done: the new amount is taken from your next payment.',
  day: 'Done: your gift is now taken on the new day each month.',
  pause: 'Your monthly gift is paused. Restart it here whenever you like.',
  resume: 'Your monthly gift is running again. Thank you.',
  cancel: 'Your monthly gift is cancelled. Thank you for all you have given.',
  'gift-aid-cancelled': 'Your Gift Aid declaration is cancelled: we will not claim Gift Aid on your gifts from today.',
  address: 'Thank you: your Gift Aid declaration now has your new address.',
};

const PROVIDER_FAILED =
  'We could not reach our payment provider just now, so nothing has changed. Please try again in a few minutes, or reply to any email from us and we will do it for you.';

/** The page for a link that leads to no donor (404), with the form to have it emailed again. */
async function unknownLink(req: FastifyRequest, reply: FastifyReply) {
  return personal(reply).page({ title: 'We could not find your page', status: 404, body: <UnknownLinkView csrf={req.csrfToken()} /> });
}

function tokenOf(req: FastifyRequest): string | undefined {
  const p = TokenParams.safeParse(req.params);
  return p.success ? p.data.token : undefined;
}

async function renderDonorPage(
  req: FastifyRequest,
  reply: FastifyReply,
  o: { page: DonorPage; token: string; status?: number; errors?: Record<string, string>; values?: Record<string, string> },
) {
  return personal(reply).page({
    title: 'Your gifts',
    status: o.status ?? 200,
    body: (
      <DonorPageView
        page={o.page}
        token={o.token}
        csrf={req.csrfToken()}
        notice={o.status ? undefined : NOTICES[formValues(req.query).done ?? '']}
        errors={o.errors}
        values={o.values}
      />
    ),
  });
}

async function showDonorPage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const page = token ? await loadDonorPage(core, token, Date.now()) : undefined;
  if (!token || !page) return unknownLink(req, reply);
  return renderDonorPage(req, reply, { page, token });
}

async function confirmCancel(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = CancelParams.safeParse(req.params);
  const page = params.success ? await loadDonorPage(core, params.data.token, Date.now()) : undefined;
  if (!params.success || !page) return unknownLink(req, reply);
  const gift = page.monthly.find((g) => g.id === params.data.gift);
  if (!gift) throw new AppError(404, 'not_found', 'There is no such monthly gift on your page.');
  if (!gift.cancellable) return reply.redirect(`/donate/manage/${params.data.token}`, 303);
  return personal(reply).page({
    title: 'Cancel your monthly gift?',
    body: <ConfirmCancelView gift={gift} token={params.data.token} csrf={req.csrfToken()} />,
  });
}

// ---- the forms ----

const GiftId = z
  .string()
  .regex(/^\d{1,12}$/, 'Please use one of the buttons on this page')
  .transform(Number);
const Pounds = z
  .string({ error: 'Enter an amount in pounds, like 15 or 15.50' })
  .transform((s) => s.trim().replace(/^£\s*/, '').replace(/,/g, ''))
  .pipe(z.string().regex(/^\d{1,7}(\.\d{1,2})?$/, 'Enter an amount in pounds, like 15 or 15.50'))
  .transform((s) => Math.round(Number(s) * 100));
const Day = z
  .string({ error: 'Enter a day from 1 to 28' })
  .transform((s) => s.trim())
  .pipe(z.string().regex(/^\d{1,2}$/, 'Enter a day from 1 to 28'))
  .transform(Number);
const POSTCODE_WORDS = 'Enter a UK postcode, like SW1A 1AA, or leave it empty if you live outside the UK';
const Postcode = z
  .string()
  .optional()
  .transform((s) => (s ?? '').trim())
  .pipe(z.string().max(12, POSTCODE_WORDS))
  .transform((s, ctx) => {
    // Empty: a home outside the UK, which HMRC's schedule writes as "X".
    const postcode = s === '' ? 'X' : normalisePostcode(s);
    if (postcode !== undefined) return postcode;
    ctx.addIssue({ code: 'custom', message: POSTCODE_WORDS });
    return z.NEVER;
  });

const ChangeForm = z.discriminatedUnion('do', [
  z.object({ do: z.literal('amount'), gift: GiftId, amount: Pounds }),
  z.object({ do: z.literal('day'), gift: GiftId, day: Day }),
  z.object({ do: z.literal('pause'), gift: GiftId }),
  z.object({ do: z.literal('resume'), gift: GiftId }),
  z.object({ do: z.literal('cancel'), gift: GiftId }),
  z.object({ do: z.literal('cancel-gift-aid') }),
  z.object({
    do: z.literal('address'),
    house: text('your house name or number', { max: 200 }),
    address: optionalText('your street and town', { max: 300 }),
    postcode: Postcode,
  }),
]);
type ChangeFormData = z.output<typeof ChangeForm>;

function regularChangeOf(f: ChangeFormData): RegularChange | undefined {
  if (f.do === 'amount') return { kind: 'amount', amountPence: f.amount };
  if (f.do === 'day') return { kind: 'day', dayOfMonth: f.day };
  if (f.do === 'pause' || f.do === 'resume' || f.do === 'cancel') return { kind: f.do };
  return undefined;
}

async function changeFromDonorPage(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const donor = token ? await findDonorByToken(core.db, token) : undefined;
  if (!token || !donor) return unknownLink(req, reply);
  const donorId = Number(donor.id);
  const values = formValues(req.body);
  const again = async (status: number, errors: Record<string, string>) => {
    const page = await loadDonorPage(core, token, Date.now());
    if (!page) return unknownLink(req, reply);
    return renderDonorPage(req, reply, { page, token, status, errors, values });
  };
  const form = parseForm(ChangeForm, req.body);
  if (!form.ok) {
    const known = ['amount', 'day', 'house', 'address', 'postcode'];
    const fields = Object.fromEntries(Object.entries(form.errors).filter(([k]) => known.includes(k)));
    return again(422, Object.keys(fields).length ? fields : { _form: 'Please use one of the buttons on this page.' });
  }
  const f = form.data;
  const now = Date.now();
  try {
    const change = regularChangeOf(f);
    if (change && 'gift' in f) await changeMonthlyGift(core, { donorId, regularId: f.gift, change, now });
    else if (f.do === 'cancel-gift-aid') {
      if (!(await cancelGiftAid(core, { donorId, now }))) return again(409, { _form: 'You have no Gift Aid declaration to cancel.' });
    } else if (f.do === 'address')
      await changeGiftAidAddress(core, { donorId, address: { house: f.house, address: f.address ?? '', postcode: f.postcode }, now });
  } catch (err) {
    if (err instanceof PaymentProviderFailed) return again(503, { _form: PROVIDER_FAILED });
    if (err instanceof DomainError) {
      const status = { not_found: 404, conflict: 409, invalid: 422, forbidden: 403 }[err.code];
      return again(status, Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message });
    }
    throw err;
  }
  const done = f.do === 'cancel-gift-aid' ? 'gift-aid-cancelled' : f.do;
  return reply.redirect(`/donate/manage/${token}?done=${done}`, 303);
}

// ---- the link again ----

const ResendForm = z.object({ email: email('your email address') });

async function resendLink(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const form = parseForm(ResendForm, req.body);
  if (!form.ok) {
    return personal(reply).page({
      title: 'We could not find your page',
      status: 422,
      body: (
        <UnknownLinkView csrf={req.csrfToken()} errors={{ email: form.errors.email ?? 'Enter your email address' }} values={form.values} />
      ),
    });
  }
  await requestDonorLink(core, { email: form.data.email, now: Date.now() });
  return personal(reply).page({ title: 'Check your email', body: <UnknownLinkView csrf={req.csrfToken()} sent /> });
}
