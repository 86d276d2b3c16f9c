import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { constituencyInRange, DataFileError, decodeRangeLookup, parseKnownOutcodes, parseShortCodes, SHIPPED_DIR } from './data.js';

// mySociety's postcode range table as Lantern decodes it, against rows of the same table decoded by someone else
// (fixtures/README.md), and against the shipped file's own shape. Pure data, no database.

const SHORT_CODES = parseShortCodes(readFileSync(`${SHIPPED_DIR}westminster_constituencies_2024.csv`, 'utf8'));
const table = decodeRangeLookup(readFileSync(`${SHIPPED_DIR}mysociety_pcon_2024_range_lookup.json`, 'utf8'), SHORT_CODES);
const EXTRACT = readFileSync(new URL('./fixtures/gb_postcode_ranges_pcon2024_extract.csv', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => {
    const [postcode, int36, shortCode, code] = l.split(',');
    return { postcode: postcode!, start: Number(int36), shortCode: shortCode!, code: code! };
  });

test('the shipped table decodes to 54,076 ascending ranges, 31 of them with no constituency, over 632 GB seats', () => {
  expect(table.starts.length).toBe(54_076);
  expect(table.seats.length).toBe(54_076);
  for (let i = 1; i < table.starts.length; i++)
    if (!(table.starts[i]! > table.starts[i - 1]!)) throw new Error(`range ${i} does not ascend`);
  expect(table.seats.filter((s) => s === 0).length).toBe(31);
  const seats = new Set([...table.seats].filter((s) => s !== 0).map((s) => table.codes[s - 1]));
  expect(seats.size).toBe(632);
  expect([...seats].every((c) => /^[ESW]\d{8}$/.test(c!))).toBe(true);
});

test('the decoded ranges match the independently decoded rows of the extract', () => {
  expect(EXTRACT).toHaveLength(19);
  for (const row of EXTRACT) {
    // The range starts at this postcode, read as a base-36 number…
    expect(parseInt(row.postcode.replace(' ', ''), 36), row.postcode).toBe(row.start);
    const i = table.starts.indexOf(row.start);
    expect(i, row.postcode).toBeGreaterThanOrEqual(0);
    // …and has the same constituency (none where the extract has none), at its first postcode and just before the next range.
    expect(table.seats[i] === 0 ? '' : table.codes[table.seats[i]! - 1], row.postcode).toBe(row.code);
    expect(constituencyInRange(table, row.postcode) ?? '', row.postcode).toBe(row.code);
    if (row.code) expect(SHORT_CODES.get(row.shortCode)).toBe(row.code);
  }
  expect(table.starts[0]).toBe(EXTRACT[0]!.start);
  expect(table.starts[table.starts.length - 1]).toBe(EXTRACT[EXTRACT.length - 1]!.start);
});

test('a lookup takes the last range starting at or below the postcode; below the first range there is none', () => {
  // BR8 7QS starts a Sevenoaks range, BR8 7QW an Orpington one: the postcodes between fall in the first.
  expect(constituencyInRange(table, 'BR8 7QS')).toBe('E14001465');
  expect(constituencyInRange(table, 'BR8 7QT')).toBe('E14001465');
  expect(constituencyInRange(table, 'BR8 7QW')).toBe('E14001417');
  expect(constituencyInRange(table, 'BR8 7QX')).toBe('E14001465');
  // The last range runs on to the end.
  expect(constituencyInRange(table, 'YO90 1HX')).toBe('E14001604');
  expect(constituencyInRange(table, 'ZZ99 9ZZ')).toBe('E14001604');
  // "A1 1AA" is a smaller number than B1 1AY, the first range.
  expect(constituencyInRange(table, 'A1 1AA')).toBeNull();
  expect(constituencyInRange(table, 'B1 1AX')).toBeNull();
  expect(constituencyInRange(table, 'B1 1AY')).toBe('E14001096');
});

test('a damaged range file is refused with a clear message', () => {
  const good = { postcode_keys: [100, 5, 5], value_key: [2, 3, 0], value_values: [null, 'UKPARL.2025.AHT', 'UKPARL.2025.ABH'] };
  const t = decodeRangeLookup(JSON.stringify(good), SHORT_CODES);
  expect([...t.starts]).toEqual([100, 105, 110]);
  // value_key 0 repeats the value two places before.
  expect([...t.seats].map((s) => t.codes[s - 1])).toEqual(['E14001063', 'E14001064', 'E14001063']);
  const bad: Array<[string, RegExp]> = [
    ['{"postcode_keys": [1, 2', /not valid JSON/],
    ['[]', /postcode_keys and value_key of the same length/],
    [JSON.stringify({ ...good, value_key: [2, 3] }), /same length/],
    [JSON.stringify({ ...good, postcode_keys: [100, 0, 5] }), /bad entry at position 1/],
    [JSON.stringify({ ...good, postcode_keys: [100, -5, 5] }), /bad entry at position 1/],
    [JSON.stringify({ ...good, value_key: [2, 'x', 0] }), /bad entry at position 1/],
    [
      JSON.stringify({ ...good, value_values: [null, 'UKPARL.2025.NOPE'] }),
      /constituency the constituencies file does not have \(value 1: UKPARL.2025.NOPE\)/,
    ],
    [JSON.stringify({ ...good, postcode_keys: [2 ** 53, 5, 5] }), /bad entry at position 0|too large/],
  ];
  for (const [text, message] of bad) {
    expect(() => decodeRangeLookup(text, SHORT_CODES), text).toThrow(DataFileError);
    expect(() => decodeRangeLookup(text, SHORT_CODES), text).toThrow(message);
  }
});

test('the known GB districts are the 2,872 of the shipped outcode file; a damaged one is refused', () => {
  const known = parseKnownOutcodes(readFileSync(`${SHIPPED_DIR}gb_outcode_to_pcon2024.csv`, 'utf8'));
  expect(known.size).toBe(2872);
  for (const o of ['AB10', 'BR8', 'SW1A', 'W1A', 'ZE3', 'CO15']) expect(known.has(o), o).toBe(true);
  for (const o of ['SW1B', 'BT1', 'JE2', 'N23']) expect(known.has(o), o).toBe(false);
  expect([...parseKnownOutcodes('\uFEFFoutcode,pcon24cd\r\nAB10,S14000061\r\nAB10,S14000060\r\nBR8,"Sevenoaks, and more"\r\n')]).toEqual([
    'AB10',
    'BR8',
  ]);
  expect(() => parseKnownOutcodes('postcode,pcon24cd\nAB10 1AA,S14000061\n')).toThrow(/header row starting with: outcode/);
  expect(() => parseKnownOutcodes('outcode,pcon24cd\nAB10,x\n"AB11",y\n')).toThrow(/Row 3 of the outcodes file is not a postcode district/);
});
