import type { Generated } from 'kysely';
import type { Channel, ClaimStatus, DeclarationChannel, DonationStatus, GiftKind, PaymentMethod, RegularStatus } from './model.js';

// The tables the donations capability owns (lint rule lantern/own-tables), declared into core's Schema.
// Money is integer pence; times are UTC ms; *_enc columns hold ciphertext (core/crypto); *_index blind indexes.

/** A fund or appeal a gift can go to ("General fund", "Appeal for our partner's legal costs"). */
export interface DonationFundsTable {
  id: Generated<number>;
  slug: string;
  name: string;
  /** One line shown on the donate page. */
  summary: string;
  /** Markdown, shown on the appeal's own page (/donate/:appeal). */
  description: string;
  /** A partner organisation the appeal raises money for, if any. */
  partner_name: string;
  /** The appeal's target, shown as progress; null for none. */
  target_pence: number | null;
  /** Suggested amounts for this appeal as JSON (SuggestedAmount[]); null uses the general ones. */
  suggested: string | null;
  publication: 'draft' | 'published';
  /** After this moment the appeal page says it has closed and takes no gifts. */
  closes_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A person who gave: one row per email address; offline gifts may have none. */
export interface DonorsTable {
  id: Generated<number>;
  email_index: string | null;
  email_enc: string | null;
  name_enc: string;
  /** The donor's own page: the token's hash, and the token itself encrypted so a lost link can be sent again. */
  manage_hash: string;
  manage_enc: string;
  supporter_id: number | null;
  /** Stripe's customer id (cus_…), once the provider made one. */
  customer_ref: string | null;
  /**
   * The donor asked to be forgotten: their email and messages went at once, but their name, gifts and Gift Aid
   * declarations are kept until six years after the last claim they support (HMRC's audit window), then erased.
   */
  erasure_requested_at: number | null;
  /** The tax year (its starting calendar year) of the last annual statement the donor was sent, so none goes twice. */
  statement_year: number | null;
  created_at: number;
  updated_at: number;
}

/** A gift of money: one row per payment (each month of a monthly gift is its own row). */
export interface DonationsTable {
  id: Generated<number>;
  donor_id: number | null;
  fund_id: number | null;
  regular_id: number | null;
  kind: GiftKind;
  channel: Channel;
  method: PaymentMethod;
  status: DonationStatus;
  amount_pence: number;
  refunded_pence: number;
  /** When the money was given (the payment's date; a cheque's date), which Gift Aid looks at. */
  given_at: number;
  /** The donor asked for Gift Aid on this gift (a declaration must still cover it). */
  gift_aid: number;
  from_company: number;
  benefit_pence: number;
  message_enc: string | null;
  /** Stripe's ids, each unique, so an event applied twice finds the same row. */
  checkout_ref: string | null;
  payment_ref: string | null;
  invoice_ref: string | null;
  /** A cheque number, a bank reference (staff's words; not personal). */
  reference: string;
  /** The claim this gift was put in; null while unclaimed. */
  claim_id: number | null;
  recorded_by: number | null;
  created_at: number;
  updated_at: number;
}

/** A monthly gift (a Stripe subscription). */
export interface RegularGiftsTable {
  id: Generated<number>;
  donor_id: number;
  fund_id: number | null;
  amount_pence: number;
  /** The day of the month it is taken (1–28). */
  day_of_month: number;
  status: RegularStatus;
  method: PaymentMethod;
  gift_aid: number;
  subscription_ref: string | null;
  /** The card's expiry as 'YYYY-MM' (no card details beyond that ever reach Lantern). */
  card_expires: string | null;
  expiry_notice_for: string | null;
  /** When the last payment failed (staff are told); cleared by the next paid one. */
  failed_at: number | null;
  started_at: number;
  cancelled_at: number | null;
  created_at: number;
  updated_at: number;
}

/** A gift started on /donate and handed to the payment page; the rest of the record is made when it completes. */
export interface DonationCheckoutsTable {
  id: Generated<number>;
  session_ref: string;
  kind: GiftKind;
  fund_id: number | null;
  amount_pence: number;
  day_of_month: number | null;
  /** Everything the donor typed (name, email, message, Gift Aid details), encrypted as one JSON document. */
  details_enc: string;
  email_index: string;
  state: 'open' | 'completed' | 'expired';
  donor_id: number | null;
  created_at: number;
  completed_at: number | null;
}

/** Every payment event received once (by webhook, by the reconciliation job or from the test payment page). */
export interface PaymentEventsTable {
  id: Generated<number>;
  event_ref: string;
  type: string;
  /** Stripe's created time (UTC ms): events are applied in any order, so this is for staff only. */
  occurred_at: number;
  received_at: number;
  source: 'webhook' | 'reconcile' | 'test';
  /** applied; parked (about something Lantern does not know yet: staff look, and it is retried); ignored (a type Lantern does not use). */
  state: 'applied' | 'parked' | 'ignored';
  /** Why it was parked, in staff's words. */
  note: string;
  /** The event as received, encrypted (it carries names and emails). */
  payload_enc: string;
  applied_at: number | null;
}

/** A Gift Aid declaration: a ledger row, never edited except to record its end (cancelled, superseded). */
export interface GiftAidDeclarationsTable {
  id: Generated<number>;
  donor_id: number;
  wording_version: string;
  title_enc: string;
  first_name_enc: string;
  last_name_enc: string;
  house_enc: string;
  address_enc: string;
  postcode_enc: string;
  channel: DeclarationChannel;
  made_at: number;
  covers_from: number;
  letter_sent_at: number | null;
  cancelled_at: number | null;
  superseded_at: number | null;
  /** The declaration this one replaced (an address change, a corrected name). */
  replaces_id: number | null;
  recorded_by: number | null;
  created_at: number;
}

/** A Gift Aid claim to HMRC for a period. */
export interface GiftAidClaimsTable {
  id: Generated<number>;
  period_from: number;
  period_to: number;
  status: ClaimStatus;
  row_count: number;
  total_pence: number;
  /** The GASDS top-up figures for the period (small cash gifts), in pence. */
  small_donations_pence: number;
  /** The treasurer chose to put gifts of £20 or less on aggregated lines (no names) in this claim. */
  aggregates_small_gifts: number;
  hmrc_reference: string;
  paid_pence: number | null;
  created_by: number | null;
  created_at: number;
  submitted_at: number | null;
  paid_at: number | null;
}

/** A cash or contactless collection (the protest bucket) for the Gift Aid Small Donations Scheme. */
export interface SmallDonationCollectionsTable {
  id: Generated<number>;
  collected_on: number;
  amount_pence: number;
  method: 'cash' | 'contactless';
  /** Where and what (staff's words: "Weekly protest outside the embassy"). */
  occasion: string;
  claim_id: number | null;
  recorded_by: number | null;
  created_at: number;
}

declare module '../core/db/schema.js' {
  interface Schema {
    donation_funds: DonationFundsTable;
    donors: DonorsTable;
    donations: DonationsTable;
    regular_gifts: RegularGiftsTable;
    donation_checkouts: DonationCheckoutsTable;
    payment_events: PaymentEventsTable;
    gift_aid_declarations: GiftAidDeclarationsTable;
    gift_aid_claims: GiftAidClaimsTable;
    small_donation_collections: SmallDonationCollectionsTable;
  }
}
