import { renderEmail, type RenderedEmail } from '../../core/mail/render.js';

// Emails to the contact person of an organisation that signed a statement. Each says why it was sent: these go to
// whatever address was typed into a public form, which may not be the reader's doing.

/** The link that confirms an organisation's signature (and, when asked for, the newsletter). */
export function confirmSignOnEmail(o: {
  orgName: string;
  organisation: string;
  title: string;
  link: string;
  days: number;
  newsletter: string | null;
}): RenderedEmail {
  return renderEmail({
    subject: `Please confirm your organisation’s signature: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, asked to add <strong>{o.organisation}</strong> to the organisations signing “{o.title}”, and gave this
          address as the contact.
        </p>
        {o.newsletter && (
          <p>
            You also asked to receive “{o.newsletter}” from {o.orgName}. The same link confirms that.
          </p>
        )}
        <p>To confirm, open this link and press the button on the page:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>
          After you confirm, our team checks each organisation before adding it to the public list, and we will email you when yours is
          listed. Your name and this address are never shown publicly.
        </p>
        <p>
          The link works for {o.days} days. If you did not ask for this, you can ignore this email: nothing will be listed, and we delete
          unconfirmed signatures after {o.days} days.
        </p>
      </div>
    ),
  });
}

/** Sent instead, when this address has already signed the statement and confirmed. */
export function alreadySignedEmail(o: {
  orgName: string;
  organisation: string;
  title: string;
  listed: boolean;
  pageLink: string;
}): RenderedEmail {
  return renderEmail({
    subject: `Your organisation has already signed: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, tried to sign “{o.title}” again with this address. This address already signed for{' '}
          <strong>{o.organisation}</strong>, so there is nothing more to do.
        </p>
        {o.listed ? (
          <p>
            Your organisation is on the public list: <a href={o.pageLink}>{o.pageLink}</a>
          </p>
        ) : (
          <p>Our team checks each organisation before adding it to the public list.</p>
        )}
        <p>If this was not you, you can ignore this email.</p>
      </div>
    ),
  });
}

/** Sent when staff approve a sign-on: the organisation is now listed. */
export function signOnApprovedEmail(o: { orgName: string; organisation: string; title: string; pageLink: string }): RenderedEmail {
  return renderEmail({
    subject: `You are listed: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Thank you. <strong>{o.organisation}</strong> is now listed among the organisations signing “{o.title}”:
        </p>
        <p>
          <a href={o.pageLink}>{o.pageLink}</a>
        </p>
        <p>Please share the statement with partner organisations who might sign it too. Your name and email address are not shown.</p>
        <p>If anything shown about your organisation is wrong, or you would like it taken off the list, please contact {o.orgName}.</p>
      </div>
    ),
  });
}
