import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import type { Capability } from '../core/context.js';
import { AppError, DomainError } from '../core/web/errors.js';
import { formValues, parseForm } from '../core/web/forms.js';
import { personal, proofBucketLimit } from '../core/web/public-forms.js';
import { postOrigin } from '../core/web/security.js';
import { seedSupportersDemo } from './demo.js';
import { supporterJobs, supporterRecurringJobs } from './jobs.js';
import { checkProof, createProofChallenge } from '../core/web/proof-of-work.js';
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

/** The field messages of a rule the service refused (shown on the form); anything else is rethrown. */
function refusedFields(err: unknown): Record<string, string> {
  if (err instanceof DomainError && err.code === 'invalid')
    return Object.keys(err.fields).length ? { ...err.fields } : { _form: err.message };
  throw err;
}

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

/** Supporters, public side: sign-up, confirmation, preferences, unsubscribe, data rights; retention; demo supporters. */
export const supportersCapability: Capability = {
  name: 'supporters',
  jobs: supporterJobs,
  recurring: supporterRecurringJobs,
  demo: seedSupportersDemo,
  async routes(app, core) {
    // ---- the widget's files ----

    app.get('/assets/altcha/:file', async (req, reply) => {
      const name = (req.params as { file?: string }).file ?? '';
      const spec = Object.hasOwn(ALTCHA_FILES, name) ? ALTCHA_FILES[name] : undefined;
      if (!spec) throw new AppError(404, 'not_found', 'There is no such file.');
      return reply.type(spec.type).header('cache-control', 'public, max-age=86400').send(altchaFile(name));
    });

    // ---- signing up ----

    const signupPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      o: { status?: number; values?: Record<string, string>; checked?: number[]; errors?: Record<string, string> } = {},
    ) => {
      const { lists } = await signupBlockData(core);
      return reply.page({
        title: 'Stay in touch',
        status: o.status ?? 200,
        description: 'Sign up for emails about our campaigns.',
        body: <SignupPageView lists={lists} csrf={req.csrfToken()} values={o.values} checked={o.checked} errors={o.errors} />,
      });
    };

    app.get(SIGNUP_PATH, async (req, reply) => signupPage(req, reply));

    app.get(`${SIGNUP_PATH}/challenge`, { config: { rateLimit: LIMITS.challenge } }, async (_req, reply) =>
      reply.header('cache-control', 'no-store').send(await createProofChallenge(core.keyring)),
    );

    app.get(`${SIGNUP_PATH}/check-your-email`, async (_req, reply) =>
      reply.page({ title: 'Check your email', body: <CheckEmailView />, cacheKey: 'check-your-email' }),
    );

    app.post(SIGNUP_PATH, { config: { csrf: false, rateLimit: SIGNUP_LIMIT } }, async (req, reply) => {
      const again = (errors: Record<string, string>) =>
        signupPage(req, reply, { status: 422, values: formValues(req.body), checked: tickedLists(req.body), errors });
      const origin = postOrigin(req, core);
      if (origin === 'cross')
        throw new AppError(403, 'csrf', 'This form was sent from another site. Go to our sign-up page and try again there.');
      if (origin === 'unknown') return again({ _form: 'Please check your details and press Sign up again.' });
      const done = () => reply.redirect(`${SIGNUP_PATH}/check-your-email`, 303);
      // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
      const trap = formValues(req.body).website;
      if (trap !== undefined && trap !== '') return done();
      const form = parseForm(SignupSchema, req.body);
      if (!form.ok) return again(form.errors);
      const proof = await checkProof(
        core.keyring,
        req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>).altcha : undefined,
      );
      if (proof.kind === 'invalid')
        return again({ _form: 'The automatic check that you are a person did not finish. Please press Sign up again.' });
      try {
        await signUp(core, form.data, { proof: proof.kind === 'valid' ? proof : undefined });
      } catch (err) {
        return again(refusedFields(err));
      }
      return done();
    });

    // ---- confirming an address (GET shows a button; only the POST confirms, so link scanners cannot) ----

    app.get('/s/confirm/:token', async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const link = await confirmationLink(core, token);
      if (link.state === 'invalid') throw badLink();
      if (link.state === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView /> });
      return personal(reply).page({
        title: 'Confirm your email address',
        body: <ConfirmView csrf={req.csrfToken()} token={token} link={link} />,
      });
    });

    app.post('/s/confirm/:token', { config: { rateLimit: LIMITS.link } }, async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const result = await confirmSubscription(core, token);
      if (result.state === 'invalid') throw badLink();
      if (result.state === 'used') return personal(reply).page({ title: 'Already confirmed', body: <ConfirmUsedView /> });
      return reply.redirect(`${new URL(supporterLink(core, 'manage', result.publicId)).pathname}?done=confirmed`, 303);
    });

    // ---- preferences (a signed link in every email) ----

    const publicIdFrom = (req: FastifyRequest) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const publicId = verifySupporterLink(core, 'manage', token);
      if (!publicId) throw badLink();
      return { token, publicId };
    };

    const preferencesPage = async (
      req: FastifyRequest,
      reply: FastifyReply,
      o: { notice?: string | undefined; errors?: Record<string, string>; checked?: number[] } = {},
    ) => {
      const { token, publicId } = publicIdFrom(req);
      const prefs = await getPreferences(core, publicId);
      if (!prefs) throw badLink();
      return personal(reply).page({
        title: 'Your email preferences',
        status: o.errors ? 422 : 200,
        body: (
          <PreferencesView csrf={req.csrfToken()} token={token} prefs={prefs} notice={o.notice} errors={o.errors} checked={o.checked} />
        ),
      });
    };

    app.get('/s/manage/:token', async (req, reply) =>
      preferencesPage(req, reply, { notice: preferencesNotice(formValues(req.query).done) }),
    );

    app.post('/s/manage/:token', { config: { rateLimit: LIMITS.link } }, async (req, reply) => {
      const { token, publicId } = publicIdFrom(req);
      const form = parseForm(PreferencesSchema, req.body);
      if (!form.ok) return preferencesPage(req, reply, { errors: form.errors, checked: tickedLists(req.body) });
      let result: { requested: number };
      try {
        result = await updatePreferences(core, publicId, form.data.list);
      } catch (err) {
        if (err instanceof DomainError && err.code === 'not_found') throw badLink();
        return preferencesPage(req, reply, { errors: refusedFields(err), checked: tickedLists(req.body) });
      }
      return reply.redirect(`/s/manage/${token}?done=${result.requested > 0 ? 'saved-confirm' : 'saved'}`, 303);
    });

    app.post('/s/manage/:token/export', { config: { rateLimit: LIMITS.sendsMail } }, async (req, reply) => {
      const { token, publicId } = publicIdFrom(req);
      const id = await liveSupporterId(core, publicId);
      if (id === undefined) throw badLink();
      // The same answer whether or not a link went out just now: the last one still works.
      await sendDataExportLink(core, id, { minGapMs: DATA_EXPORT_EMAIL_GAP_MS });
      return reply.redirect(`/s/manage/${token}?done=export`, 303);
    });

    app.get('/s/manage/:token/erase', async (req, reply) => {
      const { token, publicId } = publicIdFrom(req);
      if ((await liveSupporterId(core, publicId)) === undefined) throw badLink();
      return personal(reply).page({ title: 'Erase your data?', body: <EraseConfirmView csrf={req.csrfToken()} token={token} /> });
    });

    app.post('/s/manage/:token/erase', { config: { rateLimit: LIMITS.link } }, async (req, reply) => {
      const { publicId } = publicIdFrom(req);
      if (!(await eraseOwnData(core, publicId))) throw badLink();
      return reply.redirect('/s/erased', 303);
    });

    app.get('/s/erased', async (_req, reply) =>
      reply.page({ title: 'Your data has been erased', body: <ErasedView />, cacheKey: 'erased' }),
    );

    // ---- the data-export link (GET shows a button; the POST uses the single-use link and downloads) ----

    app.get('/s/data/:token', async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      if (!(await dataExportLinkUsable(core, token))) throw badLink();
      return personal(reply).page({ title: 'Download your data', body: <DataDownloadView csrf={req.csrfToken()} token={token} /> });
    });

    app.post('/s/data/:token', { config: { rateLimit: LIMITS.link } }, async (req, reply) => {
      const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
      const file = await takeDataExport(core, token);
      if (!file) throw badLink();
      return personal(reply)
        .type('application/json; charset=utf-8')
        .header('content-disposition', `attachment; filename="${file.filename}"`)
        .send(file.json);
    });

    // ---- one-click unsubscribe (RFC 8058) ----

    const unsubscribeTarget = (req: FastifyRequest) => {
      const params = UnsubscribeParams.safeParse(req.params);
      if (!params.success) throw badLink();
      const { token, listId } = params.data;
      const publicId = verifySupporterLink(core, 'unsubscribe', token, String(listId));
      if (!publicId) throw badLink();
      return { token, listId, publicId, manageHref: new URL(supporterLink(core, 'manage', publicId)).pathname };
    };

    app.get('/s/unsubscribe/:token/:listId', async (req, reply) => {
      const t = unsubscribeTarget(req);
      const name = await listName(core, t.listId);
      if (name === undefined || (await liveSupporterId(core, t.publicId)) === undefined) throw badLink();
      return personal(reply).page({
        title: 'Unsubscribe',
        body: <UnsubscribeView action={`/s/unsubscribe/${t.token}/${t.listId}`} listName={name} manageHref={t.manageHref} />,
      });
    });

    // Mail providers post here without cookies or a CSRF token (the signed link is the authority), and RFC 8058
    // lets them send the body as multipart/form-data as well as urlencoded: whatever the body, the post is the
    // request. The route lives in its own scope so that only it accepts any content type.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers();
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 64 * 1024 }, (_req, _body, done) => done(null, undefined));
      scope.post('/s/unsubscribe/:token/:listId', { config: { csrf: false, rateLimit: LIMITS.unsubscribe } }, async (req, reply) => {
        const t = unsubscribeTarget(req);
        const result = await unsubscribeFromList(core, t.publicId, t.listId);
        if (!result) throw badLink();
        return personal(reply).page({
          title: 'You are unsubscribed',
          body: <UnsubscribedView listName={result.listName} manageHref={t.manageHref} />,
        });
      });
    });
  },
};
