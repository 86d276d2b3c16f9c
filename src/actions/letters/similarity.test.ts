import fc from 'fast-check';
import { expect, test } from 'vitest';
import { createKeyring } from '../../core/crypto.js';
import { nextSlot, paceGap } from './pace.js';
import { countWords, fingerprint, highestResemblance, letterWords, parseFingerprint, resemblance, SKETCH_SIZE } from './similarity.js';

// The parts of the safeguards that need no database: how alike two letters are (from fingerprints that hold no
// words), how words are counted in any script, and the pace limit's slots.

const keyring = createKeyring('similarity-test-secret-0123456789abcdef');
const sketch = (text: string) => parseFingerprint(fingerprint(keyring, text));

const TEMPLATE =
  'I am writing as your constituent to ask you to support a ban on importing goods made with forced labour. ' +
  'Millions of people are held against their will and made to pick cotton and work in factories, and the goods they make ' +
  'still reach our shops. Please speak in the debate next month and vote for the ban.';
const OWN =
  'My grandmother sewed shirts in a mill in Lancashire, so I know what a fair wage meant to our family. When I read ' +
  'that cotton picked under coercion is sold in our high streets I felt sick. Will you tell me how you will vote?';

test('identical letters resemble each other fully, unrelated ones hardly, and a lightly edited copy is still held', () => {
  expect(resemblance(sketch(TEMPLATE), sketch(TEMPLATE))).toBe(1);
  expect(resemblance(sketch(TEMPLATE), sketch(OWN))).toBeLessThan(0.1);
  const edited = TEMPLATE.replace('next month', 'in the coming weeks').replace('Millions of', 'So many');
  expect(resemblance(sketch(TEMPLATE), sketch(edited))).toBeGreaterThan(0.6);
  // The template with a paragraph of their own on top falls well below the default threshold of 70%.
  expect(resemblance(sketch(TEMPLATE), sketch(`${OWN} ${OWN.split(' ').reverse().join(' ')} ${TEMPLATE}`))).toBeLessThan(0.7);
  // Case, punctuation and spacing do not make a copy look new.
  expect(resemblance(sketch(TEMPLATE), sketch(TEMPLATE.toUpperCase().replace(/[.,]/g, ' !  ')))).toBe(1);
  expect(highestResemblance(sketch(OWN), [sketch(TEMPLATE), sketch(OWN)])).toBe(1);
  expect(highestResemblance(sketch(OWN), [])).toBe(0);
});

test('a fingerprint holds no words, depends on the instance secret, and is bounded whatever the letter', () => {
  const fp = fingerprint(keyring, TEMPLATE);
  for (const w of letterWords(TEMPLATE).filter((x) => x.length > 3)) expect(fp).not.toContain(w);
  expect(fingerprint(keyring, TEMPLATE)).toBe(fp);
  expect(fingerprint(createKeyring('another-secret-0123456789abcdef0123456789'), TEMPLATE)).not.toBe(fp);
  expect(parseFingerprint(fingerprint(keyring, Array.from({ length: 3000 }, (_, i) => `w${i}`).join(' ')))).toHaveLength(SKETCH_SIZE);
  expect(parseFingerprint(fingerprint(keyring, 'word '.repeat(5000)))).toHaveLength(1);
  expect(parseFingerprint('garbage')).toEqual([]);
  expect(parseFingerprint(fingerprint(keyring, ''))).toEqual([]);
});

test('words are counted in any script', () => {
  expect(countWords('Please vote for the ban.')).toBe(5);
  expect(countWords('  \n\t ')).toBe(0);
  expect(countWords('Ayşe Gülnar Abdulla-Rahman')).toBeGreaterThanOrEqual(3);
  expect(countWords('我们反对强迫劳动')).toBeGreaterThan(1);
  expect(countWords('مرحبا بكم في الحملة')).toBe(4);
});

test('resemblance is symmetric and between 0 and 1 for any two texts', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.string({ maxLength: 300 }), (a, b) => {
      const x = resemblance(sketch(a), sketch(b));
      expect(x).toBe(resemblance(sketch(b), sketch(a)));
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }),
    { numRuns: 200 },
  );
});

test('the pace limit: however letters arrive, no hour holds more than the limit to one recipient, and none is dropped', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 60 }),
      fc.array(fc.integer({ min: 0, max: 3 * 3600_000 }), { minLength: 1, maxLength: 200 }),
      (perHour, gaps) => {
        let now = 1_700_000_000_000;
        let last: number | undefined;
        const slots: number[] = [];
        for (const g of gaps) {
          now += g % 7 === 0 ? 0 : g; // bursts arrive at the same instant
          const slot = nextSlot({ lastSlot: last, now, perHour });
          expect(slot).toBeGreaterThanOrEqual(now);
          slots.push(slot);
          last = slot;
        }
        expect(slots).toHaveLength(gaps.length);
        for (let i = 0; i < slots.length; i++) {
          const inHour = slots.filter((s) => s >= slots[i]! && s < slots[i]! + 3600_000).length;
          expect(inHour).toBeLessThanOrEqual(perHour);
        }
      },
    ),
    { numRuns: 300 },
  );
  expect(paceGap(20)).toBe(180_000);
});
