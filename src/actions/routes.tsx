import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderMarkdown } from '../core/markdown.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import type { PageOptions } from '../core/web/app.js';
import { AppError } from '../core/web/errors.js';
import { shareTags } from '../core/web/share.js';
import { anyone, get, type Handler, type RouteTable } from '../core/web/routes.js';
import {
  getActionById,
  getActionBySlug,
  getActionUpdates,
  getCampaign,
  isTakingPart,
  kindModule,
  listPublicActions,
  type Action,
  type Kinds,
} from './service.js';
import { ActionPageView, ActionsIndexView, ThanksView } from './views.js';

// The public side of the frame: the list of open actions, each action's page (the shared frame around its kind's
// area), the thank-you page (a campaign's page is the website's: content/site). Each kind's own routes are in its folder.

/** The frame's public routes, for these kinds. */
export function framePublicRoutes(kinds: Kinds): RouteTable {
  const k =
    (h: KindsHandler): Handler =>
    (req, reply, core) =>
      h(kinds, req, reply, core);
  return [
    get('/act', anyone, k(showOpenActions)),
    get('/act/:slug', anyone, k(showAction)),
    get('/act/:slug/thanks', anyone, k(showThanks)),
  ];
}

/** A handler that is also given the kinds of action. */
type KindsHandler = (kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) => unknown;

const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const notFound = () => new AppError(404, 'not_found', 'We could not find that action. It may have moved, or the link may be mistyped.');

const slugOf = (params: unknown) => {
  const p = SlugParams.safeParse(params);
  if (!p.success) throw notFound();
  return p.data.slug;
};

/** A published action (open or closed) by slug, or 404: drafts are not public. */
async function publicActionOr404(core: Core, kinds: Kinds, slug: string): Promise<Action> {
  const a = await getActionBySlug(core.db, slug);
  if (!a || a.status === 'draft') throw notFound();
  return a;
}

const withNoun = (kinds: Kinds, a: Action) => ({ action: a, noun: kindModule(kinds, a.kind).noun });

/** The canonical address of a public path: absolute, from the configured public base address. */
const publicUrl = (core: Core, path: string) => `${core.config.baseUrl}${path}`;

async function showOpenActions(kinds: Kinds, _req: FastifyRequest, reply: FastifyReply, core: Core) {
  const items = (await listPublicActions(core.db)).filter((a) => isTakingPart(a)).map((a) => withNoun(kinds, a));
  return reply.page({
    title: 'Take action',
    body: <ActionsIndexView items={items} />,
    head: { links: [{ rel: 'canonical', href: publicUrl(core, '/act') }] },
  });
}

/**
 * An action's page as the public sees it, or, with `preview`, as staff preview it (the kind's area only described,
 * kept out of search engines); the options to render it with.
 */
export async function actionPage(kinds: Kinds, core: Core, action: Action, preview?: { editHref: string }): Promise<PageOptions> {
  const { db } = core;
  const kind = kindModule(kinds, action.kind);
  const [campaign, updates, site] = await Promise.all([
    action.campaignId === null ? undefined : getCampaign(db, { id: action.campaignId }),
    getActionUpdates(db, action.id),
    getSiteSettings(db),
  ]);
  const open = isTakingPart(action);
  const actArea = open && !preview ? await kind.ActArea({ core, action, timeZone: site.timeZone }) : null;
  const resultArea = open ? null : ((await kind.ResultArea?.({ core, action, timeZone: site.timeZone })) ?? null);
  const url = publicUrl(core, `/act/${action.slug}`);
  const tags = shareTags({ url, title: action.title, description: action.summary, siteName: site.orgName });
  return {
    title: preview ? `Preview: ${action.title}` : action.title,
    description: action.summary,
    head: preview ? { meta: [{ name: 'robots', content: 'noindex' }] } : tags,
    body: (
      <ActionPageView
        action={action}
        campaign={campaign}
        noun={kind.noun}
        open={open}
        bodyHtml={renderMarkdown(action.body)}
        resultHtml={action.result ? renderMarkdown(action.result) : ''}
        updates={updates}
        renderMarkdown={renderMarkdown}
        actArea={actArea}
        after={resultArea}
        shareUrl={url}
        preview={preview}
      />
    ),
  };
}

async function showAction(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await publicActionOr404(core, kinds, slugOf(req.params));
  return reply.page(await actionPage(kinds, core, action));
}

async function showThanks(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await publicActionOr404(core, kinds, slugOf(req.params));
  const [next, site] = await Promise.all([
    action.nextActionId !== null ? getActionById(core.db, action.nextActionId) : undefined,
    getSiteSettings(core.db),
  ]);
  return reply.page({
    title: `Thank you: ${action.title}`,
    // Whoever shares this page's address from their browser shares the action: it is the canonical page.
    head: shareTags({
      url: publicUrl(core, `/act/${action.slug}`),
      title: action.title,
      description: action.summary,
      siteName: site.orgName,
    }),
    body: (
      <ThanksView
        action={action}
        thankYouHtml={action.thankYou ? renderMarkdown(action.thankYou) : ''}
        shareUrl={publicUrl(core, `/act/${action.slug}`)}
        next={next && isTakingPart(next) ? withNoun(kinds, next) : null}
      />
    ),
  });
}
