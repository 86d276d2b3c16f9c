import { CsrfField, ErrorSummary, Field, Notice } from '../core/web/components.js';

// The pages for getting in: first-run setup, sign-in, the two-step code, and the forgotten-password links.

export type Errors = Record<string, string> | undefined;
export type Values = Record<string, string>;

export const PASSWORD_HINT = 'At least 12 characters. A few unrelated words make a strong password that is easy to type.';

/** A password input with the browser's autocomplete hint. */
export function PasswordField(p: {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  autocomplete: 'current-password' | 'new-password';
}) {
  return <Field name={p.name} type="password" label={p.label} error={p.error} hint={p.hint} autocomplete={p.autocomplete} required />;
}

/** The 6-digit code from an authenticator app. */
export function CodeField(p: { label: string; error?: string | undefined }) {
  return (
    <Field
      name="code"
      label={p.label}
      error={p.error}
      inputMode="numeric"
      autocomplete="one-time-code"
      maxLength={9}
      width="short"
      required
    />
  );
}

/** The sign-in form. */
export function LoginView(p: { csrf: string; values?: Values; errors?: Errors; next: string; notice?: string | undefined }) {
  return (
    <>
      <h1>Staff sign in</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <form method="post" action="/admin/login" class="form" noValidate>
        <CsrfField token={p.csrf} />
        {p.next !== '/admin' && <input type="hidden" name="next" value={p.next} />}
        <Field
          name="email"
          type="email"
          label="Email address"
          value={p.values?.email}
          error={p.errors?.email}
          autocomplete="username"
          maxLength={254}
          required
        />
        <PasswordField name="password" label="Password" error={p.errors?.password} autocomplete="current-password" />
        <button type="submit">Sign in</button>
      </form>
      <p>
        <a href="/admin/password/forgot">Forgotten your password?</a>
      </p>
    </>
  );
}

/** The second sign-in step: the code from the authenticator app. */
export function TwoFactorChallengeView(p: { csrf: string; errors?: Errors; next: string }) {
  return (
    <>
      <h1>Enter your sign-in code</h1>
      <ErrorSummary errors={p.errors} />
      <p>Open the authenticator app on your phone and enter the 6-digit code it shows for this site.</p>
      <form method="post" action="/admin/login/2fa" class="form" noValidate>
        <CsrfField token={p.csrf} />
        {p.next !== '/admin' && <input type="hidden" name="next" value={p.next} />}
        <CodeField label="Code" error={p.errors?.code} />
        <button type="submit">Continue</button>
      </form>
      <form method="post" action="/admin/logout">
        <CsrfField token={p.csrf} />
        <button type="submit" class="button-link">
          Cancel and sign out
        </button>
      </form>
      <p class="hint">Lost your phone? Ask an owner of this site to turn off two-step sign-in for your account.</p>
    </>
  );
}

/** Asking for a password reset link. */
export function ForgotView(p: { csrf: string; values?: Values; errors?: Errors }) {
  return (
    <>
      <h1>Reset your password</h1>
      <ErrorSummary errors={p.errors} />
      <p>Enter the email address of your staff account. If there is an account, we will send it a link to choose a new password.</p>
      <form method="post" action="/admin/password/forgot" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field
          name="email"
          type="email"
          label="Email address"
          value={p.values?.email}
          error={p.errors?.email}
          autocomplete="username"
          maxLength={254}
          required
        />
        <button type="submit">Send the link</button>
      </form>
      <p>
        <a href="/admin/login">Back to sign in</a>
      </p>
    </>
  );
}

/** The same answer whether or not the account exists. */
export function ForgotSentView() {
  return (
    <>
      <h1>Check your email</h1>
      <p>If an account exists for that address, we have sent it a link to choose a new password. The link works once, for one hour.</p>
      <p>Nothing arrived after a few minutes? Check your spam folder, or ask an owner of this site.</p>
      <p>
        <a href="/admin/login">Back to sign in</a>
      </p>
    </>
  );
}

/** Choosing a new password through a reset or invitation link. */
export function ResetView(p: { csrf: string; token: string; kind: 'password_reset' | 'staff_invite'; errors?: Errors }) {
  return (
    <>
      <h1>{p.kind === 'staff_invite' ? 'Choose your password' : 'Choose a new password'}</h1>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/admin/password/reset/${p.token}`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <PasswordField name="password" label="New password" hint={PASSWORD_HINT} error={p.errors?.password} autocomplete="new-password" />
        <PasswordField name="confirm" label="New password again" error={p.errors?.confirm} autocomplete="new-password" />
        <button type="submit">Save password</button>
      </form>
    </>
  );
}

/** Creating the owner account on a new instance. */
export function SetupView(p: { csrf: string; token: string; values?: Values; errors?: Errors }) {
  return (
    <>
      <h1>Set up Lantern</h1>
      <p>Create the owner account. The owner manages staff accounts and settings, and can do everything else.</p>
      <ErrorSummary errors={p.errors} />
      <form method="post" action={`/setup/${p.token}`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field name="name" label="Your name" value={p.values?.name} error={p.errors?.name} autocomplete="name" maxLength={120} required />
        <Field
          name="email"
          type="email"
          label="Your email address"
          hint="You sign in with it, and password reset links go there."
          value={p.values?.email}
          error={p.errors?.email}
          autocomplete="username"
          maxLength={254}
          required
        />
        <PasswordField name="password" label="Password" hint={PASSWORD_HINT} error={p.errors?.password} autocomplete="new-password" />
        <PasswordField name="confirm" label="Password again" error={p.errors?.confirm} autocomplete="new-password" />
        <button type="submit">Create the owner account</button>
      </form>
    </>
  );
}
