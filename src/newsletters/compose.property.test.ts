import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import type { TestClient } from '../../test/helpers/http.js';
import { seedAudience } from '../../test/helpers/newsletters.js';
import { addTestStaff, signedInClient } from '../../test/helpers/staff.js';
import { compileNewsletter, escapeHtml, FALLBACK_NAME, personalise } from './emails.js';
import { NewsletterFormSchema } from './service.js';
import { cleanFields, cleanText } from '../core/text.js';

// Property tests on the compose form and on personalisation. Whatever staff type (any unicode, markup, braces,
// control characters, huge values, arrays, objects), the form answers 303 (and stores exactly what was typed, tidied)
// or 422 (and stores nothing), never a 500; and whatever a supporter's name is, it adds no markup to an email.

const NASTY = [
  '',
  '   ',
  '\u0000',
  '\u202e',
  '<script>alert(1)</script>',
  '{{first_name}}',
  '{{ org_name }}',
  '{{nope}}',
  '{{',
  '}}',
  '[x]({{first_name}})',
  '\r\n',
  '__proto__',
];
const text = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.constantFrom(...NASTY),
  fc.array(fc.constantFrom(...NASTY, 'word', ' ', '\n', '**', '#', '<b>'), { maxLength: 12 }).map((xs) => xs.join('')),
  fc.nat({ max: 120_000 }).map((n) => 'x'.repeat(n)),
);
const field = fc.oneof(
  { weight: 8, arbitrary: text },
  { weight: 1, arbitrary: fc.array(text, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

describeEachDialect('the compose form under arbitrary input', (ctx) => {
  let t: TestLantern;
  let client: TestClient;
  let listId: number;

  beforeAll(async () => {
    t = await startTestLantern(ctx);
    listId = (await seedAudience(t.lantern.core, { count: 2 })).listId;
    client = await signedInClient(t, await addTestStaff(t, { role: 'editor' }));
    await client.get('/admin/newsletters/new');
  });
  afterAll(async () => {
    await t?.close();
  });

  const newsletters = () =>
    t.lantern.core.db
      .selectFrom('newsletters')
      .select(['id', 'subject', 'body', 'rate_per_minute', 'in_archive'])
      .orderBy('id', 'desc')
      .execute();

  test('answers 303 and stores the tidied input, or 400 or 422 and stores nothing; never a 500', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          subject: field,
          body: field,
          listId: fc.oneof(fc.constant(String(listId)), fc.constant(String(listId)), text),
          ratePerMinute: fc.oneof(fc.constant(''), fc.integer({ min: -5, max: 200_000 }).map(String), text),
          inArchive: fc.constantFrom('on', '', 'off'),
        }),
        async (input) => {
          const before = await newsletters();
          const form: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(input)) if (v !== undefined) form[k] = v;
          const r = await client.post('/admin/newsletters', form);
          expect([303, 400, 422]).toContain(r.status);
          const after = await newsletters();
          // What the server sees: a field sent once is a string, sent twice an array, sent no times absent.
          const seen = Object.fromEntries(
            Object.entries(form).flatMap(([k, v]) =>
              Array.isArray(v) ? (v.length === 0 ? [] : [[k, v.length === 1 ? v[0] : v]]) : [[k, v]],
            ),
          );
          // Every field is cleaned before the form's own rules see it (core/text.ts); a control character is a 400.
          const cleaned = cleanFields(seen);
          if (r.status === 400) {
            expect(cleaned.ok).toBe(false);
            expect(after.length).toBe(before.length);
            expect(r.text).toContain('contains characters that are not allowed');
            return;
          }
          expect(cleaned.ok).toBe(true);
          const parsed = NewsletterFormSchema.safeParse(cleaned.ok && cleaned.value);
          if (r.status === 422) {
            expect(after.length).toBe(before.length);
            expect(r.text).toContain('There is a problem');
            return;
          }
          expect(parsed.success).toBe(true);
          expect(after.length).toBe(before.length + 1);
          const row = after[0]!;
          const data = parsed.data!;
          expect(row.subject).toBe(data.subject);
          expect(row.body).toBe(data.body);
          expect(row.rate_per_minute).toBe(data.ratePerMinute ?? null);
          expect(row.in_archive).toBe(input.inArchive === 'on' ? 1 : 0);
          // What was stored is what staff typed, tidied: a trimmed one-line subject, "\n" line endings, NFC, no overrides.
          expect(row.subject).toBe((cleanText(String(seen.subject), 'single') as { value: string }).value.trim());
          expect(row.body).toBe((cleanText(String(seen.body), 'multi') as { value: string }).value);
          // And the draft's pages render.
          expect((await client.get(`/admin/newsletters/${row.id}`)).status).toBe(200);
          expect((await client.get(`/admin/newsletters/${row.id}/preview`)).status).toBe(200);
          await client.get('/admin/newsletters/new');
        },
      ),
      { numRuns: 60 },
    );
  }, 120_000);
});

test('no first name adds markup to the HTML part; the text part carries it as typed', () => {
  const compiled = compileNewsletter({
    subject: 'Hello {{first_name}}',
    body: 'Dear {{first_name}},\n\n## News for {{first_name}}\n\n- {{first_name}} and {{org_name}}',
    orgName: 'Freedom <Thread>',
    listName: 'Updates',
    postalAddress: '2 Sample Yard',
    charityNumber: '',
    webUrl: null,
  });
  const tags = (html: string) => (html.match(/</g) ?? []).length;
  const baseline = tags(personalise(compiled, { firstName: 'Ann', orgName: 'Freedom <Thread>', manageUrl: 'https://x.example/m' }).html);
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string(),
        fc.string({ unit: 'grapheme' }),
        fc.constantFrom('<script>', '"><img src=x>', '&amp;', '\u0000\r\n', '   ', "$`<b>$&$'", '$1'),
      ),
      (name) => {
        const email = personalise(compiled, { firstName: name, orgName: 'Freedom <Thread>', manageUrl: 'https://x.example/m' });
        expect(tags(email.html)).toBe(baseline);
        const shown = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim() || FALLBACK_NAME;
        expect(email.html).toContain(`Dear ${escapeHtml(shown)},`);
        expect(email.text).toContain(`Dear ${shown},`);
        expect(email.subject).toBe(`Hello ${shown}`);
        expect(email.subject).not.toMatch(/[\r\n]/);
      },
    ),
    { numRuns: 300 },
  );
});
