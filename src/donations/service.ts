import type { Db } from '../core/db/index.js';
import { giftTotals, listGiftsPage, parkedEvents } from './admin-queries.js';
import { listClaims, listCollections } from './claim-queries.js';
import { findFundById, listFunds, type FundRow } from './queries.js';

// What the donations capability offers its own pages and other capabilities: the readings its route tables ask for
// (routes hold no SQL), in one place.

export { giftTotals as totalOfGifts, listGiftsPage as pageOfGifts, parkedEvents as parkedPaymentEvents };
export { listClaims as allClaims, listCollections as allCollections };

/** Every fund and appeal, published or not, by name (for staff). */
export function allFunds(db: Db): Promise<FundRow[]> {
  return listFunds(db, { publishedOnly: false });
}

/** One fund by id (for staff). */
export function fundById(db: Db, id: number): Promise<FundRow | undefined> {
  return findFundById(db, id);
}
