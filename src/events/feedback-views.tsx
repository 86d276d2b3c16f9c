import { CsrfField, ErrorSummary, Notice, TableWrap, TextArea, Time, Field } from '../core/web/components.js';
import { FEEDBACK_COMMENT_MAX, QUOTE_PERMISSION_WORDING, type EventFeedback } from './follow-up.js';
import type { LanternEvent } from './model.js';
import { EventTabs, type EventPowers } from './admin-views.js';

// The feedback form a person reaches from their thank-you email (their own link), and staff's page of an event's
// feedback. The permission to quote is a box of its own, never ticked for anyone, with its words shown as stored.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

const RATING_WORDS = ['', 'Poor', 'Not great', 'All right', 'Good', 'Excellent'] as const;

/** The feedback form: how it was (1 to 5), a comment, and the separate permission to quote it. */
export function FeedbackFormView(p: { event: LanternEvent; action: string; csrf: string; values: Values; errors: Errors }) {
  const v = p.values;
  const ratingError = p.errors?.rating;
  return (
    <section class="event-feedback">
      <h1>How was “{p.event.title}”?</h1>
      <p>Thank you for coming. Your answers help us plan the next one. It takes a minute or two.</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={p.action} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <div class={`field${ratingError ? ' field-error' : ''}`}>
          <fieldset aria-describedby={ratingError ? 'f-rating-error' : undefined}>
            <legend>How was it overall?</legend>
            {ratingError && (
              <p class="error-message" id="f-rating-error">
                <span class="visually-hidden">Error: </span>
                {ratingError}
              </p>
            )}
            {[5, 4, 3, 2, 1].map((r, i) => {
              const id = i === 0 ? 'f-rating' : `f-rating-${r}`;
              return (
                <div class="checkbox">
                  <input type="radio" id={id} name="rating" value={String(r)} checked={v.rating === String(r)} />
                  <label for={id}>
                    {r} out of 5: {RATING_WORDS[r]}
                  </label>
                </div>
              );
            })}
          </fieldset>
        </div>
        <TextArea
          name="comment"
          label="Anything you would like to tell us? (optional)"
          hint="What worked, what did not, what you would like next time."
          value={v.comment}
          error={p.errors?.comment}
          rows={5}
          maxLength={FEEDBACK_COMMENT_MAX}
        />
        <fieldset class="feedback-quote">
          <legend>Quoting your comment</legend>
          <p class="hint">We only ever quote you if you tick this box. You can leave it empty and still send your comment.</p>
          <div class="checkbox">
            <input type="checkbox" id="f-mayQuote" name="mayQuote" checked={v.mayQuote === 'on'} />
            <label for="f-mayQuote">{QUOTE_PERMISSION_WORDING}</label>
          </div>
          <Field
            name="quoteName"
            label="The name to quote you as (optional)"
            hint="Leave it empty to be quoted anonymously. Only used if you tick the box above."
            value={v.quoteName}
            error={p.errors?.quoteName}
            maxLength={100}
            autocomplete="name"
          />
        </fieldset>
        <button type="submit">Send my feedback</button>
      </form>
    </section>
  );
}

/** After the form, or instead of it: thanks, already given, or not yet. */
export function FeedbackDoneView(p: { event: LanternEvent; kind: 'thanks' | 'given' | 'not_yet'; manage: string }) {
  return (
    <section class="event-feedback">
      <h1>{p.kind === 'not_yet' ? 'Not yet' : 'Thank you'}</h1>
      {p.kind === 'thanks' && (
        <Notice kind="success">
          <p>Thank you: your feedback on “{p.event.title}” has reached us.</p>
        </Notice>
      )}
      {p.kind === 'given' && <p>You have already told us how “{p.event.title}” was. Thank you: we read every answer.</p>}
      {p.kind === 'not_yet' && <p>You can tell us how “{p.event.title}” was once it has taken place. We will email you a link.</p>}
      <p>
        <a href={p.manage}>Your registration</a> · <a href="/events">Events to come</a>
      </p>
    </section>
  );
}

/** Staff's page of an event's feedback: how many gave each rating (a table), and every comment. */
export function FeedbackAdminView(p: { feedback: EventFeedback; timeZone: string; powers: EventPowers }) {
  const f = p.feedback;
  const e = f.event;
  const total = f.items.length;
  const withWords = f.items.filter((i) => i.comment !== '');
  return (
    <>
      <EventTabs event={e} current={`/admin/events/${e.id}/feedback`} powers={p.powers} />
      <h2>Feedback</h2>
      {total === 0 ? (
        <p>Nobody has given feedback yet. People are asked for it in the thank-you email sent the day after a one-off event.</p>
      ) : (
        <>
          <p>
            {total === 1 ? '1 person' : `${total.toLocaleString('en-GB')} people`} gave feedback. Average rating:{' '}
            <strong>{(f.average ?? 0).toLocaleString('en-GB', { maximumFractionDigits: 1 })} out of 5</strong>.
          </p>
          <TableWrap label="Ratings">
            <table>
              <caption>How people rated it</caption>
              <thead>
                <tr>
                  <th scope="col">Rating</th>
                  <th scope="col" class="num">
                    People
                  </th>
                  <th scope="col" class="num">
                    Share
                  </th>
                </tr>
              </thead>
              <tbody>
                {[5, 4, 3, 2, 1].map((r) => (
                  <tr>
                    <th scope="row">
                      {r} out of 5: {RATING_WORDS[r]}
                    </th>
                    <td class="num">{f.counts[r - 1]}</td>
                    <td class="num">{Math.round((100 * f.counts[r - 1]!) / total)}%</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </TableWrap>
          <h2>Comments</h2>
          {withWords.length === 0 ? (
            <p>Nobody left a comment.</p>
          ) : (
            <ul class="plain-list">
              {withWords.map((i) => (
                <li class="card">
                  <blockquote>
                    {i.comment
                      .split(/\n{2,}/)
                      .map((para) => para.split('\n'))
                      .map((lines) => (
                        <p>
                          {lines.map((l, n) => (
                            <>
                              {n > 0 && <br />}
                              {l}
                            </>
                          ))}
                        </p>
                      ))}
                  </blockquote>
                  <p class="muted">
                    Rated {i.rating} out of 5 · <Time ms={i.givenAt} timeZone={p.timeZone} />
                  </p>
                  <p class="muted">
                    {i.mayQuote ? (
                      <>
                        May be quoted {i.quoteName ? <>as “{i.quoteName}”</> : 'anonymously'}: they ticked “{i.permissionWording}”. Quotes
                        are added from <a href="/admin/content/testimonials">What people say</a>.
                      </>
                    ) : (
                      'Not for quoting: they did not give permission.'
                    )}
                  </p>
                </li>
              ))}
            </ul>
          )}
        </>
      )}
    </>
  );
}
