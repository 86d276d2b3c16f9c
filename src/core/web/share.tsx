import type { HeadTags } from './layout.js';

// Sharing and discovery for any public page: the head tags that say what a shared link shows (Open Graph) and where
// the page lives (canonical), the autodiscovery link of a feed, and the "share with others" block. Share links are
// plain links to each service's own share page: nothing of theirs (script, image, font) is loaded by our pages, so
// reading a page tells no other company who read it. Core knows no capability: callers give whole addresses.

/**
 * The head tags of a public page: its canonical address, and what a link to it shows when shared (Open Graph).
 * `image` is an absolute address of our own; leave it out for a page under a content warning.
 */
export function shareTags(o: { url: string; title: string; description: string; siteName: string; image?: string | undefined }): HeadTags {
  return {
    links: [{ rel: 'canonical', href: o.url }],
    meta: [
      { property: 'og:type', content: 'website' },
      { property: 'og:site_name', content: o.siteName },
      { property: 'og:title', content: o.title },
      { property: 'og:description', content: o.description },
      { property: 'og:url', content: o.url },
      ...(o.image ? [{ property: 'og:image', content: o.image }] : []),
    ],
  };
}

/** The autodiscovery tag of an Atom feed (`url` absolute), so feed readers find it from the page. */
export function feedLink(url: string, title: string): HeadTags {
  return { links: [{ rel: 'alternate', type: 'application/atom+xml', title, href: url }] };
}

/** Several pages' worth of head tags as one (share tags and a feed link, say), in the order given. */
export function mergeHead(...parts: ReadonlyArray<HeadTags | undefined>): HeadTags {
  return {
    meta: parts.flatMap((p) => p?.meta ?? []),
    links: parts.flatMap((p) => p?.links ?? []),
  };
}

/** One service's share address for a page: where "Share by …" goes. */
export interface ShareTarget {
  label: string;
  href: string;
}

/**
 * The share addresses of a page (`url` absolute) for email, WhatsApp, Bluesky, X, Facebook and LinkedIn. `text` is
 * the message offered with the link (the title when not given).
 */
export function shareTargets(o: { url: string; title: string; text?: string | undefined }): ShareTarget[] {
  const u = encodeURIComponent(o.url);
  const message = o.text ?? o.title;
  const withUrl = encodeURIComponent(`${message} ${o.url}`);
  return [
    { label: 'Email', href: `mailto:?subject=${encodeURIComponent(o.title)}&body=${encodeURIComponent(`${message}\n\n${o.url}`)}` },
    { label: 'WhatsApp', href: `https://wa.me/?text=${withUrl}` },
    { label: 'Bluesky', href: `https://bsky.app/intent/compose?text=${withUrl}` },
    { label: 'X', href: `https://x.com/intent/post?text=${encodeURIComponent(message)}&url=${u}` },
    { label: 'Facebook', href: `https://www.facebook.com/sharer/sharer.php?u=${u}` },
    { label: 'LinkedIn', href: `https://www.linkedin.com/sharing/share-offsite/?url=${u}` },
  ];
}

/**
 * "Share with others": a link to each service's own share page, and the address itself in a read-only field to copy
 * (which needs no JavaScript). `id` keeps the field's label tied to it when a page has two blocks.
 */
export function ShareLinks(p: { url: string; title: string; text?: string | undefined; heading: string; id?: string | undefined }) {
  const id = p.id ?? 'share';
  return (
    <section class="share" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>{p.heading}</h2>
      <ul class="share-links">
        {shareTargets(p).map((l) => (
          <li key={l.label}>
            <a href={l.href} rel="noopener noreferrer" class="button button-secondary">
              <span class="visually-hidden">Share by </span>
              {l.label}
            </a>
          </li>
        ))}
      </ul>
      <div class="field">
        <label for={`f-${id}-url`}>Or copy this link</label>
        <input id={`f-${id}-url`} type="text" readOnly value={p.url} class="input-full" />
      </div>
    </section>
  );
}
