import { beforeEach, describe, expect, it } from 'vitest';
import { parseResource, RecordError } from '../../src/core/records';
import { app } from '../../src/index';
import { clearKv, expectError } from '../helpers/admin';
import { basic, call, claimsOf, clientRecord, formPost, ORIGIN, put, SECRET, SECRET_HASH, seedArticle } from '../helpers/fixtures';
import { envWith } from '../helpers/gateway';

const CLIENT = { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET };
const API1 = 'https://api1.example.com';
const API2 = 'https://api2.example.com/v2';

/**
 * api1 and api2 share the scope `shared`; `urn:inventory` is named by a URI, as IdentityServer's
 * resource indicators name resources; `ops` accepts an explicit-only scope; `off` is disabled;
 * `vault` accepts only a scope the client may not have.
 */
beforeEach(async () => {
  await clearKv();
  await seedArticle();
  const secrets = [{ hash: SECRET_HASH }];
  await Promise.all([
    put('scope:api2', { name: 'api2' }),
    put('scope:shared', { name: 'shared' }),
    put('scope:ops', { name: 'ops', explicitOnly: true }),
    put('scope:vault', { name: 'vault' }),
    put('resource:api1', { name: 'api1', uri: API1, scopes: ['api1', 'shared'], secrets }),
    put('resource:api2', { name: 'api2', uri: API2, scopes: ['api2', 'shared'], secrets }),
    put('resource:urn:inventory', { name: 'urn:inventory', uri: 'https://inventory.example.com', scopes: ['api2'] }),
    put('resource:ops', { name: 'ops', uri: 'urn:example:ops', scopes: ['ops'] }),
    put('resource:off', { name: 'off', uri: 'https://off.example.com', enabled: false, scopes: ['api1'] }),
    put('resource:vault', { name: 'vault', uri: 'https://vault.example.com', scopes: ['vault'] }),
    put('client:client', clientRecord({ allowedScopes: ['api1', 'api2', 'shared', 'ops'] })),
  ]);
});

/** A token request whose `resource` (and any other parameter) may repeat. */
function request(params: Array<[string, string]>): Promise<Response> {
  const body = new URLSearchParams([...Object.entries(CLIENT), ...params]).toString();
  return call('/connect/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
}

/** The response body and the token's `aud` and `scope` of a successful request. */
async function granted(params: Array<[string, string]>): Promise<{ scope: unknown; aud: unknown; claim: unknown; token: string }> {
  const res = await request(params);
  const text = await res.text();
  expect({ status: res.status, text }).toMatchObject({ status: 200 });
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
  const token = body.access_token as string;
  const claims = claimsOf(token);
  return { scope: body.scope, aud: claims.aud, claim: claims.scope, token };
}

describe('POST /connect/token without resource: unchanged', () => {
  it('gives the default scopes and every resource that accepts one', async () => {
    expect(await granted([])).toMatchObject({ scope: 'api1 api2 shared', aud: ['api1', 'api2', 'urn:inventory'], claim: 'api1 api2 shared' });
  });

  it('gives the requested scopes and their resources', async () => {
    expect(await granted([['scope', 'api1']])).toMatchObject({ scope: 'api1', aud: 'api1' });
    expect(await granted([['scope', 'shared ops']])).toMatchObject({ scope: 'shared ops', aud: ['api1', 'api2', 'ops'] });
  });

  it('reads an empty resource as absent (RFC 6749 §3.1)', async () => {
    expect(await granted([['resource', '']])).toMatchObject({ scope: 'api1 api2 shared', aud: ['api1', 'api2', 'urn:inventory'] });
  });
});

describe('POST /connect/token with resource (RFC 8707 §2): the token is narrowed', () => {
  it('to one resource: aud is its name, scope the default scopes it accepts', async () => {
    expect(await granted([['resource', API1]])).toMatchObject({ scope: 'api1 shared', aud: 'api1', claim: 'api1 shared' });
    expect(await granted([['resource', API2]])).toMatchObject({ scope: 'api2 shared', aud: 'api2' });
  });

  it('to the requested scopes the resource accepts, when scope is given', async () => {
    expect(await granted([['scope', 'api1 api2'], ['resource', API1]])).toMatchObject({ scope: 'api1', aud: 'api1' });
    expect(await granted([['scope', 'ops'], ['resource', 'urn:example:ops']])).toMatchObject({ scope: 'ops', aud: 'ops' });
  });

  it('to two resources: both in aud, in the order given, and the scopes either accepts', async () => {
    expect(await granted([['resource', API2], ['resource', API1]])).toMatchObject({ scope: 'api1 api2 shared', aud: ['api2', 'api1'] });
    expect(await granted([['scope', 'api1 api2'], ['resource', API1], ['resource', API2]])).toMatchObject({ scope: 'api1 api2', aud: ['api1', 'api2'] });
  });

  it('takes a repeated resource, or one named by its uri and by its name, once', async () => {
    expect(await granted([['resource', API1], ['resource', API1]])).toMatchObject({ scope: 'api1 shared', aud: 'api1' });
    const both = await granted([['resource', 'urn:inventory'], ['resource', 'https://inventory.example.com']]);
    expect(both).toMatchObject({ scope: 'api2', aud: 'urn:inventory' });
  });

  it("names a resource by its name when that is an absolute URI (IdentityServer's resource indicators)", async () => {
    expect(await granted([['resource', 'urn:inventory']])).toMatchObject({ scope: 'api2', aud: 'urn:inventory' });
  });

  it("prefers a resource's uri to another resource's name", async () => {
    await put('resource:https://legacy.example.com', { name: 'https://legacy.example.com', scopes: ['api1'] });
    await put('resource:legacy2', { name: 'legacy2', uri: 'https://legacy.example.com', scopes: ['api2'] });
    expect(await granted([['resource', 'https://legacy.example.com']])).toMatchObject({ scope: 'api2', aud: 'legacy2' });
  });

  it('issues the scope array of IdentityServer narrowed too', async () => {
    const res = await app.fetch(
      new Request(`${ORIGIN}/connect/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams([...Object.entries(CLIENT), ['resource', API1]]).toString(),
      }),
      envWith({ SCOPE_CLAIM_FORMAT: 'array' }),
    );
    expect(claimsOf(((await res.json()) as { access_token: string }).access_token).scope).toEqual(['api1', 'shared']);
  });
});

describe('POST /connect/token with resource: invalid_target (RFC 8707 §2)', () => {
  const MALFORMED = 'must be an absolute URI without a fragment (RFC 8707 §2)';

  it('refuses a relative URI or one with a fragment', async () => {
    await expectError(await request([['resource', 'api1']]), 400, 'invalid_target', `resource "api1" ${MALFORMED}`);
    await expectError(await request([['resource', '/api1']]), 400, 'invalid_target', `resource "/api1" ${MALFORMED}`);
    await expectError(await request([['resource', '//api1.example.com']]), 400, 'invalid_target', `resource "//api1.example.com" ${MALFORMED}`);
    await expectError(await request([['resource', `${API1}#top`]]), 400, 'invalid_target', `resource ${MALFORMED}`);
    await expectError(await request([['resource', `${API1}/a b`]]), 400, 'invalid_target', `resource ${MALFORMED}`);
    await expectError(await request([['resource', `${API1}/%zz`]]), 400, 'invalid_target', `resource ${MALFORMED}`);
  });

  it('refuses an unknown or a disabled resource alike', async () => {
    await expectError(await request([['resource', 'https://ghost.example.com']]), 400, 'invalid_target', 'resource "https://ghost.example.com" is not a known API resource');
    await expectError(await request([['resource', 'https://off.example.com']]), 400, 'invalid_target', 'resource "https://off.example.com" is not a known API resource');
    // A uri compares exactly: no normalisation makes another spelling name the resource.
    await expectError(await request([['resource', `${API1}/`]]), 400, 'invalid_target', `resource "${API1}/" is not a known API resource`);
  });

  it('refuses a resource that accepts none of the scopes of the request', async () => {
    await expectError(await request([['resource', 'https://vault.example.com']]), 400, 'invalid_target',
      'resource "https://vault.example.com" accepts none of the client\'s default scopes');
    await expectError(await request([['resource', 'urn:example:ops']]), 400, 'invalid_target',
      'resource "urn:example:ops" accepts none of the client\'s default scopes');
    await expectError(await request([['scope', 'api1'], ['resource', API2]]), 400, 'invalid_target',
      `resource "${API2}" accepts none of the requested scopes`);
  });

  it('grants nothing when one of several resources is refused', async () => {
    await expectError(await request([['resource', API1], ['resource', 'https://ghost.example.com']]), 400, 'invalid_target',
      'resource "https://ghost.example.com" is not a known API resource');
  });

  it('still answers invalid_scope for a scope the client may not have', async () => {
    await expectError(await request([['scope', 'vault'], ['resource', 'https://vault.example.com']]), 400, 'invalid_scope',
      'scope "vault" is not allowed for this client');
  });

  it('answers server_error when two enabled resources share a uri, rather than picking one', async () => {
    await put('resource:twin', { name: 'twin', uri: API1, scopes: ['api1'] });
    await expectError(await request([['resource', API1]]), 500, 'server_error', 'the API resources are misconfigured; the operator has been told');
  });
});

describe('POST /connect/token: only resource may repeat (RFC 6749 §3.2)', () => {
  it('refuses a duplicated scope or grant_type, with or without resource', async () => {
    await expectError(await request([['resource', API1], ['scope', 'api1'], ['scope', 'api1']]), 400, 'invalid_request', 'parameter "scope" is given more than once');
    await expectError(await request([['grant_type', 'client_credentials'], ['resource', API1]]), 400, 'invalid_request', 'parameter "grant_type" is given more than once');
  });
});

describe('a narrowed token at introspection and at the gateway', () => {
  it('is active only for the resource it was narrowed to', async () => {
    const { token } = await granted([['resource', API1]]);
    const introspect = async (resource: string) => {
      const res = await formPost('/connect/introspect', { token }, { Authorization: basic(resource, SECRET) });
      return (await res.json()) as Record<string, unknown>;
    };
    expect(await introspect('api1')).toMatchObject({ active: true, aud: 'api1', scope: 'api1 shared' });
    expect(await introspect('api2')).toEqual({ active: false });
  });

  it('is refused on a route for the other audience and accepted on its own', async () => {
    const routes = [
      { prefix: '/one', origin: 'https://origin.test', audience: 'api1', scopes: ['shared'] },
      { prefix: '/two', origin: 'https://origin.test', audience: 'api2', scopes: ['shared'] },
    ];
    const bindings = envWith({ GATEWAY_ROUTES_EXTRA: JSON.stringify(routes) });
    const at = (token: string, path: string) =>
      app.fetch(new Request(`${ORIGIN}${path}`, { headers: { Authorization: `Bearer ${token}` } }), bindings) as Promise<Response>;

    const narrowed = (await granted([['resource', API1]])).token;
    expect((await at(narrowed, '/one/x')).status).toBe(200);
    const refused = await at(narrowed, '/two/x');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toBe(
      `Bearer realm="gatehouse", error="invalid_token", error_description="the token is not for this audience", resource_metadata="${ORIGIN}/.well-known/oauth-protected-resource/two"`,
    );
    // Without resource, the same client's token is good at both.
    const broad = (await granted([])).token;
    expect((await at(broad, '/one/x')).status).toBe(200);
    expect((await at(broad, '/two/x')).status).toBe(200);
  });
});

describe('resource records: uri', () => {
  const parse = (record: Record<string, unknown>) => parseResource('resource:api1', JSON.stringify({ name: 'api1', ...record }));

  it('is optional, and any absolute URI without a fragment', () => {
    expect(parse({}).uri).toBeUndefined();
    expect(parse({ uri: null }).uri).toBeUndefined();
    for (const uri of [API1, 'urn:example:api1', 'https://api.example.com/v1?tenant=a', 'http://127.0.0.1:8788/x']) expect(parse({ uri }).uri).toBe(uri);
  });

  it('refuses anything else, naming the field', () => {
    for (const uri of ['api1', '/api1', '', `${API1}#x`, `${API1}/a b`, '1http://x', 42]) {
      expect(() => parse({ uri })).toThrow(new RecordError('resource:api1', '"uri" must be an absolute URI without a fragment (RFC 8707 §2)'));
    }
  });
});
