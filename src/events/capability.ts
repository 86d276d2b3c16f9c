import type { Capability } from '../core/context.js';
import * as admin from './admin-routes.js';
import { checkinRoutes } from './checkin-routes.js';
import { eventsDashboard } from './dashboard.js';
import { feedbackAdminRoutes, feedbackRoutes } from './feedback-routes.js';
import { describeEventsAudit } from './audit.js';
import { seedEventsDemo } from './demo.js';
import * as jobs from './jobs.js';
import { eventMessageJobs } from './messages.js';
import { publicRoutes } from './routes.js';
import { sendRegistrationStanding } from './service.js';

/**
 * Events: one-off events and series (a weekly protest), registration with places and a waitlist, reminders and
 * follow-ups, iCalendar files and the public feed, and the staff side (attendees, check-in at the door, messages,
 * figures).
 */
export const eventsCapability: Capability = {
  name: 'events',
  nav: [{ href: '/events', label: 'Events' }],
  adminNav: [{ href: '/admin/events', label: 'Events', permission: 'events:edit' }],
  permissions: [
    { name: 'events:edit', label: 'Create and change events', roles: ['editor', 'campaigner'] },
    { name: 'events:attendees', label: 'See who registered for events, check people in and message them', roles: ['editor', 'campaigner'] },
  ],
  publicRoutes: [...publicRoutes, ...feedbackRoutes],
  adminRoutes: [...admin.adminRoutes, ...checkinRoutes, ...feedbackAdminRoutes],
  jobs: (core) => ({
    ...jobs.jobs(core),
    ...eventMessageJobs(core),
    sendRegistrationStanding: (payload) => sendRegistrationStanding(core, payload),
  }),
  recurring: jobs.recurring,
  describeAudit: () => describeEventsAudit(),
  dashboard: (core) => eventsDashboard(core),
  erasure: (core) => jobs.eraseRegistrations(core),
  dataExport: (core) => jobs.exportRegistrations(core),
  demo: (core) => seedEventsDemo(core),
};
