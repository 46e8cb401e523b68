import { createLocalJWKSet, SignJWT, type JWK, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AssertionRejected, createAssertionVerifier, memoryReplayCache, queryHash, type ReplayCache } from '../../src/origin/verify-assertion';
import { call, ORIGIN } from '../helpers/fixtures';
import { callWith, issuedToken, seedWithKey, type Echo, type RingKey } from '../helpers/gateway';

let ring: RingKey;
let token: string;
let jwks: { keys: JWK[] };
let verify: ReturnType<typeof createAssertionVerifier>;

beforeAll(async () => {
  ring = await seedWithKey();
  token = await issuedToken();
  jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: JWK[] };
  verify = verifier();
});

/** A verifier of this test's Gatehouse, with a replay cache of its own unless one is given. */
function verifier(options: { issuer?: string; audience?: string; replayCache?: ReplayCache } = {}) {
  return createAssertionVerifier({ issuer: ORIGIN, audience: 'https://origin.test', keys: createLocalJWKSet(jwks), ...options });
}

/** What the echo origin received for a call through the gateway, as a Fetch Request. */
async function received(path: string, init: RequestInit = {}): Promise<Request> {
  const echo = (await (await callWith(token, path, init)).json()) as Echo;
  return new Request(echo.url, { method: echo.method, headers: echo.headers, body: echo.body });
}

/** The same assertion, presented with another URL or method. */
function replayedAt(request: Request, url: string, method = 'GET'): Request {
  return new Request(url, { method, headers: { 'Gatehouse-Assertion': request.headers.get('gatehouse-assertion')! } });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AssertionRejected);
  return { code: (error as AssertionRejected).code, message: (error as AssertionRejected).message };
}

/** Every claim the gateway sets, for a GET of https://origin.test/api/x, with overrides. */
async function assertionClaims(overrides: JWTPayload = {}): Promise<JWTPayload> {
  return {
    client_id: 'client', scope: 'api1', token_iss: ORIGIN, htm: 'GET', htu: 'https://origin.test/api/x',
    query_sha256: await queryHash(''), jti: crypto.randomUUID(), ...overrides,
  };
}

/** An assertion signed with the ring's key, issued `age` seconds ago, living 60 s. */
async function signedAssertion(claims: JWTPayload, { issuer = ORIGIN, age = 0, key = ring.privateKey } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - age;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: ring.stored.kid, typ: 'gatehouse-origin+jwt' })
    .setIssuer(issuer).setAudience('https://origin.test').setIssuedAt(now).setExpirationTime(now + 60)
    .sign(key);
}

const at = (assertion: string, path = '/api/x') => new Request(`https://origin.test${path}`, { headers: { 'Gatehouse-Assertion': assertion } });

describe('origin: verifying the gateway assertion', () => {
  it('returns the caller for a request that came through the gateway, naming its issuer', async () => {
    const caller = await verify(await received('/api/weatherforecast?days=1'));
    expect(caller).toMatchObject({ tokenIssuer: ORIGIN, clientId: 'client', subject: 'client', scopes: ['api1'] });
    expect(caller.tokenJti).toMatch(/^[\w-]{22}$/);
    // A bearer token binds nothing.
    expect(caller.confirmation).toBeUndefined();
  });

  it("exposes the token's binding, cnf jkt and x5t#S256, leaving out members nobody checked", async () => {
    const cnf = { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2', jwk: { kty: 'EC' } };
    const caller = await verify(at(await signedAssertion(await assertionClaims({ cnf }))));
    expect(caller.confirmation).toEqual({ jkt: cnf.jkt, 'x5t#S256': cnf['x5t#S256'] });
    const unbound = await verify(at(await signedAssertion(await assertionClaims({ cnf: { jwk: { kty: 'EC' } } }))));
    expect(unbound.confirmation).toBeUndefined();
  });

  it("accepts Node's IncomingMessage shape: a path for url, headers as a lower-case record", async () => {
    const request = await received('/api/weatherforecast?x=1');
    const caller = await verify({ method: 'GET', url: '/api/weatherforecast?x=1', headers: Object.fromEntries(request.headers) });
    expect(caller.clientId).toBe('client');
  });

  it('rejects a request without the header', async () => {
    expect(await rejection(verify(new Request('https://origin.test/api/x')))).toEqual({ code: 'missing', message: 'the request carries no Gatehouse-Assertion header' });
  });

  it('rejects an assertion replayed on another path or with another method', async () => {
    const request = await received('/api/weatherforecast');
    expect(await rejection(verify(replayedAt(request, 'https://origin.test/api/admin')))).toEqual({
      code: 'wrong_request', message: 'the assertion was issued for another path',
    });
    expect(await rejection(verify(replayedAt(request, 'https://origin.test/api/weatherforecast', 'DELETE')))).toEqual({
      code: 'wrong_request', message: 'the assertion was issued for another method',
    });
  });

  it('rejects an assertion presented with another query, with a query added, or with its query removed', async () => {
    const withQuery = await received('/api/items?id=1');
    const another = { code: 'wrong_request', message: 'the assertion was issued for another query' };
    expect(await rejection(verify(replayedAt(withQuery, 'https://origin.test/api/items?id=2')))).toEqual(another);
    expect(await rejection(verify(replayedAt(withQuery, 'https://origin.test/api/items?id=1&admin=1')))).toEqual(another);
    expect(await rejection(verify(replayedAt(withQuery, 'https://origin.test/api/items')))).toEqual(another);
    const withoutQuery = await received('/api/items');
    expect(await rejection(verify(replayedAt(withoutQuery, 'https://origin.test/api/items?id=1')))).toEqual(another);
    // The request as forwarded is accepted, once the refused attempts are over.
    expect((await verify(withQuery)).clientId).toBe('client');
  });

  it('accepts an assertion once: the same request again is a replay', async () => {
    const request = await received('/api/x?a=1');
    expect((await verify(request)).clientId).toBe('client');
    expect(await rejection(verify(request))).toEqual({ code: 'replayed', message: 'the assertion has been used before' });
  });

  it('shares what it has seen through a replay cache given to several verifiers (several processes of one origin)', async () => {
    const shared = memoryReplayCache();
    const request = await received('/api/x');
    expect((await verifier({ replayCache: shared })(request)).clientId).toBe('client');
    expect((await rejection(verifier({ replayCache: shared })(request))).code).toBe('replayed');
    // A verifier with a cache of its own does not know the assertion was used.
    expect((await verifier()(request)).clientId).toBe('client');
  });

  it('rejects an assertion for another origin', async () => {
    const request = await received('/api/x');
    expect((await rejection(verifier({ audience: 'https://other.test' })(request))).code).toBe('wrong_audience');
  });

  it('rejects an assertion of another issuer, even one signed with a key it trusts', async () => {
    const request = await received('/api/x');
    expect((await rejection(verifier({ issuer: 'https://other-gatehouse.test' })(request))).code).toBe('invalid');
    const otherIssuer = await signedAssertion(await assertionClaims(), { issuer: 'https://other-gatehouse.test' });
    expect((await rejection(verify(at(otherIssuer)))).code).toBe('invalid');
  });

  it('rejects an assertion without the claims that bind it: jti, query hash, token issuer', async () => {
    for (const missing of ['jti', 'query_sha256', 'token_iss']) {
      const claims = await assertionClaims();
      delete claims[missing];
      expect((await rejection(verify(at(await signedAssertion(claims))))).code).toBe('invalid');
    }
    expect((await verify(at(await signedAssertion(await assertionClaims())))).clientId).toBe('client');
  });

  it('rejects an expired assertion, a forged one, and an access token in its place', async () => {
    expect((await rejection(verify(at(await signedAssertion(await assertionClaims(), { age: 200 }))))).code).toBe('expired');

    const { privateKey } = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
    expect((await rejection(verify(at(await signedAssertion(await assertionClaims(), { key: privateKey }))))).code).toBe('invalid');
    expect((await rejection(verify(at(token)))).code).toBe('invalid');
  });
});

describe('origin: the in-memory replay cache', () => {
  it('remembers a jti until the time given, then forgets it', async () => {
    const cache = memoryReplayCache();
    const soon = Date.now() + 100;
    expect(cache.firstUse('a', soon)).toBe(true);
    expect(cache.firstUse('a', soon)).toBe(false);
    await new Promise((r) => setTimeout(r, 150));
    // By then the verifier refuses the assertion as expired; the cache no longer needs the entry.
    expect(cache.firstUse('a', Date.now() + 60_000)).toBe(true);
  });

  it('holds at most maxEntries; once one is dropped, every assertion expiring no later than it is refused', () => {
    const cache = memoryReplayCache(2);
    const t = Date.now();
    expect(cache.firstUse('a', t + 10_000)).toBe(true);
    expect(cache.firstUse('b', t + 20_000)).toBe(true);
    expect(cache.firstUse('c', t + 30_000)).toBe(true); // drops a
    // A replay of a cannot be told apart any more: refused, as is anything expiring as early.
    expect(cache.firstUse('a', t + 10_000)).toBe(false);
    expect(cache.firstUse('z', t + 5_000)).toBe(false);
    // Current assertions are unaffected, and c is still known.
    expect(cache.firstUse('d', t + 60_000)).toBe(true);
    expect(cache.firstUse('c', t + 30_000)).toBe(false);
  });
});
