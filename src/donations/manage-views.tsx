import { CsrfField, ErrorSummary, Field, Notice, TableWrap } from '../core/web/components.js';
import type { DonorPage, MonthlyGift } from './regular.js';
import { dateText, expiryText, ordinalDay, poundsText, StatementList } from './regular-emails.js';

// The donor's own page (from the link in every receipt), the confirmation before a monthly gift is cancelled, and the
// page for a link that leads nowhere, where the link can be asked for again.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string | undefined>;

/** The page for a link that leads to no donor: kind words, and the form to have the link emailed again. */
export function UnknownLinkView(p: { csrf: string; errors?: Errors; values?: Values; sent?: boolean }) {
  return (
    <section class="donor-page">
      <h1>We could not find your page</h1>
      {p.sent ? (
        <Notice kind="success">
          <p>If we have gifts from that address, we have emailed the link to it. Please look in your inbox (and your spam folder).</p>
        </Notice>
      ) : (
        <p>
          This link does not lead to a page for your gifts. It may have been copied only in part: please try the link in your receipt again,
          or ask for it below.
        </p>
      )}
      <ResendForm csrf={p.csrf} errors={p.errors} values={p.values} />
    </section>
  );
}

/** The form to have the page's link emailed again. */
function ResendForm(p: { csrf: string; errors?: Errors; values?: Values }) {
  return (
    <form method="post" action="/donate/manage/resend" class="donor-resend" novalidate>
      <h2>Email me the link to my page</h2>
      <ErrorSummary errors={p.errors} />
      <CsrfField token={p.csrf} />
      <Field
        name="email"
        label="Your email address"
        type="email"
        autocomplete="email"
        value={p.values?.email}
        error={p.errors?.email}
        hint="The address you gave when you made your gift."
      />
      <button type="submit">Email me the link</button>
    </form>
  );
}

/** The donor's own page. */
export function DonorPageView(p: {
  page: DonorPage;
  token: string;
  csrf: string;
  notice?: string | undefined;
  errors?: Errors;
  values?: Values;
}) {
  const { page } = p;
  const action = `/donate/manage/${p.token}`;
  return (
    <section class="donor-page">
      <h1>Your gifts to {page.orgName}</h1>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      <ErrorSummary errors={p.errors} />
      <p>
        Thank you, {page.donor.name}. This page is yours: anyone with its link can see and change your gifts, so please keep it to yourself.
      </p>

      <h2>Your monthly gifts</h2>
      {page.monthly.length === 0 ? (
        <p>
          You have no monthly gift with us. <a href="/donate">Give monthly</a>
        </p>
      ) : (
        page.monthly.map((g) => <MonthlyGiftBlock gift={g} action={action} csrf={p.csrf} page={page} errors={p.errors} values={p.values} />)
      )}

      <h2>Your gifts</h2>
      {page.gifts.length === 0 ? (
        <p>No gifts yet.</p>
      ) : (
        <TableWrap label="Your gifts">
          <table>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Amount</th>
                <th scope="col">Towards</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {page.gifts.map((g) => (
                <tr>
                  <td>{dateText(g.givenAt, page.timeZone)}</td>
                  <td>
                    {poundsText(g.amountPence)}
                    {g.kind === 'monthly' ? ' (monthly)' : ''}
                  </td>
                  <td>{g.fund}</td>
                  <td>
                    {g.statusWords}
                    {g.refundedPence > 0 && g.status !== 'refunded' ? ` (${poundsText(g.refundedPence)} refunded)` : ''}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}

      <h2>Statements for your tax return</h2>
      {page.statements.map((s) => (
        <StatementList statement={s} timeZone={page.timeZone} scroll />
      ))}

      <GiftAidBlock page={page} action={action} csrf={p.csrf} errors={p.errors} values={p.values} />

      <h2>The records we keep</h2>
      <p>
        We keep the record of each gift, and of any Gift Aid declaration, for six years after the last Gift Aid claim they support, because
        HMRC can check a claim for that long. We keep them that long even if you ask us to forget you; everything else about you goes when
        you ask.
      </p>
    </section>
  );
}

function MonthlyGiftBlock(p: {
  gift: MonthlyGift;
  action: string;
  csrf: string;
  page: DonorPage;
  errors: Errors;
  values: Values | undefined;
}) {
  const g = p.gift;
  const { minPence, maxPence } = p.page.limits;
  // Messages and typed values belong to the gift the donor was changing.
  const mine = p.values?.gift === String(g.id);
  return (
    <section class="donor-monthly" aria-labelledby={`gift-${g.id}`}>
      <h3 id={`gift-${g.id}`}>
        {poundsText(g.amountPence)} a month towards {g.fund}
      </h3>
      <p>
        <strong>{g.statusWords}</strong>
        {g.status === 'cancelled' && g.cancelledAt !== null
          ? `: cancelled on ${dateText(g.cancelledAt, p.page.timeZone)}.`
          : `: taken on the ${ordinalDay(g.dayOfMonth)} of each month, since ${dateText(g.startedAt, p.page.timeZone)}.`}
      </p>
      {g.status === 'paused' && <p>No payments are taken while your gift is paused.</p>}
      {g.status === 'past_due' && (
        <p>Your last payment did not go through. Our payment provider will try again over the next few days; you need do nothing.</p>
      )}
      {g.cardExpires && g.status !== 'cancelled' && <p>It is paid by a card that ends in {expiryText(g.cardExpires)}.</p>}
      {g.changeable && (
        <div class="donor-monthly-changes">
          <form method="post" action={p.action} novalidate>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="do" value="amount" />
            <input type="hidden" name="gift" value={String(g.id)} />
            <Field
              name="amount"
              label="New monthly amount (£)"
              inputMode="numeric"
              width="short"
              value={mine ? p.values?.amount : undefined}
              error={mine ? p.errors?.amount : undefined}
              hint={`Between ${poundsText(minPence)} and ${poundsText(maxPence)}.`}
            />
            <button type="submit" class="button-secondary">
              Change the amount
            </button>
          </form>
          <form method="post" action={p.action} novalidate>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="do" value="day" />
            <input type="hidden" name="gift" value={String(g.id)} />
            <Field
              name="day"
              label="Day of the month it is taken"
              inputMode="numeric"
              width="short"
              value={mine ? p.values?.day : String(g.dayOfMonth)}
              error={mine ? p.errors?.day : undefined}
              hint="From 1 to 28. Your next payment is then taken on the new day: this month if that day is still to come, otherwise next month."
            />
            <button type="submit" class="button-secondary">
              Change the day
            </button>
          </form>
          <form method="post" action={p.action}>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="do" value={g.status === 'paused' ? 'resume' : 'pause'} />
            <input type="hidden" name="gift" value={String(g.id)} />
            <button type="submit" class="button-secondary">
              {g.status === 'paused' ? 'Restart my monthly gift' : 'Pause my monthly gift'}
            </button>
          </form>
        </div>
      )}
      {g.cancellable && (
        <p>
          <a class="button button-secondary" href={`${p.action}/cancel/${g.id}`}>
            Cancel my monthly gift
          </a>
        </p>
      )}
    </section>
  );
}

function GiftAidBlock(p: { page: DonorPage; action: string; csrf: string; errors: Errors; values: Values | undefined }) {
  const { giftAid, timeZone } = p.page;
  const current = giftAid.current;
  return (
    <section class="donor-gift-aid" aria-labelledby="gift-aid-title">
      <h2 id="gift-aid-title">Gift Aid</h2>
      {current ? (
        <>
          <p>
            {giftAid.coveredNow
              ? 'Your Gift Aid declaration covers your gifts: we claim 25p from HMRC for every £1 you give, at no cost to you.'
              : 'You have a Gift Aid declaration, but it does not cover gifts made today yet.'}
          </p>
          <p>
            Made on {dateText(current.madeAt, timeZone)} in the name of{' '}
            {[current.title, current.firstName, current.lastName].filter(Boolean).join(' ')}, living at{' '}
            {[current.house, current.address, current.postcode === 'X' ? '' : current.postcode].filter(Boolean).join(', ')}.
          </p>
          <p>
            Please cancel it if you no longer pay enough Income Tax or Capital Gains Tax to cover the Gift Aid on all your gifts in a tax
            year, and tell us if your home address changes.
          </p>
          <form method="post" action={p.action}>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="do" value="cancel-gift-aid" />
            <button type="submit" class="button-secondary">
              Cancel my Gift Aid declaration
            </button>
          </form>
          <form method="post" action={p.action} class="donor-address" novalidate>
            <h3>My home address has changed</h3>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="do" value="address" />
            <Field
              name="house"
              label="House name or number"
              autocomplete="address-line1"
              value={p.values?.house}
              error={p.errors?.house}
              hint="If you live outside the UK, put your whole address here."
            />
            <Field
              name="address"
              label="Street and town"
              autocomplete="address-line2"
              value={p.values?.address}
              error={p.errors?.address}
            />
            <Field
              name="postcode"
              label="Postcode"
              autocomplete="postal-code"
              width="short"
              value={p.values?.postcode}
              error={p.errors?.postcode}
              hint="Leave empty if you live outside the UK."
            />
            <p class="hint">Your declaration carries on at your new address from today; your gifts before today stay at the old one.</p>
            <button type="submit" class="button-secondary">
              Save my new address
            </button>
          </form>
        </>
      ) : (
        <p>
          {giftAid.cancelledAt !== null
            ? `You cancelled your Gift Aid declaration on ${dateText(giftAid.cancelledAt, timeZone)}: we do not claim Gift Aid on your gifts from then on.`
            : 'We do not claim Gift Aid on your gifts.'}{' '}
          You can make a new declaration when you next give on our donate page.
        </p>
      )}
    </section>
  );
}

/** "Are you sure?" before a monthly gift is cancelled. */
export function ConfirmCancelView(p: { gift: MonthlyGift; token: string; csrf: string; errors?: Errors }) {
  const action = `/donate/manage/${p.token}`;
  return (
    <section class="donor-page">
      <h1>Are you sure?</h1>
      <ErrorSummary errors={p.errors} />
      <p>
        You are about to cancel your monthly gift of {poundsText(p.gift.amountPence)} towards {p.gift.fund}. No more payments will be taken.
        If you would rather take a break, you can pause it instead and restart it whenever you like.
      </p>
      <form method="post" action={action}>
        <CsrfField token={p.csrf} />
        <input type="hidden" name="do" value="cancel" />
        <input type="hidden" name="gift" value={String(p.gift.id)} />
        <div class="button-row">
          <button type="submit">Yes, cancel my monthly gift</button>
          <a class="button button-secondary" href={action}>
            No, go back
          </a>
        </div>
      </form>
    </section>
  );
}
