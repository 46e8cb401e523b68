import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineConfig } from 'vitest/config';

/** A fixed key-encryption key for tests only; real deployments set their own secret. */
const TEST_KEY_ENCRYPTION_KEY = 'dGVzdC1rZXktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM=';

/** Gateway routes of the tests; every fetch of the Worker reaches test/helpers/upstream-worker.mjs. */
const TEST_GATEWAY_ROUTES = [
  { prefix: '/api', origin: 'https://origin.test', audience: 'api1', scopes: ['api1'] },
  { prefix: '/api/admin', origin: 'https://origin.test/admin-base', audience: 'api1', scopes: ['api1', 'admin'] },
  { prefix: '/any', origin: 'https://origin.test', audience: ['api2', 'api1'], scopes: ['read', 'api1'], scopeMatch: 'any', realm: 'say "hi"' },
  { prefix: '/readonly', origin: 'https://origin.test', audience: 'api1', methods: ['GET'] },
  { prefix: '/fwd', origin: 'https://origin.test/base', audience: 'api1', forwardAuthorization: true, stripPrefix: true },
  { prefix: '/public', origin: 'https://origin.test', public: true },
  { prefix: '/foreign', origin: 'https://origin.test', audience: 'api1', scopes: ['api1'], issuers: ['https://a.idp.test'] },
  { prefix: '/both', origin: 'https://origin.test', audience: 'api1', issuers: ['self', 'https://b.idp.test'] },
  { prefix: '/rollover', origin: 'https://origin.test', audience: 'api1', issuers: ['https://rollover.idp.test'] },
  { prefix: '/flaky', origin: 'https://origin.test', audience: 'api1', issuers: ['https://flaky.idp.test'] },
  { prefix: '/dpop-only', origin: 'https://origin.test', audience: 'api1', scopes: ['api1'], dpop: 'required' },
  { prefix: '/dpop-global', origin: 'https://origin.test', audience: 'api1', scopes: ['api1'], dpopReplay: 'global' },
];

export default defineConfig({
  test: {
    // Many tests provoke the log lines of failures on purpose; print console output of failed tests only.
    silent: 'passed-only',
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
                GATEWAY_ROUTES: JSON.stringify(TEST_GATEWAY_ROUTES),
                GATEWAY_ROUTES_EXTRA: '',
              },
              outboundService: 'upstream',
              workers: [{ name: 'upstream', modules: true, scriptPath: './test/helpers/upstream-worker.mjs', compatibilityDate: '2026-04-01' }],
            },
          }),
        ],
        test: { name: 'workers', include: ['test/**/*.test.ts'], exclude: ['test/e2e/**', 'test/cli/**', 'test/imports.test.ts'] },
      },
      {
        // End-to-end and CLI tests, in Node, against the server started as the README starts it.
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/imports.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
