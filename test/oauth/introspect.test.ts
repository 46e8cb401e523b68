import { env } from 'cloudflare:workers';
import { SignJWT, generateKeyPair } from 'jose';
import { servicesFor } from '../../src/services';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  basic,
  call,
  claimsOf,
  clientRecord,
  formPost,
  ORIGIN,
  put,
  SECRET,
  SECRET_HASH,
  seedArticle,
  seedResourceSecret,
  tokenRequest,
} from '../helpers/fixtures';

const API1 = { Authorization: basic('api1', SECRET) };

/** Signs arbitrary claims with the server's current key, for tokens the token endpoint never issues. */
async function serverSigned(claims: Record<string, unknown>, typ = 'at+jwt'): Promise<string> {
  const signer = await servicesFor(env).keyRing.signer();
  return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ }).sign(signer.key);
}

async function issue(clientId = 'client', scope = 'api1'): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials', scope }, { Authorization: basic(clientId, SECRET) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function introspect(token: string, headers: Record<string, string> = API1, extra: Record<string, string> = {}) {
  const res = await formPost('/connect/introspect', { token, ...extra }, headers);
  expect(res.status).toBe(200);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  return (await res.json()) as Record<string, unknown>;
}

async function expectError(res: Response, status: number, error: string, description: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(await res.json()).toEqual({ error, error_description: description });
}

beforeEach(async () => {
  await seedArticle();
  await seedResourceSecret();
  await put('scope:api2', { name: 'api2' });
  await put('resource:api2', { name: 'api2', scopes: ['api2'], secrets: [{ hash: SECRET_HASH }] });
  await put('client:other', clientRecord({ clientId: 'other', allowedScopes: ['api1', 'api2'] }));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /connect/introspect: active tokens (RFC 7662 §2.2)', () => {
  it('answers an API resource with active: true and the token claims', async () => {
    const token = await issue();
    const body = await introspect(token);
    expect(body).toEqual({ ...claimsOf(token), active: true });
    expect(body).toMatchObject({ iss: ORIGIN, sub: 'client', client_id: 'client', aud: 'api1', scope: 'api1' });
  });

  it('accepts the resource credentials in the body (client_secret_post)', async () => {
    const token = await issue();
    expect(await introspect(token, {}, { client_id: 'api1', client_secret: SECRET })).toMatchObject({ active: true });
  });

  it('answers a client about its own tokens only', async () => {
    const own = await issue('client');
    const others = await issue('other');
    const asClient = { Authorization: basic('client', SECRET) };
    expect(await introspect(own, asClient)).toMatchObject({ active: true, client_id: 'client' });
    expect(await introspect(others, asClient)).toEqual({ active: false });
  });

  it("shows an API resource only tokens whose aud names it (IdentityServer's rule)", async () => {
    const forApi2 = await issue('other', 'api2');
    expect(await introspect(forApi2)).toEqual({ active: false });
    expect(await introspect(forApi2, { Authorization: basic('api2', SECRET) })).toMatchObject({ active: true, aud: 'api2' });
    const forBoth = await issue('other', 'api1 api2');
    expect(await introspect(forBoth)).toMatchObject({ active: true, aud: ['api1', 'api2'] });
  });

  it("gives scope as a space-separated string when tokens carry IdentityServer's array", async () => {
    const token = await serverSigned({ ...claimsOf(await issue('other', 'api1 api2')), scope: ['api1', 'api2'] });
    expect(await introspect(token)).toMatchObject({ active: true, scope: 'api1 api2' });
  });

  it('ignores token_type_hint', async () => {
    const token = await issue();
    expect(await introspect(token, API1, { token_type_hint: 'refresh_token' })).toMatchObject({ active: true });
  });
});

describe('POST /connect/introspect: inactive tokens, never saying why', () => {
  it('answers active: false for garbage, a tampered signature, an unknown key, another issuer and alg none', async () => {
    const token = await issue();
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${p}.${s!.slice(0, -4)}AAAA`;
    const { privateKey } = await generateKeyPair('ES256');
    const foreign = await new SignJWT({ ...claimsOf(token) }).setProtectedHeader({ alg: 'ES256', kid: 'nope', typ: 'at+jwt' }).sign(privateKey);
    const none = `${btoa(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).replace(/=+$/, '')}.${p}.`;
    for (const bad of ['garbage', 'a.b.c', tampered, foreign, none, 'x'.repeat(4000)]) {
      expect(await introspect(bad)).toEqual({ active: false });
    }
    expect(await introspect(token)).toMatchObject({ active: true });
    const otherIssuer = await call('https://another.test/connect/introspect', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...API1 },
      body: new URLSearchParams({ token }).toString(),
    });
    expect(await otherIssuer.json()).toEqual({ active: false });
  });

  it('answers active: false once the token has expired', async () => {
    await put('client:client', clientRecord({ accessTokenLifetime: 60 }));
    const token = await issue();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((Number(claimsOf(token).exp) - 1) * 1000);
    expect(await introspect(token)).toMatchObject({ active: true });
    vi.setSystemTime(Number(claimsOf(token).exp) * 1000);
    expect(await introspect(token)).toEqual({ active: false });
  });

  it('answers active: false for a revoked token', async () => {
    const token = await issue();
    const res = await formPost('/connect/revocation', { token }, { Authorization: basic('client', SECRET) });
    expect(res.status).toBe(200);
    expect(await introspect(token)).toEqual({ active: false });
  });

  it('answers active: false for a token of this server that is not an access token, or lacks a jti', async () => {
    const claims = claimsOf(await issue());
    expect(await introspect(await serverSigned(claims))).toMatchObject({ active: true });
    expect(await introspect(await serverSigned(claims, 'JWT'))).toEqual({ active: false });
    const { jti: _, ...withoutJti } = claims;
    expect(await introspect(await serverSigned(withoutJti))).toEqual({ active: false });
    expect(await introspect(await serverSigned({ ...claims, iss: 'https://evil.test' }))).toEqual({ active: false });
  });
});

describe('POST /connect/introspect: errors', () => {
  it('requires authentication: 401 invalid_client, with a Basic challenge after a Basic attempt', async () => {
    const token = await issue();
    await expectError(await formPost('/connect/introspect', { token }), 401, 'invalid_client', 'client authentication failed');
    const wrong = await formPost('/connect/introspect', { token }, { Authorization: basic('api1', 'wrong') });
    await expectError(wrong, 401, 'invalid_client', 'client authentication failed');
    expect(wrong.headers.get('WWW-Authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
    await expectError(await formPost('/connect/introspect', { token }, { Authorization: basic('nobody', SECRET) }), 401, 'invalid_client', 'client authentication failed');
  });

  it('refuses a resource without secrets and a disabled resource', async () => {
    await put('resource:api1', { name: 'api1', scopes: ['api1'] });
    await put('resource:api2', { name: 'api2', scopes: ['api2'], enabled: false, secrets: [{ hash: SECRET_HASH }] });
    const token = await issue();
    await expectError(await formPost('/connect/introspect', { token }, API1), 401, 'invalid_client', 'client authentication failed');
    await expectError(await formPost('/connect/introspect', { token }, { Authorization: basic('api2', SECRET) }), 401, 'invalid_client', 'client authentication failed');
  });

  it('requires the token parameter', async () => {
    await expectError(await formPost('/connect/introspect', {}, API1), 400, 'invalid_request', 'token is required');
  });

  it('refuses another content type and duplicated parameters', async () => {
    const json = await call('/connect/introspect', { method: 'POST', headers: { 'Content-Type': 'application/json', ...API1 }, body: '{}' });
    await expectError(json, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    const twice = await call('/connect/introspect', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...API1 },
      body: 'token=a&token=b',
    });
    await expectError(twice, 400, 'invalid_request', 'parameter "token" is given more than once');
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const res = await call('/connect/introspect');
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts POST only');
    expect(res.headers.get('Allow')).toBe('POST');
  });
});
