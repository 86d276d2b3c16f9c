import fc from 'fast-check';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openTestAction } from '../../../test/helpers/actions.js';
import { startTestLantern, type TestLantern } from '../../../test/helpers/app.js';
import { describeEachDialect } from '../../../test/helpers/db.js';
import { garbage } from '../../../test/helpers/garbage.js';
import { TestClient } from '../../../test/helpers/http.js';
import { expectClearPage, formString, send } from '../../../test/helpers/send-garbage.js';
import { signedInAs } from '../../../test/helpers/signin.js';
import { startSmtpSink, type SmtpSink } from '../../../test/helpers/smtp.js';
import { solveSignupProof, waitForMailTo } from '../../../test/helpers/supporters.js';
import { getCampaign } from '../../actions/service.js';
import { saveSiteSettings } from '../../core/settings.js';
import { publishPage } from '../service.js';
import { addTestimonial } from './service.js';

// The website's own pages over real HTTP on both dialects: a campaign's page gathers its live actions and shows only
// quotes with recorded permission; the home page follows the sections staff place; pages staff add sit at /<slug>
// and in the menu, never over a route; the contact form stores messages encrypted, emails them, and holds robots back.

describeEachDialect('content: campaign pages, the home page, pages and the contact form', (ctx) => {
  let t: TestLantern;
  let sink: SmtpSink;
  let editor: TestClient;
  let address = 0;
  const core = () => t.lantern.core;
  const db = () => core().db;
  const visitor = () => new TestClient(t.baseUrl, { 'x-forwarded-for': `203.0.113.${++address}`, 'sec-fetch-site': 'same-origin' });

  beforeAll(async () => {
    sink = await startSmtpSink();
    t = await startTestLantern(ctx, { env: { SMTP_URL: sink.url, TRUST_PROXY: 'true' }, worker: true });
    await saveSiteSettings(db(), {
      orgName: 'Freedom Thread',
      tagline: 'Ending forced labour in what we wear.',
      contactEmail: 'team@freedomthread.example.org',
    });
    await publishPage(db(), { slug: 'home', title: 'Freedom Thread', summary: 'Welcome', body: 'We are a small charity.' });
    editor = (await signedInAs(t, 'editor')).client;
  });
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  test('a campaign page shows its open actions with counters, its text and priorities, and only quotes given with permission', async () => {
    await openTestAction(core(), { title: 'Label the cotton', kind: 'petition' });
    const campaign = (await getCampaign(db(), { slug: 'test-campaign' }))!;
    await editor.get(`/admin/content/campaigns/${campaign.id}`);
    const preview = await editor.post(`/admin/content/campaigns/${campaign.id}`, {
      body: 'Cotton **matters**.',
      priorities: 'Publish the mills\nBan the imports',
      intent: 'preview',
    });
    expect(preview.text).toContain('<strong>matters</strong>');
    const saved = await editor.post(`/admin/content/campaigns/${campaign.id}`, {
      body: 'Cotton **matters**.',
      priorities: 'Publish the mills\nBan the imports',
      intent: 'save',
    });
    expect(saved.status, saved.text).toBe(303);
    await addTestimonial(
      core(),
      {
        quote: 'I wrote to my MP.',
        attribution: 'Hannah',
        context: 'Sheffield',
        campaignId: campaign.id,
        permissionNote: 'by email',
        permission: true,
      },
      null,
    );
    await addTestimonial(
      core(),
      {
        quote: 'Not yet agreed to be shown.',
        attribution: 'Omar',
        context: '',
        campaignId: campaign.id,
        permissionNote: '',
        permission: false,
      },
      null,
    );
    const page = await t.client().get(`/campaigns/${campaign.slug}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Ways you can help');
    expect(page.text).toMatch(/Label the cotton[\s\S]*\d+ signatures?/);
    expect(page.text).toContain('Sign the petition');
    expect(page.text).toContain('<strong>matters</strong>');
    expect(page.text).toContain('<li>Ban the imports</li>');
    expect(page.text).toContain('I wrote to my MP.');
    expect(page.text).not.toContain('Not yet agreed to be shown.');
    // A quote without a note of how permission was given is refused.
    await editor.get('/admin/content/testimonials');
    const refused = await editor.post('/admin/content/testimonials', {
      quote: 'Q',
      attribution: 'A',
      permission: 'on',
      permissionNote: '',
    });
    expect(refused.status).toBe(422);
    expect(refused.text).toContain('Say how the person gave permission');
    expect((await t.client().get('/campaigns/no-such-campaign')).status).toBe(404);
  });

  test('the home page opens with what the charity does and one thing to do, then the sections staff place', async () => {
    const home = await t.client().get('/');
    expect(home.text).toContain('Ending forced labour in what we wear.');
    expect(home.text).toMatch(/<a class="button" href="\/act\/[^"]+">Sign the petition/);
    await editor.get('/admin/content/home');
    const added = await editor.post('/admin/content/home', {
      change: 'add',
      kind: 'text',
      heading: 'Our promise',
      bodyMd: 'We never share your details.',
    });
    expect(added.status, added.text).toBe(303);
    const sections = await db().selectFrom('home_sections').select(['kind', 'position']).orderBy('position').execute();
    expect(sections.map((s) => s.kind)).toEqual([
      'featured_campaign',
      'open_actions',
      'latest_updates',
      'testimonials',
      'upcoming_events',
      'resources',
      'signup',
      'text',
    ]);
    await editor.get('/admin/content/home');
    await editor.post('/admin/content/home', { change: 'up', index: '7' });
    const after = (await t.client().get('/')).text;
    expect(after.indexOf('Our promise')).toBeGreaterThan(0);
    expect(after.indexOf('Our promise')).toBeLessThan(after.indexOf('Stay in touch') === -1 ? Infinity : after.indexOf('Stay in touch'));
    await editor.get('/admin/content/home');
    const empty = await editor.post('/admin/content/home', { change: 'add', kind: 'text', bodyMd: ' ' });
    expect(empty.status).toBe(422);
    // A campaigner may look but not change the home page.
    const campaigner = (await signedInAs(t, 'campaigner')).client;
    await campaigner.get('/admin/content/home');
    expect((await campaigner.post('/admin/content/home', { change: 'remove', index: '0' })).status).toBe(403);
  });

  test('a page staff add lives at /<slug> and in the menu; it can never take an address the site answers', async () => {
    await editor.get('/admin/content/pages/new');
    const made = await editor.post('/admin/content/pages', {
      isNew: '1',
      slug: 'our-history',
      title: 'Our history',
      body: 'Founded in a kitchen.',
      published: 'on',
      navPosition: '3',
    });
    expect(made.status, made.text).toBe(303);
    const page = await t.client().get('/our-history');
    expect(page.status).toBe(200);
    expect(page.text).toContain('Founded in a kitchen.');
    expect(page.text).toMatch(/<nav class="site-nav" aria-label="Main">[\s\S]*href="\/our-history"[\s\S]*<\/nav>/);
    for (const slug of ['updates', 'resources', 'events', 'admin', 'act', 'home']) {
      await editor.get('/admin/content/pages/new');
      const taken = await editor.post('/admin/content/pages', { isNew: '1', slug, title: 'T', body: 'b', published: 'on' });
      expect(taken.status, slug).toBe(422);
    }
    await editor.get('/admin/content/pages/our-history');
    await editor.post('/admin/content/pages', {
      isNew: '0',
      slug: 'our-history',
      title: 'Our history',
      body: 'Founded in a kitchen.',
      published: '',
    });
    expect((await t.client().get('/our-history')).status).toBe(404);
    expect((await t.client().get('/home')).status).toBe(404);
  });

  test('a contact message is stored encrypted, emailed to the organisation with the sender to reply to, and robots are held back', async () => {
    const c = visitor();
    await c.get('/contact');
    const proof = await solveSignupProof(t.baseUrl, c.defaultHeaders);
    const sent = await c.post('/contact', {
      name: 'Dilnur',
      email: 'dilnur@example.org',
      message: 'My brother has been missing since March.\n\nCan you help?',
      altcha: proof,
    });
    expect(sent.status, sent.text).toBe(303);
    expect(sent.headers.get('location')).toBe('/contact/sent');
    const row = await db().selectFrom('contact_messages').selectAll().executeTakeFirstOrThrow();
    expect(JSON.stringify(row)).not.toContain('Dilnur');
    expect(JSON.stringify(row)).not.toContain('missing since March');
    const [mail] = await waitForMailTo(sink, 'team@freedomthread.example.org');
    expect(mail!.subject).toBe('Message from the website: Dilnur');
    expect(mail!.replyTo?.text).toContain('dilnur@example.org');
    expect(mail!.text).toContain('My brother has been missing since March.');
    const messages = await editor.get('/admin/content/messages');
    expect(messages.text).toContain('Can you help?');

    // The robot trap: the same answer, nothing stored.
    const before = (await db().selectFrom('contact_messages').select('id').execute()).length;
    const trapped = await visitor().post('/contact', {
      name: 'Bot',
      email: 'bot@example.org',
      message: 'Buy now',
      website: 'http://spam.example',
    });
    expect(trapped.status).toBe(303);
    expect((await db().selectFrom('contact_messages').select('id').execute()).length).toBe(before);
    // Without a proof of work, an address may send three in ten minutes.
    const plain = visitor();
    const answers: number[] = [];
    for (let i = 0; i < 4; i++)
      answers.push((await plain.post('/contact', { name: 'N', email: 'n@example.org', message: `m${i}` })).status);
    expect(answers).toEqual([303, 303, 303, 429]);
    // Missing fields are named; nothing is stored.
    const bad = await visitor().post('/contact', { name: '', email: 'not-an-address', message: '' });
    expect(bad.status).toBe(422);
    expect(bad.text).toContain('Enter your name');
  });

  test('garbage thrown at the contact form and the staff forms never breaks a page', async () => {
    await editor.get('/admin/content/home');
    const campaign = (await getCampaign(db(), { slug: 'test-campaign' }))!;
    await fc.assert(
      fc.asyncProperty(
        garbage({ maxRepeat: 400, hugeValue: false }).value,
        fc.constantFrom('name', 'email', 'message', 'website'),
        fc.constantFrom('form', 'json', 'none', 'text/plain'),
        async (value, field, how) => {
          const r = await send(visitor(), '/contact', { name: 'N', email: 'n@example.org', message: 'm', [field]: value }, how);
          expectClearPage(r);
          for (const path of [
            '/admin/content/home',
            '/admin/content/testimonials',
            '/admin/content/pages',
            `/admin/content/campaigns/${campaign.id}`,
          ]) {
            const staff = await editor.post(path, {
              heroImageId: formString(value),
              body: formString(value),
              priorities: formString(value),
              change: formString(value),
              kind: formString(value),
              quote: formString(value),
              slug: formString(value),
              title: formString(value),
              isNew: '1',
            });
            expect(staff.status, path).toBeLessThan(500);
          }
        },
      ),
      { numRuns: 25 },
    );
  });
});
