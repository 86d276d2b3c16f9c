import { renderEmail, type RenderedEmail } from '../core/mail/render.js';

// Emails to supporters about their own sign-up and data. Each says why it was sent and what happens if the reader
// did nothing: these go to whatever address was typed into a public form, which may not be the reader's doing.

function NotYou({ days }: { days: number }) {
  return (
    <p>
      If you did not ask for this, you can ignore this email: nothing will be sent to you, and we delete unconfirmed sign-ups after {days}{' '}
      days.
    </p>
  );
}

function ListNames({ lists }: { lists: readonly string[] }) {
  return (
    <ul>
      {lists.map((l) => (
        <li key={l}>{l}</li>
      ))}
    </ul>
  );
}

// Rendering (JSX, then the plain-text version) costs more than everything else in a sign-up put together, and
// confirmation emails differ only in their link. So each variant is rendered once with a stand-in for the link's
// token (same length and characters, so escaping and line wrapping come out the same) and the token swapped in.
const TOKEN_STAND_IN = 'LanternConfirmationTokenStandIn_0123456789x';
const confirmTemplates = new Map<string, RenderedEmail>();

/** The double opt-in email: what they asked to hear about, and the link that confirms it. */
export function confirmSignupEmail(o: { orgName: string; lists: readonly string[]; link: string; days: number }): RenderedEmail {
  const m = /^(.*\/)([A-Za-z0-9_-]{43})$/.exec(o.link);
  if (!m) return renderConfirmSignupEmail(o);
  const key = JSON.stringify([o.orgName, o.lists, m[1], o.days]);
  let template = confirmTemplates.get(key);
  if (!template) {
    template = renderConfirmSignupEmail({ ...o, link: m[1] + TOKEN_STAND_IN });
    if (confirmTemplates.size >= 100) confirmTemplates.delete(confirmTemplates.keys().next().value!);
    confirmTemplates.set(key, template);
  }
  const swap = (s: string) => s.replaceAll(TOKEN_STAND_IN, m[2]!);
  return { subject: template.subject, html: swap(template.html), text: swap(template.text) };
}

/** The double opt-in email rendered afresh, without the template cache. */
export function renderConfirmSignupEmail(o: { orgName: string; lists: readonly string[]; link: string; days: number }): RenderedEmail {
  return renderEmail({
    subject: `Please confirm: emails from ${o.orgName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, asked to receive emails from {o.orgName} at this address{o.lists.length ? ' about:' : '.'}
        </p>
        {o.lists.length > 0 && <ListNames lists={o.lists} />}
        <p>To confirm, open this link and press the button on the page:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works for {o.days} days. You can change your mind at any time: every email we send has a link to unsubscribe.</p>
        <NotYou days={o.days} />
      </div>
    ),
  });
}

/** Sent instead of a confirmation when the address already gets everything it asked for. */
export function alreadySubscribedEmail(o: { orgName: string; lists: readonly string[]; manageLink: string }): RenderedEmail {
  return renderEmail({
    subject: `You already get emails from ${o.orgName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>Someone, probably you, signed up on our website with this address. You already receive:</p>
        <ListNames lists={o.lists} />
        <p>There is nothing more to do. To change what you receive, or to stop, use your preferences page:</p>
        <p>
          <a href={o.manageLink}>{o.manageLink}</a>
        </p>
        <p>If this was not you, you can ignore this email.</p>
      </div>
    ),
  });
}

/** The link to download everything held about a supporter. */
export function dataExportEmail(o: { orgName: string; link: string; days: number }): RenderedEmail {
  return renderEmail({
    subject: `Your data held by ${o.orgName}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>You asked for a copy of the information {o.orgName} holds about you. Download it here:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works once, for {o.days} days. The file is in JSON, a plain text format that any text editor can open.</p>
        <p>
          If you did not ask for this, you can ignore this email: nobody else has been sent your data. If it keeps happening, please contact
          us.
        </p>
      </div>
    ),
  });
}
