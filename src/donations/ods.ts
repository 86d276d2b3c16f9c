import type { ScheduleRow } from './model.js';
import { SCHEDULE_COLUMNS, formatScheduleAmount, formatScheduleDate } from './schedule.js';
import { zipEntries } from './zip.js';

// The Gift Aid schedule written as an OpenDocument spreadsheet, by hand: the file is the product (HMRC's layout and
// formats), and an ODS file is a zip of four small XML documents, so no spreadsheet library is needed to write one
// (zip.ts writes the archive). Every cell is text, so "05/04/26" and "12.50" reach HMRC exactly as written, never
// reinterpreted as a date or a number. The tests read the files back with a real ODS reader.

const MIME = 'application/vnd.oasis.opendocument.spreadsheet';
const NS = [
  'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"',
  'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"',
  'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"',
  'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"',
  'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"',
  'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"',
  'office:version="1.3"',
].join(' ');

// Anything xml() would change; most cells (dates, amounts, plain names) have none and are passed through as they are.
const NEEDS_CARE = /[&<>"\u0000-\u001F\u007F-\u009F\uD800-\uDFFF\uFFFE\uFFFF]/;

/**
 * Text made safe for XML: the special characters escaped; control characters (which XML 1.0 forbids or a cell would
 * show as nothing), lone surrogates and non-characters dropped.
 */
function xml(text: string): string {
  if (!NEEDS_CARE.test(text)) return text;
  return text
    .replace(/[\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]/g, '')
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

// ODF collapses runs of spaces in a paragraph and drops them at its ends (as HTML does), so those are written as
// <text:s/>: "Mary  Jane" reaches HMRC as typed, and the treasurer sees exactly what was checked.
function paragraph(text: string): string {
  return xml(text).replace(/ +/g, (run: string, at: number, whole: string) => {
    if (at === 0 || at + run.length === whole.length) return `<text:s text:c="${run.length}"/>`;
    return run.length === 1 ? ' ' : ` <text:s text:c="${run.length - 1}"/>`;
  });
}

function cell(text: string, style?: string): string {
  if (text === '') return '<table:table-cell/>';
  const s = style ? ` table:style-name="${style}"` : '';
  return `<table:table-cell office:value-type="string"${s}><text:p>${paragraph(text)}</text:p></table:table-cell>`;
}

function tableRow(cells: readonly string[], style?: string): string {
  return `<table:table-row>${cells.map((c) => cell(c, style)).join('')}</table:table-row>`;
}

const MANIFEST = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">
 <manifest:file-entry manifest:full-path="/" manifest:version="1.3" manifest:media-type="${MIME}"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>
 <manifest:file-entry manifest:full-path="meta.xml" manifest:media-type="text/xml"/>
</manifest:manifest>`;

const STYLES = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles ${NS}><office:styles/></office:document-styles>`;

function meta(title: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<office:document-meta ${NS}><office:meta><meta:generator>Lantern</meta:generator><dc:title xmlns:dc="http://purl.org/dc/elements/1.1/">${xml(title)}</dc:title></office:meta></office:document-meta>`;
}

/**
 * One schedule file: a title, the earliest donation date of the claim's period, HMRC's column headings, then one row
 * per line numbered from 1 (at most 1,000: split first with splitIntoParts).
 */
export function writeScheduleOds(
  rows: readonly ScheduleRow[],
  o: { timeZone: string; earliestDate: number; part?: { n: number; of: number } | undefined },
): Uint8Array {
  const title = o.part ? `Gift Aid schedule (part ${o.part.n} of ${o.part.of})` : 'Gift Aid schedule';
  const body: string[] = [
    tableRow([title], 'heading'),
    tableRow(['Earliest donation date in the period of claim (DD/MM/YY)', formatScheduleDate(o.earliestDate, o.timeZone)]),
    '<table:table-row><table:table-cell/></table:table-row>',
    tableRow(SCHEDULE_COLUMNS, 'heading'),
  ];
  rows.forEach((r, i) =>
    body.push(
      tableRow([
        String(i + 1),
        r.title,
        r.firstName,
        r.lastName,
        r.house,
        r.postcode,
        r.aggregated,
        r.sponsored ? 'Yes' : '',
        formatScheduleDate(r.donationDate, o.timeZone),
        formatScheduleAmount(r.amountPence),
      ]),
    ),
  );
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ${NS}><office:automatic-styles><style:style style:name="heading" style:family="table-cell"><style:text-properties fo:font-weight="bold"/></style:style></office:automatic-styles><office:body><office:spreadsheet><table:table table:name="Schedule"><table:table-column table:number-columns-repeated="${SCHEDULE_COLUMNS.length}"/>${body.join('')}</table:table></office:spreadsheet></office:body></office:document-content>`;
  // The mimetype entry comes first and uncompressed, so a reader knows the kind of file from its first bytes.
  const text = (t: string) => new TextEncoder().encode(t);
  return zipEntries([
    { name: 'mimetype', bytes: text(MIME), store: true },
    { name: 'META-INF/manifest.xml', bytes: text(MANIFEST) },
    { name: 'content.xml', bytes: text(content) },
    { name: 'styles.xml', bytes: text(STYLES) },
    { name: 'meta.xml', bytes: text(meta(title)) },
  ]);
}

/** A zip of several schedule files (a claim over 1,000 rows), stored as they are: an ODS file is already compressed. */
export function zipParts(files: ReadonlyArray<{ name: string; bytes: Uint8Array }>): Uint8Array {
  return zipEntries(files.map((f) => ({ name: f.name, bytes: f.bytes, store: true })));
}
