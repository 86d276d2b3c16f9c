import { CsrfField, ErrorSummary, Notice } from '../core/web/components.js';
import { poundsWords } from './giving-form.js';
import type { TestSession } from './test-payments.js';

// The built-in test payment page: a big "no money moves" banner, what would be paid, and the buttons standing for
// what a donor or their bank might do. It stands in for Stripe's page on a site without a Stripe key (a trial, a
// demonstration, a developer's machine), so staff can follow a gift end to end.

function Button({ csrf, action, label, secondary }: { csrf: string; action: string; label: string; secondary?: boolean }) {
  return (
    <form method="post" class="inline-form">
      <CsrfField token={csrf} />
      <input type="hidden" name="do" value={action} />
      <button type="submit" class={secondary ? 'button-secondary' : undefined}>
        {label}
      </button>
    </form>
  );
}

/** The test payment page for one session. */
export function TestPaymentView(p: { session: TestSession; csrf: string; notice?: string | undefined; error?: string | undefined }) {
  const s = p.session;
  const what = s.kind === 'monthly' ? `${poundsWords(s.amountPence)} every month` : `${poundsWords(s.amountPence)}, once`;
  return (
    <div class="test-payment">
      <div class="notice notice-warning test-payment-banner" role="note">
        <h1>Test payment: no money moves</h1>
        <p>
          This site has no payment provider connected, so this page stands in for one. Nothing you press here takes or moves money, and no
          card or bank details are asked for.
        </p>
      </div>
      <ErrorSummary errors={p.error ? { _form: p.error } : undefined} />
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <h2>What would be paid</h2>
      <dl class="meta">
        <dt>For</dt>
        <dd>{s.description}</dd>
        <dt>Amount</dt>
        <dd>{what}</dd>
        {s.kind === 'monthly' && s.dayOfMonth !== null && (
          <>
            <dt>Taken on</dt>
            <dd>day {s.dayOfMonth} of each month</dd>
          </>
        )}
      </dl>
      {s.outcome === 'open' && (
        <>
          <h2>Pay</h2>
          {s.declines > 0 && <p>The card was declined {s.declines === 1 ? 'once' : `${s.declines} times`} (test). No money was taken.</p>}
          <div class="button-row">
            <Button csrf={p.csrf} action="card" label="Pay by card" />
            <Button csrf={p.csrf} action="bacs" label="Pay by Bacs Direct Debit" />
            <Button csrf={p.csrf} action="decline" label="The card is declined" secondary />
          </div>
          <p>
            <a href={s.cancelUrl}>Go back to the donate page</a>
          </p>
        </>
      )}
      {s.outcome === 'pending' && (
        <>
          <h2>The Direct Debit is waiting for the bank</h2>
          <p>A real Bacs Direct Debit takes 4 to 7 working days to be confirmed. Here you can give the bank’s answer now.</p>
          <div class="button-row">
            <Button csrf={p.csrf} action="confirm" label="The bank confirms the Direct Debit (test)" />
            <Button csrf={p.csrf} action="refuse" label="The bank refuses the Direct Debit (test)" secondary />
          </div>
        </>
      )}
      {s.outcome === 'paid' && <p>This payment has been made (test).</p>}
      {s.outcome === 'refused' && <p>The bank refused this Direct Debit (test). Nothing was taken.</p>}
      {s.outcome !== 'open' && (
        <p>
          <a href={s.successUrl}>Go to the thank-you page</a>
        </p>
      )}
    </div>
  );
}
