// Lantern for the surge benchmark (bench/surge.ts), started as `lantern start` starts it (buildLantern, the essential
// pages, info logs), from source, with a petition made through the real actions service and opened (settings as
// staff get them by default: confirmation by email, postcode asked), and ONE change made for benchmarks only:
// proof-of-work challenges are trivial (BENCH_POW_DIFFICULTY, see useDifficultyForBenchmarks), so that the load
// generator can solve tens of thousands ahead of time. The server's work per signature does not depend on the
// difficulty (a proof is checked with one HMAC of the derived key); every other step is the real one: the rate
// limits, the origin check, validation, the postcode lookup, the single-use record of the proof, encryption, the
// dedupe by the unique index, and the confirmation token and email queued in the same transaction (group commit).
// The petition is made here rather than taken from the demo, so the benchmark depends on nothing but petitions.
import { changeActionStatus, createAction, createCampaign, getActionBySlug } from '../../src/actions/service.js';
import { buildLantern } from '../../src/app.js';
import { ensureEssentialPages } from '../../src/content/service.js';
import { loadConfig } from '../../src/core/config.js';
import { getSiteSettings } from '../../src/core/settings.js';
import { useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';

/** The petition the benchmark signs (its slug chosen by bench/surge.ts). */
const SURGE_SLUG = process.env.BENCH_SURGE_SLUG ?? 'surge-benchmark-petition';

const difficulty = JSON.parse(process.env.BENCH_POW_DIFFICULTY ?? 'null') as ProofOfWorkDifficulty | null;
if (!difficulty) throw new Error('BENCH_POW_DIFFICULTY is not set: this server is started by bench/surge.ts');
useDifficultyForBenchmarks(difficulty);

const cfg = loadConfig();
const lantern = await buildLantern(cfg);
const { core } = lantern;
await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
if (!(await getActionBySlug(core.db, SURGE_SLUG))) {
  const campaign = await createCampaign(core, null, {
    title: 'Surge benchmark',
    summary: 'The campaign of the surge benchmark.',
    slug: 'surge-benchmark',
  });
  const petition = await createAction(
    core,
    null,
    'petition',
    {
      campaignId: campaign.id,
      title: 'Label the cotton',
      slug: SURGE_SLUG,
      summary: 'Tell us where our clothes really come from.',
      body: 'We call on the government to require every garment sold in the UK to name the country where its cotton was grown.',
      thankYou: 'Thank you for signing.',
      result: '',
      deadline: null,
      goal: 100_000,
      newsletterListId: null,
      nextActionId: null,
    },
    {},
  );
  await changeActionStatus(core, null, petition.id, 'open');
}
process.once('SIGTERM', () => void lantern.close().then(() => process.exit(0)));
await lantern.web.listen({ port: cfg.port, host: cfg.host });
process.stdout.write(`\nLantern (surge benchmark) is running at ${cfg.baseUrl}\n`);
