import { expect } from 'vitest';
import type { TestClient } from './http.js';

// Sending property tests' garbage (see garbage.ts) to a form in any encoding, each post from a fresh address.

/** A field value as a form would carry it: strings as they are, objects and arrays as JSON, anything else via String. */
export function formString(v: unknown): string {
  return typeof v === 'string' ? v : v !== null && typeof v === 'object' ? JSON.stringify(v) : String(v);
}

/**
 * Fields as a body: 'form' (urlencoded, arrays as repeated keys), 'json', 'broken-json' (JSON cut short),
 * 'none' (no body and no content type), or any other content type with the fields as text.
 */
export function encode(fields: Record<string, unknown>, how: string): { body: string | undefined; contentType: string | undefined } {
  if (how === 'form') {
    const p = new URLSearchParams();
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) p.append(k, formString(x));
    return { body: p.toString(), contentType: 'application/x-www-form-urlencoded' };
  }
  if (how === 'json') return { body: JSON.stringify(fields), contentType: 'application/json' };
  if (how === 'broken-json') return { body: `${JSON.stringify(fields).slice(0, -1)},`, contentType: 'application/json' };
  if (how === 'none') return { body: undefined, contentType: undefined };
  return { body: formString(fields), contentType: how };
}

let address = 0;
/** A fresh address per request (behind a trusted proxy), so rate limits do not decide the answers. */
export const nextAddress = () => {
  address++;
  return `10.${(address >> 16) & 255}.${(address >> 8) & 255}.${address & 255}`;
};

/** Posts fields encoded as `how` from a fresh address, with the client's last CSRF token if `csrf`, and `site` as Sec-Fetch-Site. */
export async function send(
  c: TestClient,
  path: string,
  fields: Record<string, unknown>,
  how: string,
  o: { csrf?: boolean; site?: string | undefined } = {},
) {
  const all = o.csrf ? { ...fields, _csrf: c.lastCsrf ?? '' } : fields;
  const { body, contentType } = encode(all, how);
  const headers: Record<string, string> = { 'x-forwarded-for': nextAddress() };
  if (contentType) headers['content-type'] = contentType;
  if (o.site) headers['sec-fetch-site'] = o.site;
  const res = await c.request('POST', path, body === undefined ? { headers } : { headers, body });
  return { status: res.status, location: res.headers.get('location'), text: res.text, type: res.headers.get('content-type') ?? '' };
}

/** Every answer is below 500, and every error answer is a page in the layout that says what happened. */
export function expectClearPage(r: { status: number; text: string; type: string }) {
  expect(r.status).toBeLessThan(500);
  if (r.status >= 400) {
    expect(r.type).toMatch(/^text\/html/);
    expect(r.text).toMatch(/<h1[^>]*>[^<]+<\/h1>/);
  }
}
