import { h, type VNode } from 'preact';
import { CsrfField, ErrorSummary, Field, Notice } from '../../core/web/components.js';
import type { Action } from '../kinds.js';
import { LOGO_MAX_BYTES, type SignOnActAreaData, type Signatory } from './service.js';
import type { SignOnSettings } from './settings.js';

// The public pages of a sign-on: the form (on the action's page, and on a page of its own where a refused form
// comes back with its messages), the list of organisations that signed, and the confirmation steps. Contact names
// and addresses never appear on any public page.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** Where the form posts for an action. */
export const signOnPath = (slug: string) => `/act/${slug}/sign-on`;

const plural = (n: number, one: string, many: string) => `${n.toLocaleString('en-GB')} ${n === 1 ? one : many}`;

/** A website as link text: the host and path, without the scheme or a bare trailing slash. */
function websiteLabel(href: string): string {
  try {
    const u = new URL(href);
    return `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
  } catch {
    return href;
  }
}

/** The organisations that signed, alphabetically: logo, name (in its own direction), and website as a plain link. */
export function SignatoryList(p: { count: number; signatories: readonly Signatory[] }) {
  return (
    <section class="signatories" aria-labelledby="signatories-title">
      <h2 id="signatories-title">Organisations that have signed</h2>
      {p.count === 0 ? (
        <p>No organisation is listed yet. Yours could be the first.</p>
      ) : (
        <>
          <p>{plural(p.count, 'organisation has', 'organisations have')} signed.</p>
          <ul class="plain-list signatory-list">
            {p.signatories.map((s, i) => (
              <li key={i}>
                {/* The name beside it says whose logo it is, so the image itself is decorative. */}
                {s.logoPath && <img src={s.logoPath} alt="" height={40} loading="lazy" decoding="async" class="signatory-logo" />}{' '}
                <strong dir="auto">{s.organisation}</strong>
                {s.website && (
                  <>
                    {' '}
                    <a href={s.website} rel="nofollow ugc noopener noreferrer" dir="ltr">
                      {websiteLabel(s.website)}
                    </a>
                  </>
                )}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

/** The file input, in the same pattern as Field: label, hint and error tied to it. */
function LogoField(p: { required: boolean; error?: string | undefined; chooseAgain: boolean }) {
  const id = 'f-logo';
  const hint = `A PNG, JPEG or WebP image of up to ${LOGO_MAX_BYTES / 1024} KB, shown beside your organisation’s name once it is listed.${
    p.chooseAgain ? ' If you had chosen a file, please choose it again.' : ''
  }`;
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <label for={id}>{p.required ? 'Logo' : 'Logo (optional)'}</label>
      <p class="hint" id={`${id}-hint`}>
        {hint}
      </p>
      {p.error && (
        <p class="error-message" id={`${id}-error`}>
          <span class="visually-hidden">Error: </span>
          {p.error}
        </p>
      )}
      <input
        type="file"
        id={id}
        name="logo"
        accept="image/png,image/jpeg,image/webp"
        required={p.required}
        aria-describedby={[`${id}-hint`, p.error ? `${id}-error` : ''].filter(Boolean).join(' ')}
        aria-invalid={p.error ? 'true' : undefined}
      />
    </div>
  );
}

/**
 * The sign-on form. On the action's page it carries no per-visitor token (the route checks where a post comes
 * from instead, as the newsletter sign-up does); on the form's own page it does. With JavaScript, an ALTCHA proof
 * of work runs when the form is sent; without, the form works as it is, under a stricter limit.
 */
export function SignOnForm(p: {
  slug: string;
  requireLogo: boolean;
  newsletter: { name: string; wording: string } | undefined;
  csrf?: string | undefined;
  values?: Values | undefined;
  errors?: Errors;
}) {
  const v = p.values ?? {};
  const e = p.errors ?? {};
  return (
    <>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={signOnPath(p.slug)} enctype="multipart/form-data" class="form sign-on-form" noValidate>
        {p.csrf && <CsrfField token={p.csrf} />}
        <fieldset>
          <legend>Your organisation</legend>
          <Field
            name="organisation"
            label="Name of your organisation"
            value={v.organisation}
            error={e.organisation}
            autocomplete="organization"
            maxLength={200}
            required
          />
          <Field
            name="website"
            type="url"
            label="Website (optional)"
            hint="Shown as a link beside your organisation’s name, like https://www.example.org"
            value={v.website}
            error={e.website}
            autocomplete="url"
            maxLength={500}
          />
          <LogoField required={p.requireLogo} error={e.logo} chooseAgain={p.errors !== undefined && Object.keys(p.errors).length > 0} />
        </fieldset>
        <fieldset aria-describedby="sign-on-contact-hint">
          <legend>Who is signing for it</legend>
          <p class="hint" id="sign-on-contact-hint">
            Not shown publicly. We use these details only to check the signature and to contact you about this statement.
          </p>
          <Field
            name="contactName"
            label="Your name"
            value={v.contactName}
            error={e.contactName}
            autocomplete="name"
            maxLength={200}
            required
          />
          <Field
            name="contactRole"
            label="Your role (optional)"
            hint="For example: Director, or Campaigns officer"
            value={v.contactRole}
            error={e.contactRole}
            autocomplete="organization-title"
            maxLength={200}
          />
          <Field
            name="email"
            type="email"
            label="Your email address"
            hint="We will email you a link to confirm."
            value={v.email}
            error={e.email}
            autocomplete="email"
            maxLength={254}
            required
          />
        </fieldset>
        {p.newsletter && (
          <div class="checkbox">
            <input type="checkbox" id="f-optIn" name="optIn" checked={v.optIn === 'on'} aria-describedby="f-optIn-wording" />
            <label for="f-optIn">Also email me: {p.newsletter.name} (optional)</label>
            <p class="hint consent-wording" id="f-optIn-wording">
              {p.newsletter.wording}
            </p>
          </div>
        )}
        {/* A trap for form-filling robots: hidden from people and from screen readers, never reached with Tab. */}
        <div class="signup-trap" aria-hidden="true">
          <label for="f-homepage">Leave this field empty</label>
          <input type="text" id="f-homepage" name="homepage" tabIndex={-1} autocomplete="off" value="" />
        </div>
        {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
        <button type="submit">Sign up our organisation</button>
        <p class="hint">
          We list your organisation once you have confirmed by email and our team has checked it.{' '}
          <a href="/privacy">How we look after your information</a>.
        </p>
      </form>
      <script type="module" src="/assets/forms.js"></script>
    </>
  );
}

/** The part of the action's page where an organisation signs, followed by the organisations that have. */
export function SignOnActArea(p: { action: Action<SignOnSettings> } & SignOnActAreaData): VNode {
  return (
    <>
      <section class="act-area sign-on" aria-labelledby="sign-on-title">
        <h2 id="sign-on-title">Sign on behalf of your organisation</h2>
        <p>
          Organisations sign this statement together. Fill in the form for yours; we email you a link to confirm, then our team checks each
          organisation before listing it.
        </p>
        <SignOnForm slug={p.action.slug} requireLogo={p.requireLogo} newsletter={p.newsletter} />
      </section>
      {p.list && <SignatoryList {...p.list} />}
    </>
  );
}

/** The form on a page of its own: where a refused form comes back with its messages, and a link for anyone to share. */
export function SignOnPageView(p: {
  action: Action<SignOnSettings>;
  statementHtml: string;
  requireLogo: boolean;
  newsletter: { name: string; wording: string } | undefined;
  csrf: string;
  values?: Values | undefined;
  errors?: Errors;
}) {
  return (
    <>
      <p class="meta">
        <a href={`/act/${p.action.slug}`}>Back to the statement’s page</a>
      </p>
      <h1>Sign on: {p.action.title}</h1>
      <p class="lede">{p.action.summary}</p>
      <details class="statement">
        <summary>Read the statement</summary>
        <div class="prose" dangerouslySetInnerHTML={{ __html: p.statementHtml }} />
      </details>
      <SignOnForm
        slug={p.action.slug}
        requireLogo={p.requireLogo}
        newsletter={p.newsletter}
        csrf={p.csrf}
        values={p.values}
        errors={p.errors}
      />
    </>
  );
}

/** After signing: the same words whether or not the address had signed before. */
export function CheckEmailView(p: { action: Pick<Action, 'slug' | 'title'> }) {
  return (
    <>
      <h1>Check your email</h1>
      <Notice kind="success">
        <p>Thank you. We have sent an email to the address you gave.</p>
      </Notice>
      <p>Open it and follow the link to confirm your organisation’s signature. The link works for 30 days.</p>
      <p>Once you have confirmed, our team checks each organisation before adding it to the list, and we email you when it is listed.</p>
      <p>Nothing after a few minutes? Check your spam or junk folder.</p>
      <p>
        <a href={`/act/${p.action.slug}`}>Back to “{p.action.title}”</a>
      </p>
    </>
  );
}

/** The page a confirmation link opens: what is being confirmed, and the button that does it. */
export function ConfirmView(p: {
  action: Pick<Action, 'slug' | 'title'>;
  token: string;
  csrf: string;
  organisation: string;
  newsletter: string | null;
}) {
  return (
    <>
      <h1>Confirm your organisation’s signature</h1>
      <p>
        Press the button to confirm that <strong dir="auto">{p.organisation}</strong> signs “{p.action.title}”.
      </p>
      {p.newsletter && <p>This also confirms that you would like to receive “{p.newsletter}”.</p>}
      <form method="post" action={`${signOnPath(p.action.slug)}/confirm/${p.token}`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Yes, confirm</button>
      </form>
      <p class="hint">If you did not ask for this, close this page: nothing will be listed.</p>
    </>
  );
}

/** A confirmation link that has done its work already. */
export function ConfirmUsedView(p: { action: Pick<Action, 'slug' | 'title'> }) {
  return (
    <>
      <h1>Already confirmed</h1>
      <p>
        This link has been used, so there is nothing more to do. Our team checks each organisation before listing it, and we email you when
        yours is listed.
      </p>
      <p>
        <a href={`/act/${p.action.slug}`}>Back to “{p.action.title}”</a>
      </p>
    </>
  );
}
