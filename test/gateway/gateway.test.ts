import { env } from 'cloudflare:workers';
import { base64url, importJWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../src/index';
import { clientRecord, ORIGIN, put, putRevokedTokens, revokedTokens } from '../helpers/fixtures';
import {
  callWith, claims, envWith, foreignKey, issuedToken, newProbe, now, originSaw, seedWithKey, sign, unsignedToken,
  type Echo, type RingKey,
} from '../helpers/gateway';

let ring: RingKey;
let token: string;

beforeAll(async () => {
  ring = await seedWithKey();
  // The gateway honours only the scopes a client still holds: the crafted tokens below carry these.
  await put('client:client', clientRecord({ allowedScopes: ['api1', 'admin', 'read', 'other'] }));
  token = await issuedToken();
});

/** Signs claims with the ring's key, as this Gatehouse would. */
function ringToken(overrides: Record<string, unknown> = {}, header: Record<string, string> = {}): Promise<string> {
  return sign(claims(overrides), ring.privateKey, { alg: ring.stored.alg, kid: ring.stored.kid, ...header });
}

async function expectRejected(res: Response, status: number, error: string, description: string, challenge: string | null) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('WWW-Authenticate')).toBe(challenge);
  expect(await res.json()).toEqual({ error, error_description: description });
}

/** The URL of a route's protected resource metadata (RFC 9728 §3.1), which every challenge carries (§5.1). */
function metadataOf(prefix: string): string {
  return `${ORIGIN}/.well-known/oauth-protected-resource${prefix}`;
}

/** Expects a 401 invalid_token on /api with the description in body and challenge, and no call to the origin. */
async function expectInvalidToken(bearer: string, description: string) {
  const probe = newProbe();
  const res = await callWith(bearer, `/api/weatherforecast?probe=${probe}`);
  const quoted = description.replace(/["\\]/g, '\\$&');
  await expectRejected(res, 401, 'invalid_token', description,
    `Bearer realm="gatehouse", error="invalid_token", error_description="${quoted}", resource_metadata="${metadataOf('/api')}"`);
  expect(await originSaw(probe)).toBe(false);
}

describe('gateway: a valid token reaches the origin', () => {
  it('forwards method, path and query to the route origin, with the identity headers and no Authorization', async () => {
    const res = await callWith(token, '/api/weatherforecast?days=3&unit=C');
    expect(res.status).toBe(200);
    expect(res.headers.get('X-Origin')).toBe('echo');
    const echo = (await res.json()) as Echo;
    expect(echo.method).toBe('GET');
    expect(echo.url).toBe('https://origin.test/api/weatherforecast?days=3&unit=C');
    expect(echo.headers['x-gatehouse-client-id']).toBe('client');
    expect(echo.headers['x-gatehouse-scope']).toBe('api1');
    expect(echo.headers['gatehouse-assertion']).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(echo.headers['x-forwarded-host']).toBe('gatehouse.test');
    expect(echo.headers['x-forwarded-proto']).toBe('https');
    expect(echo.headers['authorization']).toBeUndefined();
    expect(echo.body).toBeNull();
  });

  it.each(['POST', 'PUT', 'PATCH', 'DELETE'])('passes %s with its body and content type unchanged', async (method) => {
    const body = JSON.stringify({ city: 'Zürich', temp: -3 });
    const res = await callWith(token, '/api/forecasts/7', { method, body, headers: { 'Content-Type': 'application/json; charset=utf-8' } });
    const echo = (await res.json()) as Echo;
    expect(echo.method).toBe(method);
    expect(echo.url).toBe('https://origin.test/api/forecasts/7');
    expect(echo.body).toBe(body);
    expect(echo.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('streams the request body: the origin reads the first chunk before the caller has sent the rest', async () => {
    const enc = new TextEncoder();
    let sent = 0;
    const body = new ReadableStream({
      async pull(controller) {
        if (sent === 0) controller.enqueue(enc.encode('alpha,'));
        else if (sent === 1) {
          let seen = false;
          for (let i = 0; i < 100 && !seen; i++) {
            seen = ((await (await fetch('https://control.test/first-chunk-seen')).json()) as { seen: boolean }).seen;
            if (!seen) await new Promise((r) => setTimeout(r, 20));
          }
          controller.enqueue(enc.encode(seen ? 'beta' : 'the origin saw nothing yet'));
        } else controller.close();
        sent++;
      },
    });
    const res = await callWith(token, '/api/stream-in', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
    expect(await res.text()).toBe('alpha,beta');
  });

  it('passes a request body of unknown length intact, without inventing a Content-Length', async () => {
    const enc = new TextEncoder();
    const chunks = ['alpha,', 'beta,', 'gamma'];
    const body = new ReadableStream({
      pull(controller) {
        const next = chunks.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(enc.encode(next));
      },
    });
    const res = await callWith(token, '/api/upload', { method: 'POST', body, headers: { 'Content-Type': 'text/plain' } });
    const echo = (await res.json()) as Echo;
    expect(echo.body).toBe('alpha,beta,gamma');
    expect(echo.headers['content-length']).toBeUndefined();
  });

  it('streams the response: the first chunk arrives before the origin has finished', async () => {
    const res = await callWith(token, '/api/slow-stream');
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');
    await fetch('https://control.test/release-stream');
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
    expect(rest).toBe('second');
  });

  it("returns the origin's status and headers intact, and does not follow its redirects", async () => {
    const teapot = await callWith(token, '/api/status/418');
    expect(teapot.status).toBe(418);
    expect(await teapot.text()).toBe('short and stout');
    expect(teapot.headers.get('X-Origin-Header')).toBe('kept');
    expect(teapot.headers.get('Set-Cookie')).toBe('a=1; Path=/');
    expect(teapot.headers.get('Cache-Control')).toBe('private, max-age=7');

    const redirect = await callWith(token, '/api/redirect');
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('Location')).toBe('https://elsewhere.test/');
  });

  it('answers HEAD on a route that serves GET, without a body', async () => {
    const res = await callWith(token, '/readonly/x', { method: 'HEAD' });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('picks the longest matching prefix and prepends the origin base path', async () => {
    const admin = await ringToken({ scope: 'api1 admin' });
    const echo = (await (await callWith(admin, '/api/admin/users?all=1')).json()) as Echo;
    expect(echo.url).toBe('https://origin.test/admin-base/api/admin/users?all=1');
  });

  it('forwards Authorization and strips the prefix when the route says so', async () => {
    const echo = (await (await callWith(token, '/fwd/items/1')).json()) as Echo;
    expect(echo.url).toBe('https://origin.test/base/items/1');
    expect(echo.headers['authorization']).toBe(`Bearer ${token}`);
  });

  it('serves a public route without a token and without an assertion', async () => {
    const res = await callWith(undefined, '/public/status', { headers: { 'X-Gatehouse-Client-Id': 'admin' } });
    const echo = (await res.json()) as Echo;
    expect(res.status).toBe(200);
    expect(echo.url).toBe('https://origin.test/public/status');
    expect(echo.headers['gatehouse-assertion']).toBeUndefined();
    expect(echo.headers['x-gatehouse-client-id']).toBeUndefined();
  });
});

describe('gateway: scopes (RFC 6750 §3.1 insufficient_scope)', () => {
  it('answers 403 with the scopes the route needs when one is missing, and does not call the origin', async () => {
    const probe = newProbe();
    const res = await callWith(token, `/api/admin/users?probe=${probe}`);
    await expectRejected(res, 403, 'insufficient_scope', 'the token lacks a scope this route requires',
      `Bearer realm="gatehouse", error="insufficient_scope", error_description="the token lacks a scope this route requires", scope="api1 admin", resource_metadata="${metadataOf('/api/admin')}"`);
    expect(await originSaw(probe)).toBe(false);
  });

  it('accepts scope as a JSON array (IdentityServer) and as scp', async () => {
    expect((await callWith(await ringToken({ scope: ['api1', 'admin'] }), '/api/admin/x')).status).toBe(200);
    expect((await callWith(await ringToken({ scope: undefined, scp: 'admin api1' }), '/api/admin/x')).status).toBe(200);
    expect((await callWith(await ringToken({ scope: undefined, scp: ['api1'] }), '/api/x')).status).toBe(200);
  });

  it('with scopeMatch any, one of the scopes is enough; none is a 403, and the realm is escaped', async () => {
    expect((await callWith(token, '/any/x')).status).toBe(200);
    const res = await callWith(await ringToken({ scope: 'other' }), '/any/x');
    await expectRejected(res, 403, 'insufficient_scope', 'the token has none of the scopes this route accepts',
      `Bearer realm="say \\"hi\\"", error="insufficient_scope", error_description="the token has none of the scopes this route accepts", scope="read api1", resource_metadata="${metadataOf('/any')}"`);
  });

  it('accepts any of the route audiences', async () => {
    expect((await callWith(await ringToken({ aud: ['api2'], scope: 'read' }), '/any/x')).status).toBe(200);
  });
});

describe('gateway: bad tokens never reach the origin (RFC 6750 §3.1)', () => {
  it('answers a request without a token with a bare challenge', async () => {
    const probe = newProbe();
    const res = await callWith(undefined, `/api/x?probe=${probe}`);
    // RFC 9449 §7.1: no credentials, so both schemes the route accepts are offered, in one header.
    await expectRejected(res, 401, 'invalid_token', 'a bearer access token is required',
      `Bearer realm="gatehouse", resource_metadata="${metadataOf('/api')}", DPoP algs="ES256 EdDSA RS256 PS256", resource_metadata="${metadataOf('/api')}"`);
    expect(await originSaw(probe)).toBe(false);
    const basic = await callWith(undefined, '/api/x', { headers: { Authorization: 'Basic Y2xpZW50OnNlY3JldA==' } });
    await expectRejected(basic, 401, 'invalid_token', 'a bearer access token is required', `Bearer realm="gatehouse", resource_metadata="${metadataOf('/api')}"`);
  });

  it('answers a malformed Bearer header with 400 invalid_request', async () => {
    const res = await callWith(undefined, '/api/x', { headers: { Authorization: 'Bearer two tokens' } });
    await expectRejected(res, 400, 'invalid_request', 'the Authorization header is not a valid Bearer credential',
      `Bearer realm="gatehouse", error="invalid_request", error_description="the Authorization header is not a valid Bearer credential", resource_metadata="${metadataOf('/api')}"`);
  });

  it('refuses a garbage token', async () => {
    await expectInvalidToken('not.a.jwt', 'the token is malformed');
  });

  it('refuses alg none', async () => {
    const none = unsignedToken({ alg: 'none', typ: 'at+jwt' }, claims());
    await expectInvalidToken(none, 'the token uses an algorithm that is not allowed');
  });

  it('refuses HMAC signed with the public key as the secret', async () => {
    const publicKey = (await importJWK(ring.stored.publicJwk, ring.stored.alg, { extractable: true })) as CryptoKey;
    const spki = btoa(String.fromCharCode(...new Uint8Array((await crypto.subtle.exportKey('spki', publicKey)) as ArrayBuffer)));
    const pem = `-----BEGIN PUBLIC KEY-----\n${spki.replace(/.{64}/g, '$&\n')}\n-----END PUBLIC KEY-----\n`;
    for (const secret of [pem, JSON.stringify(ring.stored.publicJwk)]) {
      const hs = await sign(claims(), new TextEncoder().encode(secret), { alg: 'HS256', kid: ring.stored.kid });
      await expectInvalidToken(hs, 'the token uses an algorithm that is not allowed');
    }
  });

  it('refuses a token signed by an unknown key, and one whose signature does not match the named key', async () => {
    const stranger = await foreignKey('stranger');
    await expectInvalidToken(await sign(claims(), stranger.privateKey, { alg: 'RS256', kid: 'stranger' }), 'the token is signed by an unknown key');
    await expectInvalidToken(await sign(claims(), stranger.privateKey, { alg: 'RS256', kid: ring.stored.kid }), 'the token signature is invalid');
    const [header, , signature] = (await ringToken()).split('.');
    const forged = base64url.encode(new TextEncoder().encode(JSON.stringify({ ...claims(), scope: 'api1 admin' })));
    await expectInvalidToken(`${header}.${forged}.${signature}`, 'the token signature is invalid');
  });

  it('refuses expired and not-yet-valid tokens, with a leeway of 60 s', async () => {
    const t = now();
    await expectInvalidToken(await ringToken({ iat: t - 400, nbf: t - 400, exp: t - 61 }), 'the token has expired');
    await expectInvalidToken(await ringToken({ nbf: t + 120 }), 'the token is not valid yet');
    expect((await callWith(await ringToken({ iat: t - 400, nbf: t - 400, exp: t - 30 }), '/api/x')).status).toBe(200);
    expect((await callWith(await ringToken({ nbf: t + 30 }), '/api/x')).status).toBe(200);
  });

  it('refuses the wrong audience and the wrong issuer', async () => {
    await expectInvalidToken(await ringToken({ aud: 'api2' }), 'the token is not for this audience');
    await expectInvalidToken(await ringToken({ iss: 'https://evil.test' }), 'the token is not from an issuer this route trusts');
  });

  it('refuses a token without client_id, without jti, or with another typ', async () => {
    await expectInvalidToken(await ringToken({ client_id: undefined }), 'the token\'s "client_id" claim is invalid');
    await expectInvalidToken(await ringToken({ jti: undefined }), 'the token\'s "jti" claim is invalid');
    await expectInvalidToken(await ringToken({}, { typ: 'JWT' }), 'the token is not an access token (typ)');
  });

  it('accepts typ JWT when GATEWAY_TOKEN_TYPES allows it', async () => {
    const lenient = envWith({ GATEWAY_TOKEN_TYPES: 'at+jwt JWT' });
    const res = await app.fetch(new Request('https://gatehouse.test/api/x', { headers: { Authorization: `Bearer ${await ringToken({}, { typ: 'JWT' })}` } }), lenient);
    expect(res.status).toBe(200);
  });

  it('refuses a revoked token', async () => {
    const revoked = await ringToken({ jti: 'revoked-jti-1' });
    expect((await callWith(revoked, '/api/x')).status).toBe(200);
    await putRevokedTokens({ ...(await revokedTokens()), 'revoked-jti-1': now() + 3600 });
    await expectInvalidToken(revoked, 'the token has been revoked');
  });
});

describe('gateway: what the caller sends is not what the origin trusts', () => {
  it('strips identity headers a caller could forge, and sets its own', async () => {
    const spoofed = {
      'Gatehouse-Assertion': 'forged',
      'X-Gatehouse-Client-Id': 'admin',
      'X-Gatehouse-Scope': 'everything',
      'X-Gatehouse-Anything': 'x',
      'X-Forwarded-User': 'root',
      'X-Forwarded-Email': 'root@example.com',
      'X-Forwarded-Host': 'evil.test',
      'X-Forwarded-For': '10.0.0.1',
      Forwarded: 'for=10.0.0.1;host=evil.test',
      'X-Client-Id': 'admin',
      'X-User-Id': '1',
      'X-Remote-User': 'root',
      'Remote-User': 'root',
      'X-Auth-Request-User': 'root',
      'X-Consumer-Username': 'root',
      'X-Authenticated-Userid': 'root',
      'X-Ms-Client-Principal-Name': 'root',
      'X-Amzn-Oidc-Identity': 'root',
      'Cf-Access-Authenticated-User-Email': 'root@example.com',
      'X-Original-Url': '/admin',
      'X-HTTP-Method-Override': 'DELETE',
      'X-Kept': 'yes',
    };
    const echo = (await (await callWith(token, '/api/x', { headers: spoofed })).json()) as Echo;
    // cf-worker is added by the runtime to every subrequest.
    expect(Object.keys(echo.headers).sort()).toEqual([
      'cf-worker', 'gatehouse-assertion', 'x-forwarded-host', 'x-forwarded-proto', 'x-gatehouse-client-id', 'x-gatehouse-issuer', 'x-gatehouse-scope', 'x-kept',
    ]);
    expect(echo.headers['gatehouse-assertion']).not.toBe('forged');
    expect(echo.headers['x-gatehouse-client-id']).toBe('client');
    expect(echo.headers['x-gatehouse-scope']).toBe('api1');
    expect(echo.headers['x-forwarded-host']).toBe('gatehouse.test');
  });

  it('drops hop-by-hop headers and those the Connection header names', async () => {
    const echo = (await (await callWith(token, '/api/x', {
      headers: { Connection: 'keep-alive, X-Hop', 'Keep-Alive': 'timeout=5', 'X-Hop': '1', TE: 'trailers', Upgrade: 'websocket', 'Proxy-Authorization': 'Basic eA==', Trailer: 'X-T', 'X-End': 'kept' },
    })).json()) as Echo;
    for (const name of ['keep-alive', 'x-hop', 'te', 'upgrade', 'proxy-authorization', 'trailer']) expect(echo.headers[name]).toBeUndefined();
    expect(echo.headers['x-end']).toBe('kept');
  });

  it('sends to the route origin whatever Host or absolute URL the request names', async () => {
    const viaHost = (await (await app.fetch(new Request('https://gatehouse.test/public/x', { headers: { Host: 'evil.test' } }), env)).json()) as Echo;
    expect(viaHost.url).toBe('https://origin.test/public/x');
    const absolute = (await (await app.fetch(new Request('http://evil.test:8080/public/x?y=1'), env)).json()) as Echo;
    expect(absolute.url).toBe('https://origin.test/public/x?y=1');
    expect(absolute.headers['x-forwarded-host']).toBe('evil.test:8080');
  });
});

describe('gateway: paths cannot leave the route prefix', () => {
  it.each([
    ['/api/../secret'],
    ['/api/%2e%2e/secret'],
    ['/api/%2E%2E/secret'],
    ['/api/.%2e/secret'],
    ['/api/./../secret'],
  ])('resolves %s before matching, so it matches no route', async (path) => {
    const probe = newProbe();
    const res = await callWith(token, `${path}?probe=${probe}`);
    await expectRejected(res, 404, 'not_found', 'no such endpoint', null);
    expect(await originSaw(probe)).toBe(false);
  });

  it.each([
    ['/api/..%2fsecret'],
    ['/api/%2e%2e%2fsecret'],
    ['/api/x%2F..%2F..%2Fadmin'],
    ['/api/..%5csecret'],
    ['/api/%2e%2e%5Csecret'],
    ['/api/a%00b'],
  ])('refuses %s, an encoded separator or dot segment an origin could decode', async (path) => {
    const probe = newProbe();
    const res = await callWith(token, `${path}?probe=${probe}`);
    await expectRejected(res, 400, 'invalid_request', 'the request path holds a dot segment or an encoded separator', null);
    expect(await originSaw(probe)).toBe(false);
  });

  it('collapses doubled slashes, so no path becomes a scheme-relative URL', async () => {
    const doubled = (await (await callWith(token, '/api//weather///forecast/')).json()) as Echo;
    expect(doubled.url).toBe('https://origin.test/api/weather/forecast/');
    const leading = (await (await callWith(token, '//api/x')).json()) as Echo;
    expect(leading.url).toBe('https://origin.test/api/x');
    const schemeRelative = (await (await callWith(token, '/fwd//evil.test/x')).json()) as Echo;
    expect(schemeRelative.url).toBe('https://origin.test/base/evil.test/x');
  });

  it('resolves dot segments inside a prefix to the route they land in', async () => {
    // /api/admin/../x is /api/x: the /api route (scope api1), not /api/admin (scope admin).
    const echo = (await (await callWith(token, '/api/admin/../x')).json()) as Echo;
    expect(echo.url).toBe('https://origin.test/api/x');
  });
});

describe('gateway: routes', () => {
  it('answers 404 for a path no route matches, including a prefix that is not on a segment boundary', async () => {
    for (const path of ['/nope', '/apix', '/ap', '/']) {
      const probe = newProbe();
      await expectRejected(await callWith(token, `${path}?probe=${probe}`), 404, 'not_found', 'no such endpoint', null);
      expect(await originSaw(probe)).toBe(false);
    }
  });

  it('answers 405 with Allow for a method the route does not serve', async () => {
    const probe = newProbe();
    const res = await callWith(token, `/readonly/x?probe=${probe}`, { method: 'POST', body: 'x' });
    expect(res.headers.get('Allow')).toBe('GET, HEAD');
    await expectRejected(res, 405, 'method_not_allowed', 'this route accepts GET, HEAD only', null);
    expect(await originSaw(probe)).toBe(false);
  });

  it('answers 500 naming the setting when the routes are misconfigured, and never proxies', async () => {
    const broken = envWith({ GATEWAY_ROUTES: JSON.stringify([{ prefix: '/a', origin: 'https://origin.test', audience: 'x' }, { prefix: '/b', origin: 'ftp://x', audience: 'x' }]) });
    const res = await app.fetch(new Request('https://gatehouse.test/a/x'), broken);
    await expectRejected(res, 500, 'server_error', 'Gatehouse is misconfigured: the setting GATEWAY_ROUTES[1].origin is invalid', null);
  });

  it('lets GATEWAY_ROUTES_EXTRA add a route and replace one with the same prefix', async () => {
    const local = envWith({
      GATEWAY_ROUTES_EXTRA: JSON.stringify([
        { prefix: '/public', origin: 'https://origin.test/replaced', public: true },
        { prefix: '/extra', origin: 'https://origin.test', public: true },
      ]),
    });
    const replaced = (await (await app.fetch(new Request('https://gatehouse.test/public/x'), local)).json()) as Echo;
    expect(replaced.url).toBe('https://origin.test/replaced/public/x');
    const added = (await (await app.fetch(new Request('https://gatehouse.test/extra/y'), local)).json()) as Echo;
    expect(added.url).toBe('https://origin.test/extra/y');
  });

  it('answers 502 when the origin cannot be reached, with the reason in the log only', async () => {
    const down = envWith({ GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/down', origin: 'https://unreachable.test', public: true }]) });
    const res = await app.fetch(new Request('https://gatehouse.test/down/x'), down);
    await expectRejected(res, 502, 'bad_gateway', 'the origin could not be reached', null);
  });

  it('leaves the endpoints of the token server alone', async () => {
    expect((await callWith(undefined, '/healthz')).status).toBe(200);
    expect((await callWith(undefined, '/.well-known/openid-configuration/jwks')).status).toBe(200);
  });
});

describe('gateway: more headers a caller may not set', () => {
  it.each([
    ['X-Forwarded-Uri', '/admin'],
    ['X-Forwarded-Method', 'DELETE'],
    ['X-Forwarded-Server', 'internal.example.com'],
    ['X-Forwarded-Scheme', 'https'],
    ['X-Forwarded-Ssl', 'on'],
    ['X-Original-Host', 'internal.example.com'],
    ['True-Client-IP', '10.0.0.1'],
    ['X-Client-IP', '10.0.0.1'],
    ['X-Cluster-Client-IP', '10.0.0.1'],
    ['X-Envoy-Original-Path', '/admin'],
    ['X-Envoy-External-Address', '10.0.0.1'],
    ['X-Envoy-Internal', 'true'],
    ['X-Goog-IAP-JWT-Assertion', 'forged'],
    ['X-Goog-Authenticated-User-Email', 'accounts.google.com:root@example.com'],
    ['X-Goog-Authenticated-User-Id', 'accounts.google.com:1'],
    ['X-Gatehouse-Issuer', 'https://evil.test'],
  ])('strips %s', async (name, value) => {
    const echo = (await (await callWith(token, '/api/x', { headers: { [name]: value, 'X-Kept': 'yes' } })).json()) as Echo;
    const received = echo.headers[name.toLowerCase()];
    // The gateway sets X-Gatehouse-Issuer itself, from the verified token.
    if (name === 'X-Gatehouse-Issuer') expect(received).toBe('https://gatehouse.test');
    else expect(received).toBeUndefined();
    expect(echo.headers['x-kept']).toBe('yes');
  });
});

describe('gateway: a GET or HEAD carries no body and announces none', () => {
  it('forwards a GET without Content-Length or Transfer-Encoding, even when the caller sent them', async () => {
    const plain = (await (await callWith(token, '/api/x')).json()) as Echo;
    expect(plain.headers['content-length']).toBeUndefined();
    const announced = (await (await callWith(token, '/api/x', { headers: { 'Content-Length': '5' } })).json()) as Echo;
    expect(announced.body).toBeNull();
    expect(announced.headers['content-length']).toBeUndefined();
    expect(announced.headers['transfer-encoding']).toBeUndefined();
  });

  it('keeps the Content-Length of a body it forwards', async () => {
    const echo = (await (await callWith(token, '/api/x', { method: 'POST', body: 'hello' })).json()) as Echo;
    expect(echo.body).toBe('hello');
    expect(echo.headers['content-length']).toBe('5');
  });
});
