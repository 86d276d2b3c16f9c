import { renderEmail, type RenderedEmail } from '../../core/mail/render.js';
import type { MessageWords } from './settings.js';

// Emails to letter writers: the confirmation link (nothing is sent to anyone before they press its button), the
// copy of what went, the note for a second letter from the same address, the reason a letter was not sent, and
// "did your MP reply?". A message to a company or other target is an email, so each says `words` (settings.ts). The letter itself goes to its recipients as plain text (service.ts composeLetter); here
// the writer's words appear only inside elements, which preact escapes, so no markup they typed can act.

const letterBlock = 'font-family:Georgia,serif;background:#f8f6f1;border-left:3px solid #c8611b;padding:12px 16px;margin:16px 0;';
const paragraph = 'margin:0 0 12px 0;overflow-wrap:anywhere;';

/**
 * A writer's text as paragraphs (split at blank lines) with its line breaks, in elements rather than one
 * pre-formatted block: the plain-text part is derived from the HTML, and only elements keep their breaks there.
 */
function Paragraphs({ text }: { text: string }) {
  const paragraphs = text
    .replace(/\r\n?/g, '\n')
    .split(/\n[ \t]*\n/)
    .map((p) => p.replace(/^\n+|\n+$/g, ''))
    .filter((p) => p.trim() !== '');
  return (
    <>
      {paragraphs.map((p, i) => (
        <p key={i} style={paragraph}>
          {p.split('\n').map((line, j) => (j === 0 ? line : [<br key={j} />, line]))}
        </p>
      ))}
    </>
  );
}

/** The confirmation email: who the letter (or email) goes to, and the link whose page has the button that sends it. */
export function confirmLetterEmail(o: {
  orgName: string;
  actionTitle: string;
  recipients: readonly string[];
  subject: string;
  link: string;
  days: number;
  words: MessageWords;
}): RenderedEmail {
  const w = o.words;
  return renderEmail({
    subject: `Please confirm your ${w.one}: ${o.actionTitle}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, wrote {w.one === 'email' ? 'an email' : 'a letter'} on our website for the campaign "{o.actionTitle}", with
          the subject "{o.subject}". It will go to:
        </p>
        <ul>
          {o.recipients.map((r) => (
            <li key={r}>{r}</li>
          ))}
        </ul>
        <p>Nothing has been sent yet. To send it, open this link and press the button on the page:</p>
        <p>
          <a href={o.link}>{o.link}</a>
        </p>
        <p>The link works for {o.days} days.</p>
        <p>
          If you did not write this {w.one}, ignore this email: it will not be sent, and we delete unsent {w.many} after 30 days.
        </p>
      </div>
    ),
  });
}

/** To an address that has already written in this action: nothing more is sent. */
export function alreadyWroteEmail(o: { orgName: string; actionTitle: string; actionLink: string; words: MessageWords }): RenderedEmail {
  const w = o.words;
  return renderEmail({
    subject: `You have already written: ${o.actionTitle}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Someone, probably you, tried to send another {w.one} from this address for the campaign "{o.actionTitle}". You have already sent
          one, and each person can write once, so we have not sent the new one.
        </p>
        <p>
          Thank you for taking part. There may be more you can do: <a href={o.actionLink}>{o.actionLink}</a>
        </p>
        <p>If this was not you, you can ignore this email.</p>
      </div>
    ),
  });
}

/** The copy of the letter (or email) that went, for the writer's own records, its paragraphs kept in both parts. */
export function letterCopyEmail(o: {
  orgName: string;
  actionTitle: string;
  recipients: readonly string[];
  subject: string;
  text: string;
  forMp: boolean;
  words: MessageWords;
}): RenderedEmail {
  const w = o.words;
  return renderEmail({
    subject: `Your ${w.one} has been sent: ${o.subject}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>
          Thank you. Your {w.one} for "{o.actionTitle}" has been sent to {o.recipients.join(', ')}.
        </p>
        <p>
          {o.forMp
            ? 'Replies go straight to you. MPs often take two or three weeks to answer; we will ask you in a fortnight whether yours did.'
            : 'Any reply will come straight to you.'}
        </p>
        <p>This is exactly what was sent:</p>
        <div style={letterBlock}>
          <p style={paragraph}>
            <strong>Subject: {o.subject}</strong>
          </p>
          <Paragraphs text={o.text} />
        </div>
      </div>
    ),
  });
}

/** A held letter that staff decided not to send, with their reason. */
export function letterRejectedEmail(o: {
  orgName: string;
  actionTitle: string;
  reason: string;
  actionLink: string;
  forMp: boolean;
  words: MessageWords;
}): RenderedEmail {
  const w = o.words;
  return renderEmail({
    subject: `Your ${w.one} was not sent: ${o.actionTitle}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          Thank you for writing for "{o.actionTitle}". Our team read your {w.one} before sending it, and decided not to send it, for this
          reason:
        </p>
        <div style={letterBlock}>
          <Paragraphs text={o.reason} />
        </div>
        <p>
          {o.forMp ? 'You are welcome to write again in your own words: ' : 'You are welcome to write again: '}
          <a href={o.actionLink}>{o.actionLink}</a>
        </p>
      </div>
    ),
  });
}

/** Fourteen days on: did the MP reply? Three links, each opening a page with the button that records the answer. */
export function followupEmail(o: {
  orgName: string;
  actionTitle: string;
  mpName: string;
  sentAt: number;
  timeZone: string;
  links: { yes: string; no: string; not_yet: string };
}): RenderedEmail {
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: o.timeZone, day: 'numeric', month: 'long', year: 'numeric' }).format(
    new Date(o.sentAt),
  );
  return renderEmail({
    subject: `Did ${o.mpName} reply to your letter?`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>
          On {day} you wrote to {o.mpName} for our campaign "{o.actionTitle}". Has your MP replied?
        </p>
        <ul>
          <li>
            <a href={o.links.yes}>Yes, they replied</a>
          </li>
          <li>
            <a href={o.links.no}>No, I have had no reply</a>
          </li>
          <li>
            <a href={o.links.not_yet}>Not yet, but I expect one</a>
          </li>
        </ul>
        <p>Your answer helps us see which MPs listen to their constituents. We count answers; we never publish yours.</p>
      </div>
    ),
  });
}
