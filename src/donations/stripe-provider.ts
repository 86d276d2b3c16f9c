import type { Config } from '../core/config.js';
import type { PaymentProvider } from './payments.js';

/** Stripe through the official package (being written). */
export function createStripeProvider(_stripe: NonNullable<Config['stripe']>): PaymentProvider {
  throw new Error('stripe-provider.ts is being written');
}
