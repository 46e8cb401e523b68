import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, seedArticle } from '../helpers/fixtures';
import { captureLogs, expectCleanLogs, expectWellFormed, extraHeaders, method } from './hostile';

const logs = captureLogs();

beforeAll(async () => {
  await seedArticle('ES256');
});

afterAll(() => {
  logs.restore();
});

const PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server', '/.well-known/openid-configuration/jwks', '/healthz'];

describe('discovery, JWKS and /healthz under hostile input', () => {
  it('serve their documents or a well-formed error, whatever the method, path variant, query or headers', { timeout: 60_000 }, async () => {
    const suffix = fc.constantFrom('', '/', '//', '/x', '%2F', '.json', '/../jwks', '/%2e%2e', ';x', '%00');
    const query = fc.oneof(fc.constant(''), fc.string({ maxLength: 30 }).map((q) => `?${encodeURIComponent(q)}`), fc.constantFrom('?a=1&a=2', '?%zz', '?x=' + 'q'.repeat(3000)));
    await fc.assert(
      fc.asyncProperty(method, fc.constantFrom(...PATHS), suffix, query, extraHeaders, async (m, p, s, q, extra) => {
        const headers = new Headers();
        for (const [name, value] of extra) headers.append(name, value);
        const res = await call(`${p}${s}${q}`, { method: m, headers });
        const body = (await expectWellFormed(res, m)) as Record<string, unknown> | undefined;
        if (res.status === 200 && body) {
          if (p.endsWith('/jwks')) {
            expect(Array.isArray(body.keys)).toBe(true);
            for (const key of body.keys as Array<Record<string, unknown>>) for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(key).not.toHaveProperty(member);
          } else if (p === '/healthz') {
            expect(body).toEqual({ status: 'ok' });
          } else {
            expect(body.issuer).toBe('https://gatehouse.test');
          }
        }
      }),
      { numRuns: 250 },
    );
    expectCleanLogs(logs.lines);
  });
});
