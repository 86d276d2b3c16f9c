/** A tiny browser for integration tests: real HTTP, a cookie jar, and the CSRF token of the last page read. */
export class TestClient {
  private cookies = new Map<string, string>();
  lastCsrf: string | undefined;

  /** defaultHeaders go with every request (e.g. x-forwarded-for, to appear as another address behind a trusted proxy). */
  constructor(
    readonly baseUrl: string,
    readonly defaultHeaders: Record<string, string> = {},
  ) {}

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: Response): void {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      if (/max-age=0|expires=thu, 01 jan 1970/i.test(c) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** Sends a request without following redirects; reads the CSRF token from HTML answers. */
  async request(
    method: string,
    path: string,
    o: { form?: Record<string, string | string[]>; json?: unknown; headers?: Record<string, string>; body?: string } = {},
  ): Promise<Response & { text: string }> {
    const headers: Record<string, string> = { accept: 'text/html', ...this.defaultHeaders, ...o.headers };
    if (this.cookies.size) headers.cookie = this.cookieHeader();
    let body: string | undefined = o.body;
    if (o.form) {
      const p = new URLSearchParams();
      for (const [k, v] of Object.entries(o.form)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
      body = p.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers['content-type'] = 'application/json';
    }
    const res = await fetch(new URL(path, this.baseUrl), { method, headers, body, redirect: 'manual' });
    this.remember(res);
    const text = await res.text();
    const m = /name="_csrf" value="([^"]+)"/.exec(text);
    if (m) this.lastCsrf = m[1];
    return Object.assign(res, { text });
  }

  get(path: string, headers?: Record<string, string>) {
    return this.request('GET', path, headers ? { headers } : {});
  }

  /** Posts a form with the CSRF token of the last page read (unless the form gives its own). */
  post(path: string, form: Record<string, string | string[]> = {}) {
    return this.request('POST', path, { form: { _csrf: this.lastCsrf ?? '', ...form } });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  setCookie(name: string, value: string): void {
    this.cookies.set(name, value);
  }
}
