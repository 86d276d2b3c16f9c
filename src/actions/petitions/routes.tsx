import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues } from '../../core/web/forms.js';
import { guardPublicForm, personal, proofBucketLimit, proofBucketLimiter } from '../../core/web/public-forms.js';
import { anyone, can, get, post, type RouteTable } from '../../core/web/routes.js';
import { getSiteSettings } from '../../core/settings.js';
import { isTakingPart } from '../kinds.js';
import {
  confirmSignature,
  exportSignatures,
  findPetition,
  hideSigner,
  parseSignature,
  petitionNewsletter,
  shownSignersForStaff,
  signatureLink,
  signPetition,
  type Petition,
} from './service.js';
import { checkEmailPath, CheckEmailView, ClosedView, ConfirmUsedView, ConfirmView, ShownSignersAdminView, SignPageView } from './views.js';

// The petition's routes. Public: the form's post (origin check instead of a CSRF token, honeypot, proof of work,
// per-address burst and sustained limits), "check your email", the confirmation link (GET shows a button, only the
// POST confirms, so link scanners cannot). Staff: the shown signers (to hide one) and the signature export.

// Slugs are lower-case ASCII words joined by hyphens (actions/service.ts); anything else names no petition.
const slug = z.string().regex(/^[a-z0-9-]{1,100}$/);
const SlugParams = z.object({ slug });
const TokenParams = z.object({ slug, token: z.string().max(200) });
const IdParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});
const SignerParams = z.object({
  id: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
  signatureId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});

const notFound = () => new AppError(404, 'not_found', 'There is no such petition.');
const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or it may have expired.');

// Two windows per address and bucket. The burst window stops a machine firing many at once; the sustained one stops
// it trickling all day. Generous enough for a household, an office or a campus behind one address on the morning
// of a vote (and mobile networks share addresses widely), because each signature with a proof has already cost its
// sender about a second of work, and every signature must still be confirmed from its own address.
const LIMITS = {
  burst: { timeWindow: 60_000, withProof: 20, withoutProof: 5 },
  sustained: { timeWindow: 3600_000, withProof: 120, withoutProof: 30 },
  link: { max: 30, timeWindow: '1 minute' },
} as const;

const SUSTAINED = proofBucketLimit(LIMITS.sustained);

/** The petition's public routes. */
export const petitionPublicRoutes: RouteTable = [
  get('/act/:slug/sign', anyone, backToPetition),
  post('/act/:slug/sign', anyone, sign, { config: { csrf: false, rateLimit: SUSTAINED }, preHandlerFor: limitBursts }),
  get('/act/:slug/check-your-email', anyone, showCheckEmail),
  get('/act/:slug/confirm/:token', anyone, showConfirm),
  post('/act/:slug/confirm/:token', anyone, confirm, { config: { rateLimit: LIMITS.link } }),
];

/** The petition's staff routes. */
export const petitionAdminRoutes: RouteTable = [
  get('/admin/actions/:id/signers', can('actions:moderate'), showShownSigners),
  post('/admin/actions/:id/signers/:signatureId/hide', can('actions:moderate'), hideShownSigner),
  get('/admin/actions/:id/signatures.csv', can('supporters:export'), downloadSignatures),
];

/** The burst window (the sustained one is the route's own rate limit). */
function limitBursts(app: FastifyInstance) {
  return proofBucketLimiter(app, LIMITS.burst);
}

/** The petition a request names, or a 404. */
async function petitionOf(req: FastifyRequest, core: Core): Promise<Petition> {
  const params = SlugParams.safeParse(req.params);
  const petition = params.success ? await findPetition(core, params.data.slug) : undefined;
  if (!petition || petition.status === 'draft') throw notFound();
  return petition;
}

const closed = (reply: FastifyReply, petition: Petition) =>
  reply.page({ title: 'This petition is closed', status: 409, body: <ClosedView petition={petition} /> });

async function signPage(req: FastifyRequest, reply: FastifyReply, core: Core, petition: Petition, errors: Record<string, string>) {
  return personal(reply).page({
    title: `Sign: ${petition.title}`,
    status: 422,
    body: (
      <SignPageView
        petition={petition}
        newsletter={await petitionNewsletter(core, petition)}
        csrf={req.csrfToken()}
        values={formValues(req.body)}
        errors={errors}
      />
    ),
  });
}

// ---- signing ----

// Someone who reloads the page of a form that needed correcting lands back on the petition.
async function backToPetition(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.redirect(`/act/${(await petitionOf(req, core)).slug}#sign`, 303);
}

async function sign(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const petition = await petitionOf(req, core);
  if (!isTakingPart(petition)) return closed(reply, petition);
  // The same page whether the signature was new, a repeat, or a robot's: only the email (to the address's owner) differs.
  const done = () =>
    reply.redirect(petition.settings.requireConfirmation ? checkEmailPath(petition.slug) : `/act/${petition.slug}/thanks`, 303);
  const check = await guardPublicForm(req, core, (body) => parseSignature(petition.settings, body), {
    button: 'Sign the petition',
    goBack: 'Go to the petition on our site and sign it there.',
  });
  // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
  if (check.kind === 'trapped') return done();
  if (check.kind === 'refused') return signPage(req, reply, core, petition, check.errors);
  try {
    await signPetition(core, petition, check.data, { proof: check.proof });
  } catch (err) {
    if (err instanceof DomainError && err.code === 'conflict') return closed(reply, petition);
    throw err;
  }
  return done();
}

async function showCheckEmail(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const petition = await petitionOf(req, core);
  return reply.page({
    title: 'Check your email',
    body: <CheckEmailView petition={petition} />,
    cacheKey: `petition-check ${petition.slug} ${petition.title}`,
  });
}

// ---- confirming (GET shows a button; only the POST confirms) ----

async function showConfirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug, token } = TokenParams.safeParse(req.params).data ?? { slug: '', token: '' };
  const link = await signatureLink(core, slug, token);
  if (link.state === 'invalid') throw badLink();
  if (link.state === 'used')
    return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView slug={slug} title={link.title} /> });
  return personal(reply).page({
    title: 'Confirm your signature',
    body: <ConfirmView csrf={req.csrfToken()} slug={slug} token={token} link={link} />,
  });
}

async function confirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug, token } = TokenParams.safeParse(req.params).data ?? { slug: '', token: '' };
  const result = await confirmSignature(core, slug, token);
  if (result.state === 'invalid') throw badLink();
  if (result.state === 'used')
    return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView slug={slug} title={result.title} /> });
  return reply.redirect(`/act/${slug}/thanks`, 303);
}

// ---- staff ----

async function showShownSigners(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = IdParams.safeParse(req.params);
  if (!params.success) throw notFound();
  const shown = await shownSignersForStaff(core, params.data.id);
  const notice = formValues(req.query).done === 'hidden' ? 'The signer is no longer shown.' : undefined;
  const { timeZone } = await getSiteSettings(core.db);
  return reply.adminPage({
    title: 'Signers shown',
    body: <ShownSignersAdminView csrf={req.csrfToken()} actionId={params.data.id} {...shown} timeZone={timeZone} notice={notice} />,
  });
}

async function hideShownSigner(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = SignerParams.safeParse(req.params);
  if (!params.success) throw notFound();
  await hideSigner(core, req.viewer!.id, params.data.id, params.data.signatureId);
  return reply.redirect(`/admin/actions/${params.data.id}/signers?done=hidden`, 303);
}

async function downloadSignatures(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = IdParams.safeParse(req.params);
  if (!params.success) throw notFound();
  const file = await exportSignatures(core, req.viewer!.id, params.data.id);
  return reply
    .header('content-type', 'text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.stream);
}
