import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { app } from '../../src/index';
import { clientRecord, ORIGIN, put } from '../helpers/fixtures';
import { callWith, envWith, issuedToken, newProbe, now, originSaw, seedWithKey, sign, type Echo, type RingKey } from '../helpers/gateway';
import { captureLogs, expectCleanLogs, expectWellFormed, extraHeaders, forgedJwt, hostilePath, method, SECRET_MARKER } from './hostile';

// The routes of vitest.config.ts, and what each one demands of a token (aud api1 unless said).
const ROUTES: Record<string, { scopes: string[]; any?: boolean; audiences?: string[]; methods?: string[]; public?: boolean; forwardsAuthorization?: boolean }> = {
  '/api/admin': { scopes: ['api1', 'admin'] },
  '/api': { scopes: ['api1'] },
  '/any': { scopes: ['read', 'api1'], any: true, audiences: ['api2', 'api1'] },
  '/readonly': { scopes: [], methods: ['GET', 'HEAD'] },
  '/fwd': { scopes: [], forwardsAuthorization: true },
  '/public': { scopes: [], public: true },
};

let ring: RingKey;
let issued: string;
const logs = captureLogs();

beforeAll(async () => {
  ring = await seedWithKey();
  // The gateway honours only the scopes a client still holds: the generated tokens carry these.
  await put('client:client', clientRecord({ allowedScopes: ['api1', 'admin', 'read'] }));
  issued = await issuedToken();
});

afterAll(() => {
  logs.restore();
});

/** Claims for a token signed with the ring's own key: each one may be right, wrong or missing. */
const signedClaims = fc.record(
  {
    iss: fc.constantFrom(ORIGIN, `${ORIGIN}/`, 'https://evil.test', 'https://a.idp.test'),
    aud: fc.constantFrom('api1', ['api2', 'api1'], 'api2', [], ''),
    scope: fc.constantFrom('api1', 'api1 admin', 'read', 'admin', '', ['api1'], 'api1  admin'),
    client_id: fc.constantFrom('client', 7, ''),
    jti: fc.constantFrom('j1', SECRET_MARKER),
    exp: fc.integer({ min: -7200, max: 7200 }).map((d) => now() + d),
    nbf: fc.integer({ min: -7200, max: 7200 }).map((d) => now() + d),
  },
  { requiredKeys: ['iss', 'exp'] },
);

const signedToken = fc
  .tuple(signedClaims, fc.constantFrom('at+jwt', 'application/at+jwt', 'JWT', 'jwt', 'at+JWT'), fc.boolean())
  .map(([claims, typ, rightKid]) => ({ claims, typ, rightKid }));

/** Whether a token with these claims should pass the route, by the rules of docs/gateway.md. */
function shouldPass(route: (typeof ROUTES)[string], claims: Record<string, unknown>, typ: string, rightKid: boolean): boolean {
  const t = now();
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  const scopes = Array.isArray(claims.scope) ? claims.scope : typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [];
  const scopeOk = route.scopes.length === 0 || (route.any ? route.scopes.some((s) => scopes.includes(s)) : route.scopes.every((s) => scopes.includes(s)));
  return (
    rightKid &&
    claims.iss === ORIGIN &&
    // RFC 7515 §4.1.9: typ compares case-insensitively, with or without the application/ prefix.
    ['at+jwt', 'application/at+jwt'].includes(typ.toLowerCase()) &&
    (route.audiences ?? ['api1']).some((a) => aud.includes(a)) &&
    typeof claims.client_id === 'string' &&
    claims.client_id !== '' &&
    typeof claims.jti === 'string' &&
    (claims.exp as number) > t - 60 &&
    (claims.nbf === undefined || (claims.nbf as number) <= t + 60) &&
    scopeOk
  );
}

/** An RFC 7230 quoted-string, as the challenges' parameters must be (quotes and backslashes escaped). */
const Q = '"(?:[^"\\\\]|\\\\.)*"';

const path = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(fc.constantFrom(...Object.keys(ROUTES)), fc.constantFrom('', '/', '/weatherforecast', '/a/b', '/%2e%2e/x', '/..', '/./x', '/%2F', '//x')).map(([p, s]) => p + s) },
  fc.constantFrom('/', '/nope', '/API/x', '/apix', '//api/x', '/api%2Fx', '/api/../connect/token', '/connect/token/x', '/%61pi/x', '/public/..%2f..%2fapi'),
  fc.constantFrom('/public/..;/api/x', '/%70ublic/x', '/public;x/x', '/public/%2e%2e;/api', '/public/x;p=1'),
  hostilePath,
);

describe('gateway under hostile input', () => {
  it('answers forged, truncated and stray bearer credentials with RFC 6750 errors, and never calls the origin for them', { timeout: 60_000 }, async () => {
    const credential = fc.oneof(
      fc.constant(undefined),
      forgedJwt.map((t) => `Bearer ${t}`),
      fc.constantFrom('Bearer', 'Bearer ', 'bearer  x', 'Bearer a b', 'Basic Y2xpZW50OnNlY3JldA==', `Bearer ${SECRET_MARKER}.x.y`),
    );
    await fc.assert(
      fc.asyncProperty(method, path, credential, extraHeaders, async (m, p, auth, extra) => {
        const probe = newProbe();
        const headers = new Headers();
        for (const [name, value] of extra) headers.append(name, value);
        if (auth !== undefined) headers.set('Authorization', auth);
        const res = await callWith(undefined, `${p}${p.includes('?') ? '&' : '?'}probe=${probe}`, { method: m, headers });
        const status = res.status;
        const challenge = res.headers.get('WWW-Authenticate');
        const fromOrigin = res.headers.get('X-Origin') === 'echo';
        if (!fromOrigin) await expectWellFormed(res, m, auth ? [auth] : []);
        else await res.body?.cancel();
        // No forged credential opens a protected route: only public routes reach the origin.
        if (await originSaw(probe)) expect(p.startsWith('/public') || p.startsWith('/%70ublic')).toBe(true);
        // No credentials at all: the DPoP challenge follows the Bearer one (RFC 9449 §7.1).
        const dpop = auth === undefined ? `, DPoP algs=${Q}, resource_metadata=${Q}` : '';
        // A path under /admin is the Worker's own admin API, no gateway route (a reserved prefix): its
        // challenges name no RFC 9728 metadata, and it offers no DPoP.
        const admin = p.startsWith('/admin');
        const metadata = admin ? `(, resource_metadata=${Q})?` : `, resource_metadata=${Q}`;
        if (status === 401) expect(challenge).toMatch(new RegExp(`^Bearer realm=${Q}(, error="invalid_token", error_description=${Q})?${metadata}${admin ? '' : dpop}$`));
        if (status === 403) expect(challenge).toMatch(new RegExp(`^Bearer realm=${Q}, error="insufficient_scope", error_description=${Q}, scope=${Q}, resource_metadata=${Q}$`));
        if (status === 400 && challenge !== null) expect(challenge).toMatch(/error="invalid_request"/);
      }),
      { numRuns: 300 },
    );
    expectCleanLogs(logs.lines);
  });

  it('forwards a token signed with the ring key exactly when every claim satisfies the route', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...Object.keys(ROUTES)), signedToken, async (prefix, { claims, typ, rightKid }) => {
        const route = ROUTES[prefix]!;
        const token = await sign(claims, ring.privateKey, { alg: ring.stored.alg, kid: rightKid ? ring.stored.kid : 'other', ...(typ ? { typ } : {}) });
        const probe = newProbe();
        const res = await callWith(token, `${prefix}/x?probe=${probe}`);
        const reached = await originSaw(probe);
        const expected = route.public || shouldPass(route, claims, typ, rightKid);
        expect(reached, JSON.stringify({ prefix, claims, typ, rightKid, status: res.status })).toBe(expected);
        if (reached) {
          const echo = (await res.json()) as Echo;
          if (!route.forwardsAuthorization) expect(echo.headers.authorization).toBeUndefined();
        } else {
          await expectWellFormed(res, 'GET', [token]);
          expect([401, 403]).toContain(res.status);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('with the verified-token cache on, a token sent again, or to another route, is judged as the first time', { timeout: 60_000 }, async () => {
    const cached = envWith({ STORE_CACHE_SECONDS: '30' });
    const send = async (token: string, prefix: string) => {
      const probe = newProbe();
      const res = await app.fetch(new Request(`${ORIGIN}${prefix}/x?probe=${probe}`, { headers: { Authorization: `Bearer ${token}` } }), cached);
      await res.body?.cancel();
      return originSaw(probe);
    };
    const prefixes = fc.constantFrom(...Object.keys(ROUTES));
    await fc.assert(
      fc.asyncProperty(prefixes, prefixes, signedToken, async (first, second, { claims, typ, rightKid }) => {
        const token = await sign(claims, ring.privateKey, { alg: ring.stored.alg, kid: rightKid ? ring.stored.kid : 'other', ...(typ ? { typ } : {}) });
        for (const prefix of [first, first, second]) {
          const route = ROUTES[prefix]!;
          const expected = route.public || shouldPass(route, claims, typ, rightKid);
          expect(await send(token, prefix), JSON.stringify({ prefix, claims, typ, rightKid })).toBe(expected);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('refuses a token whose client_id is empty (found by the property above)', async () => {
    const t = now();
    const token = await sign({ iss: ORIGIN, aud: 'api1', scope: 'api1', client_id: '', jti: 'j', exp: t + 60 }, ring.privateKey, { alg: ring.stored.alg, kid: ring.stored.kid });
    const probe = newProbe();
    const res = await callWith(token, `/api/x?probe=${probe}`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: 'invalid_token', error_description: 'the token\'s "client_id" claim is invalid' });
    expect(await originSaw(probe)).toBe(false);
  });

  it('lets the token endpoint\'s own tokens through on every route they satisfy', async () => {
    for (const prefix of ['/api', '/any', '/readonly', '/fwd', '/public']) {
      const res = await callWith(issued, `${prefix}/x`);
      expect(res.status, prefix).toBe(200);
      await res.body?.cancel();
    }
    expect((await callWith(issued, '/api/admin/x')).status).toBe(403);
  });
});
