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
import { findDonationById, findDonationByRef, findRegularById, updateDonation, updateRegularGift } from './queries.js';
import { isTemporaryProviderError } from './stripe-provider.js';

// The payment side's jobs: a donor who ticked "keep me informed" signed up to the newsletter, the card expiry behind a
// monthly gift read from the provider, and every 15 minutes the provider's recent events fetched and applied, so an
// event whose webhook never arrived (Lantern down, a network fault) is applied all the same, once.

const RECONCILE_WINDOW_MS = 3 * 24 * 3600_000;

const CheckoutPayload = z.object({ checkoutId: z.coerce.number().int().positive() });
const RegularPayload = z.object({ regularId: z.coerce.number().int().positive() });
const DonationPayload = z.object({ donationId: z.coerce.number().int().positive() });

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
 * Asks the provider for the payment behind a monthly gift's invoice and records it on the gift, then retries parked
 * events (a refund of that payment may have arrived first): the payment's reference, when there is one.
 */
export async function readInvoicePayment(core: Core, donationId: number): Promise<string | undefined> {
  const gift = await findDonationById(core.db, donationId);
  if (!gift) throw new PermanentJobError('readInvoicePayment: the gift no longer exists');
  if (gift.payment_ref || !gift.invoice_ref) return gift.payment_ref ?? undefined;
  let payment: string | undefined;
  try {
    payment = await paymentProvider(core).invoicePayment(gift.invoice_ref);
  } catch (err) {
    if (isTemporaryProviderError(err)) throw err;
    throw new PermanentJobError(`readInvoicePayment: the provider refused: ${redact(String(err))}`);
  }
  if (!payment) return undefined;
  // Unique: if another gift already holds this payment (it cannot, but a replayed event is cheap to guard), leave it.
  if (await findDonationByRef(core.db, { payment })) return payment;
  await updateDonation(core.db, donationId, { payment_ref: payment, updated_at: Date.now() });
  await retryParkedEvents(core);
  return payment;
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
    readInvoicePayment: async (payload: unknown) => {
      const p = DonationPayload.safeParse(payload);
      if (!p.success) throw new PermanentJobError('readInvoicePayment payload is malformed');
      await readInvoicePayment(core, p.data.donationId);
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
