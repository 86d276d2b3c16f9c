import type { Capability } from '../core/context.js';
import { adminRoutes } from './admin-routes.js';
import { describeAllDonationsAudit } from './audit.js';
import { donationsDashboard } from './dashboard.js';
import { giftAidRoutes } from './gift-aid-routes.js';
import { seedDonationsDemo } from './demo.js';
import { manageRoutes } from './manage-routes.js';
import { paymentJobs, paymentRecurring } from './payment-jobs.js';
import { receiptJobs } from './receipts.js';
import { regularJobs, regularRecurring } from './regular-jobs.js';
import { eraseDonorRecords, exportDonorRecords, retentionJobs } from './retention.js';
import { publicRoutes } from './routes.js';
import { testPaymentJobs, testPaymentRecurring, testPaymentRoutes } from './test-payments.js';
import { registerWebhook } from './webhook-routes.js';

const DAY = 24 * 3600_000;

/**
 * Donations: one-off and monthly gifts through Stripe Checkout (or the built-in test payment page when no Stripe
 * key is set), payment events applied exactly once from the webhook and a reconciliation job, the donor's own page,
 * Gift Aid declarations as a ledger, HMRC claim schedules, small cash collections, offline gifts, and the staff side.
 */
export const donationsCapability: Capability = {
  name: 'donations',
  nav: [{ href: '/donate', label: 'Donate' }],
  adminNav: [{ href: '/admin/donations', label: 'Donations', permission: 'donations:view' }],
  permissions: [
    { name: 'donations:view', label: 'See donations, donors and Gift Aid claims', roles: ['treasurer'] },
    { name: 'donations:manage', label: 'Record and refund donations, and prepare Gift Aid claims', roles: ['treasurer'] },
  ],
  setup: (app, core) => registerWebhook(app, core),
  publicRoutes: [...publicRoutes, ...testPaymentRoutes, ...manageRoutes],
  adminRoutes: [...adminRoutes, ...giftAidRoutes],
  jobs: (core) => ({
    ...paymentJobs(core),
    ...receiptJobs(core),
    ...testPaymentJobs(core),
    ...regularJobs(core),
    ...retentionJobs(core),
  }),
  recurring: [...paymentRecurring, ...testPaymentRecurring, ...regularRecurring, { name: 'forgetDonorsPastRetention', everyMs: DAY }],
  describeAudit: () => describeAllDonationsAudit(),
  dashboard: (core) => donationsDashboard(core),
  erasure: (core) => eraseDonorRecords(core),
  dataExport: (core) => exportDonorRecords(core),
  demo: (core) => seedDonationsDemo(core),
};
