import type { ComponentChildren } from 'preact';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Radios, Select, TableWrap, TextArea, Time } from '../core/web/components.js';
import type { GiftListRow, GiftTotals, PaymentEventLine } from './admin-queries.js';
import { filterQuery, type FilterValues } from './exports.js';
import { formatPounds, monthWords, moneyChart, type DonationFigures } from './figures.js';
import { CHANNELS, CHANNEL_WORDS, DONATION_STATUSES, DONATION_STATUS_WORDS, type DonationStatus } from './model.js';
import type { GiftForStaff } from './offline.js';
import type { FundRow } from './queries.js';

// The staff pages of donations: the gift list with its filters and totals, the figures (charts beside tables),
// recording an offline gift, one gift with its history and refunds, the accounts export, funds and appeals, the
// giving settings, and the payments parked for a person. Words for a treasurer and a campaigner, not engineers.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

const n = (x: number) => x.toLocaleString('en-GB');

/** What the viewer may do besides looking. */
export interface DonationPowers {
  /** donations:manage: record, refund, export, funds, settings. */
  manage: boolean;
}

/** The tabs of the donations pages (the Gift Aid pages are another helper's, linked by address). */
export function DonationTabs({ current, powers }: { current: string; powers: DonationPowers }) {
  const tabs = [
    { href: '/admin/donations', label: 'Gifts' },
    { href: '/admin/donations/figures', label: 'Figures' },
    ...(powers.manage ? [{ href: '/admin/donations/new', label: 'Record an offline gift' }] : []),
    ...(powers.manage ? [{ href: '/admin/donations/export', label: 'Download' }] : []),
    { href: '/admin/donations/funds', label: 'Funds and appeals' },
    { href: '/admin/donations/gift-aid', label: 'Gift Aid' },
    ...(powers.manage ? [{ href: '/admin/donations/settings', label: 'Settings' }] : []),
  ];
  return (
    <nav class="tabs tabs-sentence" aria-label="Donations pages">
      <ul>
        {tabs.map((t) => (
          <li key={t.href}>
            <a href={t.href} aria-current={t.href === current ? 'page' : undefined}>
              {t.label}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Page(p: { title: string; current: string; powers: DonationPowers; notice?: string | undefined; children: ComponentChildren }) {
  return (
    <>
      <h1>{p.title}</h1>
      <DonationTabs current={p.current} powers={p.powers} />
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.children}
    </>
  );
}

const fundOptions = (funds: readonly FundRow[], o: { any: string; none: string }) => [
  { value: '', label: o.any },
  { value: 'none', label: o.none },
  ...funds.map((f) => ({ value: String(f.id), label: f.publication === 'draft' ? `${f.name} (draft)` : f.name })),
];

/** A gift's status in words, with a partial refund said. */
export function statusWords(status: DonationStatus, refundedPence: number): string {
  const words = DONATION_STATUS_WORDS[status] ?? status;
  return status === 'paid' && refundedPence > 0 ? `${words} (${formatPounds(refundedPence)} refunded)` : words;
}

/** The filter form (list and export share it). */
function FilterFields({ typed, errors, funds }: { typed: FilterValues; errors: Errors; funds: readonly FundRow[] }) {
  return (
    <>
      <Field name="from" label="From (first day)" type="date" value={typed.from} error={errors?.from} width="short" />
      <Field name="to" label="To (last day)" type="date" value={typed.to} error={errors?.to} width="short" />
      <Select
        name="fund"
        label="Fund"
        options={fundOptions(funds, { any: 'Any fund', none: 'No fund in particular' })}
        value={typed.fund}
        error={errors?.fund}
      />
      <Select
        name="channel"
        label="How it came"
        options={[{ value: '', label: 'Any way' }, ...CHANNELS.map((c) => ({ value: c, label: CHANNEL_WORDS[c] }))]}
        value={typed.channel}
        error={errors?.channel}
      />
      <Select
        name="kind"
        label="Kind"
        options={[
          { value: '', label: 'One-off and monthly' },
          { value: 'one_off', label: 'One-off' },
          { value: 'monthly', label: 'Monthly' },
        ]}
        value={typed.kind}
        error={errors?.kind}
      />
      <Select
        name="status"
        label="Status"
        options={[{ value: '', label: 'Any status' }, ...DONATION_STATUSES.map((s) => ({ value: s, label: DONATION_STATUS_WORDS[s] }))]}
        value={typed.status}
        error={errors?.status}
      />
      <Select
        name="giftAid"
        label="Gift Aid"
        options={[
          { value: '', label: 'Asked or not' },
          { value: 'yes', label: 'Gift Aid asked' },
          { value: 'no', label: 'No Gift Aid' },
        ]}
        value={typed.giftAid}
        error={errors?.giftAid}
      />
    </>
  );
}

// ---- the list ------------------------------------------------------------------------------------------------------------

/** A line of the list with the donor's name decrypted (null: no donor record). */
export type GiftLine = GiftListRow & { donorName: string | null };

export function GiftListView(p: {
  lines: readonly GiftLine[];
  totals: GiftTotals | undefined;
  typed: FilterValues;
  errors: Errors;
  funds: readonly FundRow[];
  page: number;
  pageSize: number;
  timeZone: string;
  powers: DonationPowers;
  notice?: string | undefined;
}) {
  const t = p.totals;
  const pages = t ? Math.max(1, Math.ceil(t.count / p.pageSize)) : 1;
  const day = (ms: number) => new Intl.DateTimeFormat('en-GB', { timeZone: p.timeZone, dateStyle: 'medium' }).format(ms);
  return (
    <Page title="Donations" current="/admin/donations" powers={p.powers} notice={p.notice}>
      <ErrorSummary errors={p.errors} />
      <form method="get" action="/admin/donations" class="filters">
        <fieldset>
          <legend>Show gifts</legend>
          <FilterFields typed={p.typed} errors={p.errors} funds={p.funds} />
          <button type="submit">Show</button> <a href="/admin/donations">Clear the filters</a>
        </fieldset>
      </form>
      {t && (
        <p id="totals">
          <strong>{t.count === 1 ? '1 gift' : `${n(t.count)} gifts`}</strong>: {formatPounds(t.amountPence)} given,{' '}
          {formatPounds(t.refundedPence)} refunded, {formatPounds(t.netPence)} received after refunds (gifts waiting for the bank and failed
          payments count nothing).
        </p>
      )}
      {p.lines.length === 0 ? (
        <p>No gift matches.</p>
      ) : (
        <TableWrap label="Gifts">
          <table>
            <caption>Gifts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col">Donor</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Fund</th>
                <th scope="col">How it came</th>
                <th scope="col">Status</th>
                <th scope="col">Gift Aid</th>
              </tr>
            </thead>
            <tbody>
              {p.lines.map((l) => (
                <tr key={l.id}>
                  <td>
                    <a href={`/admin/donations/${l.id}`}>{day(l.givenAt)}</a>
                  </td>
                  <td>{l.donorName ?? 'Anonymous cash'}</td>
                  <td class="num">
                    {formatPounds(l.amountPence)}
                    {l.kind === 'monthly' && <span class="muted"> monthly</span>}
                  </td>
                  <td>{l.fundName ?? 'General'}</td>
                  <td>{CHANNEL_WORDS[l.channel] ?? l.channel}</td>
                  <td>{statusWords(l.status, l.refundedPence)}</td>
                  <td>{l.giftAid ? 'Asked' : 'No'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      {pages > 1 && (
        <nav aria-label="Pages of gifts" class="pagination">
          <p>
            Page {n(p.page)} of {n(pages)}.{' '}
            {p.page > 1 && <a href={`/admin/donations${filterQuery(p.typed, { page: String(p.page - 1) })}`}>Newer gifts</a>}{' '}
            {p.page < pages && <a href={`/admin/donations${filterQuery(p.typed, { page: String(p.page + 1) })}`}>Older gifts</a>}
          </p>
        </nav>
      )}
    </Page>
  );
}

// ---- figures ---------------------------------------------------------------------------------------------------------------

function MoneyTable(p: {
  caption: string;
  first: string;
  rows: ReadonlyArray<{ key: string; name: string; count: number; netPence: number }>;
}) {
  return (
    <TableWrap label={p.caption}>
      <table>
        <caption>{p.caption}</caption>
        <thead>
          <tr>
            <th scope="col">{p.first}</th>
            <th scope="col" class="num">
              Gifts
            </th>
            <th scope="col" class="num">
              Received
            </th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr key={r.key}>
              <th scope="row">{r.name}</th>
              <td class="num">{n(r.count)}</td>
              <td class="num">{formatPounds(r.netPence)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

export function DonationFiguresView(p: { figures: DonationFigures; timeZone: string; powers: DonationPowers }) {
  const f = p.figures;
  const total = f.months.reduce((s, m) => s + m.netPence, 0);
  const first = monthWords(f.months[0]!.key, { short: false });
  const last = monthWords(f.months[f.months.length - 1]!.key, { short: false });
  const monthChart = moneyChart(
    f.months.map((m) => ({
      key: m.key,
      label: monthWords(m.key, { short: true }).slice(0, 3),
      words: monthWords(m.key, { short: false }),
      pence: m.netPence,
    })),
    {
      id: 'months-chart',
      title: 'Money received each month',
      desc: `From ${first} to ${last}: ${formatPounds(total)} received after refunds. The table beside the chart gives each month.`,
    },
  );
  const fundChart =
    f.byFund.length > 0
      ? moneyChart(
          f.byFund.slice(0, 12).map((r, i) => ({ key: `fund-${i}`, label: String(i + 1), words: r.name, pence: r.netPence })),
          {
            id: 'funds-chart',
            title: 'Money received by fund',
            desc: `Over the twelve months, by fund, largest first; bars are numbered as the rows of the table beside.`,
          },
        )
      : undefined;
  const channelChart =
    f.byChannel.length > 0
      ? moneyChart(
          f.byChannel.map((r) => ({ key: r.channel, label: r.name.split(' ')[0]!, words: r.name, pence: r.netPence })),
          {
            id: 'channels-chart',
            title: 'Money received by how it came',
            desc: 'Over the twelve months, by how the money came; the table beside gives the numbers.',
          },
        )
      : undefined;
  const r = f.regular;
  return (
    <Page title="Donation figures" current="/admin/donations/figures" powers={p.powers}>
      <p class="hint">
        Money received, less refunds, in the twelve months from {first} to {last}. Gifts still waiting for the bank and failed payments are
        not counted.
      </p>
      <h2>By month</h2>
      <div class="chart-with-table">
        <figure class="chart">{monthChart}</figure>
        <MoneyTable
          caption="Money received each month"
          first="Month"
          rows={f.months.map((m) => ({ key: m.key, name: monthWords(m.key, { short: false }), count: m.count, netPence: m.netPence }))}
        />
      </div>
      <h2>By fund</h2>
      {fundChart ? (
        <div class="chart-with-table">
          <figure class="chart">{fundChart}</figure>
          <MoneyTable
            caption="Money received by fund"
            first="Fund"
            rows={f.byFund.map((x, i) => ({ ...x, key: `fund-${i}`, name: `${i + 1}. ${x.name}` }))}
          />
        </div>
      ) : (
        <p>Nothing received in these twelve months.</p>
      )}
      <h2>By how it came</h2>
      {channelChart ? (
        <div class="chart-with-table">
          <figure class="chart">{channelChart}</figure>
          <MoneyTable
            caption="Money received by how it came"
            first="How it came"
            rows={f.byChannel.map((x) => ({ ...x, key: x.channel }))}
          />
        </div>
      ) : (
        <p>Nothing received in these twelve months.</p>
      )}
      <h2 id="monthly">Monthly donors</h2>
      <dl class="figures" id="monthly-figures">
        <div>
          <dt>Active monthly gifts</dt>
          <dd>{n(r.active)}</dd>
        </div>
        <div>
          <dt>Their monthly value</dt>
          <dd>{formatPounds(r.activeMonthlyPence)}</dd>
        </div>
        <div>
          <dt>New this month</dt>
          <dd>{n(r.started)}</dd>
        </div>
        <div>
          <dt>Cancelled in the last 12 months</dt>
          <dd>{n(r.cancelled)}</dd>
        </div>
        <div>
          <dt>Paused by the donor</dt>
          <dd>{n(r.paused)}</dd>
        </div>
      </dl>
      <h2 id="failed">Monthly payments that failed in the last 30 days</h2>
      {f.failed.length === 0 ? (
        <p>None.</p>
      ) : (
        <>
          <p class="hint">
            The payment provider tries again over the next days. If the donor’s card has changed, they can set up a new gift.
          </p>
          <ul>
            {f.failed.map((g) => (
              <li key={g.id}>
                {formatPounds(Number(g.amount_pence))} a month, failed{' '}
                <Time ms={g.failed_at === null ? null : Number(g.failed_at)} timeZone={p.timeZone} /> —{' '}
                <a href={`/admin/donations/donors/${g.donor_id}`}>the donor’s page</a>
              </li>
            ))}
          </ul>
        </>
      )}
    </Page>
  );
}

// ---- recording an offline gift -------------------------------------------------------------------------------------------

export function NewGiftView(p: {
  csrf: string;
  values: Values;
  errors: Errors;
  funds: readonly FundRow[];
  today: string;
  powers: DonationPowers;
}) {
  const v = p.values;
  const e = p.errors;
  return (
    <Page title="Record an offline gift" current="/admin/donations/new" powers={p.powers}>
      <ErrorSummary errors={e} />
      <form method="post" action="/admin/donations/new" novalidate>
        <CsrfField token={p.csrf} />
        <Radios
          name="channel"
          legend="How did the gift come?"
          options={[
            { value: 'cheque', label: 'Cheque' },
            { value: 'bank_transfer', label: 'Bank transfer' },
            { value: 'cash', label: 'Cash' },
            { value: 'card_in_person', label: 'Card in person' },
          ]}
          value={v.channel}
          error={e?.channel}
        />
        <Field
          name="amount"
          label="Amount (£)"
          value={v.amount}
          error={e?.amount}
          inputMode="text"
          width="short"
          hint="In pounds, like 25 or 12.50."
        />
        <Field
          name="givenOn"
          label="Date given"
          type="date"
          value={v.givenOn ?? p.today}
          error={e?.givenOn}
          width="short"
          hint="The date on the cheque, or the day the money arrived. Not in the future."
        />
        <Select
          name="fundId"
          label="Fund"
          options={[
            { value: '', label: 'General (no fund in particular)' },
            ...p.funds.map((f) => ({ value: String(f.id), label: f.name })),
          ]}
          value={v.fundId}
          error={e?.fundId}
        />
        <Field
          name="reference"
          label="Reference (optional)"
          value={v.reference}
          error={e?.reference}
          hint="A cheque number or the bank’s reference."
          maxLength={100}
        />
        <Radios
          name="donor"
          legend="Who gave it?"
          options={[
            { value: 'person', label: 'A donor (enter their name below)' },
            { value: 'none', label: 'No donor record (anonymous cash)' },
          ]}
          value={v.donor ?? 'person'}
          error={e?.donor}
        />
        <Field name="donorName" label="Donor’s name" value={v.donorName} error={e?.donorName} autocomplete="off" />
        <Field
          name="donorEmail"
          label="Donor’s email (optional)"
          type="email"
          value={v.donorEmail}
          error={e?.donorEmail}
          hint="If Lantern already knows this email, the gift is added to that donor."
        />
        <Checkbox name="fromCompany" label="This gift is from a company" checked={v.fromCompany === 'on'} />
        <Field
          name="benefit"
          label="Value of any benefit the donor received (£)"
          value={v.benefit ?? '0'}
          error={e?.benefit}
          width="short"
          hint="A ticket or a gift in return. Leave 0 when there was none."
        />
        {e?.giftAid && (
          <p class="error-message" id="f-giftAid-error">
            <span class="visually-hidden">Error: </span>
            {e.giftAid}
          </p>
        )}
        <Checkbox
          name="giftAid"
          label="The donor asked for Gift Aid on this gift"
          checked={v.giftAid === 'on'}
          hint="Only with a donor record. Whether Gift Aid can be claimed is decided when the claim is made: the donor needs a declaration. After saving, the gift’s page links to the donor’s page, where a paper or spoken declaration is recorded."
        />
        <button type="submit">Record the gift</button>
      </form>
    </Page>
  );
}

// ---- one gift ------------------------------------------------------------------------------------------------------------

const EVENT_WORDS: Readonly<Record<string, string>> = {
  'checkout.session.completed': 'Payment completed',
  'checkout.session.async_payment_succeeded': 'Direct Debit confirmed by the bank',
  'checkout.session.async_payment_failed': 'Direct Debit failed',
  'invoice.paid': 'Monthly payment taken',
  'invoice.payment_failed': 'Monthly payment failed',
  'charge.refunded': 'Refund made',
  'charge.dispute.created': 'The donor’s bank disputed the payment',
  'charge.dispute.closed': 'The dispute was closed',
  'customer.subscription.updated': 'Monthly gift changed',
  'customer.subscription.deleted': 'Monthly gift cancelled',
};

/** A payment event's type in words. */
export const eventWords = (type: string) => EVENT_WORDS[type] ?? 'Another payment message';

export function GiftView(p: {
  csrf: string;
  data: GiftForStaff;
  timeZone: string;
  powers: DonationPowers;
  values?: Values;
  errors?: Errors;
  notice?: string | undefined;
}) {
  const { gift, donor, fund, history } = p.data;
  const v = p.values ?? {};
  const online = gift.channel === 'online';
  const amount = Number(gift.amount_pence);
  const refunded = Number(gift.refunded_pence);
  return (
    <>
      <p>
        <a href="/admin/donations">Back to gifts</a>
      </p>
      <h1>{`Gift of ${formatPounds(amount)} on ${new Intl.DateTimeFormat('en-GB', { timeZone: p.timeZone, dateStyle: 'long' }).format(Number(gift.given_at))}`}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <dl class="summary">
        <div>
          <dt>Donor</dt>
          <dd>{donor ? <a href={`/admin/donations/donors/${donor.id}`}>{donor.name}</a> : 'Anonymous cash (no donor record)'}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{statusWords(gift.status, refunded)}</dd>
        </div>
        <div>
          <dt>Kind</dt>
          <dd>{gift.kind === 'monthly' ? 'One payment of a monthly gift' : 'One-off'}</dd>
        </div>
        <div>
          <dt>How it came</dt>
          <dd>{CHANNEL_WORDS[gift.channel] ?? gift.channel}</dd>
        </div>
        <div>
          <dt>Fund</dt>
          <dd>{fund ? fund.name : 'General (no fund in particular)'}</dd>
        </div>
        <div>
          <dt>Refunded</dt>
          <dd>{formatPounds(refunded)}</dd>
        </div>
        <div>
          <dt>Gift Aid</dt>
          <dd>
            {Number(gift.gift_aid) === 1 ? 'Asked for' : 'Not asked for'}
            {gift.claim_id !== null && <> — in Gift Aid claim {String(gift.claim_id)}</>}
          </dd>
        </div>
        {Number(gift.from_company) === 1 && (
          <div>
            <dt>From a company</dt>
            <dd>Yes</dd>
          </div>
        )}
        {Number(gift.benefit_pence) > 0 && (
          <div>
            <dt>Benefit received</dt>
            <dd>{formatPounds(Number(gift.benefit_pence))}</dd>
          </div>
        )}
        {gift.reference && (
          <div>
            <dt>Reference</dt>
            <dd>{gift.reference}</dd>
          </div>
        )}
      </dl>
      {donor && Number(gift.gift_aid) === 1 && (
        <p>
          To record a paper or spoken Gift Aid declaration, go to <a href={`/admin/donations/donors/${donor.id}`}>the donor’s page</a>.
        </p>
      )}
      <h2>History</h2>
      {online ? (
        history.length === 0 ? (
          <p>No payment messages about this gift have been found.</p>
        ) : (
          <TableWrap label="Payment messages about this gift">
            <table>
              <caption>Payment messages about this gift</caption>
              <thead>
                <tr>
                  <th scope="col">What happened</th>
                  <th scope="col">When</th>
                </tr>
              </thead>
              <tbody>
                {history.map((h) => (
                  <tr key={h.id}>
                    <td>
                      {eventWords(h.type)}
                      {h.state === 'parked' && <span class="muted"> (waiting for a person)</span>}
                    </td>
                    <td>
                      <Time ms={h.occurredAt} timeZone={p.timeZone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
        )
      ) : (
        <p>
          Recorded by staff on <Time ms={Number(gift.created_at)} timeZone={p.timeZone} />.
        </p>
      )}
      {p.powers.manage && (
        <>
          <h2>Refund</h2>
          {p.data.refundBlocked ? (
            <p>{p.data.refundBlocked}</p>
          ) : (
            <>
              <ErrorSummary errors={p.errors} />
              {gift.claim_id !== null && (
                <Notice kind="warning">
                  This gift is in a Gift Aid claim. After refunding it, tell HMRC in your next claim (as an adjustment).
                </Notice>
              )}
              <form method="post" action={`/admin/donations/${gift.id}/refund`} novalidate>
                <CsrfField token={p.csrf} />
                <Radios
                  name="how"
                  legend={`Refund how much? Up to ${formatPounds(p.data.refundablePence)} is left.`}
                  hint={
                    online
                      ? 'The payment provider sends the money back to the donor’s card or account; this page shows the refund once the provider confirms it, usually within a minute.'
                      : 'Record here a refund you have already made (by cheque or bank transfer): Lantern moves no money for offline gifts.'
                  }
                  options={[
                    { value: 'all', label: `All that is left (${formatPounds(p.data.refundablePence)})` },
                    { value: 'part', label: 'Part of it' },
                  ]}
                  value={v.how}
                  error={p.errors?.how}
                />
                <Field name="amount" label="Amount to refund (£), for part" value={v.amount} error={p.errors?.amount} width="short" />
                <button type="submit">{online ? 'Refund' : 'Mark refunded'}</button>
              </form>
            </>
          )}
        </>
      )}
    </>
  );
}

// ---- export ----------------------------------------------------------------------------------------------------------------

export function ExportView(p: {
  csrf: string;
  typed: FilterValues;
  names: boolean;
  errors: Errors;
  funds: readonly FundRow[];
  powers: DonationPowers;
}) {
  return (
    <Page title="Download gifts for the accounts" current="/admin/donations/export" powers={p.powers}>
      <p>
        A spreadsheet (CSV) of the gifts, one row each: date, amount, fund, how it came, kind, status, amount refunded, Gift Aid and the
        claim it is in, and reference. Every download is recorded in the audit log.
      </p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/donations/export" novalidate>
        <CsrfField token={p.csrf} />
        <fieldset>
          <legend>Which gifts</legend>
          <FilterFields typed={p.typed} errors={p.errors} funds={p.funds} />
        </fieldset>
        <Checkbox
          name="names"
          label="Include donors’ names and emails"
          checked={p.names}
          hint="Only when the accounts need them: the file then holds personal data, so keep it safe and delete it when done."
        />
        <button type="submit">Download</button>
      </form>
    </Page>
  );
}

// ---- funds --------------------------------------------------------------------------------------------------------------

export function FundListView(p: { funds: readonly FundRow[]; timeZone: string; powers: DonationPowers; notice?: string | undefined }) {
  return (
    <Page title="Funds and appeals" current="/admin/donations/funds" powers={p.powers} notice={p.notice}>
      <p>A gift can go to a fund or an appeal. A published appeal has its own page at /donate/ followed by its web address.</p>
      {p.powers.manage && (
        <p>
          <a href="/admin/donations/funds/new" class="button">
            New fund or appeal
          </a>
        </p>
      )}
      {p.funds.length === 0 ? (
        <p>There are no funds yet: every gift goes to the general fund.</p>
      ) : (
        <TableWrap label="Funds and appeals">
          <table>
            <caption>Funds and appeals</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Web address</th>
                <th scope="col">Published</th>
                <th scope="col" class="num">
                  Target
                </th>
                <th scope="col">Closes</th>
              </tr>
            </thead>
            <tbody>
              {p.funds.map((f) => (
                <tr key={f.id}>
                  <td>{p.powers.manage ? <a href={`/admin/donations/funds/${f.id}`}>{f.name}</a> : f.name}</td>
                  <td>/donate/{f.slug}</td>
                  <td>{f.publication === 'published' ? 'Published' : 'Draft'}</td>
                  <td class="num">{f.target_pence === null ? '—' : formatPounds(Number(f.target_pence))}</td>
                  <td>{f.closes_at === null ? 'Never' : <Time ms={Number(f.closes_at)} timeZone={p.timeZone} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Page>
  );
}

const SUGGESTION_HINT =
  'One amount a line: the amount in pounds, a bar |, then what it does, like “25 | pays for a translator for one briefing”. At most 6.';

export function FundFormView(p: {
  csrf: string;
  fundId?: number;
  values: Values;
  errors: Errors;
  powers: DonationPowers;
  notice?: string | undefined;
}) {
  const v = p.values;
  const e = p.errors;
  const action = p.fundId === undefined ? '/admin/donations/funds/new' : `/admin/donations/funds/${p.fundId}`;
  return (
    <Page
      title={p.fundId === undefined ? 'New fund or appeal' : `Fund: ${v.name ?? ''}`}
      current="/admin/donations/funds"
      powers={p.powers}
      notice={p.notice}
    >
      <ErrorSummary errors={e} />
      <form method="post" action={action} novalidate>
        <CsrfField token={p.csrf} />
        <Field name="name" label="Name" value={v.name} error={e?.name} maxLength={120} />
        <Field
          name="slug"
          label="Web address"
          value={v.slug}
          error={e?.slug}
          hint="The end of the appeal’s address, /donate/… Lower-case letters, numbers and hyphens. Leave empty to make it from the name."
          maxLength={80}
        />
        <Field
          name="summary"
          label="One-line summary"
          value={v.summary}
          error={e?.summary}
          hint="Shown on the donate page."
          maxLength={200}
        />
        <TextArea
          name="description"
          label="Description (optional)"
          value={v.description}
          error={e?.description}
          rows={8}
          hint="Shown on the appeal’s page. You can use **bold**, *italic*, lists and links like [our report](https://example.org)."
        />
        <Field name="partnerName" label="Partner organisation (optional)" value={v.partnerName} error={e?.partnerName} maxLength={120} />
        <Field
          name="target"
          label="Target (£, optional)"
          value={v.target}
          error={e?.target}
          width="short"
          hint="Shown as progress on the appeal’s page."
        />
        <TextArea
          name="suggestedOneOff"
          label="Suggested one-off amounts (optional)"
          value={v.suggestedOneOff}
          error={e?.suggestedOneOff}
          rows={4}
          hint={`${SUGGESTION_HINT} Leave empty to use the general ones.`}
        />
        <TextArea
          name="suggestedMonthly"
          label="Suggested monthly amounts (optional)"
          value={v.suggestedMonthly}
          error={e?.suggestedMonthly}
          rows={4}
          hint={`${SUGGESTION_HINT} Leave empty to use the general ones.`}
        />
        <Radios
          name="publication"
          legend="Published?"
          options={[
            { value: 'draft', label: 'Draft: staff only' },
            { value: 'published', label: 'Published: people can give to it' },
          ]}
          value={v.publication ?? 'draft'}
          error={e?.publication}
        />
        <Field
          name="closesOn"
          label="Closing date (optional)"
          type="date"
          value={v.closesOn}
          error={e?.closesOn}
          width="short"
          hint="The last day the appeal takes gifts. After it, its page says it has closed."
        />
        <button type="submit">Save</button>
      </form>
    </Page>
  );
}

// ---- settings --------------------------------------------------------------------------------------------------------------

export function GivingSettingsView(p: {
  csrf: string;
  values: Values;
  errors: Errors;
  powers: DonationPowers;
  notice?: string | undefined;
}) {
  const v = p.values;
  const e = p.errors;
  return (
    <Page title="Giving settings" current="/admin/donations/settings" powers={p.powers} notice={p.notice}>
      <ErrorSummary errors={e} />
      <form method="post" action="/admin/donations/settings" novalidate>
        <CsrfField token={p.csrf} />
        <Field name="minimum" label="Smallest gift (£)" value={v.minimum} error={e?.minimum} width="short" hint="At least £1." />
        <Field
          name="maximum"
          label="Largest gift (£)"
          value={v.maximum}
          error={e?.maximum}
          width="short"
          hint="The donate form refuses more than this."
        />
        <TextArea
          name="suggestedOneOff"
          label="Suggested one-off amounts"
          value={v.suggestedOneOff}
          error={e?.suggestedOneOff}
          rows={4}
          hint={SUGGESTION_HINT}
        />
        <TextArea
          name="suggestedMonthly"
          label="Suggested monthly amounts"
          value={v.suggestedMonthly}
          error={e?.suggestedMonthly}
          rows={4}
          hint={SUGGESTION_HINT}
        />
        <Field
          name="aggregateLimit"
          label="Gift Aid: largest aggregated line (£)"
          value={v.aggregateLimit}
          error={e?.aggregateLimit}
          width="short"
          hint="HMRC lets small gifts be added up on one line of a claim, up to £1,000 a line."
        />
        <button type="submit">Save</button>
      </form>
    </Page>
  );
}

// ---- parked payments ----------------------------------------------------------------------------------------------------------

export function PaymentEventsView(p: {
  csrf: string;
  events: readonly PaymentEventLine[];
  timeZone: string;
  powers: DonationPowers;
  notice?: string | undefined;
}) {
  return (
    <Page title="Payments that need a look" current="/admin/donations/payment-events" powers={p.powers} notice={p.notice}>
      <p>
        These are messages from the payment provider that Lantern could not match to anything it knows yet, such as a payment for a checkout
        it has no record of. Lantern tries them again by itself every 15 minutes; you can ask it to try now.
      </p>
      {p.events.length === 0 ? (
        <p>Nothing needs a look.</p>
      ) : (
        <>
          <TableWrap label="Payments that need a look">
            <table>
              <caption>Payments that need a look</caption>
              <thead>
                <tr>
                  <th scope="col">What</th>
                  <th scope="col">Why it is waiting</th>
                  <th scope="col">When it happened</th>
                  <th scope="col">Received</th>
                </tr>
              </thead>
              <tbody>
                {p.events.map((e) => (
                  <tr key={e.id}>
                    <td>{eventWords(e.type)}</td>
                    <td>{e.note}</td>
                    <td>
                      <Time ms={e.occurredAt} timeZone={p.timeZone} />
                    </td>
                    <td>
                      <Time ms={e.receivedAt} timeZone={p.timeZone} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          {p.powers.manage && (
            <form method="post" action="/admin/donations/payment-events/retry">
              <CsrfField token={p.csrf} />
              <button type="submit">Try them again now</button>
            </form>
          )}
        </>
      )}
    </Page>
  );
}
