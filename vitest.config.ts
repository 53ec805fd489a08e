import { defineConfig } from 'vitest/config';

/**
 * Two projects:
 * - unit: pure code, no processes or network; files named `*.test.ts`.
 * - integration: real Postgres, real validators, WireGuard in namespaces; files named `*.int.test.ts`.
 */
const exclude = ['node_modules/**', '**/dist/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['**/*.test.ts'],
          exclude: [...exclude, '**/*.int.test.ts', '**/*.e2e.test.ts'],
          testTimeout: 10_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['**/*.int.test.ts', '**/*.e2e.test.ts'],
          exclude,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
