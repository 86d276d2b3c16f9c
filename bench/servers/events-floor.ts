// The floor for the RSVP surge benchmark (bench/events.ts): a bare Fastify 5 route at the same address that takes the
// same form body and inserts one row through the same driver with the same durability as Lantern, answering with
// the same 303. On SQLite (DB_FILE): node:sqlite in WAL mode with synchronous=FULL, so each acknowledged insert is on
// disk. On PostgreSQL (PG_URL): a pg pool of Lantern's size (10) with the server's synchronous_commit; two of these
// processes share one database as Lantern's two do. Run directly by Node (type stripping) with no loader.
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

let insert: (email: string, at: number) => Promise<void>;
let close: () => Promise<void>;
if (process.env.PG_URL) {
  const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 10 });
  // The bench starts the second process only once the first answers, so the table is made once.
  await pool.query('create table if not exists registrations (id bigserial primary key, email text not null, created_at bigint not null)');
  insert = async (email, at) => {
    await pool.query('insert into registrations (email, created_at) values ($1, $2)', [email, at]);
  };
  close = () => pool.end();
} else {
  const db = new DatabaseSync(process.env.DB_FILE!);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('create table if not exists registrations (id integer primary key, email text not null, created_at integer not null)');
  const stmt = db.prepare('insert into registrations (email, created_at) values (?, ?)');
  insert = async (email, at) => {
    stmt.run(email, at);
  };
  close = async () => db.close();
}

const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/', async () => 'ok');
app.post('/events/:slug/register', async (req, reply) => {
  await insert(String((req.body as Record<string, unknown> | undefined)?.email ?? ''), Date.now());
  return reply.redirect(`/events/${(req.params as { slug: string }).slug}/registered`, 303);
});
process.once(
  'SIGTERM',
  () =>
    void app
      .close()
      .then(close)
      .then(() => process.exit(0)),
);
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
