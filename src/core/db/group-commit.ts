import { byDialect, type Db, type DbOrTrx } from './index.js';
import { DomainError } from '../web/errors.js';

// Group commit for public forms (the sign-up, petition signatures). On SQLite every commit waits for the disk
// (synchronous=FULL), and there is one writer at a time, so a burst of sign-ups would queue one fsync each.
// Instead, sign-ups that arrive while one is being written join its transaction and share its commit, and each
// caller is answered only once that commit is done: nothing is acknowledged before it is on disk. A lone sign-up
// commits at once.
//
// The work functions keep to one rule: a refusal they expect (a DomainError) is thrown before they write anything,
// so it needs no undoing. Anything else thrown means the batch may hold half of someone's writes: it is rolled
// back whole and each of its sign-ups runs again in a transaction of its own, so one failure never costs the others.
// PostgreSQL already commits concurrent transactions together, so there each call simply gets its own transaction.
// (Moved here from supporters/ when petitions needed it too.)

const MAX_BATCH = 64;

type Work = (trx: DbOrTrx) => Promise<unknown>;

interface Pending {
  work: Work;
  resolve: (value: unknown) => void;
  reject: (err: unknown) => void;
}

const queues = new WeakMap<Db, { items: Pending[]; running: boolean }>();
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The batch could not be kept: roll it back and run each of its sign-ups alone. */
class Poisoned extends Error {}

async function runAlone(db: Db, item: Pending): Promise<void> {
  try {
    item.resolve(await db.transaction().execute((trx) => item.work(trx)));
  } catch (err) {
    item.reject(err);
  }
}

async function drain(db: Db, q: { items: Pending[]; running: boolean }): Promise<void> {
  while (q.items.length > 0) {
    const batch: Pending[] = [];
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      await db.transaction().execute(async (trx) => {
        // node:sqlite runs each statement (and the commit) synchronously, so other requests only move while this
        // loop waits for a turn of the event loop: whatever arrived meanwhile joins the same transaction, and it
        // commits once a turn brings nothing more.
        while (q.items.length > 0 && batch.length < MAX_BATCH) {
          const arrived = q.items.splice(0, MAX_BATCH - batch.length);
          batch.push(...arrived);
          for (const item of arrived) {
            try {
              outcomes.push({ ok: true, value: await item.work(trx) });
            } catch (err) {
              if (!(err instanceof DomainError)) throw new Poisoned();
              outcomes.push({ ok: false, err });
            }
          }
          await nextTurn();
        }
      });
    } catch (err) {
      if (err instanceof Poisoned) {
        for (const item of batch) await runAlone(db, item);
      } else {
        // The transaction itself failed (the database went away, say): nobody's work was stored.
        for (const item of batch) item.reject(err);
      }
      continue;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.err);
    });
  }
  q.running = false;
}

/**
 * Runs `work` in a transaction, sharing its commit with concurrent calls on SQLite; resolves once committed. `work`
 * must throw an expected refusal (DomainError) only before it has written anything.
 */
export function inSharedTransaction<T>(db: Db, work: (trx: DbOrTrx) => Promise<T>): Promise<T> {
  return byDialect(db, {
    postgres: () => db.transaction().execute((trx) => work(trx)),
    sqlite: () =>
      new Promise<T>((resolve, reject) => {
        let q = queues.get(db);
        if (!q) queues.set(db, (q = { items: [], running: false }));
        q.items.push({ work, resolve: resolve as (v: unknown) => void, reject });
        if (!q.running) {
          q.running = true;
          void drain(db, q);
        }
      }),
  });
}
