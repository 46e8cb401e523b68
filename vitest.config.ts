import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/** A fixed key-encryption key for tests only; real deployments set their own secret. */
const TEST_KEY_ENCRYPTION_KEY = 'dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=';

export default defineConfig({
  test: {
    projects: [
      {
        // Unit and integration tests, inside the Workers runtime against real KV bindings.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: './wrangler.toml' },
            miniflare: {
              bindings: {
                KEY_ENCRYPTION_KEY: TEST_KEY_ENCRYPTION_KEY,
                // Tests change KV between requests; the isolate cache has tests of its own.
                STORE_CACHE_SECONDS: '0',
              },
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/cli/**'] },
      },
      {
        // End-to-end and CLI tests, in Node, against the server started as the README starts it.
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/cli/**/*.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
