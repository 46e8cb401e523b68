import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config-error';
import { parseRoute } from '../../src/gateway/routes';
import { app } from '../../src/index';
import { expectError } from '../helpers/admin';
import { call, ORIGIN, seedArticle } from '../helpers/fixtures';
import { envWith } from '../helpers/gateway';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

beforeAll(async () => {
  await seedArticle();
});

/** Fetches a route's metadata and checks what every answer carries: 200, JSON, cacheable. */
async function metadata(path: string, bindings?: Parameters<typeof envWith>[0]): Promise<Record<string, unknown>> {
  const request = new Request(`${ORIGIN}${path}`);
  const res = bindings ? await app.fetch(request, envWith(bindings)) : await call(path);
  expect(res.status).toBe(200);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
  return (await res.json()) as Record<string, unknown>;
}

describe('GET /.well-known/oauth-protected-resource{prefix} (RFC 9728 §3)', () => {
  it("describes a route: its URL, this Gatehouse as the authorization server, its scopes, and the header method", async () => {
    expect(await metadata(`${WELL_KNOWN}/api`)).toEqual({
      resource: `${ORIGIN}/api`,
      authorization_servers: [ORIGIN],
      scopes_supported: ['api1'],
      bearer_methods_supported: ['header'],
    });
  });

  it('says when a route requires DPoP-bound tokens (RFC 9728 §2), and only then', async () => {
    expect(await metadata(`${WELL_KNOWN}/dpop-only`)).toEqual({
      resource: `${ORIGIN}/dpop-only`,
      authorization_servers: [ORIGIN],
      scopes_supported: ['api1'],
      bearer_methods_supported: ['header'],
      dpop_bound_access_tokens_required: true,
    });
  });

  it('serves a route nested under another as its own resource', async () => {
    expect(await metadata(`${WELL_KNOWN}/api/admin`)).toEqual({
      resource: `${ORIGIN}/api/admin`,
      authorization_servers: [ORIGIN],
      scopes_supported: ['api1', 'admin'],
      bearer_methods_supported: ['header'],
    });
  });

  it("lists the route's other trusted issuers, and no scopes for a route that requires none", async () => {
    expect(await metadata(`${WELL_KNOWN}/foreign`)).toMatchObject({ authorization_servers: ['https://a.idp.test'], scopes_supported: ['api1'] });
    expect(await metadata(`${WELL_KNOWN}/both`)).toEqual({
      resource: `${ORIGIN}/both`,
      authorization_servers: [ORIGIN, 'https://b.idp.test'],
      scopes_supported: [],
      bearer_methods_supported: ['header'],
    });
  });

  it('names this Gatehouse by its configured ISSUER, while the resource stays at the origin asked', async () => {
    expect(await metadata(`${WELL_KNOWN}/api`, { ISSUER: 'https://id.example.com' })).toMatchObject({
      resource: `${ORIGIN}/api`,
      authorization_servers: ['https://id.example.com'],
    });
  });

  it('answers HEAD with the headers and no body', async () => {
    const res = await call(`${WELL_KNOWN}/api`, { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    expect(await res.text()).toBe('');
  });

  it('answers 405 with Allow to other methods', async () => {
    const res = await call(`${WELL_KNOWN}/api`, { method: 'POST' });
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts GET, HEAD only');
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
  });

  it('answers 404 for a public route, an unknown prefix, a path under a prefix, and another spelling', async () => {
    for (const path of ['/public', '/nothing', '/api/x', '/api/', '/API', '/%61pi', '', '/']) {
      await expectError(await call(`${WELL_KNOWN}${path}`), 404, 'not_found', 'no such endpoint');
    }
  });
});

describe('RFC 9728 §5.1: the challenge leads to the metadata', () => {
  it("carries resource_metadata in the bare challenge, and that URL describes the route", async () => {
    const res = await call('/api/weatherforecast');
    expect(res.status).toBe(401);
    const challenge = res.headers.get('WWW-Authenticate')!;
    expect(challenge).toBe(`Bearer realm="gatehouse", resource_metadata="${ORIGIN}${WELL_KNOWN}/api", DPoP algs="ES256 EdDSA RS256 PS256", resource_metadata="${ORIGIN}${WELL_KNOWN}/api"`);
    const url = /resource_metadata="([^"]+)"/.exec(challenge)![1]!;
    const described = await metadata(new URL(url).pathname);
    // The resource is the route's prefix, which the requested URL starts with.
    expect(`${ORIGIN}/api/weatherforecast`.startsWith(`${described.resource}/`)).toBe(true);
  });

  it('points at the metadata of the route that matched, on the origin asked', async () => {
    const res = await app.fetch(new Request('https://gw.example/api/admin/users'), envWith({}));
    const metadata = `https://gw.example${WELL_KNOWN}/api/admin`;
    expect(res.headers.get('WWW-Authenticate')).toBe(`Bearer realm="gatehouse", resource_metadata="${metadata}", DPoP algs="ES256 EdDSA RS256 PS256", resource_metadata="${metadata}"`);
  });

  it('cannot be shadowed: no route may start with /.well-known', () => {
    expect(() => parseRoute('r', { prefix: '/.well-known/oauth-protected-resource', origin: 'https://o.test', audience: 'a' })).toThrow(ConfigError);
  });
});
