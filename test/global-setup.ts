import type { TestProject } from 'vitest/node';
import type { Dialect } from '../src/core/db/index.js';
import { PG_ADMIN_URL, createTemplateDatabase, dialectsToTest, postgresReachable, type TemplateDatabase } from './helpers/db.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pgReachable: boolean;
    /** The migrated template of each dialect, which each test file's database copies (see test/helpers/db.ts). */
    dbTemplates: Partial<Record<Dialect, string>>;
  }
}

/**
 * Checks TEST_DIALECTS and asks once whether PostgreSQL answers (with CI=true PostgreSQL must be run and answer),
 * then migrates one template database of each dialect for the test files to copy. Returns the teardown.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // Before any test file starts: a CI run that leaves PostgreSQL out (or names no dialect) stops here, at once.
  const dialects = dialectsToTest();
  const reachable = await postgresReachable();
  if (!reachable && process.env.CI === 'true') {
    throw new Error(`CI=true: the PostgreSQL test run is required, but ${PG_ADMIN_URL} is unreachable. Start PostgreSQL and run again.`);
  }
  if (!reachable)
    console.warn(
      `\n[lantern tests] PostgreSQL at ${PG_ADMIN_URL} is unreachable: PostgreSQL runs are skipped (they are required with CI=true).\n`,
    );
  project.provide('pgReachable', reachable);

  const templates: TemplateDatabase[] = [];
  const dbTemplates: Partial<Record<Dialect, string>> = {};
  for (const dialect of dialects) {
    if (dialect === 'postgres' && !reachable) continue;
    const t = await createTemplateDatabase(dialect);
    templates.push(t);
    dbTemplates[dialect] = t.template;
  }
  project.provide('dbTemplates', dbTemplates);
  return async () => {
    for (const t of templates) await t.drop().catch(() => {});
  };
}
