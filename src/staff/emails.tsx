import { renderEmail, type RenderedEmail } from '../core/mail/render.js';

/** The password reset email: one link, valid for an hour, and what to do if it was not you. */
export function passwordResetEmail(o: { orgName: string; name: string; link: string }): RenderedEmail {
  return renderEmail({
    subject: `Reset your ${o.orgName} staff password`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello {o.name},</p>
        <p>Someone asked to reset the password of your staff account. If it was you, choose a new password here:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works once, for one hour. Choosing a new password signs you out everywhere.</p>
        <p>
          If you did not ask for this, you can ignore this email: your password has not changed. If it keeps happening, tell the owner of
          your account.
        </p>
      </div>
    ),
  });
}

/** The invitation sent when an owner adds a staff member: a link to choose a password. */
export function staffInviteEmail(o: { orgName: string; name: string; role: string; link: string; hours: number }): RenderedEmail {
  return renderEmail({
    subject: `You have been added to ${o.orgName}'s staff`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello {o.name},</p>
        <p>
          You now have a staff account ({o.role}) at {o.orgName}. Choose your password to start:
        </p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works once, for {o.hours} hours. After that, use "Forgotten your password?" on the sign-in page.</p>
        <p>If you were not expecting this, you can ignore this email.</p>
      </div>
    ),
  });
}

/**
 * The warning sent (at most once an hour) when someone keeps failing to sign in to a staff account: what happened,
 * that the holder can still sign in, and what to do if it was not them. No addresses: they would mean nothing to
 * the reader and are not kept.
 */
export function signInAttackEmail(o: {
  orgName: string;
  name: string;
  failures: number;
  /** Some attempts gave the right password and failed at the two-step code. */
  passwordKnown: boolean;
  twoFactor: boolean;
  accountLink: string;
  forgotLink: string;
}): RenderedEmail {
  return renderEmail({
    subject: `Someone is trying to sign in to your ${o.orgName} staff account`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello {o.name},</p>
        <p>
          In the last day there have been {o.failures} failed attempts to sign in to your staff account at {o.orgName}. None of them got in.
        </p>
        {o.passwordKnown && (
          <p>
            <strong>
              Some of these attempts gave your correct password and were stopped only by the two-step sign-in code. Someone may know your
              password: change it now.
            </strong>
          </p>
        )}
        <p>
          You can still sign in as usual. Lantern makes every connection that keeps getting the password wrong wait longer and longer before
          it may try again, so guessing your password is very slow.
        </p>
        <p>If it was you mistyping your password, there is nothing to do.</p>
        <p>If it was not you:</p>
        <ul>
          <li>
            Sign in and change your password to a long one that you use nowhere else, under "Your account":{' '}
            <a href={o.accountLink}>{o.accountLink}</a>. If you cannot sign in, choose a new password here:{' '}
            <a href={o.forgotLink}>{o.forgotLink}</a>.
          </li>
          {!o.twoFactor && <li>Turn on two-step sign-in, also under "Your account", so that a password alone is not enough.</li>}
          <li>Tell an owner of your organisation's Lantern.</li>
        </ul>
        <p>If the attempts go on, we will tell you again, at most once an hour.</p>
      </div>
    ),
  });
}
