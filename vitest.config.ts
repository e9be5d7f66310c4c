import { defineConfig } from 'vitest/config';

// Integration tests share one Redis and one PostgreSQL; each test isolates itself with a random
// queue prefix / schema, so files may run in parallel. Timeouts are generous because CI machines
// have two cores; no test asserts on speed (`npm run bench` measures that).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Builds dist/ once when stale, for tests that run the real CLI as a child process.
    globalSetup: ['test/support/global-setup.ts'],
    reporters: process.env.CI ? ['default'] : ['default'],
  },
});
