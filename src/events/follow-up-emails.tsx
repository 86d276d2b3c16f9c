import { renderEmail, type RenderedEmail } from '../core/mail/render.js';
import type { EventPrivate, LanternEvent } from './model.js';

// Emails of the worker's part of events: the reminders before a date and the thank-you after an event. Like every
// email to a registered person they go to whatever address was typed into a public form, so none carries the
// registered name; the private parts (the joining link, a protest's meeting point) go only to people holding a place,
// which is everyone these emails are sent to.

/** Whether people join this event online now (an in-person event that staff moved online counts). */
export function joinsOnline(event: LanternEvent): boolean {
  return event.mode !== 'in_person' || event.status === 'moved_online';
}

function Where(p: { event: LanternEvent; mapLink: string | undefined; private: EventPrivate }) {
  const e = p.event;
  const inRoom = e.mode !== 'online' && e.status !== 'moved_online';
  return (
    <>
      {inRoom && (e.venueName || e.address) && (
        <p>
          <strong>Where:</strong> {[e.venueName, e.address.replace(/\s*\n\s*/g, ', ')].filter(Boolean).join(', ')}
          {p.mapLink && (
            <>
              {' '}
              (<a href={p.mapLink}>map on OpenStreetMap</a>)
            </>
          )}
        </p>
      )}
      {inRoom && p.private.meetingPoint && (
        <p>
          <strong>Meeting point (for you only, please do not share it):</strong> {p.private.meetingPoint}
        </p>
      )}
      {joinsOnline(e) && p.private.joiningLink && (
        <p>
          <strong>Join online:</strong> <a href={p.private.joiningLink}>{p.private.joiningLink}</a> (for you only, please do not share it)
        </p>
      )}
      {e.accessibility && (
        <p>
          <strong>Access:</strong> {e.accessibility}
        </p>
      )}
    </>
  );
}

function Manage({ link }: { link: string }) {
  return (
    <p>
      If you cannot come after all, please cancel from your own page so that someone waiting can have your place: <a href={link}>{link}</a>.
      Anyone with this link can change your registration, so please do not forward this email.
    </p>
  );
}

/** A reminder of a date someone holds a place at: a day before (`day`), or an hour before an online event (`hour`). */
export function reminderEmail(o: {
  orgName: string;
  event: LanternEvent;
  which: 'day' | 'hour';
  when: string;
  places: number;
  private: EventPrivate;
  mapLink: string | undefined;
  pageUrl: string;
  manageLink: string;
}): RenderedEmail {
  const e = o.event;
  const subject = o.which === 'hour' ? `Starting within the hour: ${e.title}` : `Reminder: ${e.title} is coming up`;
  const online = joinsOnline(e);
  return renderEmail({
    subject,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        {o.which === 'hour' ? (
          <p>
            <a href={o.pageUrl}>{e.title}</a> starts within the hour, and you have {o.places === 1 ? 'a place' : `${o.places} places`}.
          </p>
        ) : (
          <p>
            A reminder that you have {o.places === 1 ? 'a place' : `${o.places} places`} at <a href={o.pageUrl}>{e.title}</a>.
          </p>
        )}
        <p>
          <strong>When:</strong> {o.when}
        </p>
        <Where event={e} mapLink={o.mapLink} private={o.private} />
        {o.which === 'hour' && online && !o.private.joiningLink && (
          <p>The joining link will be on your own page as soon as the organisers add it.</p>
        )}
        <Manage link={o.manageLink} />
        {e.organiserEmail && (
          <p>
            Questions? Write to {e.organiserName || 'the organisers'} at <a href={`mailto:${e.organiserEmail}`}>{e.organiserEmail}</a>.
          </p>
        )}
      </div>
    ),
  });
}

/** The thank-you after an event: the recording, the materials (already rendered from Markdown) and the feedback form. */
export function thankYouEmail(o: {
  orgName: string;
  event: LanternEvent;
  recordingUrl: string | undefined;
  materialsHtml: string;
  feedbackLink: string;
}): RenderedEmail {
  const e = o.event;
  return renderEmail({
    subject: `Thank you for coming: ${e.title}`,
    orgName: o.orgName,
    body: (
      <div>
        <p>Hello,</p>
        <p>Thank you for being part of “{e.title}”. It means a great deal that you gave your time.</p>
        {o.recordingUrl && (
          <p>
            <strong>The recording:</strong> <a href={o.recordingUrl}>{o.recordingUrl}</a>
          </p>
        )}
        {o.materialsHtml && (
          <>
            <p>
              <strong>Materials from the event:</strong>
            </p>
            <div dangerouslySetInnerHTML={{ __html: o.materialsHtml }} />
          </>
        )}
        <p>
          How was it? A minute or two of your time helps us make the next one better. Tell us here:{' '}
          <a href={o.feedbackLink}>{o.feedbackLink}</a>
        </p>
        <p>The link is yours alone, so please do not forward this email.</p>
      </div>
    ),
  });
}
