import fc from 'fast-check';

// The values property tests throw at forms and endpoints: empty and whitespace, control and bidi characters,
// markup and SQL, prototype keys, any unicode, long strings, arrays, objects and non-strings.
const BASE_NASTY = ['', '   ', '\u0000', '\u202e', '<script>alert(1)</script>', "' or 1=1 --", '__proto__', 'constructor'];

/** Arbitrary form values: `extra` adds field-specific nasties; `hugeValue` adds a string over the 1 MiB body limit. */
export function garbage(o: { extra?: readonly string[]; maxRepeat: number; hugeValue: boolean }) {
  const scalar = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.emailAddress(),
    fc.constantFrom(...BASE_NASTY, ...(o.extra ?? [])),
    fc.nat({ max: o.maxRepeat }).map((n) => 'x'.repeat(n)),
  );
  const value = fc.oneof(
    { weight: 6, arbitrary: scalar },
    { weight: 1, arbitrary: fc.array(scalar, { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.object({ maxDepth: 2 }) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
    ...(o.hugeValue ? [{ weight: 1, arbitrary: fc.constant('y'.repeat(1_100_000)) }] : []),
  );
  return { scalar, value };
}
