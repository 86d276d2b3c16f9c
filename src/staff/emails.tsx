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
