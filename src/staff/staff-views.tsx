import { CsrfField, ErrorSummary, Field, Notice, Select, Time } from '../core/web/components.js';
import { ROLES } from './permissions.js';
import type { StaffMember } from './service.js';
import type { Errors, Values } from './sign-in-views.js';
import type { StaffRole } from './tables.js';

// The owners' pages about staff accounts.

const ROLE_HINTS: Record<StaffRole, string> = {
  owner: 'everything, including staff accounts, settings, mail and the audit log',
  editor: 'publishes content',
  campaigner: 'runs actions and newsletters',
  treasurer: 'sees and records donations, and prepares Gift Aid claims',
  viewer: 'sees the dashboard only',
};

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
