import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { call, ORIGIN, put, seedArticle } from '../helpers/fixtures';

const EXPECTED = {
  issuer: ORIGIN,
  token_endpoint: `${ORIGIN}/connect/token`,
  jwks_uri: `${ORIGIN}/.well-known/openid-configuration/jwks`,
  grant_types_supported: ['client_credentials'],
  scopes_supported: ['api1'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'],
  token_endpoint_auth_signing_alg_values_supported: ['RS256', 'PS256', 'ES256', 'EdDSA'],
  dpop_signing_alg_values_supported: ['ES256', 'EdDSA', 'RS256', 'PS256'],
  response_types_supported: [],
};

beforeEach(async () => {
  await seedArticle();
});

describe('discovery (RFC 8414)', () => {
  it('serves the same metadata at both well-known names', async () => {
    for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
      const res = await call(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('Content-Type')).toMatch(/^application\/json/);
      expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
      expect(await res.json()).toMatchObject(EXPECTED);
    }
  });

  it('lists scopes from KV: a new scope appears, a disabled one does not', async () => {
    await put('scope:orders.read', { name: 'orders.read' });
    await put('scope:legacy', { name: 'legacy', enabled: false });
    const body = (await (await call('/.well-known/openid-configuration')).json()) as { scopes_supported: string[] };
    expect(body.scopes_supported).toEqual(['api1', 'orders.read']);
  });

  it('uses the configured ISSUER instead of the request origin', async () => {
    const { env } = await import('cloudflare:workers');
    const { app } = await import('../../src/index');
    const res = await app.request('/.well-known/openid-configuration', {}, { ...env, ISSUER: 'https://auth.example.com/' });
    const body = (await res.json()) as Record<string, string>;
    expect(body.issuer).toBe('https://auth.example.com');
    expect(body.token_endpoint).toBe('https://auth.example.com/connect/token');
  });

  it('answers HEAD, and 405 with Allow to other methods', async () => {
    expect((await call('/.well-known/openid-configuration', { method: 'HEAD' })).status).toBe(200);
    const res = await call('/.well-known/openid-configuration', { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'method_not_allowed', error_description: 'this endpoint accepts GET, HEAD only' });
  });

  it('answers a malformed scope record with server_error, not a crash', async () => {
    await put('scope:broken', '{"name": 42}');
    const res = await call('/.well-known/openid-configuration');
    // Storage is shared by the tests of a file: leave none broken behind.
    await env.GATEHOUSE.delete('scope:broken');
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'a stored configuration record is invalid; the operator has been told',
    });
  });

  it('names a bad setting in the error', async () => {
    const { env } = await import('cloudflare:workers');
    const { app } = await import('../../src/index');
    const res = await app.request('/.well-known/openid-configuration', {}, { ...env, SCOPE_CLAIM_FORMAT: 'csv' });
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({
      error: 'server_error',
      error_description: 'Gatehouse is misconfigured: the setting SCOPE_CLAIM_FORMAT is invalid',
    });
  });
});

describe('unknown paths', () => {
  it('answer 404 not_found as JSON', async () => {
    const res = await call('/nope');
    expect(res.status).toBe(404);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
  });
});

describe('discovery: introspection and revocation (RFC 8414 §2)', () => {
  for (const path of ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server']) {
    it(`lists both endpoints and their authentication methods at ${path}`, async () => {
      const res = await call(path);
      expect(res.status).toBe(200);
      const metadata = (await res.json()) as Record<string, unknown>;
      const methods = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'];
      // RFC 8414 §2: required with private_key_jwt; asymmetric only, never "none".
      const algs = ['RS256', 'PS256', 'ES256', 'EdDSA'];
      expect(metadata).toMatchObject({
        token_endpoint: `${ORIGIN}/connect/token`,
        token_endpoint_auth_methods_supported: methods,
        token_endpoint_auth_signing_alg_values_supported: algs,
        introspection_endpoint: `${ORIGIN}/connect/introspect`,
        introspection_endpoint_auth_methods_supported: methods,
        introspection_endpoint_auth_signing_alg_values_supported: algs,
        revocation_endpoint: `${ORIGIN}/connect/revocation`,
        revocation_endpoint_auth_methods_supported: methods,
        revocation_endpoint_auth_signing_alg_values_supported: algs,
      });
    });
  }

  it('advertises endpoints that answer', async () => {
    const metadata = (await (await call('/.well-known/openid-configuration')).json()) as Record<string, string>;
    for (const member of ['introspection_endpoint', 'revocation_endpoint']) {
      const res = await call(metadata[member]!, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'token=x' });
      // Reached, and asking for client authentication (not 404).
      expect(res.status).toBe(401);
    }
  });
});
