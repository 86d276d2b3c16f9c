import { expect, test } from 'vitest';
import { describeEachDialect, testConfig } from '../../test/helpers/db.js';
import { buildCore } from '../app.js';
import type { Core } from '../core/context.js';
import { countSupporters, findSupporterIdsByNameTokens, findSupporters, insertList, mailableSupporterIds, addTags } from './queries.js';
import {
  eraseSupporter,
  exportSupporterData,
  findSupporterByEmail,
  isSuppressed,
  markConfirmed,
  markUndeliverable,
  nameTokenIndexes,
  recordConsent,
  supporterConsent,
  supporterLink,
  upsertSupporter,
  verifySupporterLink,
} from './service.js';

describeEachDialect('supporter records and consent', (ctx) => {
  let core: Core;
  const setup = async () => (core ??= await buildCore(testConfig(ctx.testDb), { db: ctx.db }));

  test('one record per address (blind index), personal fields encrypted, blanks filled but not overwritten by strangers', async () => {
    await setup();
    const a = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: 'Zoë.Ng@Example.org', firstName: 'Zoë', lastName: 'Ng' },
      { source: 'signup', mode: 'fill' },
    );
    const b = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: ' zoë.ng@example.ORG ', firstName: 'Mallory', postcode: 'SW1A 1AA' },
      { source: 'signup', mode: 'fill' },
    );
    expect(a.created).toBe(true);
    expect(b).toEqual({ id: a.id, publicId: a.publicId, created: false });
    const s = (await findSupporterByEmail(ctx.db, core.keyring, 'ZOË.NG@example.org'))!;
    expect(s).toMatchObject({ firstName: 'Zoë', lastName: 'Ng', postcode: 'SW1A 1AA', confirmedAt: null });
    const raw = await ctx.db.selectFrom('supporters').selectAll().where('id', '=', a.id).executeTakeFirstOrThrow();
    expect(JSON.stringify(raw)).not.toMatch(/zo[eë]|ng@|SW1A/i);
    await upsertSupporter(ctx.db, core.keyring, { email: 'zoë.ng@example.org', firstName: 'Zoe' }, { source: 'import', mode: 'replace' });
    expect((await findSupporterByEmail(ctx.db, core.keyring, 'zoë.ng@example.org'))!.firstName).toBe('Zoe');
  });

  test('names are found by whole words despite encryption, ignoring case and accents', async () => {
    await setup();
    const { id } = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: 'gulnar@example.org', firstName: 'Gülnar', lastName: 'Abdul-Rahman' },
      { source: 'signup', mode: 'fill' },
    );
    const find = (q: string) => findSupporterIdsByNameTokens(ctx.db, nameTokenIndexes(core.keyring, q), 50);
    expect(await find('gulnar')).toContain(id);
    expect(await find('GÜLNAR rahman')).toContain(id);
    expect(await find('abdul')).toContain(id);
    expect(await find('gul')).not.toContain(id);
    expect(await find('gulnar smith')).not.toContain(id);
  });

  test('consent: requested → granted → withdrawn, every step in the ledger with the wording shown', async () => {
    await setup();
    const list = await insertList(ctx.db, {
      slug: 'updates',
      name: 'Campaign updates',
      description: 'News',
      wording: 'Email me campaign updates.',
      at: Date.now(),
    });
    const { id } = await upsertSupporter(ctx.db, core.keyring, { email: 'consent@example.org' }, { source: 'signup', mode: 'fill' });
    await recordConsent(ctx.db, { supporterId: id, listIds: [list], change: 'requested', basis: 'consent', source: 'signup form' });
    expect(await mailableSupporterIds(ctx.db, list).execute()).toEqual([]);
    await markConfirmed(ctx.db, id);
    await recordConsent(ctx.db, { supporterId: id, listIds: [list], change: 'granted', basis: 'consent', source: 'confirmation link' });
    expect((await mailableSupporterIds(ctx.db, list).execute()).map((r) => r.id)).toEqual([id]);
    await recordConsent(ctx.db, { supporterId: id, listIds: [list], change: 'withdrawn', basis: null, source: 'unsubscribe link' });
    const c = await supporterConsent(ctx.db, id);
    expect(c.subscriptions).toEqual([expect.objectContaining({ listId: list, status: 'unsubscribed' })]);
    expect(c.ledger.map((e) => e.kind)).toEqual(['withdrawn', 'granted', 'requested']);
    expect(c.ledger[2]).toMatchObject({
      lawfulBasis: 'consent',
      wording: 'Email me campaign updates.',
      wordingVersion: 1,
      source: 'signup form',
    });
    expect(await mailableSupporterIds(ctx.db, list).execute()).toEqual([]);
  });

  test('filters combine list, consent, tag, source and dates; undeliverable and suppressed addresses are never mailable', async () => {
    await setup();
    const list = await insertList(ctx.db, {
      slug: 'events',
      name: 'Events',
      description: '',
      wording: 'Tell me about events.',
      at: Date.now(),
    });
    const ids: number[] = [];
    for (const n of [1, 2, 3]) {
      const { id } = await upsertSupporter(
        ctx.db,
        core.keyring,
        { email: `f${n}@example.org` },
        { source: n === 3 ? 'import' : 'stall', mode: 'fill', confirmed: true },
      );
      await recordConsent(ctx.db, { supporterId: id, listIds: [list], change: 'granted', basis: 'consent', source: 'test' });
      ids.push(id);
    }
    await addTags(ctx.db, [ids[0]!, ids[2]!], ['volunteer']);
    expect(await countSupporters(ctx.db, { listId: list, consent: 'subscribed', tag: 'volunteer' })).toBe(2);
    expect((await findSupporters(ctx.db, { listId: list, source: 'import' }, { limit: 10, offset: 0 })).map((r) => r.id)).toEqual([ids[2]]);
    await markUndeliverable(ctx.db, core.keyring, ids[0]!);
    expect(await isSuppressed(ctx.db, core.keyring, 'f1@example.org')).toBe(true);
    expect((await mailableSupporterIds(ctx.db, list).execute()).map((r) => r.id).sort()).toEqual([ids[1], ids[2]].sort());
    expect((await mailableSupporterIds(ctx.db, list, { tag: 'volunteer' }).execute()).map((r) => r.id)).toEqual([ids[2]]);
  });

  test('erasure wipes personal fields, keeps the row for counts, and suppresses the address for ever', async () => {
    await setup();
    const list = await insertList(ctx.db, { slug: 'erase-me', name: 'Erase', description: '', wording: 'Yes please.', at: Date.now() });
    const { id } = await upsertSupporter(
      ctx.db,
      core.keyring,
      { email: 'gone@example.org', firstName: 'Gone', phone: '07700 900000' },
      { source: 'stall', mode: 'fill', confirmed: true },
    );
    await recordConsent(ctx.db, { supporterId: id, listIds: [list], change: 'granted', basis: 'consent', source: 'test' });
    const exported = await exportSupporterData(ctx.db, core.keyring, id);
    expect(exported).toMatchObject({ supporter: { email: 'gone@example.org', firstName: 'Gone', phone: '07700 900000' } });
    await eraseSupporter(core, id, { source: 'staff request' });
    const raw = await ctx.db.selectFrom('supporters').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(raw).toMatchObject({ email_enc: null, email_index: null, first_name_enc: null, phone_enc: null });
    expect(raw.erased_at).not.toBeNull();
    expect(await isSuppressed(ctx.db, core.keyring, 'GONE@example.org')).toBe(true);
    expect(await countSupporters(ctx.db, { includeErased: true, ids: [id] })).toBe(1);
    expect((await supporterConsent(ctx.db, id)).subscriptions[0]!.status).toBe('unsubscribed');
    // Signing up again creates a fresh record, but the address stays suppressed until staff lift it.
    const again = await upsertSupporter(ctx.db, core.keyring, { email: 'gone@example.org' }, { source: 'signup', mode: 'fill' });
    expect(again.id).not.toBe(id);
  });

  test('signed links verify only for their purpose and supporter', async () => {
    await setup();
    const { publicId } = await upsertSupporter(ctx.db, core.keyring, { email: 'links@example.org' }, { source: 'signup', mode: 'fill' });
    const url = supporterLink(core, 'manage', publicId);
    const token = url.split('/s/manage/')[1]!;
    expect(verifySupporterLink(core, 'manage', token)).toBe(publicId);
    expect(verifySupporterLink(core, 'unsubscribe', token)).toBeNull();
    expect(verifySupporterLink(core, 'manage', token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'))).toBeNull();
    expect(verifySupporterLink(core, 'manage', 'garbage')).toBeNull();
  });
});
