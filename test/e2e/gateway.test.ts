import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import * as client from 'openid-client';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAssertionVerifier } from '../../src/origin/verify-assertion';
import { startServer, type RunningServer } from './helpers/server';

const PORT = 18120;
const DEMO_ORIGIN_PORT = 18121;
const ECHO_PORT = 18122;

interface Received {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let server: RunningServer;
let echo: Server;
const received: Received[] = [];

beforeAll(async () => {
  // A second origin of our own, added for this run the way the README shows: GATEWAY_ROUTES_EXTRA.
  echo = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body });
      res.writeHead(201, { 'Content-Type': 'text/plain', 'X-Echo': 'yes' });
      res.end('created');
    });
  });
  await new Promise<void>((resolve) => echo.listen(ECHO_PORT, '127.0.0.1', resolve));
  server = await startServer(PORT, {
    DEMO_ORIGIN_PORT: String(DEMO_ORIGIN_PORT),
    GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/echo', origin: `http://127.0.0.1:${ECHO_PORT}`, audience: 'api1', scopes: ['api1'] }]),
  });
});
afterAll(async () => {
  await server?.stop();
  await new Promise((resolve) => echo?.close(resolve));
});

async function clientConfig(): Promise<client.Configuration> {
  return client.discovery(new URL(server.url), 'client', 'secret', undefined, { execute: [client.allowInsecureRequests] });
}

describe('the gateway in the local run, driven by a real OAuth client library', () => {
  it("calls the article's API through the gateway: token, then GET /weatherforecast", async () => {
    const config = await clientConfig();
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api1' });
    const res = await client.fetchProtectedResource(config, tokens.access_token, new URL(`${server.url}/weatherforecast`), 'GET');
    expect(res.status).toBe(200);
    // The demo origin checked the gateway's assertion with src/origin/verify-assertion.ts.
    expect(res.headers.get('X-Demo-Caller')).toBe('client');
    expect(res.headers.get('X-Demo-Scope')).toBe('api1');
    const forecast = (await res.json()) as Array<Record<string, unknown>>;
    expect(forecast).toHaveLength(5);
    for (const day of forecast) expect(Object.keys(day)).toEqual(['date', 'temperatureC', 'temperatureF', 'summary']);
  });

  it('refuses the call without a token, and the demo origin refuses a call that bypasses the gateway', async () => {
    const res = await fetch(`${server.url}/weatherforecast`);
    expect(res.status).toBe(401);
    // Both schemes the route accepts are offered (RFC 9110 §11.6.1; RFC 9449 §7.1), each with the RFC 9728 metadata.
    const metadata = `${server.url}/.well-known/oauth-protected-resource/weatherforecast`;
    expect(res.headers.get('WWW-Authenticate')).toBe(
      `Bearer realm="gatehouse", resource_metadata="${metadata}", DPoP algs="ES256 EdDSA RS256 PS256", resource_metadata="${metadata}"`,
    );
    const direct = await fetch(`http://127.0.0.1:${DEMO_ORIGIN_PORT}/weatherforecast`, { headers: { 'X-Gatehouse-Client-Id': 'client' } });
    expect(direct.status).toBe(401);
  });

  it('forwards to an extra route exactly what the origin should see, with an assertion it can verify', async () => {
    const config = await clientConfig();
    const tokens = await client.clientCredentialsGrant(config, { scope: 'api1' });
    const res = await fetch(`${server.url}/echo//items/?colour=blue&n=2`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${tokens.access_token}`,
        'Content-Type': 'application/json',
        'X-Gatehouse-Client-Id': 'admin',
        'X-Forwarded-User': 'root',
        'X-Request-Id': 'r-1',
      },
      body: '{"name":"widget"}',
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('X-Echo')).toBe('yes');
    expect(await res.text()).toBe('created');

    const got = received.at(-1)!;
    expect(got.method).toBe('POST');
    expect(got.url).toBe('/echo/items/?colour=blue&n=2');
    expect(got.body).toBe('{"name":"widget"}');
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers['x-request-id']).toBe('r-1');
    expect(got.headers['authorization']).toBeUndefined();
    expect(got.headers['x-forwarded-user']).toBeUndefined();
    expect(got.headers['x-gatehouse-client-id']).toBe('client');
    expect(got.headers['x-gatehouse-scope']).toBe('api1');
    expect(got.headers['x-forwarded-host']).toBe(`127.0.0.1:${PORT}`);

    // What an origin does: verify the assertion against the served JWKS, over HTTP.
    const verify = createAssertionVerifier({ issuer: server.url, audience: `http://127.0.0.1:${ECHO_PORT}` });
    const caller = await verify({ method: got.method, url: got.url, headers: got.headers });
    expect(caller).toMatchObject({ clientId: 'client', subject: 'client', scopes: ['api1'], tokenIssuer: server.url, tokenJti: decodeJwt(tokens.access_token).jti });
  });
});
