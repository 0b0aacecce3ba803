import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // A throwaway PostgreSQL for the whole run (or KILN_TEST_POSTGRES_URL to use an existing server),
    // then a Trino (or KILN_TEST_TRINO_URL) whose iceberg catalog keeps its table list in that PostgreSQL.
    // (tests/setup/tmpdir.ts first: every temporary folder of the run under one, removed last.)
    globalSetup: ['tests/setup/tmpdir.ts', 'tests/setup/postgres.ts', 'tests/setup/trino.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
