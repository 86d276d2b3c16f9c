import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { utcToZonedLocal } from '../core/time.js';
import { AppError, DomainError, fromDomainError } from '../core/web/errors.js';
import { formValues } from '../core/web/forms.js';
import { guardPublicForm, personal, proofBucketLimit, proofBucketLimiter, refusedFields } from '../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../core/web/routes.js';
import { donatePage, giftOutcome, PaymentPageUnavailable, startGift, type DonatePage } from './giving.js';
import { parseGiftForm } from './giving-form.js';
import { DonateView, PaymentUnavailableView, ThankYouView } from './views.js';

// The public routes of giving: the donate form (/donate and an appeal's own /donate/:appeal), which hands the donor
// to the payment page, and the thank-you page the payment page sends them back to. The form is guarded as every
// public form is (origin check, honeypot, proof of work, per-address limits in two buckets).

const LIMITS = {
  burst: { timeWindow: 60_000, withProof: 10, withoutProof: 5 },
  sustained: { timeWindow: 3600_000, withProof: 60, withoutProof: 20 },
} as const;

/** The public routes of giving. */
export const publicRoutes: RouteTable = [
  get('/donate', anyone, showDonate),
  post('/donate', anyone, give, { config: { csrf: false, rateLimit: proofBucketLimit(LIMITS.sustained) }, preHandlerFor: limitBursts }),
  get('/donate/thank-you', anyone, showThankYou),
  get('/donate/:appeal', anyone, showDonate),
  post('/donate/:appeal', anyone, give, {
    config: { csrf: false, rateLimit: proofBucketLimit(LIMITS.sustained) },
    preHandlerFor: limitBursts,
  }),
];

function limitBursts(app: FastifyInstance) {
  return proofBucketLimiter(app, LIMITS.burst);
}

const AppealParams = z.object({ appeal: z.string().min(1).max(120) }).partial();
const ThankYouQuery = z.object({ session: z.string().max(200) });

/** The page's data for the address asked for (an unknown or draft appeal is a 404). */
async function pageOf(req: FastifyRequest, core: Core, now: number): Promise<DonatePage> {
  const params = AppealParams.safeParse(req.params);
  if (!params.success) throw new AppError(404, 'not_found', 'There is no such appeal.');
  try {
    return await donatePage(core, { appealSlug: params.data.appeal, now });
  } catch (err) {
    if (err instanceof DomainError) throw fromDomainError(err);
    throw err;
  }
}

const actionOf = (page: DonatePage) => (page.appeal ? `/donate/${page.appeal.slug}` : '/donate');

async function renderDonate(
  req: FastifyRequest,
  reply: FastifyReply,
  page: DonatePage,
  o: { values?: Record<string, string>; errors?: Record<string, string>; status?: number; now: number },
) {
  const title = page.appeal ? page.appeal.name : `Donate to ${page.site.orgName}`;
  const today = Number(utcToZonedLocal(o.now, page.site.timeZone).slice(8, 10));
  const r = o.values ? personal(reply) : reply;
  return r.page({
    title,
    status: o.status ?? 200,
    description: page.appeal?.summary || `Give to ${page.site.orgName}, once or every month.`,
    body: <DonateView page={page} action={actionOf(page)} csrf={req.csrfToken()} values={o.values} errors={o.errors} today={today} />,
  });
}

async function showDonate(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const now = Date.now();
  const page = await pageOf(req, core, now);
  const q = formValues(req.query);
  // ?kind=monthly (a "give monthly" link) chooses the kind before the form is seen.
  const values = q.kind === 'monthly' ? { kind: 'monthly' } : undefined;
  return renderDonate(req, reply, page, { now, ...(values ? { values } : {}) });
}

async function give(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const now = Date.now();
  const page = await pageOf(req, core, now);
  if (page.closed) return renderDonate(req, reply, page, { status: 409, now });
  const check = await guardPublicForm(req, core, (body) => parseGiftForm(body, page.form), {
    button: 'Continue to payment',
    goBack: 'Go to the donate page on our site and give there.',
  });
  // A filled honeypot: nothing is stored and no payment page made; the page looks as though it went through.
  if (check.kind === 'trapped') return reply.redirect('/donate/thank-you?session=received', 303);
  const values = formValues(req.body);
  if (check.kind === 'refused') return renderDonate(req, reply, page, { values, errors: check.errors, status: 422, now });
  let url: string;
  try {
    ({ url } = await startGift(core, check.data, { page, proof: check.proof, now }));
  } catch (err) {
    if (err instanceof PaymentPageUnavailable) {
      return personal(reply).page({
        title: 'The payment page could not be reached',
        status: 503,
        body: <PaymentUnavailableView back={actionOf(page)} />,
      });
    }
    if (err instanceof DomainError && err.code === 'conflict') return renderDonate(req, reply, page, { status: 409, now });
    return renderDonate(req, reply, page, { values, errors: refusedFields(err), status: 422, now });
  }
  return reply.redirect(url, 303);
}

async function showThankYou(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const q = ThankYouQuery.safeParse(formValues(req.query));
  const outcome = q.success ? await giftOutcome(core, q.data.session) : undefined;
  if (!outcome) {
    // The honeypot's answer, a session id cut short, or a guess: thanks, and nothing about anyone's gift.
    return personal(reply).page({
      title: 'Thank you',
      body: (
        <div>
          <h1>Thank you</h1>
          <p class="lede">If you have just given, we will email you a receipt as soon as the payment provider tells us it went through.</p>
        </div>
      ),
    });
  }
  const testPage = !core.config.stripe && q.success ? `/donate/test-payment/${q.data.session}` : undefined;
  return personal(reply).page({ title: 'Thank you', body: <ThankYouView outcome={outcome} testPage={testPage} /> });
}
