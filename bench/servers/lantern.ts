// Lantern started the way `lantern start` (src/cli.ts) does it, for when dist/ cannot be built: the same
// buildLantern, demo seeding and essential pages, run from source. The benchmarks prefer `node dist/cli.js start`.
import { buildLantern } from '../../src/app.js';
import { loadConfig } from '../../src/core/config.js';
import { getSiteSettings } from '../../src/core/settings.js';
import { ensureEssentialPages } from '../../src/content/service.js';
import { seedDemo } from '../../src/app.js';

const cfg = loadConfig();
const lantern = await buildLantern(cfg);
const { core } = lantern;
if (cfg.demo && (await seedDemo(core))) core.logger.info('seeded the demo charity');
await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
process.once('SIGTERM', () => void lantern.close().then(() => process.exit(0)));
await lantern.web.listen({ port: cfg.port, host: cfg.host });
process.stdout.write(`\nLantern is running at ${cfg.baseUrl}\n`);
