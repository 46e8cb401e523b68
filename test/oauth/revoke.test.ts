import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { servicesFor } from '../../src/services';
import { callWith } from '../helpers/gateway';
import { basic, call, claimsOf, clientRecord, formPost, ORIGIN, put, revokedTokens, SECRET, seedArticle, seedResourceSecret, tokenRequest } from '../helpers/fixtures';

const AS_CLIENT = { Authorization: basic('client', SECRET) };

async function issue(clientId = 'client'): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic(clientId, SECRET) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function revoke(params: Record<string, string>, headers: Record<string, string> = AS_CLIENT): Promise<Response> {
  return formPost('/connect/revocation', params, headers);
}

async function expectEmpty200(res: Response) {
  expect(res.status).toBe(200);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(await res.text()).toBe('');
}

async function active(token: string): Promise<boolean> {
  const res = await formPost('/connect/introspect', { token }, { Authorization: basic('api1', SECRET) });
  return ((await res.json()) as { active: boolean }).active;
}

beforeEach(async () => {
  await seedArticle();
  await seedResourceSecret();
  await put('client:other', clientRecord({ clientId: 'other' }));
});

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /connect/revocation (RFC 7009)', () => {
  it("denies the client's own token until it would have expired, plus the validators' leeway", async () => {
    const token = await issue();
    const { jti, exp } = claimsOf(token) as { jti: string; exp: number };
    expect(await active(token)).toBe(true);
    await expectEmpty200(await revoke({ token }));
    expect(await active(token)).toBe(false);
    expect(await servicesFor(env).revocations.isRevoked(jti)).toBe(true);
    // One document holds every revocation; the entry outlives exp by the 300 s leeway.
    expect((await revokedTokens())[jti]).toBe(exp + 300);
    expect((await env.GATEHOUSE.list({ prefix: 'revoked:' })).keys).toEqual([]);
  });

  it('is honoured by the gateway: the revoked token is refused there, another one still passes', async () => {
    const [token, other] = [await issue(), await issue()];
    expect((await callWith(token, '/api/orders')).status).toBe(200);
    await expectEmpty200(await revoke({ token }));
    const refused = await callWith(token, '/api/orders');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toContain('error="invalid_token"');
    expect((await callWith(other, '/api/orders')).status).toBe(200);
  });

  it('leaves other tokens of the client alone', async () => {
    const [a, b] = [await issue(), await issue()];
    await revoke({ token: a });
    expect(await active(a)).toBe(false);
    expect(await active(b)).toBe(true);
  });

  it('revokes an access token whatever token_type_hint says (§2.1: the hint only guides the search)', async () => {
    const token = await issue();
    await expectEmpty200(await revoke({ token, token_type_hint: 'refresh_token' }));
    expect(await active(token)).toBe(false);
    const other = await issue();
    await expectEmpty200(await revoke({ token: other, token_type_hint: 'something_else' }));
    expect(await active(other)).toBe(false);
  });

  it("answers 200 and revokes nothing for another client's token (IdentityServer's behaviour)", async () => {
    const token = await issue('other');
    const before = await revokedTokens();
    await expectEmpty200(await revoke({ token }));
    expect(await active(token)).toBe(true);
    expect(await revokedTokens()).toEqual(before);
  });

  it('answers 200 and writes nothing for an invalid, unknown or expired token (§2.2)', async () => {
    await put('client:client', clientRecord({ accessTokenLifetime: 60 }));
    const token = await issue();
    const before = await revokedTokens();
    for (const bad of ['garbage', 'a.b.c', `${token.slice(0, -4)}AAAA`]) await expectEmpty200(await revoke({ token: bad }));
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((Number(claimsOf(token).exp) + 301) * 1000);
    await expectEmpty200(await revoke({ token }));
    expect(await revokedTokens()).toEqual(before);
  });

  it('still revokes a token inside the leeway after its exp, which validators may accept', async () => {
    await put('client:client', clientRecord({ accessTokenLifetime: 60 }));
    const token = await issue();
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime((Number(claimsOf(token).exp) + 200) * 1000);
    await expectEmpty200(await revoke({ token }));
    expect((await revokedTokens())[claimsOf(token).jti as string]).toBe(Number(claimsOf(token).exp) + 300);
  });

  it("keeps the entry past exp by the gateway's clock skew when that exceeds 300 s", async () => {
    const { app } = await import('../../src/index');
    const token = await issue();
    const res = await app.request(`${ORIGIN}/connect/revocation`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...AS_CLIENT },
      body: new URLSearchParams({ token }).toString(),
    }, { ...env, GATEWAY_CLOCK_SKEW_SECONDS: '600' });
    expect(res.status).toBe(200);
    expect((await revokedTokens())[claimsOf(token).jti as string]).toBe(Number(claimsOf(token).exp) + 600);
  });

  it('requires client authentication: 401 invalid_client', async () => {
    const token = await issue();
    const res = await revoke({ token }, { Authorization: basic('client', 'wrong') });
    expect(res.status).toBe(401);
    expect(res.headers.get('WWW-Authenticate')).toBe('Basic realm="gatehouse", charset="UTF-8"');
    expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    const none = await revoke({ token }, {});
    expect(none.status).toBe(401);
    // An API resource authenticates at introspection only.
    expect((await revoke({ token }, { Authorization: basic('api1', SECRET) })).status).toBe(401);
    expect(await active(token)).toBe(true);
  });

  it('requires the token parameter', async () => {
    const res = await revoke({});
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'token is required' });
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const res = await call('/connect/revocation');
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('POST');
  });
});
