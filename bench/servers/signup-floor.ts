// The floor for the sign-up benchmark: a bare Fastify 5 route that takes the same form body and inserts one row into
// a SQLite table with the same durability as Lantern (WAL, synchronous=FULL: each acknowledged insert is on disk),
// answering with the same 303. In its own process, run directly by Node (type stripping) with no loader.
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { DatabaseSync } from 'node:sqlite';

const db = new DatabaseSync(process.env.DB_FILE!);
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = FULL');
db.exec('create table if not exists signups (id integer primary key, email text not null, created_at integer not null)');
const insert = db.prepare('insert into signups (email, created_at) values (?, ?)');

const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/', async () => 'ok');
app.post('/stay-in-touch', async (req, reply) => {
  insert.run(String((req.body as Record<string, unknown> | undefined)?.email ?? ''), Date.now());
  return reply.redirect('/stay-in-touch/check-your-email', 303);
});
process.once(
  'SIGTERM',
  () =>
    void app.close().then(() => {
      db.close();
      process.exit(0);
    }),
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
