// The floor for the home-page benchmark: a bare Fastify 5 route returning a small "hello", in its own process.
// Run directly by Node (type stripping), with no loader, so nothing but Fastify stands between socket and reply.
import Fastify from 'fastify';

const app = Fastify({ logger: false });
app.get('/', async () => 'hello');
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
