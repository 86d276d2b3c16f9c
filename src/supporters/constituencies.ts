import type { Core } from '../core/context.js';
import { constituencyCodeOf } from '../representatives/service.js';
import { fillConstituency, findSupportersWithoutConstituency } from './queries.js';

// A supporter's constituency, from the postcode they gave, as petitions find a signer's: it is what segments by
// constituency select on (the postcode itself is encrypted). Looked up when a sign-up is confirmed, and by a job for
// supporters who gave a postcode without one being found (those who signed up before, imports without a constituency
// column, postcodes staff import later for Northern Ireland).

const BATCH = 500;

/**
 * Fills in the constituency of every supporter with a postcode and none recorded, in batches of 500 (a transaction
 * each, yielding between them so web requests are not held up); returns how many were filled. Postcodes the data
 * cannot place (Northern Ireland without imported postcodes, Crown dependencies, typing mistakes) are left as they are.
 */
export async function fillMissingConstituencies(core: Core): Promise<number> {
  let filled = 0;
  for (let afterId = 0; ;) {
    const batch = await findSupportersWithoutConstituency(core.db, { afterId, limit: BATCH });
    if (batch.length === 0) return filled;
    const found: Array<{ id: number; code: string }> = [];
    for (const s of batch) {
      const code = await constituencyCodeOf(core, core.keyring.decrypt(s.postcode_enc));
      if (code !== null) found.push({ id: s.id, code });
    }
    if (found.length > 0) {
      await core.db.transaction().execute(async (trx) => {
        for (const f of found) if (await fillConstituency(trx, f.id, f.code)) filled++;
      });
    }
    afterId = batch[batch.length - 1]!.id;
    // SQLite calls are synchronous: let web requests in between batches.
    await new Promise((r) => setImmediate(r));
  }
}
