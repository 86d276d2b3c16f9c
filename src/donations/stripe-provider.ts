import { randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import type { Config } from '../core/config.js';
import type { CheckoutRequest, PaymentProvider, ProviderEvent, RegularChange } from './payments.js';

// Stripe through the official package, at the API version the package pins. Lantern keeps no card details: Checkout
// takes the payment on Stripe's page, and Stripe's events (webhook, or the reconciliation job) update Lantern's records.

type StripeConfig = NonNullable<Config['stripe']>;

/**
 * Whether a failure from the provider may pass if tried again later (the network, Stripe's own 5xx, 429 rate limits,
 * a clash with a concurrent request), as opposed to one Stripe refused for good (a 4xx: bad parameters, a refund of
 * more than is left, a cancelled subscription) which retrying cannot mend.
 */
export function isTemporaryProviderError(e: unknown): boolean {
  if (e instanceof Stripe.errors.StripeConnectionError) return true;
  if (e instanceof Stripe.errors.StripeRateLimitError) return true;
  if (e instanceof Stripe.errors.StripeIdempotencyError) return false;
  if (e instanceof Stripe.errors.StripeError) {
    const status = e.statusCode;
    if (status === undefined) return e.type === 'StripeAPIError';
    return status >= 500 || status === 429 || status === 409;
  }
  // Not Stripe's answer at all: a socket reset or a timeout before any response.
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|UND_ERR_)/.test(code);
}

/** The next time the day of the month comes round, at noon UTC, in seconds (Stripe's time): a gift's billing date. */
export function nextBillingDay(day: number, nowMs: number): number {
  const from = new Date(nowMs);
  let at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), day, 12);
  if (at <= nowMs) at = Date.UTC(from.getUTCFullYear(), from.getUTCMonth() + 1, day, 12);
  return Math.floor(at / 1000);
}

function clientFor(cfg: StripeConfig): Stripe {
  const options: Stripe.StripeConfig = { maxNetworkRetries: 2, telemetry: false, timeout: 20_000 };
  if (cfg.apiUrl) {
    const u = new URL(cfg.apiUrl);
    options.host = u.hostname;
    options.protocol = u.protocol === 'http:' ? 'http' : 'https';
    if (u.port) options.port = Number(u.port);
  }
  return new Stripe(cfg.secretKey, options);
}

function checkoutParams(req: CheckoutRequest, nowMs: number): Stripe.Checkout.SessionCreateParams {
  const monthly = req.kind === 'monthly';
  const metadata = { lantern_checkout: req.checkoutRef };
  const price: Stripe.Checkout.SessionCreateParams.LineItem.PriceData = {
    currency: 'gbp',
    unit_amount: req.amountPence,
    product_data: { name: req.description },
    ...(monthly ? { recurring: { interval: 'month' as const } } : {}),
  };
  const params: Stripe.Checkout.SessionCreateParams = {
    mode: monthly ? 'subscription' : 'payment',
    line_items: [{ price_data: price, quantity: 1 }],
    allowed_payment_method_types: req.methods.filter((m) => m !== 'none'),
    metadata,
    success_url: req.successUrl,
    cancel_url: req.cancelUrl,
    ...(req.customerRef ? { customer: req.customerRef } : { customer_email: req.email }),
  };
  if (monthly) {
    params.subscription_data = {
      metadata,
      ...(req.dayOfMonth ? { billing_cycle_anchor: nextBillingDay(req.dayOfMonth, nowMs) } : {}),
    };
  }
  return params;
}

/** Stripe as this install's payment provider, through the official package. */
export function createStripeProvider(cfg: StripeConfig): PaymentProvider {
  const stripe = clientFor(cfg);

  async function changeRegular(subscriptionRef: string, change: RegularChange): Promise<void> {
    switch (change.kind) {
      case 'amount': {
        const sub = await stripe.subscriptions.retrieve(subscriptionRef);
        const item = sub.items.data[0];
        if (!item) throw new Error('The monthly gift has nothing to change at Stripe.');
        const product = typeof item.price.product === 'string' ? item.price.product : item.price.product.id;
        await stripe.subscriptions.update(subscriptionRef, {
          items: [
            { id: item.id, price_data: { currency: 'gbp', product, unit_amount: change.amountPence, recurring: { interval: 'month' } } },
          ],
          proration_behavior: 'none',
        });
        return;
      }
      case 'day':
        // A free stretch until the new day moves the billing date without charging now; the next payment is on that day.
        await stripe.subscriptions.update(subscriptionRef, {
          trial_end: nextBillingDay(change.dayOfMonth, Date.now()),
          proration_behavior: 'none',
        });
        return;
      case 'pause':
        await stripe.subscriptions.update(subscriptionRef, { pause_collection: { behavior: 'void' } });
        return;
      case 'resume':
        await stripe.subscriptions.update(subscriptionRef, { pause_collection: '' });
        return;
      case 'cancel':
        await stripe.subscriptions.cancel(subscriptionRef);
        return;
    }
  }

  return {
    mode: 'stripe',

    async createCheckout(req) {
      const session = await stripe.checkout.sessions.create(checkoutParams(req, Date.now()), {
        idempotencyKey: `checkout-${req.checkoutRef}`,
      });
      if (!session.url) throw new Error('Stripe gave no payment page address for the session.');
      return { sessionRef: session.id, url: session.url };
    },

    changeRegular,

    async refund(paymentRef, amountPence) {
      // A fresh key per refund asked for: it makes the package's own retries safe, while two equal partial refunds
      // asked for one after the other are still two refunds.
      await stripe.refunds.create({ payment_intent: paymentRef, amount: amountPence }, { idempotencyKey: `refund-${randomUUID()}` });
    },

    async invoicePayment(invoiceRef) {
      const invoice = await stripe.invoices.retrieve(invoiceRef, { expand: ['payments'] });
      for (const p of invoice.payments?.data ?? []) {
        const pi = p.payment?.payment_intent;
        if (pi) return typeof pi === 'string' ? pi : pi.id;
      }
      return undefined;
    },

    async cardExpiry(subscriptionRef) {
      const sub = await stripe.subscriptions.retrieve(subscriptionRef, { expand: ['default_payment_method'] });
      const pm = sub.default_payment_method;
      const card = pm && typeof pm === 'object' ? pm.card : undefined;
      if (!card) return undefined;
      return `${card.exp_year}-${String(card.exp_month).padStart(2, '0')}`;
    },

    async *eventsSince(since) {
      // Stripe lists newest first; the events are gathered and handed back oldest first.
      const found: ProviderEvent[] = [];
      for await (const e of stripe.events.list({ created: { gte: Math.floor(since / 1000) }, limit: 100 }))
        found.push(e as unknown as ProviderEvent);
      for (let i = found.length - 1; i >= 0; i--) yield found[i]!;
    },

    verifyWebhook(rawBody, signature, now) {
      const e = stripe.webhooks.constructEvent(rawBody, signature ?? '', cfg.webhookSecret, 300, undefined, now);
      return e as unknown as ProviderEvent;
    },
  };
}
