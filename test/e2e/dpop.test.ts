import { rm } from 'node:fs/promises';
import { calculateJwkThumbprint, decodeJwt, exportJWK } from 'jose';
import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshClone, setDevVar } from './helpers/clone';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18623;
const DEMO_ORIGIN_PORT = 18624;

let clone: string;
let server: RunningServer;

/** What the client library sent to the token endpoint and what it got back, in order. */
const tokenExchanges: Array<{ proofNonce: unknown; status: number; error?: string; nonce: string | null }> = [];

beforeAll(async () => {
  // Server nonces on (RFC 9449 §8), set the way a user would, in .dev.vars of the checkout.
  clone = await freshClone();
  await setDevVar(clone, 'DPOP_NONCES', 'true');
  const demo = `http://127.0.0.1:${DEMO_ORIGIN_PORT}`;
  server = await startServer(
    PORT,
    {
      DEMO_ORIGIN_PORT: String(DEMO_ORIGIN_PORT),
      // The article's API for DPoP tokens only, and the same API under /any, which also takes Bearer.
      GATEWAY_ROUTES_EXTRA: JSON.stringify([
        { prefix: '/weatherforecast', origin: demo, audience: 'api1', scopes: ['api1'], methods: ['GET'], dpop: 'required' },
        { prefix: '/any', origin: demo, audience: 'api1', scopes: ['api1'], methods: ['GET'], stripPrefix: true },
      ]),
    },
    clone,
  );
}, 120_000);

afterAll(async () => {
  await server?.stop();
  if (clone) await rm(clone, { recursive: true, force: true });
});

async function clientConfig(): Promise<client.Configuration> {
  const config = await client.discovery(new URL(server.url), 'client', 'secret', undefined, { execute: [client.allowInsecureRequests] });
  config[client.customFetch] = async (url, options) => {
    const res = await fetch(url, options as RequestInit);
    if (new URL(url).pathname === '/connect/token') {
      const proof = new Headers(options.headers as HeadersInit).get('dpop');
      const body = (await res.clone().json()) as { error?: string };
      tokenExchanges.push({ proofNonce: proof ? decodeJwt(proof).nonce : undefined, status: res.status, error: body.error, nonce: res.headers.get('dpop-nonce') });
    }
    return res;
  };
  return config;
}

describe("DPoP (RFC 9449) with openid-client's DPoP handle, against npm start", () => {
  it('gets a DPoP-bound token, retrying once on use_dpop_nonce, and calls the API through the gateway', { timeout: 60_000 }, async () => {
    const config = await clientConfig();
    expect(config.serverMetadata().dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA', 'RS256', 'PS256']);
    const keyPair = await client.randomDPoPKeyPair('ES256');
    const handle = client.getDPoPHandle(config, keyPair);

    const tokens = await client.clientCredentialsGrant(config, { scope: 'api1' }, { DPoP: handle });
    expect(tokens.token_type).toBe('dpop');
    const thumbprint = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
    expect(decodeJwt(tokens.access_token)).toMatchObject({ client_id: 'client', aud: 'api1', scope: 'api1', cnf: { jkt: thumbprint } });

    // The first proof had no nonce: 400 use_dpop_nonce with a DPoP-Nonce; the library retried with it.
    expect(tokenExchanges).toHaveLength(2);
    const [first, second] = tokenExchanges;
    expect(first).toEqual({ proofNonce: undefined, status: 400, error: 'use_dpop_nonce', nonce: expect.stringMatching(/^[\w-]{43}$/) });
    expect(second).toEqual({ proofNonce: first!.nonce, status: 200, error: undefined, nonce: first!.nonce });

    // A second token with the same handle needs no retry: the handle kept the nonce.
    await client.clientCredentialsGrant(config, { scope: 'api1' }, { DPoP: handle });
    expect(tokenExchanges.slice(2).map((e) => [e.status, e.proofNonce])).toEqual([[200, first!.nonce]]);

    // The gateway checks a fresh proof (with ath) on each call, before the origin sees anything.
    for (const path of ['/weatherforecast', '/any/weatherforecast', '/weatherforecast']) {
      const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}${path}`), 'GET', undefined, undefined, { DPoP: handle });
      expect({ path, status: res.status }).toEqual({ path, status: 200 });
      expect(res.headers.get('X-Demo-Caller')).toBe('client');
      expect((await res.json()) as unknown[]).toHaveLength(5);
    }
  });

  it('refuses the DPoP token sent as Bearer, on the DPoP-only route and on one that takes both', { timeout: 60_000 }, async () => {
    const config = await clientConfig();
    const handle = client.getDPoPHandle(config, await client.randomDPoPKeyPair('ES256'));
    const { access_token: token } = await client.clientCredentialsGrant(config, { scope: 'api1' }, { DPoP: handle });

    const required = await fetch(`${server.url}/weatherforecast`, { headers: { authorization: `Bearer ${token}` } });
    expect(required.status).toBe(401);
    expect(required.headers.get('www-authenticate')).toMatch(/^DPoP algs="ES256 EdDSA RS256 PS256"/);

    // RFC 9449 §7.2: a bound token is never a bearer token, even where bearer tokens are accepted.
    const allowed = await fetch(`${server.url}/any/weatherforecast`, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(401);
    expect(((await allowed.json()) as { error: string }).error).toBe('invalid_token');

    // openid-client itself, without the handle, gets the same 401 and its DPoP challenge.
    await expect(client.fetchProtectedResource(config, token, new URL(`${server.url}/weatherforecast`), 'GET')).rejects.toMatchObject({
      code: 'OAUTH_WWW_AUTHENTICATE_CHALLENGE',
      status: 401,
      cause: [expect.objectContaining({ scheme: 'dpop' })],
    });

    // A bearer token is refused by the DPoP-only route and accepted by the other.
    const bearer = await client.clientCredentialsGrant(config, { scope: 'api1' });
    expect(bearer.token_type).toBe('bearer');
    expect((await fetch(`${server.url}/weatherforecast`, { headers: { authorization: `Bearer ${bearer.access_token}` } })).status).toBe(401);
    expect((await fetch(`${server.url}/any/weatherforecast`, { headers: { authorization: `Bearer ${bearer.access_token}` } })).status).toBe(200);
  });
});
