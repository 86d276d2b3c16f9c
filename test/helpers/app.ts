import { createServer } from 'node:net';
import { buildLantern, type Lantern } from '../../src/app.js';
import type { DialectContext } from './db.js';
import { testConfig } from './db.js';
import { TestClient } from './http.js';

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface TestLantern {
  lantern: Lantern;
  baseUrl: string;
  client(): TestClient;
  close(): Promise<void>;
}

/** Starts a whole Lantern listening on loopback, on the context's database. */
export async function startTestLantern(ctx: DialectContext, o: { env?: Record<string, string>; worker?: boolean } = {}): Promise<TestLantern> {
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
