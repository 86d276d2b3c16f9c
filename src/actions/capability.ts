import type { Capability, Core } from '../core/context.js';
import type { JobHandler, RecurringJob } from '../core/jobs/worker.js';
import type { RouteTable } from '../core/web/routes.js';
import { frameAdminRoutes } from './admin-routes.js';
import { actionsDashboard, describeActionsAudit } from './dashboard.js';
import { seedActionsDemo } from './demo.js';
import { frameJobs, frameRecurringJobs } from './jobs.js';
import { handKindsToFrame, type KindModule, type Kinds } from './kinds.js';
import { emailTargetKind, letterToMpKind } from './letters/kind.js';
import { petitionKind } from './petitions/kind.js';
import { framePublicRoutes } from './routes.js';
import { signOnKind } from './sign-ons/kind.js';

// The actions capability is assembled here: the frame every action shares (campaigns, the action page, the editor,
// the counter) and the kinds of action it is handed. This is the one file that knows both, so the frame never
// imports a kind and no import goes round in a circle. Both letter kinds share one set of routes and jobs, which
// the letter-to-MP kind carries.

/** The kinds of action, in the order staff are offered them. */
// Each kind's settings type is its own; the frame treats them all as plain records.
export const KINDS: Kinds = [petitionKind, letterToMpKind, emailTargetKind, signOnKind] as unknown as readonly KindModule[];

handKindsToFrame(KINDS);

const publicRoutes: RouteTable = [...framePublicRoutes(KINDS), ...KINDS.flatMap((k) => k.publicRoutes ?? [])];
const adminRoutes: RouteTable = [...frameAdminRoutes(KINDS), ...KINDS.flatMap((k) => k.adminRoutes ?? [])];

function jobs(core: Core): Record<string, JobHandler> {
  return Object.assign(frameJobs(core), ...KINDS.map((k) => k.jobs?.(core) ?? {}));
}

const recurring: RecurringJob[] = [...frameRecurringJobs, ...KINDS.flatMap((k) => k.recurring ?? [])];

/** Actions: petitions, letters to MPs, emails to targets and organisation sign-ons, in campaigns. */
export const actionsCapability: Capability = {
  name: 'actions',
  nav: [{ href: '/act', label: 'Take action' }],
  adminNav: [{ href: '/admin/actions', label: 'Campaigns and actions', permission: 'actions:edit' }],
  permissions: [
    { name: 'actions:edit', label: 'Write, open and close actions', roles: ['editor', 'campaigner'] },
    { name: 'actions:moderate', label: 'Moderate what supporters sent', roles: ['campaigner'] },
  ],
  async setup(app, core) {
    for (const k of KINDS) await k.setup?.(app, core);
  },
  publicRoutes,
  adminRoutes,
  jobs,
  recurring,
  erasure: (core) => async (trx, subject) => {
    for (const k of KINDS) await k.erase?.(core, trx, subject);
  },
  dataExport: (core) => async (db, subject) => {
    const parts = await Promise.all(KINDS.map((k) => k.exportFor?.(core, db, subject) ?? Promise.resolve({})));
    return Object.assign({}, ...parts);
  },
  dashboard: actionsDashboard(KINDS),
  describeAudit: describeActionsAudit(KINDS),
  demo: (core) => seedActionsDemo(KINDS, core),
};
