import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/config-error';
import { parseKeyRing } from '../../src/core/key-ring';
import { parseClient, parseResource, parseScope, RecordError } from '../../src/core/records';
import type { Bindings } from '../../src/env';
import { app } from '../../src/index';
import { clientRecord, ORIGIN, put, seedArticle, SECRET } from '../helpers/fixtures';
import { captureLogs } from './hostile';

const logs = captureLogs();

beforeAll(async () => {
  await seedArticle('ES256');
});

afterAll(() => {
  logs.restore();
});

/** Any JSON text, record-shaped or not, and text that is not JSON at all. */
const rawRecord = fc.oneof(
  fc.json({ maxDepth: 3 }),
  fc.dictionary(fc.constantFrom('clientId', 'name', 'enabled', 'secrets', 'allowedGrantTypes', 'allowedScopes', 'accessTokenLifetime', 'claims', 'claimsPrefix', 'scopes', 'keys'), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o)),
  fc.string({ maxLength: 30 }),
);

function tokenRequest(bindings: Bindings = env): Promise<Response> {
  return app.fetch(
    new Request(`${ORIGIN}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `grant_type=client_credentials&client_id=client&client_secret=${SECRET}`,
    }),
    bindings,
  ) as Promise<Response>;
}

describe('bad KV records', () => {
  it('are refused with a RecordError naming the key, or parsed into a valid record; never anything else', () => {
    const parsers = { 'client:x': parseClient, 'scope:x': parseScope, 'resource:x': parseResource, keys: parseKeyRing };
    fc.assert(
      fc.property(fc.constantFrom(...(Object.keys(parsers) as Array<keyof typeof parsers>)), rawRecord, (key, raw) => {
        try {
          parsers[key](key, raw);
        } catch (error) {
          expect(error).toBeInstanceOf(RecordError);
          expect((error as RecordError).key).toBe(key);
          expect((error as Error).message).toMatch(new RegExp(`^KV record "${key}" is invalid: .+`));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('in place of the client make the token endpoint answer a clear 500 and log the key, never crash', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(rawRecord, async (raw) => {
        let valid = true;
        try {
          const client = parseClient('client:client', raw);
          valid = client.clientId === 'client';
        } catch {
          valid = false;
        }
        fc.pre(!valid);
        await put('client:client', raw);
        const before = logs.lines.length;
        const res = await tokenRequest();
        expect(res.status).toBe(500);
        expect(res.headers.get('Cache-Control')).toBe('no-store');
        expect(await res.json()).toEqual({ error: 'server_error', error_description: 'a stored configuration record is invalid; the operator has been told' });
        const logged = logs.lines.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>);
        expect(logged).toContainEqual(expect.objectContaining({ event: 'store_record_invalid', key: 'client:client' }));
      }),
      { numRuns: 60 },
    );
    await put('client:client', clientRecord());
    expect((await tokenRequest()).status).toBe(200);
  });
});

describe('bad settings', () => {
  const SETTINGS = [
    'ISSUER', 'TOKEN_SIGNING_ALG', 'SCOPE_CLAIM_FORMAT', 'STORE_CACHE_SECONDS', 'LOG_LEVEL', 'GATEWAY_ROUTES', 'GATEWAY_CLOCK_SKEW_SECONDS',
    'GATEWAY_TOKEN_TYPES', 'GATEWAY_FETCH_TIMEOUT_MS', 'GATEWAY_JWKS_STALE_SECONDS', 'GATEWAY_ORIGIN_TIMEOUT_MS', 'KEY_ROTATION_INTERVAL', 'AUTH_FAILURE_LIMIT', 'AUTH_FAILURE_WINDOW',
  ] as const;
  const value = fc.oneof(
    fc.string({ maxLength: 20 }),
    fc.constantFrom('-1', '1e3', 'none', 'HS256', 'http://example.com', '[{"prefix":"/"}]', '[{"prefix":"/x","origin":"ftp://a"}]', '{}', '0', '99999999'),
  );

  it('are refused by a ConfigError that names the setting, and the Worker answers 500 saying so', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...SETTINGS), value, async (setting, v) => {
        const bindings = { ...env, [setting]: v } as Bindings;
        let problem: string | undefined;
        let failing: string | undefined;
        try {
          loadConfig(bindings);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
          problem = (error as Error).message;
          expect(problem.startsWith(setting)).toBe(true);
          failing = (error as ConfigError).setting;
        }
        fc.pre(problem !== undefined);
        const res = await tokenRequest(bindings);
        expect(res.status).toBe(500);
        expect(res.headers.get('Cache-Control')).toBe('no-store');
        // The caller learns which setting, never its value (it may be a secret or an internal address).
        expect(await res.json()).toEqual({ error: 'server_error', error_description: `Gatehouse is misconfigured: the setting ${failing} is invalid` });
      }),
      { numRuns: 150 },
    );
  });
});
