import { h } from 'preact';
import type { ActionCard } from '../../actions/service.js';
import { ShareLinks } from '../../core/web/share.js';
import { SignupBlock, type PublicList } from '../../supporters/service.js';
import { Picture } from '../images/views.js';
import { EventCard } from '../../events/service.js';
import { ResourceCard } from '../resources/views.js';
import type { UpdateSummary } from '../updates/service.js';
import { FEATURED_ACTIONS, type LoadedSection } from './home.js';
import type { Hub, Testimonial } from './service.js';

type Values = Record<string, string | undefined>;
type Errors = Record<string, string> | undefined;

/** An action as a card: what it is, its counter, and the button to take part. */
export function ActionCardView({ a }: { a: ActionCard }) {
  return (
    <li class="card action-card">
      <h3>
        <a href={a.url}>{a.title}</a>
      </h3>
      {a.summary && <p>{a.summary}</p>}
      <p class="byline">
        {a.count.toLocaleString('en-GB')} {a.count === 1 ? a.noun[0] : a.noun[1]}
        {a.open ? '' : ' · closed'}
      </p>
      {a.open && (
        <p>
          <a href={a.url} class="button">
            {a.verb ?? 'Take part'}
            <span class="visually-hidden">: {a.title}</span>
          </a>
        </p>
      )}
    </li>
  );
}

/** "What people say": quotes shown with recorded permission. */
export function Testimonials({ items, headingId = 'people-say-title' }: { items: readonly Testimonial[]; headingId?: string }) {
  if (items.length === 0) return null;
  return (
    <section class="testimonials" aria-labelledby={headingId}>
      <h2 id={headingId}>What people say</h2>
      <ul class="cards testimonial-list">
        {items.map((t) => (
          <li key={t.id} class="card testimonial">
            <figure>
              <blockquote>
                <p>{t.quote}</p>
              </blockquote>
              <figcaption>
                <strong>{t.attribution}</strong>
                {t.context && <>, {t.context}</>}
              </figcaption>
            </figure>
          </li>
        ))}
      </ul>
    </section>
  );
}

function UpdateLinks({ items }: { items: readonly UpdateSummary[] }) {
  return (
    <ul class="cards update-list">
      {items.map((u) => (
        <li key={u.id} class="card update-card">
          <h3>
            <a href={u.url}>{u.title}</a>
          </h3>
          {u.warning ? (
            <p class="content-warning-line">
              <strong>Content warning:</strong> {u.warning.reason}
            </p>
          ) : null}
          {u.excerpt && <p>{u.excerpt}</p>}
        </li>
      ))}
    </ul>
  );
}

/** A campaign's page: why it matters, what to do now (live), its priorities, what people say, its news and papers. */
export function HubView(p: { hub: Hub; signupLists: readonly PublicList[]; shareUrl: string }) {
  const { hub } = p;
  const open = hub.actions.filter((a) => a.open);
  const closed = hub.actions.filter((a) => !a.open);
  // The one thing to do now: the open action most people have taken part in.
  const first = open.reduce<ActionCard | undefined>((best, a) => (!best || a.count > best.count ? a : best), undefined);
  return (
    <article class="campaign hub">
      <header class={hub.hero ? 'hub-hero with-image' : 'hub-hero'}>
        <div class="hub-hero-text">
          <p class="eyebrow">Campaign</p>
          <h1>{hub.campaign.title}</h1>
          <p class="lede">{hub.campaign.summary}</p>
          {first && (
            <p>
              <a class="button" href={first.url}>
                {first.verb ?? 'Take action'}
                <span class="visually-hidden">: {first.title}</span>
              </a>
            </p>
          )}
        </div>
        {hub.hero && (
          <Picture image={hub.hero} alt={hub.heroAlt || undefined} sizes="(min-width: 60rem) 30rem, 100vw" class="hub-hero-image" eager />
        )}
      </header>
      <section aria-labelledby="open-title" class="ways-to-help">
        <h2 id="open-title">Ways you can help</h2>
        {open.length === 0 ? (
          <p>There is nothing open to sign or send in this campaign just now. Sign up below to hear when there is.</p>
        ) : (
          <ul class="cards">
            {open.map((a) => (
              <ActionCardView key={a.id} a={a} />
            ))}
          </ul>
        )}
        {hub.events.length > 0 && (
          <>
            <h3>Come to an event</h3>
            <ul class="cards event-list">
              {hub.events.map((item) => (
                <EventCard key={item.event.id} item={item} now={Date.now()} headingLevel={3} />
              ))}
            </ul>
          </>
        )}
      </section>
      {(hub.html || hub.priorities.length > 0) && (
        <div class="hub-body">
          {hub.html && (
            <section aria-labelledby="why-title" class="prose">
              <h2 id="why-title">Why it matters</h2>
              <div dangerouslySetInnerHTML={{ __html: hub.html }} />
            </section>
          )}
          {hub.priorities.length > 0 && (
            <section aria-labelledby="priorities-title" class="hub-priorities">
              <h2 id="priorities-title">What we are asking for</h2>
              <ol>
                {hub.priorities.map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ol>
            </section>
          )}
        </div>
      )}
      <Testimonials items={hub.testimonials} />
      {hub.updates.length > 0 && (
        <section aria-labelledby="news-title">
          <h2 id="news-title">Latest updates</h2>
          <UpdateLinks items={hub.updates} />
        </section>
      )}
      {hub.resources.length > 0 && (
        <section aria-labelledby="resources-title">
          <h2 id="resources-title">Read and share</h2>
          <ul class="cards resource-list">
            {hub.resources.map((r) => (
              <ResourceCard key={r.id} r={r} headingLevel={3} />
            ))}
          </ul>
          <p>
            <a href={`/resources?campaign=${encodeURIComponent(hub.campaign.slug)}`}>All resources for this campaign</a>
          </p>
        </section>
      )}
      {closed.length > 0 && (
        <section aria-labelledby="closed-title">
          <h2 id="closed-title">Earlier actions</h2>
          <ul class="cards">
            {closed.map((a) => (
              <ActionCardView key={a.id} a={a} />
            ))}
          </ul>
        </section>
      )}
      <SignupBlock lists={p.signupLists} />
      <ShareLinks url={p.shareUrl} title={hub.campaign.title} heading="Share this campaign" id="share-campaign" />
    </article>
  );
}

/** The contact page: its text, what happens to a message, and the form (proof of work, a trap for robots). */
export function ContactView(p: { html: string; title: string; values: Values; errors: Errors; keepDays: number; orgName: string }) {
  const v = p.values;
  const e = p.errors ?? {};
  return (
    <article class="page contact">
      <h1>{p.title}</h1>
      {p.html && <div class="prose" dangerouslySetInnerHTML={{ __html: p.html }} />}
      <section aria-labelledby="contact-form-title">
        <h2 id="contact-form-title">Send us a message</h2>
        <p>
          Your message is stored encrypted and emailed to {p.orgName}’s staff, who will reply by email. We delete messages after{' '}
          {Math.round(p.keepDays / 30)} months. Please do not send anything you would not want written down: if you are at risk, think about
          which email address you use.
        </p>
        {Object.keys(e).length > 0 && (
          <div class="error-summary" role="alert" tabIndex={-1}>
            <h2>There is a problem</h2>
            <ul>
              {Object.entries(e).map(([k, m]) => (
                <li key={k}>{k === '_form' ? m : <a href={`#f-${k}`}>{m}</a>}</li>
              ))}
            </ul>
          </div>
        )}
        <form method="post" action="/contact" class="form" noValidate>
          <div class={e.name ? 'field field-error' : 'field'}>
            <label for="f-name">Your name</label>
            {e.name && <p class="error-message">{e.name}</p>}
            <input id="f-name" name="name" type="text" autocomplete="name" maxLength={120} value={v.name ?? ''} required />
          </div>
          <div class={e.email ? 'field field-error' : 'field'}>
            <label for="f-email">Your email address</label>
            {e.email && <p class="error-message">{e.email}</p>}
            <input id="f-email" name="email" type="email" autocomplete="email" maxLength={254} value={v.email ?? ''} required />
          </div>
          <div class={e.message ? 'field field-error' : 'field'}>
            <label for="f-message">Your message</label>
            {e.message && <p class="error-message">{e.message}</p>}
            <textarea id="f-message" name="message" rows={8} maxLength={5000} required>
              {v.message ?? ''}
            </textarea>
          </div>
          {/* A trap for form-filling robots: hidden from people and from screen readers, never reached with Tab. */}
          <div class="signup-trap" aria-hidden="true">
            <label for="f-website">Leave this field empty</label>
            <input type="text" id="f-website" name="website" tabIndex={-1} autocomplete="off" value="" />
          </div>
          {h('altcha-widget', { challenge: '/stay-in-touch/challenge', auto: 'onsubmit', name: 'altcha', class: 'signup-check' })}
          <button type="submit">Send the message</button>
        </form>
        <script type="module" src="/assets/forms.js"></script>
      </section>
    </article>
  );
}

/** After a message was sent. */
export function ContactSentView() {
  return (
    <article class="page">
      <h1>Thank you for your message</h1>
      <p class="lede">It has reached our staff, who will reply by email. It can take a few days.</p>
      <p>
        <a href="/">Go to the home page</a>
      </p>
    </article>
  );
}

function SectionHeading({ id, text, fallback }: { id: string; text: string; fallback: string }) {
  return <h2 id={id}>{text || fallback}</h2>;
}

/** One section of the home page. */
function HomeSectionView({ s, i, signupLists }: { s: LoadedSection; i: number; signupLists: readonly PublicList[] }) {
  const id = `home-section-${i}`;
  switch (s.kind) {
    case 'featured_campaign': {
      const hub = s.hub;
      if (!hub) return null;
      const open = hub.actions.filter((a) => a.open).slice(0, FEATURED_ACTIONS);
      return (
        <section aria-labelledby={id} class={hub.hero ? 'home-featured with-image' : 'home-featured'}>
          <div class="home-featured-text">
            <p class="eyebrow">{s.heading || 'Our campaign'}</p>
            <h2 id={id}>
              <a href={`/campaigns/${hub.campaign.slug}`}>{hub.campaign.title}</a>
            </h2>
            <p class="lede">{hub.campaign.summary}</p>
            {hub.priorities.length > 0 && (
              <ul>
                {hub.priorities.slice(0, 3).map((x) => (
                  <li key={x}>{x}</li>
                ))}
              </ul>
            )}
            <p>
              <a href={`/campaigns/${hub.campaign.slug}`}>
                Everything about this campaign<span class="visually-hidden">: {hub.campaign.title}</span>
              </a>
            </p>
          </div>
          {hub.hero && (
            <Picture image={hub.hero} alt={hub.heroAlt || undefined} sizes="(min-width: 60rem) 30rem, 100vw" class="home-featured-image" />
          )}
          {open.length > 0 && (
            <ul class="cards home-featured-actions">
              {open.map((a) => (
                <ActionCardView key={a.id} a={a} />
              ))}
            </ul>
          )}
        </section>
      );
    }
    case 'open_actions':
      if (s.actions.length === 0) return null;
      return (
        <section aria-labelledby={id}>
          <SectionHeading id={id} text={s.heading} fallback="Take action now" />
          <ul class="cards">
            {s.actions.map((a) => (
              <ActionCardView key={a.id} a={a} />
            ))}
          </ul>
          <p>
            <a href="/act">Every open action</a>
          </p>
        </section>
      );
    case 'latest_updates':
      if (s.updates.length === 0) return null;
      return (
        <section aria-labelledby={id}>
          <SectionHeading id={id} text={s.heading} fallback="Latest updates" />
          <ul class="cards update-list">
            {s.updates.map((u) => {
              const image = u.featuredImageId !== null && !u.warning ? s.images.get(u.featuredImageId) : undefined;
              return (
                <li key={u.id} class={image ? 'card update-card with-image' : 'card update-card'}>
                  {image && (
                    <Picture
                      image={image}
                      alt={u.featuredImageAlt || undefined}
                      sizes="(min-width: 60rem) 22rem, 100vw"
                      class="card-image"
                    />
                  )}
                  <h3>
                    <a href={u.url}>{u.title}</a>
                  </h3>
                  {u.warning && (
                    <p class="content-warning-line">
                      <strong>Content warning:</strong> {u.warning.reason}
                    </p>
                  )}
                  {u.excerpt && <p>{u.excerpt}</p>}
                </li>
              );
            })}
          </ul>
          <p>
            <a href="/updates">All updates</a>
          </p>
        </section>
      );
    case 'testimonials':
      return <Testimonials items={s.items} headingId={id} />;
    case 'upcoming_events':
      if (s.items.length === 0) return null;
      return (
        <section aria-labelledby={id}>
          <SectionHeading id={id} text={s.heading} fallback="Events coming up" />
          <ul class="cards event-list">
            {s.items.map((item) => (
              <EventCard key={item.event.id} item={item} now={s.now} headingLevel={3} />
            ))}
          </ul>
          <p>
            <a href="/events">All events</a>
          </p>
        </section>
      );
    case 'resources':
      if (s.items.length === 0) return null;
      return (
        <section aria-labelledby={id}>
          <SectionHeading id={id} text={s.heading} fallback="Read and share" />
          <ul class="cards resource-list">
            {s.items.map((r) => (
              <ResourceCard key={r.id} r={r} headingLevel={3} />
            ))}
          </ul>
          <p>
            <a href="/resources">All resources</a>
          </p>
        </section>
      );
    case 'signup':
      return <SignupBlock lists={signupLists} />;
    case 'text':
      return (
        <section aria-labelledby={s.heading ? id : undefined} class="prose home-text">
          {s.heading && <h2 id={id}>{s.heading}</h2>}
          <div dangerouslySetInnerHTML={{ __html: s.html }} />
        </section>
      );
  }
}

/** The home page: what the charity does and one thing to do now, then the sections staff placed, then its own text. */
export function HomePageView(p: {
  orgName: string;
  tagline: string;
  intro: { summary: string; html: string } | undefined;
  sections: LoadedSection[];
  firstAction: ActionCard | undefined;
  signupLists: readonly PublicList[];
}) {
  return (
    <div class="home">
      <section class="home-hero" aria-labelledby="home-title">
        <h1 id="home-title">{p.orgName}</h1>
        {p.tagline && <p class="lede">{p.tagline}</p>}
        <p class="button-row">
          {p.firstAction && (
            <a class="button" href={p.firstAction.url}>
              {p.firstAction.verb ?? 'Take action'}
              <span class="visually-hidden">: {p.firstAction.title}</span>
            </a>
          )}
          <a class="button button-secondary" href="/updates">
            Read our updates
          </a>
        </p>
      </section>
      {p.sections.map((s, i) => (
        <HomeSectionView key={i} s={s} i={i} signupLists={p.signupLists} />
      ))}
      {p.intro?.html && (
        <section aria-labelledby="about-us-title" class="prose home-about">
          <h2 id="about-us-title">About us</h2>
          <div dangerouslySetInnerHTML={{ __html: p.intro.html }} />
        </section>
      )}
    </div>
  );
}
