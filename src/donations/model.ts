// The donations capability's domain types: gifts, regular gifts, Gift Aid declarations and claims, as the service
// hands them to views, emails, the claim writer and other capabilities. No database, no HTTP.
// Money is always whole pence (integers) in GBP; dates of gifts are UTC milliseconds, shown in the organisation's zone.

/** One-off, or one payment of a monthly gift. */
export type GiftKind = 'one_off' | 'monthly';

/** How the money came: online through the payment provider, or recorded by staff. */
export const CHANNELS = ['online', 'cheque', 'bank_transfer', 'cash', 'card_in_person'] as const;
export type Channel = (typeof CHANNELS)[number];

export const CHANNEL_WORDS: Readonly<Record<Channel, string>> = {
  online: 'Online',
  cheque: 'Cheque',
  bank_transfer: 'Bank transfer',
  cash: 'Cash',
  card_in_person: 'Card in person',
};

/** How an online gift was paid. Bacs Direct Debit stays pending for 4 to 7 working days until the bank confirms it. */
export type PaymentMethod = 'card' | 'bacs_debit' | 'none';

/**
 * pending: a Bacs Direct Debit not yet confirmed; paid; failed (the bank or card refused; no money);
 * refunded (all of it; `refundedPence` says how much otherwise); disputed (the donor's bank is asking for it back).
 */
export const DONATION_STATUSES = ['pending', 'paid', 'failed', 'refunded', 'disputed'] as const;
export type DonationStatus = (typeof DONATION_STATUSES)[number];

export const DONATION_STATUS_WORDS: Readonly<Record<DonationStatus, string>> = {
  pending: 'Waiting for the bank',
  paid: 'Received',
  failed: 'Failed',
  refunded: 'Refunded',
  disputed: 'Disputed by the donor’s bank',
};

/** A monthly gift: pending until its first payment, active, paused by the donor, past due after a failed payment, cancelled. */
export const REGULAR_STATUSES = ['pending', 'active', 'paused', 'past_due', 'cancelled'] as const;
export type RegularStatus = (typeof REGULAR_STATUSES)[number];

export const REGULAR_STATUS_WORDS: Readonly<Record<RegularStatus, string>> = {
  pending: 'Starting',
  active: 'Active',
  paused: 'Paused',
  past_due: 'Payment failed (retrying)',
  cancelled: 'Cancelled',
};

/** How a Gift Aid declaration was made. An oral one counts only once its written record has been sent. */
export const DECLARATION_CHANNELS = ['online', 'paper', 'oral'] as const;
export type DeclarationChannel = (typeof DECLARATION_CHANNELS)[number];

export const DECLARATION_CHANNEL_WORDS: Readonly<Record<DeclarationChannel, string>> = {
  online: 'Online',
  paper: 'Paper form',
  oral: 'Spoken (by phone or in person)',
};

/** A Gift Aid claim's life: draft (rows can still change) → submitted to HMRC → paid by HMRC. */
export const CLAIM_STATUSES = ['draft', 'submitted', 'paid'] as const;
export type ClaimStatus = (typeof CLAIM_STATUSES)[number];

/**
 * A Gift Aid declaration as recorded: the person's name and home address exactly as given at the time, and the
 * span it covers. An address change is a new declaration (the old one ends where the new one starts), never an edit.
 */
export interface Declaration {
  id: number;
  donorId: number;
  /** Which wording the donor agreed to (gift-aid.ts DECLARATION_WORDINGS). */
  wordingVersion: string;
  title: string;
  firstName: string;
  lastName: string;
  /** House name or number; for a donor living abroad, the whole address. */
  house: string;
  /** The rest of the address as given (street, town). */
  address: string;
  /** As given, upper case with one space ("SW1A 1AA"), or "X" for a donor living outside the UK. */
  postcode: string;
  channel: DeclarationChannel;
  /** When the donor made it (UTC ms). */
  madeAt: number;
  /** The first moment it covers: madeAt, or four years before when the donor ticked "and the past four years". */
  coversFrom: number;
  /** For a spoken declaration: when the written record (with the 30-day right to cancel) was sent; null before. */
  letterSentAt: number | null;
  /** When the donor cancelled it; gifts from then on are not covered. */
  cancelledAt: number | null;
  /** When a newer declaration (a new address, a corrected name) took over from this one. */
  supersededAt: number | null;
}

/** A gift as the Gift Aid rules see it. */
export interface GiftForGiftAid {
  id: number;
  donorId: number | null;
  /** The date the money was given (UTC ms). */
  givenAt: number;
  amountPence: number;
  refundedPence: number;
  status: DonationStatus;
  /** Given by a company (never Gift Aid). */
  fromCompany: boolean;
  /** The value of any benefit the donor received in return (a ticket, a gift), in pence. */
  benefitPence: number;
  /** Already in a claim. */
  claimId: number | null;
}

/** One line of HMRC's Gift Aid schedule, in its column order (Charities Online schedule spreadsheet). */
export interface ScheduleRow {
  title: string;
  firstName: string;
  lastName: string;
  house: string;
  postcode: string;
  /** "Aggregated donations" column: a short description, set only on an aggregated line (then names are empty). */
  aggregated: string;
  sponsored: boolean;
  /** The donation date (UTC ms); written DD/MM/YY in the organisation's zone. */
  donationDate: number;
  amountPence: number;
}

/** What is wrong with one schedule row, in words staff understand, and where it is fixed. */
export interface RowProblem {
  field: keyof ScheduleRow;
  message: string;
}
