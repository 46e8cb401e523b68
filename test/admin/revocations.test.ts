import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { basic, call, claimsOf, formPost, revokedTokens, SECRET, seedResourceSecret, tokenRequest } from '../helpers/fixtures';
import { admin, adminToken, expectError, seedAdmin } from '../helpers/admin';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});

async function articleToken(): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('POST /admin/revocations', () => {
  it('revokes a token by its jti (204): the revocation document holds it for 30 days plus the leeway', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await admin('POST', '/revocations', token, { jti: 'some-jti' });
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    const after = Math.floor(Date.now() / 1000);

    // The operator does not know the token's exp: the longest lifetime (30 days) plus 300 s of leeway.
    const until = (await revokedTokens())['some-jti']!;
    expect(until).toBeGreaterThanOrEqual(before + 2_592_000 + 300);
    expect(until).toBeLessThanOrEqual(after + 2_592_000 + 300);
    expect((await env.GATEHOUSE.list({ prefix: 'revoked:' })).keys).toEqual([]);
  });

  it("refuses the revoked token: introspection says active: false, the gateway 401, without the client's secret", async () => {
    await seedResourceSecret();
    const issued = await articleToken();
    const asResource = { Authorization: basic('api1', SECRET) };
    const bearer = { Authorization: `Bearer ${issued}` };
    expect(await (await formPost('/connect/introspect', { token: issued }, asResource)).json()).toMatchObject({ active: true });
    expect((await call('/api/weatherforecast', { headers: bearer })).status).toBe(200);

    expect((await admin('POST', '/revocations', token, { jti: claimsOf(issued).jti })).status).toBe(204);

    expect(await (await formPost('/connect/introspect', { token: issued }, asResource)).json()).toEqual({ active: false });
    const refused = await call('/api/weatherforecast', { headers: bearer });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toBe('Bearer realm="gatehouse", error="invalid_token", error_description="the token has been revoked", resource_metadata="https://gatehouse.test/.well-known/oauth-protected-resource/api"');
    // Another token of the same client is untouched.
    expect((await call('/api/weatherforecast', { headers: { Authorization: `Bearer ${await articleToken()}` } })).status).toBe(200);
  });

  it.each([
    [{}, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: '' }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: 7 }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: 'x'.repeat(201) }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: 'a\nb' }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: 'a\u007fb' }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: '€'.repeat(190) }, '"jti" must be 1 to 200 characters without control characters'],
    [{ jti: 'x', clientId: 'client' }, 'unknown field "clientId"'],
    [['x'], 'the revocation must be a JSON object'],
  ])('refuses %j with 400 and writes nothing', async (input, description) => {
    const before = await revokedTokens();
    await expectError(await admin('POST', '/revocations', token, input), 400, 'invalid_request', description);
    expect(await revokedTokens()).toEqual(before);
  });

  it('accepts the longest jti that fits', async () => {
    expect((await admin('POST', '/revocations', token, { jti: 'x'.repeat(200) })).status).toBe(204);
    expect(await revokedTokens()).toHaveProperty('x'.repeat(200));
  });

  it('answers another method with 405 and Allow: POST, and no token with 401', async () => {
    const res = await admin('GET', '/revocations', token);
    expect(res.headers.get('Allow')).toBe('POST');
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts POST only');
    await expectError(await admin('POST', '/revocations', undefined, { jti: 'x' }), 401, 'invalid_token', 'an access token with the gatehouse.admin scope is required');
    expect(await revokedTokens()).not.toHaveProperty('x');
  });

  it('refuses a body that is not JSON with 415', async () => {
    await expectError(await admin('POST', '/revocations', token, 'jti=x', { 'Content-Type': 'application/x-www-form-urlencoded' }), 415,
      'unsupported_media_type', 'the body must be application/json');
  });
});
