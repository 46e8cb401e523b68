import { createLocalJWKSet, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { AssertionRejected, createAssertionVerifier } from '../../src/origin/verify-assertion';
import { call, ORIGIN } from '../helpers/fixtures';
import { callWith, issuedToken, seedWithKey, type Echo, type RingKey } from '../helpers/gateway';

let ring: RingKey;
let token: string;
let verify: ReturnType<typeof createAssertionVerifier>;

beforeAll(async () => {
  ring = await seedWithKey();
  token = await issuedToken();
  const jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: JWK[] };
  verify = createAssertionVerifier({ issuer: ORIGIN, audience: 'https://origin.test', keys: createLocalJWKSet(jwks) });
});

/** What the echo origin received for a call through the gateway, as a Fetch Request. */
async function received(path: string, init: RequestInit = {}): Promise<Request> {
  const echo = (await (await callWith(token, path, init)).json()) as Echo;
  return new Request(echo.url, { method: echo.method, headers: echo.headers, body: echo.body });
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(AssertionRejected);
  return { code: (error as AssertionRejected).code, message: (error as AssertionRejected).message };
}

describe('origin: verifying the gateway assertion', () => {
  it('returns the caller for a request that came through the gateway', async () => {
    const caller = await verify(await received('/api/weatherforecast?days=1'));
    expect(caller).toMatchObject({ clientId: 'client', subject: 'client', scopes: ['api1'], tokenIssuer: ORIGIN });
    expect(caller.tokenJti).toMatch(/^[\w-]{22}$/);
  });

  it("accepts Node's IncomingMessage shape: a path for url, headers as a lower-case record", async () => {
    const request = await received('/api/weatherforecast');
    const caller = await verify({ method: 'GET', url: '/api/weatherforecast?x=1', headers: Object.fromEntries(request.headers) });
    expect(caller.clientId).toBe('client');
  });

  it('rejects a request without the header', async () => {
    expect(await rejection(verify(new Request('https://origin.test/api/x')))).toEqual({ code: 'missing', message: 'the request carries no Gatehouse-Assertion header' });
  });

  it('rejects an assertion replayed on another path or with another method', async () => {
    const request = await received('/api/weatherforecast');
    const assertion = request.headers.get('gatehouse-assertion')!;
    expect(await rejection(verify(new Request('https://origin.test/api/admin', { headers: { 'Gatehouse-Assertion': assertion } })))).toEqual({
      code: 'wrong_request', message: 'the assertion was issued for another path',
    });
    expect(await rejection(verify(new Request('https://origin.test/api/weatherforecast', { method: 'DELETE', headers: { 'Gatehouse-Assertion': assertion } })))).toEqual({
      code: 'wrong_request', message: 'the assertion was issued for another method',
    });
  });

  it('rejects an assertion for another origin', async () => {
    const request = await received('/api/x');
    const other = createAssertionVerifier({ issuer: ORIGIN, audience: 'https://other.test', keys: createLocalJWKSet((await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: JWK[] }) });
    expect((await rejection(other(request))).code).toBe('wrong_audience');
  });

  it('rejects an expired assertion, a forged one, and an access token in its place', async () => {
    const now = Math.floor(Date.now() / 1000);
    const claims = { client_id: 'client', scope: 'api1', htm: 'GET', htu: 'https://origin.test/api/x' };
    const expired = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: ring.stored.kid, typ: 'gatehouse-origin+jwt' })
      .setIssuer(ORIGIN).setAudience('https://origin.test').setIssuedAt(now - 200).setExpirationTime(now - 100)
      .sign(ring.privateKey);
    const at = (a: string) => new Request('https://origin.test/api/x', { headers: { 'Gatehouse-Assertion': a } });
    expect((await rejection(verify(at(expired)))).code).toBe('expired');

    const { privateKey } = await crypto.subtle.generateKey({ name: 'RSASSA-PKCS1-v1_5', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' }, true, ['sign', 'verify']) as CryptoKeyPair;
    const forged = await new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: ring.stored.kid, typ: 'gatehouse-origin+jwt' })
      .setIssuer(ORIGIN).setAudience('https://origin.test').setIssuedAt(now).setExpirationTime(now + 60)
      .sign(privateKey);
    expect((await rejection(verify(at(forged)))).code).toBe('invalid');
    expect((await rejection(verify(at(token)))).code).toBe('invalid');
  });
});
