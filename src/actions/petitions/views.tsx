import { h } from 'preact';
import { Checkbox, CsrfField, ErrorSummary, Field, Notice, TableWrap, Time } from '../../core/web/components.js';
import type { PublicList } from '../../supporters/service.js';
import type { ModeratedSigner, Petition, PetitionSettings, ShownSigner, SignatureLink } from './service.js';

// The petition's pages: the signing form (in the middle of the action page while the petition takes part, and on
// a page of its own when it needs correcting), the public list of signers who chose to be shown, "check your
// email", the confirmation step and the closed page; and the settings in the admin editor.

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

/** Where a petition's form posts. */
const signPath = (slug: string) => `/act/${slug}/sign`;
/** The page after signing when the signature must be confirmed by email. */
export const checkEmailPath = (slug: string) => `/act/${slug}/check-your-email`;

// ---- the admin editor's settings ----

function YesNo(p: { name: string; legend: string; hint: string; value: string | undefined; error: string | undefined }) {
  const id = `f-${p.name}`;
  const no = p.value === 'no';
  const describedBy = [`${id}-hint`, p.error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return (
    <div class={`field${p.error ? ' field-error' : ''}`}>
      <fieldset aria-describedby={describedBy}>
        <legend>{p.legend}</legend>
        <p class="hint" id={`${id}-hint`}>
          {p.hint}
        </p>
        {p.error && (
          <p class="error-message" id={`${id}-error`}>
            <span class="visually-hidden">Error: </span>
            {p.error}
          </p>
        )}
        {/* The error summary links to #f-<name>, so the first choice carries that id. */}
        <div class="checkbox">
          <input type="radio" id={id} name={p.name} value="yes" checked={!no} />
          <label for={id}>Yes</label>
        </div>
        <div class="checkbox">
          <input type="radio" id={`${id}-no`} name={p.name} value="no" checked={no} />
          <label for={`${id}-no`}>No</label>
        </div>
      </fieldset>
    </div>
  );
}

/** The petition's settings in the action editor (radio buttons, so a choice left alone never reads as "no"). */
export function PetitionSettingsFields(p: { values: Values; errors: Errors }) {
  const e = p.errors ?? {};
  return (
    <>
      <YesNo
        name="requireConfirmation"
        legend="Count a signature only once the signer confirms it by email?"
        hint="Recommended. It stops people signing with someone else's address and keeps the count honest."
        value={p.values.requireConfirmation}
        error={e.requireConfirmation}
      />
      <YesNo
        name="askPostcode"
        legend="Ask signers for their postcode?"
        hint="It gives you signatures per constituency. People outside the UK can still sign."
        value={p.values.askPostcode}
        error={e.askPostcode}
      />
      <YesNo
        name="showSigners"
        legend="Show recent signers on the petition's page?"
        hint="Only signers who tick the box to be shown appear, with their first name and town. Everyone else stays private."
        value={p.values.showSigners}
        error={e.showSigners}
      />
    </>
  );
}

/** The settings as the editor's form values. */
export function settingsToValues(s: PetitionSettings): Record<string, string> {
  const yn = (b: boolean) => (b ? 'yes' : 'no');
  return { askPostcode: yn(s.askPostcode), requireConfirmation: yn(s.requireConfirmation), showSigners: yn(s.showSigners) };
}

// ---- the public form ----

/**
 * The signing form. It carries no per-visitor token, so the action page holding it can be cached: the route checks
 * where a post comes from instead. With JavaScript, an ALTCHA proof of work runs when the form is sent; without,
 * the form works as it is (under a stricter limit).
 */
function PetitionForm(p: {
  petition: Petition;
  newsletter: PublicList | undefined;
  csrf?: string | undefined;
  values?: Values | undefined;
  errors?: Errors;
}) {
  const { petition } = p;
  const v = p.values ?? {};
  const e = p.errors ?? {};
  const ticked = (name: string) => v[name] === 'on';
  return (
    <form method="post" action={signPath(petition.slug)} class="form signup-form petition-form" noValidate>
      {p.csrf && <CsrfField token={p.csrf} />}
      <Field
        name="firstName"
        label="First name"
        value={v.firstName}
        error={e.firstName}
        autocomplete="given-name"
        maxLength={100}
        required
      />
      <Field name="lastName" label="Last name" value={v.lastName} error={e.lastName} autocomplete="family-name" maxLength={100} required />
      <Field
        name="email"
        type="email"
        label="Email address"
        hint={
          petition.settings.requireConfirmation
            ? 'We email you a link to confirm your signature. We never show or share your address.'
            : 'We never show or share your address.'
        }
        value={v.email}
        error={e.email}
        autocomplete="email"
        maxLength={254}
        required
      />
      {petition.settings.askPostcode && (
        <>
          <Field
            name="postcode"
            label="Postcode"
            hint="It tells us your constituency, so we can show MPs how many of their constituents signed. It is never shown."
            value={v.postcode}
            error={e.postcode}
            autocomplete="postal-code"
            maxLength={16}
            width="short"
          />
          <Checkbox name="abroad" label="I do not live in the UK" checked={ticked('abroad')} />
        </>
      )}
      <Checkbox
        name="showName"
        label="Show my first name and town in the list of people who signed"
        hint="Leave this unticked to stay private: only the number of signatures goes up."
        checked={ticked('showName')}
      />
      <div class="petition-town" data-shown-with="f-showName">
        <Field
          name="town"
          label="Town (optional, shown only if you tick the box above)"
          value={v.town}
          error={e.town}
          autocomplete="address-level2"
          maxLength={100}
        />
      </div>
      {p.newsletter && (
        <Checkbox
          name="optIn"
          label={
            <>
              Also send me emails: <span class="list-name">{p.newsletter.name}</span>
            </>
          }
          hint={p.newsletter.wording}
          checked={ticked('optIn')}
        />
      )}
      {/* A trap for form-filling robots: hidden from people and from screen readers, never reached with Tab. */}
      <div class="signup-trap" aria-hidden="true">
        <label for="f-website">Leave this field empty</label>
        <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
      </div>
      {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
      <button type="submit">Sign the petition</button>
      <p class="hint">
        Your name stays private unless you tick the box to show it. <a href="/privacy">How we look after your information</a>.
      </p>
    </form>
  );
}

/** The newest signers who chose to be shown: first name and town, nothing else. */
export function ShownSigners({ signers }: { signers: readonly ShownSigner[] }) {
  if (signers.length === 0) return null;
  return (
    <section class="petition-signers" aria-labelledby="petition-signers-title">
      <h2 id="petition-signers-title">Recent signers</h2>
      <ul class="plain-list">
        {signers.map((s, i) => (
          <li key={i}>{s.town ? `${s.firstName}, ${s.town}` : s.firstName}</li>
        ))}
      </ul>
      <p class="hint">Only people who chose to be shown are listed.</p>
    </section>
  );
}

/** The part of the action page where a supporter signs, with the signers who chose to be shown. */
export function PetitionActArea(p: {
  petition: Petition;
  newsletter: PublicList | undefined;
  signers: readonly ShownSigner[];
  timeZone: string;
}) {
  return (
    <>
      <section class="signup petition-sign" id="sign" aria-labelledby="petition-sign-title">
        <h2 id="petition-sign-title">Sign this petition</h2>
        <PetitionForm petition={p.petition} newsletter={p.newsletter} />
        <script type="module" src="/assets/forms.js"></script>
      </section>
      {p.petition.settings.showSigners && <ShownSigners signers={p.signers} />}
    </>
  );
}

/** The form on a page of its own: after a mistake (422), or for a browser that sent no origin. */
export function SignPageView(p: { petition: Petition; newsletter: PublicList | undefined; csrf: string; values: Values; errors: Errors }) {
  return (
    <section class="signup petition-sign" aria-labelledby="petition-sign-title">
      <h1 id="petition-sign-title">Sign: {p.petition.title}</h1>
      <ErrorSummary errors={p.errors} />
      <PetitionForm petition={p.petition} newsletter={p.newsletter} csrf={p.csrf} values={p.values} errors={p.errors} />
      <p>
        <a href={`/act/${p.petition.slug}`}>Back to the petition</a>
      </p>
      <script type="module" src="/assets/forms.js"></script>
    </section>
  );
}

/** After signing a petition that needs confirming: the same words whether or not the address had signed. */
export function CheckEmailView({ petition }: { petition: Pick<Petition, 'slug' | 'title'> }) {
  return (
    <>
      <h1>Check your email</h1>
      <Notice kind="success">
        <p>Thank you. We have sent an email to the address you gave.</p>
      </Notice>
      <p>
        Open it and follow the link to confirm your signature on “{petition.title}”. It counts once you confirm. The link works for 30 days.
      </p>
      <p>Nothing after a few minutes? Check your spam or junk folder.</p>
      <p>
        <a href={`/act/${petition.slug}`}>Back to the petition</a>
      </p>
    </>
  );
}

/** The page a confirmation link opens: what is being confirmed, and the button that does it. */
export function ConfirmView(p: { csrf: string; slug: string; token: string; link: Extract<SignatureLink, { state: 'ready' }> }) {
  return (
    <>
      <h1>{p.link.counted ? 'Confirm your email address' : 'Confirm your signature'}</h1>
      <p>
        {p.link.counted
          ? `Your signature on “${p.link.title}” is counted.`
          : `Press the button to confirm your signature on “${p.link.title}”.`}
      </p>
      {p.link.newsletter && (
        <p>
          {p.link.counted ? 'Press the button to start receiving ' : 'It also starts your emails: '}
          <strong>{p.link.newsletter.name}</strong>
          <span class="hint consent-wording"> {p.link.newsletter.wording}</span>
        </p>
      )}
      <form method="post" action={`/act/${p.slug}/confirm/${p.token}`} class="form">
        <CsrfField token={p.csrf} />
        <button type="submit">Yes, confirm</button>
      </form>
      <p class="hint">If you did not sign, close this page: nothing more will happen.</p>
    </>
  );
}

/** A confirmation link that has done its work already. */
export function ConfirmUsedView({ slug, title }: { slug: string; title: string }) {
  return (
    <>
      <h1>Already confirmed</h1>
      <p>This link has been used, so your signature on “{title}” is confirmed. There is nothing more to do.</p>
      <p>
        <a href={`/act/${slug}`}>Back to the petition</a>
      </p>
    </>
  );
}

/** A signature sent to a petition that is closed or not yet open: nothing was stored. */
export function ClosedView({ petition }: { petition: Pick<Petition, 'slug' | 'title'> }) {
  return (
    <>
      <h1>This petition is closed</h1>
      <p>“{petition.title}” is not taking signatures any more, so yours was not recorded.</p>
      <p>
        <a href={`/act/${petition.slug}`}>See the petition and its result</a>
      </p>
    </>
  );
}

// ---- staff ----

/** The signers shown on a petition's page, newest first, each with a button to take them off the list. */
export function ShownSignersAdminView(p: {
  csrf: string;
  actionId: number;
  title: string;
  slug: string;
  signers: readonly ModeratedSigner[];
  timeZone: string;
  notice?: string | undefined;
}) {
  return (
    <>
      <h1>Signers shown on “{p.title}”</h1>
      {p.notice && (
        <Notice kind="success">
          <p>{p.notice}</p>
        </Notice>
      )}
      <p>
        These signers chose to show their first name and town on <a href={`/act/${p.slug}`}>the petition's page</a> (the newest twenty
        appear there). Hide anyone whose name is offensive or not a real person's: their signature still counts.
      </p>
      {p.signers.length === 0 ? (
        <p>Nobody is shown yet.</p>
      ) : (
        <TableWrap label="Signers shown">
          <table>
            <thead>
              <tr>
                <th scope="col">First name</th>
                <th scope="col">Town</th>
                <th scope="col">Confirmed</th>
                <th scope="col">
                  <span class="visually-hidden">Action</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {p.signers.map((s) => (
                <tr key={s.id}>
                  <td>{s.firstName}</td>
                  <td>{s.town ?? '—'}</td>
                  <td>
                    <Time ms={s.confirmedAt} timeZone={p.timeZone} />
                  </td>
                  <td>
                    <form method="post" action={`/admin/actions/${p.actionId}/signers/${s.id}/hide`} class="inline-form">
                      <CsrfField token={p.csrf} />
                      <button type="submit" class="button-secondary">
                        Hide<span class="visually-hidden"> {s.firstName}</span>
                      </button>
                    </form>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </TableWrap>
      )}
      <p>
        <a href={`/admin/actions/${p.actionId}`}>Back to the action</a>
      </p>
    </>
  );
}
