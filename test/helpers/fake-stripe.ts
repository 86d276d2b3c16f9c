import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Stripe from 'stripe';

// Stripe's objects are open-ended JSON that the fake builds and mutates freely; callers read them through Stripe's own types.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** timestamp: seconds written into the signature (default: now, by the real clock); tamper: true flips "livemode" after signing. */
export type DeliverOptions = { url?: string; secret?: string; timestamp?: number; tamper?: boolean | ((body: string) => string) };
/** The receiver's answer, with the body as sent and its Stripe-Signature header. */
export type Delivery = { status: number; body: string; payload: string; header: string };
type Expiry = { month: number; year: number };
export type CheckoutOptions = {
  paymentMethod?: 'card' | 'bacs_debit';
  name?: string;
  email?: string;
  postcode?: string;
  cardExpires?: Expiry;
};
export interface FakeStripe {
  url: string;
  host: string;
  port: number;
  /** Where deliver() posts by default; settable once the app under test is listening. */
  webhookUrl: string | undefined;
  webhookSecret: string;
  /** Every authenticated API request, oldest first. */
  requests: Array<{ method: string; path: string; params: Obj; idempotencyKey: string | undefined }>;
  client(secretKey?: string, config?: Stripe.StripeConfig): Stripe;
  close(): Promise<void>;
  completeCheckout(sessionId: string, o?: CheckoutOptions): Promise<Stripe.Checkout.Session>;
  settleAsyncPayment(sessionId: string, o?: { fail?: boolean }): Promise<Stripe.Checkout.Session>;
  payInvoice(subscriptionId: string): Promise<Stripe.Invoice>;
  failInvoice(subscriptionId: string): Promise<Stripe.Invoice>;
  endPeriod(subscriptionId: string): Promise<Stripe.Subscription>;
  refund(paymentIntentId: string, amount?: number): Promise<Stripe.Refund>;
  dispute(paymentIntentOrChargeId: string, o?: { amount?: number; reason?: string }): Promise<Stripe.Dispute>;
  /** The bank decides a dispute: won (the money stays) or lost (it goes back to the donor). */
  closeDispute(disputeId: string, o: { won: boolean }): Promise<Stripe.Dispute>;
  events(type?: string): Stripe.Event[];
  object<T = Obj>(id: string): T | undefined;
  failNext(o: { status: number; type?: string; code?: string; message?: string; times?: number }): void;
  deliver(event: Stripe.Event | string, o?: DeliverOptions): Promise<Delivery>;
}

type ApiError = Error & { status: number; type: string; code?: string; param?: string; stripe: true };
const apiError = (status: number, message: string, param?: string, code?: string, type = 'invalid_request_error'): ApiError =>
  Object.assign(new Error(message), { status, type, code, param, stripe: true as const });
const bad = (message: string, param?: string, code?: string) => apiError(400, message, param, code);
const missing = (param: string) => bad(`Missing required param: ${param}.`, param, 'parameter_missing');
const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
const rand = (n = 24) => [...randomBytes(n)].map((b) => ALPHABET[b % 62]).join('');
const list = (data: Obj[], url: string, hasMore = false) => ({ object: 'list', data, has_more: hasMore, url });
const money = (n: number, currency: string) => `${currency === 'gbp' ? '£' : ''}${(n / 100).toFixed(2)} ${currency}`;
const MIN_CHARGE: Record<string, number> = { gbp: 30, usd: 50, eur: 50 };
const PREFIX: Record<string, string> = {
  ...{ 'checkout.session': 'cs_test_', subscription: 'sub_', invoice: 'in_', payment_intent: 'pi_' },
  ...{ charge: 'ch_', refund: 're_', customer: 'cus_', dispute: 'dp_', price: 'price_', product: 'prod_', payment_method: 'pm_' },
  event: 'evt_',
};
const PATHS: Record<string, string> = {
  ...{ 'checkout/sessions': 'checkout.session', subscriptions: 'subscription', invoices: 'invoice', payment_intents: 'payment_intent' },
  ...{ charges: 'charge', refunds: 'refund', customers: 'customer', disputes: 'dispute', prices: 'price', products: 'product' },
  ...{ payment_methods: 'payment_method', events: 'event' },
};
// Fields Stripe leaves out unless asked for with expand[] (its "includable" fields).
const INCLUDABLE: Record<string, string[]> = { invoice: ['payments'], 'checkout.session': ['line_items'] };
const SESSION_PARAMS =
  'adaptive_pricing after_expiration allow_promotion_codes allowed_payment_method_types automatic_tax billing_address_collection ' +
  'branding_settings cancel_url client_reference_id consent_collection currency custom_fields custom_text customer customer_account ' +
  'customer_creation customer_email customer_update discounts excluded_payment_method_types expires_at integration_identifier ' +
  'invoice_creation line_items locale managed_payments metadata mode name_collection optional_items origin_context payment_intent_data ' +
  'payment_method_collection payment_method_configuration payment_method_data payment_method_options permissions phone_number_collection ' +
  'redirect_on_completion return_url saved_payment_method_options setup_intent_data shipping_address_collection shipping_options ' +
  'submit_type subscription_data success_url tax_id_collection ui_mode wallet_options';
const NO_KEY =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: " +
  "Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

/** Parses a form-encoded body in Stripe's bracket notation (`a[b][0][c]=x`, `types[]=y`) into nested objects and arrays. */
export function parseStripeForm(text: string): Obj {
  const root: Obj = {};
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, ' '));
    } catch {
      throw bad(`Invalid URL encoding: ${s}`);
    }
  };
  for (const part of text.split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const m = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
    if (!m) throw bad(`Invalid parameter name: ${key}`, key);
    const path = [m[1]!, ...[...m[2]!.matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1]!)];
    let node = root;
    path.forEach((segment, i) => {
      const k = segment === '' ? String(Object.keys(node).length) : segment;
      const leaf = i === path.length - 1;
      if (['__proto__', 'constructor', 'prototype'].includes(k)) throw bad(`Invalid parameter name: ${key}`, key);
      if (Object.hasOwn(node, k) && (typeof node[k] === 'object') === leaf)
        throw bad(`Invalid hash: ${key} is given both as a value and as a hash`, path[0]);
      if (leaf) node[k] = eq < 0 ? '' : decode(part.slice(eq + 1));
      else node = node[k] ??= {};
    });
  }
  const arrays = (v: unknown): unknown => {
    if (typeof v !== 'object' || v === null) return v;
    const o = v as Obj;
    const keys = Object.keys(o);
    for (const k of keys) o[k] = arrays(o[k]);
    return keys.length && keys.every((k, i) => k === String(i)) ? keys.map((k) => o[k]) : o;
  };
  return arrays(root) as Obj;
}

/** Starts a fake of Stripe's API on 127.0.0.1 (a free port): Checkout, subscriptions, invoices, refunds, disputes, events, webhooks. */
export async function startFakeStripe(
  o: { webhookUrl?: string; webhookSecret?: string; autoDeliver?: boolean; now?: () => number } = {},
): Promise<FakeStripe> {
  const objects = new Map<string, Obj>();
  const events: Obj[] = [];
  const sessionParams = new Map<string, Obj>();
  const idempotent = new Map<string, { fingerprint: string; body: string }>();
  const failures: Array<{ status: number; type?: string; code?: string; message?: string }> = [];
  const requests: FakeStripe['requests'] = [];
  const sec = () => Math.floor((o.now ?? Date.now)() / 1000);
  let currentRequest: Obj | null = null;
  let deliveries: Promise<unknown> = Promise.resolve();
  let base = '';

  // A new object with the fields every Stripe object has, stored so it can be retrieved and expanded.
  const record = (object: string, ...fields: Obj[]): Obj => {
    const obj = Object.assign({ id: `${PREFIX[object]}${rand()}`, object, created: sec(), livemode: false, metadata: {} }, ...fields);
    return objects.set(obj.id, obj).get(obj.id)!;
  };
  const must = (id: unknown, object: string, param = 'id'): Obj => {
    const found = typeof id === 'string' ? objects.get(id) : undefined;
    if (found?.object !== object) throw apiError(404, `No such ${object}: '${String(id)}'`, param, 'resource_missing');
    return found;
  };
  const strip = (obj: Obj) => {
    for (const f of INCLUDABLE[obj.object] ?? []) delete obj[f];
    return obj;
  };
  const snapshot = (obj: Obj) => strip(structuredClone(obj));

  function emit(type: string, obj: Obj, previous?: Obj) {
    const data = previous ? { object: snapshot(obj), previous_attributes: previous } : { object: snapshot(obj) };
    const request = currentRequest ?? { id: null, idempotency_key: null };
    const event = record('event', { api_version: Stripe.API_VERSION, data, pending_webhooks: fake.webhookUrl ? 1 : 0, request, type });
    delete event.metadata;
    events.push(event);
    if (o.autoDeliver && fake.webhookUrl) deliveries = deliveries.then(() => deliver(event)).catch(() => {});
  }
  // Applies a change and, when a top-level field changed, records `type` with Stripe's previous_attributes.
  function update(obj: Obj, type: string, change: () => void) {
    const before = structuredClone(obj);
    change();
    const previous: Obj = {};
    for (const k of new Set([...Object.keys(before), ...Object.keys(obj)]))
      if (JSON.stringify(before[k]) !== JSON.stringify(obj[k])) previous[k] = before[k] ?? null;
    if (Object.keys(previous).length) emit(type, obj, previous);
  }

  // ---- parameter checks, in Stripe's words ----
  const allow = (p: Obj, keys: string, prefix = '') => {
    for (const k of Object.keys(p)) {
      const param = prefix ? `${prefix}[${k}]` : k;
      if (k !== 'expand' && !keys.split(' ').includes(k)) throw bad(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
    }
  };
  const int = (v: unknown, param: string, min = 0): number => {
    if (typeof v === 'number' ? !Number.isInteger(v) : !/^-?\d+$/.test(String(v)))
      throw bad(`Invalid integer: ${String(v)}`, param, 'parameter_invalid_integer');
    if (Number(v) < min) throw bad(`This value must be greater than or equal to ${min}.`, param);
    return Number(v);
  };
  const bool = (v: unknown, param: string) => {
    if (v === 'true' || v === 'false') return v === 'true';
    throw bad(`Invalid boolean: ${String(v)}`, param);
  };
  const oneOf = <T extends string>(v: unknown, values: readonly T[], param: string): T => {
    if (!values.includes(v as T)) throw bad(`Invalid ${param}: must be one of ${values.join(', ')}`, param, 'parameter_invalid_string');
    return v as T;
  };
  // Metadata as Stripe takes it: at most 50 keys of 40 characters, values of 500; '' unsets a key, or all of them.
  const meta = (v: unknown, param = 'metadata', into: Obj = {}): Obj => {
    if (v === undefined || v === '') return v === '' ? {} : into;
    if (typeof v !== 'object') throw bad('Invalid object', param); // keys 0, 1, … arrive parsed as an array, which entries() undoes
    const out = { ...into };
    for (const [k, val] of Object.entries(v as Obj)) {
      if (typeof val !== 'string') throw bad(`Invalid value for metadata key ${k}: must be a string`, `${param}[${k}]`);
      if (k.length > 40 || val.length > 500) throw bad('Metadata keys are at most 40 characters and values 500.', `${param}[${k}]`);
      if (val === '') delete out[k];
      else out[k] = val;
    }
    if (Object.keys(out).length > 50) throw bad('You can have at most 50 metadata keys.', param);
    return out;
  };
  const url = (v: unknown, param: string) => {
    if (v !== undefined && !URL.canParse(String(v))) throw bad('Not a valid URL', param, 'url_invalid');
    return v === undefined ? null : String(v);
  };

  // ---- the objects, in the shapes of the API version stripe-node 23 speaks (Stripe.API_VERSION), trimmed to what matters here ----
  function makePrice(pd: Obj, param: string, forSubscription: boolean): Obj {
    if (typeof pd !== 'object' || Array.isArray(pd)) throw bad('Invalid hash', param);
    allow(pd, 'currency product product_data recurring tax_behavior unit_amount unit_amount_decimal', param);
    if (!pd.currency) throw missing(`${param}[currency]`);
    const currency = String(pd.currency).toLowerCase();
    if (!/^[a-z]{3}$/.test(currency)) throw bad(`Invalid currency: ${pd.currency}`, `${param}[currency]`);
    if (pd.unit_amount === undefined) throw missing(`${param}[unit_amount]`);
    const unit = int(pd.unit_amount, `${param}[unit_amount]`);
    if (unit > 99_999_999) throw bad('This value must be less than or equal to 99999999.', `${param}[unit_amount]`, 'amount_too_large');
    // A subscription's price_data names an existing product; Checkout's may describe a new one in product_data.
    let product = pd.product === undefined ? undefined : must(pd.product, 'product', `${param}[product]`).id;
    if (!product && forSubscription) throw missing(`${param}[product]`);
    if (!product) {
      if (!pd.product_data?.name) throw missing(`${param}[product_data][name]`);
      allow(pd.product_data, 'name description images metadata tax_code tax_details unit_label', `${param}[product_data]`);
      const { name, description = null, metadata } = pd.product_data;
      product = record('product', { active: true, description, metadata: meta(metadata, `${param}[product_data][metadata]`), name }).id;
    }
    if (forSubscription && !pd.recurring) throw missing(`${param}[recurring]`);
    let recurring = null;
    if (pd.recurring) {
      allow(pd.recurring, 'interval interval_count', `${param}[recurring]`);
      const interval = oneOf(pd.recurring.interval ?? '', ['day', 'week', 'month', 'year'], `${param}[recurring][interval]`);
      const count = int(pd.recurring.interval_count ?? 1, `${param}[recurring][interval_count]`, 1);
      recurring = { interval, interval_count: count, meter: null, trial_period_days: null, usage_type: 'licensed' };
    }
    const type = recurring ? 'recurring' : 'one_time';
    const fields = { active: true, currency, product, recurring, type, unit_amount: unit, unit_amount_decimal: String(unit) };
    return record('price', fields, { billing_scheme: 'per_unit', lookup_key: null, tax_behavior: pd.tax_behavior ?? 'unspecified' });
  }
  function resolvePrice(li: Obj, param: string, forSubscription: boolean): Obj {
    if (li.price === undefined) return makePrice(li.price_data, `${param}[price_data]`, forSubscription);
    const price = must(li.price, 'price', `${param}[price]`);
    if (forSubscription && !price.recurring) throw bad('This field only accepts prices with `type=recurring`.', `${param}[price]`);
    return price;
  }
  const productName = (price: Obj) => objects.get(price.product)?.name ?? '';
  // The end of the billing period that holds `from`, counted from the anchor so a 31st stays a 31st (or the month's last day).
  function periodEnd(anchor: number, from: number, price: Obj): number {
    const { interval, interval_count: count } = price.recurring;
    const a = new Date(anchor * 1000);
    const step = (n: number) => {
      if (interval === 'day' || interval === 'week') return anchor + n * count * (interval === 'day' ? 86_400 : 604_800);
      const month = a.getUTCMonth() + n * count * (interval === 'year' ? 12 : 1);
      const day = Math.min(a.getUTCDate(), new Date(Date.UTC(a.getUTCFullYear(), month + 1, 0)).getUTCDate());
      return Date.UTC(a.getUTCFullYear(), month, day, a.getUTCHours(), a.getUTCMinutes(), a.getUTCSeconds()) / 1000;
    };
    let n = 1;
    while (step(n) <= from) n++;
    return step(n);
  }

  function createCustomer(email: string, name: string): Obj {
    const invoice_settings = { custom_fields: null, default_payment_method: null, footer: null };
    const customer = record(
      'customer',
      { address: null, balance: 0, currency: null, delinquent: false, description: null, email, name, phone: null, tax_exempt: 'none' },
      { invoice_prefix: rand(8).toUpperCase(), invoice_settings, next_invoice_sequence: 1, preferred_locales: [] },
    );
    emit('customer.created', customer);
    return customer;
  }
  function createPaymentMethod(type: string, customer: string | null, billing_details: Obj, expires?: Expiry) {
    const year = expires?.year ?? new Date().getUTCFullYear() + 3;
    const card = { brand: 'visa', country: 'GB', exp_month: expires?.month ?? 12, exp_year: year };
    const details =
      type === 'card'
        ? { card: { ...card, fingerprint: rand(16), funding: 'credit', last4: '4242' } }
        : { bacs_debit: { fingerprint: rand(16), last4: '2345', sort_code: '108800' } };
    return record('payment_method', { billing_details, customer, type }, details);
  }
  // A PaymentIntent and its charge, both pending until settlePayment() decides them (a Bacs debit takes days to clear on Stripe).
  // `pay` holds amount, currency, customer and, from a Checkout session, its payment_intent_data metadata and description.
  function createPayment(pay: Obj, pm: Obj) {
    const common = { description: null, metadata: {}, ...pay, payment_method: pm.id, receipt_email: pm.billing_details.email };
    const pi = record(
      'payment_intent',
      common,
      { amount_received: 0, capture_method: 'automatic_async', last_payment_error: null, next_action: null },
      { payment_method_types: [pm.type], status: 'processing' },
    );
    pi.client_secret = `${pi.id}_secret_${rand()}`;
    return chargeAgain(pi, pm);
  }
  // A new pending charge on the PaymentIntent: its first attempt, or a retry of a failed invoice payment.
  function chargeAgain(pi: Obj, pm: Obj) {
    const { amount, currency, customer, description, metadata, receipt_email } = pi;
    pi.status = 'processing';
    pi.latest_charge = record(
      'charge',
      { amount, currency, customer, description, metadata: { ...metadata }, payment_method: pm.id, receipt_email },
      { amount_captured: 0, amount_refunded: 0, balance_transaction: null, billing_details: pm.billing_details, captured: false },
      { disputed: false, failure_code: null, failure_message: null, outcome: null, paid: false, payment_intent: pi.id, refunded: false },
      { payment_method_details: { type: pm.type, [pm.type]: pm[pm.type] }, status: 'pending' },
    ).id;
    return pi;
  }
  function settlePayment(pi: Obj, fail: boolean) {
    const ch = objects.get(pi.latest_charge)!;
    const card = ch.payment_method_details.type === 'card';
    const [code, message] = card ? ['card_declined', 'Your card was declined.'] : ['debit_not_authorized', 'The debit was not authorised.'];
    if (fail) {
      Object.assign(ch, { status: 'failed', failure_code: code, failure_message: message, outcome: { type: 'issuer_declined' } });
      pi.last_payment_error = { type: card ? 'card_error' : 'api_error', code, message };
      pi.status = 'requires_payment_method';
    } else {
      const outcome = { type: 'authorized', network_status: 'approved_by_network', seller_message: 'Payment complete.' };
      Object.assign(ch, { status: 'succeeded', paid: true, captured: true, amount_captured: ch.amount, outcome });
      ch.balance_transaction = `txn_${rand()}`;
      Object.assign(pi, { status: 'succeeded', amount_received: pi.amount });
    }
    emit(fail ? 'charge.failed' : 'charge.succeeded', ch);
    emit(fail ? 'payment_intent.payment_failed' : 'payment_intent.succeeded', pi);
  }

  function createSession(p: Obj): Obj {
    allow(p, SESSION_PARAMS);
    if (!p.mode) throw missing('mode');
    const mode = oneOf(p.mode, ['payment', 'subscription'], 'mode');
    if (!Array.isArray(p.line_items) || !p.line_items.length) throw missing('line_items');
    // Since stripe-node 23 a session filters the account's payment methods with allowed_payment_method_types (payment_method_types
    // is gone from the request); the fake's account has card and bacs_debit on, and offers card alone when nothing is asked.
    const allowed: string[] | undefined = p.allowed_payment_method_types;
    if (allowed !== undefined && !Array.isArray(allowed)) throw bad('Invalid array', 'allowed_payment_method_types');
    allowed?.forEach((t, i) => oneOf(t, ['card', 'bacs_debit', 'link', 'paypal', 'sepa_debit'], `allowed_payment_method_types[${i}]`));
    const methods = allowed ? allowed.filter((t) => t === 'card' || t === 'bacs_debit') : ['card'];
    const items = (p.line_items as Obj[]).map((li, i) => {
      const param = `line_items[${i}]`;
      allow(li, 'price price_data quantity adjustable_quantity metadata tax_rates', param);
      if (li.price === undefined && li.price_data === undefined) throw missing(`${param}[price]`);
      const price = resolvePrice(li, param, false);
      if (li.quantity === undefined) throw missing(`${param}[quantity]`);
      const quantity = int(li.quantity, `${param}[quantity]`, 1);
      const amount = price.unit_amount * quantity;
      const sums = { amount_discount: 0, amount_subtotal: amount, amount_tax: 0, amount_total: amount };
      return { id: `li_${rand()}`, object: 'item', ...sums, currency: price.currency, description: productName(price), price, quantity };
    });
    const currency = items[0]!.currency;
    const total = items.reduce((sum, li) => sum + li.amount_total, 0);
    const recurring = items.some((li) => li.price.recurring);
    const min = MIN_CHARGE[currency] ?? 50;
    if (items.some((li) => li.currency !== currency)) throw bad('All line items must use the same currency.', 'line_items');
    if (mode === 'subscription' && !recurring) throw bad('Provide at least one recurring price in `subscription` mode.', 'line_items');
    if (mode === 'payment' && recurring) throw bad('You specified `payment` mode but passed a recurring price.', 'line_items');
    if (methods.includes('bacs_debit') && currency !== 'gbp') throw bad('bacs_debit supports gbp only.', 'allowed_payment_method_types');
    if (total < min) throw bad(`The total amount due must add up to at least ${money(min, currency)}`, 'line_items', 'amount_too_small');
    if (p.customer !== undefined && p.customer_email !== undefined)
      throw bad('Specify only one of customer, customer_email.', 'customer_email');
    if (p.customer !== undefined) must(p.customer, 'customer', 'customer');
    const email = p.customer_email;
    if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw bad(`Invalid email: ${email}`, 'customer_email', 'email_invalid');
    if (p.payment_intent_data && mode !== 'payment') throw bad('You can not pass `payment_intent_data` in `subscription` mode.');
    if (p.subscription_data && mode !== 'subscription') throw bad('You can only specify `subscription_data` in `subscription` mode.');
    const piKeys = 'description metadata receipt_email setup_future_usage statement_descriptor statement_descriptor_suffix transfer_group';
    allow(p.payment_intent_data ?? {}, piKeys, 'payment_intent_data');
    // The fake models a billing anchor on Checkout subscriptions (its first invoice is billed in full, as no proration is
    // modelled) but no trial, so it says so rather than ignore them.
    const modelled = ['description', 'metadata', 'billing_cycle_anchor', 'proration_behavior'];
    const unmodelled = Object.keys(p.subscription_data ?? {}).find((k) => !modelled.includes(k));
    if (unmodelled) throw bad(`The fake Stripe does not model subscription_data[${unmodelled}]`, `subscription_data[${unmodelled}]`);
    const data = p.payment_intent_data ?? p.subscription_data ?? {};
    const kept: Obj = { metadata: meta(data.metadata, `${mode === 'payment' ? 'payment_intent' : 'subscription'}_data[metadata]`) };
    if (p.subscription_data?.billing_cycle_anchor !== undefined) {
      const anchor = int(p.subscription_data.billing_cycle_anchor, 'subscription_data[billing_cycle_anchor]');
      if (anchor <= sec()) throw bad('billing_cycle_anchor cannot be in the past.', 'subscription_data[billing_cycle_anchor]');
      kept.anchor = anchor;
    }
    const expires_at = p.expires_at === undefined ? sec() + 86_400 : int(p.expires_at, 'expires_at');
    const session = record(
      'checkout.session',
      { amount_subtotal: total, amount_total: total, cancel_url: url(p.cancel_url, 'cancel_url'), currency, expires_at, invoice: null },
      { client_reference_id: p.client_reference_id ?? null, customer: p.customer ?? null, customer_details: null },
      { customer_creation: mode === 'payment' ? (p.customer_creation ?? 'if_required') : 'always', customer_email: email ?? null },
      { allowed_payment_method_types: allowed ?? null, locale: p.locale ?? null, metadata: meta(p.metadata), mode, payment_intent: null },
      { payment_method_types: methods },
      { payment_status: 'unpaid', status: 'open', submit_type: p.submit_type ?? null, subscription: null, ui_mode: 'hosted' },
      { success_url: url(p.success_url, 'success_url'), total_details: { amount_discount: 0, amount_shipping: 0, amount_tax: 0 } },
    );
    session.line_items = list(items, `/v1/checkout/sessions/${session.id}/line_items`);
    session.url = `${base}/c/pay/${session.id}`;
    sessionParams.set(session.id, { ...kept, description: data.description ?? null });
    return session;
  }

  function createSubscription(session: Obj, customer: string, pm: Obj): Obj {
    const now = sec();
    const { metadata, description, anchor } = sessionParams.get(session.id)!;
    const sub = record(
      'subscription',
      {
        billing_cycle_anchor: anchor ?? now,
        cancel_at: null,
        cancel_at_period_end: false,
        canceled_at: null,
        ended_at: null,
        start_date: now,
      },
      { cancellation_details: { comment: null, feedback: null, reason: null }, currency: session.currency, customer, description },
      { collection_method: 'charge_automatically', default_payment_method: pm.id, latest_invoice: null, metadata, pause_collection: null },
      { status: 'active', trial_end: null, trial_start: null },
    );
    const items = session.line_items.data.map((li: Obj) =>
      subscriptionItem(sub, li.price, li.quantity, now, anchor ?? periodEnd(now, now, li.price)),
    );
    sub.items = list(items, `/v1/subscription_items?subscription=${sub.id}`);
    return sub;
  }
  const subscriptionItem = (sub: Obj, price: Obj, quantity: number, start: number, end: number) => {
    const fields = { current_period_start: start, current_period_end: end, discounts: [], price, quantity, subscription: sub.id };
    return { id: `si_${rand(14)}`, object: 'subscription_item', created: sec(), metadata: {}, ...fields };
  };
  // An open invoice for the subscription's items, a line each. `period` is the invoice's own, which Stripe sets to the period
  // *before* the lines' service period: callers should read lines[].period for the dates paid for, as they must on Stripe.
  function createInvoice(sub: Obj, reason: string, period: { start: number; end: number }): Obj {
    const customer = objects.get(sub.customer)!;
    const lines = (sub.items.data as Obj[]).map(({ id, price, quantity, current_period_start: start, current_period_end: end }) => ({
      ...{ id: `il_${rand()}`, object: 'line_item', amount: price.unit_amount * quantity, currency: sub.currency, livemode: false },
      description: `${quantity} × ${productName(price)} (at ${money(price.unit_amount, sub.currency)} / ${price.recurring.interval})`,
      parent: { type: 'subscription_item_details', subscription_item_details: { subscription: sub.id, subscription_item: id } },
      pricing: { type: 'price_details', price_details: { price: price.id, product: price.product } },
      ...{ period: { start, end }, quantity },
    }));
    const total = lines.reduce((s, l) => s + l.amount, 0);
    const number = `${customer.invoice_prefix}-${String(customer.next_invoice_sequence++).padStart(4, '0')}`;
    const parent = { type: 'subscription_details', subscription_details: { metadata: sub.metadata, subscription: sub.id } };
    const invoice = record(
      'invoice',
      { account_country: 'GB', amount_due: total, amount_paid: 0, amount_remaining: total, attempt_count: 0, attempted: false },
      { billing_reason: reason, collection_method: 'charge_automatically', currency: sub.currency, customer: sub.customer, number, parent },
      { customer_email: customer.email, customer_name: customer.name, next_payment_attempt: null, subtotal: total, total },
      { period_start: period.start, period_end: period.end, status: 'open' },
      { status_transitions: { finalized_at: sec(), marked_uncollectible_at: null, paid_at: null, voided_at: null } },
    );
    Object.assign(invoice, { hosted_invoice_url: `${base}/i/${invoice.id}`, lines: list(lines, `/v1/invoices/${invoice.id}/lines`) });
    invoice.payments = list([], `/v1/invoice_payments?invoice=${invoice.id}`);
    sub.latest_invoice = invoice.id;
    emit('invoice.created', invoice);
    emit('invoice.finalized', invoice);
    return invoice;
  }
  function attemptInvoice(invoice: Obj, sub: Obj, outcome: 'paid' | 'failed' | 'processing') {
    const pm = objects.get(sub.default_payment_method)!;
    const retry = invoice.payments.data.find((x: Obj) => x.status === 'open');
    if (retry) return settleAttempt(invoice, sub, chargeAgain(objects.get(retry.payment.payment_intent)!, pm), outcome);
    const pi = createPayment({ amount: invoice.amount_due, currency: invoice.currency, customer: sub.customer }, pm);
    invoice.payments.data.unshift({
      ...{ id: `inpay_${rand()}`, object: 'invoice_payment', amount_paid: null, amount_requested: invoice.amount_due, created: sec() },
      ...{ currency: invoice.currency, invoice: invoice.id, is_default: true, livemode: false, status: 'open' },
      ...{ payment: { type: 'payment_intent', payment_intent: pi.id }, status_transitions: { canceled_at: null, paid_at: null } },
    });
    settleAttempt(invoice, sub, pi, outcome);
  }
  function settleAttempt(invoice: Obj, sub: Obj, pi: Obj, outcome: 'paid' | 'failed' | 'processing') {
    Object.assign(invoice, { attempted: true, attempt_count: invoice.attempt_count + 1 });
    if (outcome === 'processing') return emit('payment_intent.processing', pi);
    settlePayment(pi, outcome === 'failed');
    settleInvoice(invoice, sub, outcome === 'paid');
  }
  function settleInvoice(invoice: Obj, sub: Obj, paid: boolean) {
    const payment = invoice.payments.data.find((x: Obj) => x.status === 'open');
    if (paid) {
      Object.assign(payment, { status: 'paid', amount_paid: invoice.amount_due });
      payment.status_transitions.paid_at = sec();
      Object.assign(invoice, { status: 'paid', amount_paid: invoice.amount_due, amount_remaining: 0, next_payment_attempt: null });
      invoice.status_transitions.paid_at = sec();
      emit('invoice.paid', invoice);
      emit('invoice.payment_succeeded', invoice);
    } else {
      invoice.next_payment_attempt = sec() + 3 * 86_400;
      emit('invoice.payment_failed', invoice);
    }
    update(sub, 'customer.subscription.updated', () => (sub.status = paid ? 'active' : 'past_due'));
  }
  function liveSubscription(id: string): Obj {
    const sub = must(id, 'subscription');
    if (sub.status === 'canceled') throw new Error(`fake-stripe: subscription ${id} is canceled`);
    return sub;
  }
  // The next billing date arrives: an open invoice is retried, or the period moves on and is billed (paused collection leaves it unpaid).
  function renew(subscriptionId: string, outcome: 'paid' | 'failed'): Obj {
    const sub = liveSubscription(subscriptionId);
    const ofSub = (x: Obj) => x.object === 'invoice' && x.parent.subscription_details.subscription === sub.id;
    const open = [...objects.values()].find((x) => ofSub(x) && x.status === 'open');
    if (open) return (attemptInvoice(open, sub, outcome), open);
    if (sub.cancel_at_period_end) throw new Error(`fake-stripe: ${sub.id} ends at the period end; call endPeriod() instead`);
    const previous = { start: sub.items.data[0].current_period_start, end: sub.items.data[0].current_period_end };
    update(sub, 'customer.subscription.updated', () => {
      for (const item of sub.items.data) {
        item.current_period_start = item.current_period_end;
        item.current_period_end = periodEnd(sub.billing_cycle_anchor, item.current_period_start, item.price);
      }
    });
    const invoice = createInvoice(sub, 'subscription_cycle', previous);
    const paused = sub.pause_collection?.behavior as 'void' | 'mark_uncollectible' | 'keep_as_draft' | undefined;
    if (!paused) attemptInvoice(invoice, sub, outcome);
    else if (paused === 'keep_as_draft') invoice.status = 'draft';
    else {
      invoice.status = paused === 'void' ? 'void' : 'uncollectible';
      emit(paused === 'void' ? 'invoice.voided' : 'invoice.marked_uncollectible', invoice);
    }
    return invoice;
  }
  function cancelSubscription(sub: Obj) {
    if (sub.status === 'canceled') throw bad(`This subscription has already been canceled: '${sub.id}'`, 'subscription');
    Object.assign(sub, { status: 'canceled', canceled_at: sec(), ended_at: sec(), cancel_at_period_end: false });
    sub.cancellation_details.reason = 'cancellation_requested';
    emit('customer.subscription.deleted', sub);
    return sub;
  }

  function updateSubscription(id: string, p: Obj): Obj {
    const known =
      'items billing_cycle_anchor trial_end pause_collection cancel_at_period_end cancel_at cancellation_details metadata description';
    allow(p, `${known} proration_behavior proration_date default_payment_method payment_behavior`);
    const sub = must(id, 'subscription');
    if (sub.status === 'canceled' && Object.keys(p).some((k) => !['metadata', 'cancellation_details', 'expand'].includes(k)))
      throw bad('A canceled subscription can only update its cancellation_details and metadata.');
    // Prorations are not modelled: a changed amount is billed in full from the next invoice.
    oneOf(p.proration_behavior ?? 'none', ['create_prorations', 'none', 'always_invoice'], 'proration_behavior');
    let billNow = false;
    const backup = structuredClone(sub); // Stripe applies an update whole or not at all
    try {
      update(sub, 'customer.subscription.updated', () => {
        if (p.items !== undefined && !Array.isArray(p.items)) throw bad('Invalid array', 'items');
        (p.items as Obj[] | undefined)?.forEach((it, i) => {
          const param = `items[${i}]`;
          allow(it, 'id price price_data quantity deleted metadata', param);
          const item = it.id === undefined ? undefined : sub.items.data.find((x: Obj) => x.id === it.id);
          if (it.id !== undefined && !item) throw bad(`No such subscription_item: '${it.id}'`, `${param}[id]`, 'resource_missing');
          if (item && it.deleted !== undefined && bool(it.deleted, `${param}[deleted]`))
            return (sub.items.data = sub.items.data.filter((x: Obj) => x !== item));
          // Without an id Stripe adds a second item rather than changing the first, and so does the fake.
          if (!item && it.price === undefined && it.price_data === undefined) throw missing(`${param}[price]`);
          const price = it.price === undefined && it.price_data === undefined ? item!.price : resolvePrice(it, param, true);
          const quantity = int(it.quantity ?? item?.quantity ?? 1, `${param}[quantity]`, 1);
          const { current_period_start: start, current_period_end: end } = sub.items.data[0];
          const target = item ?? sub.items.data[sub.items.data.push(subscriptionItem(sub, price, quantity, start, end)) - 1];
          Object.assign(target, { price, quantity, metadata: meta(it.metadata, `${param}[metadata]`, target.metadata) });
        });
        if (!sub.items.data.length) throw bad('A subscription must have at least one active plan.', 'items');
        // billing_cycle_anchor[type]=now (an object since stripe-node 23) starts a period today and bills it at once: how a donor's day moves.
        if (p.billing_cycle_anchor !== undefined) allow(p.billing_cycle_anchor, 'type', 'billing_cycle_anchor');
        billNow =
          p.billing_cycle_anchor !== undefined &&
          oneOf(p.billing_cycle_anchor.type, ['now', 'unchanged'], 'billing_cycle_anchor[type]') === 'now';
        if (billNow) sub.billing_cycle_anchor = sec();
        // trial_end moves the next invoice to that moment without charging now; the billing anchor moves there too.
        if (p.trial_end !== undefined && p.trial_end !== 'now') {
          const end = int(p.trial_end, 'trial_end');
          if (end <= sec()) throw bad('Invalid timestamp: must be an integer Unix timestamp in the future.', 'trial_end');
          Object.assign(sub, { trial_start: sec(), trial_end: end, status: 'trialing', billing_cycle_anchor: end });
          for (const item of sub.items.data) item.current_period_end = end;
        }
        for (const item of billNow ? sub.items.data : [])
          Object.assign(item, { current_period_start: sec(), current_period_end: periodEnd(sec(), sec(), item.price) });
        if (p.pause_collection === '') sub.pause_collection = null;
        else if (p.pause_collection !== undefined) {
          allow(p.pause_collection, 'behavior resumes_at', 'pause_collection');
          if (p.pause_collection.behavior === undefined) throw missing('pause_collection[behavior]');
          const behavior = oneOf(
            p.pause_collection.behavior,
            ['keep_as_draft', 'mark_uncollectible', 'void'],
            'pause_collection[behavior]',
          );
          const resumes = p.pause_collection.resumes_at;
          sub.pause_collection = { behavior, resumes_at: resumes === undefined ? null : int(resumes, 'pause_collection[resumes_at]') };
        }
        if (p.cancel_at_period_end !== undefined) {
          sub.cancel_at_period_end = bool(p.cancel_at_period_end, 'cancel_at_period_end');
          sub.cancel_at = sub.cancel_at_period_end ? sub.items.data[0].current_period_end : null;
        }
        const periodEnds = ['max_period_end', 'min_period_end'].includes(p.cancel_at) ? sub.items.data[0].current_period_end : undefined;
        if (p.cancel_at !== undefined) sub.cancel_at = p.cancel_at === '' ? null : (periodEnds ?? int(p.cancel_at, 'cancel_at'));
        allow(p.cancellation_details ?? {}, 'comment feedback', 'cancellation_details');
        Object.assign(sub.cancellation_details, p.cancellation_details);
        if (p.description !== undefined) sub.description = p.description || null;
        sub.metadata = meta(p.metadata, 'metadata', sub.metadata);
      });
    } catch (e) {
      Object.assign(sub, backup);
      throw e;
    }
    if (billNow) attemptInvoice(createInvoice(sub, 'subscription_update', { start: sec(), end: sec() }), sub, 'paid');
    return sub;
  }

  function chargeOf(id: unknown, param: string): Obj {
    const direct = typeof id === 'string' ? objects.get(id) : undefined;
    const ch = direct?.object === 'payment_intent' ? objects.get(direct.latest_charge) : direct;
    if (direct?.object !== param || ch?.object !== 'charge') throw apiError(404, `No such ${param}: '${id}'`, param, 'resource_missing');
    if (ch.status !== 'succeeded') throw bad(`This ${param} (${String(id)}) has no successful charge.`, param, 'charge_not_refundable');
    return ch;
  }
  function createRefund(p: Obj): Obj {
    allow(p, 'amount charge payment_intent reason metadata instructions_email refund_application_fee reverse_transfer');
    if (p.charge === undefined && p.payment_intent === undefined) throw missing('payment_intent');
    const ch = p.payment_intent !== undefined ? chargeOf(p.payment_intent, 'payment_intent') : chargeOf(p.charge, 'charge');
    if (ch.disputed) throw bad(`Charge ${ch.id} has been charged back; cannot issue a refund.`, undefined, 'charge_disputed');
    const remaining = ch.amount - ch.amount_refunded;
    if (remaining === 0) throw bad(`Charge ${ch.id} has already been refunded.`, undefined, 'charge_already_refunded');
    const amount = p.amount === undefined ? remaining : int(p.amount, 'amount', 1);
    const over = `Refund amount (${money(amount, ch.currency)}) is greater than unrefunded amount (${money(remaining, ch.currency)})`;
    if (amount > remaining) throw bad(over, 'amount', 'amount_too_large');
    const reason = p.reason === undefined ? null : oneOf(p.reason, ['duplicate', 'fraudulent', 'requested_by_customer'], 'reason');
    const refund = record(
      'refund',
      { amount, balance_transaction: `txn_${rand()}`, charge: ch.id, currency: ch.currency, metadata: meta(p.metadata) },
      { payment_intent: ch.payment_intent, reason, receipt_number: null, status: 'succeeded' },
    );
    emit('refund.created', refund);
    const refunded = { amount_refunded: ch.amount_refunded + amount, refunded: amount === remaining };
    update(ch, 'charge.refunded', () => Object.assign(ch, refunded));
    return refund;
  }

  // A page of a newest-first list, as Stripe pages: limit 1 to 100 (10 by default), after the starting_after object.
  function pageOf(items: Obj[], p: Obj, path: string): Obj {
    const limit = int(p.limit ?? 10, 'limit', 1);
    if (limit > 100) throw bad('This value must be less than or equal to 100.', 'limit');
    const start = p.starting_after === undefined ? 0 : items.findIndex((x) => x.id === p.starting_after) + 1;
    if (start === 0 && p.starting_after !== undefined) throw bad(`No such object: '${p.starting_after}'`, 'starting_after');
    return list(items.slice(start, start + limit), path, start + limit < items.length);
  }
  function listEvents(p: Obj): Obj {
    allow(p, 'created delivery_success ending_before limit starting_after type types');
    if (p.ending_before !== undefined) throw bad('The fake pages forwards only (starting_after).', 'ending_before');
    if (p.type !== undefined && p.types !== undefined) throw bad('You may only specify one of these parameters: type, types.', 'types');
    const wanted: string[] | null = p.type !== undefined ? [p.type] : (p.types ?? null);
    if (wanted && (!Array.isArray(wanted) || wanted.length > 20)) throw bad('types must be an array of at most 20 event types.', 'types');
    const matches = (t: string) => !wanted || wanted.some((w) => (w.endsWith('.*') ? t.startsWith(w.slice(0, -1)) : t === w));
    if (typeof p.created === 'object') allow(p.created, 'gt gte lt lte', 'created');
    const range: Obj = typeof p.created === 'object' ? p.created : p.created === undefined ? {} : { gte: p.created, lte: p.created };
    const b = Object.fromEntries(Object.entries(range).map(([k, v]) => [k, int(v, `created[${k}]`)]));
    const inRange = (t: number) => !(t <= b.gt! || t < b.gte! || t >= b.lt! || t > b.lte!);
    const found = events.filter((e) => matches(e.type) && inRange(e.created));
    return pageOf(found.reverse(), p, '/v1/events');
  }
  function listInvoices(p: Obj): Obj {
    allow(p, 'subscription customer customer_account status limit starting_after collection_method created due_date');
    const wanted = (x: Obj) =>
      x.object === 'invoice' &&
      (p.subscription === undefined || x.parent?.subscription_details?.subscription === p.subscription) &&
      (p.customer === undefined || x.customer === p.customer) &&
      (p.status === undefined || x.status === p.status);
    return pageOf([...objects.values()].filter(wanted).reverse(), p, '/v1/invoices');
  }

  // Copies the object for the wire: includable fields dropped, and the expand[] paths ('payment_intent', 'data.subscription') filled in.
  function render(obj: Obj, expand: unknown): Obj {
    const out = structuredClone(obj);
    (out.object === 'list' ? out.data : [out]).forEach(strip);
    const walk = (node: Obj, [head, ...rest]: string[], full: string): void => {
      if (node.object === 'list' && head === 'data') return node.data.forEach((x: Obj) => rest.length && walk(x, rest, full));
      if (INCLUDABLE[node.object]?.includes(head!)) node[head!] = structuredClone(objects.get(node.id)![head!]);
      else if (typeof node[head!] === 'string' && objects.has(node[head!])) node[head!] = snapshot(objects.get(node[head!])!);
      else if (typeof node[head!] !== 'object') throw bad(`This property cannot be expanded (${full}).`, 'expand');
      if (rest.length && node[head!]) walk(node[head!], rest, full);
    };
    for (const path of expand === undefined ? [] : Array.isArray(expand) ? expand : [String(expand)]) walk(out, path.split('.'), path);
    return out;
  }
  const cancelRoute = (p: Obj, id: string) => {
    allow(p, 'cancellation_details invoice_now prorate');
    return cancelSubscription(must(id, 'subscription'));
  };
  const routes: Array<[string, RegExp, (p: Obj, m: string[]) => Obj]> = [
    ['POST', /^\/v1\/checkout\/sessions$/, (p) => createSession(p)],
    ['GET', /^\/v1\/events$/, (p) => listEvents(p)],
    ['GET', /^\/v1\/invoices$/, (p) => listInvoices(p)],
    ['POST', /^\/v1\/subscriptions\/([^/]+)$/, (p, [id]) => updateSubscription(id!, p)],
    ['DELETE', /^\/v1\/subscriptions\/([^/]+)$/, (p, [id]) => cancelRoute(p, id!)],
    ['POST', /^\/v1\/refunds$/, (p) => createRefund(p)],
    ['GET', new RegExp(`^/v1/(${Object.keys(PATHS).join('|')})/([^/]+)$`), (p, [path, id]) => (allow(p, ''), must(id, PATHS[path!]!))],
  ];

  function send(res: ServerResponse, status: number, body: string, headers: Record<string, string>) {
    res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(body);
  }
  const errorBody = (e: { type: string; message: string; code?: string; param?: string }) =>
    JSON.stringify({ error: { type: e.type, code: e.code, message: e.message, param: e.param } }, null, 2);

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const u = new URL(req.url ?? '/', base);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    if (u.pathname.startsWith('/c/pay/')) return checkoutPage(res, decodeURIComponent(u.pathname.slice(7)));
    const requestId = `req_${rand(14)}`;
    const version = String(req.headers['stripe-version'] ?? Stripe.API_VERSION);
    const headers: Record<string, string> = { 'request-id': requestId, 'stripe-version': version };
    const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const wrongKey = `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)} (this fake takes test keys only)`;
    const keyProblem = !key ? NO_KEY : /^(sk|rk)_test_\w+$/.test(key) ? null : wrongKey;
    if (keyProblem) return send(res, 401, errorBody({ type: 'invalid_request_error', message: keyProblem }), headers);
    const idemKey = req.method === 'GET' ? undefined : (req.headers['idempotency-key'] as string | undefined);
    try {
      const params = parseStripeForm(req.method === 'GET' || (req.method === 'DELETE' && !raw) ? u.search.slice(1) : raw);
      requests.push({ method: req.method!, path: u.pathname, params, idempotencyKey: idemKey });
      const f = failures.shift();
      if (f) throw apiError(f.status, f.message ?? 'An unknown error occurred', undefined, f.code, f.type ?? 'api_error');
      // Stripe keeps a key's first result (24 hours) and refuses the key with other parameters; the fake keeps successes only.
      const scope = `${key}\n${idemKey}`;
      const fingerprint = `${req.method} ${u.pathname}\n${raw}`;
      const seen = idemKey ? idempotent.get(scope) : undefined;
      const reused =
        'Keys for idempotent requests can only be used with the same parameters they were first used with. ' +
        `Try using a key other than '${idemKey}' if you meant to execute a different request.`;
      if (seen && seen.fingerprint !== fingerprint) throw apiError(400, reused, undefined, undefined, 'idempotency_error');
      if (seen) return send(res, 200, seen.body, { ...headers, 'idempotency-key': idemKey!, 'idempotent-replayed': 'true' });
      const route = routes.find(([method, re]) => method === req.method && re.test(u.pathname));
      if (!route) throw apiError(404, `Unrecognized request URL (${req.method}: ${u.pathname}). Please see https://stripe.com/docs.`);
      currentRequest = { id: requestId, idempotency_key: idemKey ?? null };
      const { expand, ...rest } = params;
      const body = JSON.stringify(render(route[2](rest, route[1].exec(u.pathname)!.slice(1)), expand), null, 2);
      if (idemKey) idempotent.set(scope, { fingerprint, body });
      send(res, 200, body, idemKey ? { ...headers, 'idempotency-key': idemKey } : headers);
    } catch (e) {
      if (!(e as Partial<ApiError>).stripe) throw e;
      send(res, (e as ApiError).status, errorBody(e as ApiError), { ...headers, 'stripe-should-retry': 'false' });
    } finally {
      currentRequest = null;
    }
  }
  // Stands in for Stripe's hosted page, so a browser test can follow session.url; completing it is the test's call (completeCheckout).
  function checkoutPage(res: ServerResponse, id: string) {
    const s = objects.get(id);
    const esc = (t: string) => t.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const items = s?.line_items.data.map((li: Obj) => `<li>${esc(li.description)}: ${money(li.amount_total, s.currency)}</li>`).join('');
    const html = `<main><h1>fake checkout</h1><p>Test: no money moves. Session ${esc(id)} is ${s?.status}.</p><ul>${items}</ul></main>`;
    res.writeHead(s?.object === 'checkout.session' ? 200 : 404, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>fake checkout</title></head><body>${html}</body></html>`);
  }

  async function deliver(ev: Obj | string, d: DeliverOptions = {}): Promise<Delivery> {
    const event = typeof ev === 'string' ? must(ev, 'event') : ev;
    const target = d.url ?? fake.webhookUrl;
    if (!target) throw new Error('fake-stripe deliver(): no webhook URL (pass { url } or set webhookUrl)');
    // Stripe sends pretty-printed JSON, so a receiver that re-serialises the parsed body instead of verifying the raw bytes fails.
    const signed = JSON.stringify(event, null, 2);
    const timestamp = d.timestamp ?? Math.floor(Date.now() / 1000);
    const header = Stripe.webhooks.generateTestHeaderString({ payload: signed, secret: d.secret ?? fake.webhookSecret, timestamp });
    const tamper = d.tamper === true ? (b: string) => b.replace('"livemode": false', '"livemode": true') : d.tamper || ((b: string) => b);
    const payload = tamper(signed);
    const headers = { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header, 'user-agent': 'Stripe/1.0' };
    const r = await fetch(target, { method: 'POST', headers, body: payload });
    return { status: r.status, body: await r.text(), payload, header };
  }
  // What a helper returns: the object as the API shows it, once any automatic webhook deliveries it caused have been made.
  const settled = async <T>(obj: Obj): Promise<T> => (await deliveries, render(obj, undefined) as unknown as T);

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, errorBody({ type: 'api_error', message: `fake-stripe failed: ${String(e)}` }), {});
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  base = `http://127.0.0.1:${port}`;

  const fake: FakeStripe = {
    url: base,
    host: '127.0.0.1',
    port,
    webhookUrl: o.webhookUrl,
    webhookSecret: o.webhookSecret ?? 'whsec_fake_lantern_test_secret',
    requests,
    client: (secretKey = 'sk_test_fake', config = {}) =>
      new Stripe(secretKey, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false, ...config }),
    close: () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),

    async completeCheckout(sessionId, c = {}) {
      const s = must(sessionId, 'checkout.session');
      const type = c.paymentMethod ?? 'card';
      if (s.status !== 'open') throw new Error(`fake-stripe: checkout session ${sessionId} is ${s.status}, not open`);
      if (!s.payment_method_types.includes(type)) throw new Error(`fake-stripe: session ${sessionId} does not offer ${type}`);
      const email = c.email ?? s.customer_email ?? (s.customer ? objects.get(s.customer)!.email : 'supporter@example.org');
      const name = c.name ?? 'Sam Weaver';
      const address = { city: null, country: 'GB', line1: null, line2: null, postal_code: c.postcode ?? null, state: null };
      if (!s.customer && (s.mode === 'subscription' || s.customer_creation === 'always')) s.customer = createCustomer(email, name).id;
      const pm = createPaymentMethod(type, s.customer, { address, email, name, phone: null }, c.cardExpires);
      const delayed = type === 'bacs_debit';
      s.customer_details = { address, email, name, phone: null, tax_exempt: 'none', tax_ids: [] };
      if (s.mode === 'payment') {
        const pi = createPayment({ amount: s.amount_total, currency: s.currency, customer: s.customer, ...sessionParams.get(s.id) }, pm);
        s.payment_intent = pi.id;
        if (delayed) emit('payment_intent.processing', pi);
        else settlePayment(pi, false);
      } else {
        const sub = createSubscription(s, s.customer, pm);
        emit('customer.subscription.created', sub);
        const invoice = createInvoice(sub, 'subscription_create', { start: sub.start_date, end: sub.start_date });
        attemptInvoice(invoice, sub, delayed ? 'processing' : 'paid');
        Object.assign(s, { subscription: sub.id, invoice: invoice.id });
      }
      Object.assign(s, { status: 'complete', payment_status: delayed ? 'unpaid' : 'paid', url: null });
      emit('checkout.session.completed', s);
      return settled(s);
    },
    async settleAsyncPayment(sessionId, c = {}) {
      const s = must(sessionId, 'checkout.session');
      if (s.payment_status !== 'unpaid' || s.status !== 'complete')
        throw new Error(`fake-stripe: ${sessionId} has no payment waiting to clear`);
      const invoice = s.invoice ? objects.get(s.invoice)! : undefined;
      settlePayment(objects.get(invoice ? invoice.payments.data[0].payment.payment_intent : s.payment_intent)!, !!c.fail);
      if (invoice) settleInvoice(invoice, objects.get(s.subscription)!, !c.fail);
      if (!c.fail) s.payment_status = 'paid';
      emit(c.fail ? 'checkout.session.async_payment_failed' : 'checkout.session.async_payment_succeeded', s);
      return settled(s);
    },
    payInvoice: async (id) => settled(renew(id, 'paid')),
    failInvoice: async (id) => settled(renew(id, 'failed')),
    async endPeriod(id) {
      const sub = liveSubscription(id);
      if (!sub.cancel_at_period_end) throw new Error(`fake-stripe: ${id} is not set to cancel at the period end`);
      return settled(cancelSubscription(sub));
    },
    refund: async (paymentIntentId, amount) =>
      settled(createRefund({ payment_intent: paymentIntentId, ...(amount === undefined ? {} : { amount }) })),
    async dispute(id, d = {}) {
      const ch = chargeOf(id, objects.get(id)?.object === 'charge' ? 'charge' : 'payment_intent');
      const evidence_details = { due_by: sec() + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 };
      const dispute = record(
        'dispute',
        { amount: d.amount ?? ch.amount - ch.amount_refunded, charge: ch.id, currency: ch.currency, evidence_details },
        { is_charge_refundable: false, payment_intent: ch.payment_intent, reason: d.reason ?? 'fraudulent', status: 'needs_response' },
      );
      ch.disputed = true;
      emit('charge.dispute.created', dispute);
      return settled(dispute);
    },
    async closeDispute(id, d) {
      const dispute = must(id, 'dispute');
      if (!['needs_response', 'under_review', 'warning_needs_response'].includes(dispute.status))
        throw new Error(`fake-stripe: dispute ${id} is already ${dispute.status}`);
      dispute.status = d.won ? 'won' : 'lost';
      if (d.won) objects.get(dispute.charge)!.disputed = false;
      emit('charge.dispute.closed', dispute);
      return settled(dispute);
    },
    events: (type) => events.filter((e) => !type || e.type === type).map((e) => structuredClone(e)) as unknown as Stripe.Event[],
    object: <T>(id: string) => (objects.has(id) ? (render(objects.get(id)!, undefined) as T) : undefined),
    failNext: ({ times = 1, ...failure }) => void failures.push(...Array.from({ length: times }, () => failure)),
    deliver: (event, d) => deliver(event, d),
  };
  return fake;
}
