import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_ID, adminToken, mintToken, seedAdmin } from '../helpers/admin';
import { call, SECRET_HASH } from '../helpers/fixtures';
import { captureLogs, expectCleanLogs, expectWellFormed, forgedJwt, method, SECRET_MARKER } from './hostile';

const logs = captureLogs();
let token: string;
let otherAudience: string;
let noScope: string;

beforeAll(async () => {
  await seedAdmin();
  token = await adminToken();
  otherAudience = await mintToken({ audiences: ['api1'] });
  noScope = await mintToken({ scopes: ['api1'] });
});

afterAll(() => {
  logs.restore();
});

const ascii = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 30 });

/** Paths under /admin: real ones, with odd identifiers, and made-up ones. */
const path = fc.oneof(
  fc.constantFrom('/admin/clients', '/admin/scopes', '/admin/resources', '/admin/keys', '/admin/import', '/admin/revocations', '/admin', '/admin/', '/admin/nope'),
  fc
    .tuple(fc.constantFrom('clients', 'scopes', 'resources'), fc.oneof(fc.constantFrom('client', 'api1', ADMIN_ID, 'x'.repeat(600), '%2e%2e', '%00', '..', 'a%2Fb'), ascii.map(encodeURIComponent)))
    .map(([kind, id]) => `/admin/${kind}/${id}`),
  fc.tuple(fc.constantFrom('client', ADMIN_ID, 'ghost'), fc.constantFrom('', '/nope', '/admin1', '/x%2Fy')).map(([id, s]) => `/admin/clients/${id}/secrets${s}`),
  fc.tuple(fc.constantFrom('client', ADMIN_ID, 'ghost', 'x'.repeat(600)), fc.constantFrom('', '/x', '%2F')).map(([id, s]) => `/admin/clients/${id}/revoke-tokens${s}`),
  fc
    .tuple(fc.constantFrom('client', ADMIN_ID, 'ghost', 'x'.repeat(600)), fc.oneof(fc.constantFrom('', '/nope', '/x%2Fy', '/%00', `/${'k'.repeat(300)}`), ascii.map((k) => `/${encodeURIComponent(k)}`)))
    .map(([id, s]) => `/admin/clients/${id}/keys${s}`),
);

/** Keys to add, public or not: a private one must never come back in an answer. */
const keyBody = fc.oneof(
  fc.constantFrom(
    { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' },
    { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', d: SECRET_MARKER },
    { kty: 'oct', k: SECRET_MARKER },
    { kty: 'RSA', n: SECRET_MARKER, e: 'AQAB' },
    { kty: 'OKP', crv: 'Ed25519', x: SECRET_MARKER, kid: 'a\u0000b' },
    [],
  ),
  fc.json({ maxDepth: 2 }).map((j) => JSON.parse(j) as unknown),
);

/** A marked secret value, weak or strong: it must never come back in an answer. */
const chosenSecret = fc.constantFrom(SECRET_MARKER, `${SECRET_MARKER}-0123456789abcdefghijklmnopqrstuvwxyz`, `${SECRET_MARKER}${'a'.repeat(40)}`);

/** JSON bodies shaped like the admin API's records, with every field possibly wrong. */
const recordBody = fc.record(
  {
    clientId: fc.oneof(fc.constantFrom('fz', 'client', ADMIN_ID, '', 'a\u0000b'), ascii),
    name: fc.oneof(ascii, fc.integer()),
    enabled: fc.oneof(fc.boolean(), fc.constant('yes')),
    allowedGrantTypes: fc.oneof(fc.constant(['client_credentials']), fc.array(ascii, { maxLength: 3 }), fc.constant('client_credentials')),
    allowedScopes: fc.oneof(fc.constant(['api1']), fc.constant(['gatehouse.admin']), fc.array(ascii, { maxLength: 3 })),
    accessTokenLifetime: fc.oneof(fc.integer({ min: -10, max: 10_000_000 }), fc.constant('3600'), fc.double()),
    claims: fc.oneof(fc.constant({ tier: 'gold' }), fc.constant({ iss: 'evil' }), fc.constant({ '': 1 }), fc.constant([])),
    secret: fc.oneof(fc.constant({}), chosenSecret.map((value) => ({ value })), fc.constant({ expires: '2000-01-01T00:00:00Z' })),
    value: chosenSecret,
    expires: fc.constantFrom('2999-01-01T00:00:00Z', 'tomorrow', null),
    name2: ascii,
    scopes: fc.array(fc.constantFrom('api1', 'ghost', ''), { maxLength: 3 }),
    explicitOnly: fc.oneof(fc.boolean(), fc.constant('yes'), fc.constant(null)),
    jti: fc.oneof(ascii, fc.constantFrom('', 'a\u0000b', 'x'.repeat(201), '€'.repeat(190)), fc.integer()),
    jwk: keyBody,
    pem: fc.oneof(ascii, fc.constantFrom('-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----', `-----BEGIN PRIVATE KEY-----\n${SECRET_MARKER}\n-----END PRIVATE KEY-----`)),
    authMethods: fc.oneof(fc.constant(['private_key_jwt']), fc.constant(['client_secret_basic']), fc.array(ascii, { maxLength: 2 }), fc.constant(null)),
    jwksUri: fc.oneof(fc.constantFrom('https://keys.example/jwks', 'http://keys.example/jwks', 'http://localhost/jwks', null), ascii),
    uri: fc.oneof(fc.constantFrom('https://api.example/', 'urn:api', 'https://api.example/#x', null), ascii),
  },
  { requiredKeys: [] },
);

const body = fc.oneof(
  { weight: 5, arbitrary: recordBody.map((b) => JSON.stringify(b)) },
  fc.json({ maxDepth: 3 }),
  ascii,
  fc.constantFrom('', '{', '[]', 'null', '{"clientId":', '\uFEFF{}', '{"__proto__":{"admin":true}}', '{"constructor":{"prototype":{}}}'),
  fc.integer({ min: 66_000, max: 70_000 }).map((n) => JSON.stringify({ clientId: 'big', name: 'x'.repeat(n) })),
);

const credential = fc.oneof(
  { weight: 6, arbitrary: fc.constant('admin') },
  fc.constantFrom('none', 'other-audience', 'no-scope', 'basic'),
  forgedJwt.map((t) => `forged:${t}`),
);

function authorization(kind: string): string | undefined {
  if (kind === 'admin') return `Bearer ${token}`;
  if (kind === 'other-audience') return `Bearer ${otherAudience}`;
  if (kind === 'no-scope') return `Bearer ${noScope}`;
  if (kind === 'basic') return `Basic ${btoa(`${ADMIN_ID}:${SECRET_MARKER}`)}`;
  if (kind.startsWith('forged:')) return `Bearer ${kind.slice('forged:'.length)}`;
  return undefined;
}

describe('admin API under hostile input', () => {
  it('answers anything with a well-formed response, never a 5xx, a hash or a chosen secret, and changes nothing without an admin token', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(method, path, credential, body, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', undefined), async (m, p, cred, payload, type) => {
        const headers = new Headers();
        const auth = authorization(cred);
        if (auth) headers.set('Authorization', auth);
        if (type) headers.set('Content-Type', type);
        const withBody = !['GET', 'HEAD'].includes(m.toUpperCase());
        const changesBefore = logs.lines.filter((l) => /"(client|catalog)_changed"/.test(l)).length;
        const res = await call(p, { method: m, headers, body: withBody ? payload : undefined });
        const text = await res.clone().text();
        await expectWellFormed(res, m, auth && cred !== 'admin' ? [auth] : []);
        expect(res.headers.get('Cache-Control')).toBe('no-store');
        // No stored hash ever leaves, whoever asks.
        expect(text).not.toContain(SECRET_HASH);
        if (cred !== 'admin') {
          expect([400, 401, 403, 404, 405]).toContain(res.status);
          if (res.status === 401 || res.status === 403) expect(res.headers.get('WWW-Authenticate')).toMatch(/^Bearer realm="gatehouse"/);
          const changesAfter = logs.lines.filter((l) => /"(client|catalog)_changed"/.test(l)).length;
          expect(changesAfter).toBe(changesBefore);
        }
      }),
      { numRuns: 250 },
    );
    expectCleanLogs(logs.lines);
  });
});
