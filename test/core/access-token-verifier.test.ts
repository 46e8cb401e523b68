import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { app } from '../../src/index';
import type { Bindings } from '../../src/env';
import { ADMIN_ID, admin, adminToken, expectError, seedAdmin } from '../helpers/admin';
import { basic, claimsOf, clientRecord, ORIGIN, put, SECRET } from '../helpers/fixtures';
import { envWith, issuedToken } from '../helpers/gateway';

// The four places that accept a token (gateway, introspection, revocation, admin API) call the one
// verifier; these tests hold its rules on the client's current state through each of them.

async function gatewayStatus(token: string, bindings: Bindings = env): Promise<{ status: number; description?: string }> {
  const res = await app.fetch(new Request(`${ORIGIN}/api/x`, { headers: { Authorization: `Bearer ${token}` } }), bindings);
  if (res.status === 200) {
    await res.body?.cancel();
    return { status: 200 };
  }
  return { status: res.status, description: ((await res.json()) as { error_description: string }).error_description };
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await app.fetch(
    new Request(`${ORIGIN}/connect/introspect`, {
      method: 'POST',
      headers: { Authorization: basic('api1', SECRET), 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    }),
    env,
  );
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function seedApiSecret(): Promise<void> {
  await put('resource:api1', { name: 'api1', scopes: ['api1'], secrets: [{ hash: 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=' }] });
}

const INACTIVE_CLIENT = "the token's client is unknown or disabled";

/** An admin API call handled with `bindings`, so in the isolate services they name. */
async function adminCall(bindings: Bindings, method: string, path: string, body: unknown): Promise<Response> {
  const headers = { Authorization: `Bearer ${await adminToken()}`, 'Content-Type': 'application/json' };
  return app.fetch(new Request(`${ORIGIN}/admin${path}`, { method, headers, body: JSON.stringify(body) }), bindings);
}

beforeEach(async () => {
  await seedAdmin();
  await seedApiSecret();
});

describe('a disabled or deleted client: its tokens are refused everywhere', () => {
  it('disabled: gateway 401 invalid_token, introspection inactive, admin API 401', async () => {
    const token = await issuedToken();
    const adminBearer = await adminToken();
    expect(await gatewayStatus(token)).toEqual({ status: 200 });
    expect((await introspect(token)).active).toBe(true);

    await put('client:client', clientRecord({ enabled: false }));
    await put(`client:${ADMIN_ID}`, { ...(await env.GATEHOUSE.get(`client:${ADMIN_ID}`, 'json') as object), enabled: false });

    expect(await gatewayStatus(token)).toEqual({ status: 401, description: INACTIVE_CLIENT });
    expect(await introspect(token)).toEqual({ active: false });
    await expectError(await admin('GET', '/clients', adminBearer), 401, 'invalid_token', INACTIVE_CLIENT,
      `Bearer realm="gatehouse", error="invalid_token", error_description="${INACTIVE_CLIENT}"`);
  });

  it('deleted: refused; re-created under the same id, its old tokens stay refused and new ones work', async () => {
    const token = await issuedToken();
    await env.GATEHOUSE.delete('client:client');
    expect(await gatewayStatus(token)).toEqual({ status: 401, description: INACTIVE_CLIENT });

    // A client is created with tokensNotBefore at its creation (the admin API and the CLI set it).
    await put('client:client', clientRecord({ tokensNotBefore: Math.floor(Date.now() / 1000) + 1 }));
    expect(await gatewayStatus(token)).toEqual({ status: 401, description: 'the token has been revoked' });
    expect(await introspect(token)).toEqual({ active: false });
    const fresh = await issuedToken();
    expect(await gatewayStatus(fresh)).toEqual({ status: 200 });
  });
});

describe("tokensNotBefore: every token of a client issued before an instant", () => {
  it('refuses the older tokens, and dates a token issued in that second from it, so it works at once', async () => {
    const old = await issuedToken();
    const notBefore = Math.floor(Date.now() / 1000) + 1;
    await put('client:client', clientRecord({ tokensNotBefore: notBefore }));
    expect(await gatewayStatus(old)).toEqual({ status: 401, description: 'the token has been revoked' });

    const fresh = await issuedToken();
    expect(claimsOf(fresh).iat).toBe(notBefore);
    expect(claimsOf(fresh).nbf).toBeLessThanOrEqual(notBefore);
    expect(await gatewayStatus(fresh)).toEqual({ status: 200 });
    expect((await introspect(fresh)).active).toBe(true);
  });
});

describe("only the scopes a client still holds count", () => {
  it('a scope taken from a client: the gateway answers 403, introspection no longer lists it', async () => {
    const token = await issuedToken();
    await put('client:client', clientRecord({ allowedScopes: [] }));
    const res = await app.fetch(new Request(`${ORIGIN}/api/x`, { headers: { Authorization: `Bearer ${token}` } }), env);
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: string }).error).toBe('insufficient_scope');
    expect(await introspect(token)).toMatchObject({ active: true, scope: '' });
  });

  it('gatehouse.admin taken from the admin client ends its admin access (403 insufficient_scope)', async () => {
    const bearer = await adminToken();
    expect((await admin('GET', '/clients', bearer)).status).toBe(200);
    await put(`client:${ADMIN_ID}`, { ...(await env.GATEHOUSE.get(`client:${ADMIN_ID}`, 'json') as object), allowedScopes: [] });
    await expectError(await admin('GET', '/clients', bearer), 403, 'insufficient_scope', 'the token lacks the gatehouse.admin scope',
      'Bearer realm="gatehouse", error="insufficient_scope", error_description="the token lacks the gatehouse.admin scope", scope="gatehouse.admin"');
  });
});

describe('the bound: STORE_CACHE_SECONDS in other isolates, at once where the change was made', () => {
  it('an isolate that read the client keeps its answer until its cache expires, then refuses', async () => {
    const bindings = envWith({ STORE_CACHE_SECONDS: '1' });
    const token = await issuedToken();
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 200 });
    // Written behind this isolate's back, as another location's admin call would be.
    await put('client:client', clientRecord({ enabled: false }));
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 200 });
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 401, description: INACTIVE_CLIENT });
  });

  it('a change made through the admin API applies in its own isolate at once, verified-token cache on', async () => {
    const bindings = envWith({ STORE_CACHE_SECONDS: '30' });
    const token = await issuedToken();
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 200 });
    const res = await adminCall(bindings, 'PATCH', '/clients/client', { enabled: false });
    expect(res.status).toBe(200);
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 401, description: INACTIVE_CLIENT });
  });
  it("an operator's revocation by jti applies in its own isolate at once, though it had cached 'not revoked'", async () => {
    const bindings = envWith({ STORE_CACHE_SECONDS: '30' });
    const token = await issuedToken();
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 200 });
    const res = await adminCall(bindings, 'POST', '/revocations', { jti: claimsOf(token).jti });
    expect(res.status).toBe(204);
    expect(await gatewayStatus(token, bindings)).toEqual({ status: 401, description: 'the token has been revoked' });
  });
});
