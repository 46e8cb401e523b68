import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, ORIGIN } from '../helpers/fixtures';
import { callWith, issuedToken, seedWithKey, type Echo, type RingKey } from '../helpers/gateway';
import { EMPTY_QUERY_HASH } from '../../src/gateway/origin-assertion';
import { queryHash } from '../../src/origin/verify-assertion';

/** base64url SHA-256 of a query string, computed here independently of the code under test. */
async function sha256(text: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)));
  return btoa(String.fromCharCode(...digest)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

let ring: RingKey;
let token: string;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  ring = await seedWithKey();
  token = await issuedToken();
  jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: JWK[] };
});

describe('gateway: the origin assertion', () => {
  it("is signed by the current RSA key's ES256 companion, published in the JWKS, with the documented claims", async () => {
    const echo = (await (await callWith(token, '/api/weatherforecast?days=2', { method: 'POST', body: '{}' })).json()) as Echo;
    const assertion = echo.headers['gatehouse-assertion']!;
    const companion = ring.stored.assertionKey!;
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'ES256', kid: companion.kid, typ: 'gatehouse-origin+jwt' });
    expect(jwks.keys.map((k) => k.kid)).toEqual([ring.stored.kid, companion.kid]);

    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks), {
      issuer: ORIGIN,
      audience: 'https://origin.test',
      typ: 'gatehouse-origin+jwt',
      algorithms: ['ES256'],
    });
    const accessToken = decodeJwt(token);
    expect(payload).toEqual({
      iss: ORIGIN,
      aud: 'https://origin.test',
      sub: 'client',
      client_id: 'client',
      scope: 'api1',
      token_iss: ORIGIN,
      token_jti: accessToken.jti,
      htm: 'POST',
      htu: 'https://origin.test/api/weatherforecast',
      query_sha256: await sha256('days=2'),
      jti: expect.stringMatching(/^[\w-]{22}$/),
      iat: expect.any(Number),
      exp: payload.iat! + 60,
    });
  });

  it('uses the route assertionAudience and the forwarded URL of a route with an origin base path', async () => {
    const echo = (await (await callWith(token, '/fwd/a/b?q=1')).json()) as Echo;
    const payload = decodeJwt(echo.headers['gatehouse-assertion']!);
    expect(payload.aud).toBe('https://origin.test');
    expect(payload.htu).toBe('https://origin.test/base/a/b');
    expect(payload.htm).toBe('GET');
    expect(payload.query_sha256).toBe(await sha256('q=1'));
  });

  it('binds an empty query as the hash of the empty string', async () => {
    const echo = (await (await callWith(token, '/api/x')).json()) as Echo;
    expect(decodeJwt(echo.headers['gatehouse-assertion']!).query_sha256).toBe('47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU');
  });

  it('is signed afresh for each request, with a jti of its own, even for identical requests', async () => {
    const [first, second] = await Promise.all([1, 2].map(async () => ((await (await callWith(token, '/api/same?x=1')).json()) as Echo).headers['gatehouse-assertion']!));
    expect(first).not.toBe(second);
    expect(decodeJwt(first!).jti).not.toBe(decodeJwt(second!).jti);
  });

  it("names the access token's issuer to the origin beside the client id", async () => {
    const echo = (await (await callWith(token, '/api/x')).json()) as Echo;
    expect(echo.headers['x-gatehouse-issuer']).toBe(ORIGIN);
    expect(echo.headers['x-gatehouse-client-id']).toBe('client');
    expect(decodeJwt(echo.headers['gatehouse-assertion']!).token_iss).toBe(ORIGIN);
  });

  it('is not an access token: the gateway itself refuses it as a bearer token', async () => {
    const echo = (await (await callWith(token, '/api/x')).json()) as Echo;
    const res = await callWith(echo.headers['gatehouse-assertion'], '/api/x');
    expect(res.status).toBe(401);
  });
});

describe('the query binding of a request without a query', () => {
  it('is the SHA-256 of the empty string, as the origin verifier computes it', async () => {
    expect(EMPTY_QUERY_HASH).toBe(await queryHash(''));
    expect(EMPTY_QUERY_HASH).toBe(await queryHash('?'));
  });
});
