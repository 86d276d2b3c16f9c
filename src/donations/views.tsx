import { h } from 'preact';
import { renderMarkdown } from '../core/markdown.js';
import { Checkbox, CsrfField, ErrorSummary, Field, Select, TextArea } from '../core/web/components.js';
import { CURRENT_WORDING, DECLARATION_WORDINGS } from './gift-aid.js';
import type { DonatePage, GiftOutcome, PublicFund } from './giving.js';
import { AMOUNT_FIELD, poundsWords, type SuggestedAmount } from './giving-form.js';
import type { GiftKind } from './model.js';

// The public pages of giving: the donate form (on /donate, and on an appeal's own page), the thank-you page after
// the payment page, and the page saying the payment page could not be reached. The form works without JavaScript:
// every choice is a radio, a box or a field; the amounts of the kind not chosen stay on the page, labelled.

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

const ticked = (v: string | undefined) => ['on', 'true', '1'].includes(v ?? '');

const KIND_LEGEND: Readonly<Record<GiftKind, string>> = {
  one_off: 'If you give once',
  monthly: 'If you give every month',
};

/** One kind's suggested amounts as radios, each with its line, and "Another amount". */
function AmountChoice(p: { kind: GiftKind; suggestions: readonly SuggestedAmount[]; values: Values }) {
  const name = AMOUNT_FIELD[p.kind];
  const mine = p.suggestions.filter((s) => s.kind === p.kind);
  const chosen = p.values[name] ?? (p.values.otherAmount ? 'other' : undefined);
  return (
    <fieldset class={`gift-amounts gift-amounts-${p.kind}`}>
      <legend>{KIND_LEGEND[p.kind]}</legend>
      {mine.map((s) => {
        const id = `f-${name}-${s.amountPence}`;
        return (
          <div class="checkbox" key={id}>
            <input type="radio" id={id} name={name} value={String(s.amountPence)} checked={chosen === String(s.amountPence)} />
            <label for={id}>
              <strong>
                {poundsWords(s.amountPence)}
                {p.kind === 'monthly' ? ' a month' : ''}
              </strong>
              {s.line ? ` — ${s.line}` : ''}
            </label>
          </div>
        );
      })}
      <div class="checkbox">
        <input type="radio" id={`f-${name}-other`} name={name} value="other" checked={chosen === 'other'} />
        <label for={`f-${name}-other`}>Another amount</label>
      </div>
    </fieldset>
  );
}

function dayOptions(): Array<{ value: string; label: string }> {
  return Array.from({ length: 28 }, (_, i) => ({ value: String(i + 1), label: String(i + 1) }));
}

/** The Gift Aid part: the declaration in HMRC's words, and the home address it needs. */
function GiftAidPart(p: { orgName: string; values: Values; errors: Errors }) {
  const v = p.values;
  const e = p.errors ?? {};
  const wording = DECLARATION_WORDINGS[CURRENT_WORDING]!;
  return (
    <fieldset class="gift-aid">
      <legend>Gift Aid</legend>
      <p>If you pay UK Income Tax or Capital Gains Tax, Gift Aid lets us claim 25p from HMRC for every £1 you give, at no cost to you.</p>
      {e.giftAid && (
        <p class="error-message" id="f-giftAid-error">
          <span class="visually-hidden">Error: </span>
          {e.giftAid}
        </p>
      )}
      <Checkbox
        name="giftAid"
        label={<strong>Yes, add Gift Aid</strong>}
        checked={ticked(v.giftAid)}
        hint="Tick only if the declaration below is true for you."
      />
      <div class="consent-wording">
        <p>{wording.text.replaceAll('{charity}', p.orgName)}</p>
      </div>
      <p class="hint">HMRC needs your name and home address (not a work address) for the claim.</p>
      <Field name="title" label="Title (optional)" value={v.title} error={e.title} maxLength={4} width="short" hint="Mr, Ms, Dr…" />
      <Field name="firstName" label="First name" value={v.firstName} error={e.firstName} autocomplete="given-name" maxLength={35} />
      <Field name="lastName" label="Last name" value={v.lastName} error={e.lastName} autocomplete="family-name" maxLength={35} />
      <Field
        name="house"
        label="House name or number"
        value={v.house}
        error={e.house}
        autocomplete="address-line1"
        maxLength={200}
        hint="If you live outside the UK, your whole address goes here."
      />
      <Field
        name="address"
        label="Rest of your address (street and town)"
        value={v.address}
        error={e.address}
        autocomplete="address-line2"
        maxLength={200}
      />
      <Field
        name="postcode"
        label="Postcode"
        value={v.postcode}
        error={e.postcode}
        autocomplete="postal-code"
        maxLength={10}
        width="short"
      />
      <Checkbox name="abroad" label="I live outside the UK" checked={ticked(v.abroad)} hint="Then leave the postcode empty." />
      <Checkbox
        name="pastFourYears"
        label={wording.pastFourYearsText.replaceAll('{charity}', p.orgName)}
        checked={ticked(v.pastFourYears)}
      />
    </fieldset>
  );
}

function FundBlurb({ fund }: { fund: PublicFund }) {
  return (
    <div class="appeal">
      {fund.summary && <p class="lede">{fund.summary}</p>}
      {fund.partnerName && <p class="byline">Raising money for {fund.partnerName}</p>}
      {fund.description && <div class="prose" dangerouslySetInnerHTML={{ __html: renderMarkdown(fund.description) }} />}
      {fund.targetPence !== null && <p class="byline">Our target: {poundsWords(fund.targetPence)}</p>}
    </div>
  );
}

/** The donate page: the appeal (if any), then the form, or a notice that the appeal has closed. */
export function DonateView(p: { page: DonatePage; action: string; csrf: string; values?: Values; errors?: Errors; today: number }) {
  const { page } = p;
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const title = page.appeal ? page.appeal.name : `Donate to ${page.site.orgName}`;
  return (
    <div class="donate">
      <h1>{title}</h1>
      {page.appeal && <FundBlurb fund={page.appeal} />}
      {page.closed ? (
        <div class="notice notice-warning" role="status">
          <p>This appeal has closed and takes no more gifts. Thank you to everyone who gave.</p>
          <p>
            <a href="/donate">You can still give to our work</a>.
          </p>
        </div>
      ) : (
        <form method="post" action={p.action} class="signup-form donate-form" novalidate>
          <ErrorSummary errors={p.errors} />
          <CsrfField token={p.csrf} />
          <div class={`field${e.kind ? ' field-error' : ''}`}>
            <fieldset>
              <legend>How often?</legend>
              {e.kind && (
                <p class="error-message" id="f-kind-error">
                  <span class="visually-hidden">Error: </span>
                  {e.kind}
                </p>
              )}
              <div class="checkbox">
                <input type="radio" id="f-kind" name="kind" value="one_off" checked={(v.kind ?? 'one_off') === 'one_off'} />
                <label for="f-kind">Once</label>
              </div>
              <div class="checkbox">
                <input type="radio" id="f-kind-monthly" name="kind" value="monthly" checked={v.kind === 'monthly'} />
                <label for="f-kind-monthly">Every month</label>
              </div>
            </fieldset>
          </div>
          <div class={`field${e.amount ? ' field-error' : ''}`} id="f-amount">
            {e.amount && (
              <p class="error-message" id="f-amount-error">
                <span class="visually-hidden">Error: </span>
                {e.amount}
              </p>
            )}
            <AmountChoice kind="one_off" suggestions={page.suggestions} values={v} />
            <AmountChoice kind="monthly" suggestions={page.suggestions} values={v} />
          </div>
          <Field
            name="otherAmount"
            label="Another amount, in pounds"
            value={v.otherAmount}
            error={e.otherAmount}
            inputMode="text"
            width="short"
            hint={`For example 12.50. At least ${poundsWords(page.form.minPence)}.`}
          />
          <Select
            name="day"
            label="For a monthly gift: the day of the month it is taken"
            options={dayOptions()}
            value={v.day ?? String(Math.min(28, p.today))}
            error={e.day}
          />
          {page.funds.length > 0 && (
            <Select
              name="fund"
              label="Where should your gift go? (optional)"
              options={[{ value: '', label: 'Wherever it is needed most' }, ...page.funds.map((f) => ({ value: f.slug, label: f.name }))]}
              value={v.fund ?? ''}
              error={e.fund}
            />
          )}
          <Field name="name" label="Your name" value={v.name} error={e.name} autocomplete="name" maxLength={100} />
          <Field
            name="email"
            label="Your email address"
            type="email"
            value={v.email}
            error={e.email}
            autocomplete="email"
            hint="We send your receipt here, with a link to your own page where you can see and change your gifts."
          />
          <TextArea name="message" label="A message to us (optional)" value={v.message} error={e.message} maxLength={1000} rows={3} />
          <GiftAidPart orgName={page.site.orgName} values={v} errors={p.errors} />
          <Checkbox
            name="optIn"
            label="Also send me news of our campaigns by email"
            checked={ticked(v.optIn)}
            hint="Optional: your gift does not depend on it. About once a month; every email has a link to stop them."
          />
          {e.currency && <p class="error-message">{e.currency}</p>}
          <div class="signup-trap" aria-hidden="true">
            <label for="f-website">Leave this field empty</label>
            <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
          </div>
          {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
          <button type="submit">Continue to payment</button>
          <p class="hint">
            You pay on the next page, by card or Bacs Direct Debit. <a href="/privacy">How we look after your information</a>.
          </p>
        </form>
      )}
      {/* The proof-of-work widget's script, from our own origin; without JavaScript the form still works. */}
      <script type="module" src="/assets/forms.js"></script>
    </div>
  );
}

const KIND_WORDS: Readonly<Record<GiftKind, string>> = { one_off: 'one-off gift', monthly: 'monthly gift' };

/** After the payment page: thanks, and where the gift stands (amount and kind only: the address may be guessed). */
export function ThankYouView(p: { outcome: GiftOutcome; testPage?: string | undefined }) {
  const o = p.outcome;
  const what = `Your ${KIND_WORDS[o.kind]} of ${poundsWords(o.amountPence)}${o.kind === 'monthly' ? ' a month' : ''}`;
  return (
    <div class="thank-you">
      <h1>Thank you</h1>
      {o.state === 'received' && <p class="lede">{what} has been received. We have emailed you a receipt.</p>}
      {o.state === 'setting_up' && (
        <p class="lede">
          {what}: your Direct Debit is being set up; it takes 4 to 7 working days. We will email you a receipt when the bank confirms it.
        </p>
      )}
      {o.state === 'waiting' && (
        <p class="lede">
          {what}: we are waiting to hear from the payment provider. This usually takes a few seconds; <a href="">reload this page</a> to see
          it.
        </p>
      )}
      {o.state === 'failed' && <p class="lede">{what}: the payment did not go through, and nothing was taken.</p>}
      {p.testPage && (
        <p class="notice notice-warning" role="note">
          Test mode: no money moved. <a href={p.testPage}>Go back to the test payment page</a>
          {o.state === 'setting_up' ? ' to give the bank’s answer.' : '.'}
        </p>
      )}
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </div>
  );
}

/** The payment page could not be reached. */
export function PaymentUnavailableView(p: { back: string }) {
  return (
    <div>
      <h1>The payment page could not be reached</h1>
      <p class="lede">The payment page could not be reached; nothing was taken.</p>
      <p>Please try again in a few minutes.</p>
      <p>
        <a href={p.back}>Go back to the donate page</a>
      </p>
    </div>
  );
}
