import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import { ConfigError } from '../../src/config-error';
import { mergeRoutes, parseRouteList } from '../../src/gateway/routes';

const ok = { prefix: '/api', origin: 'https://api.internal', audience: 'api1' };

function problem(value: unknown, setting = 'GATEWAY_ROUTES'): string {
  try {
    parseRouteList(setting, value);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('no ConfigError');
}

describe('gateway routes: parsing GATEWAY_ROUTES', () => {
  it('fills the defaults of a minimal route', () => {
    expect(parseRouteList('GATEWAY_ROUTES', JSON.stringify([ok]))).toEqual([{
      prefix: '/api',
      origin: 'https://api.internal',
      audience: ['api1'],
      scopes: [],
      scopeMatch: 'all',
      methods: undefined,
      forwardAuthorization: false,
      issuers: ['self'],
      stripPrefix: false,
      pathParameters: false,
      assertionAudience: 'https://api.internal',
      public: false,
      realm: 'gatehouse',
      dpop: 'allowed',
      dpopReplay: 'isolate',
    }]);
  });

  it('takes the array wrangler passes for a TOML array as well as JSON text, and nothing as no routes', () => {
    expect(parseRouteList('GATEWAY_ROUTES', [ok])).toHaveLength(1);
    expect(parseRouteList('GATEWAY_ROUTES', undefined)).toEqual([]);
    expect(parseRouteList('GATEWAY_ROUTES', '')).toEqual([]);
  });

  it('normalises the origin, adds HEAD to GET, and keeps the route settings', () => {
    const [route] = parseRouteList('GATEWAY_ROUTES', [{
      ...ok, origin: 'https://api.internal:8443/v1/', methods: ['GET', 'POST'], scopes: 'api1', scopeMatch: 'any',
      issuers: ['self', 'https://idp.example.com/'], assertionAudience: 'urn:api', forwardAuthorization: true, stripPrefix: true, pathParameters: true, realm: 'r',
    }]);
    expect(route).toMatchObject({
      origin: 'https://api.internal:8443/v1', methods: ['GET', 'POST', 'HEAD'], scopes: ['api1'], scopeMatch: 'any',
      issuers: ['self', 'https://idp.example.com/'], assertionAudience: 'urn:api', forwardAuthorization: true, stripPrefix: true, pathParameters: true, realm: 'r',
    });
  });

  it.each([
    ['not json', 'GATEWAY_ROUTES must be a JSON array of routes; the text is not valid JSON'],
    [{}, 'GATEWAY_ROUTES must be a JSON array of routes'],
    [[ok, 'x'], 'GATEWAY_ROUTES[1] must be an object with at least prefix, origin and audience'],
    [[{ ...ok, prefix: 'api' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "api"'],
    [[{ ...ok, prefix: '/' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/"'],
    [[{ ...ok, prefix: '/api/' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/api/"'],
    [[{ ...ok, prefix: '/a%2fb' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/a%2fb"'],
    // A prefix has one spelling only: no path parameters, no sub-delimiter that %XX could also spell.
    [[{ ...ok, prefix: '/api;v=1' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/api;v=1"'],
    [[{ ...ok, prefix: '/api/;' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/api/;"'],
    [[{ ...ok, prefix: '/users/@me' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/users/@me"'],
    [[{ ...ok, prefix: '/a!b' }], 'GATEWAY_ROUTES[0].prefix must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got "/a!b"'],
    [[{ ...ok, pathParameters: 'yes' }], 'GATEWAY_ROUTES[0].pathParameters must be true or false; got "yes"'],
    [[{ ...ok, prefix: '/api/../x' }], 'GATEWAY_ROUTES[0].prefix must not contain "." or ".." segments'],
    [[{ ...ok, prefix: '/connect/x' }], 'GATEWAY_ROUTES[0].prefix must not start with /connect, which Gatehouse serves itself'],
    [[{ ...ok, prefix: '/.well-known' }], 'GATEWAY_ROUTES[0].prefix must not start with /.well-known, which Gatehouse serves itself'],
    [[ok, ok, { ...ok, origin: 'api.internal' }], 'GATEWAY_ROUTES[2].origin must be an absolute http(s) URL; got "api.internal"'],
    [[{ ...ok, origin: 'file:///etc' }], 'GATEWAY_ROUTES[0].origin must be an absolute http(s) URL; got "file:///etc"'],
    [[{ ...ok, origin: 'https://u:p@api.internal' }], 'GATEWAY_ROUTES[0].origin must not carry credentials'],
    [[{ ...ok, origin: 'https://api.internal/?a=1' }], 'GATEWAY_ROUTES[0].origin must not have a query or fragment; got "https://api.internal/?a=1"'],
    [[{ prefix: '/api', origin: 'https://api.internal' }], 'GATEWAY_ROUTES[0].audience must be a non-empty string or a non-empty list of them; got undefined'],
    [[{ ...ok, scopes: ['a b'] }], 'GATEWAY_ROUTES[0].scopes must be a scope name or a non-empty list of them; got ["a b"]'],
    [[{ ...ok, scopeMatch: 'some' }], 'GATEWAY_ROUTES[0].scopeMatch must be "all" or "any"; got "some"'],
    [[{ ...ok, methods: ['get'] }], 'GATEWAY_ROUTES[0].methods must be an upper-case HTTP method or a non-empty list of them; got ["get"]'],
    [[{ ...ok, forwardAuthorization: 'yes' }], 'GATEWAY_ROUTES[0].forwardAuthorization must be true or false; got "yes"'],
    [[{ ...ok, issuers: ['http://idp.example.com'] }], 'GATEWAY_ROUTES[0].issuers[0] must use https (http only for localhost); got "http://idp.example.com"'],
    [[{ ...ok, issuers: [] }], 'GATEWAY_ROUTES[0].issuers must be "self" or an issuer URL or a non-empty list of them; got []'],
    [[{ ...ok, dpop: 'always' }], 'GATEWAY_ROUTES[0].dpop must be "allowed" or "required"; got "always"'],
    [[{ ...ok, dpopReplay: 'everywhere' }], 'GATEWAY_ROUTES[0].dpopReplay must be "isolate" or "global"; got "everywhere"'],
    [[{ ...ok, public: true }], 'GATEWAY_ROUTES[0] is public, so it cannot have audience, scopes, issuers, forwardAuthorization, dpop or dpopReplay'],
    [[{ prefix: '/p', origin: 'https://a.internal', public: true, dpopReplay: 'global' }], 'GATEWAY_ROUTES[0] is public, so it cannot have audience, scopes, issuers, forwardAuthorization, dpop or dpopReplay'],
    [[{ ...ok, orign: 'x' }], 'GATEWAY_ROUTES[0].orign is not a route setting (known: prefix, origin, audience, scopes, scopeMatch, methods, forwardAuthorization, issuers, stripPrefix, pathParameters, assertionAudience, public, realm, dpop, dpopReplay)'],
    [[ok, { ...ok, origin: 'https://b.internal' }], 'GATEWAY_ROUTES[1].prefix repeats "/api" of GATEWAY_ROUTES[0]'],
  ])('refuses %j naming the bad entry', (value, message) => {
    expect(problem(value)).toBe(message);
  });

  it('reads every gateway setting', () => {
    expect(
      loadConfig({
        GATEHOUSE: undefined as never,
        GATEWAY_ROUTES: JSON.stringify([ok]),
        GATEWAY_ROUTES_EXTRA: JSON.stringify([{ ...ok, prefix: '/b' }]),
        GATEWAY_CLOCK_SKEW_SECONDS: '0',
        GATEWAY_TOKEN_TYPES: 'at+jwt, application/JWT',
        GATEWAY_JWKS_REFRESH_SECONDS: '5',
        GATEWAY_JWKS_MAX_AGE_SECONDS: '600',
        GATEWAY_JWKS_STALE_SECONDS: '7200',
        GATEWAY_FETCH_TIMEOUT_MS: '1500',
        GATEWAY_ASSERTION_LIFETIME_SECONDS: '30',
        GATEWAY_ORIGIN_TIMEOUT_MS: '2500',
        GATEWAY_TOKEN_CACHE_SIZE: '0',
      }).gateway,
    ).toEqual({
      routes: expect.objectContaining({ size: 2 }),
      clockSkewSeconds: 0,
      tokenTypes: ['at+jwt', 'JWT'],
      jwksRefreshMs: 5000,
      jwksMaxAgeMs: 600_000,
      jwksStaleMs: 7_200_000,
      fetchTimeoutMs: 1500,
      assertionLifetimeSeconds: 30,
      originTimeoutMs: 2500,
      tokenCacheSize: 0,
    });
  });

  it('names GATEWAY_ROUTES_EXTRA in its own errors, through loadConfig', () => {
    expect(() => loadConfig({ GATEHOUSE: undefined as never, GATEWAY_ROUTES_EXTRA: '[{"prefix":"/x"}]' })).toThrow(
      'GATEWAY_ROUTES_EXTRA[0].origin must be an absolute http(s) URL; got undefined',
    );
    expect(() => loadConfig({ GATEHOUSE: undefined as never, GATEWAY_CLOCK_SKEW_SECONDS: '-1' })).toThrow(
      'GATEWAY_CLOCK_SKEW_SECONDS must be a whole number from 0 to 600; got "-1"',
    );
    expect(() => loadConfig({ GATEHOUSE: undefined as never, GATEWAY_TOKEN_TYPES: 'at+jwt "x"' })).toThrow('GATEWAY_TOKEN_TYPES must list typ values');
    expect(() => loadConfig({ GATEHOUSE: undefined as never, GATEWAY_TOKEN_CACHE_SIZE: 'many' })).toThrow(
      'GATEWAY_TOKEN_CACHE_SIZE must be a whole number from 0 to 100000; got "many"',
    );
  });

  it('lets an extra route replace a base route with the same prefix', () => {
    const base = parseRouteList('GATEWAY_ROUTES', [ok, { ...ok, prefix: '/b' }]);
    const extra = parseRouteList('GATEWAY_ROUTES_EXTRA', [{ ...ok, origin: 'http://127.0.0.1:9000' }]);
    expect(mergeRoutes(base, extra).map((r) => `${r.prefix} ${r.origin}`)).toEqual(['/b https://api.internal', '/api http://127.0.0.1:9000']);
  });
});
