import { defineConfig } from 'vitest/config';

/**
 * The tests `npm run mutate` (StrykerJS, stryker.config.json) runs against each mutant of src/venue,
 * src/book, src/ledger, src/analytics and src/live/risk-guard.ts: the in-process unit tests of those
 * folders and of the event loop over them. The command-line tests run the compiled dist/ (which a mutant
 * of src/ does not reach), so they are left out; so is the global setup that builds dist/.
 */
export default defineConfig({
  test: {
    include: [
      'test/venue/**/*.test.ts',
      'test/book/**/*.test.ts',
      'test/ledger/**/*.test.ts',
      'test/analytics/**/*.test.ts',
      'test/live/risk-guard.test.ts',
      'test/sim/backtest.test.ts',
    ],
    testTimeout: 60_000,
  },
});
