import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { VNode } from 'preact';
import { z } from 'zod';
import type { Core } from '../../core/context.js';
import { AppError } from '../../core/web/errors.js';
import { formValues, parseForm } from '../../core/web/forms.js';
import { guardPublicForm, personal, proofBucketLimit, proofBucketLimiter, refusedFields } from '../../core/web/public-forms.js';
import { anyone, get, post, type RouteTable } from '../../core/web/routes.js';
import { postOrigin } from '../../core/web/security.js';
import { isTakingPart } from '../kinds.js';
import {
  ChooseStageSchema,
  confirmLetter,
  confirmLink,
  getLetterAction,
  letterFormSchema,
  MAX_LETTER_CHARS,
  newsletterListOf,
  PostcodeStageSchema,
  previewLetter,
  recipientsOf,
  recordReply,
  REPLY_ANSWERS,
  replyLink,
  resolveMp,
  submitLetter,
  WhereSchema,
  messageWords,
  type LetterAction,
  type LetterDraft,
  type MpResolution,
  type Recipient,
} from './service.js';
import {
  CannotEmailView,
  CheckEmailView,
  ChooseView,
  ConfirmedView,
  ConfirmLetterView,
  LETTER_FIELDS,
  letterPaths,
  PostcodeForm,
  PreviewView,
  ReplyView,
  WHERE_FIELDS,
  WriteForm,
} from './views.js';

// The letters' public routes: the stages of writing (each a POST whose answer is the next stage's page, carrying
// what was entered in hidden fields), sending (origin check, honeypot, proof of work, per-address burst and
// sustained limits), the confirmation link (GET shows the letter and a button; only the POST sends it, so link
// scanners cannot) and the "did your MP reply?" links. Staff routes are in admin-routes.tsx.

const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const TokenParams = z.object({ token: z.string().max(200) });
const ReplyParams = z.object({ token: z.string().max(200), answer: z.enum(REPLY_ANSWERS).optional() });
const AnswerBody = z.object({ answer: z.enum(REPLY_ANSWERS, { error: 'Choose an answer' }) });

const notFound = () => new AppError(404, 'not_found', 'We could not find that action. It may have moved, or the link may be mistyped.');
const badLink = () =>
  new AppError(404, 'not_found', 'This link is not valid. It may have been copied only in part, or it may have expired.');
const GO_BACK = 'Go to the action on our site and write it there.';
const CROSS_SITE = `This form was sent from another site. ${GO_BACK}`;
const PRESS_AGAIN = 'Please check what you entered and press the button again.';

// A letter takes minutes to write, so even a shared address (an office, a campus, a mobile network) sends few in a
// minute. The burst window stops a machine firing many at once; the sustained one stops it trickling all day.
const LIMITS = {
  burst: { timeWindow: 60_000, withProof: 10, withoutProof: 3 },
  sustained: { timeWindow: 3600_000, withProof: 60, withoutProof: 15 },
  // The stages store nothing, but each looks up a postcode.
  stage: { max: 60, timeWindow: '1 minute' },
  link: { max: 30, timeWindow: '1 minute' },
} as const;

const SUSTAINED = proofBucketLimit(LIMITS.sustained);
const STAGE = { config: { csrf: false, rateLimit: LIMITS.stage } };

/** The letters' public routes, for both letter kinds (the staff's are in admin-routes.tsx). */
export const letterPublicRoutes: RouteTable = [
  // Someone who reloads a stage's page, or follows its address, lands back on the action.
  get('/act/:slug/letter/postcode', anyone, backToAction),
  get('/act/:slug/letter/constituency', anyone, backToAction),
  get('/act/:slug/letter/preview', anyone, backToAction),
  get('/act/:slug/letter/edit', anyone, backToAction),
  get('/act/:slug/letter/send', anyone, backToAction),
  post('/act/:slug/letter/postcode', anyone, findMpByPostcode, STAGE),
  post('/act/:slug/letter/constituency', anyone, chooseConstituency, STAGE),
  post('/act/:slug/letter/preview', anyone, previewTheLetter, STAGE),
  post('/act/:slug/letter/edit', anyone, editTheLetter, STAGE),
  post('/act/:slug/letter/send', anyone, sendTheLetter, { config: { csrf: false, rateLimit: SUSTAINED }, preHandlerFor: limitBursts }),
  get('/act/:slug/letter/check-your-email', anyone, showCheckEmail),
  get('/letter/confirm/:token', anyone, showConfirm),
  post('/letter/confirm/:token', anyone, confirm, { config: { rateLimit: LIMITS.link } }),
  get('/act/:slug/letter/confirmed', anyone, showConfirmed),
  get('/letter/reply/:token', anyone, showReply),
  get('/letter/reply/:token/:answer', anyone, showReplySuggested),
  post('/letter/reply/:token', anyone, answerReply, { config: { rateLimit: LIMITS.link } }),
];

/** The values a stage's form carries, as strings (long enough for the longest letter; formValues cuts at 10,000). */
function carried(body: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!body || typeof body !== 'object') return out;
  for (const name of [...WHERE_FIELDS, ...LETTER_FIELDS]) {
    const raw = (body as Record<string, unknown>)[name];
    const first = Array.isArray(raw) ? raw[0] : raw;
    if (typeof first === 'string') out[name] = first.slice(0, MAX_LETTER_CHARS + 1_000);
  }
  return out;
}

/** A draft's values as the preview carries them forward (normalised, so what is sent is what was previewed). */
function draftValues(d: LetterDraft): Record<string, string> {
  return {
    ...(d.postcode ? { postcode: d.postcode } : {}),
    ...(d.constituencyCode ? { constituency: d.constituencyCode } : {}),
    subject: d.subject,
    body: d.body,
    firstName: d.firstName,
    lastName: d.lastName,
    email: d.email,
    address: d.address ?? '',
    ...(d.optIn ? { optIn: 'on' } : {}),
  };
}

// ---- the pieces of the stages' pages ----

/** The burst window (the sustained one is the route's own rate limit). */
function limitBursts(app: FastifyInstance) {
  return proofBucketLimiter(app, LIMITS.burst);
}

/** The letter action a request names (open or closed; never a draft), or a 404. */
async function actionOf(req: FastifyRequest, core: Core): Promise<LetterAction> {
  const params = SlugParams.safeParse(req.params);
  const action = params.success ? await getLetterAction(core.db, { slug: params.data.slug }) : undefined;
  if (!action || action.status === 'draft') throw notFound();
  return action;
}

const stagePage = (reply: FastifyReply, action: LetterAction, title: string, body: VNode, status = 200) =>
  personal(reply).page({
    title: `${title}: ${action.title}`,
    status,
    body: (
      <>
        <p class="meta">
          <a href={`/act/${action.slug}`}>{action.title}</a>
        </p>
        {body}
      </>
    ),
  });

const closedPage = (reply: FastifyReply, action: LetterAction) =>
  stagePage(
    reply,
    action,
    'Closed',
    <>
      <h1>This action has closed</h1>
      <p>{messageWords(action.kind).Many} can no longer be sent for it. Thank you for wanting to take part.</p>
    </>,
    409,
  );

const postcodePage = (
  req: FastifyRequest,
  reply: FastifyReply,
  action: LetterAction,
  o: { errors?: Record<string, string>; status?: number } = {},
) =>
  stagePage(
    reply,
    action,
    'Write to your MP',
    <PostcodeForm action={action} csrf={req.csrfToken()} values={carried(req.body)} errors={o.errors} headingLevel="h1" />,
    o.status ?? 422,
  );

async function writePage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  action: LetterAction,
  o: {
    recipients: readonly Recipient[];
    where: Record<string, string>;
    values: Record<string, string>;
    errors?: Record<string, string>;
    status: number;
  },
) {
  return stagePage(
    reply,
    action,
    action.kind === 'letter_mp' ? 'Write your letter' : 'Write your email',
    <WriteForm
      action={action}
      csrf={req.csrfToken()}
      recipients={o.recipients}
      where={o.where}
      values={o.values}
      errors={o.errors}
      list={await newsletterListOf(core, action)}
    />,
    o.status,
  );
}

/** The page for where a postcode led, when it did not lead to an MP who can be emailed. */
function resolutionPage(
  req: FastifyRequest,
  reply: FastifyReply,
  action: LetterAction,
  r: Exclude<MpResolution, { kind: 'ready' }> | { kind: 'no_targets' },
  o: { chooseError?: string } = {},
) {
  switch (r.kind) {
    case 'invalid':
      return postcodePage(req, reply, action, { errors: { postcode: r.message } });
    case 'not_covered':
      return postcodePage(req, reply, action, { errors: { postcode: r.message } });
    case 'choose':
      return stagePage(
        reply,
        action,
        'Choose your constituency',
        <ChooseView
          action={action}
          csrf={req.csrfToken()}
          postcode={r.postcode}
          message={r.message}
          candidates={r.candidates}
          errors={o.chooseError ? { constituency: o.chooseError } : undefined}
        />,
        o.chooseError ? 422 : 200,
      );
    case 'cannot_email':
      return stagePage(
        reply,
        action,
        'We cannot email your MP',
        <CannotEmailView action={action} constituency={r.constituency} mp={r.mp} />,
      );
    case 'no_targets':
      return stagePage(
        reply,
        action,
        'Not ready',
        <>
          <h1>This action is not ready yet</h1>
          <p>Please come back soon.</p>
        </>,
        409,
      );
  }
}

/** Checks that a stage was posted from our own pages; an answer to send instead when it was not. */
function refuseForeign(req: FastifyRequest, core: Core): 'cross' | 'unknown' | null {
  const origin = postOrigin(req, core);
  if (origin === 'cross') throw new AppError(403, 'csrf', CROSS_SITE);
  return origin === 'unknown' ? 'unknown' : null;
}

/** Where the writer lives (letters to MPs) and who the letter goes to, from a later stage's hidden fields. */
async function recipientsFrom(req: FastifyRequest, core: Core, action: LetterAction) {
  if (action.kind === 'email_target') return recipientsOf(core, action, {});
  const where = WhereSchema.safeParse(req.body ?? {});
  if (!where.success)
    return { ok: false as const, resolution: { kind: 'invalid' as const, message: 'Please start again: enter your postcode.' } };
  return recipientsOf(core, action, where.data);
}

const whereOf = (to: { postcode: string | null; constituency: { code: string } | null }) => ({
  ...(to.postcode ? { postcode: to.postcode } : {}),
  ...(to.constituency ? { constituency: to.constituency.code } : {}),
});

async function backToAction(req: FastifyRequest, reply: FastifyReply, core: Core) {
  return reply.redirect(`/act/${(await actionOf(req, core)).slug}`, 303);
}

// ---- stage 1: the postcode (letters to MPs) ----

/**
 * The start both postcode stages share: a letter to MPs, still taking part, posted from our own pages. Returns the
 * action, or the answer already given (the closed page, or the postcode page asking to press again).
 */
async function mpStage(req: FastifyRequest, reply: FastifyReply, core: Core): Promise<{ action: LetterAction } | { answered: unknown }> {
  const action = await actionOf(req, core);
  if (action.kind !== 'letter_mp') throw notFound();
  if (!isTakingPart(action)) return { answered: closedPage(reply, action) };
  if (refuseForeign(req, core)) return { answered: postcodePage(req, reply, action, { errors: { _form: PRESS_AGAIN } }) };
  return { action };
}

/** The writing page addressed to the MP a postcode (and, where needed, a chosen constituency) resolved to. */
function writeToMp(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  action: LetterAction,
  r: Extract<MpResolution, { kind: 'ready' }>,
) {
  return writePage(req, reply, core, action, {
    recipients: [r.recipient],
    where: whereOf({ postcode: r.postcode, constituency: r.constituency }),
    values: {},
    status: 200,
  });
}

async function findMpByPostcode(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const stage = await mpStage(req, reply, core);
  if ('answered' in stage) return stage.answered;
  const { action } = stage;
  const form = parseForm(PostcodeStageSchema, req.body);
  if (!form.ok) return postcodePage(req, reply, action, { errors: form.errors });
  const r = await resolveMp(core, form.data.postcode);
  if (r.kind !== 'ready') return resolutionPage(req, reply, action, r);
  return writeToMp(req, reply, core, action, r);
}

// ---- stage 1b: choosing the constituency where the postcode cannot tell ----

async function chooseConstituency(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const stage = await mpStage(req, reply, core);
  if ('answered' in stage) return stage.answered;
  const { action } = stage;
  const postcode = PostcodeStageSchema.safeParse(req.body ?? {});
  if (!postcode.success) return postcodePage(req, reply, action, { errors: { postcode: 'Please start again: enter your postcode.' } });
  const form = ChooseStageSchema.safeParse(req.body ?? {});
  const r = await resolveMp(core, postcode.data.postcode, form.success ? form.data.constituency : undefined);
  if (r.kind === 'choose') return resolutionPage(req, reply, action, r, { chooseError: 'Choose your constituency from the list' });
  if (r.kind !== 'ready') return resolutionPage(req, reply, action, r);
  return writeToMp(req, reply, core, action, r);
}

// ---- stage 2 → 3: the letter, then its preview ----

async function previewTheLetter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  if (!isTakingPart(action)) return closedPage(reply, action);
  const to = await recipientsFrom(req, core, action);
  if (!to.ok) return resolutionPage(req, reply, action, to.resolution);
  const where = whereOf(to);
  const again = (errors: Record<string, string>) =>
    writePage(req, reply, core, action, { recipients: to.recipients, where, values: carried(req.body), errors, status: 422 });
  if (refuseForeign(req, core)) return again({ _form: PRESS_AGAIN });
  const form = parseForm(letterFormSchema(action), req.body);
  if (!form.ok) return again(form.errors);
  const draft: LetterDraft = { ...form.data, postcode: to.postcode, constituencyCode: to.constituency?.code ?? null };
  const preview = await previewLetter(core, action, draft, to.recipients);
  return stagePage(
    reply,
    action,
    `Check your ${messageWords(action.kind).one}`,
    <PreviewView
      action={action}
      csrf={req.csrfToken()}
      carried={draftValues(draft)}
      subject={draft.subject}
      letters={preview.letters}
      similar={preview.similar}
    />,
  );
}

// ---- back from the preview to the letter ----

async function editTheLetter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  if (!isTakingPart(action)) return closedPage(reply, action);
  if (refuseForeign(req, core)) return postcodePage(req, reply, action, { errors: { _form: PRESS_AGAIN } });
  const to = await recipientsFrom(req, core, action);
  if (!to.ok) return resolutionPage(req, reply, action, to.resolution);
  return writePage(req, reply, core, action, { recipients: to.recipients, where: whereOf(to), values: carried(req.body), status: 200 });
}

// ---- stage 4: sending (stored unconfirmed; the confirmation link is emailed) ----

async function sendTheLetter(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  if (!isTakingPart(action)) return closedPage(reply, action);
  const to = await recipientsFrom(req, core, action);
  if (!to.ok) return resolutionPage(req, reply, action, to.resolution);
  const where = whereOf(to);
  const again = (errors: Record<string, string>) =>
    writePage(req, reply, core, action, { recipients: to.recipients, where, values: carried(req.body), errors, status: 422 });
  // The same page whether the letter was new, a repeat, or a robot's: only the email (to the address's owner) differs.
  const done = () => reply.redirect(letterPaths(action.slug).sent, 303);
  const check = await guardPublicForm(req, core, (body) => parseForm(letterFormSchema(action), body), {
    button: 'Send it',
    goBack: GO_BACK,
  });
  // A robot that filled the trap gets the same answer as everyone, and nothing is stored or sent.
  if (check.kind === 'trapped') return done();
  if (check.kind === 'refused') return again(check.errors);
  const draft: LetterDraft = { ...check.data, postcode: to.postcode, constituencyCode: to.constituency?.code ?? null };
  try {
    await submitLetter(core, action, draft, { proof: check.proof });
  } catch (err) {
    return again(refusedFields(err));
  }
  return done();
}

async function showCheckEmail(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  return reply.page({
    title: `Check your email: ${action.title}`,
    body: <CheckEmailView slug={action.slug} words={messageWords(action.kind)} />,
    cacheKey: `letter-check ${action.slug}`,
  });
}

// ---- confirming (GET shows the letter and a button; only the POST sends it) ----

async function showConfirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
  const link = await confirmLink(core, token);
  if (link.state === 'invalid') throw badLink();
  if (link.state === 'used') {
    return personal(reply).page({
      title: 'Already confirmed',
      body: <ConfirmedView state="used" slug={link.action?.slug} later={false} forMp={link.action?.kind === 'letter_mp'} />,
    });
  }
  return personal(reply).page({
    title: `Send your ${messageWords(link.action.kind).one}`,
    body: (
      <ConfirmLetterView
        words={messageWords(link.action.kind)}
        csrf={req.csrfToken()}
        token={token}
        subject={link.letter.subject}
        body={link.letter.body}
        recipients={link.recipients}
        actionTitle={link.action.title}
      />
    ),
  });
}

async function confirm(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
  const result = await confirmLetter(core, token);
  if (result.state === 'invalid') throw badLink();
  if (result.state === 'used') {
    return personal(reply).page({
      title: 'Already confirmed',
      body: <ConfirmedView state="used" slug={result.action?.slug} later={false} forMp={result.action?.kind === 'letter_mp'} />,
    });
  }
  const later = result.slots.some((s) => s > Date.now() + 60_000);
  const state = result.state === 'held' ? 'held' : later ? 'later' : 'queued';
  return reply.redirect(`/act/${result.action.slug}/letter/confirmed?state=${state}`, 303);
}

async function showConfirmed(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await actionOf(req, core);
  const state = formValues(req.query).state;
  const view = state === 'held' ? 'held' : 'queued';
  return reply.page({
    title: `Your ${messageWords(action.kind).one} ${view === 'held' ? 'is with our team' : 'is on its way'}`,
    body: <ConfirmedView state={view} slug={action.slug} later={state === 'later'} forMp={action.kind === 'letter_mp'} />,
  });
}

// ---- "did your MP reply?" (GET shows the buttons; only the POST records) ----

async function replyPage(
  req: FastifyRequest,
  reply: FastifyReply,
  core: Core,
  o: { token: string; suggested?: (typeof REPLY_ANSWERS)[number] | undefined; done?: boolean; status?: number },
) {
  const link = await replyLink(core, o.token);
  if (!link) throw badLink();
  return personal(reply).page({
    title: `Did ${link.mpName} reply?`,
    status: o.status ?? 200,
    body: (
      <ReplyView
        csrf={req.csrfToken()}
        token={o.token}
        mpName={link.mpName}
        reply={link.reply}
        suggested={o.suggested}
        done={o.done ?? false}
      />
    ),
  });
}

async function showReply(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
  return replyPage(req, reply, core, { token, done: formValues(req.query).done === '1' });
}

async function showReplySuggested(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const params = ReplyParams.safeParse(req.params);
  if (!params.success) throw badLink();
  return replyPage(req, reply, core, { token: params.data.token, suggested: params.data.answer });
}

async function answerReply(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { token } = TokenParams.safeParse(req.params).data ?? { token: '' };
  const body = AnswerBody.safeParse(req.body ?? {});
  if (!body.success) return replyPage(req, reply, core, { token, status: 422 });
  if (!(await recordReply(core, token, body.data.answer))) throw badLink();
  return reply.redirect(`/letter/reply/${token}?done=1`, 303);
}
