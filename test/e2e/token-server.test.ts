import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './helpers/server';

let server: RunningServer;

beforeAll(async () => {
  server = await startServer(18080);
});
afterAll(async () => {
  await server?.stop();
});

describe('the local run, driven by a real OAuth client library', () => {
  it('discovers the server, obtains a token by client credentials, and the token verifies against the JWKS', async () => {
    const config = await client.discovery(new URL(server.url), 'client', 'secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    // The local seed also holds the admin scope, for the admin console's local admin client.
    expect(config.serverMetadata().scopes_supported).toEqual(['api1', 'gatehouse.admin']);

    const tokens = await client.clientCredentialsGrant(config, { scope: 'api1' });
    expect(tokens.token_type).toBe('bearer');
    expect(tokens.expires_in).toBe(3600);
    expect(tokens.scope).toBe('api1');

    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(tokens.access_token, jwks, {
      issuer: server.url,
      audience: 'api1',
      typ: 'at+jwt',
    });
    expect(protectedHeader.alg).toBe('RS256');
    expect(payload).toMatchObject({ sub: 'client', client_id: 'client', scope: 'api1' });
  });

  it("answers the article's curl request, and a wrong secret with invalid_client", async () => {
    const ok = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'client_id=client&client_secret=secret&scope=api1&grant_type=client_credentials',
    });
    expect(ok.status).toBe(200);
    const bad = await fetch(`${server.url}/connect/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'client_id=client&client_secret=nope&scope=api1&grant_type=client_credentials',
    });
    expect(bad.status).toBe(401);
    expect(await bad.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
    expect(server.output()).not.toContain('nope');
  });
});
