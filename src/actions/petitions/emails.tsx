import { renderEmail, type RenderedEmail } from '../../core/mail/render.js';

// Emails to people who signed a petition. They go to whatever address was typed into a public form, so each says
// why it was sent and what happens if the reader does nothing, and none carries the signer's name: the page that
// typed it may not have been theirs to fill in.

function NotYou({ days }: { days: number }) {
  return (
    <p>
      If you did not sign, you can ignore this email: nothing more will happen, and we delete signatures that are not confirmed within{' '}
      {days} days.
    </p>
  );
}

// Rendering (JSX, then the plain-text version) costs more than the rest of a signature put together, and these
// emails differ only in their link: each variant is rendered once with a stand-in for the token (same length and
// characters, so escaping and line wrapping come out the same) and the token is swapped in.
const TOKEN_STAND_IN = 'LanternSignatureTokenStandIn_0123456789abcd';
const templates = new Map<string, RenderedEmail>();

interface ConfirmOptions {
  orgName: string;
  title: string;
  link: string;
  days: number;
  /** The newsletter the signer also asked for, confirmed by the same link. */
  newsletter?: string | undefined;
  /** The signature counts already (the petition needs no confirmation): the link confirms only the newsletter. */
  counted: boolean;
}

/** The email that confirms a signature (and any newsletter asked for with it). */
export function confirmSignatureEmail(o: ConfirmOptions): RenderedEmail {
  const m = /^(.*\/)([A-Za-z0-9_-]{43})$/.exec(o.link);
  if (!m) return renderConfirmSignatureEmail(o);
  const key = JSON.stringify([o.orgName, o.title, m[1], o.days, o.newsletter ?? null, o.counted]);
  let template = templates.get(key);
  if (!template) {
    template = renderConfirmSignatureEmail({ ...o, link: m[1] + TOKEN_STAND_IN });
    if (templates.size >= 100) templates.delete(templates.keys().next().value!);
    templates.set(key, template);
  }
  const swap = (s: string) => s.replaceAll(TOKEN_STAND_IN, m[2]!);
  return { subject: template.subject, html: swap(template.html), text: swap(template.text) };
}

/** The confirmation email rendered afresh, without the template cache. */
function renderConfirmSignatureEmail(o: ConfirmOptions): RenderedEmail {
  return renderEmail({
    subject: o.counted ? `Please confirm: emails from ${o.orgName}` : `Please confirm your signature: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        {o.counted ? (
          <p>Thank you for signing the petition “{o.title}”. Your signature is counted.</p>
        ) : (
          <p>Someone, probably you, signed the petition “{o.title}” with this address.</p>
        )}
        {o.newsletter && (
          <p>
            You also asked to receive emails from {o.orgName}: {o.newsletter}.
          </p>
        )}
        <p>
          {o.counted
            ? 'To start receiving them'
            : o.newsletter
              ? 'To confirm your signature (and your emails)'
              : 'To confirm your signature, so that it counts'}
          , open this link and press the button on the page:
        </p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works for {o.days} days.</p>
        <NotYou days={o.days} />
      </div>
    ),
  });
}

/** Sent to an address that signs a petition it has already signed: never a second signature. */
export function alreadySignedEmail(o: {
  orgName: string;
  title: string;
  pageUrl: string;
  link?: string | undefined;
  days: number;
}): RenderedEmail {
  return renderEmail({
    subject: `You have already signed: ${o.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, signed the petition “{o.title}” again with this address. Each address can sign once, so nothing has
          changed.
        </p>
        {o.link ? (
          <>
            <p>
              Your signature is not confirmed yet, so it does not count. To confirm it, open this link and press the button on the page:
            </p>
            <p>
              <a href={o.link}>{o.link}</a>
            </p>
            <p>The link works for {o.days} days.</p>
          </>
        ) : (
          <p>Your signature is confirmed and counted. Thank you.</p>
        )}
        <p>
          You can share the petition with this link: <a href={o.pageUrl}>{o.pageUrl}</a>
        </p>
        <p>If this was not you, you can ignore this email.</p>
      </div>
    ),
  });
}
