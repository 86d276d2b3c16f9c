// Load generator for the surge benchmark, in its own process (bench/lib/pow-load.ts): each body a signature with
// a solved proof of work, from its own address.
import { serveChild } from '../lib/child.js';
import { runPowLoad, type PowLoadInput, type PowLoadResult, type PowPhase } from '../lib/pow-load.js';

export type SurgePhase = PowPhase;
export type SurgeLoadInput = PowLoadInput;
export type SurgeLoadResult = PowLoadResult;

const POSTCODES = ['SW1A 1AA', 'E1 6AN', 'LS29 9TZ', 'CF24 2PY', 'G83 9QZ', 'M24 1AZ', 'BT1 5GS', 'RG1 1AF'];
const FIRST = ['Gulnar', 'Aisha', 'Rhys', 'Mei', 'Kwame', 'Zoë', 'Dilnoza', 'Tomás'];
const LAST = ['Tursun', 'Okafor', 'Jones', 'Zhang', 'Mensah', 'Nowak', 'Kurban', 'Silva'];

serveChild<SurgeLoadInput, SurgeLoadResult>((input) =>
  runPowLoad(input, {
    what: 'solved signatures',
    body: (n, run, altcha) =>
      new URLSearchParams({
        firstName: FIRST[n % FIRST.length]!,
        lastName: LAST[(n >> 3) % LAST.length]!,
        email: `surge.${run}.${n}@example.org`,
        postcode: POSTCODES[n % POSTCODES.length]!,
        website: '',
        altcha,
      }).toString(),
  }),
);
