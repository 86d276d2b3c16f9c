import { h } from 'preact';
import { CsrfField, ErrorSummary, Field, Notice } from '../core/web/components.js';
import type { ConfirmationLink, PreferenceList, Preferences, PublicList } from './service.js';

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

// The supporter-facing pages: the sign-up form (a page of its own and a block for other pages), the confirmation
// step, the preferences page with the data rights, and one-click unsubscribe.

/** Where the sign-up form posts, and the page it is on. */
export const SIGNUP_PATH = '/stay-in-touch';

/** One checkbox per list, unticked unless the supporter ticked it, with the consent wording beside it. */
function ListChoices(p: {
  lists: readonly PublicList[];
  checked: readonly number[];
  error?: string | undefined;
  legend: string;
  hint: string;
  status?: ReadonlyMap<number, PreferenceList['status']>;
}) {
  const describedBy = ['f-lists-hint', p.error ? 'f-lists-error' : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <fieldset aria-describedby={describedBy}>
        <legend>{p.legend}</legend>
        <p class="hint" id="f-lists-hint">
          {p.hint}
        </p>
        {p.error && (
          <p class="error-message" id="f-lists-error">
            <span class="visually-hidden">Error: </span>
            {p.error}
          </p>
        )}
        {p.lists.map((l, i) => {
          // The error summary links to #f-list, so the first box carries that id.
          const id = i === 0 ? 'f-list' : `f-list-${l.id}`;
          const status = p.status?.get(l.id);
          return (
            <div class="checkbox" key={l.id}>
              <input
                type="checkbox"
                id={id}
                name="list"
                value={String(l.id)}
                checked={p.checked.includes(l.id)}
                aria-describedby={`${id}-wording`}
              />
              <label for={id}>
                <span class="list-name">{l.name}</span>
                {status && <span class={`list-status list-status-${status}`}>{STATUS_LABEL[status]}</span>}
              </label>
              <p class="hint consent-wording" id={`${id}-wording`}>
                {l.wording}
              </p>
            </div>
          );
        })}
      </fieldset>
    </div>
  );
}

const STATUS_LABEL: Record<PreferenceList['status'], string> = {
  subscribed: 'You get these',
  pending: 'Waiting for you to confirm by email',
  not_subscribed: 'You do not get these',
};

/** The list ids ticked in a submitted form (to show them ticked again when the form is re-displayed). */
export function tickedLists(body: unknown): number[] {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).list : undefined;
  const values = Array.isArray(raw) ? raw : [raw];
  return values.filter((v): v is string => typeof v === 'string' && /^\d{1,12}$/.test(v)).map(Number);
}

/**
 * The sign-up form as a block any page can include (the home page does). It carries no per-visitor token, so a
 * page holding it can still be cached: the sign-up route checks where a post comes from instead (see routes.tsx).
 * With JavaScript, an ALTCHA proof of work runs when the form is sent; without, the form works as it is.
 */
export function SignupBlock(p: {
  lists: readonly PublicList[];
  heading?: 'h1' | 'h2';
  csrf?: string | undefined;
  values?: Values | undefined;
  checked?: readonly number[] | undefined;
  errors?: Errors;
}) {
  if (p.lists.length === 0) return null;
  const Heading = p.heading ?? 'h2';
  const v = p.values ?? {};
  const e = p.errors ?? {};
  return (
    <section class="signup" aria-labelledby="signup-title">
      <Heading id="signup-title">Stay in touch</Heading>
      <p>Hear about our campaigns, and when and how you can help. We only email you about what you choose below.</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={SIGNUP_PATH} class="form signup-form" noValidate>
        {p.csrf && <CsrfField token={p.csrf} />}
        <Field
          name="email"
          type="email"
          label="Email address"
          value={v.email}
          error={e.email}
          autocomplete="email"
          maxLength={254}
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
        <Field
          name="lastName"
          label="Last name (optional)"
          value={v.lastName}
          error={e.lastName}
          autocomplete="family-name"
          maxLength={100}
        />
        <Field
          name="postcode"
          label="Postcode (optional)"
          hint="If you live in the UK, your postcode lets us tell you about events near you and what your MP is doing."
          value={v.postcode}
          error={e.postcode}
          autocomplete="postal-code"
          maxLength={10}
          width="short"
        />
        <ListChoices
          lists={p.lists}
          checked={p.checked ?? []}
          error={e.list}
          legend="What would you like to hear about?"
          hint="Tick each one you want. You can change your mind at any time."
        />
        {/* A trap for form-filling robots: hidden from people and from screen readers, never reached with Tab. */}
        <div class="signup-trap" aria-hidden="true">
          <label for="f-website">Leave this field empty</label>
          <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
        </div>
        {h('altcha-widget', { challenge: `${SIGNUP_PATH}/challenge`, auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
        <button type="submit">Sign up</button>
        <p class="hint">
          We will email you a link to confirm before we send anything else. We never share your details.{' '}
          <a href="/privacy">How we look after your information</a>.
        </p>
      </form>
      <script type="module" src="/assets/forms.js"></script>
    </section>
  );
}

/** The sign-up page: the block as the page's main content, or a note when there is nothing to sign up for. */
export function SignupPageView(p: {
  lists: readonly PublicList[];
  csrf: string;
  values?: Values;
  checked?: readonly number[];
  errors?: Errors;
}) {
  if (p.lists.length === 0) {
    return (
      <>
        <h1>Stay in touch</h1>
        <p>We are not taking sign-ups for emails at the moment. Please come back soon.</p>
      </>
    );
  }
  return <SignupBlock lists={p.lists} heading="h1" csrf={p.csrf} values={p.values} checked={p.checked} errors={p.errors} />;
}

/** After a sign-up: the same words whether or not the address was known. */
export function CheckEmailView() {
  return (
    <>
      <h1>Check your email</h1>
      <Notice kind="success">
        <p>Thank you. We have sent an email to the address you gave.</p>
      </Notice>
      <p>Open it and follow the link to confirm. Until you do, we will not send you anything else. The link works for 30 days.</p>
      <p>
        Nothing after a few minutes? Check your spam or junk folder. If it is not there, you can <a href="/stay-in-touch">sign up again</a>.
      </p>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </>
  );
}

/** The page a confirmation link opens: what is being confirmed, and the button that does it. */
export function ConfirmView(p: { csrf: string; token: string; link: Extract<ConfirmationLink, { state: 'ready' }> }) {
  return (
    <>
      <h1>Confirm your email address</h1>
      {p.link.lists.length > 0 ? (
        <>
          <p>Press the button to start receiving:</p>
          <ul class="plain-list">
            {p.link.lists.map((l) => (
              <li key={l.name}>
                <strong>{l.name}</strong>
                <span class="hint consent-wording">{l.wording}</span>
              </li>
            ))}
          </ul>
        </>
      ) : (
        <p>Press the button to confirm that this email address is yours.</p>
      )}
      <form method="post" action={`/s/confirm/${p.token}`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Yes, confirm</button>
      </form>
      <p class="hint">If you did not ask for this, close this page: nothing will be sent to you.</p>
    </>
  );
}

/** A confirmation link that has done its work already. */
export function ConfirmUsedView() {
  return (
    <>
      <h1>Already confirmed</h1>
      <p>This link has been used, so there is nothing more to do. Every email we send you has a link to your preferences.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </>
  );
}

const PREFERENCE_NOTICES: Record<string, string> = {
  confirmed: 'Thank you: you are confirmed. You can change what you receive here at any time.',
  saved: 'Your choices are saved.',
  'saved-confirm': 'Your choices are saved. We have sent you an email: follow the link in it to start receiving the lists you added.',
  export: 'We have sent you an email with a link to download your data. The link works once, for 7 days.',
};

/** A notice for the preferences page, by the `done` code in its address. */
export function preferencesNotice(done: string | undefined): string | undefined {
  return done ? PREFERENCE_NOTICES[done] : undefined;
}

/** The preferences page: each list with where they stand, and their data rights. */
export function PreferencesView(p: {
  csrf: string;
  token: string;
  prefs: Preferences;
  notice?: string | undefined;
  errors?: Errors;
  checked?: readonly number[];
}) {
  const base = `/s/manage/${p.token}`;
  const checked = p.checked ?? p.prefs.lists.filter((l) => l.status !== 'not_subscribed').map((l) => l.id);
  return (
    <>
      <h1>Your email preferences</h1>
      <p class="lede">For {p.prefs.maskedEmail}</p>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      <ErrorSummary errors={p.errors} />
      <form method="post" action={base} class="form">
        <CsrfField token={p.csrf} />
        <ListChoices
          lists={p.prefs.lists}
          checked={checked}
          error={p.errors?.list}
          status={new Map(p.prefs.lists.map((l) => [l.id, l.status]))}
          legend="What would you like to hear about?"
          hint="Untick a list to stop at once. A list you tick needs confirming: we will email you a link."
        />
        <button type="submit">Save my choices</button>
      </form>

      <h2>Your data</h2>
      <p>You can have a copy of everything we hold about you, or have it erased.</p>
      <form method="post" action={`${base}/export`}>
        <CsrfField token={p.csrf} />
        <button type="submit" class="button-secondary">
          Email me my data
        </button>
      </form>
      <p>
        <a href={`${base}/erase`}>Erase my data</a>
      </p>
    </>
  );
}

/** Asking before erasing: what erasure means, and the button. */
export function EraseConfirmView(p: { csrf: string; token: string }) {
  return (
    <>
      <h1>Erase your data?</h1>
      <p>We will delete your email address, your name and your postcode, and stop every email to you. This cannot be undone.</p>
      <p>
        We keep a record that cannot identify you: that consent was given and withdrawn, and a scrambled form of your address so that we
        never email it again. If you want to hear from us again one day, please contact us.
      </p>
      <form method="post" action={`/s/manage/${p.token}/erase`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit" class="button-warning">
          Yes, erase my data
        </button>
      </form>
      <p>
        <a href={`/s/manage/${p.token}`}>No, go back to my preferences</a>
      </p>
    </>
  );
}

/** After erasure. */
export function ErasedView() {
  return (
    <>
      <h1>Your data has been erased</h1>
      <p>We have deleted your details and will not email you again. Thank you for your support.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </>
  );
}

/** The page a data-export link opens: a button, so that link scanners cannot use up the single-use link. */
export function DataDownloadView(p: { csrf: string; token: string }) {
  return (
    <>
      <h1>Download your data</h1>
      <p>
        Your file holds everything we keep about you: your details, what you have signed up for, and each time you gave or withdrew consent.
      </p>
      <p>The link works once: keep the file somewhere safe.</p>
      <form method="post" action={`/s/data/${p.token}`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Download my data</button>
      </form>
    </>
  );
}

/** The page the unsubscribe link in an email opens: one button, and the way to all their preferences. */
export function UnsubscribeView(p: { action: string; listName: string; manageHref: string }) {
  return (
    <>
      <h1>Unsubscribe</h1>
      <p>
        Stop receiving <strong>{p.listName}</strong> emails?
      </p>
      <form method="post" action={p.action} class="form">
        <input type="hidden" name="List-Unsubscribe" value="One-Click" />
        <button type="submit">Unsubscribe</button>
      </form>
      <p>
        <a href={p.manageHref}>Choose what you receive instead</a>
      </p>
    </>
  );
}

/** After unsubscribing (also the answer to a mail client's one-click POST). */
export function UnsubscribedView(p: { listName: string; manageHref: string }) {
  return (
    <>
      <h1>You are unsubscribed</h1>
      <Notice kind="success">
        <p>
          You will not receive any more <strong>{p.listName}</strong> emails.
        </p>
      </Notice>
      <p>
        Unsubscribed by mistake, or want to change something else? <a href={p.manageHref}>Go to your preferences</a>.
      </p>
    </>
  );
}
