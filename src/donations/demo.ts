import type { Core } from '../core/context.js';
import { getSiteSettings } from '../core/settings.js';
import { createClaim, recordCollection } from './claims.js';
import type { DbOrTrx } from '../core/db/index.js';
import { CURRENT_WORDING } from './gift-aid.js';
import type { Channel, DonationStatus, PaymentMethod } from './model.js';
import { insertDonation, insertFund, insertRegularGift } from './queries.js';
import { findOrCreateDonor, recordDeclaration } from './records.js';

// The demo charity's giving: the general fund and a partner appeal, and a year of fictional gifts as the records
// would stand after it: two monthly donors (one since last winter, one who stopped), one-off gifts by card and
// Direct Debit, a cheque, a bank transfer and a bucket at the weekly protest, Gift Aid declarations made online,
// on paper and by phone (one donor living abroad), one gift refunded. Every person is made up and every address is
// under example.org. The draft Gift Aid claim is made by the claim service itself, over these records, and has one
// row to fix: a surname typed with a character HMRC does not accept.

const DAY = 24 * 3600_000;

/** The slug of the demo's partner appeal (/donate/<slug>). */
export const DEMO_APPEAL_SLUG = 'legal-help-for-separated-families';

interface DemoDonor {
  key: string;
  name: string;
  email: string | null;
  /** Gift Aid: title, first, last, house, address, postcode ('X' abroad), how and how long ago (days). */
  declaration?: {
    title: string;
    first: string;
    last: string;
    house: string;
    address: string;
    postcode: string;
    channel: 'online' | 'paper' | 'oral';
    daysAgo: number;
    pastFourYears?: boolean;
  };
}

const DONORS: DemoDonor[] = [
  {
    key: 'ruth',
    name: 'Ruth Adebayo',
    email: 'ruth.adebayo@example.org',
    declaration: {
      title: 'Ms',
      first: 'Ruth',
      last: 'Adebayo',
      house: '14',
      address: 'Linden Road, Leeds',
      postcode: 'LS6 2AB',
      channel: 'online',
      daysAgo: 330,
    },
  },
  {
    key: 'tom',
    name: 'Tom Whitfield',
    email: 'tom.whitfield@example.org',
    declaration: {
      title: 'Mr',
      first: 'Tom',
      last: 'Whitfield',
      house: 'Flat 3',
      address: '9 Harbour Street, Bristol',
      postcode: 'BS1 4RT',
      channel: 'online',
      daysAgo: 300,
    },
  },
  {
    key: 'gulnar',
    name: 'Gulnar Iminova',
    email: 'gulnar.i@example.org',
    declaration: {
      title: '',
      first: 'Gulnar',
      last: 'Iminova',
      house: '22',
      address: 'Cedar Close, Manchester',
      postcode: 'M14 5QP',
      channel: 'paper',
      daysAgo: 250,
      pastFourYears: true,
    },
  },
  {
    key: 'peter',
    name: 'Peter O’Donnell',
    email: 'peter.odonnell@example.org',
    // Typed with an ampersand: the claim flags this row for the treasurer to correct.
    declaration: {
      title: 'Dr',
      first: 'Peter',
      last: 'O’Donnell & Co',
      house: '5',
      address: 'Mill Lane, Cardiff',
      postcode: 'CF10 1AA',
      channel: 'oral',
      daysAgo: 200,
    },
  },
  {
    key: 'mei',
    name: 'Mei Lin Harper',
    email: 'mei.harper@example.org',
    // Lives abroad: HMRC's "X" postcode, with the whole address in the house field.
    declaration: {
      title: 'Mrs',
      first: 'Mei Lin',
      last: 'Harper',
      house: '41 Rue des Tisserands, Lyon, France',
      address: '',
      postcode: 'X',
      channel: 'online',
      daysAgo: 180,
    },
  },
  {
    key: 'samir',
    name: 'Samir Haddad',
    email: 'samir.haddad@example.org',
    declaration: {
      title: 'Mr',
      first: 'Samir',
      last: 'Haddad',
      house: '7',
      address: 'Orchard Way, Norwich',
      postcode: 'NR2 3LX',
      channel: 'online',
      daysAgo: 150,
    },
  },
  { key: 'ana', name: 'Ana Costa', email: 'ana.costa@example.org' },
  { key: 'joe', name: 'Joe Brennan', email: 'joe.brennan@example.org' },
  { key: 'fatima', name: 'Fatima Yusuf', email: 'fatima.yusuf@example.org' },
  { key: 'church', name: 'St Anne’s Community Group', email: null },
];

interface DemoGift {
  donor: string | null;
  daysAgo: number;
  pounds: number;
  channel: Channel;
  method?: PaymentMethod;
  fund?: 'appeal';
  giftAid?: boolean;
  status?: DonationStatus;
  refunded?: boolean;
  reference?: string;
  fromCompany?: boolean;
  message?: string;
}

const ONE_OFF: DemoGift[] = [
  { donor: 'gulnar', daysAgo: 240, pounds: 50, channel: 'cheque', giftAid: true, reference: 'Cheque 100231' },
  { donor: 'peter', daysAgo: 190, pounds: 100, channel: 'online', method: 'card', giftAid: true, message: 'For the translators.' },
  { donor: 'mei', daysAgo: 170, pounds: 40, channel: 'online', method: 'card', giftAid: true },
  { donor: 'samir', daysAgo: 140, pounds: 25, channel: 'online', method: 'bacs_debit', giftAid: true },
  { donor: 'samir', daysAgo: 60, pounds: 25, channel: 'online', method: 'card', giftAid: true, fund: 'appeal' },
  { donor: 'ana', daysAgo: 120, pounds: 15, channel: 'online', method: 'card' },
  { donor: 'ana', daysAgo: 45, pounds: 30, channel: 'online', method: 'card', fund: 'appeal', status: 'refunded', refunded: true },
  { donor: 'joe', daysAgo: 95, pounds: 10, channel: 'online', method: 'card' },
  { donor: 'fatima', daysAgo: 75, pounds: 20, channel: 'bank_transfer', reference: 'FT-GIFT-FY' },
  { donor: 'church', daysAgo: 30, pounds: 150, channel: 'cheque', fromCompany: true, fund: 'appeal', reference: 'Cheque 004417' },
  { donor: null, daysAgo: 20, pounds: 36.4, channel: 'cash', reference: 'Stall at the community fair' },
  { donor: 'fatima', daysAgo: 12, pounds: 35, channel: 'online', method: 'card', fund: 'appeal' },
  { donor: 'gulnar', daysAgo: 8, pounds: 20, channel: 'online', method: 'card', giftAid: true, fund: 'appeal' },
  { donor: 'joe', daysAgo: 3, pounds: 5, channel: 'online', method: 'card' },
  { donor: 'joe', daysAgo: 350, pounds: 10, channel: 'online', method: 'card' },
  { donor: 'fatima', daysAgo: 160, pounds: 20, channel: 'online', method: 'bacs_debit' },
  { donor: 'mei', daysAgo: 22, pounds: 40, channel: 'online', method: 'card', giftAid: true },
  { donor: 'ruth', daysAgo: 100, pounds: 25, channel: 'online', method: 'card', giftAid: true, fund: 'appeal' },
];

/** Adds the demo's funds, donors, declarations and a year of gifts (thirty in all). */
export async function seedDonationsDemo(core: Core): Promise<void> {
  const now = Date.now();
  const { keyring } = core;
  await core.db.transaction().execute(async (trx) => {
    await insertFund(trx, {
      slug: 'general',
      name: 'Where it is needed most',
      summary: 'Research, briefings and campaigns against forced labour.',
      description: 'Gifts to our general fund go where they are needed most: research, briefings for MPs and the press, and our campaigns.',
      partner_name: '',
      target_pence: null,
      suggested: null,
      publication: 'published',
      closes_at: null,
      created_at: now,
      updated_at: now,
    });
    const appealId = await insertFund(trx, {
      slug: DEMO_APPEAL_SLUG,
      name: 'Appeal: legal help for separated families',
      summary: 'For our partner, the Open Door Legal Collective, who help families trace relatives held in detention.',
      description: [
        'Families in the diaspora often hear nothing of relatives taken into detention. Our partner, the **Open Door Legal',
        'Collective** (a fictional organisation in this demo), helps them file requests, prepare evidence for UN bodies,',
        'and keep records safe.',
        '',
        'Every gift to this appeal goes to their casework fund.',
      ].join('\n'),
      partner_name: 'Open Door Legal Collective',
      target_pence: 500_000,
      suggested: JSON.stringify([
        { kind: 'one_off', amountPence: 2000, line: 'pays for a certified translation of one document' },
        { kind: 'one_off', amountPence: 6000, line: 'covers an hour of a lawyer’s time' },
        { kind: 'one_off', amountPence: 15000, line: 'prepares one family’s submission to a UN body' },
      ]),
      publication: 'published',
      closes_at: now + 60 * DAY,
      created_at: now,
      updated_at: now,
    });

    const donorIds = new Map<string, number>();
    for (const d of DONORS) {
      const { id } = await findOrCreateDonor(trx, keyring, { email: d.email, name: d.name, now: now - 340 * DAY });
      donorIds.set(d.key, id);
      const x = d.declaration;
      if (!x) continue;
      const madeAt = now - x.daysAgo * DAY;
      await recordDeclaration(trx, keyring, {
        donorId: id,
        wordingVersion: CURRENT_WORDING,
        title: x.title,
        firstName: x.first,
        lastName: x.last,
        house: x.house,
        address: x.address,
        postcode: x.postcode,
        channel: x.channel,
        madeAt,
        coversPastFourYears: x.pastFourYears ?? false,
        // The phone declaration's written record went out the next day (so its 30 days to cancel have passed).
        letterSentAt: x.channel === 'oral' ? madeAt + DAY : null,
        recordedBy: null,
        now: madeAt,
      });
    }

    let n = 0;
    const gift = async (g: DemoGift, extra: { kind?: 'one_off' | 'monthly'; regularId?: number | null } = {}) => {
      n++;
      const at = now - g.daysAgo * DAY;
      const online = g.channel === 'online';
      await insertDonation(trx, {
        donor_id: g.donor ? donorIds.get(g.donor)! : null,
        fund_id: g.fund === 'appeal' ? appealId : null,
        regular_id: extra.regularId ?? null,
        kind: extra.kind ?? 'one_off',
        channel: g.channel,
        method: g.method ?? 'none',
        status: g.status ?? 'paid',
        amount_pence: Math.round(g.pounds * 100),
        refunded_pence: g.refunded ? Math.round(g.pounds * 100) : 0,
        given_at: at,
        gift_aid: g.giftAid ? 1 : 0,
        from_company: g.fromCompany ? 1 : 0,
        benefit_pence: 0,
        message_enc: g.message ? keyring.encrypt(g.message) : null,
        checkout_ref: online && extra.kind !== 'monthly' ? `cs_test_demo_${n}` : null,
        payment_ref: online ? `pi_test_demo_${n}` : null,
        invoice_ref: extra.kind === 'monthly' ? `in_test_demo_${n}` : null,
        reference: g.reference ?? '',
        claim_id: null,
        recorded_by: null,
        created_at: at,
        updated_at: at,
      });
    };
    for (const g of ONE_OFF) await gift(g);

    // Ruth gives £10 a month (eight months so far); Tom gave £5 a month for four months, then stopped.
    await monthly(trx, { donorId: donorIds.get('ruth')!, pounds: 10, months: 8, status: 'active', now, gift, key: 'ruth' });
    await monthly(trx, { donorId: donorIds.get('tom')!, pounds: 5, months: 4, status: 'cancelled', now, gift, key: 'tom' });
  });

  // The bucket at the weekly protest, for the Gift Aid Small Donations Scheme, and a draft claim over the last
  // eleven months made by the claim service as a treasurer would make it (Peter's surname is the row to fix).
  const { timeZone } = await getSiteSettings(core.db);
  const day = (daysAgo: number) => new Intl.DateTimeFormat('en-CA', { timeZone }).format(now - daysAgo * DAY);
  for (const [daysAgo, pence] of [
    [28, 4_730],
    [21, 3_115],
    [14, 5_280],
    [7, 2_960],
  ] as const)
    await recordCollection(
      core,
      null,
      { collectedOn: day(daysAgo), amountPence: pence, method: 'cash', occasion: 'Bucket at the Tuesday protest' },
      { timeZone },
    );
  await createClaim(core, null, { fromDay: day(335), toDay: day(1), aggregate: false }, { timeZone });
}

async function monthly(
  trx: DbOrTrx,
  o: {
    donorId: number;
    pounds: number;
    months: number;
    status: 'active' | 'cancelled';
    now: number;
    key: string;
    gift: (g: DemoGift, extra: { kind: 'monthly'; regularId: number }) => Promise<void>;
  },
): Promise<void> {
  const started = o.now - (o.months * 30 + 10) * DAY;
  const regularId = await insertRegularGift(trx, {
    donor_id: o.donorId,
    fund_id: null,
    amount_pence: Math.round(o.pounds * 100),
    day_of_month: 12,
    status: o.status,
    method: 'card',
    gift_aid: 1,
    subscription_ref: `sub_test_demo_${o.key}`,
    card_expires: '2028-03',
    expiry_notice_for: null,
    failed_at: null,
    started_at: started,
    cancelled_at: o.status === 'cancelled' ? started + o.months * 30 * DAY : null,
    created_at: started,
    updated_at: started,
  });
  for (let m = 0; m < o.months; m++)
    await o.gift(
      {
        donor: o.key,
        daysAgo: Math.round((o.now - started) / DAY) - m * 30,
        pounds: o.pounds,
        channel: 'online',
        method: 'card',
        giftAid: true,
      },
      { kind: 'monthly', regularId },
    );
}
