import { renderEmail, type RenderedEmail } from '../../core/mail/render.js';

/** The email that brings a contact-form message to the organisation (reply-to the sender). */
export function contactMessageEmail(orgName: string, m: { name: string; email: string; message: string }): RenderedEmail {
  return renderEmail({
    subject: `Message from the website: ${m.name}`,
    orgName,
    body: (
      <>
        <p>
          {m.name} ({m.email}) wrote through the contact form:
        </p>
        {m.message.split(/\n{2,}/).map((para, i) => (
          <p key={i}>{para}</p>
        ))}
        <p>Reply to this email to answer them. The message is also in the admin area, under Website, Messages.</p>
      </>
    ),
  });
}
