import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { basic, clientRecord, put, putRevokedTokens, revokedTokens, SECRET, tokenRequest } from '../helpers/fixtures';
import { ADMIN_ID, admin, adminToken, expectError, expectJson, mintToken, seedAdmin } from '../helpers/admin';

const REALM = 'Bearer realm="gatehouse"';
const invalidToken = (description: string) => `${REALM}, error="invalid_token", error_description="${description}"`;

beforeEach(async () => {
  await seedAdmin();
});

describe('admin API authentication (RFC 6750)', () => {
  it('accepts a client credentials token of the admin client', async () => {
    const res = await admin('GET', '/scopes', await adminToken());
    expect(await expectJson(res)).toEqual({
      scopes: [
        { name: 'api1', displayName: 'My API', description: null, enabled: true, explicitOnly: false },
        { name: 'gatehouse.admin', displayName: null, description: null, enabled: true, explicitOnly: true },
      ],
    });
  });

  it('answers a request without credentials with a challenge without an error code (§3.1)', async () => {
    await expectError(await admin('GET', '/clients', undefined), 401, 'invalid_token', 'an access token with the gatehouse.admin scope is required', REALM);
  });

  it('treats another scheme as no credentials', async () => {
    const res = await admin('GET', '/clients', undefined, undefined, { Authorization: basic(ADMIN_ID, 'x') });
    await expectError(res, 401, 'invalid_token', 'an access token with the gatehouse.admin scope is required', REALM);
  });

  it('protects unknown admin paths too, so they cannot be probed', async () => {
    await expectError(await admin('GET', '/nothing-here', undefined), 401, 'invalid_token', 'an access token with the gatehouse.admin scope is required', REALM);
    await expectError(await admin('GET', '/nothing-here', await adminToken()), 404, 'not_found', 'no such endpoint');
  });

  it('refuses a malformed Bearer header with invalid_request (400)', async () => {
    const res = await admin('GET', '/clients', undefined, undefined, { Authorization: 'Bearer a b' });
    await expectError(res, 400, 'invalid_request', 'the Bearer authorization header is malformed',
      `${REALM}, error="invalid_request", error_description="the Bearer authorization header is malformed"`);
  });

  it('refuses a token that is not a JWT', async () => {
    await expectError(await admin('GET', '/clients', 'not-a-jwt'), 401, 'invalid_token', 'the token is malformed', invalidToken('the token is malformed'));
  });

  it('refuses a token with a tampered signature', async () => {
    const token = await adminToken();
    const [h, p, s] = token.split('.');
    const tampered = `${h}.${p}.${s!.startsWith('A') ? 'B' : 'A'}${s!.slice(1)}`;
    await expectError(await admin('GET', '/clients', tampered), 401, 'invalid_token', 'the token signature is invalid', invalidToken('the token signature is invalid'));
  });

  it('refuses an expired token', async () => {
    const token = await mintToken({ now: Math.floor(Date.now() / 1000) - 600, lifetime: 300 });
    await expectError(await admin('GET', '/clients', token), 401, 'invalid_token', 'the token has expired', invalidToken('the token has expired'));
  });

  it('refuses a token for another API resource (aud)', async () => {
    const token = await mintToken({ audiences: ['api1'] });
    await expectError(await admin('GET', '/clients', token), 401, 'invalid_token', 'the token is not for this audience', invalidToken('the token is not for this audience'));
  });

  it('refuses a token of a client that is now disabled, or deleted', async () => {
    const token = await adminToken();
    const record = JSON.parse((await env.GATEHOUSE.get(`client:${ADMIN_ID}`))!);
    await put(`client:${ADMIN_ID}`, { ...record, enabled: false });
    const msg = "the token's client is unknown or disabled";
    await expectError(await admin('GET', '/clients', token), 401, 'invalid_token', msg, invalidToken(msg));
    await env.GATEHOUSE.delete(`client:${ADMIN_ID}`);
    await expectError(await admin('GET', '/clients', token), 401, 'invalid_token', msg, invalidToken(msg));
  });

  it('refuses a revoked token', async () => {
    const token = await adminToken();
    const jti = JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).jti;
    await putRevokedTokens({ ...(await revokedTokens()), [jti]: Math.floor(Date.now() / 1000) + 3600 });
    await expectError(await admin('GET', '/clients', token), 401, 'invalid_token', 'the token has been revoked', invalidToken('the token has been revoked'));
  });

  it('answers a token without the admin scope with insufficient_scope (403) naming the scope', async () => {
    const token = await mintToken({ scopes: ['api1'], audiences: ['gatehouse'] });
    await expectError(await admin('GET', '/clients', token), 403, 'insufficient_scope', 'the token lacks the gatehouse.admin scope',
      `${REALM}, error="insufficient_scope", error_description="the token lacks the gatehouse.admin scope", scope="gatehouse.admin"`);
  });

  it("does not let an ordinary client's token in", async () => {
    await put('client:client', clientRecord());
    const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET });
    const { access_token } = (await res.json()) as { access_token: string };
    await expectError(await admin('GET', '/clients', access_token), 401, 'invalid_token', 'the token is not for this audience', invalidToken('the token is not for this audience'));
  });

  it('accepts the scope claim as an IdentityServer-style array', async () => {
    const token = await mintToken({ scopeFormat: 'array', scopes: ['api1', 'gatehouse.admin'] });
    expect(JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/'))).scope).toEqual(['api1', 'gatehouse.admin']);
    expect((await admin('GET', '/keys', token)).status).toBe(200);
  });
});
