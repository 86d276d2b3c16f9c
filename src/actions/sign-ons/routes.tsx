import multipart from '@fastify/multipart';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderMarkdown } from '../../core/markdown.js';
import type { Core } from '../../core/context.js';
import { AppError, DomainError } from '../../core/web/errors.js';
import { formValues, parseForm, type FormResult } from '../../core/web/forms.js';
import { guardPublicForm, personal, proofBucketLimit, refusedFields } from '../../core/web/public-forms.js';
import { anyone, get, post, registerRoutes, type RouteTable } from '../../core/web/routes.js';
import { isTakingPart, type Action } from '../kinds.js';
import {
  confirmSignOn,
  fileByRef,
  LOGO_MAX_BYTES,
  logoProblem,
  newsletterOffer,
  publishedSignOnAction,
  signOn,
  SignOnFormSchema,
  signOnLink,
  type LogoUpload,
} from './service.js';
import type { SignOnSettings } from './settings.js';
import { CheckEmailView, ConfirmUsedView, ConfirmView, SignOnPageView, signOnPath } from './views.js';

// The public side of sign-ons: the form on a page of its own (a refused form comes back there, 422); its post,
// multipart (with a logo) or urlencoded, with proof of work, honeypot and limits; "check your email", the same answer
// whether or not the address had signed; the confirmation link (GET shows a button, since link scanners only GET;
// the POST confirms, and the sign-on waits for staff); and an uploaded logo, by its signed reference.

const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const TokenParams = z.object({ slug: z.string().min(1).max(200), token: z.string().max(200) });
const FileParams = z.object({ ref: z.string().max(100) });

const notFound = () => new AppError(404, 'not_found', 'We could not find that statement. It may have moved, or the link may be mistyped.');
const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or it may have expired.');

/** Limits per client address. Posts without a proof of work (no JavaScript) get the strictest. */
const LIMITS = {
  link: { max: 30, timeWindow: '1 minute' },
  // A page of signatories shows every logo: generous, but not unlimited.
  files: { max: 600, timeWindow: '1 minute' },
} as const;
const SIGN_WITH_PROOF_MAX = 10;
const SIGN_WITHOUT_PROOF_MAX = 3;

/** Sign-ons per address in two buckets, with and without a proof of work; the bucket needs the parsed body. */
const SIGN_LIMIT = proofBucketLimit({ timeWindow: '10 minutes', withProof: SIGN_WITH_PROOF_MAX, withoutProof: SIGN_WITHOUT_PROOF_MAX });

/** The public sign-on routes (the form's post is in signOnPostRoutes: it needs multipart, in a scope of its own). */
export const signOnPublicRoutes: RouteTable = [
  get('/act/:slug/sign-on', anyone, showSignOnForm),
  get('/act/:slug/sign-on/check-your-email', anyone, showCheckEmail),
  get('/act/:slug/sign-on/confirm/:token', anyone, showConfirm),
  post('/act/:slug/sign-on/confirm/:token', anyone, confirm, { config: { rateLimit: LIMITS.link } }),
  get('/files/:ref', anyone, sendFile, { config: { rateLimit: LIMITS.files } }),
];

/** The sign-on form's post, registered by setupSignOnUploads inside the scope that reads multipart. */
const signOnPostRoutes: RouteTable = [
  post('/act/:slug/sign-on', anyone, signOnFromForm, { config: { csrf: false, rateLimit: SIGN_LIMIT } }),
];

/** Logos read by the multipart hook, by request: the bytes (cut off at the limit) until the handler takes them. */
const logos = new WeakMap<FastifyRequest, LogoUpload>();
/** Requests whose handler has started: an error before that, on a multipart post, is a body that could not be read. */
const reachedHandler = new WeakSet<FastifyRequest>();

const slugOf = (params: unknown) => {
  const p = SlugParams.safeParse(params);
  if (!p.success) throw notFound();
  return p.data.slug;
};

async function actionOr404(core: Core, slug: string) {
  const a = await publishedSignOnAction(core.db, slug);
  if (!a) throw notFound();
  return a;
}

async function formPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  action: Action<SignOnSettings>,
  o: { status?: number; values?: Record<string, string>; errors?: Record<string, string> } = {},
) {
  const offer = await newsletterOffer(core, action);
  return personal(reply).page({
    title: `Sign on: ${action.title}`,
    status: o.status ?? 200,
    description: action.summary,
    body: (
      <SignOnPageView
        action={action}
        statementHtml={renderMarkdown(action.body)}
        requireLogo={action.settings.requireLogo}
        newsletter={offer ? { name: offer.name, wording: offer.wording } : undefined}
        csrf={req.csrfToken()}
        values={o.values}
        errors={o.errors}
      />
    ),
  });
}

async function showSignOnForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOr404(core, slugOf(req.params));
  if (!isTakingPart(action)) return reply.redirect(`/act/${action.slug}`, 303);
  return formPage(req, reply, core, action);
}

/**
 * Multipart is accepted on the sign-on post only. The logo is read into memory as it arrives (at most the limit,
 * the rest cut off and flagged), and nothing is stored until every check has passed.
 */
export async function setupSignOnUploads(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    await scope.register(multipart, {
      attachFieldsToBody: 'keyValues',
      throwFileSizeLimit: false,
      limits: { fileSize: LOGO_MAX_BYTES, files: 1, fields: 20, fieldSize: 16 * 1024, parts: 21, headerPairs: 50 },
      async onFile(this: FastifyRequest, part) {
        if (part.fieldname !== 'logo' || logos.has(this)) {
          part.file.resume();
          return;
        }
        const chunks: Buffer[] = [];
        for await (const chunk of part.file) chunks.push(chunk as Buffer);
        const bytes = Buffer.concat(chunks);
        // A browser sends an empty part with no file name when no file was chosen.
        if (bytes.byteLength === 0 && !part.filename) return;
        logos.set(this, { bytes, truncated: part.file.truncated });
      },
    });
    // A multipart body the parser could not read (no boundary, a broken part) is the sender's error, not ours.
    scope.setErrorHandler(async (err: FastifyError, req) => {
      const ours = err instanceof AppError || err instanceof DomainError;
      if (!ours && !reachedHandler.has(req) && req.isMultipart() && err.statusCode === undefined) {
        throw new AppError(400, 'bad_request', 'The form could not be read. Please go back and send it again.');
      }
      throw err;
    });
    registerRoutes(scope, core, signOnPostRoutes, 'public');
  });
}

// The honeypot of this form is `homepage`: `website` is the organisation's real field.
async function signOnFromForm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  reachedHandler.add(req);
  const action = await actionOr404(core, slugOf(req.params));
  if (!isTakingPart(action)) return reply.redirect(`/act/${action.slug}`, 303);
  const values = formValues(req.body);
  const again = (errors: Record<string, string>) => formPage(req, reply, core, action, { status: 422, values, errors });
  const done = () => reply.redirect(`${signOnPath(action.slug)}/check-your-email`, 303);
  const logo = logos.get(req);
  const parse = (body: unknown): FormResult<z.output<typeof SignOnFormSchema>> => {
    const form = parseForm(SignOnFormSchema, body);
    const logoError = logoProblem(logo, action.settings);
    if (form.ok && !logoError) return form;
    return { ok: false, values, errors: { ...(form.ok ? {} : form.errors), ...(logoError ? { logo: logoError } : {}) } };
  };
  const check = await guardPublicForm(req, core, parse, {
    button: 'Sign up our organisation',
    goBack: 'Go to the statement’s page and sign there.',
    honeypot: 'homepage',
  });
  // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
  if (check.kind === 'trapped') return done();
  if (check.kind === 'refused') return again(check.errors);
  try {
    await signOn(core, action, check.data, { logo, proof: check.proof });
  } catch (err) {
    return again(refusedFields(err));
  }
  return done();
}

async function showCheckEmail(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOr404(core, slugOf(req.params));
  return reply.page({
    title: 'Check your email',
    body: <CheckEmailView action={action} />,
    cacheKey: `sign-on-check:${action.updatedAt}`,
  });
}

// ---- confirming (GET shows a button; only the POST confirms, so link scanners cannot) ----

const tokenParams = (params: unknown) => {
  const p = TokenParams.safeParse(params);
  if (!p.success) throw badLink();
  return p.data;
};

async function showConfirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug, token } = tokenParams(req.params);
  const action = await publishedSignOnAction(core.db, slug);
  if (!action) throw badLink();
  const link = await signOnLink(core, action, token);
  if (link.state === 'invalid') throw badLink();
  if (link.state === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView action={action} /> });
  return personal(reply).page({
    title: 'Confirm your organisation’s signature',
    body: (
      <ConfirmView action={action} token={token} csrf={req.csrfToken()} organisation={link.organisation} newsletter={link.newsletter} />
    ),
  });
}

async function confirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { slug, token } = tokenParams(req.params);
  const action = await publishedSignOnAction(core.db, slug);
  if (!action) throw badLink();
  const result = await confirmSignOn(core, action, token);
  if (result === 'invalid') throw badLink();
  if (result === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView action={action} /> });
  return reply.redirect(`/act/${action.slug}/thanks`, 303);
}

// ---- uploaded files (logos) ----

async function sendFile(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const p = FileParams.safeParse(req.params);
  const file = p.success ? await fileByRef(core, p.data.ref) : undefined;
  if (!file) throw new AppError(404, 'not_found', 'There is no such file.');
  const etag = `"${file.sha256}"`;
  // The type is the one found from the file's own bytes when it was uploaded (only PNG, JPEG or WebP), and
  // nosniff stops a browser from guessing another; a file's bytes never change, so it may be cached.
  reply
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'public, max-age=86400')
    .header('etag', etag)
    .header('content-disposition', 'inline');
  if (req.headers['if-none-match'] === etag) return reply.code(304).send();
  return reply.type(file.contentType).send(Buffer.from(file.bytes.buffer, file.bytes.byteOffset, file.bytes.byteLength));
}
