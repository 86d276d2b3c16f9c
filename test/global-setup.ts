import type { TestProject } from 'vitest/node';
import { PG_ADMIN_URL, postgresReachable } from './helpers/db.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgReachable: boolean;
  }
}

/** Asks once whether PostgreSQL answers; with CI=true it must. */
export default async function setup(project: TestProject): Promise<void> {
  const reachable = await postgresReachable();
  if (!reachable && process.env.CI === 'true') {
    throw new Error(`CI=true: the PostgreSQL test run is required, but ${PG_ADMIN_URL} is unreachable. Start PostgreSQL and run again.`);
  }
  if (!reachable)
    console.warn(
      `\n[lantern tests] PostgreSQL at ${PG_ADMIN_URL} is unreachable: PostgreSQL runs are skipped (they are required with CI=true).\n`,
    );
  project.provide('pgReachable', reachable);
}
