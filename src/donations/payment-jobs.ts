import { z } from 'zod';
import type { Core } from '../core/context.js';
import { PermanentJobError, type JobHandler, type RecurringJob } from '../core/jobs/worker.js';
import { redact } from '../core/log.js';
import { DomainError } from '../core/web/errors.js';
import { signUp, signupBlockData } from '../supporters/service.js';
import { readCheckoutDetails } from './giving-form.js';
import { applyVerifiedEvent, retryParkedEvents } from './payment-events.js';
import { findCheckoutById } from './payment-queries.js';
import { paymentProvider } from './provider.js';
import { findRegularById, updateRegularGift } from './queries.js';
import { isTemporaryProviderError } from './stripe-provider.js';

// The payment side's jobs: a donor who ticked "keep me informed" signed up to the newsletter, the card expiry behind a
// monthly gift read from the provider, and every 15 minutes the provider's recent events fetched and applied, so an
// event whose webhook never arrived (Lantern down, a network fault) is applied all the same, once.

const RECONCILE_WINDOW_MS = 3 * 24 * 3600_000;

const CheckoutPayload = z.object({ checkoutId: z.coerce.number().int().positive() });
const RegularPayload = z.object({ regularId: z.coerce.number().int().positive() });

/**
 * Signs the donor of a checkout up to the first public list, as the sign-up form would (with its confirmation email):
 * 'signed-up', or 'skipped' when there is no public list to join.
 */
export async function signDonorUpForNewsletter(core: Core, checkoutId: number): Promise<'signed-up' | 'skipped'> {
  const checkout = await findCheckoutById(core.db, checkoutId);
  if (!checkout) throw new PermanentJobError('signDonorUpForNewsletter: the checkout no longer exists');
  const list = (await signupBlockData(core)).lists[0];
  if (!list) return 'skipped';
  const details = readCheckoutDetails(core.keyring, checkout.details_enc);
  const [firstName = '', ...rest] = details.name.trim().split(/\s+/);
  try {
    await signUp(
      core,
      { email: details.email, firstName: firstName || details.name, lastName: rest.length ? rest.join(' ') : undefined, list: [list.id] },
      { source: 'donation' },
    );
  } catch (err) {
    // The list changed between reading and signing up, or the address is refused: retrying cannot help.
    if (err instanceof DomainError) throw new PermanentJobError(`signDonorUpForNewsletter: ${err.message}`);
    throw err;
  }
  return 'signed-up';
}

/** Reads the card expiry behind a monthly gift from the provider and keeps it: the expiry, or undefined when not a card. */
export async function readCardExpiry(core: Core, regularId: number): Promise<string | undefined> {
  const gift = await findRegularById(core.db, regularId);
  if (!gift) throw new PermanentJobError('readCardExpiry: the monthly gift no longer exists');
  if (!gift.subscription_ref || gift.status === 'cancelled') return undefined;
  let expires: string | undefined;
  try {
    expires = await paymentProvider(core).cardExpiry(gift.subscription_ref);
  } catch (err) {
    if (isTemporaryProviderError(err)) throw err;
    throw new PermanentJobError(`readCardExpiry: the provider refused: ${redact(String(err))}`);
  }
  if (expires && expires !== gift.card_expires)
    await updateRegularGift(core.db, regularId, { card_expires: expires, updated_at: Date.now() });
  return expires;
}

/**
 * Fetches the provider's events of the last three days and applies each (those already applied change nothing), then
 * retries the parked ones: how many events were new here.
 */
export async function reconcilePaymentEvents(core: Core, o: { now: number }): Promise<number> {
  let fresh = 0;
  for await (const event of paymentProvider(core).eventsSince(o.now - RECONCILE_WINDOW_MS)) {
    if ((await applyVerifiedEvent(core, event, { source: 'reconcile' })) !== 'duplicate') fresh++;
  }
  await retryParkedEvents(core);
  return fresh;
}

/** The payment side's job handlers. */
export function paymentJobs(core: Core): Record<string, JobHandler> {
  return {
    signDonorUpForNewsletter: async (payload: unknown) => {
      const p = CheckoutPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('signDonorUpForNewsletter payload is malformed');
      await signDonorUpForNewsletter(core, p.data.checkoutId);
    },
    readCardExpiry: async (payload: unknown) => {
      const p = RegularPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('readCardExpiry payload is malformed');
      await readCardExpiry(core, p.data.regularId);
    },
    reconcilePaymentEvents: async () => {
      const fresh = await reconcilePaymentEvents(core, { now: Date.now() });
      if (fresh > 0) core.logger.info({ fresh }, 'payment events found by reconciliation');
    },
  };
}

/** The payment side's recurring job. */
export const paymentRecurring: RecurringJob[] = [{ name: 'reconcilePaymentEvents', everyMs: 15 * 60_000 }];
