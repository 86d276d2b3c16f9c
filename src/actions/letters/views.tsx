import { h, type VNode } from 'preact';
import { CsrfField, ErrorSummary, Field, Notice, TextArea } from '../../core/web/components.js';
import type { Constituency, Mp } from '../../representatives/service.js';
import type { PublicList } from '../../supporters/service.js';
import { messageWords, type LetterAction, type LetterSettings, type MessageWords, type Recipient, MAX_LETTER_CHARS } from './service.js';

// The supporter's pages of a letter: the stages (postcode, choosing a constituency, writing, preview), the page
// after sending, the confirmation page and the reply question. Everything entered travels from stage to stage in
// hidden fields of the forms (POST bodies), never in a URL. Forms on the action page itself carry no CSRF token
// (the page is the frame's, shared by every visitor); their routes check where a post came from instead.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** Where each stage posts, for an action. */
export const letterPaths = (slug: string) => ({
  postcode: `/act/${slug}/letter/postcode`,
  choose: `/act/${slug}/letter/constituency`,
  preview: `/act/${slug}/letter/preview`,
  edit: `/act/${slug}/letter/edit`,
  send: `/act/${slug}/letter/send`,
  sent: `/act/${slug}/letter/check-your-email`,
});

/** Hidden fields carrying what earlier stages collected. */
function Carry({ values, names }: { values: Values; names: readonly string[] }) {
  return <>{names.map((n) => (values[n] !== undefined ? <input key={n} type="hidden" name={n} value={values[n]} /> : null))}</>;
}

/** The fields of the write stage (and the hidden fields of the preview). */
export const LETTER_FIELDS = ['subject', 'body', 'firstName', 'lastName', 'email', 'address', 'optIn'] as const;
export const WHERE_FIELDS = ['postcode', 'constituency'] as const;

/** Staff's talking points, one per line, as a list. */
function TalkingPoints({ settings, words }: { settings: LetterSettings; words: MessageWords }) {
  const points = settings.talkingPoints
    .split('\n')
    .map((l) => l.replace(/^\s*(?:[-*•]|\d+[.)])\s*/, '').trim())
    .filter((l) => l !== '');
  if (points.length === 0 && !settings.opening) return null;
  return (
    <div class="card letter-help">
      {points.length > 0 && (
        <>
          <h3>Points you could make</h3>
          <ul>
            {points.map((p, i) => (
              <li key={i}>{p}</li>
            ))}
          </ul>
        </>
      )}
      {settings.opening && (
        <>
          <h3>A suggested opening</h3>
          <p class="pre-line wrap-anywhere">{settings.opening}</p>
          <p class="hint">
            Use it if it helps, but write the rest in your own words: {words.many} that are nearly the same as others are held back for our
            team to read first.
          </p>
        </>
      )}
    </div>
  );
}

/** The postcode form (stage 1 of a letter to an MP). */
export function PostcodeForm(p: {
  action: LetterAction;
  csrf?: string | undefined;
  values?: Values | undefined;
  errors?: Errors;
  message?: string | undefined;
  headingLevel?: 'h1' | 'h2';
}) {
  const v = p.values ?? {};
  const Heading = p.headingLevel ?? 'h2';
  return (
    <section class="letter-stage" aria-labelledby="letter-title">
      <Heading id="letter-title">Write to your MP</Heading>
      <p>Enter your postcode to find your MP. You then write your letter, see it before it goes, and confirm by email.</p>
      <ErrorSummary errors={p.errors} />
      {p.message && (
        <Notice kind="warning">
          <p>{p.message}</p>
        </Notice>
      )}
      <form method="post" action={letterPaths(p.action.slug).postcode} class="form" noValidate>
        {p.csrf && <CsrfField token={p.csrf} />}
        <Field
          name="postcode"
          label="Your postcode"
          hint="For example, SW1A 1AA. MPs only answer people who live in their constituency."
          value={v.postcode}
          error={p.errors?.postcode}
          autocomplete="postal-code"
          maxLength={20}
          width="short"
          required
        />
        <button type="submit">Find my MP</button>
      </form>
    </section>
  );
}

/** Choosing a constituency where the postcode cannot tell (Northern Ireland). */
export function ChooseView(p: {
  action: LetterAction;
  csrf: string;
  postcode: string;
  message: string;
  candidates: ReadonlyArray<{ constituency: Constituency; mp: Mp | null }>;
  errors?: Errors;
}) {
  return (
    <>
      <h1>Choose your constituency</h1>
      <ErrorSummary errors={p.errors} />
      <p>{p.message}</p>
      <form method="post" action={letterPaths(p.action.slug).choose} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <input type="hidden" name="postcode" value={p.postcode} />
        <div class={`field${p.errors?.constituency ? ' field-error' : ''}`}>
          <fieldset aria-describedby={p.errors?.constituency ? 'f-constituency-error' : undefined}>
            <legend>Your constituency (postcode {p.postcode})</legend>
            {p.errors?.constituency && (
              <p class="error-message" id="f-constituency-error">
                <span class="visually-hidden">Error: </span>
                {p.errors.constituency}
              </p>
            )}
            {p.candidates.map((c, i) => {
              const id = i === 0 ? 'f-constituency' : `f-constituency-${c.constituency.code}`;
              return (
                <div class="checkbox" key={c.constituency.code}>
                  <input type="radio" id={id} name="constituency" value={c.constituency.code} />
                  <label for={id}>
                    {c.constituency.name}
                    <span class="hint"> {c.mp ? `(${c.mp.name}, ${c.mp.party})` : '(no sitting MP)'}</span>
                  </label>
                </div>
              );
            })}
          </fieldset>
        </div>
        <button type="submit">Continue</button>
      </form>
      <p>
        <a href={`/act/${p.action.slug}`}>Use a different postcode</a>
      </p>
    </>
  );
}

/** A constituency whose MP cannot be written to by email (no address published, or the seat is vacant): what to do instead. */
export function CannotEmailView(p: { action: LetterAction; constituency: Constituency; mp: Mp | null }) {
  return (
    <>
      <h1>We cannot email your MP</h1>
      {p.mp ? (
        <p>
          Your MP is <strong>{p.mp.name}</strong> ({p.mp.party}), the MP for {p.constituency.name}. They do not publish an email address, so
          we cannot send your letter by email.
        </p>
      ) : (
        <p>{p.constituency.name} has no sitting MP at the moment, so there is nobody to send your letter to yet.</p>
      )}
      {p.mp && (
        <p>
          You can still write to them by post: {p.mp.name}, House of Commons, London SW1A 0AA. Include your own postal address, so they can
          see you are a constituent.
        </p>
      )}
      <p>
        <a href={`/act/${p.action.slug}`}>Back to the action</a>
      </p>
    </>
  );
}

/** Who the letter goes to, above the letter form. */
function RecipientsNote({ recipients, forMp }: { recipients: readonly Recipient[]; forMp: boolean }) {
  if (forMp && recipients[0]) {
    return (
      <p class="lede">
        Your letter will go to <strong>{recipients[0].description}</strong>.
      </p>
    );
  }
  return (
    <>
      <p class="lede">Your email will go to each of:</p>
      <ul>
        {recipients.map((r) => (
          <li key={r.key}>{r.description}</li>
        ))}
      </ul>
    </>
  );
}

/** The write stage: staff's talking points, the letter, the writer's details, and the newsletter choice. */
export function WriteForm(p: {
  action: LetterAction;
  csrf?: string | undefined;
  recipients: readonly Recipient[];
  where: Values;
  values?: Values | undefined;
  errors?: Errors;
  list: PublicList | undefined;
  headingLevel?: 'h1' | 'h2';
}) {
  const forMp = p.action.kind === 'letter_mp';
  const words = messageWords(p.action.kind);
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const Heading = p.headingLevel ?? 'h1';
  const min = p.action.settings.minWords;
  return (
    <section class="letter-stage" aria-labelledby="letter-title">
      <Heading id="letter-title">{forMp ? 'Write your letter' : 'Write your email'}</Heading>
      <RecipientsNote recipients={p.recipients} forMp={forMp} />
      <ErrorSummary errors={p.errors} />
      <TalkingPoints settings={p.action.settings} words={words} />
      <form method="post" action={letterPaths(p.action.slug).preview} class="form" noValidate>
        {p.csrf && <CsrfField token={p.csrf} />}
        <Carry values={p.where} names={WHERE_FIELDS} />
        <Field
          name="subject"
          label="Subject"
          value={v.subject ?? p.action.settings.suggestedSubject}
          error={e.subject}
          maxLength={150}
          required
        />
        <TextArea
          name="body"
          label={forMp ? 'Your letter' : 'Your email'}
          hint={`Write in your own words${min > 0 ? `: at least ${min} words` : ''}. We add "Dear …" and your name and address for you.`}
          value={v.body}
          error={e.body}
          rows={14}
          maxLength={MAX_LETTER_CHARS}
          required
        />
        <Field
          name="firstName"
          label="First name"
          value={v.firstName}
          error={e.firstName}
          autocomplete="given-name"
          maxLength={100}
          required
        />
        <Field name="lastName" label="Last name" value={v.lastName} error={e.lastName} autocomplete="family-name" maxLength={100} />
        <Field
          name="email"
          type="email"
          label="Email address"
          hint="We email you a link to confirm before anything is sent. Replies come to this address."
          value={v.email}
          error={e.email}
          autocomplete="email"
          maxLength={254}
          required
        />
        <TextArea
          name="address"
          label={forMp ? 'Your postal address' : 'Your postal address (optional)'}
          hint={
            forMp
              ? 'MPs only answer their own constituents, so your letter is signed with your address. We add your postcode.'
              : 'Added under your name if you give it.'
          }
          value={v.address}
          error={e.address}
          rows={3}
          maxLength={300}
          required={forMp}
        />
        {p.list && (
          <div class="checkbox">
            <input type="checkbox" id="f-optIn" name="optIn" value="on" checked={v.optIn === 'on'} aria-describedby="f-optIn-wording" />
            <label for="f-optIn">Send me emails: {p.list.name}</label>
            <p class="hint consent-wording" id="f-optIn-wording">
              {p.list.wording} Leave this unticked if you only want to send your {words.one}.
            </p>
          </div>
        )}
        <button type="submit">{forMp ? 'Preview my letter' : 'Preview my email'}</button>
      </form>
    </section>
  );
}

/** The preview: the letter exactly as each recipient will read it, and the buttons to change it or send it. */
export function PreviewView(p: {
  action: LetterAction;
  csrf: string;
  carried: Values;
  subject: string;
  letters: ReadonlyArray<{ recipient: Recipient; text: string }>;
  similar: boolean;
  errors?: Errors;
}) {
  const forMp = p.action.kind === 'letter_mp';
  const paths = letterPaths(p.action.slug);
  const names = [...WHERE_FIELDS, ...LETTER_FIELDS];
  return (
    <>
      <h1>Check your {forMp ? 'letter' : 'email'}</h1>
      <ErrorSummary errors={p.errors} />
      {p.similar && (
        <Notice kind="warning">
          <p>
            Your {forMp ? 'letter' : 'email'} is very like others sent in this campaign. {forMp ? 'MPs' : 'People'} pay most attention to
            messages in their writers' own words, so please change it to say why this matters to you. If you send it as it is, it will wait
            for our team to read it before it goes.
          </p>
        </Notice>
      )}
      {p.letters.map((l) => (
        <section class="card letter-preview" key={l.recipient.key} aria-label={`To ${l.recipient.description}`}>
          <p class="meta">
            To: <strong>{l.recipient.description}</strong>
          </p>
          <p class="meta">Subject: {p.subject}</p>
          <div class="pre-line wrap-anywhere letter-text">{l.text}</div>
        </section>
      ))}
      <div class="button-row">
        <form method="post" action={paths.edit}>
          <CsrfField token={p.csrf} />
          <Carry values={p.carried} names={names} />
          <button type="submit" class="button-secondary">
            Change it
          </button>
        </form>
        <form method="post" action={paths.send} class="letter-send">
          <CsrfField token={p.csrf} />
          <Carry values={p.carried} names={names} />
          {/* A trap for form-filling robots: hidden from people and from screen readers, never reached with Tab. */}
          <div class="signup-trap" aria-hidden="true">
            <label for="f-website">Leave this field empty</label>
            <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
          </div>
          {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
          <button type="submit">Send it</button>
        </form>
      </div>
      <p class="hint">After you press Send it, we email you a link. Nothing goes until you open it and press the button there.</p>
      <script type="module" src="/assets/forms.js"></script>
    </>
  );
}

/** After sending: the same words whether or not the address had written before. */
export function CheckEmailView(p: { slug: string; words: MessageWords }) {
  return (
    <>
      <h1>Check your email</h1>
      <Notice kind="success">
        <p>Nearly done. We have sent an email to the address you gave.</p>
      </Notice>
      <p>Open it and press the button on the page it leads to: your {p.words.one} goes only then. The link works for 7 days.</p>
      <p>Nothing after a few minutes? Check your spam or junk folder.</p>
      <p>
        <a href={`/act/${p.slug}`}>Back to the action</a>
      </p>
    </>
  );
}

/** The page a confirmation link opens: the letter, who it goes to, and the button that sends it. */
export function ConfirmLetterView(p: {
  csrf: string;
  token: string;
  subject: string;
  body: string;
  recipients: readonly string[];
  actionTitle: string;
  words: MessageWords;
}) {
  const w = p.words;
  return (
    <>
      <h1>Send your {w.one}</h1>
      <p>
        This is the {w.one} you wrote for "{p.actionTitle}". Press the button to send it to:
      </p>
      <ul>
        {p.recipients.map((r) => (
          <li key={r}>{r}</li>
        ))}
      </ul>
      <section class="card letter-preview" aria-label={`Your ${w.one}`}>
        <p class="meta">Subject: {p.subject}</p>
        <div class="pre-line wrap-anywhere letter-text">{p.body}</div>
      </section>
      <form method="post" action={`/letter/confirm/${p.token}`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Yes, send my {w.one}</button>
      </form>
      <p class="hint">If you did not write this, close this page: nothing will be sent.</p>
    </>
  );
}

/** After confirming: sent (or on its way under the pace limit), or held for our team. */
export function ConfirmedView(p: { state: 'queued' | 'held' | 'used'; slug: string | undefined; later: boolean; forMp: boolean }) {
  const thanks = p.slug ? `/act/${p.slug}/thanks` : '/';
  const w = messageWords(p.forMp ? 'letter_mp' : 'email_target');
  return (
    <>
      {p.state === 'queued' && (
        <>
          <h1>Thank you: your {w.one} is on its way</h1>
          <Notice kind="success">
            <p>
              {p.later
                ? `Many people are writing ${p.forMp ? 'to the same MP' : 'today'}, so we are spreading the ${w.many} out: yours will go within the next few hours.`
                : 'It is being sent now.'}{' '}
              We will email you a copy once it has gone.
            </p>
          </Notice>
        </>
      )}
      {p.state === 'held' && (
        <>
          <h1>Thank you: your {w.one} is with our team</h1>
          <Notice kind="warning">
            <p>
              Your {w.one} is very like others sent in this campaign, so it will wait for our team to read it before it goes.
              {p.forMp ? ' MPs take most notice of letters in their constituents’ own words.' : ''}
            </p>
          </Notice>
          <p>
            If you would like to rewrite it in your own words, write again from the action page with the same email address: your new{' '}
            {w.one} replaces this one. Otherwise there is nothing more to do; we will email you either way.
          </p>
        </>
      )}
      {p.state === 'used' && (
        <>
          <h1>Already confirmed</h1>
          <p>This link has been used, so there is nothing more to do.</p>
        </>
      )}
      <p>
        <a class="button" href={thanks}>
          Continue
        </a>
      </p>
    </>
  );
}

const ANSWER_LABEL = { yes: 'Yes, they replied', no: 'No, I have had no reply', not_yet: 'Not yet, but I expect one' } as const;

/** "Did your MP reply?": the three answers as buttons (the link itself records nothing, so scanners cannot answer). */
export function ReplyView(p: {
  csrf: string;
  token: string;
  mpName: string;
  reply: string | null;
  suggested: keyof typeof ANSWER_LABEL | undefined;
  done?: boolean;
}) {
  const order = (['yes', 'no', 'not_yet'] as const).slice().sort((a, b) => (a === p.suggested ? -1 : b === p.suggested ? 1 : 0));
  return (
    <>
      <h1>Did {p.mpName} reply?</h1>
      {p.done && (
        <Notice kind="success">
          <p>Thank you: we have your answer. You can change it below if anything changes.</p>
        </Notice>
      )}
      {p.reply && !p.done && (
        <p>You told us: {ANSWER_LABEL[p.reply as keyof typeof ANSWER_LABEL] ?? p.reply}. You can change your answer.</p>
      )}
      <div class="button-row">
        {order.map((a) => (
          <form method="post" action={`/letter/reply/${p.token}`} key={a}>
            <CsrfField token={p.csrf} />
            <input type="hidden" name="answer" value={a} />
            <button type="submit" class={a === p.suggested ? undefined : 'button-secondary'}>
              {ANSWER_LABEL[a]}
            </button>
          </form>
        ))}
      </div>
    </>
  );
}

/** The part of the action page where a supporter writes: the postcode form (to MPs) or the letter form (to targets). */
export function LetterActArea(p: { action: LetterAction; recipients: readonly Recipient[]; list: PublicList | undefined }): VNode {
  const { action, recipients, list } = p;
  if (action.kind === 'letter_mp') return <PostcodeForm action={action} />;
  if (recipients.length === 0) {
    return (
      <section class="letter-stage">
        <p>This action is not ready for emails yet. Please come back soon.</p>
      </section>
    );
  }
  return <WriteForm action={action} recipients={recipients} where={{}} list={list} headingLevel="h2" />;
}
