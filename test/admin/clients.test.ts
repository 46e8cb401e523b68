import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '../../src/core/secrets';
import { tokenRequest } from '../helpers/fixtures';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});
afterEach(() => {
  vi.restoreAllMocks();
});

const NEW_CLIENT = { clientId: 'm2m', name: 'Machine', allowedScopes: ['api1'] };

function stored(clientId: string): Promise<Record<string, unknown> & { secrets: Array<Record<string, unknown>> }> {
  return env.GATEHOUSE.get(`client:${clientId}`, 'json') as never;
}

describe('POST /admin/clients', () => {
  it('creates a client with a generated 256-bit secret, shown once and stored only as its hash', async () => {
    const logs = vi.spyOn(console, 'log');
    const before = Math.floor(Date.now() / 1000);
    const res = await admin('POST', '/clients', token, { ...NEW_CLIENT, secret: { description: 'first' } });
    expect(res.headers.get('Location')).toBe('/admin/clients/m2m');
    const body = await expectJson<{ client: Record<string, unknown>; secret: Record<string, string> }>(res, 201);
    expect(body.secret).toEqual({
      id: expect.stringMatching(/^[A-Za-z0-9_-]{11}$/),
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      expires: null,
      description: 'first',
      value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    expect(body.client).toEqual({
      clientId: 'm2m',
      name: 'Machine',
      enabled: true,
      allowedGrantTypes: ['client_credentials'],
      allowedScopes: ['api1'],
      accessTokenLifetime: 3600,
      claims: {},
      claimsPrefix: 'client_',
      secrets: [{ id: body.secret.id, created: body.secret.created, expires: null, description: 'first' }],
      tokensNotBefore: expect.any(Number),
      authMethods: ['client_secret_basic', 'client_secret_post'],
      jwksUri: null,
      keyIds: [],
      requireDPoP: false,
      tlsClientAuthSubjectDn: null,
      tlsClientAuthSanDns: null,
      tlsClientAuthSanUri: null,
      tlsClientAuthSanIp: null,
      tlsClientAuthSanEmail: null,
      tlsClientCertificateThumbprints: [],
      tlsClientCertificateBoundAccessTokens: false,
    });
    // Its tokens count from its creation, so a client of the same id deleted earlier revives nothing.
    expect(body.client.tokensNotBefore).toBeGreaterThanOrEqual(before);
    expect(body.client.tokensNotBefore).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    const record = await stored('m2m');
    expect(record.tokensNotBefore).toBe(body.client.tokensNotBefore);
    expect(record.secrets).toEqual([{ id: body.secret.id, hash: await hashSecret(body.secret.value!), created: body.secret.created, expires: null, description: 'first' }]);
    expect(JSON.stringify(record)).not.toContain(body.secret.value);

    const tokenRes = await tokenRequest({ grant_type: 'client_credentials', client_id: 'm2m', client_secret: body.secret.value! });
    expect(tokenRes.status).toBe(200);

    const changes = logs.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('client_changed'));
    expect(changes.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', event: 'client_changed', time: expect.any(String), client_id: 'm2m', action: 'created', by: 'gatehouse-admin', credential_id: body.secret.id },
    ]);
    expect(logs.mock.calls.flat().join('\n')).not.toContain(body.secret.value);
  });

  it('creates a client without a secret when none is asked for', async () => {
    const body = await expectJson(await admin('POST', '/clients', token, NEW_CLIENT), 201);
    expect(Object.keys(body)).toEqual(['client']);
  });

  it('accepts a strong chosen secret and never echoes it', async () => {
    const value = 'Xq7-vR2pL9zK4mN8bT1wY6cJ3hF5dG0s';
    const body = await expectJson<{ secret: Record<string, unknown> }>(await admin('POST', '/clients', token, { ...NEW_CLIENT, secret: { value } }), 201);
    expect(body.secret).not.toHaveProperty('value');
    expect((await stored('m2m')).secrets[0]!.hash).toBe(await hashSecret(value));
  });

  it('refuses a weak chosen secret: short, or repetitive', async () => {
    await expectError(await admin('POST', '/clients', token, { ...NEW_CLIENT, secret: { value: 'secret' } }), 400, 'invalid_request',
      'the secret is weak: it has fewer than 32 characters; omit "value" to have a strong one generated');
    await expectError(await admin('POST', '/clients', token, { ...NEW_CLIENT, secret: { value: 'abcabcabcabcabcabcabcabcabcabcabcabc' } }), 400, 'invalid_request',
      'the secret is weak: it has fewer than 10 distinct characters; omit "value" to have a strong one generated');
    expect(await env.GATEHOUSE.get('client:m2m')).toBeNull();
  });

  it('answers 409 when the client exists', async () => {
    await expectError(await admin('POST', '/clients', token, { clientId: 'client' }), 409, 'conflict', 'client "client" already exists');
  });

  it.each([
    [{ name: 'x' }, '"clientId" must be 1 to 200 characters without control characters'],
    [{ clientId: 'a\nb' }, '"clientId" must be 1 to 200 characters without control characters'],
    [{ clientId: '€'.repeat(190) }, '"clientId" must be 1 to 200 characters without control characters'],
    [{ clientId: 'x', colour: 'red' }, 'unknown field "colour"'],
    [{ clientId: 'x', secrets: [] }, 'unknown field "secrets"'],
    [{ clientId: 'x', tokensNotBefore: 0 }, 'unknown field "tokensNotBefore"'],
    [{ clientId: 'x', accessTokenLifetime: 0 }, '"accessTokenLifetime" must be a whole number of seconds from 1 to 2592000'],
    [{ clientId: 'x', enabled: 'yes' }, '"enabled" must be true or false'],
    [{ clientId: 'x', claims: { sub: 'a' }, claimsPrefix: '' }, 'claim "sub" is reserved'],
    [{ clientId: 'x', allowedScopes: ['nope', 'api1'] }, 'unknown API scope(s): nope'],
    [{ clientId: 'x', allowedGrantTypes: ['password'] }, 'grant type(s) not served by Gatehouse: password; served: client_credentials'],
    [{ clientId: 'x', secret: { expires: 'soon' } }, '"expires" must be an ISO 8601 date'],
    [{ clientId: 'x', secret: { expires: '2001-01-01T00:00:00Z' } }, '"expires" must be in the future'],
    [{ clientId: 'x', secret: { value: 7 } }, '"value" must be 1 to 512 characters without control characters'],
    [['x'], 'the client must be a JSON object'],
  ])('answers invalid input %j with 400', async (input, description) => {
    await expectError(await admin('POST', '/clients', token, input), 400, 'invalid_request', description);
  });

  it('refuses a body that is not JSON (415), not valid JSON (400), or too large (413)', async () => {
    await expectError(await admin('POST', '/clients', token, 'clientId=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415,
      'unsupported_media_type', 'the body must be application/json');
    await expectError(await admin('POST', '/clients', token, '{"clientId":'), 400, 'invalid_request', 'the body is not valid JSON');
    await expectError(await admin('POST', '/clients', token, JSON.stringify({ clientId: 'x', name: 'n'.repeat(70_000) })), 413, 'invalid_request',
      'the request body is larger than 65536 bytes');
  });

  it('answers another method with 405 and Allow', async () => {
    const res = await admin('PUT', '/clients', token);
    expect(res.headers.get('Allow')).toBe('GET, POST');
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts GET, POST only');
  });
});

describe('GET /admin/clients, GET /admin/clients/{id}', () => {
  it('lists clients, sorted, without hashes', async () => {
    const body = await expectJson<{ clients: Array<{ clientId: string; secrets: unknown[] }> }>(await admin('GET', '/clients', token));
    expect(body.clients.map((c) => c.clientId)).toEqual(['client', 'gatehouse-admin']);
    expect(body.clients[0]!.secrets).toEqual([{ id: null, created: null, expires: null, description: null }]);
    // Written by hand, without a tokensNotBefore: shown as null.
    expect(body.clients[0]).toMatchObject({ tokensNotBefore: null });
  });

  it('shows one client, with an id that needs escaping', async () => {
    await expectJson(await admin('POST', '/clients', token, { clientId: 'my client/1:x' }), 201);
    const body = await expectJson(await admin('GET', `/clients/${encodeURIComponent('my client/1:x')}`, token));
    expect(body.clientId).toBe('my client/1:x');
  });

  it('answers an unknown client with 404, even one whose id could not be a KV key', async () => {
    await expectError(await admin('GET', '/clients/ghost', token), 404, 'not_found', 'no client "ghost"');
    const long = 'x'.repeat(600);
    await expectError(await admin('GET', `/clients/${long}`, token), 404, 'not_found', `no client "${long}"`);
  });
});

describe('PATCH /admin/clients/{id}', () => {
  it('disables and enables a client; a disabled client cannot get tokens', async () => {
    const off = await expectJson(await admin('PATCH', '/clients/client', token, { enabled: false }));
    expect(off.enabled).toBe(false);
    // An id-less secret written by hand gets an id with the first change.
    expect((off.secrets as Array<{ id: string }>)[0]!.id).toMatch(/^[A-Za-z0-9_-]{11}$/);
    const refused = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret' });
    expect(refused.status).toBe(401);
    expect((await expectJson(await admin('PATCH', '/clients/client', token, { enabled: true }))).enabled).toBe(true);
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret' })).status).toBe(200);
  });

  it('changes scopes and lifetime, validated', async () => {
    const body = await expectJson(await admin('PATCH', '/clients/client', token, { allowedScopes: ['api1', 'gatehouse.admin'], accessTokenLifetime: 60 }));
    expect(body).toMatchObject({ allowedScopes: ['api1', 'gatehouse.admin'], accessTokenLifetime: 60 });
    await expectError(await admin('PATCH', '/clients/client', token, { allowedScopes: ['nope'] }), 400, 'invalid_request', 'unknown API scope(s): nope');
    await expectError(await admin('PATCH', '/clients/client', token, { clientId: 'other' }), 400, 'invalid_request', 'unknown field "clientId"');
    await expectError(await admin('PATCH', '/clients/client', token, { tokensNotBefore: 0 }), 400, 'invalid_request', 'unknown field "tokensNotBefore"');
  });

  it('keeps tokensNotBefore when other fields change', async () => {
    await env.GATEHOUSE.put('client:client', JSON.stringify({ ...(await stored('client')), tokensNotBefore: 1_800_000_000 }));
    expect(await expectJson(await admin('PATCH', '/clients/client', token, { name: 'Renamed' }))).toMatchObject({ name: 'Renamed', tokensNotBefore: 1_800_000_000 });
    expect((await stored('client')).tokensNotBefore).toBe(1_800_000_000);
  });

  it('answers an unknown client with 404', async () => {
    await expectError(await admin('PATCH', '/clients/ghost', token, { enabled: false }), 404, 'not_found', 'no client "ghost"');
  });
});

describe('DELETE /admin/clients/{id}', () => {
  it('deletes a client (204), then it is unknown (404)', async () => {
    const res = await admin('DELETE', '/clients/client', token);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(await env.GATEHOUSE.get('client:client')).toBeNull();
    await expectError(await admin('DELETE', '/clients/client', token), 404, 'not_found', 'no client "client"');
  });

  it('answers another method on a client with 405', async () => {
    const res = await admin('POST', '/clients/client', token, {});
    expect(res.headers.get('Allow')).toBe('GET, PATCH, DELETE');
    expect(res.status).toBe(405);
  });
});

describe('POST /admin/clients/{id}/revoke-tokens', () => {
  it("moves the client's tokensNotBefore past this second and answers the client; nothing else changes", async () => {
    const logs = vi.spyOn(console, 'log');
    const before = await stored('client');
    const at = Math.floor(Date.now() / 1000);
    const body = await expectJson<{ tokensNotBefore: number }>(await admin('POST', '/clients/client/revoke-tokens', token));
    const now = Math.floor(Date.now() / 1000);
    expect(body.tokensNotBefore).toBeGreaterThanOrEqual(at + 1);
    expect(body.tokensNotBefore).toBeLessThanOrEqual(now + 1);
    expect(body).toEqual({
      clientId: 'client',
      name: 'Example client',
      enabled: true,
      allowedGrantTypes: ['client_credentials'],
      allowedScopes: ['api1'],
      accessTokenLifetime: 3600,
      claims: {},
      claimsPrefix: 'client_',
      secrets: [{ id: expect.stringMatching(/^[A-Za-z0-9_-]{11}$/), created: null, expires: null, description: null }],
      tokensNotBefore: body.tokensNotBefore,
      authMethods: ['client_secret_basic', 'client_secret_post'],
      jwksUri: null,
      keyIds: [],
      requireDPoP: false,
      tlsClientAuthSubjectDn: null,
      tlsClientAuthSanDns: null,
      tlsClientAuthSanUri: null,
      tlsClientAuthSanIp: null,
      tlsClientAuthSanEmail: null,
      tlsClientCertificateThumbprints: [],
      tlsClientCertificateBoundAccessTokens: false,
    });
    const record = await stored('client');
    expect(record).toEqual({
      ...before,
      secrets: [{ ...before.secrets[0], id: expect.any(String), expires: null }],
      accessTokenLifetime: 3600,
      claims: {},
      claimsPrefix: 'client_',
      tokensNotBefore: body.tokensNotBefore,
    });
    const changes = logs.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('client_changed'));
    expect(changes.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', event: 'client_changed', time: expect.any(String), client_id: 'client', action: 'tokens_revoked', by: 'gatehouse-admin' },
    ]);
  });

  it('never moves tokensNotBefore back', async () => {
    await env.GATEHOUSE.put('client:client', JSON.stringify({ ...(await stored('client')), tokensNotBefore: 4_000_000_000 }));
    expect(await expectJson(await admin('POST', '/clients/client/revoke-tokens', token))).toMatchObject({ tokensNotBefore: 4_000_000_000 });
  });

  it('answers an unknown client with 404 and another method with 405', async () => {
    await expectError(await admin('POST', '/clients/ghost/revoke-tokens', token), 404, 'not_found', 'no client "ghost"');
    expect(await env.GATEHOUSE.get('client:ghost')).toBeNull();
    const res = await admin('GET', '/clients/client/revoke-tokens', token);
    expect(res.headers.get('Allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts POST only');
  });
});

describe('/admin/clients/{id}/secrets', () => {
  it('adds a secret with expiry and description, lists it without the hash, removes it', async () => {
    const expires = new Date(Date.now() + 86_400_000).toISOString();
    const added = await expectJson<Record<string, string>>(await admin('POST', '/clients/client/secrets', token, { expires, description: 'rollover' }), 201);
    expect(added).toEqual({ id: expect.any(String), created: expect.any(String), expires, description: 'rollover', value: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/) });
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: added.value! })).status).toBe(200);
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret' })).status).toBe(200);

    const listed = await expectJson<{ secrets: Array<Record<string, unknown>> }>(await admin('GET', '/clients/client/secrets', token));
    expect(listed.secrets).toHaveLength(2);
    expect(listed.secrets[1]).toEqual({ id: added.id, created: added.created, expires, description: 'rollover' });

    const removed = await admin('DELETE', `/clients/client/secrets/${added.id}`, token);
    expect(removed.status).toBe(204);
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: added.value! })).status).toBe(401);
    await expectError(await admin('DELETE', `/clients/client/secrets/${added.id}`, token), 404, 'not_found', `no secret "${added.id}" on client "client"`);
  });

  it('refuses a secret the client already has, and more than 10 secrets (409)', async () => {
    const value = 'Xq7-vR2pL9zK4mN8bT1wY6cJ3hF5dG0s';
    await expectJson(await admin('POST', '/clients/client/secrets', token, { value }), 201);
    await expectError(await admin('POST', '/clients/client/secrets', token, { value }), 409, 'conflict', 'this secret is already one of the secrets');
    for (let i = 0; i < 8; i++) await expectJson(await admin('POST', '/clients/client/secrets', token, {}), 201);
    await expectError(await admin('POST', '/clients/client/secrets', token, {}), 409, 'conflict', 'at most 10 secrets are kept; remove one first');
  });

  it('answers an unknown client with 404 and bad input with 400', async () => {
    await expectError(await admin('GET', '/clients/ghost/secrets', token), 404, 'not_found', 'no client "ghost"');
    await expectError(await admin('POST', '/clients/ghost/secrets', token, {}), 404, 'not_found', 'no client "ghost"');
    await expectError(await admin('POST', '/clients/client/secrets', token, { hash: 'x' }), 400, 'invalid_request', 'unknown field "hash"');
    await expectError(await admin('POST', '/clients/client/secrets', token, { description: 5 }), 400, 'invalid_request', '"description" must be a string of at most 200 characters');
  });
});

describe('requireDPoP through the admin API', () => {
  it('makes the token endpoint refuse the client a request without a DPoP proof, and can be turned off', async () => {
    const on = await expectJson<{ requireDPoP: boolean }>(await admin('PATCH', '/clients/client', token, { requireDPoP: true }));
    expect(on.requireDPoP).toBe(true);
    const refused = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret', scope: 'api1' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ error: 'invalid_dpop_proof', error_description: 'DPoP proof required' });

    await expectError(await admin('PATCH', '/clients/client', token, { requireDPoP: 'yes' }), 400, 'invalid_request', '"requireDPoP" must be true or false');
    expect((await expectJson<{ requireDPoP: boolean }>(await admin('PATCH', '/clients/client', token, { requireDPoP: false }))).requireDPoP).toBe(false);
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: 'secret', scope: 'api1' })).status).toBe(200);
  });
});
