import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, expect, test, vi } from 'vitest';
import type { Core } from '../core/context.js';
import { createKeyring } from '../core/crypto.js';
import { JobQueue } from '../core/jobs/queue.js';
import { createLogger } from '../core/log.js';
import { catcherTransport, Mailer } from '../core/mail/mailer.js';
import { describeEachDialect, testConfig, type DialectContext } from '../../test/helpers/db.js';
import { findSources } from './queries.js';
import { forgetRepresentativesCache, lookupPostcode, representativeFor } from './service.js';

// `lantern import postcodes` and `lantern import mps`, run as the real command against a real database on each
// dialect, with files in the layouts ONS and Parliament publish: the ONSPD August 2024 header (CRLF, quoted values),
// the NSPL 2025 header (with a byte-order mark, LF), gzip, the shipped MPs CSV layout and Members API JSON.

const cli = fileURLToPath(new URL('../cli.ts', import.meta.url));
const ONSPD_EXTRACT = readFileSync(new URL('./fixtures/onspd_aug2024_extract.csv', import.meta.url), 'utf8');

const NSPL_2025_HEADER =
  'pcd7,pcd8,pcds,dointr,doterm,usrtypind,east1m,north1m,gridind,oa21cd,cty25cd,ced25cd,lad25cd,wd25cd,nhser24cd,ctry25cd,rgn25cd,pcon24cd,ttwa15cd,itl25cd,npark16cd,lsoa21cd,msoa21cd,wz11cd,sicbl24cd,bua24cd,ruc21ind,oac11ind,lat,long,lep21cd1,lep21cd2,pfa23cd,imd20ind,icb23cd';
// The real NSPL 2025 row for CA8 7JG (formats/onspd_nspl.md); others are made from it by changing the postcode,
// the termination date and the constituency.
const NSPL_ROW =
  '"CA8 7JG","CA8  7JG","CA8 7JG","200006","","0","366033","564878","1","E00139875","E99999999","E99999999","E06000057","E05016114","E40000012","E92000001","E12000001","E14001285","E30000064","E06000057","E65000001","E01027484","E02005728","E33002161","E38000130","E63999999","RSN1","1B1",54.977349,-2.532223,"E37000025","","E23000007",17158,"E54000050"';
function nsplRow(pcds: string, pcon: string, doterm = ''): string {
  const pcd7 = pcds.length === 8 ? pcds.replace(' ', '') : pcds.padEnd(7);
  const f = NSPL_ROW.split(',');
  f[0] = `"${pcd7}"`;
  f[1] = `"${pcds.replace(' ', pcds.length === 8 ? ' ' : '  ')}"`;
  f[2] = `"${pcds}"`;
  f[4] = `"${doterm}"`;
  f[17] = `"${pcon}"`;
  return f.join(',');
}

const MPS_HEADER =
  '"pcon_name","pcon_code","member_id","full_title","display_as","party_text","member_email","election_result_summary_2024","lad_names","lad_codes","lad_codes_2024","la_names","new_la_codes","new_la_codes_2024","old_la_codes_2024","mayoral_auth_names","mayoral_auth_codes","region_name","region_code","country_name","country_code"';
const mpsRow = (name: string, code: string, id: string, title: string, display: string, party: string, email: string) =>
  [name, code, id, title, display, party, email, 'Lab hold', 'x', 'x', 'x', 'x', 'x', 'x', '1', 'x', 'x', 'x', 'x', 'England', 'E92000001']
    .map((v) => `"${v}"`)
    .join(',');

/** The shared machinery on the test database, built from core/ alone (the representatives need nothing else). */
function coreOn(ctx: DialectContext): Core {
  const config = testConfig(ctx.testDb);
  const keyring = createKeyring(config.secret);
  const queue = new JobQueue(keyring);
  const mailer = new Mailer({ db: ctx.db, keyring, queue, transport: catcherTransport(), from: config.mailFrom, host: 'localhost' });
  return { config, db: ctx.db, keyring, queue, mailer, logger: createLogger('silent') };
}

// Each test runs the real `lantern` command several times (a fresh Node with tsx each): on a busy 2-core machine one
// run can take seconds, so the time limit is set by the spawns' own limits, not by the default 30 s per test.
vi.setConfig({ testTimeout: 300_000 });

describeEachDialect('lantern import', (ctx) => {
  let dir: string;
  let core: Core;
  const env = () => ({
    DATABASE_URL:
      ctx.dialect === 'sqlite' ? `sqlite:${(ctx.testDb.config as { file: string }).file}` : (ctx.testDb.config as { url: string }).url,
    LANTERN_DATA_DIR: ctx.testDb.dataDir,
    LANTERN_SECRET: 'test-secret-0123456789abcdef0123456789abcdef',
    // vitest sets BASE_URL=/ for its own use; Lantern would read it as the site's address.
    BASE_URL: '',
    LOG_LEVEL: 'warn',
  });
  const lantern = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', cli, ...args], {
      env: { ...process.env, ...env() },
      encoding: 'utf8',
      timeout: 60_000,
    });
  const file = (name: string, content: string | Buffer) => {
    const p = join(dir, name);
    writeFileSync(p, content);
    return p;
  };
  const lookup = async (pc: string) => {
    forgetRepresentativesCache(ctx.db);
    return lookupPostcode(core, pc);
  };
  const stored = async () =>
    (await ctx.db.selectFrom('postcodes').selectAll().orderBy('postcode').execute()).map((r) => `${r.postcode} ${r.constituency_code}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lantern-import-'));
    core = coreOn(ctx);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('ONSPD August 2024 (CRLF, quoted): live postcodes imported, terminated and Jersey rows skipped, counted', async () => {
    // Before: the range table (from Code-Point Open, mid-2023) puts AB12 3TP in Aberdeen South.
    expect(await lookup('AB12 3TP')).toMatchObject({ kind: 'found', constituency: { code: 'S14000061' } });
    const r = lantern('import', 'postcodes', file('ONSPD_AUG_2024_extract.csv', ONSPD_EXTRACT));
    expect(r.stderr).toContain('postcodes from column pcds, constituencies from pcon, terminated from doterm');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Imported 3 postcodes from 6 rows of ONSPD_AUG_2024_extract.csv');
    expect(r.stdout).toContain('Terminated postcodes (removed if stored): 2.');
    expect(r.stdout).toMatch(/pseudo code.*: 1\./);
    expect(await stored()).toEqual(['AB10 1AB S14000061', 'AB12 3TP S14000111', 'SE1 2DL E14001085']);
    // ONSPD puts AB12 3TP in West Aberdeenshire and Kincardine, and the imported postcode wins over the range table.
    const ab12 = await lookup('ab12 3tp');
    expect(ab12).toMatchObject({
      kind: 'found',
      postcode: 'AB12 3TP',
      constituency: { code: 'S14000111', name: 'West Aberdeenshire and Kincardine' },
    });
    expect(await lookup('AB12 3TQ')).toMatchObject({ kind: 'found', constituency: { code: 'S14000061' } });
    const src = (await findSources(ctx.db)).find((s) => s.key === 'postcodes')!;
    expect(src).toMatchObject({ origin: 'import', file: 'ONSPD_AUG_2024_extract.csv', row_count: 3 });
    expect(src.version).toMatch(/^[0-9a-f]{64}$/);
  });

  test('NSPL 2025 (byte-order mark, LF), plain and gzipped: idempotent, terminated postcodes removed, old codes refused', async () => {
    const rows = [
      nsplRow('CA8 7JG', 'E14001285'),
      nsplRow('BR8 7QP', 'E14001417'),
      nsplRow('BR8 7QW', 'E14001417'),
      nsplRow('BT1 1AA', 'N05000003'),
      nsplRow('GY1 1AA', 'L99999999'),
      // A constituency code of the 2010 boundaries: not one Lantern knows.
      nsplRow('BR8 7RE', 'E14000887'),
      nsplRow('NOT A PC', 'E14001417'),
      // Terminated in the file, but imported live by the ONSPD test above: removed.
      nsplRow('SE1 2DL', 'E14001085', '202301'),
    ];
    const text = `\ufeff${NSPL_2025_HEADER}\n${rows.join('\n')}\n`;
    const r = lantern('import', 'postcodes', file('NSPL_FEB_2025_UK.csv', text));
    expect(r.stderr).toContain('postcodes from column pcds, constituencies from pcon24cd');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Imported 4 postcodes from 8 rows');
    expect(r.stdout).toMatch(/not of the 2024 boundaries: 1\./);
    expect(r.stdout).toMatch(/malformed or non-geographic postcode: 1\./);
    expect(r.stdout).toMatch(/Northern Ireland postcodes: 1\. .*Land & Property Services/);
    const after = await stored();
    expect(after).toEqual([
      'AB10 1AB S14000061',
      'AB12 3TP S14000111',
      'BR8 7QP E14001417',
      'BR8 7QW E14001417',
      'BT1 1AA N05000003',
      'CA8 7JG E14001285',
    ]);
    expect(await lookup('ca87jg')).toMatchObject({ kind: 'found', constituency: { name: 'Hexham' } });
    expect(await lookup('BT1 1AA')).toMatchObject({ kind: 'found', constituency: { code: 'N05000003', nation: 'Northern Ireland' } });
    // Its row was refused (old boundaries), so the range table answers.
    expect(await lookup('BR8 7RE')).toMatchObject({ kind: 'found', constituency: { code: 'E14001465', name: 'Sevenoaks' } });

    // The same data again, gzipped: nothing changes.
    const gz = lantern('import', 'postcodes', file('NSPL_FEB_2025_UK.csv.gz', gzipSync(text)));
    expect(gz.status).toBe(0);
    expect(gz.stderr).toContain('(gzip)');
    expect(await stored()).toEqual(after);
  });

  test('a file of an edition before August 2024, or not a postcode file at all, is refused with a clear message', async () => {
    const old = lantern(
      'import',
      'postcodes',
      file(
        'NSPL_MAY_2024.csv',
        `${NSPL_2025_HEADER.replace('pcon24cd', 'pcon')}\n${nsplRow('CA8 7JG', 'E14000748')}\n${nsplRow('BR8 7QP', 'E14000882')}\n`,
      ),
    );
    expect(old.status).toBe(65);
    expect(old.stderr).toMatch(/before August 2024/);
    const wrong = lantern('import', 'postcodes', file('people.csv', 'name,email\nA,b@example.org\n'));
    expect(wrong.status).toBe(65);
    expect(wrong.stderr).toMatch(/not an ONSPD or NSPL file.*pcds.*pcon/);
    const missing = lantern('import', 'postcodes', join(dir, 'nowhere.csv'));
    expect(missing.status).toBe(65);
    expect(missing.stderr).toContain('There is no file at');
    const empty = lantern('import', 'postcodes', file('empty.csv', ''));
    expect(empty.status).toBe(65);
    expect(empty.stderr).toMatch(/empty/);
    const usage = lantern('import', 'constituencies', 'x');
    expect(usage.status).toBe(64);
    expect(usage.stderr).toContain('import postcodes FILE');
    // Nothing of the refused files was stored.
    expect(await stored()).toEqual([
      'AB10 1AB S14000061',
      'AB12 3TP S14000111',
      'BR8 7QP E14001417',
      'BR8 7QW E14001417',
      'BT1 1AA N05000003',
      'CA8 7JG E14001285',
    ]);
  });

  test('import mps reads the MPs CSV layout: new MPs set, "No email found" stored as no address, a seat without a member vacant', async () => {
    const csv = [
      MPS_HEADER,
      mpsRow('Aldershot', 'E14001063', '990001', 'Dr Amina Okafor MP', 'Dr Amina Okafor', 'Independent', 'No email found'),
      mpsRow('Aldridge-Brownhills', 'E14001064', '', '', '', '', ''),
      mpsRow('Nowhere', 'E14000001', '990002', 'Someone MP', 'Someone', 'Labour', 'someone.mp@parliament.uk'),
    ].join('\r\n');
    const r = lantern('import', 'mps', file('mps.csv', `\ufeff${csv}\r\n`));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Imported 1 MPs from mps.csv (MPs CSV)');
    expect(r.stdout).toContain('Seats marked vacant: 1.');
    expect(r.stdout).toContain('Skipped, unknown constituency code: 1.');
    forgetRepresentativesCache(ctx.db);
    expect((await representativeFor(core, 'E14001063'))?.mp).toEqual({
      memberId: 990001,
      name: 'Dr Amina Okafor',
      fullTitle: 'Dr Amina Okafor MP',
      party: 'Independent',
      email: null,
    });
    expect(await representativeFor(core, 'E14001064')).toMatchObject({ constituency: { name: 'Aldridge-Brownhills' }, mp: null });
    // Other seats keep their MPs.
    expect((await representativeFor(core, 'E14001065'))?.mp?.name).toBe('Mr Connor Rand');
    expect((await findSources(ctx.db)).find((s) => s.key === 'mps')).toMatchObject({ origin: 'import', file: 'mps.csv', row_count: 649 });
  });

  test('import mps reads Members API JSON, matching seats by name and keeping or taking the email', async () => {
    const member = (id: number, display: string, seat: string, contact?: unknown) => ({
      value: {
        id,
        nameListAs: display,
        nameDisplayAs: display,
        nameFullTitle: `${display} MP`,
        nameAddressAs: display,
        latestParty: {
          id: 8,
          name: 'Independent',
          abbreviation: 'Ind',
          backgroundColour: '909090',
          foregroundColour: 'FFFFFF',
          isLordsMainParty: false,
          isLordsSpiritualParty: false,
          governmentType: null,
          isIndependentParty: true,
        },
        gender: 'F',
        latestHouseMembership: {
          membershipFrom: seat,
          membershipFromId: 4074,
          house: 1,
          membershipStartDate: '2024-07-04T00:00:00',
          membershipEndDate: null,
          membershipEndReason: null,
          membershipEndReasonNotes: null,
          membershipEndReasonId: null,
          membershipStatus: {
            statusIsActive: true,
            statusDescription: 'Current Member',
            statusNotes: null,
            statusId: 0,
            status: 0,
            statusStartDate: '2024-07-04T00:00:00',
          },
        },
        thumbnailUrl: `https://members-api.parliament.uk/api/Members/${id}/Thumbnail`,
      },
      links: [{ rel: 'self', href: `/Members/${id}`, method: 'GET' }],
      ...(contact ? { contact } : {}),
    });
    const search = {
      items: [
        // Parliament writes some names without accents or with "&": matched all the same.
        member(990010, 'Mx Rowan Tully', 'ynys mon', {
          value: [{ type: 'Parliamentary office', isPreferred: true, email: 'rowan.tully.mp@parliament.uk' }],
        }),
        // The member Aldershot already has, without contact details: the stored email stays (here: none).
        member(990001, 'Dr Amina Okafor', 'Aldershot'),
        member(990011, 'Lord Nobody', 'Atlantis North'),
      ],
      totalResults: 3,
      resultContext: null,
      skip: 0,
      take: 20,
      links: [],
    };
    const r = lantern('import', 'mps', file('members.json', JSON.stringify(search)));
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Imported 2 MPs from members.json (Members API JSON)');
    expect(r.stdout).toContain('Skipped, constituency not matched by name: 1.');
    forgetRepresentativesCache(ctx.db);
    const ynys = await representativeFor(core, 'W07000112');
    expect(ynys?.constituency.name).toBe('Ynys Môn');
    expect(ynys?.mp).toEqual({
      memberId: 990010,
      name: 'Mx Rowan Tully',
      fullTitle: 'Mx Rowan Tully MP',
      party: 'Independent',
      email: 'rowan.tully.mp@parliament.uk',
    });
    expect((await representativeFor(core, 'E14001063'))?.mp).toMatchObject({ memberId: 990001, email: null });

    const bad = lantern('import', 'mps', file('broken.json', '{"items": [1, 2'));
    expect(bad.status).toBe(65);
    expect(bad.stderr).toMatch(/not valid JSON/);
    const none = lantern('import', 'mps', file('none.json', '{"items": []}'));
    expect(none.status).toBe(65);
    expect(none.stderr).toMatch(/holds no members/);
  });
});
