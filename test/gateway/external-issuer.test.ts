import { decodeJwt, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../src/index';
import {
  callWith, claims, envWith, foreignKey, issuedToken, issuerControl, newProbe, originSaw, seedWithKey, sign, type Echo,
} from '../helpers/gateway';

type Key = { privateKey: CryptoKey; jwk: JWK };

/** An access token of the issuer at `host` (a `*.idp.test` name), as IdentityServer 4 shapes it. */
function foreignToken(host: string, key: Key, overrides: Record<string, unknown> = {}, typ = 'at+jwt'): Promise<string> {
  return sign(claims({ iss: `https://${host}`, sub: undefined, scope: ['api1'], ...overrides }), key.privateKey, { alg: key.jwk.alg!, kid: key.jwk.kid!, typ });
}

async function challengeOf(res: Response): Promise<string | null> {
  await res.body?.cancel();
  return res.headers.get('WWW-Authenticate');
}

beforeAll(async () => {
  await seedWithKey();
});

describe('gateway: tokens of another trusted issuer, by discovery and JWKS', () => {
  let a1: Key;
  beforeAll(async () => {
    a1 = await foreignKey('a1');
    await issuerControl('a.idp.test', { jwks: { keys: [a1.jwk] } });
  });

  it('verifies an IdentityServer-shaped token (scope array, no sub) and fetches discovery and JWKS once', async () => {
    const res = await callWith(await foreignToken('a.idp.test', a1), '/foreign/weatherforecast');
    expect(res.status).toBe(200);
    const echo = (await res.json()) as Echo;
    expect(echo.headers['x-gatehouse-client-id']).toBe('client');
    // The same client id may exist at another issuer: the origin is told which one vouches for it.
    expect(echo.headers['x-gatehouse-issuer']).toBe('https://a.idp.test');
    expect(echo.headers['x-gatehouse-scope']).toBe('api1');
    const assertion = decodeJwt(echo.headers['gatehouse-assertion']!);
    expect(assertion).toMatchObject({ iss: 'https://gatehouse.test', sub: 'client', token_iss: 'https://a.idp.test' });

    for (let i = 0; i < 5; i++) expect((await callWith(await foreignToken('a.idp.test', a1), '/foreign/x')).status).toBe(200);
    expect(await issuerControl('a.idp.test')).toMatchObject({ discoveryHits: 1, jwksHits: 1 });
  });

  it("refuses this Gatehouse's own token on a route that trusts only the other issuer, and the reverse", async () => {
    const own = await issuedToken();
    expect(await challengeOf(await callWith(own, '/foreign/x'))).toBe(
      'Bearer realm="gatehouse", error="invalid_token", error_description="the token is not from an issuer this route trusts", '
        + 'resource_metadata="https://gatehouse.test/.well-known/oauth-protected-resource/foreign"',
    );
    expect((await callWith(await foreignToken('a.idp.test', a1), '/api/x')).status).toBe(401);
  });

  it('accepts both on a route that trusts both', async () => {
    const b1 = await foreignKey('b1', 'ES256');
    await issuerControl('b.idp.test', { jwks: { keys: [b1.jwk] } });
    expect((await callWith(await issuedToken(), '/both/x')).status).toBe(200);
    expect((await callWith(await foreignToken('b.idp.test', b1), '/both/x')).status).toBe(200);
  });

  it('applies every check to foreign tokens: audience, expiry, typ, HMAC with the public key, a forged signature', async () => {
    const probe = newProbe();
    const t = Math.floor(Date.now() / 1000);
    const bad = [
      [await foreignToken('a.idp.test', a1, { aud: 'api2' }), 'the token is not for this audience'],
      [await foreignToken('a.idp.test', a1, { exp: t - 120 }), 'the token has expired'],
      [await foreignToken('a.idp.test', a1, {}, 'JWT'), 'the token is not an access token (typ)'],
      [await foreignToken('a.idp.test', a1, { client_id: undefined }), 'the token\'s "client_id" claim is invalid'],
      [await sign(claims({ iss: 'https://a.idp.test' }), new TextEncoder().encode(JSON.stringify(a1.jwk)), { alg: 'HS256', kid: 'a1' }), 'the token uses an algorithm that is not allowed'],
      [await foreignToken('a.idp.test', { ...(await foreignKey('a1')), jwk: a1.jwk }), 'the token signature is invalid'],
    ] as const;
    for (const [token, description] of bad) {
      const res = await callWith(token, `/foreign/x?probe=${probe}`);
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_token', error_description: description });
    }
    expect(await originSaw(probe)).toBe(false);
  });

  it('compares issuers exactly, keeping a trailing slash (RFC 8414 §3.3)', async () => {
    const s1 = await foreignKey('s1');
    await issuerControl('slash.idp.test', { jwks: { keys: [s1.jwk] } });
    const slash = envWith({
      GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/slash', origin: 'https://origin.test', audience: 'api1', issuers: ['https://slash.idp.test/'] }]),
    });
    const call = async (iss: string) => {
      const token = await sign(claims({ iss }), s1.privateKey, { alg: 'RS256', kid: 's1' });
      return (await app.fetch(new Request('https://gatehouse.test/slash/x', { headers: { Authorization: `Bearer ${token}` } }), slash)).status;
    };
    expect(await call('https://slash.idp.test/')).toBe(200);
    expect(await call('https://slash.idp.test')).toBe(401);
  });

  it('accepts typ JWT from older issuers when GATEWAY_TOKEN_TYPES allows it', async () => {
    const lenient = envWith({ GATEWAY_TOKEN_TYPES: 'at+jwt,JWT' });
    const token = await foreignToken('a.idp.test', a1, {}, 'JWT');
    const res = await app.fetch(new Request('https://gatehouse.test/foreign/x', { headers: { Authorization: `Bearer ${token}` } }), lenient);
    expect(res.status).toBe(200);
  });
});

describe('gateway: key rollover at the other issuer', () => {
  it('refetches the JWKS once on an unknown kid, then not again within GATEWAY_JWKS_REFRESH_SECONDS', async () => {
    // A configuration of its own, with refetches at most once a second.
    const env1s = envWith({ GATEWAY_JWKS_REFRESH_SECONDS: '1' });
    const callWith = async (token: string, path: string) =>
      app.fetch(new Request(`https://gatehouse.test${path}`, { headers: { Authorization: `Bearer ${token}` } }), env1s);
    const k1 = await foreignKey('k1');
    const k2 = await foreignKey('k2', 'PS256');
    const k3 = await foreignKey('k3');
    await issuerControl('rollover.idp.test', { jwks: { keys: [k1.jwk] } });
    expect((await callWith(await foreignToken('rollover.idp.test', k1), '/rollover/x')).status).toBe(200);
    expect(await issuerControl('rollover.idp.test')).toMatchObject({ jwksHits: 1 });

    // The issuer rolls over to k2: the first token signed with it triggers exactly one refetch.
    await new Promise((r) => setTimeout(r, 1100));
    await issuerControl('rollover.idp.test', { jwks: { keys: [k1.jwk, k2.jwk] } });
    const results = await Promise.all([1, 2, 3].map(async () => (await callWith(await foreignToken('rollover.idp.test', k2), '/rollover/x')).status));
    expect(results).toEqual([200, 200, 200]);
    expect(await issuerControl('rollover.idp.test')).toMatchObject({ jwksHits: 2 });

    // A kid the issuer has not published: refused, and no fetch until the interval has passed.
    for (let i = 0; i < 3; i++) {
      const res = await callWith(await foreignToken('rollover.idp.test', k3), '/rollover/x');
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the token is signed by an unknown key' });
    }
    expect(await issuerControl('rollover.idp.test')).toMatchObject({ discoveryHits: 2, jwksHits: 2 });
    expect((await callWith(await foreignToken('rollover.idp.test', k1), '/rollover/x')).status).toBe(200);
  });
});

describe('gateway: the other issuer unreachable', () => {
  it('keeps verifying with the cached key when the JWKS endpoint is down, even past its max age', async () => {
    // A configuration of its own: keys older than 0 s are refetched, at most once a second.
    const eager = envWith({ GATEWAY_JWKS_MAX_AGE_SECONDS: '0', GATEWAY_JWKS_REFRESH_SECONDS: '1' });
    const call = async (token: string) =>
      (await app.fetch(new Request('https://gatehouse.test/flaky/x', { headers: { Authorization: `Bearer ${token}` } }), eager)).status;
    const f1 = await foreignKey('f1');
    await issuerControl('flaky.idp.test', { jwks: { keys: [f1.jwk] }, down: false });
    expect(await call(await foreignToken('flaky.idp.test', f1))).toBe(200);

    await issuerControl('flaky.idp.test', { down: true });
    await new Promise((r) => setTimeout(r, 1100));
    // The refetch is tried and fails; the cached key still serves, and the next try waits its interval.
    expect(await call(await foreignToken('flaky.idp.test', f1))).toBe(200);
    expect(await call(await foreignToken('flaky.idp.test', f1))).toBe(200);
    expect(await issuerControl('flaky.idp.test')).toMatchObject({ discoveryHits: 2, jwksHits: 1 });
    await issuerControl('flaky.idp.test', { down: false });
  });

  it('answers 503 with Retry-After when an issuer has never been reachable, and never calls the origin', async () => {
    const gone = envWith({
      GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/gone', origin: 'https://origin.test', audience: 'api1', issuers: ['https://gone.idp.test'] }]),
    });
    await issuerControl('gone.idp.test', { down: true });
    const g1 = await foreignKey('g1');
    const probe = newProbe();
    const res = await app.fetch(
      new Request(`https://gatehouse.test/gone/x?probe=${probe}`, { headers: { Authorization: `Bearer ${await foreignToken('gone.idp.test', g1)}` } }),
      gone,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('60');
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: "the token issuer's signing keys cannot be fetched; try again shortly",
    });
    expect(await originSaw(probe)).toBe(false);
  });

  it('answers 503 within GATEWAY_FETCH_TIMEOUT_MS per document when the issuer is slow, and never calls the origin', async () => {
    const slow = envWith({
      GATEWAY_FETCH_TIMEOUT_MS: '200',
      GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/slow', origin: 'https://origin.test', audience: 'api1', issuers: ['https://slow.idp.test'] }]),
    });
    await issuerControl('slow.idp.test', { delayMs: 5000 });
    const s1 = await foreignKey('s1');
    const probe = newProbe();
    const started = Date.now();
    const res = await app.fetch(
      new Request(`https://gatehouse.test/slow/x?probe=${probe}`, { headers: { Authorization: `Bearer ${await foreignToken('slow.idp.test', s1)}` } }),
      slow,
    );
    const waited = Date.now() - started;
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: "the token issuer's signing keys cannot be fetched; try again shortly",
    });
    // The discovery fetch is given up after 200 ms; the JWKS is never asked for.
    expect(waited).toBeGreaterThanOrEqual(190);
    expect(waited).toBeLessThan(2000);
    expect(await originSaw(probe)).toBe(false);
    await issuerControl('slow.idp.test', { delayMs: 0 });
  });
});

describe('gateway: an issuer serving an oversized JWKS', () => {
  it('refuses a JWKS over 64 KiB: its tokens get 503, and the origin is never called', async () => {
    const big = envWith({
      GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/big', origin: 'https://origin.test', audience: 'api1', issuers: ['https://big.idp.test'] }]),
    });
    const b1 = await foreignKey('b1');
    // 200 more RSA keys: about 83 KiB.
    const padding = Array.from({ length: 200 }, (_, i) => ({ ...b1.jwk, kid: `pad-${i}` }));
    await issuerControl('big.idp.test', { jwks: { keys: [b1.jwk, ...padding] } });
    const probe = newProbe();
    const res = await app.fetch(
      new Request(`https://gatehouse.test/big/x?probe=${probe}`, { headers: { Authorization: `Bearer ${await foreignToken('big.idp.test', b1)}` } }),
      big,
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('Retry-After')).toBe('60');
    expect(await originSaw(probe)).toBe(false);
    expect(await issuerControl('big.idp.test')).toMatchObject({ discoveryHits: 1, jwksHits: 1 });
  });
});
