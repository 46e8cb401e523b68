import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, ORIGIN } from '../helpers/fixtures';
import { callWith, issuedToken, seedWithKey, type Echo, type RingKey } from '../helpers/gateway';

let ring: RingKey;
let token: string;
let jwks: { keys: JWK[] };

beforeAll(async () => {
  ring = await seedWithKey();
  token = await issuedToken();
  jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: JWK[] };
});

describe('gateway: the origin assertion', () => {
  it('is signed by the current ring key, published in the JWKS, with the documented claims', async () => {
    const echo = (await (await callWith(token, '/api/weatherforecast?days=2', { method: 'POST', body: '{}' })).json()) as Echo;
    const assertion = echo.headers['gatehouse-assertion']!;
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256', kid: ring.stored.kid, typ: 'gatehouse-origin+jwt' });
    expect(jwks.keys.map((k) => k.kid)).toContain(ring.stored.kid);

    const { payload } = await jwtVerify(assertion, createLocalJWKSet(jwks), {
      issuer: ORIGIN,
      audience: 'https://origin.test',
      typ: 'gatehouse-origin+jwt',
      algorithms: ['RS256'],
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
  });

  it('is not an access token: the gateway itself refuses it as a bearer token', async () => {
    const echo = (await (await callWith(token, '/api/x')).json()) as Echo;
    const res = await callWith(echo.headers['gatehouse-assertion'], '/api/x');
    expect(res.status).toBe(401);
  });
});
