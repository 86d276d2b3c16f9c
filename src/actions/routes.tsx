import { z } from 'zod';
import { renderMarkdown } from '../core/markdown.js';
import type { Capability, Core } from '../core/context.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import { getSiteSettings } from '../core/settings.js';
import { AppError } from '../core/web/errors.js';
import { seedActionsDemo } from './demo.js';
import { KINDS, kindModule } from './registry.js';
import {
  closeActionsPastDeadline,
  getActionById,
  getActionBySlug,
  getActionUpdates,
  getCampaign,
  isTakingPart,
  listPublicActions,
  refreshActionCount,
  refreshActionCounts,
  type Action,
} from './service.js';
import { ActionPageView, ActionsIndexView, CampaignView, ThanksView } from './views.js';

// The public side of actions: the list of open actions, each action's page (the shared frame around its kind's
// area), the thank-you page and the campaign hubs; the counter and deadline jobs; and every kind's own routes.

const SlugParams = z.object({ slug: z.string().min(1).max(200) });
const notFound = () => new AppError(404, 'not_found', 'We could not find that action. It may have moved, or the link may be mistyped.');

const slugOf = (params: unknown) => {
  const p = SlugParams.safeParse(params);
  if (!p.success) throw notFound();
  return p.data.slug;
};

/** A published action (open or closed) by slug, or 404: drafts are not public. */
async function publicActionOr404(core: Core, slug: string): Promise<Action> {
  const a = await getActionBySlug(core.db, slug);
  if (!a || a.status === 'draft') throw notFound();
  return a;
}

const withNoun = (a: Action) => ({ action: a, noun: kindModule(a.kind).noun });

function actionJobs(core: Core): Record<string, JobHandler> {
  return {
    refreshActionCounts: async () => {
      await refreshActionCounts(core.db);
    },
    refreshActionCount: async (payload: { actionId?: unknown }) => {
      if (typeof payload.actionId === 'number') await refreshActionCount(core.db, payload.actionId);
    },
    closeActionsPastDeadline: async () => {
      const closed = await closeActionsPastDeadline(core.db);
      if (closed > 0) core.logger.info({ closed }, 'closed actions whose deadline has passed');
    },
    ...Object.assign({}, ...KINDS.map((k) => k.jobs?.(core) ?? {})),
  };
}

const recurring: RecurringJob[] = [
  // A safety net: confirmations ask for their own action's recount (scheduleCountRefresh); this catches the rest.
  { name: 'refreshActionCounts', everyMs: 60_000 },
  { name: 'closeActionsPastDeadline', everyMs: 60_000 },
  ...KINDS.flatMap((k) => k.recurring ?? []),
];

/** Actions, public side: /act, /act/:slug, /act/:slug/thanks, /campaigns/:slug, and each kind's routes. */
export const actionsCapability: Capability = {
  name: 'actions',
  nav: [{ href: '/act', label: 'Take action' }],
  jobs: actionJobs,
  recurring,
  demo: seedActionsDemo,
  erasure: (core) => async (trx, subject) => {
    for (const k of KINDS) await k.erase?.(core, trx, subject);
  },
  dataExport: (core) => async (db, subject) => {
    const parts = await Promise.all(KINDS.map((k) => k.exportFor?.(core, db, subject) ?? Promise.resolve({})));
    return Object.assign({}, ...parts);
  },
  async routes(app, core) {
    const { db } = core;

    app.get('/act', async (_req, reply) => {
      const items = (await listPublicActions(db)).filter((a) => isTakingPart(a)).map(withNoun);
      return reply.page({ title: 'Take action', body: <ActionsIndexView items={items} /> });
    });

    app.get('/act/:slug', async (req, reply) => {
      const action = await publicActionOr404(core, slugOf(req.params));
      const kind = kindModule(action.kind);
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
    });

    app.get('/act/:slug/thanks', async (req, reply) => {
      const action = await publicActionOr404(core, slugOf(req.params));
      const next = action.nextActionId !== null ? await getActionById(db, action.nextActionId) : undefined;
      return reply.page({
        title: `Thank you: ${action.title}`,
        body: (
          <ThanksView
            action={action}
            thankYouHtml={action.thankYou ? renderMarkdown(action.thankYou) : ''}
            shareUrl={`${core.config.baseUrl}/act/${action.slug}`}
            next={next && isTakingPart(next) ? withNoun(next) : null}
          />
        ),
      });
    });

    app.get('/campaigns/:slug', async (req, reply) => {
      const campaign = await getCampaign(db, { slug: slugOf(req.params) });
      if (!campaign)
        throw new AppError(404, 'not_found', 'We could not find that campaign. It may have moved, or the link may be mistyped.');
      const actions = await listPublicActions(db, { campaignId: campaign.id, closed: true });
      return reply.page({
        title: campaign.title,
        description: campaign.summary,
        body: (
          <CampaignView
            campaign={campaign}
            open={actions.filter((a) => isTakingPart(a)).map(withNoun)}
            closed={actions.filter((a) => !isTakingPart(a)).map(withNoun)}
          />
        ),
      });
    });

    for (const k of KINDS) await k.routes?.(app, core);
  },
};
