import type { StaffRole } from './tables.js';
import { CsrfField, ErrorSummary, Field, Notice, Select, Time } from '../core/web/components.js';
import { ROLES } from './permissions.js';
import type { AuditEntry, StaffMember, TwoFactorSetup } from './service.js';

type Errors = Record<string, string> | undefined;
type Values = Record<string, string>;

const ROLE_HINTS: Record<StaffRole, string> = {
  owner: 'everything, including staff accounts, settings, mail and the audit log',
  editor: 'publishes content',
  campaigner: 'runs actions and newsletters',
  viewer: 'sees the dashboard only',
};

const PASSWORD_HINT = 'At least 12 characters. A few unrelated words make a strong password that is easy to type.';

function PasswordField(p: {
  name: string;
  label: string;
  error?: string | undefined;
  hint?: string;
  autocomplete: 'current-password' | 'new-password';
}) {
  return <Field name={p.name} type="password" label={p.label} error={p.error} hint={p.hint} autocomplete={p.autocomplete} required />;
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
        <Field
          name="code"
          label="Code"
          error={p.errors?.code}
          inputMode="numeric"
          autocomplete="one-time-code"
          maxLength={9}
          width="short"
          required
        />
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

function status(m: StaffMember): string {
  if (m.disabled) return 'disabled';
  if (m.invited) return 'invited';
  return 'active';
}

/** Every staff account, for owners. */
export function StaffListView(p: { staff: StaffMember[]; tz: string; notice?: string | undefined }) {
  return (
    <>
      <h1>Staff</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <p>
        <a href="/admin/staff/new" class="button">
          Add a staff member
        </a>
      </p>
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Two-step sign-in</th>
              <th scope="col">Status</th>
              <th scope="col">Last signed in</th>
            </tr>
          </thead>
          <tbody>
            {p.staff.map((m) => (
              <tr key={m.id}>
                <td>
                  <a href={`/admin/staff/${m.id}`}>{m.name}</a>
                </td>
                <td>{m.email}</td>
                <td>{m.role}</td>
                <td>{m.twoFactor ? 'on' : 'off'}</td>
                <td>{status(m)}</td>
                <td>
                  <Time ms={m.lastLoginAt} timeZone={p.tz} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

const roleOptions = ROLES.map((r) => ({ value: r, label: `${r} (${ROLE_HINTS[r]})` }));

/** Adding a staff member: they get an email to choose their password. */
export function NewStaffView(p: { csrf: string; values?: Values; errors?: Errors }) {
  return (
    <>
      <p>
        <a href="/admin/staff">Back to staff</a>
      </p>
      <h1>Add a staff member</h1>
      <ErrorSummary errors={p.errors} />
      <p>They will get an email with a link to choose their password. The link works for 72 hours.</p>
      <form method="post" action="/admin/staff" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field name="name" label="Name" value={p.values?.name} error={p.errors?.name} maxLength={120} required autocomplete="off" />
        <Field
          name="email"
          type="email"
          label="Email address"
          value={p.values?.email}
          error={p.errors?.email}
          maxLength={254}
          required
          autocomplete="off"
        />
        <Select name="role" label="Role" options={roleOptions} value={p.values?.role ?? 'viewer'} error={p.errors?.role} />
        <button type="submit">Add and send the invitation</button>
      </form>
    </>
  );
}

/** One staff account: role, disable or enable, two-step sign-in. */
export function StaffEditView(p: {
  member: StaffMember;
  viewerId: number;
  csrf: string;
  tz: string;
  errors?: Errors;
  notice?: string | undefined;
}) {
  const m = p.member;
  const self = m.id === p.viewerId;
  return (
    <>
      <p>
        <a href="/admin/staff">Back to staff</a>
      </p>
      <h1>{m.name}</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <dl class="meta">
        <div>
          <dt>Email</dt>
          <dd>{m.email}</dd>
        </div>
        <div>
          <dt>Status</dt>
          <dd>{status(m)}</dd>
        </div>
        <div>
          <dt>Two-step sign-in</dt>
          <dd>{m.twoFactor ? 'on' : 'off'}</dd>
        </div>
        <div>
          <dt>Added</dt>
          <dd>
            <Time ms={m.createdAt} timeZone={p.tz} />
          </dd>
        </div>
        <div>
          <dt>Last signed in</dt>
          <dd>
            <Time ms={m.lastLoginAt} timeZone={p.tz} />
          </dd>
        </div>
      </dl>
      <h2>Role</h2>
      <form method="post" action={`/admin/staff/${m.id}/role`} class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Select name="role" label="Role" options={roleOptions} value={m.role} error={p.errors?.role} />
        <button type="submit">Change role</button>
      </form>
      <h2>Access</h2>
      {m.disabled ? (
        <form method="post" action={`/admin/staff/${m.id}/enable`}>
          <CsrfField token={p.csrf} />
          <p>This account is disabled: it cannot sign in.</p>
          <button type="submit">Enable this account</button>
        </form>
      ) : self ? (
        <p>You cannot disable your own account.</p>
      ) : (
        <form method="post" action={`/admin/staff/${m.id}/disable`}>
          <CsrfField token={p.csrf} />
          <p>Disabling signs them out at once and stops them signing in. You can enable the account again later.</p>
          <button type="submit" class="button-warning">
            Disable this account
          </button>
        </form>
      )}
      {m.twoFactor && !self && (
        <>
          <h2>Two-step sign-in</h2>
          <form method="post" action={`/admin/staff/${m.id}/2fa/reset`}>
            <CsrfField token={p.csrf} />
            <p>If they have lost their phone, turn two-step sign-in off so they can sign in with their password and set it up again.</p>
            <button type="submit" class="button-warning">
              Turn off their two-step sign-in
            </button>
          </form>
        </>
      )}
    </>
  );
}

/** Your own account: details, password, two-step sign-in. */
export function AccountView(p: { member: StaffMember; csrf: string; errors?: Errors; notice?: string | undefined }) {
  const m = p.member;
  return (
    <>
      <h1>Your account</h1>
      {p.notice && <Notice kind="success">{p.notice}</Notice>}
      <ErrorSummary errors={p.errors} />
      <dl class="meta">
        <div>
          <dt>Name</dt>
          <dd>{m.name}</dd>
        </div>
        <div>
          <dt>Email</dt>
          <dd>{m.email}</dd>
        </div>
        <div>
          <dt>Role</dt>
          <dd>{m.role}</dd>
        </div>
        <div>
          <dt>Two-step sign-in</dt>
          <dd>
            {m.twoFactor ? 'on' : 'off'} (<a href="/admin/account/2fa">{m.twoFactor ? 'manage' : 'set it up'}</a>)
          </dd>
        </div>
      </dl>
      <h2>Change your password</h2>
      <p>Changing it signs you out everywhere else.</p>
      <form method="post" action="/admin/account/password" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <PasswordField name="current" label="Current password" error={p.errors?.current} autocomplete="current-password" />
        <PasswordField name="password" label="New password" hint={PASSWORD_HINT} error={p.errors?.password} autocomplete="new-password" />
        <PasswordField name="confirm" label="New password again" error={p.errors?.confirm} autocomplete="new-password" />
        <button type="submit">Change password</button>
      </form>
    </>
  );
}

/** Setting up (or turning off) two-step sign-in. */
export function TwoFactorView(p: { setup: TwoFactorSetup; csrf: string; required: boolean; errors?: Errors }) {
  if (p.setup.enabled) {
    return (
      <>
        <p>
          <a href="/admin/account">Back to your account</a>
        </p>
        <h1>Two-step sign-in</h1>
        <Notice kind="success">Two-step sign-in is on. You need your authenticator app each time you sign in.</Notice>
        <ErrorSummary errors={p.errors} />
        {p.required ? (
          <p>Your organisation requires two-step sign-in, so it cannot be turned off.</p>
        ) : (
          <form method="post" action="/admin/account/2fa/disable" class="form" noValidate>
            <CsrfField token={p.csrf} />
            <h2>Turn it off</h2>
            <PasswordField name="password" label="Your password" error={p.errors?.password} autocomplete="current-password" />
            <button type="submit" class="button-warning">
              Turn off two-step sign-in
            </button>
          </form>
        )}
      </>
    );
  }
  return (
    <>
      {!p.required && (
        <p>
          <a href="/admin/account">Back to your account</a>
        </p>
      )}
      <h1>Set up two-step sign-in</h1>
      {p.required && <Notice kind="warning">Your organisation requires two-step sign-in. Set it up to continue.</Notice>}
      <ErrorSummary errors={p.errors} />
      <ol>
        <li>Install an authenticator app on your phone, for example Aegis, 2FAS, Google Authenticator or Microsoft Authenticator.</li>
        <li>In the app, add an account and scan this code.</li>
      </ol>
      {/* The SVG is generated by the qrcode library from our own otpauth address, never from user input. */}
      <div class="qr" role="img" aria-label="QR code for your authenticator app" dangerouslySetInnerHTML={{ __html: p.setup.qrSvg }} />
      <p>Cannot scan it? Enter this key in the app instead:</p>
      <p>
        <code class="secret">{p.setup.secret.replace(/(.{4})/g, '$1 ').trim()}</code>
      </p>
      <form method="post" action="/admin/account/2fa" class="form" noValidate>
        <CsrfField token={p.csrf} />
        <Field
          name="code"
          label="Then enter the 6-digit code the app shows"
          error={p.errors?.code}
          inputMode="numeric"
          autocomplete="one-time-code"
          maxLength={9}
          width="short"
          required
        />
        <button type="submit">Turn on two-step sign-in</button>
      </form>
    </>
  );
}

/** The audit log, a page at a time. */
export function AuditView(p: { entries: AuditEntry[]; page: number; more: boolean; tz: string }) {
  return (
    <>
      <h1>Audit log</h1>
      <p>Every sign-in, sign-out and change staff make, newest first.</p>
      {p.entries.length === 0 ? (
        <p>Nothing here.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Subject</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {p.entries.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Time ms={e.createdAt} timeZone={p.tz} />
                  </td>
                  <td>{e.staffName ?? '—'}</td>
                  <td>{e.action}</td>
                  <td>{e.target ?? ''}</td>
                  <td>{formatDetails(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <nav class="pager" aria-label="Pages">
        {p.page > 1 && <a href={`/admin/audit?page=${p.page - 1}`}>Newer</a>}
        {p.more && <a href={`/admin/audit?page=${p.page + 1}`}>Older</a>}
      </nav>
    </>
  );
}

function formatDetails(details: string | null): string {
  if (!details) return '';
  try {
    const v = JSON.parse(details) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v))
      return Object.entries(v)
        .map(([k, x]) => `${k}: ${typeof x === 'string' ? x : JSON.stringify(x)}`)
        .join(', ');
  } catch {
    // Older or hand-written entries may not be JSON; show them as they are.
  }
  return details;
}
