import type { VNode } from 'preact';
import { ShareLinks } from '../core/web/share.js';
import { KIND_VERBS, type Action, type Campaign, type ActionUpdate } from './service.js';

// The public frame of an action (its campaign, text, deadline, counter and updates around the kind's own area),
// the thank-you page, the campaign hub and the list of open actions.

/** What supporters do on an action of each kind, for the preview's description of the form. */
const KIND_DOING: Record<Action['kind'], string> = {
  petition: 'sign the petition',
  letter_mp: 'find their MP by postcode and write their letter',
  email_target: 'write their email to the targets',
  sign_on: 'sign on for their organisation',
};

/** "31 August 2026" for a YYYY-MM-DD day (a calendar day: no time zone applies). */
export function formatDay(day: string): string {
  const d = new Date(`${day}T12:00:00Z`);
  return Number.isNaN(d.getTime())
    ? day
    : d.toLocaleDateString('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' });
}

const n = (x: number) => x.toLocaleString('en-GB');

/** The counter: the number, the noun, and progress towards the goal (a native <progress> with a text equivalent). */
function Counter({ count, goal, noun }: { count: number; goal: number | null; noun: readonly [string, string] }) {
  const word = count === 1 ? noun[0] : noun[1];
  return (
    <div class="counter">
      <p class="counter-figure">
        <strong>{n(count)}</strong> {word}
        {goal !== null && <span class="muted"> of a goal of {n(goal)}</span>}
      </p>
      {goal !== null && (
        <progress max={goal} value={Math.min(count, goal)} aria-label={`${n(count)} ${word} of a goal of ${n(goal)}`}>
          {Math.floor((Math.min(count, goal) / goal) * 100)}%
        </progress>
      )}
    </div>
  );
}

/** When the action closes, or closed. */
function DeadlineLine({ action, open }: { action: Action; open: boolean }) {
  if (open) return action.deadline ? <p class="meta">Open until the end of {formatDay(action.deadline)}.</p> : null;
  return (
    <p class="meta">{action.deadline ? `This action closed at the end of ${formatDay(action.deadline)}.` : 'This action has closed.'}</p>
  );
}

const UPDATE_LABEL: Record<ActionUpdate['kind'], string> = { delivery: 'Handed in', response: 'Response', update: 'Update' };

/** The updates on an action: delivery, response and news, newest first. */
export function Updates({ updates, renderMarkdown }: { updates: readonly ActionUpdate[]; renderMarkdown: (s: string) => string }) {
  if (updates.length === 0) return null;
  return (
    <section class="action-updates" aria-labelledby="updates-title">
      <h2 id="updates-title">Updates</h2>
      <ol class="timeline">
        {updates.map((u) => (
          <li key={u.id}>
            <p class="timeline-kind">
              {UPDATE_LABEL[u.kind]}
              {u.happenedOn && <> · {formatDay(u.happenedOn)}</>}
            </p>
            <h3>{u.kind === 'delivery' && u.happenedOn ? `${u.title}` : u.title}</h3>
            {u.body && <div class="prose" dangerouslySetInnerHTML={{ __html: renderMarkdown(u.body) }} />}
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * An action's public page: its campaign (if it has one), text, counter, deadline, the kind's area where supporters
 * act, the share links and the updates. As a preview for staff (`preview`), it says so at the top, and the kind's
 * area is described rather than shown, so nothing on it can be filled in or sent.
 */
export function ActionPageView(p: {
  action: Action;
  campaign: Campaign | undefined;
  noun: readonly [string, string];
  open: boolean;
  bodyHtml: string;
  resultHtml: string;
  updates: readonly ActionUpdate[];
  renderMarkdown: (s: string) => string;
  actArea: VNode | null;
  after?: VNode | null;
  shareUrl: string;
  preview?: { editHref: string } | undefined;
}) {
  const { action } = p;
  return (
    <article class="action">
      {p.preview && (
        <div class="notice notice-warning preview-banner" role="note" aria-labelledby="preview-title">
          <p class="preview-title" id="preview-title">
            <strong>{action.status === 'draft' ? 'Preview — not yet open' : 'Preview'}</strong>
          </p>
          <p>
            {action.status === 'draft'
              ? 'This is how the page will look once the action is open. Supporters cannot see it yet, and the part where they take part is only described here.'
              : 'This is how the page looks to supporters. The part where they take part is only described here.'}{' '}
            <a href={p.preview.editHref}>Back to the action</a>
          </p>
        </div>
      )}
      {p.campaign && (
        <p class="meta">
          <a href={`/campaigns/${p.campaign.slug}`}>{p.campaign.title}</a>
        </p>
      )}
      <h1>{action.title}</h1>
      <p class="lede">{action.summary}</p>
      <Counter count={action.count} goal={action.goal} noun={p.noun} />
      <DeadlineLine action={action} open={p.open} />
      {!p.open && (
        <section class="notice" aria-labelledby="closed-title">
          <h2 id="closed-title">This action is closed</h2>
          {p.resultHtml ? (
            <div class="prose" dangerouslySetInnerHTML={{ __html: p.resultHtml }} />
          ) : (
            <p>Thank you to everyone who took part.</p>
          )}
        </section>
      )}
      <div class="prose" dangerouslySetInnerHTML={{ __html: p.bodyHtml }} />
      {p.preview ? (
        <section class="card preview-act-area" aria-labelledby="preview-act-title">
          <h2 id="preview-act-title">{KIND_VERBS[action.kind]}</h2>
          <p>Once the action is open, the form where supporters {KIND_DOING[action.kind]} appears here.</p>
        </section>
      ) : (
        p.open && p.actArea
      )}
      {p.after}
      <ShareLinks url={p.shareUrl} title={action.title} heading="Share with others" />
      <Updates updates={p.updates} renderMarkdown={p.renderMarkdown} />
    </article>
  );
}

/** A card for an action in a list: title, summary, counter and the verb. */
function ActionCard({ action, noun }: { action: Action; noun: readonly [string, string] }) {
  return (
    <li class="card action-card">
      <h3>
        <a href={`/act/${action.slug}`}>{action.title}</a>
      </h3>
      <p>{action.summary}</p>
      <p class="meta">
        {n(action.count)} {action.count === 1 ? noun[0] : noun[1]}
        {action.status === 'open' && action.deadline && <> · until {formatDay(action.deadline)}</>}
        {action.status === 'closed' && <> · closed</>}
      </p>
      {action.status === 'open' && (
        <p>
          <a href={`/act/${action.slug}`} class="button">
            {KIND_VERBS[action.kind]}
            <span class="visually-hidden">: {action.title}</span>
          </a>
        </p>
      )}
    </li>
  );
}

export function ThanksView(p: {
  action: Action;
  thankYouHtml: string;
  shareUrl: string;
  next: { action: Action; noun: readonly [string, string] } | null;
}) {
  return (
    <article class="action-thanks">
      <h1>Thank you</h1>
      {p.thankYouHtml ? (
        <div class="prose" dangerouslySetInnerHTML={{ __html: p.thankYouHtml }} />
      ) : (
        <p class="lede">You have added your voice to “{p.action.title}”.</p>
      )}
      <ShareLinks url={p.shareUrl} title={p.action.title} heading="Ask others to join you" />
      {p.next && (
        <section aria-labelledby="next-title">
          <h2 id="next-title">What you can do next</h2>
          <ul class="cards">
            <ActionCard action={p.next.action} noun={p.next.noun} />
          </ul>
        </section>
      )}
      <p>
        <a href={`/act/${p.action.slug}`}>Back to “{p.action.title}”</a>
      </p>
    </article>
  );
}

export function ActionsIndexView({ items }: { items: ReadonlyArray<{ action: Action; noun: readonly [string, string] }> }) {
  return (
    <article>
      <h1>Take action</h1>
      {items.length === 0 ? (
        <p class="lede">There is nothing open to sign or send just now. Sign up for updates to hear when there is.</p>
      ) : (
        <ul class="cards">
          {items.map((x) => (
            <ActionCard key={x.action.id} action={x.action} noun={x.noun} />
          ))}
        </ul>
      )}
    </article>
  );
}
