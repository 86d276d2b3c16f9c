import { randomBytes } from 'node:crypto';
import type { Core } from '../core/context.js';
import type { ConsentEventKind } from './tables.js';
import { getSiteSettings } from '../core/settings.js';
import { anyListExists, insertBatch, insertList, insertSupportersBatch } from './queries.js';
import { emailIndex, nameTokenIndexes } from './service.js';

// The demo charity's supporters: two lists and a few hundred fictional people. Every address is under
// example.org (which can never receive mail); the names are common ones from many cultures, combined at random;
// the postcodes are real-format GB postcodes with their 2024 constituencies, from the open data the product ships.
// Everything goes in with a handful of batched inserts in one transaction, so seeding stays well under a second.

const FIRST_NAMES = [
  'Aisha',
  'Gülnar',
  'Mehmet',
  'Oliver',
  'Chioma',
  'Priya',
  'Wei',
  'Agnieszka',
  'Hodan',
  'Rhys',
  'Siobhan',
  'Kwame',
  'Fatima',
  'Dilnoza',
  'Arman',
  'Zoë',
  'Tomás',
  'Yusuf',
  'Mei',
  'Olumide',
  'Hannah',
  'Rahim',
  'Leila',
  'Thanh',
  'Anika',
  'Kenji',
  'Isabela',
  'Callum',
  'Amara',
  'Darius',
  'Nadia',
  'Sipho',
  'Ewa',
  'Mohammed',
  'Grace',
  'Ravi',
  'Eilidh',
  'Abdurehim',
  'Nilufar',
  'Joseph',
  'Ayşe',
  'Luca',
  'Nkechi',
  'Sanjay',
  'Lina',
  'Dafydd',
  'Fiona',
  'Jamal',
  'Rukhsana',
  'Bogdan',
  'Chen',
  'Marisol',
  'Tariq',
  'Efua',
  'Orla',
  'Hamid',
  'Yasmin',
  'Samuel',
  'Parisa',
  'Dmitri',
];

const LAST_NAMES = [
  'Abdulla',
  'Okafor',
  'Kaur',
  'Smith',
  'Yılmaz',
  'Nowak',
  'Zhang',
  'Hassan',
  'Jones',
  "O'Brien",
  'Mensah',
  'Tursun',
  'Patel',
  'Nguyen',
  'Rahman',
  'Williams',
  'Silva',
  'Begum',
  'Kowalski',
  'Ahmed',
  'MacDonald',
  'Adeyemi',
  'Haddad',
  'Tanaka',
  'Evans',
  'Karimi',
  'Osei',
  'Li',
  'García',
  'Mahmoud',
  'Murphy',
  'Chowdhury',
  'Ivanova',
  'Khan',
  'Taylor',
  'Dlamini',
  'Kurban',
  'Brown',
  'Santos',
  'Ali',
  'Morgan',
  'Eze',
  'Hussain',
  'Wilson',
  'Sadikova',
  'Rossi',
  'Campbell',
];

// [postcode, 2024 constituency code], from ../shared/data/uk/postcodes/gb_postcode_sample_by_constituency.csv.
const POSTCODES: ReadonlyArray<readonly [string, string]> = [
  ['RG21 3AA', 'E14001078'],
  ['B76 1AU', 'E14001093'],
  ['S43 4DE', 'E14001109'],
  ['CM12 9SL', 'E14001125'],
  ['NG90 6XP', 'E14001140'],
  ['IP14 6HP', 'E14001156'],
  ['E1 6AN', 'E14001172'],
  ['CR9 5BX', 'E14001187'],
  ['WR11 9BL', 'E14001203'],
  ['BN20 0AD', 'E14001219'],
  ['GU9 9TH', 'E14001234'],
  ['HU15 1HX', 'E14001250'],
  ['NP7 8HH', 'E14001281'],
  ['HD2 2TX', 'E14001297'],
  ['HU1 1WB', 'E14001313'],
  ['LE7 7QT', 'E14001328'],
  ['NR33 0PJ', 'E14001344'],
  ['HP14 3AN', 'E14001360'],
  ['NG25 0XQ', 'E14001375'],
  ['S42 5GP', 'E14001391'],
  ['NN1 5AR', 'E14001407'],
  ['BD23 3TQ', 'E14001422'],
  ['RG2 7AU', 'E14001438'],
  ['S8 9WB', 'E14001469'],
  ['DT3 6FZ', 'E14001485'],
  ['SS0 7AA', 'E14001501'],
  ['SG5 9HB', 'E14001516'],
  ['GU16 8BY', 'E14001532'],
  ['EX14 4SR', 'E14001548'],
  ['N17 9NH', 'E14001563'],
  ['WR14 3BF', 'E14001579'],
  ['DY3 1LT', 'E14001595'],
  ['DD2 9DP', 'S14000075'],
  ['AB21 0AA', 'S14000091'],
  ['G83 9QZ', 'S14000106'],
  ['CF24 2PY', 'W07000091'],
  ['CF32 7AA', 'W07000107'],
  ['GU11 1AA', 'E14001063'],
  ['B43 7AN', 'E14001064'],
];

const SOURCES = [
  { source: 'signup form', weight: 55 },
  { source: 'vigil sign-up sheet', weight: 15 },
  { source: 'petition: clean cotton', weight: 15 },
  { source: 'event: film screening', weight: 10 },
  { source: 'import: 2025 stall list', weight: 5 },
];

const TAGS = ['volunteer', 'vigil regular', 'speaker', 'media contact', 'local group: London', 'local group: Leeds'];

/** How many fictional supporters the demo has. */
export const DEMO_SUPPORTERS = 320;

// A small seeded generator, so every demo install has the same people (and screenshots stay comparable).
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ascii = (s: string) =>
  s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');

/** Adds the demo lists and supporters with their consent ledger (only on an instance with no lists yet). */
export async function seedSupportersDemo(core: Core): Promise<void> {
  const { db, keyring } = core;
  const { orgName } = await getSiteSettings(db);
  const random = prng(20261124);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const pickSource = () => {
    let r = random() * 100;
    for (const s of SOURCES) if ((r -= s.weight) < 0) return s.source;
    return SOURCES[0]!.source;
  };
  const now = Date.now();
  const DAY = 24 * 3600_000;

  await db.transaction().execute(async (trx) => {
    if (await anyListExists(trx)) return;
    const updates = await insertList(trx, {
      slug: 'campaign-updates',
      name: 'Campaign updates',
      description: 'News from our campaigns and the moments when your voice counts, about twice a month.',
      wording: `Yes, email me news of ${orgName}'s campaigns and ways I can help, about twice a month. I can unsubscribe at any time.`,
      at: now - 400 * DAY,
    });
    const events = await insertList(trx, {
      slug: 'events-and-vigils',
      name: 'Events and vigils',
      description: 'Invitations to our weekly vigil, protests, talks and screenings.',
      wording: `Yes, email me invitations to ${orgName}'s vigils, protests and other events. I can unsubscribe at any time.`,
      at: now - 400 * DAY,
    });

    const people = Array.from({ length: DEMO_SUPPORTERS }, (_, i) => {
      const firstName = pick(FIRST_NAMES);
      const lastName = random() < 0.9 ? pick(LAST_NAMES) : null;
      const source = pickSource();
      const confirmed = random() < 0.85;
      // Unconfirmed sign-ups are recent: older ones have been deleted by the retention job.
      const createdAt = confirmed ? now - Math.floor((2 + random() * 380) * DAY) : now - Math.floor(random() * 20 * DAY);
      const postcode = random() < 0.55 ? pick(POSTCODES) : null;
      const email = `${ascii(firstName)}.${lastName ? ascii(lastName) : 'supporter'}.${i + 1}@example.org`;
      return { firstName, lastName, source, confirmed, createdAt, postcode, email };
    });

    const ids = await insertSupportersBatch(
      trx,
      people.map((p) => ({
        public_id: randomBytes(16).toString('base64url'),
        email_enc: keyring.encrypt(p.email),
        email_index: emailIndex(keyring, p.email),
        first_name_enc: keyring.encrypt(p.firstName),
        last_name_enc: keyring.encryptNullable(p.lastName),
        postcode_enc: p.postcode ? keyring.encrypt(p.postcode[0]) : null,
        phone_enc: null,
        address_enc: null,
        constituency_code: p.postcode ? p.postcode[1] : null,
        source: p.source,
        confirmed_at: p.confirmed ? p.createdAt + Math.floor(random() * 3 * 3600_000) : null,
        undeliverable_at: null,
        erased_at: null,
        created_at: p.createdAt,
        updated_at: p.createdAt,
      })),
    );

    const nameTokens: Array<{ supporter_id: number; token_index: string }> = [];
    const tags: Array<{ supporter_id: number; tag: string }> = [];
    const subscriptions: Array<{
      supporter_id: number;
      list_id: number;
      status: 'pending' | 'subscribed' | 'unsubscribed';
      lawful_basis: 'consent' | null;
      updated_at: number;
    }> = [];
    const events_: Array<{
      supporter_id: number;
      list_id: number;
      kind: ConsentEventKind;
      lawful_basis: 'consent' | null;
      wording_version: number;
      source: string;
      created_at: number;
    }> = [];
    people.forEach((p, i) => {
      const id = ids[i]!;
      for (const token_index of nameTokenIndexes(keyring, p.firstName, p.lastName)) nameTokens.push({ supporter_id: id, token_index });
      if (random() < 0.3)
        for (const tag of new Set([pick(TAGS), ...(random() < 0.3 ? [pick(TAGS)] : [])])) tags.push({ supporter_id: id, tag });
      const wants = [...(random() < 0.92 ? [updates] : []), ...(random() < 0.45 ? [events] : [])];
      if (wants.length === 0) wants.push(updates);
      for (const listId of wants) {
        const requestedAt = p.createdAt;
        events_.push({
          supporter_id: id,
          list_id: listId,
          kind: 'requested',
          lawful_basis: 'consent',
          wording_version: 1,
          source: p.source,
          created_at: requestedAt,
        });
        if (!p.confirmed) {
          subscriptions.push({ supporter_id: id, list_id: listId, status: 'pending', lawful_basis: 'consent', updated_at: requestedAt });
          continue;
        }
        const grantedAt = requestedAt + Math.floor((5 + random() * 175) * 60_000);
        events_.push({
          supporter_id: id,
          list_id: listId,
          kind: 'granted',
          lawful_basis: 'consent',
          wording_version: 1,
          source: 'confirmation link',
          created_at: grantedAt,
        });
        const leftAt = random() < 0.06 ? Math.min(now - 3600_000, grantedAt + Math.floor(random() * 200 * DAY)) : null;
        if (leftAt !== null && leftAt > grantedAt) {
          events_.push({
            supporter_id: id,
            list_id: listId,
            kind: 'withdrawn',
            lawful_basis: null,
            wording_version: 1,
            source: pick(['unsubscribe link', 'preferences page']),
            created_at: leftAt,
          });
          subscriptions.push({ supporter_id: id, list_id: listId, status: 'unsubscribed', lawful_basis: null, updated_at: leftAt });
        } else {
          subscriptions.push({ supporter_id: id, list_id: listId, status: 'subscribed', lawful_basis: 'consent', updated_at: grantedAt });
        }
      }
    });
    await insertBatch(trx, 'supporter_name_tokens', nameTokens);
    await insertBatch(trx, 'supporter_tags', tags);
    await insertBatch(trx, 'subscriptions', subscriptions);
    await insertBatch(trx, 'consent_events', events_);
  });
}
