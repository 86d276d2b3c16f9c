import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Core } from '../core/context.js';
import { createKeyring } from '../core/crypto.js';
import { JobQueue } from '../core/jobs/queue.js';
import { createLogger } from '../core/log.js';
import { catcherTransport, Mailer } from '../core/mail/mailer.js';
import { describeEachDialect, testConfig, type DialectContext } from '../../test/helpers/db.js';
import { importPostcodesFile } from './import.js';
import { findSources } from './queries.js';
import {
  ensureShippedData,
  forgetRepresentativesCache,
  lookupPostcode,
  representativeFor,
  representativesStatus,
  type PostcodeLookup,
} from './service.js';

// The lookup against the data Lantern ships (loaded into a freshly migrated database on first use), on both dialects.

// 1,896 real GB postcodes, three per GB constituency, with the constituency each is in (fixtures/README.md).
const SAMPLE = readFileSync(new URL('./fixtures/gb_postcode_sample_by_constituency.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [postcode, code] = l.split(',');
    return { postcode: postcode!, code: code! };
  });

const found = (r: PostcodeLookup) => {
  if (r.kind !== 'found') throw new Error(`expected found, got ${JSON.stringify(r).slice(0, 300)}`);
  return r;
};

/** The shared machinery on the test database, built from core/ alone (the representatives need nothing else). */
function coreOn(ctx: DialectContext): Core {
  const config = testConfig(ctx.testDb);
  const keyring = createKeyring(config.secret);
  const queue = new JobQueue(keyring);
  const mailer = new Mailer({ db: ctx.db, keyring, queue, transport: catcherTransport(), from: config.mailFrom, host: 'localhost' });
  return { config, db: ctx.db, keyring, queue, mailer, logger: createLogger('silent') };
}

describeEachDialect('representatives lookup', (ctx) => {
  let core: Core;
  let dir: string;
  beforeAll(async () => {
    core = coreOn(ctx);
    dir = mkdtempSync(join(tmpdir(), 'lantern-representatives-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('the shipped data loads on first use: 650 constituencies, 650 MPs, 54,076 postcode ranges, 2,872 districts', async () => {
    const s = await representativesStatus(core);
    expect(s.constituencies).toBe(650);
    expect(s.mps).toBe(650);
    expect(s.vacantSeats).toBe(0);
    // Four MPs say "No email found" in the shipped file.
    expect(s.mpsWithoutEmail).toBe(4);
    expect(s.postcodeRanges).toBe(54_076);
    expect(s.outcodes).toBe(2872);
    expect(s.postcodes).toBe(0);
    const byKey = Object.fromEntries(s.sources.map((x) => [x.key, x]));
    expect(byKey.mps).toMatchObject({ origin: 'shipped', file: 'current_mps.csv', rows: 650 });
    expect(byKey.constituencies).toMatchObject({ origin: 'shipped', rows: 650 });
    expect(byKey.ranges).toMatchObject({ origin: 'shipped', file: 'mysociety_pcon_2024_range_lookup.json', rows: 54_076 });
    expect(byKey.outcodes).toMatchObject({ origin: 'shipped', file: 'gb_outcode_to_pcon2024.csv', rows: 2872 });
    expect(byKey.mps!.version).toMatch(/^[0-9a-f]{64}$/);
    // Byte-identical to mySociety's pcon_2024.json (opendata/uk/README.md).
    expect(byKey.ranges!.version).toBe('e1cb869a04e1fdd40e328eb5d0a98b7cc00a03fe66cca857fa152f6cd084764c');
    expect(byKey.postcodes).toMatchObject({ origin: 'none', rows: 0 });
  });

  test('the shipped files are reloaded only when they differ from what was last loaded', async () => {
    await ensureShippedData(ctx.db);
    const before = await findSources(ctx.db);
    // Unchanged files: nothing is reloaded, so even a hand edit to an MP survives another start.
    await ctx.db.updateTable('mps').set({ name: 'Edited by hand' }).where('constituency_code', '=', 'E14001063').execute();
    await ensureShippedData(ctx.db);
    expect(await findSources(ctx.db)).toEqual(before);
    expect(
      (await ctx.db.selectFrom('mps').select('name').where('constituency_code', '=', 'E14001063').executeTakeFirstOrThrow()).name,
    ).toBe('Edited by hand');
    // What an upgrade shipping a new MPs file looks like: the recorded shipped version differs, so MPs are reloaded.
    await ctx.db.updateTable('representatives_sources').set({ shipped_version: 'an older file' }).where('key', '=', 'mps').execute();
    await ensureShippedData(ctx.db);
    forgetRepresentativesCache(ctx.db);
    expect((await representativeFor(core, 'E14001063'))?.mp?.name).toBe('Alex Baker');
    const after = await findSources(ctx.db);
    expect(after.find((s) => s.key === 'mps')!.shipped_version).toBe(before.find((s) => s.key === 'mps')!.shipped_version);
    expect(after.find((s) => s.key === 'constituencies')).toEqual(before.find((s) => s.key === 'constituencies'));
  });

  test('every one of 1,896 real postcodes, three in each GB constituency, finds its constituency and MP', async () => {
    expect(SAMPLE).toHaveLength(1896);
    expect(new Set(SAMPLE.map((s) => s.code)).size).toBe(632);
    const wrong: string[] = [];
    for (const { postcode, code } of SAMPLE) {
      const r = await lookupPostcode(core, postcode);
      if (r.kind !== 'found' || r.postcode !== postcode || r.constituency.code !== code || r.mp === null)
        wrong.push(`${postcode} → ${JSON.stringify(r).slice(0, 120)}`);
    }
    expect(wrong).toEqual([]);
  });

  test('a GB postcode finds its constituency and MP, in any case and spacing (AB11 5AA → Aberdeen South)', async () => {
    for (const raw of ['AB11 5AA', 'ab115aa', ' Ab11   5aA ', 'AB11 OAA']) {
      const r = found(await lookupPostcode(core, raw));
      expect(r.postcode).toBe(raw === 'AB11 OAA' ? 'AB11 0AA' : 'AB11 5AA');
      expect(r.constituency).toEqual({ code: 'S14000061', name: 'Aberdeen South', nation: 'Scotland' });
      expect(r.mp).toMatchObject({ party: expect.any(String), name: expect.any(String), fullTitle: expect.stringMatching(/MP$/) });
      expect(r.mp!.memberId).toBeGreaterThan(0);
      expect(r.mp!.email).toMatch(/@/);
    }
  });

  test('each postcode of a district split between constituencies finds its own (BR8: Sevenoaks and Orpington)', async () => {
    expect(found(await lookupPostcode(core, 'br87re'))).toMatchObject({
      postcode: 'BR8 7RE',
      constituency: { code: 'E14001465', name: 'Sevenoaks' },
      mp: { name: 'Laura Trott' },
    });
    expect(found(await lookupPostcode(core, 'BR8 7QP')).constituency.name).toBe('Orpington');
    expect(found(await lookupPostcode(core, 'BR8 7QW')).constituency.name).toBe('Orpington');
    expect(found(await lookupPostcode(core, 'SW1A 0AA')).constituency.name).toBe('Cities of London and Westminster');
  });

  test('postcodes in no GB district, or in a range with no constituency, are not matched to anyone', async () => {
    // The range table answers any number; these districts do not exist, so a typing mistake is not sent to a stranger's MP.
    for (const raw of ['SW1B 0AA', 'ZY1 1AA', 'AA1 1AA', 'N23 4AB', 'CR10 1AA']) {
      expect(await lookupPostcode(core, raw), raw).toMatchObject({
        kind: 'not_covered',
        reason: 'unknown',
        message: expect.stringMatching(/could not find the postcode/),
      });
    }
    // Real postcodes the source maps to no constituency (no grid reference).
    for (const raw of ['CO15 1QX', 'PO33 2HF'])
      expect(await lookupPostcode(core, raw), raw).toMatchObject({ kind: 'not_covered', reason: 'unknown' });
  });

  test('imported postcodes win over the range table, in Northern Ireland too, once the import has finished', async () => {
    // mySociety's `postcode,pcon24cd` layout (that of the full GB file), gzipped, through the real importer.
    const file = join(dir, 'postcodes.csv.gz');
    writeFileSync(
      file,
      gzipSync('postcode,pcon24cd\nBR8 7RE,E14001417\nAB11 5AB,S14000111\nBT1 1AA,N05000003\nCO15 1QX,E14001174\nSW1B 0AA,E14001172\n'),
    );
    // Rows written by hand, without an import recorded, are not consulted.
    await ctx.db.insertInto('postcodes').values({ postcode: 'BR8 7QP', constituency_code: 'E14001465' }).execute();
    forgetRepresentativesCache(ctx.db);
    expect(found(await lookupPostcode(core, 'BR8 7QP')).constituency.name).toBe('Orpington');
    try {
      const s = await importPostcodesFile(ctx.db, file);
      expect(s).toMatchObject({
        postcodeColumn: 'postcode',
        constituencyColumn: 'pcon24cd',
        rows: 5,
        imported: 5,
        northernIreland: 1,
        total: 6,
      });
      // Where the range table says Sevenoaks and Aberdeen South, the import says otherwise, and wins.
      expect(found(await lookupPostcode(core, 'BR8 7RE')).constituency.name).toBe('Orpington');
      expect(found(await lookupPostcode(core, 'ab11 5ab')).constituency.code).toBe('S14000111');
      // A postcode the range table has no constituency for, and one in a district it does not know.
      expect(found(await lookupPostcode(core, 'CO15 1QX')).constituency.name).toBe('Clacton');
      expect(found(await lookupPostcode(core, 'SW1B 0AA')).constituency.code).toBe('E14001172');
      // Staff who imported Northern Ireland postcodes (under the LPS licence) get exact answers there too.
      expect(found(await lookupPostcode(core, 'BT1 1AA')).constituency.nation).toBe('Northern Ireland');
      expect((await lookupPostcode(core, 'BT1 1AB')).kind).toBe('choose');
      // A postcode not imported still falls back to the range table.
      expect(found(await lookupPostcode(core, 'BR8 7QW')).constituency.name).toBe('Orpington');
      expect(found(await lookupPostcode(core, 'BR8 7QX')).constituency.name).toBe('Sevenoaks');
    } finally {
      await ctx.db.deleteFrom('postcodes').execute();
      await ctx.db
        .updateTable('representatives_sources')
        .set({ origin: 'none', version: '', file: '', row_count: 0, details: '{}', loaded_at: null })
        .where('key', '=', 'postcodes')
        .execute();
      forgetRepresentativesCache(ctx.db);
    }
    expect(found(await lookupPostcode(core, 'BR8 7RE')).constituency.name).toBe('Sevenoaks');
  });

  test('Northern Ireland: all 18 constituencies with their MPs to choose from', async () => {
    const r = await lookupPostcode(core, 'bt7 1nn');
    expect(r.kind).toBe('choose');
    if (r.kind !== 'choose') return;
    expect(r.reason).toBe('northern_ireland');
    expect(r.postcode).toBe('BT7 1NN');
    expect(r.candidates).toHaveLength(18);
    expect(new Set(r.candidates.map((c) => c.constituency.code)).size).toBe(18);
    expect(
      r.candidates.every((c) => c.constituency.nation === 'Northern Ireland' && /^N050000(0[1-9]|1[0-8])$/.test(c.constituency.code)),
    ).toBe(true);
    expect(r.candidates.every((c) => c.mp !== null)).toBe(true);
    expect(r.candidates.map((c) => c.constituency.name)).toEqual(
      [...r.candidates.map((c) => c.constituency.name)].sort((a, b) => a.localeCompare(b, 'en-GB')),
    );
    expect(r.message).toMatch(/Northern Ireland/);
  });

  test('an MP whose email says "No email found" has email null', async () => {
    const r = await representativeFor(core, 'E14001111');
    expect(r?.constituency.name).toBe('Bolton South and Walkden');
    expect(r?.mp).toMatchObject({ name: 'Yasmin Qureshi', email: null });
    expect((await representativeFor(core, 'N05000018'))?.mp?.email).toBeNull();
    expect((await representativeFor(core, 'E14001063'))?.mp).toEqual({
      memberId: 5173,
      name: 'Alex Baker',
      fullTitle: 'Alex Baker MP',
      party: 'Labour',
      email: 'alex.baker.mp@parliament.uk',
    });
    expect(await representativeFor(core, 'E99999999')).toBeUndefined();
    expect(await representativeFor(core, '')).toBeUndefined();
  });

  test('Girobank, BFPO, Channel Islands, Isle of Man and overseas postcodes are explained, not matched', async () => {
    const cases: Array<[string, string, string, RegExp]> = [
      ['gir0aa', 'GIR 0AA', 'non_geographic', /Girobank/],
      ['BFPO 1234', 'BFPO 1234', 'bfpo', /BFPO/],
      ['bfpo1234', 'BFPO 1234', 'bfpo', /registered to vote/],
      ['BF1 4FB', 'BF1 4FB', 'bfpo', /armed forces/],
      // The range table would put JE2 4WD in a Scottish seat: crown dependencies are answered before it is asked.
      ['JE2 4WD', 'JE2 4WD', 'crown_dependency', /Jersey.*no MP/],
      ['gy1 1aa', 'GY1 1AA', 'crown_dependency', /Guernsey/],
      ['IM1 1AA', 'IM1 1AA', 'crown_dependency', /Isle of Man/],
      ['FIQQ 1ZZ', 'FIQQ 1ZZ', 'non_geographic', /Overseas Territory/],
      ['GX11 1AA', 'GX11 1AA', 'non_geographic', /Overseas Territory/],
      ['BX1 1LT', 'BX1 1LT', 'non_geographic', /organisations/],
      ['ZE9 9ZZ', 'ZE9 9ZZ', 'unknown', /could not find the postcode ZE9 9ZZ/],
    ];
    for (const [raw, postcode, reason, message] of cases) {
      const r = await lookupPostcode(core, raw);
      expect(r, raw).toMatchObject({ kind: 'not_covered', postcode, reason });
      expect(r.kind === 'not_covered' && r.message, raw).toMatch(message);
    }
  });

  test('malformed postcodes are refused with a message saying what to enter', async () => {
    expect(await lookupPostcode(core, '')).toEqual({ kind: 'invalid', message: 'Enter your postcode, like SW1A 0AA.' });
    expect(await lookupPostcode(core, '   ')).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/^Enter your postcode/) });
    expect(await lookupPostcode(core, 'sw1a')).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/full postcode/) });
    for (const raw of ['hello', 'SW1A 0AAA', '12345', 'QW1 1AA', 'SW1A 0IA', '<script>', 'x'.repeat(10_000), 'SW1A-0AA']) {
      expect(await lookupPostcode(core, raw), raw).toMatchObject({ kind: 'invalid', message: expect.stringMatching(/^Enter/) });
    }
    // Callers from untyped code: never a throw.
    expect((await lookupPostcode(core, undefined as unknown as string)).kind).toBe('invalid');
    expect((await lookupPostcode(core, { toString: () => 'SW1A 0AA' } as unknown as string)).kind).toBe('invalid');
  });
});
