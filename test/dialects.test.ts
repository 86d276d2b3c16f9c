import { expect, test } from 'vitest';
import { dialectsToTest } from './helpers/db.js';

// TEST_DIALECTS narrows a run to one dialect on a laptop; under CI=true it must never leave PostgreSQL out.

test('without TEST_DIALECTS both dialects run', () => {
  expect(dialectsToTest({})).toEqual(['sqlite', 'postgres']);
  expect(dialectsToTest({ CI: 'true' })).toEqual(['sqlite', 'postgres']);
});

test('outside CI, TEST_DIALECTS may choose one dialect', () => {
  expect(dialectsToTest({ TEST_DIALECTS: 'sqlite' })).toEqual(['sqlite']);
  expect(dialectsToTest({ TEST_DIALECTS: 'postgres' })).toEqual(['postgres']);
});

test('with CI=true, a TEST_DIALECTS without PostgreSQL is refused with a clear message', () => {
  expect(() => dialectsToTest({ CI: 'true', TEST_DIALECTS: 'sqlite' })).toThrow(/CI=true: the PostgreSQL test run is required/);
  expect(dialectsToTest({ CI: 'true', TEST_DIALECTS: 'sqlite,postgres' })).toEqual(['sqlite', 'postgres']);
});

test('a name that is not a dialect is refused, not quietly skipped', () => {
  expect(() => dialectsToTest({ TEST_DIALECTS: 'sqlite,postgresql' })).toThrow(/not a dialect: postgresql/);
  expect(() => dialectsToTest({ TEST_DIALECTS: '' })).toThrow(/not a dialect/);
});
