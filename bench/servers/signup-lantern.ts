// Lantern for the sign-up benchmark, started as `lantern start` starts it (buildLantern, the demo charity, the
// essential pages, the inline worker, info logs), from source, with ONE change made for benchmarks only: the
// proof-of-work challenges are made trivial (BENCH_POW_DIFFICULTY, see useDifficultyForBenchmarks), so that the load
// generator can solve tens of thousands of them ahead of time. The server's work per sign-up does not depend on
// the difficulty (a proof is checked with one HMAC of the derived key); every other step is the real one: the rate
// limits, the origin check, validation, the single-use record of the proof, encryption, the transaction with the
// consent ledger and the confirmation token, and the confirmation email through the queue and the worker.
import { buildLantern } from '../../src/app.js';
import { ensureEssentialPages } from '../../src/content/service.js';
import { loadConfig } from '../../src/core/config.js';
import { getSiteSettings } from '../../src/core/settings.js';
import { seedDemo } from '../../src/app.js';
import { useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';

const difficulty = JSON.parse(process.env.BENCH_POW_DIFFICULTY ?? 'null') as ProofOfWorkDifficulty | null;
if (!difficulty) throw new Error('BENCH_POW_DIFFICULTY is not set: this server is started by bench/signup.ts');
useDifficultyForBenchmarks(difficulty);

const cfg = loadConfig();
const lantern = await buildLantern(cfg);
const { core } = lantern;
if (cfg.demo && (await seedDemo(core))) core.logger.info('seeded the demo charity');
await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
process.once('SIGTERM', () => void lantern.close().then(() => process.exit(0)));
await lantern.web.listen({ port: cfg.port, host: cfg.host });
process.stdout.write(`\nLantern (sign-up benchmark) is running at ${cfg.baseUrl}\n`);
