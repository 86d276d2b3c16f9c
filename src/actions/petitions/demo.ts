import type { Core } from '../../core/context.js';
import { emailIndex } from '../../supporters/service.js';
import type { Action } from '../kinds.js';
import { insertSignaturesBatch } from './queries.js';
import type { PetitionSettings } from './settings.js';

// Fictional signatures for the demo petition: a few hundred people over the last fortnight, most of them private,
// a handful who chose to show their first name and town, and a few still waiting to confirm. Every address is under
// example.org (which can never receive mail); the postcodes are real-format GB postcodes with their 2024
// constituencies from the open data the product ships; the people are made up.

const FIRST_NAMES = [
  'Aylin',
  'Bilal',
  'Catrin',
  'Dilfuza',
  'Emeka',
  'Freya',
  'Gulzhan',
  'Harun',
  'Ines',
  'Jasmin',
  'Kerim',
  'Lowri',
  'Mariam',
  'Nurlan',
  'Oona',
  'Pavel',
  'Qadir',
  'Rosa',
  'Saida',
  'Tobias',
  'Umida',
  'Viktor',
  'Wanjiru',
  'Xin',
  'Yerlan',
  'Zainab',
  'Alisher',
  'Bethan',
  'Chidi',
  'Dana',
  'Eszter',
  'Farrukh',
  'Gwen',
  'Hyun',
  'Idris',
  'Julia',
];

const LAST_NAMES = [
  'Abdurahman',
  'Bennett',
  'Celik',
  'Davies',
  'Ekwueme',
  'Fraser',
  'Gulamov',
  'Hughes',
  'Ismailova',
  'Jankowski',
  'Khalid',
  'Lewis',
  'Musa',
  'Nazarova',
  'Okoro',
  'Parry',
  'Qureshi',
  'Reid',
  'Sultanova',
  'Thomas',
  'Usmonov',
  'Vaughan',
  'Wright',
  'Yusupova',
  'Zhou',
  'Azimov',
  'Boateng',
  'Clarke',
  'Dogan',
  'Ellis',
];

// [postcode, 2024 constituency code], from ../shared/data/uk/postcodes/gb_postcode_sample_by_constituency.csv.
const POSTCODES: ReadonlyArray<readonly [string, string]> = [
  ['CB24 6AB', 'E14001224'],
  ['HA3 5EG', 'E14001270'],
  ['BS16 3DD', 'E14001133'],
  ['TN2 3QN', 'E14001555'],
  ['SE23 2XE', 'E14001333'],
  ['NE38 9HX', 'E14001389'],
  ['SN5 8UZ', 'E14001168'],
  ['TW7 4NY', 'E14001124'],
  ['PO21 1QD', 'E14001108'],
  ['LA14 2SD', 'E14001076'],
  ['L15 9EN', 'E14001337'],
  ['RG1 1AF', 'E14001438'],
  ['CF40 1RF', 'W07000107'],
  ['E9 6DW', 'E14001260'],
  ['KA22 8GY', 'S14000048'],
  ['WN5 0DA', 'E14001585'],
  ['M24 1AZ', 'E14001103'],
  ['GU34 2QL', 'E14001214'],
  ['BH14 9LF', 'E14001429'],
  ['LS29 9TZ', 'E14001308'],
];

// Signers who chose to be shown, with a town near their postcode.
const SHOWN: ReadonlyArray<readonly [string, string]> = [
  ['Gulzhan', 'Harrow'],
  ['Lowri', 'Rhondda'],
  ['Emeka', 'Bristol'],
  ['Rosa', 'Reading'],
  ['Idris', 'Liverpool'],
  ['Catrin', 'Cardiff'],
  ['Nurlan', 'Hackney'],
  ['Freya', 'Ely'],
  ['Hyun', 'Ilkley'],
  ['Saida', 'Wigan'],
  ['Bilal', 'Bognor Regis'],
  ['Bethan', 'Swansea'],
];

/** How many fictional signatures the demo petition gets. */
export const DEMO_SIGNATURES = 340;
const DEMO_PENDING = 12;

// A small seeded generator, so every demo install has the same signers (and screenshots stay comparable).
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

/** Adds the demo petition's fictional signatures (confirmed, spread over the last 14 days, busiest after launch). */
export async function seedPetitionDemo(core: Core, action: Action<PetitionSettings>): Promise<void> {
  const { keyring } = core;
  const random = prng(20261126 + action.id);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)]!;
  const now = Date.now();
  const total = DEMO_SIGNATURES + DEMO_PENDING;
  const rows = Array.from({ length: total }, (_, i) => {
    const shown = i < SHOWN.length ? SHOWN[i]! : undefined;
    const firstName = shown ? shown[0] : pick(FIRST_NAMES);
    const lastName = pick(LAST_NAMES);
    const email = `${ascii(firstName)}.${ascii(lastName)}.${i}@petition-demo.example.org`;
    const [postcode, constituency] = action.settings.askPostcode ? pick(POSTCODES) : [null, null];
    const pending = i >= DEMO_SIGNATURES;
    // Most signatures come in the first days after launch, as they do; shown signers are among the newest.
    const ageMs = pending ? random() * 2 * 3600_000 : shown ? (i + random()) * 3 * 3600_000 : Math.pow(random(), 0.35) * 14 * 24 * 3600_000;
    const at = Math.round(now - ageMs);
    const confirmedAt = pending ? null : Math.min(now, at + Math.round(60_000 + random() * 3600_000));
    return {
      action_id: action.id,
      email_index: emailIndex(keyring, email),
      email_enc: keyring.encrypt(email),
      first_name_enc: keyring.encrypt(firstName),
      last_name_enc: keyring.encrypt(lastName),
      postcode_enc: postcode ? keyring.encrypt(postcode) : null,
      town_enc: shown ? keyring.encrypt(shown[1]) : null,
      constituency_code: constituency,
      show_name: shown ? 1 : 0,
      opt_in: 0,
      supporter_id: null,
      status: pending ? ('pending' as const) : ('confirmed' as const),
      created_at: at,
      confirmed_at: confirmedAt,
    };
  });
  await core.db.transaction().execute((trx) => insertSignaturesBatch(trx, rows));
}
