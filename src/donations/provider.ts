import type { Core } from '../core/context.js';
import type { PaymentProvider } from './payments.js';
import { createStripeProvider } from './stripe-provider.js';
import { createTestProvider } from './test-payments.js';

// Which payment provider this install uses: Stripe when its keys are set, otherwise the built-in test payment page.

const providers = new WeakMap<Core, PaymentProvider>();

/** This install's payment provider (one per core). */
export function paymentProvider(core: Core): PaymentProvider {
  let p = providers.get(core);
  if (!p) {
    p = core.config.stripe ? createStripeProvider(core.config.stripe) : createTestProvider(core);
    providers.set(core, p);
  }
  return p;
}
