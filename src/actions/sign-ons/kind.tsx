import type { KindModule } from '../kinds.js';
import { signOnAdminRoutes } from './admin-routes.js';
import { SignOnSettingsFields } from './admin-views.js';
import { seedSignOnsDemo } from './demo.js';
import { signOnJobs, signOnRecurringJobs } from './jobs.js';
import { setupSignOnUploads, signOnPublicRoutes } from './routes.js';
import {
  approvedSignatories,
  approvedSignOnsByDay,
  countApprovedSignOns,
  eraseSignOnContactsOf,
  signOnActAreaData,
  signOnsFor,
  signOnsWaiting,
} from './service.js';
import { SignOnSettingsSchema, signOnSettingsToValues, type SignOnSettings } from './settings.js';
import { SignatoryList, SignOnActArea } from './views.js';

// Organisation sign-ons: organisations add their name to a statement (the action's body). The contact confirms by
// email, staff approve, and only then is the organisation listed and counted. Everything here is behind KindModule.
// Every value used below is a function declaration or comes from settings.ts (which imports nothing of the
// actions), so this module can be evaluated from either end of the import cycle through ../registry.ts.

/** Organisation sign-ons, as the actions frame sees them. */
export const signOnKind: KindModule<SignOnSettings> = {
  kind: 'sign_on',
  label: 'Organisation sign-on',
  noun: ['organisation', 'organisations'],
  settingsSchema: SignOnSettingsSchema,
  SettingsFields: SignOnSettingsFields,
  settingsToValues: signOnSettingsToValues,
  ActArea: async ({ core, action }) => <SignOnActArea action={action} {...await signOnActAreaData(core, action)} />,
  // Once closed, the frame shows the result; the organisations that signed stay listed beneath it.
  ResultArea: async ({ core, action }) =>
    action.settings.hideList ? null : <SignatoryList {...await approvedSignatories(core, action.id)} />,
  setup: setupSignOnUploads,
  publicRoutes: signOnPublicRoutes,
  adminRoutes: signOnAdminRoutes,
  jobs: signOnJobs,
  recurring: signOnRecurringJobs(),
  // Only approved sign-ons count: the counter is the number of organisations listed.
  countConfirmed: countApprovedSignOns,
  countsByDay: approvedSignOnsByDay,
  adminLinks: (action) => [{ href: `/admin/actions/${action.id}/sign-ons`, label: 'Sign-ons: moderation and export' }],
  erase: eraseSignOnContactsOf,
  exportFor: signOnsFor,
  waiting: signOnsWaiting,
  auditWords: {
    'sign_on.approve': 'approved an organisation on',
    'sign_on.reject': 'took an organisation off',
    'sign_ons.export': 'downloaded the organisations of',
  },
  demo: seedSignOnsDemo,
};
