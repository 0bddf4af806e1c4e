import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000, // beforeAll hooks spawn real backtests (now also rendering report.html); a loaded machine needs more than 10 s
    pool: 'forks',
    globalSetup: ['test/build-dist.ts', 'test/temp-root.ts'],
  },
});
