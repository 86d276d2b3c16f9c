import { configDefaults, defineConfig } from 'vitest/config';
import OneBrowserAtATime from './test/sequencer.js';

// The browser tests drive Chromium against a whole Lantern: on a busy machine every step is slower, so they get a
// generous timeout of their own (each browser step has a shorter one, STEP_TIMEOUT in test/helpers/browser.ts,
// which names the step that hung). A slow but correct run must pass; a hung one still fails.
const BROWSER_TESTS = ['test/browser/**/*.test.ts', 'src/**/*.browser.test.ts'];

export default defineConfig({
  test: {
    globalSetup: ['test/global-setup.ts'],
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default', './test/summary-reporter.ts'],
    // At most one browser test file at a time, beside the other files (two Chromiums on two cores starve each
    // other), and the longest files first: see test/sequencer.ts.
    sequence: { sequencer: OneBrowserAtATime },
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'src/**/*.test.tsx', 'test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...BROWSER_TESTS],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'browser',
          include: BROWSER_TESTS,
          testTimeout: 600_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
