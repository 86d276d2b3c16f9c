import type { ComponentChildren } from 'preact';
import { auditDetails, targetId, type AuditDescriber, type AuditDescription } from '../core/audit.js';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, Radios, TableWrap, TextArea } from '../core/web/components.js';
import { DonationTabs, statusWords, type DonationPowers } from './admin-views.js';
import type { ClaimRow, CollectionRow } from './claim-queries.js';
import { GASDS_ALLOWANCE_PENCE, GASDS_GIFT_MAX_PENCE, type ClaimLine, type ClaimSummary, type SmallDonationsYear } from './claims.js';
import type { DonorForStaff, LedgerEntry } from './declarations.js';
import { formatPounds } from './figures.js';
import { giftAidOn } from './gift-aid.js';
import { CHANNEL_WORDS, DECLARATION_CHANNEL_WORDS, REGULAR_STATUS_WORDS, type ClaimStatus, type ScheduleRow } from './model.js';

// The Gift Aid pages for staff: the claims and small cash collections, making a claim, a claim with its rows'
// problems (each linked to where it is fixed), the gifts left out and why, HMRC's figures for small donations, a
// donor with their gifts and the declaration ledger, and the forms to record, correct and cancel declarations.
// Words for a treasurer: no codes, no table names.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

const n = (x: number) => x.toLocaleString('en-GB');
const plural = (x: number, one: string, many: string) => `${n(x)} ${x === 1 ? one : many}`;
const dayWords = (ms: number | null, timeZone: string) =>
  ms === null ? '—' : new Intl.DateTimeFormat('en-GB', { timeZone, dateStyle: 'medium' }).format(ms);

/** A claim's status in words. */
export const CLAIM_STATUS_WORDS: Readonly<Record<ClaimStatus, string>> = {
  draft: 'Draft (not yet submitted to HMRC)',
  submitted: 'Submitted to HMRC',
  paid: 'Paid by HMRC',
};

/** A claim's period in words ("6 Apr 2026 to 5 Apr 2027"); its end is stored as the start of the day after. */
export const periodWords = (claim: Pick<ClaimRow, 'period_from' | 'period_to'>, timeZone: string) =>
  `${dayWords(Number(claim.period_from), timeZone)} to ${dayWords(Number(claim.period_to) - 1, timeZone)}`;

function Page(p: {
  title: string;
  powers: DonationPowers;
  notice?: string | undefined;
  back?: { href: string; label: string };
  children: ComponentChildren;
}) {
  return (
    <>
      {p.back && (
        <p>
          <a href={p.back.href}>{p.back.label}</a>
        </p>
      )}
      <h1>{p.title}</h1>
      <DonationTabs current="/admin/donations/gift-aid" powers={p.powers} />
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      {p.children}
    </>
  );
}

// ---- the claims and collections -------------------------------------------------------------------------------------------

/** The Gift Aid page: the claims with their figures, and the small cash collections. */
export function GiftAidHomeView(p: {
  claims: readonly ClaimRow[];
  collections: readonly CollectionRow[];
  timeZone: string;
  powers: DonationPowers;
  notice?: string | undefined;
}) {
  return (
    <Page title="Gift Aid" powers={p.powers} notice={p.notice}>
      <h2>Claims</h2>
      {p.powers.manage && (
        <p>
          <a href="/admin/donations/gift-aid/claims/new" class="button">
            Make a claim
          </a>
        </p>
      )}
      {p.claims.length === 0 ? (
        <p>No claim has been made yet.</p>
      ) : (
        <TableWrap label="Claims">
          <table>
            <caption>Gift Aid claims, newest period first</caption>
            <thead>
              <tr>
                <th scope="col">Period</th>
                <th scope="col">Status</th>
                <th scope="col" class="num">
                  Rows
                </th>
                <th scope="col" class="num">
                  Gifts total
                </th>
                <th scope="col" class="num">
                  Gift Aid due (25%)
                </th>
                <th scope="col" class="num">
                  Small donations
                </th>
              </tr>
            </thead>
            <tbody>
              {p.claims.map((c) => (
                <tr key={c.id}>
                  <td>
                    <a href={`/admin/donations/gift-aid/claims/${c.id}`}>{periodWords(c, p.timeZone)}</a>
                  </td>
                  <td>{CLAIM_STATUS_WORDS[c.status] ?? c.status}</td>
                  <td class="num">{n(Number(c.row_count))}</td>
                  <td class="num">{formatPounds(Number(c.total_pence))}</td>
                  <td class="num">{formatPounds(giftAidOn(Number(c.total_pence)))}</td>
                  <td class="num">{formatPounds(Number(c.small_donations_pence))}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Small cash and contactless collections</h2>
      <p>
        Collections of small gifts (a protest bucket, contactless at a stall) can be claimed under the Gift Aid Small Donations Scheme
        without declarations. A claim takes the collections of its period.
      </p>
      {p.powers.manage && (
        <p>
          <a href="/admin/donations/gift-aid/collections/new">Record a collection</a>
        </p>
      )}
      {p.collections.length === 0 ? (
        <p>No collection has been recorded.</p>
      ) : (
        <TableWrap label="Collections">
          <table>
            <caption>Collections, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Day</th>
                <th scope="col">Occasion</th>
                <th scope="col">How</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">Claim</th>
              </tr>
            </thead>
            <tbody>
              {p.collections.map((c) => (
                <tr key={c.id}>
                  <td>{dayWords(Number(c.collected_on), p.timeZone)}</td>
                  <td>{c.occasion}</td>
                  <td>{c.method === 'cash' ? 'Cash' : 'Contactless'}</td>
                  <td class="num">{formatPounds(Number(c.amount_pence))}</td>
                  <td>
                    {c.claim_id === null ? (
                      'Not yet claimed'
                    ) : (
                      <a href={`/admin/donations/gift-aid/claims/${c.claim_id}`}>Claim {String(c.claim_id)}</a>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
    </Page>
  );
}

/** The form that makes a claim for a period. */
export function NewClaimView(p: { csrf: string; values: Values; errors: Errors; powers: DonationPowers }) {
  return (
    <Page title="Make a Gift Aid claim" powers={p.powers} back={{ href: '/admin/donations/gift-aid', label: 'Back to Gift Aid' }}>
      <ErrorSummary errors={p.errors} />
      <p>
        The claim takes every gift of the period that asked for Gift Aid, is covered by a declaration and has not been claimed before, and
        the period’s small cash collections. You can check its rows and fix problems before downloading HMRC’s schedule.
      </p>
      <form method="post" action="/admin/donations/gift-aid/claims/new">
        <CsrfField token={p.csrf} />
        {p.errors?._form && <p class="error-message">{p.errors._form}</p>}
        <Field name="from" label="First day of the period" type="date" value={p.values.from} error={p.errors?.from} width="short" />
        <Field
          name="to"
          label="Last day of the period"
          type="date"
          value={p.values.to}
          error={p.errors?.to}
          width="short"
          hint="Today or earlier."
        />
        <Checkbox
          name="aggregate"
          label="Put gifts of £20 or less on aggregated lines"
          checked={['on', 'true', '1'].includes(p.values.aggregate ?? '')}
          hint="HMRC allows small gifts to be added together on a line without the donors’ names, up to the limit in the giving settings."
        />
        <button type="submit">Make the claim</button>
      </form>
    </Page>
  );
}

// ---- one claim --------------------------------------------------------------------------------------------------------------

const rowWho = (row: ScheduleRow | undefined) =>
  !row ? '—' : row.aggregated ? row.aggregated : [row.title, row.firstName, row.lastName].filter(Boolean).join(' ') || '(no name)';

function ProblemTable({ lines, timeZone }: { lines: readonly ClaimLine[]; timeZone: string }) {
  return (
    <TableWrap label="Rows with problems">
      <table>
        <caption>Rows with problems</caption>
        <thead>
          <tr>
            <th scope="col">Donor</th>
            <th scope="col">Gift</th>
            <th scope="col">Problem</th>
            <th scope="col">Fix it</th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l, i) => (
            <tr key={`${l.giftId ?? 'line'}-${i}`}>
              <td>{rowWho(l.row)}</td>
              <td>
                {l.giftId !== undefined ? (
                  <a href={`/admin/donations/${l.giftId}`}>{l.row ? formatPounds(l.row.amountPence) : `Gift ${l.giftId}`}</a>
                ) : (
                  '—'
                )}
                {l.row && <span class="muted"> on {dayWords(l.row.donationDate, timeZone)}</span>}
              </td>
              <td>
                <ul>
                  {l.problems.map((pr, j) => (
                    <li key={j}>{pr.message}</li>
                  ))}
                </ul>
              </td>
              <td>
                {l.donorId !== undefined && l.declarationId !== undefined ? (
                  <a href={`/admin/donations/donors/${l.donorId}/declarations/${l.declarationId}/correct`}>Correct this declaration</a>
                ) : l.donorId !== undefined ? (
                  <a href={`/admin/donations/donors/${l.donorId}`}>The donor’s page</a>
                ) : (
                  '—'
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** One claim: its figures, the rows with problems (each linked to its fix), the actions, small donations, and what was left out. */
export function ClaimView(p: {
  csrf: string;
  claim: ClaimRow;
  summary: ClaimSummary;
  leftOut: { reasons: ReadonlyMap<string, number>; noGiftAid: number };
  small: { collections: readonly CollectionRow[]; years: readonly SmallDonationsYear[] };
  timeZone: string;
  today: string;
  powers: DonationPowers;
  values?: Values;
  errors?: Errors;
  notice?: string | undefined;
}) {
  const c = p.claim;
  const s = p.summary;
  const v = p.values ?? {};
  const stale = s.rows !== Number(c.row_count) || s.totalPence !== Number(c.total_pence);
  const draft = c.status === 'draft';
  const topUp = p.small.years.reduce((t, y) => t + y.topUpPence, 0);
  return (
    <Page
      title={`Gift Aid claim for ${periodWords(c, p.timeZone)}`}
      powers={p.powers}
      notice={p.notice}
      back={{ href: '/admin/donations/gift-aid', label: 'Back to Gift Aid' }}
    >
      <ErrorSummary errors={p.errors} />
      <dl class="summary" id="claim-figures">
        <div>
          <dt>Status</dt>
          <dd>
            {CLAIM_STATUS_WORDS[c.status] ?? c.status}
            {c.hmrc_reference && <> — HMRC’s reference {c.hmrc_reference}</>}
          </dd>
        </div>
        <div>
          <dt>Rows on the schedule</dt>
          <dd>{n(Number(c.row_count))}</dd>
        </div>
        <div>
          <dt>Gifts</dt>
          <dd>{n(s.gifts)}</dd>
        </div>
        <div>
          <dt>Gifts total</dt>
          <dd>{formatPounds(Number(c.total_pence))}</dd>
        </div>
        <div>
          <dt>Gift Aid due (25%)</dt>
          <dd>{formatPounds(giftAidOn(Number(c.total_pence)))}</dd>
        </div>
        {c.paid_pence !== null && (
          <div>
            <dt>Paid by HMRC</dt>
            <dd>
              {formatPounds(Number(c.paid_pence))} on {dayWords(c.paid_at === null ? null : Number(c.paid_at), p.timeZone)}
            </dd>
          </div>
        )}
      </dl>
      {stale && (
        <Notice kind="warning">
          Gifts or declarations have changed since this claim was last checked: it now has {plural(s.rows, 'row', 'rows')} totalling{' '}
          {formatPounds(s.totalPence)}. {draft ? 'Check the claim again to bring its figures up to date.' : ''}
        </Notice>
      )}

      <h2 id="problems">Rows with problems</h2>
      {s.problemRows === 0 ? (
        <p>No row has a problem: the schedule can be downloaded.</p>
      ) : (
        <>
          <p>
            <strong>{plural(s.problemRows, 'row has a problem', 'rows have problems')}</strong>. HMRC would reject the schedule, so it
            cannot be downloaded until they are fixed. Correct each declaration, then check the claim again
            {s.problemRows > s.problems.length ? ` (the first ${n(s.problems.length)} are listed)` : ''}.
          </p>
          <ProblemTable lines={s.problems} timeZone={p.timeZone} />
        </>
      )}

      {p.powers.manage && (
        <section aria-labelledby="claim-actions">
          <h2 id="claim-actions">What to do next</h2>
          {draft && (
            <form method="post" action={`/admin/donations/gift-aid/claims/${c.id}/check`} class="inline">
              <CsrfField token={p.csrf} />
              <button type="submit">Check the claim again</button>
            </form>
          )}
          <form method="post" action={`/admin/donations/gift-aid/claims/${c.id}/download`} class="inline">
            <CsrfField token={p.csrf} />
            <button type="submit">Download HMRC’s schedule</button>
          </form>
          <p class="hint">
            A claim of more than 1,000 rows downloads as a zip of schedules of up to 1,000 rows each, as HMRC accepts them.
          </p>
          {draft && (
            <form method="post" action={`/admin/donations/gift-aid/claims/${c.id}/submitted`}>
              <CsrfField token={p.csrf} />
              <Field
                name="reference"
                label="HMRC’s reference for the claim"
                value={v.reference}
                error={p.errors?.reference}
                hint="Once you have sent the schedule through Charities Online, enter the reference HMRC gave you."
              />
              <button type="submit">Mark as submitted</button>
            </form>
          )}
          {c.status === 'submitted' && (
            <form method="post" action={`/admin/donations/gift-aid/claims/${c.id}/paid`}>
              <CsrfField token={p.csrf} />
              <Field
                name="amount"
                label="Amount HMRC paid (£)"
                value={v.amount}
                error={p.errors?.amount}
                width="short"
                inputMode="numeric"
              />
              <Field name="paidOn" label="Day it was paid" type="date" value={v.paidOn ?? p.today} error={p.errors?.paidOn} width="short" />
              <button type="submit">Mark as paid</button>
            </form>
          )}
          {draft && (
            <form method="post" action={`/admin/donations/gift-aid/claims/${c.id}/delete`}>
              <CsrfField token={p.csrf} />
              <p class="hint">Deleting a draft releases its gifts and collections, so a new claim can take them.</p>
              <button type="submit" class="button-warning">
                Delete this draft claim
              </button>
            </form>
          )}
        </section>
      )}

      <h2>Small donations (Gift Aid Small Donations Scheme)</h2>
      {p.small.collections.length === 0 ? (
        <p>No small cash or contactless collection falls in this claim’s period.</p>
      ) : (
        <>
          <p>
            This period’s collections total <strong>{formatPounds(Number(c.small_donations_pence))}</strong>. Enter the figures below in
            HMRC’s claim form: the top-up is 25% of at most {formatPounds(GASDS_ALLOWANCE_PENCE)} of small donations each tax year (less
            what earlier claims used), and HMRC also expects Gift Aid claims on other gifts in the same tax year.
          </p>
          <TableWrap label="Small donations by tax year">
            <table>
              <caption>Small donations by tax year</caption>
              <thead>
                <tr>
                  <th scope="col">Tax year</th>
                  <th scope="col" class="num">
                    Collected
                  </th>
                  <th scope="col" class="num">
                    In earlier claims
                  </th>
                  <th scope="col" class="num">
                    Claimable here
                  </th>
                  <th scope="col" class="num">
                    Top-up (25%)
                  </th>
                </tr>
              </thead>
              <tbody>
                {p.small.years.map((y) => (
                  <tr key={y.label}>
                    <td>{y.label}</td>
                    <td class="num">{formatPounds(y.collectedPence)}</td>
                    <td class="num">{formatPounds(y.inOtherClaimsPence)}</td>
                    <td class="num">{formatPounds(y.claimablePence)}</td>
                    <td class="num">{formatPounds(y.topUpPence)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <p id="gasds-top-up">
            Small donations top-up to enter: <strong>{formatPounds(topUp)}</strong>
          </p>
        </>
      )}

      <h2 id="left-out">Gifts of the period not in this claim</h2>
      {p.leftOut.reasons.size === 0 ? (
        <p>Every gift of the period that asked for Gift Aid is in this claim.</p>
      ) : (
        <TableWrap label="Gifts not in this claim, by reason">
          <table>
            <caption>Gifts that asked for Gift Aid but are not in this claim, by reason</caption>
            <thead>
              <tr>
                <th scope="col">Why</th>
                <th scope="col" class="num">
                  Gifts
                </th>
              </tr>
            </thead>
            <tbody>
              {[...p.leftOut.reasons].map(([reason, count]) => (
                <tr key={reason}>
                  <td>{reason}</td>
                  <td class="num">{n(count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <p>{plural(p.leftOut.noGiftAid, 'gift', 'gifts')} of the period did not ask for Gift Aid.</p>
    </Page>
  );
}

// ---- collections ------------------------------------------------------------------------------------------------------------

/** The form that records a small cash or contactless collection. */
export function NewCollectionView(p: { csrf: string; values: Values; errors: Errors; today: string; powers: DonationPowers }) {
  return (
    <Page title="Record a small cash collection" powers={p.powers} back={{ href: '/admin/donations/gift-aid', label: 'Back to Gift Aid' }}>
      <ErrorSummary errors={p.errors} />
      <Notice>
        Only collections of small gifts count: each gift in it is taken to be {formatPounds(GASDS_GIFT_MAX_PENCE)} or less, given in cash or
        by contactless card. Record larger gifts, and gifts with a Gift Aid declaration, as offline gifts instead.
      </Notice>
      <form method="post" action="/admin/donations/gift-aid/collections/new">
        <CsrfField token={p.csrf} />
        <Field
          name="collectedOn"
          label="Day of the collection"
          type="date"
          value={p.values.collectedOn ?? p.today}
          error={p.errors?.collectedOn}
          width="short"
        />
        <Field
          name="amount"
          label="Amount collected (£)"
          value={p.values.amount}
          error={p.errors?.amount}
          width="short"
          inputMode="numeric"
        />
        <Radios
          name="method"
          legend="How it was given"
          options={[
            { value: 'cash', label: 'Cash' },
            { value: 'contactless', label: 'Contactless card' },
          ]}
          value={p.values.method}
          error={p.errors?.method}
        />
        <Field
          name="occasion"
          label="Occasion"
          value={p.values.occasion}
          error={p.errors?.occasion}
          hint="For example “Weekly protest bucket”."
          maxLength={120}
        />
        <button type="submit">Record the collection</button>
      </form>
    </Page>
  );
}

// ---- a donor and their declarations ----------------------------------------------------------------------------------------

function LedgerTable({
  ledger,
  donorId,
  timeZone,
  powers,
  csrf,
  today,
}: {
  ledger: readonly LedgerEntry[];
  donorId: number;
  timeZone: string;
  powers: DonationPowers;
  csrf: string;
  today: string;
}) {
  return (
    <TableWrap label="Gift Aid declarations">
      <table>
        <caption>Every Gift Aid declaration recorded, oldest first (records are never changed: a correction is a new record)</caption>
        <thead>
          <tr>
            <th scope="col">Record</th>
            <th scope="col">Name and address as given</th>
            <th scope="col">How</th>
            <th scope="col">Made</th>
            <th scope="col">Covers gifts from</th>
            <th scope="col">Letter sent</th>
            <th scope="col">Ended</th>
            {powers.manage && <th scope="col">Change</th>}
          </tr>
        </thead>
        <tbody>
          {ledger.map((d) => {
            const live = d.cancelledAt === null && d.supersededAt === null;
            return (
              <tr key={d.id} id={`declaration-${d.id}`}>
                <td>
                  {d.id}
                  <br />
                  <span class="muted">wording {d.wordingVersion}</span>
                  {d.replacesId !== null && <span class="muted"> · replaces record {d.replacesId}</span>}
                </td>
                <td>
                  {[d.title, d.firstName, d.lastName].filter(Boolean).join(' ')}
                  <br />
                  {d.house}
                  {d.address && <>, {d.address}</>}
                  {d.postcode && <>, {d.postcode === 'X' ? 'lives outside the UK' : d.postcode}</>}
                </td>
                <td>{DECLARATION_CHANNEL_WORDS[d.channel] ?? d.channel}</td>
                <td>{dayWords(d.madeAt, timeZone)}</td>
                <td>{dayWords(d.coversFrom, timeZone)}</td>
                <td>
                  {d.channel === 'oral'
                    ? d.letterSentAt === null
                      ? 'Not yet: covers nothing until it is sent'
                      : dayWords(d.letterSentAt, timeZone)
                    : '—'}
                </td>
                <td>
                  {d.cancelledAt !== null && <>Cancelled from {dayWords(d.cancelledAt, timeZone)}</>}
                  {d.supersededAt !== null &&
                    (d.correctedById !== null ? (
                      <>Corrected by record {d.correctedById}</>
                    ) : (
                      <>Replaced on {dayWords(d.supersededAt, timeZone)}</>
                    ))}
                  {live && 'In force'}
                </td>
                {powers.manage && (
                  <td>
                    {d.correctedById === null && <a href={`/admin/donations/donors/${donorId}/declarations/${d.id}/correct`}>Correct</a>}
                    {d.channel === 'oral' && d.letterSentAt === null && (
                      <form method="post" action={`/admin/donations/donors/${donorId}/declarations/${d.id}/letter`}>
                        <CsrfField token={csrf} />
                        <Field name="day" label="Letter sent on" type="date" value={today} width="short" />
                        <button type="submit">Record that the letter was sent</button>
                      </form>
                    )}
                    {live && (
                      <form method="post" action={`/admin/donations/donors/${donorId}/declarations/${d.id}/cancel`}>
                        <CsrfField token={csrf} />
                        <Field name="day" label="Cancelled from" type="date" value={today} width="short" />
                        <button type="submit">Cancel this declaration</button>
                      </form>
                    )}
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </TableWrap>
  );
}

/** A donor: the declaration ledger with its actions, their gifts (and the claim of each), and their monthly gifts. */
export function DonorView(p: {
  csrf: string;
  data: DonorForStaff;
  timeZone: string;
  today: string;
  powers: DonationPowers;
  errors?: Errors;
  notice?: string | undefined;
}) {
  const { donor, gifts, regulars, ledger } = p.data;
  return (
    <Page title={`Donor: ${donor.name}`} powers={p.powers} notice={p.notice} back={{ href: '/admin/donations', label: 'Back to gifts' }}>
      <ErrorSummary errors={p.errors} />
      <dl class="summary">
        <div>
          <dt>Name</dt>
          <dd>{donor.name}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{donor.email ?? 'None recorded'}</dd>
        </div>
      </dl>
      <h2>Gift Aid declarations</h2>
      {p.powers.manage && (
        <p>
          <a href={`/admin/donations/donors/${donor.id}/declarations/new`}>Record a paper or spoken declaration</a>
        </p>
      )}
      {ledger.length === 0 ? (
        <p>No Gift Aid declaration has been recorded for this donor.</p>
      ) : (
        <LedgerTable ledger={ledger} donorId={donor.id} timeZone={p.timeZone} powers={p.powers} csrf={p.csrf} today={p.today} />
      )}
      <h2>Gifts</h2>
      {gifts.length === 0 ? (
        <p>No gifts.</p>
      ) : (
        <TableWrap label="Gifts">
          <table>
            <caption>Gifts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Date</th>
                <th scope="col" class="num">
                  Amount
                </th>
                <th scope="col">How it came</th>
                <th scope="col">Status</th>
                <th scope="col">Gift Aid</th>
              </tr>
            </thead>
            <tbody>
              {gifts.map((g) => (
                <tr key={g.id}>
                  <td>
                    <a href={`/admin/donations/${g.id}`}>{dayWords(g.givenAt, p.timeZone)}</a>
                  </td>
                  <td class="num">
                    {formatPounds(g.amountPence)}
                    {g.kind === 'monthly' && <span class="muted"> monthly</span>}
                  </td>
                  <td>{CHANNEL_WORDS[g.channel] ?? g.channel}</td>
                  <td>{statusWords(g.status, g.refundedPence)}</td>
                  <td>
                    {g.claimId !== null ? (
                      <a href={`/admin/donations/gift-aid/claims/${g.claimId}`}>Claimed in claim {g.claimId}</a>
                    ) : g.giftAid ? (
                      'Asked, not yet claimed'
                    ) : (
                      'Not asked'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <h2>Monthly gifts</h2>
      {regulars.length === 0 ? (
        <p>No monthly gifts.</p>
      ) : (
        <ul>
          {regulars.map((r) => (
            <li key={r.id}>
              {formatPounds(Number(r.amount_pence))} a month on day {r.day_of_month}: {REGULAR_STATUS_WORDS[r.status] ?? r.status}
              {Number(r.gift_aid) === 1 && ', with Gift Aid'}
            </li>
          ))}
        </ul>
      )}
    </Page>
  );
}

/** The name and address fields of a declaration form. */
function PersonFields({ values, errors }: { values: Values; errors: Errors }) {
  return (
    <>
      <Field
        name="title"
        label="Title (optional)"
        value={values.title}
        error={errors?.title}
        width="short"
        maxLength={4}
        hint="Mr, Ms, Dr… (at most 4 letters)."
      />
      <Field name="firstName" label="First name" value={values.firstName} error={errors?.firstName} maxLength={35} />
      <Field name="lastName" label="Last name" value={values.lastName} error={errors?.lastName} maxLength={35} />
      <Field
        name="house"
        label="House name or number (or the whole address, for someone living outside the UK)"
        value={values.house}
        error={errors?.house}
      />
      <TextArea name="address" label="The rest of the address (street and town)" value={values.address} error={errors?.address} rows={2} />
      <Field name="postcode" label="Postcode" value={values.postcode} error={errors?.postcode} width="short" />
      <Checkbox name="abroad" label="Lives outside the UK (no UK postcode)" checked={['on', 'true', '1'].includes(values.abroad ?? '')} />
    </>
  );
}

/** The form that records a paper or spoken declaration. */
export function NewDeclarationView(p: {
  csrf: string;
  donorId: number;
  donorName: string;
  values: Values;
  errors: Errors;
  today: string;
  wording: string;
  powers: DonationPowers;
}) {
  return (
    <Page
      title={`Record a Gift Aid declaration for ${p.donorName}`}
      powers={p.powers}
      back={{ href: `/admin/donations/donors/${p.donorId}`, label: 'Back to the donor' }}
    >
      <ErrorSummary errors={p.errors} />
      <p>The donor agreed to this wording:</p>
      <blockquote>{p.wording}</blockquote>
      <form method="post" action={`/admin/donations/donors/${p.donorId}/declarations/new`}>
        <CsrfField token={p.csrf} />
        <Radios
          name="channel"
          legend="How was it made?"
          options={[
            { value: 'paper', label: 'On a paper form' },
            { value: 'oral', label: 'Spoken (by phone or in person): it counts once the written record has been sent, and 30 days after' },
          ]}
          value={p.values.channel}
          error={p.errors?.channel}
        />
        <PersonFields values={p.values} errors={p.errors} />
        <Field
          name="madeOn"
          label="Day it was made"
          type="date"
          value={p.values.madeOn ?? p.today}
          error={p.errors?.madeOn}
          width="short"
        />
        <Checkbox
          name="pastFourYears"
          label="It also covers the donor’s gifts of the past four years"
          checked={['on', 'true', '1'].includes(p.values.pastFourYears ?? '')}
        />
        <button type="submit">Record the declaration</button>
      </form>
    </Page>
  );
}

/** The form that corrects a declaration's name or address (a new record replacing it). */
export function CorrectDeclarationView(p: {
  csrf: string;
  donorId: number;
  declaration: LedgerEntry;
  values: Values;
  errors: Errors;
  timeZone: string;
  powers: DonationPowers;
}) {
  const d = p.declaration;
  return (
    <Page
      title="Correct a Gift Aid declaration"
      powers={p.powers}
      back={{ href: `/admin/donations/donors/${p.donorId}`, label: 'Back to the donor' }}
    >
      <ErrorSummary errors={p.errors} />
      <p>
        Record {d.id}, made on {dayWords(d.madeAt, p.timeZone)} ({DECLARATION_CHANNEL_WORDS[d.channel] ?? d.channel}). The correction is a
        new record that replaces this one from its start, with the same dates; this record stays in the ledger. Correct only what the donor
        gave (a typing mistake, a character HMRC does not accept); for a new address, record a new declaration.
      </p>
      <form method="post" action={`/admin/donations/donors/${p.donorId}/declarations/${d.id}/correct`}>
        <CsrfField token={p.csrf} />
        <PersonFields values={p.values} errors={p.errors} />
        <button type="submit">Save the correction</button>
      </form>
    </Page>
  );
}

/** A declaration's name and address as the correction form's starting values. */
export function personValues(d: LedgerEntry): Values {
  return d.postcode === 'X'
    ? { title: d.title, firstName: d.firstName, lastName: d.lastName, house: d.house, address: '', postcode: '', abroad: 'on' }
    : { title: d.title, firstName: d.firstName, lastName: d.lastName, house: d.house, address: d.address, postcode: d.postcode };
}

// ---- the audit log in words ------------------------------------------------------------------------------------------------

const WORDS: Readonly<Record<string, string>> = {
  'donations.declaration.record': 'recorded a Gift Aid declaration for',
  'donations.declaration.letter': 'recorded the letter of a spoken Gift Aid declaration as sent for',
  'donations.declaration.correct': 'corrected a Gift Aid declaration of',
  'donations.declaration.cancel': 'cancelled a Gift Aid declaration of',
  'donations.claim.create': 'made a Gift Aid claim',
  'donations.claim.check': 'checked a Gift Aid claim again',
  'donations.claim.download': 'downloaded the schedule of a Gift Aid claim',
  'donations.claim.submit': 'marked a Gift Aid claim submitted',
  'donations.claim.paid': 'marked a Gift Aid claim paid',
  'donations.claim.delete': 'deleted a draft Gift Aid claim',
  'donations.claim.collection': 'recorded a small cash collection',
};

function moreOf(action: string, d: Record<string, unknown>): string | undefined {
  if (typeof d.amountPence === 'number') return formatPounds(d.amountPence);
  if (typeof d.rows === 'number')
    return plural(d.rows, 'row', 'rows') + (typeof d.parts === 'number' && d.parts > 1 ? ` in ${d.parts} parts` : '');
  if (action === 'donations.claim.delete' && typeof d.released === 'number') return `${plural(d.released, 'gift', 'gifts')} released`;
  return undefined;
}

/** Puts the Gift Aid audit codes (donations.declaration.*, donations.claim.*) in words; never a name. */
export function describeGiftAidAudit(): AuditDescriber {
  return async (_db, entries) => {
    const out = new Map<number, AuditDescription>();
    for (const e of entries) {
      const did = WORDS[e.action];
      if (!did) continue;
      const donor = targetId(e.target, 'donor');
      const claim = targetId(e.target, 'gift-aid-claim');
      out.set(e.id, {
        did,
        subject: donor !== undefined ? `donor ${donor}` : claim !== undefined ? `claim ${claim}` : undefined,
        href:
          donor !== undefined
            ? `/admin/donations/donors/${donor}`
            : claim !== undefined && e.action !== 'donations.claim.delete'
              ? `/admin/donations/gift-aid/claims/${claim}`
              : '/admin/donations/gift-aid',
        more: moreOf(e.action, auditDetails(e)),
      });
    }
    return out;
  };
}
