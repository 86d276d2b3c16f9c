import type { Core } from '../core/context.js';
import type { PaymentProvider } from './payments.js';

/** The built-in test payment page (being written). */
export function createTestProvider(_core: Core): PaymentProvider {
  throw new Error('test-payments.ts is being written');
}
