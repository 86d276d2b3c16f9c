import type { Config } from '../core/config.js';
import type { Core } from '../core/context.js';
import type { GiftKind, PaymentMethod } from './model.js';

// The payment provider as the rest of the capability sees it: Stripe (stripe-provider.ts, through the official
// `stripe` package), or the built-in test payment page (test-payments.ts) when no Stripe key is set. Both speak in
// Stripe's own event shapes, so one piece of code (payment-events.ts) applies what either reports.

/** What the donate form hands to the payment page. */
export interface CheckoutRequest {
  /** Our checkout row's reference, carried in the session's metadata as `lantern_checkout`. */
  checkoutRef: string;
  kind: GiftKind;
  amountPence: number;
  /** For a monthly gift: the day of the month it is taken (1–28). */
  dayOfMonth?: number | undefined;
  /** What the payment page calls it ("Donation to Freedom Thread", "Monthly gift to the legal appeal"). */
  description: string;
  email: string;
  /** A returning donor's customer at the provider, so their monthly gifts sit together. */
  customerRef?: string | undefined;
  methods: readonly PaymentMethod[];
  /** Where the payment page sends the donor after paying ({CHECKOUT_SESSION_ID} is filled in by the provider). */
  successUrl: string;
  cancelUrl: string;
}

/** A change a monthly donor makes from their own page. */
export type RegularChange =
  | { kind: 'amount'; amountPence: number }
  | { kind: 'day'; dayOfMonth: number }
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel' };

/** A payment event in Stripe's shape (id, type, created in seconds, data.object). */
export interface ProviderEvent {
  id: string;
  type: string;
  created: number;
  data: { object: Record<string, unknown> & { id?: string; object?: string } };
}

export interface PaymentProvider {
  /** 'stripe', or 'test' for the built-in test payment page (no money moves). */
  readonly mode: 'stripe' | 'test';
  /** Starts a payment page for this gift: its session reference and the address to send the donor to. */
  createCheckout(req: CheckoutRequest): Promise<{ sessionRef: string; url: string }>;
  /** Changes a monthly gift at the provider (its events then update Lantern's records). */
  changeRegular(subscriptionRef: string, change: RegularChange): Promise<void>;
  /** Gives back some or all of a payment. */
  refund(paymentRef: string, amountPence: number): Promise<void>;
  /**
   * The payment behind an invoice (Stripe leaves it out of invoice events unless asked), so a refund or a dispute of
   * one month's payment finds its gift.
   */
  invoicePayment(invoiceRef: string): Promise<string | undefined>;
  /** The card's expiry ('YYYY-MM') behind a monthly gift, when it is paid by card. */
  cardExpiry(subscriptionRef: string): Promise<string | undefined>;
  /** Events the provider sent since that moment (UTC ms), oldest first, for the reconciliation job. */
  eventsSince(since: number): AsyncIterable<ProviderEvent>;
  /** Checks a webhook's signature over the raw body (300 s tolerance) and returns the event; throws if it is not genuine. */
  verifyWebhook(rawBody: Buffer, signature: string | undefined, now?: number): ProviderEvent;
}

/** Whether a Stripe key is a live one (the test payment page refuses to run beside it). */
export function isLiveKey(config: Config): boolean {
  return /^(sk|rk)_live_/.test(config.stripe?.secretKey ?? '');
}

/** The signing secret of the test payment page's events, derived from the instance secret. */
export function testWebhookSecret(core: Pick<Core, 'keyring'>): string {
  return `whsec_${core.keyring.sign('stripe-test-webhook', 'v1')}`;
}
