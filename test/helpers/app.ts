import { freePort } from '../../bench/lib/proc.js';
import { buildLantern, type Lantern } from '../../src/app.js';
import type { DialectContext } from './db.js';
import { testConfig } from './db.js';
import { TestClient } from './http.js';

// One way to find a free port, shared with the benchmarks.
export { freePort };

export interface TestLantern {
  lantern: Lantern;
  baseUrl: string;
  client(): TestClient;
  close(): Promise<void>;
}

/** Starts a whole Lantern listening on loopback, on the context's database. */
export async function startTestLantern(
  ctx: DialectContext,
  o: { env?: Record<string, string>; worker?: boolean } = {},
): Promise<TestLantern> {
  const port = await freePort();
  const config = testConfig(ctx.testDb, { PORT: String(port), ...o.env });
  const lantern = await buildLantern(config, { db: ctx.db, worker: o.worker ?? false });
  await lantern.web.listen({ port, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    lantern,
    baseUrl,
    client: () => new TestClient(baseUrl),
    close: () => lantern.close(),
  };
}
