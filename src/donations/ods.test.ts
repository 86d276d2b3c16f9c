import { strFromU8, unzipSync } from 'fflate';
import { expect, test } from 'vitest';
import * as XLSX from 'xlsx';
import type { ScheduleRow } from './model.js';
import { writeScheduleOds, zipParts } from './ods.js';
import { SCHEDULE_COLUMNS } from './schedule.js';

// The Gift Aid schedule as an OpenDocument spreadsheet, read back by a real ODS reader (SheetJS), and its zip taken
// apart byte by byte: HMRC's layout, every cell text, names with XML's special characters intact, 1,000 rows.

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 11, 4, 12);
const LONDON = 'Europe/London';
const MIME = 'application/vnd.oasis.opendocument.spreadsheet';

function row(over: Partial<ScheduleRow> = {}): ScheduleRow {
  return {
    title: 'Ms',
    firstName: 'Ruth',
    lastName: 'Adebayo',
    house: '14',
    postcode: 'LS6 2AB',
    aggregated: '',
    sponsored: false,
    donationDate: NOW - 10 * DAY,
    amountPence: 1250,
    ...over,
  };
}

function sheetOf(bytes: Uint8Array): XLSX.WorkSheet {
  const book = XLSX.read(bytes, { type: 'buffer' });
  expect(book.SheetNames).toEqual(['Schedule']);
  return book.Sheets.Schedule!;
}

/** The sheet's cells as text, row by row, as a spreadsheet shows them. */
function cellsOf(bytes: Uint8Array): string[][] {
  return XLSX.utils.sheet_to_json<string[]>(sheetOf(bytes), { header: 1, raw: false, defval: '', blankrows: true });
}

/** A zip's entries in the order they are stored, with each one's compression method (0: stored) from its local header. */
function zipEntries(zip: Uint8Array): Array<{ name: string; method: number; dataAt: number; size: number }> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const out: Array<{ name: string; method: number; dataAt: number; size: number }> = [];
  let at = 0;
  while (view.getUint32(at, true) === 0x04034b50) {
    const method = view.getUint16(at + 8, true);
    const size = view.getUint32(at + 18, true);
    const nameLength = view.getUint16(at + 26, true);
    const extraLength = view.getUint16(at + 28, true);
    const name = strFromU8(zip.subarray(at + 30, at + 30 + nameLength));
    const dataAt = at + 30 + nameLength + extraLength;
    out.push({ name, method, dataAt, size });
    at = dataAt + size;
  }
  return out;
}

test('HMRC’s layout: title, earliest date, a blank row, the headers in order, then the rows numbered from 1', () => {
  const rows = [
    row({ donationDate: Date.UTC(2026, 3, 5, 23, 30) }), // 00:30 on 6 April, summer time
    row({ title: '', firstName: 'T', lastName: 'Okafor', house: 'Rose Cottage', postcode: 'X', sponsored: true, amountPence: 100_000_005 }),
    row({ title: '', firstName: '', lastName: '', house: '', postcode: '', aggregated: 'Small gifts 1', amountPence: 99_999 }),
  ];
  const cells = cellsOf(writeScheduleOds(rows, { timeZone: LONDON, earliestDate: Date.UTC(2026, 0, 1, 0, 30) }));
  expect(cells[0]![0]).toBe('Gift Aid schedule');
  expect(cells[1]!.slice(0, 2)).toEqual(['Earliest donation date in the period of claim (DD/MM/YY)', '01/01/26']);
  expect(cells[2]!.every((c) => c === '')).toBe(true);
  expect(cells[3]).toEqual([...SCHEDULE_COLUMNS]);
  expect(cells.slice(4)).toEqual([
    ['1', 'Ms', 'Ruth', 'Adebayo', '14', 'LS6 2AB', '', '', '06/04/26', '12.50'],
    ['2', '', 'T', 'Okafor', 'Rose Cottage', 'X', '', 'Yes', '24/11/26', '1000000.05'],
    ['3', '', '', '', '', '', 'Small gifts 1', '', '24/11/26', '999.99'],
  ]);
});

test('every cell is text: dates stay DD/MM/YY and amounts stay 12.50, never turned into numbers or dates', () => {
  const bytes = writeScheduleOds([row({ amountPence: 1000 }), row({ amountPence: 5 })], { timeZone: LONDON, earliestDate: NOW - DAY });
  const sheet = sheetOf(bytes);
  for (const address of ['B2', 'I6', 'J5', 'J6', 'A5', 'A6']) expect(sheet[address]?.t, address).toBe('s');
  expect(sheet.B2!.v).toBe('03/12/26');
  expect(sheet.I6!.v).toBe('24/11/26');
  expect(sheet.J5!.v).toBe('10.00');
  expect(sheet.J6!.v).toBe('0.05');
  expect(sheet.A5!.v).toBe('1');
  const content = strFromU8(unzipSync(bytes)['content.xml']!);
  expect(content).not.toMatch(/office:value-type="(?!string")/);
  // Each cell is text or empty: the title, 2 in row 2, 10 headers, and 8 filled in each row (no aggregate, not sponsored).
  const count = (re: RegExp) => content.match(re)?.length ?? 0;
  expect(count(/<table:table-cell office:value-type="string"/g)).toBe(1 + 2 + 10 + 2 * 8);
  expect(count(/<table:table-cell\/>/g)).toBe(1 + 2 * 2);
  expect(count(/<table:table-cell/g)).toBe(1 + 2 + 1 + 10 + 2 * 10);
});

test('names with & < > ’ " survive exactly; spaces survive; control characters are dropped', () => {
  const rows = [
    row({ lastName: 'Smith & <Jones>', house: 'The “Old” Mill, 3 > 2', firstName: 'Siobhán' }),
    row({ lastName: 'O’Donnell', house: '"Quoted" & \'single\'', firstName: 'Mary  Jane' }),
    row({ lastName: 'Bell\u0007\u0000\u001Fe', house: ' 2b ', firstName: 'Emoji \u{1F600}' }),
    row({ lastName: 'Lone \uD800 surrogate', house: 'Tab\there', firstName: 'Zoë' }),
  ];
  const bytes = writeScheduleOds(rows, { timeZone: LONDON, earliestDate: NOW - DAY });
  const cells = cellsOf(bytes).slice(4);
  expect(cells.map((r) => r.slice(2, 5))).toEqual([
    ['Siobhán', 'Smith & <Jones>', 'The “Old” Mill, 3 > 2'],
    ['Mary  Jane', 'O’Donnell', '"Quoted" & \'single\''],
    ['Emoji \u{1F600}', 'Belle', ' 2b '],
    ['Zoë', 'Lone  surrogate', 'Tabhere'],
  ]);
  // Every XML document in the file is well formed enough for a strict parser to read its text back.
  const content = strFromU8(unzipSync(bytes)['content.xml']!);
  expect(content).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
  expect(content).toContain('Smith &amp; &lt;Jones&gt;');
});

test('a file in parts says which part it is', () => {
  const cells = cellsOf(writeScheduleOds([row()], { timeZone: LONDON, earliestDate: NOW - DAY, part: { n: 2, of: 3 } }));
  expect(cells[0]![0]).toBe('Gift Aid schedule (part 2 of 3)');
  expect(cells[3]).toEqual([...SCHEDULE_COLUMNS]);
});

test('mimetype is the first entry, stored uncompressed, then the manifest, content, styles and meta', () => {
  const bytes = writeScheduleOds([row()], { timeZone: LONDON, earliestDate: NOW - DAY });
  const entries = zipEntries(bytes);
  expect(entries.map((e) => e.name)).toEqual(['mimetype', 'META-INF/manifest.xml', 'content.xml', 'styles.xml', 'meta.xml']);
  expect(entries[0]!.method).toBe(0);
  expect(entries[0]!.dataAt).toBe(38); // no extra field: the type sits at a fixed offset, where tools look for it
  expect(strFromU8(bytes.subarray(38, 38 + MIME.length))).toBe(MIME);
  const files = unzipSync(bytes);
  expect(Object.keys(files)[0]).toBe('mimetype');
  expect(strFromU8(files.mimetype!)).toBe(MIME);
  const manifest = strFromU8(files['META-INF/manifest.xml']!);
  expect(manifest).toContain(`manifest:full-path="/" manifest:version="1.3" manifest:media-type="${MIME}"`);
  for (const name of ['content.xml', 'styles.xml', 'meta.xml']) expect(manifest).toContain(`manifest:full-path="${name}"`);
  expect(strFromU8(files['content.xml']!)).toContain('<table:table table:name="Schedule">');
});

test('a full part of 1,000 rows is written quickly and read back whole', () => {
  const rows = Array.from({ length: 1000 }, (_, i) =>
    row({ lastName: `Adebayo & Co ${'x'.repeat(i % 20)}`, donationDate: NOW - i * 3_600_000, amountPence: 100 + i }),
  );
  const started = performance.now();
  const bytes = writeScheduleOds(rows, { timeZone: LONDON, earliestDate: NOW - 1000 * 3_600_000 });
  expect(performance.now() - started).toBeLessThan(1000);
  const cells = cellsOf(bytes).slice(4);
  expect(cells).toHaveLength(1000);
  expect(cells.map((r) => r[0])).toEqual(rows.map((_, i) => String(i + 1)));
  expect(cells[999]).toEqual(['1000', 'Ms', 'Ruth', `Adebayo & Co ${'x'.repeat(19)}`, '14', 'LS6 2AB', '', '', '23/10/26', '10.99']);
});

test('a zip of three parts holds each file unchanged, stored as it is, in order', () => {
  const parts = [1, 2, 3].map((n) => ({
    name: `gift-aid-claim-12-part-${n}-of-3.ods`,
    bytes: writeScheduleOds([row({ amountPence: n * 100 })], { timeZone: LONDON, earliestDate: NOW - DAY, part: { n, of: 3 } }),
  }));
  const zip = zipParts(parts);
  const entries = zipEntries(zip);
  expect(entries.map((e) => e.name)).toEqual(parts.map((p) => p.name));
  for (const e of entries) expect(e.method).toBe(0);
  const files = unzipSync(zip);
  parts.forEach((p, i) => {
    expect(files[p.name]).toEqual(p.bytes);
    const cells = cellsOf(files[p.name]!);
    expect(cells[0]![0]).toBe(`Gift Aid schedule (part ${i + 1} of 3)`);
    expect(cells[4]![9]).toBe(`${i + 1}.00`);
  });
  expect(unzipSync(zipParts([]))).toEqual({});
});
