import { renderEmail, type RenderedEmail } from '../core/mail/render.js';
import type { GiftKind, PaymentMethod } from './model.js';
import { dateText, poundsText } from './regular-emails.js';

// The receipt a donor gets when a gift is received (a one-off gift, or the first payment of a monthly one). It goes
// to the address given with the gift and names the donor's own page, where they see their gifts and change a monthly
// one; it says what HMRC needs a charity's receipt to say: who received it (the charity's name and number) and when.

/** What a receipt says about one gift. */
export interface ReceiptContent {
  orgName: string;
  charityNumber: string;
  name: string;
  kind: GiftKind;
  method: PaymentMethod;
  amountPence: number;
  givenAt: number;
  timeZone: string;
  /** The fund or appeal it went to; undefined for "wherever it is needed most". */
  fund: string | undefined;
  /** What Gift Aid adds, in pence, when the donor asked for it; undefined when they did not. */
  giftAidPence: number | undefined;
  /** For a monthly gift: the day of the month it is taken. */
  dayOfMonth: number | undefined;
  /** The donor's own page. */
  link: string;
}

/** The receipt for a gift received. */
export function receiptEmail(o: ReceiptContent): RenderedEmail {
  const amount = poundsText(o.amountPence);
  const monthly = o.kind === 'monthly';
  return renderEmail({
    subject: monthly ? `Thank you for your monthly gift to ${o.orgName}` : `Thank you for your gift to ${o.orgName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Dear {o.name},</p>
        <p>
          Thank you.{' '}
          {monthly ? `We have received the first payment of your monthly gift of ${amount}.` : `We have received your gift of ${amount}.`}
        </p>
        <ul>
          <li>Amount: {amount}</li>
          <li>Date received: {dateText(o.givenAt, o.timeZone)}</li>
          <li>Kind: {monthly ? `monthly gift${o.dayOfMonth ? `, taken on day ${o.dayOfMonth} of each month` : ''}` : 'one-off gift'}</li>
          <li>Paid by: {o.method === 'bacs_debit' ? 'Bacs Direct Debit' : o.method === 'card' ? 'card' : 'other means'}</li>
          <li>For: {o.fund ?? 'wherever it is needed most'}</li>
          {o.giftAidPence !== undefined && <li>Gift Aid: Gift Aid adds {poundsText(o.giftAidPence)} at no cost to you.</li>}
        </ul>
        {o.giftAidPence !== undefined && (
          <p>
            Please tell us if you stop paying enough Income Tax or Capital Gains Tax, change your name or home address, or want to cancel
            your declaration: you can do all of this from your page.
          </p>
        )}
        <p>
          Your own page shows your gifts and lets you {monthly ? 'change, pause or stop your monthly gift and ' : ''}manage Gift Aid:{' '}
          <a href={o.link}>{o.link}</a>. Anyone with this link can see your gifts, so please do not forward this email.
        </p>
        <p>With thanks,</p>
        <p>{o.orgName}</p>
      </div>
    ),
    footer: (
      <p>
        {o.orgName}
        {o.charityNumber ? `, registered charity number ${o.charityNumber}` : ''}. Please keep this email as your receipt.
      </p>
    ),
  });
}
