// Load generator for the sign-up benchmark, in its own process (bench/lib/pow-load.ts): each body a sign-up to the
// benchmark's lists with a solved proof of work, from its own address.
import { serveChild } from '../lib/child.js';
import { runPowLoad, type PowLoadInput, type PowLoadResult, type PowPhase } from '../lib/pow-load.js';

export type SignupPhase = PowPhase;
export type SignupLoadResult = PowLoadResult;

/** What the parent sends: the server's secret and difficulty (to make and solve the pool), the lists, the phases. */
export interface SignupLoadInput extends PowLoadInput {
  listIds: number[];
}

serveChild<SignupLoadInput, SignupLoadResult>((input) => {
  const lists = input.listIds.map((id) => `list=${id}`).join('&');
  return runPowLoad(input, {
    what: 'solved sign-ups',
    body: (n, run, altcha) =>
      `email=bench.${run}.${n}%40example.org&firstName=Bench&lastName=Supporter&postcode=SW1A+1AA&${lists}&website=&altcha=${encodeURIComponent(altcha)}`,
  });
});
