import type { FastifyInstance, FastifyRequest } from 'fastify';
import client from 'prom-client';
import { safeEqual } from '../crypto.js';
import type { Db } from '../db/index.js';
import { countJobsByState, oldestQueuedAge } from '../jobs/queries.js';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Whether a request may read /metrics: the bearer token, or a direct loopback connection with no proxy headers. */
export function mayReadMetrics(req: FastifyRequest, token: string | undefined): boolean {
  const auth = req.headers.authorization;
  if (token && typeof auth === 'string' && auth.startsWith('Bearer ')) return safeEqual(auth.slice(7), token);
  const proxied = req.headers['x-forwarded-for'] !== undefined || req.headers.forwarded !== undefined;
  return !proxied && LOOPBACK.has(req.socket.remoteAddress ?? '');
}

/** Prometheus metrics: request counts and durations by route pattern (never by URL), the job queue, the process. */
export function registerMetrics(app: FastifyInstance, o: { db: Db; token: string | undefined }): client.Registry {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry, prefix: 'lantern_' });
  const duration = new client.Histogram({
    name: 'lantern_http_request_duration_seconds',
    help: 'HTTP request duration by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  new client.Gauge({
    name: 'lantern_jobs',
    help: 'Jobs by lane and state',
    labelNames: ['lane', 'state'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countJobsByState(o.db)) this.set({ lane: r.lane, state: r.state }, r.count);
    },
  });
  new client.Gauge({
    name: 'lantern_jobs_oldest_due_seconds',
    help: 'Age of the oldest due job nobody has claimed yet',
    registers: [registry],
    async collect() {
      this.set((await oldestQueuedAge(o.db, Date.now())) / 1000);
    },
  });
  app.addHook('onResponse', async (req, reply) => {
    duration.observe(
      { route: req.routeOptions.url ?? 'unmatched', method: req.method, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  app.get('/metrics', { config: { csrf: false } }, async (req, reply) => {
    if (!mayReadMetrics(req, o.token)) return reply.code(404).type('text/plain').send('Not found');
    return reply.type(registry.contentType).send(await registry.metrics());
  });
  return registry;
}
