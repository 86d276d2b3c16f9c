// Lantern for the RSVP surge benchmark (bench/events.ts), started exactly as bench/servers/surge-lantern.ts starts it
// (as `lantern start` does: buildLantern, the essential pages, info logs, from source), with the benchmark's events
// made through the real events service (published one-off meetings, BENCH_EVENTS_CAPACITY places each), and the
// same ONE change for benchmarks only: proof-of-work challenges are trivial (BENCH_POW_DIFFICULTY), so that the load
// process can solve thousands ahead. The server's work per registration does not depend on the difficulty (a proof
// is checked with one HMAC); every other step is the real one: the rate limits, the origin check, validation,
// the single-use record of the proof, encryption, the one-registration-per-address index, the conditional UPDATE
// that claims a place (or the waitlist), and the confirmation email with its .ics queued in the same transaction.
// With two processes on one PostgreSQL database, the first makes the events and the second finds them made.
import { buildLantern } from '../../src/app.js';
import { ensureEssentialPages } from '../../src/content/service.js';
import { loadConfig } from '../../src/core/config.js';
import { getSiteSettings } from '../../src/core/settings.js';
import { useDifficultyForBenchmarks, type ProofOfWorkDifficulty } from '../../src/core/web/proof-of-work.js';
import { createEvent, findEvent } from '../../src/events/service.js';

const SLUGS = (process.env.BENCH_EVENTS_SLUGS ?? '').split(',').filter(Boolean);
const CAPACITY = Number(process.env.BENCH_EVENTS_CAPACITY ?? 200);
if (SLUGS.length === 0) throw new Error('BENCH_EVENTS_SLUGS is not set: this server is started by bench/events.ts');

const difficulty = JSON.parse(process.env.BENCH_POW_DIFFICULTY ?? 'null') as ProofOfWorkDifficulty | null;
if (!difficulty) throw new Error('BENCH_POW_DIFFICULTY is not set: this server is started by bench/events.ts');
useDifficultyForBenchmarks(difficulty);

const cfg = loadConfig();
const lantern = await buildLantern(cfg);
const { core } = lantern;
await ensureEssentialPages(core.db, (await getSiteSettings(core.db)).orgName);
const HOUR = 3600_000;
const startsAt = Date.now() + 30 * 24 * HOUR;
for (const [i, slug] of SLUGS.entries()) {
  if (await findEvent(core.db, slug)) continue;
  await createEvent(core, null, {
    slug,
    title: `Who made my jumper? Public meeting ${i + 1}`,
    summary: 'Three speakers on the camps behind the cotton, and what we can make the brands do.',
    description: 'Come and hear how cotton picked under forced labour reaches our shops.',
    kind: 'meeting',
    mode: 'in_person',
    status: 'scheduled',
    publication: 'published',
    timeZone: 'Europe/London',
    startsAt: startsAt + i * 24 * HOUR,
    endsAt: startsAt + i * 24 * HOUR + 2 * HOUR,
    series: null,
    venueName: 'Friends Meeting House, Garden Room',
    address: '22 Quaker Lane\nLondon NW1 2AA',
    accessibility: 'Step-free entrance; hearing loop.',
    capacity: CAPACITY,
    maxPlacesPerRegistration: 4,
    registrationDeadline: null,
    campaignId: null,
    organiserName: 'Freedom Thread events team',
    organiserEmail: 'events@freedomthread.example.org',
    questions: [],
    joiningLink: '',
    meetingPoint: '',
    recordingUrl: '',
    recordingResourceId: null,
    materials: '',
    newsletterListId: null,
  });
}
process.once('SIGTERM', () => void lantern.close().then(() => process.exit(0)));
await lantern.web.listen({ port: cfg.port, host: cfg.host });
process.stdout.write(`\nLantern (RSVP surge benchmark) is running at ${cfg.baseUrl}\n`);
