import { TableWrap } from '../core/web/components.js';
import { renderEmail, type RenderedEmail } from '../core/mail/render.js';

// Emails about a donor's gifts after they were given: their page's link again, a statement of the tax year just
// ended (the same content as the statement on their page), a card about to end under a monthly gift, and, to staff,
// a monthly gift whose payment failed. Each email to a donor goes to the address they gave with their gift and
// names their own page; the email to staff names the donor and nothing else about them.

// ---- words shared with the donor's page ----

/** An amount of pence in pounds as people write it: "£10", "£10.50", "£1,000". */
export function poundsText(pence: number): string {
  const pounds = Math.floor(Math.abs(pence) / 100).toLocaleString('en-GB');
  const rest = Math.abs(pence) % 100;
  return `${pence < 0 ? '−' : ''}£${pounds}${rest ? `.${String(rest).padStart(2, '0')}` : ''}`;
}

/** A day of the month in words: "1st", "22nd". */
export function ordinalDay(day: number): string {
  const tens = day % 100;
  const suffix = tens >= 11 && tens <= 13 ? 'th' : (({ 1: 'st', 2: 'nd', 3: 'rd' } as Record<number, string>)[day % 10] ?? 'th');
  return `${day}${suffix}`;
}

/** A date in the organisation's zone: "6 April 2025". */
export function dateText(ms: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(ms));
}

/** A card's expiry 'YYYY-MM' in words: "March 2027" (as given when it is not that shape). */
export function expiryText(yyyyMm: string): string {
  const m = /^(\d{4})-(\d{2})$/.exec(yyyyMm);
  if (!m) return yyyyMm;
  const date = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', month: 'long', year: 'numeric' }).format(date);
}

/** A statement's content as the page and the email both show it. */
export interface StatementContent {
  taxYear: { label: string };
  gifts: ReadonlyArray<{ givenAt: number; amountPence: number; refundedPence: number; fund: string; giftAid: boolean }>;
  totalPence: number;
}

/** The list of a tax year's gifts and their total: the same on the donor's page and in the annual statement. */
export function StatementList({
  statement,
  timeZone,
  heading,
  scroll,
}: {
  statement: StatementContent;
  timeZone: string;
  heading?: boolean;
  /** On a page (not in an email): the table scrolls within its own box on a narrow phone. */
  scroll?: boolean;
}) {
  const anyGiftAid = statement.gifts.some((g) => g.giftAid);
  const giftTable = (
    <table>
      <thead>
        <tr>
          <th scope="col">Date</th>
          <th scope="col">Towards</th>
          <th scope="col">Amount</th>
          <th scope="col">Gift Aid</th>
        </tr>
      </thead>
      <tbody>
        {statement.gifts.map((g) => (
          <tr>
            <td>{dateText(g.givenAt, timeZone)}</td>
            <td>{g.fund}</td>
            <td>
              {poundsText(g.amountPence - g.refundedPence)}
              {g.refundedPence > 0 ? ` (${poundsText(g.refundedPence)} of ${poundsText(g.amountPence)} refunded)` : ''}
            </td>
            <td>{g.giftAid ? 'Yes' : 'No'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
  return (
    <div class="donation-statement">
      {heading !== false && <h3>Gifts in the tax year {statement.taxYear.label}</h3>}
      {statement.gifts.length === 0 ? (
        <p>No gifts received in this tax year.</p>
      ) : (
        <>
          {scroll ? <TableWrap label={`Gifts in the tax year ${statement.taxYear.label}`}>{giftTable}</TableWrap> : giftTable}
          <p>
            <strong>Total received: {poundsText(statement.totalPence)}</strong> (
            {statement.gifts.length === 1 ? '1 gift' : `${statement.gifts.length} gifts`})
          </p>
          {anyGiftAid && (
            <p>
              “Gift Aid: Yes” means you asked us to claim Gift Aid on that gift. If you pay tax at a higher rate, you can claim back the
              difference on those gifts through your Self Assessment tax return.
            </p>
          )}
        </>
      )}
    </div>
  );
}

function YourPage({ link }: { link: string }) {
  return (
    <p>
      Your own page, where you can see your gifts and change a monthly gift or your Gift Aid declaration: <a href={link}>{link}</a>. Anyone
      with this link can see and change your gifts, so please do not forward this email.
    </p>
  );
}

// ---- emails ----

/** The donor's page link, sent again because they asked for it. */
export function manageLinkEmail(o: { orgName: string; link: string }): RenderedEmail {
  return renderEmail({
    subject: `Your page for your gifts to ${o.orgName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>Someone (we hope you) asked for the link to your page for your gifts to {o.orgName}. Here it is:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>
          On it you can see your gifts, change or stop a monthly gift, and change your Gift Aid declaration. Anyone with this link can see
          and change your gifts, so please do not forward this email.
        </p>
        <p>If you did not ask for it, you can ignore this email: nothing has changed.</p>
      </div>
    ),
  });
}

/** A donor's statement of the gifts they made in a tax year just ended. */
export function annualStatementEmail(o: {
  orgName: string;
  charityNumber: string;
  name: string;
  statement: StatementContent;
  timeZone: string;
  link: string;
}): RenderedEmail {
  return renderEmail({
    subject: `Your gifts to ${o.orgName} in the tax year ${o.statement.taxYear.label}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Dear {o.name},</p>
        <p>
          Thank you for your support over the last tax year. Here is a statement of the gifts we received from you between 6 April and 5
          April, for your records.
        </p>
        <StatementList statement={o.statement} timeZone={o.timeZone} />
        <YourPage link={o.link} />
        {o.charityNumber && (
          <p>
            {o.orgName} is a registered charity, number {o.charityNumber}.
          </p>
        )}
      </div>
    ),
  });
}

/**
 * The card paying a monthly gift is about to end. Lantern cannot take new card details itself (the payment page only
 * starts new gifts), and banks often pass a renewed card on to the payment provider without the donor doing
 * anything; so, as charities usually do, the email says so, and offers two ways on if the gift then stops: reply
 * and we will help, or set up a new monthly gift with the new card and cancel this one from their page.
 */
export function cardExpiryEmail(o: {
  orgName: string;
  name: string;
  amountPence: number;
  dayOfMonth: number;
  cardExpires: string;
  link: string;
  donateLink: string;
}): RenderedEmail {
  const ends = expiryText(o.cardExpires);
  return renderEmail({
    subject: `The card for your monthly gift to ${o.orgName} ends in ${ends}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Dear {o.name},</p>
        <p>
          Thank you for your monthly gift of {poundsText(o.amountPence)}, taken on the {ordinalDay(o.dayOfMonth)} of each month. The card it
          is paid with ends in {ends}.
        </p>
        <p>
          Often your bank passes your new card on to our payment provider by itself, and your gift carries on: if your gift is still taken
          after {ends}, there is nothing you need to do.
        </p>
        <p>If you would like to make sure it carries on, either:</p>
        <ul>
          <li>reply to this email, and we will help you keep your gift going; or</li>
          <li>
            set up a new monthly gift with your new card at <a href={o.donateLink}>{o.donateLink}</a>, then cancel this one from your page.
          </li>
        </ul>
        <YourPage link={o.link} />
      </div>
    ),
  });
}

/** To staff: a monthly gift's payment failed, and the payment provider will try again. */
export function failedPaymentStaffEmail(o: {
  orgName: string;
  donorName: string;
  amountPence: number;
  failedAt: number;
  timeZone: string;
  adminLink: string;
}): RenderedEmail {
  return renderEmail({
    subject: `A monthly gift could not be taken: ${o.donorName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          The monthly gift of {poundsText(o.amountPence)} from {o.donorName} could not be taken on {dateText(o.failedAt, o.timeZone)}: the
          card or bank refused the payment.
        </p>
        <p>
          Stripe will try again over the next few days, and the gift carries on if a later try works. If every try fails, Stripe stops the
          gift (as your Stripe settings say), and you may want to get in touch with the donor.
        </p>
        <p>
          See the gifts that failed: <a href={o.adminLink}>{o.adminLink}</a>
        </p>
      </div>
    ),
  });
}
