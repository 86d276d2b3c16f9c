import type { ComponentChildren } from 'preact';
import type { SiteSettings } from '../settings.js';

export interface NavItem {
  href: string;
  label: string;
}

/**
 * Tags a page adds to its head: <meta name> (robots…), <meta property> (Open Graph) and <link rel> (canonical, a
 * feed's autodiscovery with its type and title). Addresses are given whole: a page knows the public base address,
 * the layout does not.
 */
export interface HeadTags {
  meta?: ReadonlyArray<{ name: string; content: string } | { property: string; content: string }>;
  links?: ReadonlyArray<{ rel: string; href: string; type?: string; title?: string }>;
}

/** An admin navigation entry: the work (supporters, newsletters, actions…) by default, or the Settings group. */
export interface AdminNavItem extends NavItem {
  group?: 'work' | 'settings';
  /** Where a settings entry sits in its group (lower first); the work keeps the order of the capabilities. */
  order?: number;
}

export interface PageShell {
  site: SiteSettings;
  title: string;
  path: string;
  nav: readonly NavItem[];
  children: ComponentChildren;
  /** Admin pages get the staff bar and the admin navigation. */
  admin?: { staffName: string; role: string; nav: readonly AdminNavItem[]; csrf: string } | undefined;
  description?: string | undefined;
  head?: HeadTags | undefined;
}

function isCurrent(path: string, href: string): boolean {
  return href === '/' || href === '/admin' ? path === href : path === href || path.startsWith(`${href}/`);
}

/** The one layout: skip link, header with the organisation's name and navigation, main, footer. */
/**
 * The admin navigation: the work in one row, then the Settings group, a disclosure that needs no JavaScript. It is
 * open on the settings pages themselves, where it reads as a second row with the current page marked.
 */
function AdminNav({ nav, path }: { nav: readonly AdminNavItem[]; path: string }) {
  const work = nav.filter((n) => n.group !== 'settings');
  const settings = nav.filter((n) => n.group === 'settings').sort((a, b) => (a.order ?? 50) - (b.order ?? 50));
  const inSettings = settings.some((n) => isCurrent(path, n.href));
  const link = (n: NavItem) => (
    <li key={n.href}>
      <a href={n.href} aria-current={isCurrent(path, n.href) ? 'page' : undefined}>
        {n.label}
      </a>
    </li>
  );
  return (
    <nav class="site-nav admin-nav" aria-label="Admin">
      <div class="wrap admin-nav-inner">
        <ul class="nav-work">{work.map(link)}</ul>
        {settings.length > 0 && (
          <details class="nav-settings" open={inSettings}>
            <summary>Settings</summary>
            <ul aria-label="Settings">{settings.map(link)}</ul>
          </details>
        )}
      </div>
    </nav>
  );
}

export function Layout(p: PageShell) {
  const nav = p.admin ? [] : p.nav;
  const fullTitle = p.admin
    ? `${p.title} · Admin · ${p.site.orgName}`
    : p.title === p.site.orgName
      ? p.title
      : `${p.title} · ${p.site.orgName}`;
  return (
    <html lang="en-GB">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <meta name="theme-color" content="#1f1b16" />
        <title>{fullTitle}</title>
        {p.description && <meta name="description" content={p.description} />}
        <link rel="stylesheet" href="/assets/site.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        {p.admin && <meta name="robots" content="noindex" />}
        {p.head?.meta?.map((m) =>
          'name' in m ? (
            <meta key={`n:${m.name}`} name={m.name} content={m.content} />
          ) : (
            <meta key={`p:${m.property}`} property={m.property} content={m.content} />
          ),
        )}
        {p.head?.links?.map((l) => (
          <link key={`${l.rel}:${l.href}`} rel={l.rel} type={l.type} title={l.title} href={l.href} />
        ))}
      </head>
      <body class={p.admin ? 'admin' : 'public'}>
        <a class="skip-link" href="#main">
          Skip to main content
        </a>
        <header class="site-header">
          <div class="wrap header-inner">
            <a class="brand" href={p.admin ? '/admin' : '/'}>
              <span class="brand-mark" aria-hidden="true"></span>
              <span class="brand-name">{p.site.orgName}</span>
              {p.admin && <span class="brand-tag">Admin</span>}
            </a>
            {p.admin && (
              <form method="post" action="/admin/logout" class="staff-bar">
                <span class="staff-name">
                  {p.admin.staffName} <span class="role">({p.admin.role})</span>
                </span>
                <input type="hidden" name="_csrf" value={p.admin.csrf} />
                <button type="submit" class="button-link">
                  Sign out
                </button>
              </form>
            )}
          </div>
          {p.admin && <AdminNav nav={p.admin.nav} path={p.path} />}
          {nav.length > 0 && (
            <nav class="site-nav" aria-label="Main">
              <ul class="wrap">
                {nav.map((n) => (
                  <li key={n.href}>
                    <a href={n.href} aria-current={isCurrent(p.path, n.href) ? 'page' : undefined}>
                      {n.label}
                    </a>
                  </li>
                ))}
              </ul>
            </nav>
          )}
        </header>
        <main id="main" class="wrap" tabIndex={-1}>
          {p.children}
        </main>
        <footer class="site-footer">
          <div class="wrap footer-inner">
            <div>
              <p class="footer-org">{p.site.orgName}</p>
              {p.site.charityNumber && <p>Registered charity number {p.site.charityNumber}</p>}
              {p.site.postalAddress && <p class="address">{p.site.postalAddress}</p>}
              {p.site.contactEmail && (
                <p>
                  Contact: <a href={`mailto:${p.site.contactEmail}`}>{p.site.contactEmail}</a>
                </p>
              )}
            </div>
            <nav aria-label="Footer">
              <ul class="footer-links">
                <li>
                  <a href="/privacy">Privacy</a>
                </li>
                <li>
                  <a href="/data-sources">Data sources and attributions</a>
                </li>
                {!p.admin && (
                  <li>
                    <a href="/admin">Staff sign in</a>
                  </li>
                )}
              </ul>
            </nav>
            <p class="powered">Runs on Lantern, free software under the AGPL-3.0.</p>
          </div>
        </footer>
      </body>
    </html>
  );
}
