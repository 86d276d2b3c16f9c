import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Core } from '../core/context.js';
import { redact } from '../core/log.js';
import { applyVerifiedEvent } from './payment-events.js';
import type { ProviderEvent } from './payments.js';
import { paymentProvider } from './provider.js';

// POST /webhooks/stripe: Stripe's events, signed over the exact bytes sent. The route lives in a plugin of its own so
// that JSON reaches it unparsed (a Buffer): re-serialising a parsed body would not reproduce the signed bytes. The
// signature stands in for a CSRF token. The body names donors, so it is never logged.

export const WEBHOOK_PATH = '/webhooks/stripe';
const BODY_LIMIT = 1024 * 1024;

/** Whether a verified body has the shape of an event (Stripe's always has). */
function isEvent(e: unknown): e is ProviderEvent {
  const x = e as Partial<ProviderEvent> | null;
  return (
    typeof x?.id === 'string' &&
    x.id.length > 0 &&
    x.id.length <= 255 &&
    typeof x.type === 'string' &&
    typeof x.created === 'number' &&
    Number.isFinite(x.created) &&
    typeof x.data?.object === 'object' &&
    x.data.object !== null
  );
}

/** Registers the Stripe webhook (called from the capability's setup hook). */
export async function registerWebhook(app: FastifyInstance, core: Core): Promise<void> {
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: BODY_LIMIT }, (_req, body, done) => done(null, body));
    scope.post(WEBHOOK_PATH, { bodyLimit: BODY_LIMIT, config: { csrf: false } }, (req, reply) => receiveStripeEvent(req, reply, core));
  });
}

/** Verifies the signature, then stores and applies the event once: 200 for anything genuine, 400 for anything not. */
async function receiveStripeEvent(req: FastifyRequest, reply: FastifyReply, core: Core) {
  const raw = req.body;
  const header = req.headers['stripe-signature'];
  let event: ProviderEvent;
  try {
    if (!Buffer.isBuffer(raw)) throw new Error('no body');
    event = paymentProvider(core).verifyWebhook(raw, typeof header === 'string' ? header : undefined);
  } catch {
    return reply.code(400).type('application/json').send({ error: 'The signature of this event could not be verified.' });
  }
  if (!isEvent(event)) return reply.code(400).type('application/json').send({ error: 'This is not a payment event.' });
  try {
    await applyVerifiedEvent(core, event, { source: 'webhook' });
  } catch (err) {
    // Stripe sends it again later; the reconciliation job would find it too.
    req.log.error({ eventType: event.type, eventId: event.id, err: redact(String(err)) }, 'a payment event could not be applied');
    return reply.code(500).type('application/json').send({ error: 'The event could not be recorded just now; please send it again.' });
  }
  return reply.code(200).type('application/json').send({ received: true });
}
