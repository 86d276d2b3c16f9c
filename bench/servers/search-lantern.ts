// Lantern for the search benchmark (bench/search.ts), started as `lantern start` starts it (buildLantern, the essential
// pages, info logs), from source, as the web process alone, after indexing BENCH_SEARCH_UPDATES updates of the
// benchmark's corpus through the real search service (indexDocument, one transaction), the way the updates part of
// the site indexes each update it publishes. How long that took is printed for the benchmark to report.
import { sql } from 'kysely';
import { buildLantern } from '../../src/app.js';
import { reindexAll } from '../../src/content/search/service.js';
import { ensureEssentialPages } from '../../src/content/service.js';
import { loadConfig } from '../../src/core/config.js';
import { getSiteSettings } from '../../src/core/settings.js';
import { updates } from '../lib/search-corpus.js';

const count = Number(process.env.BENCH_SEARCH_UPDATES);
if (!Number.isInteger(count) || count < 1) throw new Error('BENCH_SEARCH_UPDATES is not set: this server is started by bench/search.ts');

const cfg = loadConfig();
const lantern = await buildLantern(cfg);
const { core } = lantern;
await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
const started = performance.now();
const indexed = await core.db.transaction().execute((trx) => reindexAll(trx, updates(count)));
process.stdout.write(`indexed ${indexed} updates in ${Math.round(performance.now() - started)} ms\n`);
// PostgreSQL's autovacuum would vacuum and analyse the new rows within a minute or two, in the middle of the
// measurements, changing the plans as it went: done here at once, the searches meet the steady state a site lives in.
if (cfg.database.dialect === 'postgres') await sql`vacuum analyze search_documents`.execute(core.db);
process.once('SIGTERM', () => void lantern.close().then(() => process.exit(0)));
await lantern.web.listen({ port: cfg.port, host: cfg.host });
process.stdout.write(`\nLantern (search benchmark) is running at ${cfg.baseUrl}\n`);
