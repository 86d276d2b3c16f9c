import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { garbage } from '../../test/helpers/garbage.js';
import { SHIPPED_DIR } from './data.js';
import { normalisePostcode } from './service.js';

// Postcodes arrive in any case and spacing from people typing on phones. Every way of typing a valid postcode
// normalises to the one form; nothing, however strange, makes normalising throw; and what it returns is well formed.

// Every real GB postcode district, from the shipped data.
const OUTCODES = [
  ...new Set(
    readFileSync(`${SHIPPED_DIR}gb_outcode_to_pcon2024.csv`, 'utf8')
      .split('\n')
      .slice(1)
      .map((l) => l.split(',')[0]!)
      .filter(Boolean),
  ),
];
const INWARD_LETTERS = 'ABDEFGHJLNPQRSTUWXYZ'.split('');

const validPostcode = fc
  .tuple(
    fc.constantFrom(...OUTCODES),
    fc.integer({ min: 0, max: 9 }),
    fc.constantFrom(...INWARD_LETTERS),
    fc.constantFrom(...INWARD_LETTERS),
  )
  .map(([out, d, a, b]) => `${out} ${d}${a}${b}`);

const SPACE = fc.constantFrom('', ' ', '  ', '\t', '\u00a0', ' \u200b');

/** The postcode as someone might type it: any case for each character, any whitespace between any characters. */
const typed = (pc: string) =>
  fc
    .tuple(
      fc.array(fc.boolean(), { minLength: pc.length, maxLength: pc.length }),
      fc.array(SPACE, { minLength: pc.length + 1, maxLength: pc.length + 1 }),
    )
    .map(([upper, spaces]) => {
      const chars = pc
        .replace(' ', '')
        .split('')
        .map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase()));
      return spaces[0] + chars.map((c, i) => c + spaces[i + 1]).join('');
    });

test('the examples of the issue all normalise to the same postcode', () => {
  for (const raw of ['SW1A 0AA', 'sw1a0aa', ' Sw1A  0aa ', 'SW1A\t0AA', 'ＳＷ１Ａ ０ＡＡ', 'sw1a oaa'])
    expect(normalisePostcode(raw), raw).toBe('SW1A 0AA');
  expect(normalisePostcode('m11aa')).toBe('M1 1AA');
  expect(normalisePostcode('b338th')).toBe('B33 8TH');
  expect(normalisePostcode('cr26xh')).toBe('CR2 6XH');
  expect(normalisePostcode('dn551pt')).toBe('DN55 1PT');
  expect(normalisePostcode('w1a 1hq')).toBe('W1A 1HQ');
  expect(normalisePostcode('ec1a1bb')).toBe('EC1A 1BB');
  expect(normalisePostcode('gir 0aa')).toBe('GIR 0AA');
  expect(normalisePostcode('BFPO 1234')).toBe('BFPO 1234');
  expect(normalisePostcode('bfpo1234')).toBe('BFPO 1234');
  expect(normalisePostcode('BFPO  57')).toBe('BFPO 57');
  expect(normalisePostcode('stHL1zz')).toBe('STHL 1ZZ');
  for (const bad of [
    '',
    ' ',
    'SW1A',
    '0AA',
    'SW1A 0AAA',
    'SW1A0A',
    'AAA 1AA',
    '1W1 1AA',
    'QW1 1AA',
    'SW1A 0CA',
    'BFPO 12345',
    'BFPO',
    'SW1A-0AA',
    'SW1A_0AA',
    'GIR 0AB',
  ]) {
    expect(normalisePostcode(bad), bad).toBeNull();
  }
});

test('any case and spacing of a valid postcode normalises to the same postcode', () => {
  fc.assert(
    fc.property(
      validPostcode.chain((pc) => fc.tuple(fc.constant(pc), typed(pc))),
      ([pc, raw]) => {
        expect(normalisePostcode(raw)).toBe(pc);
      },
    ),
    { numRuns: 2000 },
  );
});

test('the real postcodes of a published ONSPD extract, in all three of its columns, normalise to its pcds form', () => {
  const lines = readFileSync(new URL('./fixtures/onspd_aug2024_extract.csv', import.meta.url), 'utf8')
    .trim()
    .split('\r\n')
    .slice(1);
  expect(lines.length).toBeGreaterThan(4);
  for (const line of lines) {
    const [pcd, pcd2, pcds] = line
      .split(',')
      .slice(0, 3)
      .map((v) => v.replace(/"/g, ''));
    expect(normalisePostcode(pcd!)).toBe(pcds);
    expect(normalisePostcode(pcd2!)).toBe(pcds);
    expect(normalisePostcode(pcds!)).toBe(pcds);
  }
});

test('garbage never throws, and whatever is returned is a well-formed postcode that normalises to itself', () => {
  const { scalar } = garbage({ extra: ['SW1A', 'BFPO', 'GIR', '\u0130', 'ß', 'ﬀ', '\ud800'], maxRepeat: 100_000, hugeValue: false });
  fc.assert(
    fc.property(fc.oneof(scalar, fc.string({ unit: fc.constantFrom(...'ABGIRSWZ0129 bfpo\t'.split('')), maxLength: 12 })), (raw) => {
      const n = normalisePostcode(raw);
      if (n === null) return;
      expect(n).toMatch(/^([A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}|GIR 0AA|BFPO [0-9]{1,4}|[A-Z]{4} 1ZZ)$/);
      expect(normalisePostcode(n)).toBe(n);
    }),
    { numRuns: 3000 },
  );
  for (const odd of [undefined, null, 42, {}, [], Symbol('x')]) expect(normalisePostcode(odd as unknown as string)).toBeNull();
});
