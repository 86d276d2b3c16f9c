import { randomBytes } from 'node:crypto';
import type { TestClient } from './http.js';

// File uploads for integration tests: a multipart/form-data body built by hand (so the bytes are exactly the
// test's, BOMs and invalid UTF-8 included), sent with the client's session and CSRF cookies.

/** The cookies a signed-in TestClient holds that matter to Lantern. */
const COOKIES = ['lantern_session', 'lantern_csrf'];

/** A multipart/form-data body with text fields (in order, first) and one file part. */
export function multipartBody(
  fields: Record<string, string>,
  file?: { field: string; filename: string; content: Buffer; type?: string },
): { body: Buffer; contentType: string } {
  const boundary = `----lantern${randomBytes(12).toString('hex')}`;
  const parts: Buffer[] = [];
  for (const [k, v] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`, 'utf8'));
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\ncontent-disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\ncontent-type: ${file.type ?? 'text/csv'}\r\n\r\n`,
        'utf8',
      ),
    );
    parts.push(file.content);
    parts.push(Buffer.from('\r\n', 'utf8'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`, 'utf8'));
  return { body: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

/** Posts a multipart form as the client (its cookies, and its last CSRF token unless the fields give one). */
export async function postMultipart(
  client: TestClient,
  path: string,
  fields: Record<string, string>,
  file?: { field: string; filename: string; content: Buffer; type?: string },
): Promise<{ status: number; location: string | null; text: string }> {
  const { body, contentType } = multipartBody({ _csrf: client.lastCsrf ?? '', ...fields }, file);
  const cookie = COOKIES.flatMap((n) => (client.cookie(n) ? [`${n}=${client.cookie(n)}`] : [])).join('; ');
  const res = await fetch(new URL(path, client.baseUrl), {
    method: 'POST',
    headers: { 'content-type': contentType, accept: 'text/html', ...(cookie ? { cookie } : {}) },
    body: new Uint8Array(body),
    redirect: 'manual',
  });
  return { status: res.status, location: res.headers.get('location'), text: await res.text() };
}
