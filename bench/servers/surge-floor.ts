// The floor for the surge benchmark: a bare Fastify 5 route that takes the same form body and inserts one row with
// the same durability as Lantern, answering with the same 303. On SQLite (DB_FILE): node:sqlite in WAL mode with
// synchronous=FULL, so each acknowledged insert is on disk. On PostgreSQL (PG_URL): a pg pool of Lantern's size with
// the server's synchronous_commit. In its own process, run directly by Node (type stripping) with no loader.
import formbody from '@fastify/formbody';
import Fastify from 'fastify';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';

let insert: (email: string, at: number) => Promise<void>;
let close: () => Promise<void>;
if (process.env.PG_URL) {
  const pool = new pg.Pool({ connectionString: process.env.PG_URL, max: 10 });
  await pool.query('create table if not exists signatures (id bigserial primary key, email text not null, created_at bigint not null)');
  insert = async (email, at) => {
    await pool.query('insert into signatures (email, created_at) values ($1, $2)', [email, at]);
  };
  close = () => pool.end();
} else {
  const db = new DatabaseSync(process.env.DB_FILE!);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = FULL');
  db.exec('create table if not exists signatures (id integer primary key, email text not null, created_at integer not null)');
  const stmt = db.prepare('insert into signatures (email, created_at) values (?, ?)');
  insert = async (email, at) => {
    stmt.run(email, at);
  };
  close = async () => db.close();
}

const app = Fastify({ logger: false });
await app.register(formbody);
app.get('/', async () => 'ok');
app.post('/act/:slug/sign', async (req, reply) => {
  await insert(String((req.body as Record<string, unknown> | undefined)?.email ?? ''), Date.now());
  return reply.redirect(`/act/${(req.params as { slug: string }).slug}/check-your-email`, 303);
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
