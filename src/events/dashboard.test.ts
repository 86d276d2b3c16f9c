import { afterAll, beforeAll, expect, test } from 'vitest';
import { startTestLantern, type TestLantern } from '../../test/helpers/app.js';
import { describeEachDialect } from '../../test/helpers/db.js';
import { makeTestEvent } from '../../test/helpers/events.js';
import { signedInAs } from '../../test/helpers/signin.js';
import { listOccurrences, registerForEvent } from './service.js';

// The dashboard's "Events coming up" card: the next events with their places taken and waiting, linked for staff
// who may change events, and nothing for drafts.

describeEachDialect('events on the dashboard', (ctx) => {
  let t: TestLantern;
  beforeAll(async () => {
    t = await startTestLantern(ctx);
  });
  afterAll(async () => {
    await t?.close();
  });

  test('the next events with their places; a viewer sees them without links; drafts are not shown', async () => {
    const core = t.lantern.core;
    const event = await makeTestEvent(core, { title: 'Panel on supply chains', capacity: 2, maxPlacesPerRegistration: 2 });
    await makeTestEvent(core, { title: 'A draft nobody should see', publication: 'draft' });
    const [occ] = await listOccurrences(core.db, event.id);
    const input = (email: string, places: number) => ({ name: 'Guest', email, places, date: occ!.id, answers: {}, optIn: false });
    await registerForEvent(core, event, input(`a.${ctx.dialect}@example.org`, 2));
    await registerForEvent(core, event, input(`b.${ctx.dialect}@example.org`, 1));
    const editor = (await signedInAs(t, 'editor')).client;
    const page = (await editor.get('/admin')).text.replace(/\s+/g, ' ');
    expect(page).toContain('Events coming up');
    expect(page).toContain(`<a href="/admin/events/${event.id}">Panel on supply chains</a>`);
    expect(page).toContain('2 of 2 places taken, 1 waiting');
    expect(page).not.toContain('A draft nobody should see');
    const viewer = (await signedInAs(t, 'viewer')).client;
    const seen = (await viewer.get('/admin')).text;
    expect(seen).toContain('Panel on supply chains');
    expect(seen).not.toContain(`/admin/events/${event.id}`);
  });
});
