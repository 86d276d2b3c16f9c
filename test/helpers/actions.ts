import type { Core } from '../../src/core/context.js';
import type { ActionKind } from '../../src/actions/tables.js';
import {
  changeActionStatus,
  createAction,
  createCampaign,
  getCampaign,
  setActionTargets,
  type Action,
  type ActionInput,
} from '../../src/actions/service.js';

let counter = 0;

/**
 * Creates an action of a kind through the real service (in a campaign made for tests) and opens it, unless
 * `status: 'draft'`. Targets are set first for "email a target" actions (one by default).
 */
export async function openTestAction(
  core: Core,
  o: {
    kind: ActionKind;
    settings?: Record<string, unknown>;
    title?: string;
    goal?: number | null;
    deadline?: string | null;
    newsletterListId?: number | null;
    nextActionId?: number | null;
    thankYou?: string;
    targets?: Array<{ name: string; role: string; email: string }>;
    status?: 'draft' | 'open';
  },
): Promise<Action> {
  const campaign =
    (await getCampaign(core.db, { slug: 'test-campaign' })) ??
    (await createCampaign(core, null, { title: 'Test campaign', summary: 'A campaign for tests.', slug: 'test-campaign' }));
  counter += 1;
  const input: ActionInput = {
    campaignId: campaign.id,
    title: o.title ?? `Test ${o.kind} ${counter}`,
    slug: undefined,
    summary: 'A summary for tests.',
    body: 'The text of a test action.',
    thankYou: o.thankYou ?? '',
    result: '',
    deadline: o.deadline ?? null,
    goal: o.goal ?? null,
    newsletterListId: o.newsletterListId ?? null,
    nextActionId: o.nextActionId ?? null,
  };
  const action = await createAction(core, null, o.kind, input, o.settings ?? {});
  if (o.kind === 'email_target') {
    await setActionTargets(
      core,
      null,
      action.id,
      o.targets ?? [{ name: 'Dana Reyes', role: 'Chief Executive', email: 'dana.reyes@target.example' }],
    );
  }
  if (o.status === 'draft') return action;
  return changeActionStatus(core, null, action.id, 'open');
}
