import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Core } from '../core/context.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { createProofChallenge } from '../core/web/proof-of-work.js';
import { guardPublicForm, personal, proofBucketLimit, refusedFields } from '../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../core/web/routes.js';
import {
  confirmationLink,
  confirmSubscription,
  dataExportLinkUsable,
  DATA_EXPORT_EMAIL_GAP_MS,
  eraseOwnData,
  getPreferences,
  listName,
  liveSupporterId,
  PreferencesSchema,
  sendDataExportLink,
  signUp,
  SignupSchema,
  signupBlockData,
  supporterLink,
  takeDataExport,
  unsubscribeFromList,
  updatePreferences,
  verifySupporterLink,
} from './service.js';
import {
  CheckEmailView,
  ConfirmUsedView,
  ConfirmView,
  DataDownloadView,
  EraseConfirmView,
  ErasedView,
  PreferencesView,
  preferencesNotice,
  SIGNUP_PATH,
  SignupPageView,
  tickedLists,
  UnsubscribedView,
  UnsubscribeView,
} from './views.js';

// The public side of supporters: sign-up (double opt-in, proof of work, honeypot, rate limits), the confirmation
// link, the preferences page reached by a signed link, one-click unsubscribe (RFC 8058) and the data rights.
// Every route here is public; links that identify a supporter are random or signed, never a sequential id.

const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or it may have expired.');
const TokenParams = z.object({ token: z.string().max(200) });
const UnsubscribeParams = z.object({
  token: z.string().max(200),
  listId: z
    .string()
    .regex(/^\d{1,12}$/)
    .transform(Number),
});

/** Limits per client address. Sign-ups without a proof of work (no JavaScript) get the strictest. */
const LIMITS = {
  challenge: { max: 30, timeWindow: '1 minute' },
  link: { max: 30, timeWindow: '1 minute' },
  sendsMail: { max: 5, timeWindow: '15 minutes' },
  // Mail providers send every one-click unsubscribe of their users from a few addresses: never stand in their way.
  unsubscribe: { max: 600, timeWindow: '1 minute' },
} as const;
const SIGNUP_WITH_PROOF_MAX = 20;
const SIGNUP_WITHOUT_PROOF_MAX = 5;

/**
 * Sign-ups are counted in two buckets per address: those carrying a proof of work, and those without (browsers
 * without JavaScript, or where the check failed), which are held to far fewer. The bucket needs the parsed body,
 * so the limit runs as a preHandler.
 */
const SIGNUP_LIMIT = proofBucketLimit({
  timeWindow: '10 minutes',
  withProof: SIGNUP_WITH_PROOF_MAX,
  withoutProof: SIGNUP_WITHOUT_PROOF_MAX,
});

// The ALTCHA widget, served from our own origin: the build without inline styles or bundled workers (so it runs
// under our CSP), its stylesheet, and the PBKDF2 worker. Read once; they change only with the package.
const altchaDist = dirname(dirname(createRequire(import.meta.url).resolve('altcha/external')));
const ALTCHA_FILES: Record<string, { file: string; type: string }> = {
  'altcha.js': { file: 'external/altcha.min.js', type: 'text/javascript; charset=utf-8' },
  'altcha.css': { file: 'external/altcha.css', type: 'text/css; charset=utf-8' },
  'pbkdf2-worker.js': { file: 'workers/pbkdf2.js', type: 'text/javascript; charset=utf-8' },
};
let altchaCache: Map<string, Buffer> | undefined;
const altchaFile = (name: string) => {
  altchaCache ??= new Map(Object.entries(ALTCHA_FILES).map(([k, v]) => [k, readFileSync(join(altchaDist, v.file))]));
  return altchaCache.get(name);
};

export const publicRoutes: RouteTable = [
  get('/assets/altcha/:file', anyone, sendAltchaFile),
  // signing up
  get(SIGNUP_PATH, anyone, showSignup),
  get(`${SIGNUP_PATH}/challenge`, anyone, sendProofChallenge, { config: { rateLimit: LIMITS.challenge } }),
  get(`${SIGNUP_PATH}/check-your-email`, anyone, showCheckYourEmail),
  post(SIGNUP_PATH, anyone, signUpFromForm, { config: { csrf: false, rateLimit: SIGNUP_LIMIT } }),
  // confirming an address (GET shows a button; only the POST confirms, so link scanners cannot)
  get('/s/confirm/:token', anyone, showConfirm),
  post('/s/confirm/:token', anyone, confirmAddress, { config: { rateLimit: LIMITS.link } }),
  // preferences (a signed link in every email) and the data rights
  get('/s/manage/:token', anyone, showPreferences),
  post('/s/manage/:token', anyone, savePreferences, { config: { rateLimit: LIMITS.link } }),
  post('/s/manage/:token/export', anyone, emailDataExportLink, { config: { rateLimit: LIMITS.sendsMail } }),
  get('/s/manage/:token/erase', anyone, showEraseOwnData),
  post('/s/manage/:token/erase', anyone, eraseOwnDataByLink, { config: { rateLimit: LIMITS.link } }),
  get('/s/erased', anyone, showErased),
  // the data-export link (GET shows a button; the POST uses the single-use link and downloads)
  get('/s/data/:token', anyone, showDataDownload),
  post('/s/data/:token', anyone, downloadData, { config: { rateLimit: LIMITS.link } }),
  // one-click unsubscribe (RFC 8058); its POST is in unsubscribeRoutes below
  get('/s/unsubscribe/:token/:listId', anyone, showUnsubscribe),
];

/**
 * Mail providers post the one-click unsubscribe without cookies or a CSRF token (the signed link is the authority),
 * and RFC 8058 lets them send the body as multipart/form-data as well as urlencoded: whatever the body, the post is
 * the request. capability.ts registers this table in a scope of its own, so that only it accepts any content type.
 */
export const unsubscribeRoutes: RouteTable = [
  post('/s/unsubscribe/:token/:listId', anyone, unsubscribeByPost, { config: { csrf: false, rateLimit: LIMITS.unsubscribe } }),
];

/** How the unsubscribe scope reads a body: not at all (any type, up to 64 KiB). */
export const UNSUBSCRIBE_BODY_LIMIT = 64 * 1024;

// ---- the widget's files ----

async function sendAltchaFile(req: FastifyRequest, reply: FastifyReply) {
  const name = (req.params as { file?: string }).file ?? '';
  const spec = Object.hasOwn(ALTCHA_FILES, name) ? ALTCHA_FILES[name] : undefined;
  if (!spec) throw new AppError(404, 'not_found', 'There is no such file.');
  return reply.type(spec.type).header('cache-control', 'public, max-age=86400').send(altchaFile(name));
}

// ---- signing up ----

async function signupPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { status?: number; values?: Record<string, string>; checked?: number[]; errors?: Record<string, string> } = {},
) {
  const { lists } = await signupBlockData(core);
  return reply.page({
    title: 'Stay in touch',
    status: o.status ?? 200,
    description: 'Sign up for emails about our campaigns.',
    body: <SignupPageView lists={lists} csrf={req.csrfToken()} values={o.values} checked={o.checked} errors={o.errors} />,
  });
}

async function showSignup(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return signupPage(req, reply, core);
}

async function sendProofChallenge(_req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.header('cache-control', 'no-store').send(await createProofChallenge(core.keyring));
}

async function showCheckYourEmail(_req: FastifyRequest, reply: FastifyReply) {
  return reply.page({ title: 'Check your email', body: <CheckEmailView />, cacheKey: 'check-your-email' });
}

async function signUpFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const again = (errors: Record<string, string>) =>
    signupPage(req, reply, core, { status: 422, values: formValues(req.body), checked: tickedLists(req.body), errors });
  const done = () => reply.redirect(`${SIGNUP_PATH}/check-your-email`, 303);
  const form = await guardPublicForm(req, core, (body) => parseForm(SignupSchema, body), {
    button: 'Sign up',
    goBack: 'Go to our sign-up page and try again there.',
  });
  // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
  if (form.kind === 'trapped') return done();
  if (form.kind === 'refused') return again(form.errors);
  try {
    await signUp(core, form.data, { proof: form.proof });
  } catch (err) {
    return again(refusedFields(err));
  }
  return done();
}

// ---- confirming an address ----

const tokenOf = (req: FastifyRequest) => (TokenParams.safeParse(req.params).data ?? { token: '' }).token;

async function showConfirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  const link = await confirmationLink(core, token);
  if (link.state === 'invalid') throw badLink();
  if (link.state === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView /> });
  return personal(reply).page({
    title: 'Confirm your email address',
    body: <ConfirmView csrf={req.csrfToken()} token={token} link={link} />,
  });
}

async function confirmAddress(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const result = await confirmSubscription(core, tokenOf(req));
  if (result.state === 'invalid') throw badLink();
  if (result.state === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView /> });
  return reply.redirect(`${new URL(supporterLink(core, 'manage', result.publicId)).pathname}?done=confirmed`, 303);
}

// ---- preferences ----

/** The supporter a signed preferences link names, or a 404. */
function publicIdFrom(req: FastifyRequest, core: Core) {
  const token = tokenOf(req);
  const publicId = verifySupporterLink(core, 'manage', token);
  if (!publicId) throw badLink();
  return { token, publicId };
}

async function preferencesPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { notice?: string | undefined; errors?: Record<string, string>; checked?: number[] } = {},
) {
  const { token, publicId } = publicIdFrom(req, core);
  const prefs = await getPreferences(core, publicId);
  if (!prefs) throw badLink();
  return personal(reply).page({
    title: 'Your email preferences',
    status: o.errors ? 422 : 200,
    body: <PreferencesView csrf={req.csrfToken()} token={token} prefs={prefs} notice={o.notice} errors={o.errors} checked={o.checked} />,
  });
}

async function showPreferences(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return preferencesPage(req, reply, core, { notice: preferencesNotice(formValues(req.query).done) });
}

async function savePreferences(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token, publicId } = publicIdFrom(req, core);
  const form = parseForm(PreferencesSchema, req.body);
  if (!form.ok) return preferencesPage(req, reply, core, { errors: form.errors, checked: tickedLists(req.body) });
  let result: { requested: number };
  try {
    result = await updatePreferences(core, publicId, form.data.list);
  } catch (err) {
    if (err instanceof DomainError && err.code === 'not_found') throw badLink();
    return preferencesPage(req, reply, core, { errors: refusedFields(err), checked: tickedLists(req.body) });
  }
  return reply.redirect(`/s/manage/${token}?done=${result.requested > 0 ? 'saved-confirm' : 'saved'}`, 303);
}

async function emailDataExportLink(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token, publicId } = publicIdFrom(req, core);
  const id = await liveSupporterId(core, publicId);
  if (id === undefined) throw badLink();
  // The same answer whether or not a link went out just now: the last one still works.
  await sendDataExportLink(core, id, { minGapMs: DATA_EXPORT_EMAIL_GAP_MS });
  return reply.redirect(`/s/manage/${token}?done=export`, 303);
}

async function showEraseOwnData(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token, publicId } = publicIdFrom(req, core);
  if ((await liveSupporterId(core, publicId)) === undefined) throw badLink();
  return personal(reply).page({ title: 'Erase your data?', body: <EraseConfirmView csrf={req.csrfToken()} token={token} /> });
}

async function eraseOwnDataByLink(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { publicId } = publicIdFrom(req, core);
  if (!(await eraseOwnData(core, publicId))) throw badLink();
  return reply.redirect('/s/erased', 303);
}

async function showErased(_req: FastifyRequest, reply: FastifyReply) {
  return reply.page({ title: 'Your data has been erased', body: <ErasedView />, cacheKey: 'erased' });
}

// ---- the data-export link ----

async function showDataDownload(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const token = tokenOf(req);
  if (!(await dataExportLinkUsable(core, token))) throw badLink();
  return personal(reply).page({ title: 'Download your data', body: <DataDownloadView csrf={req.csrfToken()} token={token} /> });
}

async function downloadData(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const file = await takeDataExport(core, tokenOf(req));
  if (!file) throw badLink();
  return personal(reply)
    .type('application/json; charset=utf-8')
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.json);
}

// ---- one-click unsubscribe ----

/** The list and supporter a signed unsubscribe link names, or a 404. */
function unsubscribeTarget(req: FastifyRequest, core: Core) {
  const params = UnsubscribeParams.safeParse(req.params);
  if (!params.success) throw badLink();
  const { token, listId } = params.data;
  const publicId = verifySupporterLink(core, 'unsubscribe', token, String(listId));
  if (!publicId) throw badLink();
  return { token, listId, publicId, manageHref: new URL(supporterLink(core, 'manage', publicId)).pathname };
}

async function showUnsubscribe(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const t = unsubscribeTarget(req, core);
  const name = await listName(core, t.listId);
  if (name === undefined || (await liveSupporterId(core, t.publicId)) === undefined) throw badLink();
  return personal(reply).page({
    title: 'Unsubscribe',
    body: <UnsubscribeView action={`/s/unsubscribe/${t.token}/${t.listId}`} listName={name} manageHref={t.manageHref} />,
  });
}

async function unsubscribeByPost(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const t = unsubscribeTarget(req, core);
  const result = await unsubscribeFromList(core, t.publicId, t.listId);
  if (!result) throw badLink();
  return personal(reply).page({
    title: 'You are unsubscribed',
    body: <UnsubscribedView listName={result.listName} manageHref={t.manageHref} />,
  });
}
