import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { renderMarkdown } from '../core/markdown.js';
import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
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
import { ActionPageView, ActionsIndexView, CampaignView, ThanksView } from './views.js';

// The public side of the frame: the list of open actions, each action's page (the shared frame around its kind's
// area), the thank-you page and the campaign hubs. Each kind's own routes are in its folder.

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
    get('/campaigns/:slug', anyone, k(showCampaign)),
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

async function showOpenActions(kinds: Kinds, _req: FastifyRequest, reply: FastifyReply, core: Core) {
  const items = (await listPublicActions(core.db)).filter((a) => isTakingPart(a)).map((a) => withNoun(kinds, a));
  return reply.page({ title: 'Take action', body: <ActionsIndexView items={items} /> });
}

async function showAction(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const { db } = core;
  const action = await publicActionOr404(core, kinds, slugOf(req.params));
  const kind = kindModule(kinds, action.kind);
  const [campaign, updates, site] = await Promise.all([
    getCampaign(db, { id: action.campaignId }),
    getActionUpdates(db, action.id),
    getSiteSettings(db),
  ]);
  if (!campaign) throw notFound();
  const open = isTakingPart(action);
  const actArea = open ? await kind.ActArea({ core, action, timeZone: site.timeZone }) : null;
  const resultArea = open ? null : ((await kind.ResultArea?.({ core, action, timeZone: site.timeZone })) ?? null);
  return reply.page({
    title: action.title,
    description: action.summary,
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
      />
    ),
  });
}

async function showThanks(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const action = await publicActionOr404(core, kinds, slugOf(req.params));
  const next = action.nextActionId !== null ? await getActionById(core.db, action.nextActionId) : undefined;
  return reply.page({
    title: `Thank you: ${action.title}`,
    body: (
      <ThanksView
        action={action}
        thankYouHtml={action.thankYou ? renderMarkdown(action.thankYou) : ''}
        shareUrl={`${core.config.baseUrl}/act/${action.slug}`}
        next={next && isTakingPart(next) ? withNoun(kinds, next) : null}
      />
    ),
  });
}

async function showCampaign(kinds: Kinds, req: FastifyRequest, reply: FastifyReply, core: Core) {
  const campaign = await getCampaign(core.db, { slug: slugOf(req.params) });
  if (!campaign) throw new AppError(404, 'not_found', 'We could not find that campaign. It may have moved, or the link may be mistyped.');
  const actions = await listPublicActions(core.db, { campaignId: campaign.id, closed: true });
  return reply.page({
    title: campaign.title,
    description: campaign.summary,
    body: (
      <CampaignView
        campaign={campaign}
        open={actions.filter((a) => isTakingPart(a)).map((a) => withNoun(kinds, a))}
        closed={actions.filter((a) => !isTakingPart(a)).map((a) => withNoun(kinds, a))}
      />
    ),
  });
}
