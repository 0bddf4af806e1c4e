import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000, // beforeAll hooks spawn real backtests (now also rendering report.html); a loaded machine needs more than 10 s
    pool: 'forks',
    // vitest runs one file at a time on 2 cores (its default is a worker less than the cores); most test time
    // is spent waiting on the command-line processes, servers and browsers a test starts, so a worker a core
    // cuts the wall time by a quarter to a third: the whole suite 404-441 s with 2 workers against 521-658 s with 1
    // on this 2-core VM.
    maxWorkers: availableParallelism(),
    globalSetup: ['test/build-dist.ts', 'test/temp-root.ts'],
  },
});
