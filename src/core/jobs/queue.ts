import type { Keyring } from '../crypto.js';
import type { DbOrTrx } from '../db/index.js';
import type { JobState } from '../db/schema.js';

/** Lanes let transactional work (confirmations, resets) run beside a bulk send instead of behind it. */
export type Lane = 'default' | 'bulk';

export interface EnqueueOptions {
  lane?: Lane;
  /** When to run, UTC ms (default: now). */
  runAt?: number;
  /** Higher runs first within a lane. */
  priority?: number;
  maxAttempts?: number;
  /** Enqueue at most once per key: a second enqueue with the same key is ignored. */
  uniqueKey?: string;
}

export interface JobRecord {
  id: number;
  lane: Lane;
  name: string;
  state: JobState;
  attempts: number;
  maxAttempts: number;
  runAt: number;
  lastError: string | null;
  createdAt: number;
  finishedAt: number | null;
}

const listeners = new Set<() => void>();

/** Lets an in-process worker wake as soon as something is enqueued, instead of waiting for its next poll. */
export function onEnqueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/**
 * Writes jobs through the caller's database handle, so a job is committed with the change that caused it
 * (outbox): pass the transaction, and the job exists if and only if the transaction commits.
 * Payloads are encrypted, because they often carry personal data (an address to mail, a name).
 */
export class JobQueue {
  constructor(private readonly keyring: Keyring) {}

  /** Adds one job; returns its id, or null when uniqueKey was already taken. */
  async enqueue(db: DbOrTrx, name: string, payload: unknown, options: EnqueueOptions = {}): Promise<number | null> {
    const [id] = await this.enqueueMany(db, [{ name, payload, options }]);
    return id ?? null;
  }

  /** Adds many jobs in one statement; returns the ids of those inserted. */
  async enqueueMany(db: DbOrTrx, jobs: ReadonlyArray<{ name: string; payload: unknown; options?: EnqueueOptions }>): Promise<number[]> {
    if (jobs.length === 0) return [];
    const now = Date.now();
    const rows = jobs.map(({ name, payload, options = {} }) => ({
      queue: options.lane ?? 'default',
      name,
      payload: this.keyring.encrypt(JSON.stringify(payload ?? null)),
      state: 'queued' as const,
      priority: options.priority ?? 0,
      run_at: options.runAt ?? now,
      attempts: 0,
      max_attempts: options.maxAttempts ?? 8,
      unique_key: options.uniqueKey ?? null,
      created_at: now,
      updated_at: now,
    }));
    const inserted = await db
      .insertInto('jobs')
      .values(rows)
      .onConflict((oc) => oc.column('unique_key').doNothing())
      .returning('id')
      .execute();
    for (const l of listeners) l();
    return inserted.map((r) => r.id);
  }

  /** Decodes a stored payload. */
  decodePayload(stored: string): unknown {
    return JSON.parse(this.keyring.decrypt(stored));
  }
}
