import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { basic, call, claimsOf, clientRecord, ORIGIN, put, seedArticle, SECRET, tokenRequest } from '../helpers/fixtures';

const ARTICLE = { client_id: 'client', client_secret: SECRET, scope: 'api1', grant_type: 'client_credentials' };

async function expectError(res: Response, status: number, error: string, description: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('Pragma')).toBe('no-cache');
  expect(await res.json()).toEqual({ error, error_description: description });
}

beforeEach(async () => {
  await seedArticle();
});

describe('POST /connect/token: success (RFC 6749 §4.4.3, §5.1)', () => {
  it("answers the article's request with a bearer token for api1", async () => {
    const res = await tokenRequest(ARTICLE);
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.headers.get('Pragma')).toBe('no-cache');
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'api1' });
  });

  it('issues an RFC 9068 token that verifies against the served JWKS', async () => {
    const body = (await (await tokenRequest(ARTICLE)).json()) as { access_token: string };
    const jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: never[] };
    const { payload, protectedHeader } = await jwtVerify(body.access_token, createLocalJWKSet({ keys: jwks.keys }), {
      issuer: ORIGIN,
      audience: 'api1',
      typ: 'at+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: jwks.keys[0]!['kid'], typ: 'at+jwt' });
    expect(payload).toEqual({
      iss: ORIGIN,
      sub: 'client',
      client_id: 'client',
      aud: 'api1',
      scope: 'api1',
      iat: expect.any(Number),
      nbf: payload.iat,
      exp: payload.iat! + 3600,
      jti: expect.stringMatching(/^[A-Za-z0-9_-]{22}$/),
    });
  });

  it('gives each token a distinct jti', async () => {
    const tokens = await Promise.all([1, 2, 3].map(async () => ((await (await tokenRequest(ARTICLE)).json()) as { access_token: string }).access_token));
    const jtis = tokens.map((t) => JSON.parse(atob(t.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).jti);
    expect(new Set(jtis).size).toBe(3);
  });

  it('accepts client_secret_basic with form-urlencoded id and secret (RFC 6749 §2.3.1)', async () => {
    await put('client:my client:1', clientRecord({ clientId: 'my client:1', secrets: [{ hash: 'sRSFeeRMDP1E1aXUN1+cktSQEEdBC2rNwXIla0GLGtk=' }] }));
    // base64(SHA-256("p@ss w%rd:é")) for the secret above
    const res = await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic('my client:1', 'p@ss w%rd:é') });
    expect(res.status).toBe(200);
  });

  it("emits IdentityServer's scope array and the client's prefixed claims when configured", async () => {
    await put('client:client', clientRecord({ claims: { tier: 'gold', roles: ['a', 'b'] }, accessTokenLifetime: 60 }));
    const res = await tokenRequest(ARTICLE);
    const body = (await res.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(60);
    const payload = JSON.parse(atob(body.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(payload.client_tier).toBe('gold');
    expect(payload.client_roles).toEqual(['a', 'b']);
    expect(payload.exp - payload.iat).toBe(60);
  });

  it('accepts an IdentityServer SHA-512 secret hash', async () => {
    const sha512 = 'vSsar3708Jvp9Szi2NWZZ02Bqp1qRCFpbcTZPdBhnWgs5WtNZKnvCXdhztmeD2cmW192CF5bDufKRpayrW/isg==';
    await put('client:client', clientRecord({ secrets: [{ hash: sha512 }] }));
    expect((await tokenRequest(ARTICLE)).status).toBe(200);
  });

  it('signs with ES256 and EdDSA keys as well', async () => {
    for (const alg of ['ES256', 'EdDSA', 'PS256'] as const) {
      await seedArticle(alg);
      const body = (await (await tokenRequest(ARTICLE)).json()) as { access_token: string };
      expect(decodeProtectedHeader(body.access_token).alg).toBe(alg);
    }
  });
});

describe('POST /connect/token: default scopes, when scope is absent (RFC 6749 §3.3)', () => {
  const NO_SCOPE = { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET };

  beforeEach(async () => {
    await Promise.all([
      put('scope:api2', { name: 'api2' }),
      put('resource:api2', { name: 'api2', scopes: ['api2'] }),
      put('scope:ops', { name: 'ops', explicitOnly: true }),
      put('resource:ops', { name: 'ops', scopes: ['ops'] }),
      put('scope:gatehouse.admin', { name: 'gatehouse.admin' }),
      put('resource:gatehouse', { name: 'gatehouse', scopes: ['gatehouse.admin'] }),
      put('client:client', clientRecord({ allowedScopes: ['api1', 'api2', 'ops', 'gatehouse.admin'] })),
    ]);
  });

  async function granted(params: Record<string, string>): Promise<{ body: Record<string, unknown>; aud: unknown }> {
    const res = await tokenRequest(params);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, unknown>;
    return { body, aud: claimsOf(body.access_token as string).aud };
  }

  it('grants the allowed scopes that are not explicit-only, never gatehouse.admin, with every resource in aud', async () => {
    const { body, aud } = await granted(NO_SCOPE);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'api1 api2' });
    expect(aud).toEqual(['api1', 'api2']);
  });

  it('leaves a disabled or unknown allowed scope out instead of failing', async () => {
    await put('scope:api2', { name: 'api2', enabled: false });
    await put('client:client', clientRecord({ allowedScopes: ['ghost', 'api1', 'api2', 'ops'] }));
    const { body, aud } = await granted(NO_SCOPE);
    expect(body).toEqual({ access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'api1' });
    expect(aud).toBe('api1');
  });

  it('grants an explicit-only scope and gatehouse.admin when they are asked for by name', async () => {
    expect(await granted({ ...NO_SCOPE, scope: 'ops' })).toEqual({
      body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'ops' },
      aud: 'ops',
    });
    expect(await granted({ ...NO_SCOPE, scope: 'gatehouse.admin api1' })).toEqual({
      body: { access_token: expect.any(String), token_type: 'Bearer', expires_in: 3600, scope: 'gatehouse.admin api1' },
      aud: ['gatehouse', 'api1'],
    });
  });

  it('still refuses a disabled scope asked for by name', async () => {
    await put('scope:api2', { name: 'api2', enabled: false });
    await expectError(await tokenRequest({ ...NO_SCOPE, scope: 'api1 api2' }), 400, 'invalid_scope', 'scope "api2" is not allowed for this client');
  });

  it('answers invalid_scope when no default scope is left', async () => {
    for (const allowedScopes of [['gatehouse.admin', 'ops'], ['ghost'], []]) {
      await put('client:client', clientRecord({ allowedScopes }));
      await expectError(await tokenRequest(NO_SCOPE), 400, 'invalid_scope', 'the client has no default scopes; request one with the scope parameter');
    }
    await put('scope:ops', { name: 'ops', enabled: false });
    await put('client:client', clientRecord({ allowedScopes: ['ops'] }));
    await expectError(await tokenRequest(NO_SCOPE), 400, 'invalid_scope', 'the client has no default scopes; request one with the scope parameter');
  });
});

describe('POST /connect/token: errors (RFC 6749 §5.2)', () => {
  it('refuses a wrong secret with invalid_client, 401, and no challenge for client_secret_post', async () => {
    const res = await tokenRequest({ ...ARTICLE, client_secret: 'wrong' });
    await expectError(res, 401, 'invalid_client', 'client authentication failed');
    expect(res.headers.get('WWW-Authenticate')).toBeNull();
  });

  it('challenges with Basic when the client used the Authorization header', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic('client', 'wrong') });
    await expectError(res, 401, 'invalid_client', 'client authentication failed');
    expect(res.headers.get('WWW-Authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
  });

  it('answers unknown and disabled clients exactly as a wrong secret', async () => {
    await put('client:off', clientRecord({ clientId: 'off', enabled: false }));
    for (const id of ['nobody', 'off']) {
      await expectError(await tokenRequest({ ...ARTICLE, client_id: id }), 401, 'invalid_client', 'client authentication failed');
    }
  });

  it('ignores expired secrets and accepts a live one beside them', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const future = new Date(Date.now() + 60_000).toISOString();
    await put('client:client', clientRecord({ secrets: [{ hash: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=', expires: past }] }));
    await expectError(await tokenRequest(ARTICLE), 401, 'invalid_client', 'client authentication failed');
    await put('client:client', clientRecord({ secrets: [{ hash: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=', expires: future }] }));
    expect((await tokenRequest(ARTICLE)).status).toBe(200);
  });

  it('requires client authentication', async () => {
    await expectError(await tokenRequest({ grant_type: 'client_credentials', client_id: 'client' }), 401, 'invalid_client', 'client authentication failed');
  });

  it('refuses two authentication methods in one request', async () => {
    const res = await tokenRequest(ARTICLE, { Authorization: basic('client', SECRET) });
    await expectError(res, 400, 'invalid_request', 'use exactly one client authentication method');
  });

  it('refuses a malformed Basic header', async () => {
    for (const value of ['Basic !!!', 'Basic ' + btoa('no-colon'), 'Basic ' + btoa('%zz:secret'), 'Basic ' + btoa(':secret')]) {
      await expectError(await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: value }), 400, 'invalid_request', 'the Basic authorization header is malformed');
    }
  });

  it('refuses a body client_id that differs from the Basic one', async () => {
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'other' }, { Authorization: basic('client', SECRET) });
    await expectError(res, 400, 'invalid_request', 'client_id in the body differs from the authenticated client');
  });

  it('requires grant_type, and refuses unknown ones', async () => {
    await expectError(await tokenRequest({ client_id: 'client', client_secret: SECRET }), 400, 'invalid_request', 'grant_type is required');
    await expectError(await tokenRequest({ ...ARTICLE, grant_type: 'password' }), 400, 'unsupported_grant_type', 'grant_type "password" is not supported');
  });

  it('answers unauthorized_client when the client may not use the grant', async () => {
    await put('client:client', clientRecord({ allowedGrantTypes: ['authorization_code'] }));
    await expectError(await tokenRequest(ARTICLE), 400, 'unauthorized_client', 'this client may not use grant_type "client_credentials"');
  });

  it('answers invalid_scope for a scope the client may not have, an unknown one, or a malformed one', async () => {
    await put('scope:api2', { name: 'api2' });
    await expectError(await tokenRequest({ ...ARTICLE, scope: 'api1 api2' }), 400, 'invalid_scope', 'scope "api2" is not allowed for this client');
    await put('client:client', clientRecord({ allowedScopes: ['api1', 'ghost'] }));
    await expectError(await tokenRequest({ ...ARTICLE, scope: 'ghost' }), 400, 'invalid_scope', 'scope "ghost" is not allowed for this client');
    await expectError(await tokenRequest({ ...ARTICLE, scope: 'api1  api1' }), 400, 'invalid_scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)');
    await expectError(await tokenRequest({ ...ARTICLE, scope: 'a"b' }), 400, 'invalid_scope', 'scope must be scope tokens separated by single spaces (RFC 6749 §3.3)');
  });

  it('refuses duplicated parameters (RFC 6749 §3.2)', async () => {
    const res = await call('/connect/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1&scope=api1',
    });
    await expectError(res, 400, 'invalid_request', 'parameter "scope" is given more than once');
  });

  it('refuses another content type, invalid UTF-8, and a body over 8 KiB', async () => {
    const json = await call('/connect/token', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(ARTICLE) });
    await expectError(json, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    const none = await call('/connect/token', { method: 'POST', body: 'grant_type=client_credentials' });
    await expectError(none, 400, 'invalid_request', 'the body must be application/x-www-form-urlencoded');
    const bad = await call('/connect/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new Uint8Array([0x61, 0x3d, 0xff, 0xfe]),
    });
    await expectError(bad, 400, 'invalid_request', 'the body is not valid UTF-8');
    const big = await tokenRequest({ ...ARTICLE, pad: 'x'.repeat(9000) });
    await expectError(big, 400, 'invalid_request', 'the request body is larger than 8192 bytes');
  });

  it('refuses an oversized streamed body without a Content-Length, reading no further than the limit', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        if (pulled > 100) controller.close();
        else controller.enqueue(new TextEncoder().encode('x'.repeat(1024)));
      },
    });
    // Straight to the app, so the stream is ours end to end and its cancellation can be observed.
    const { env } = await import('cloudflare:workers');
    const { app } = await import('../../src/index');
    const res = await app.request(
      '/connect/token',
      // @ts-expect-error duplex is required for a streamed request body
      { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: stream, duplex: 'half' },
      env,
    );
    await expectError(res, 400, 'invalid_request', 'the request body is larger than 8192 bytes');
    expect(pulled).toBeLessThan(12);
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const res = await call('/connect/token', { method });
      await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts POST only');
      expect(res.headers.get('Allow')).toBe('POST');
    }
  });

  it('answers a malformed client record with a server_error naming no secret, and logs the key', async () => {
    await put('client:client', '{"clientId": "client", "secrets": "nope"}');
    await expectError(await tokenRequest(ARTICLE), 500, 'server_error', 'a stored configuration record is invalid; the operator has been told');
    await put('client:client', 'not json');
    await expectError(await tokenRequest(ARTICLE), 500, 'server_error', 'a stored configuration record is invalid; the operator has been told');
  });

  it('answers 503 with Retry-After when no key is active yet', async () => {
    await put('keys', { keys: [] });
    const res = await tokenRequest(ARTICLE);
    await expectError(res, 503, 'temporarily_unavailable', 'no signing key is active yet; try again shortly');
    expect(res.headers.get('Retry-After')).toBe('60');
  });
});
