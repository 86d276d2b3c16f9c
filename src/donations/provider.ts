import type { Config } from '../core/config.js';
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

/** Whether a Stripe key is a live one (the test payment page refuses to run beside it). */
export function isLiveKey(config: Config): boolean {
  return /^(sk|rk)_live_/.test(config.stripe?.secretKey ?? '');
}

/** The signing secret of the test payment page's events, derived from the instance secret. */
export function testWebhookSecret(core: Pick<Core, 'keyring'>): string {
  return `whsec_${core.keyring.sign('stripe-test-webhook', 'v1')}`;
}
