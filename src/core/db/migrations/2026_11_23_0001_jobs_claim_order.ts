import type { MigrationDb } from './helpers.js';

// Workers claim due jobs in (priority desc, run_at, id) order. The first jobs_claim index could not give that order
// (priority descending, the rest ascending), so every claim sorted all queued jobs of its lane: the longer the queue
// (a newsletter to every supporter), the slower each claim. In claim order, a claim reads just the first few entries.

export async function up(db: MigrationDb): Promise<void> {
  await db.schema.dropIndex('jobs_claim').execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['state', 'queue', 'priority desc', 'run_at', 'id']).execute();
}

export async function down(db: MigrationDb): Promise<void> {
  await db.schema.dropIndex('jobs_claim').execute();
  await db.schema.createIndex('jobs_claim').on('jobs').columns(['state', 'queue', 'priority', 'run_at']).execute();
}
