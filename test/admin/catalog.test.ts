import { env } from 'cloudflare:workers';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { hashSecret } from '../../src/core/secrets';
import { basic, call, formPost, SECRET, tokenRequest } from '../helpers/fixtures';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe('/admin/scopes', () => {
  it('adds a scope (201, Location), lists it, and discovery serves it at once', async () => {
    const res = await admin('POST', '/scopes', token, { name: 'orders.read', displayName: 'Read orders', description: 'Lists orders' });
    expect(res.headers.get('Location')).toBe('/admin/scopes/orders.read');
    expect(await expectJson(res, 201)).toEqual({ name: 'orders.read', displayName: 'Read orders', description: 'Lists orders', enabled: true, explicitOnly: false });
    const listed = await expectJson<{ scopes: Array<{ name: string }> }>(await admin('GET', '/scopes', token));
    expect(listed.scopes.map((s) => s.name)).toEqual(['api1', 'gatehouse.admin', 'orders.read']);
    expect(await expectJson(await admin('GET', '/scopes/orders.read', token))).toMatchObject({ name: 'orders.read' });
    const discovery = (await (await call('/.well-known/openid-configuration')).json()) as { scopes_supported: string[] };
    expect(discovery.scopes_supported).toContain('orders.read');
  });

  it.each([
    [{ name: 'two words' }, 400, 'invalid_request', `"name" must be 1 to 200 printable ASCII characters without spaces, '"' or '\\'`],
    [{ name: 'x', shown: true }, 400, 'invalid_request', 'unknown field "shown"'],
    [{ name: 'x', enabled: 1 }, 400, 'invalid_request', '"enabled" must be true or false'],
    [{ name: 'x', explicitOnly: 'yes' }, 400, 'invalid_request', '"explicitOnly" must be true or false'],
    [{ name: 'api1' }, 409, 'conflict', 'API scope "api1" already exists'],
  ])('refuses %j', async (input, status, error, description) => {
    await expectError(await admin('POST', '/scopes', token, input), status, error, description);
  });

  it('deletes an unused scope (204); refuses one a resource uses (409); 404 for an unknown one', async () => {
    await expectJson(await admin('POST', '/scopes', token, { name: 'spare' }), 201);
    expect((await admin('DELETE', '/scopes/spare', token)).status).toBe(204);
    expect(await env.GATEHOUSE.get('scope:spare')).toBeNull();
    await expectError(await admin('DELETE', '/scopes/api1', token), 409, 'conflict', 'API scope "api1" is used by API resource(s): api1');
    await expectError(await admin('DELETE', '/scopes/spare', token), 404, 'not_found', 'no API scope "spare"');
    await expectError(await admin('GET', '/scopes/spare', token), 404, 'not_found', 'no API scope "spare"');
  });

  it('adds an explicit-only scope, stored as such; gatehouse.admin always shows as explicit-only', async () => {
    expect(await expectJson(await admin('POST', '/scopes', token, { name: 'ops', explicitOnly: true }), 201)).toEqual({
      name: 'ops', displayName: null, description: null, enabled: true, explicitOnly: true,
    });
    expect(await env.GATEHOUSE.get('scope:ops', 'json')).toEqual({ name: 'ops', enabled: true, explicitOnly: true });
    // Written without the field (as seedAdmin does), the admin scope is still never a default.
    expect(await expectJson(await admin('GET', '/scopes/gatehouse.admin', token))).toMatchObject({ explicitOnly: true });
  });

  it('updates a scope (PATCH): texts, enabled and explicitOnly; absent fields stay', async () => {
    const logs = vi.spyOn(console, 'log');
    const updated = await admin('PATCH', '/scopes/api1', token, { explicitOnly: true, description: 'The API' });
    expect(await expectJson(updated)).toEqual({ name: 'api1', displayName: 'My API', description: 'The API', enabled: true, explicitOnly: true });
    expect(await env.GATEHOUSE.get('scope:api1', 'json')).toEqual({ name: 'api1', displayName: 'My API', description: 'The API', enabled: true, explicitOnly: true });
    // Explicit-only now: a request without scope gets nothing by default, one that names it does.
    const none = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET });
    expect(none.status).toBe(400);
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' })).status).toBe(200);

    const off = await expectJson(await admin('PATCH', '/scopes/api1', token, { enabled: false, explicitOnly: false, displayName: null }));
    expect(off).toEqual({ name: 'api1', displayName: null, description: 'The API', enabled: false, explicitOnly: false });
    const discovery = (await (await call('/.well-known/openid-configuration')).json()) as { scopes_supported: string[] };
    expect(discovery.scopes_supported).not.toContain('api1');
    const changes = logs.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('catalog_changed'));
    expect(changes.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', event: 'catalog_changed', time: expect.any(String), scope: 'api1', action: 'updated', by: 'gatehouse-admin' },
      { level: 'info', event: 'catalog_changed', time: expect.any(String), scope: 'api1', action: 'updated', by: 'gatehouse-admin' },
    ]);
  });

  it.each([
    ['api1', { name: 'other' }, 400, 'invalid_request', 'unknown field "name"'],
    ['api1', { explicitOnly: 1 }, 400, 'invalid_request', '"explicitOnly" must be true or false'],
    ['api1', [], 400, 'invalid_request', 'the changes must be a JSON object'],
    ['gatehouse.admin', { explicitOnly: false }, 400, 'invalid_request', '"gatehouse.admin" is always explicit-only'],
    ['ghost', { enabled: false }, 404, 'not_found', 'no API scope "ghost"'],
  ])('refuses PATCH /admin/scopes/%s %j', async (name, changes, status, error, description) => {
    await expectError(await admin('PATCH', `/scopes/${name}`, token, changes), status, error, description);
  });

  it('refuses to add gatehouse.admin as a default scope', async () => {
    await env.GATEHOUSE.delete('scope:gatehouse.admin');
    await expectError(await admin('POST', '/scopes', token, { name: 'gatehouse.admin', explicitOnly: false }), 400, 'invalid_request', '"gatehouse.admin" is always explicit-only');
  });

  it('answers other methods with 405', async () => {
    expect((await admin('PATCH', '/scopes', token, {})).headers.get('Allow')).toBe('GET, POST');
    expect((await admin('PUT', '/scopes/api1', token, {})).headers.get('Allow')).toBe('GET, PATCH, DELETE');
  });
});

describe('/admin/resources', () => {
  it('adds a resource with its scopes; tokens for those scopes then name it in aud', async () => {
    await expectJson(await admin('POST', '/scopes', token, { name: 'orders' }), 201);
    const res = await admin('POST', '/resources', token, { name: 'orders-api', displayName: 'Orders', scopes: ['orders'] });
    expect(res.headers.get('Location')).toBe('/admin/resources/orders-api');
    expect(await expectJson(res, 201)).toEqual({ name: 'orders-api', displayName: 'Orders', enabled: true, scopes: ['orders'], uri: null, secrets: [] });
    const listed = await expectJson<{ resources: Array<{ name: string }> }>(await admin('GET', '/resources', token));
    expect(listed.resources.map((r) => r.name)).toEqual(['api1', 'gatehouse', 'orders-api']);
    expect(await expectJson(await admin('GET', '/resources/orders-api', token))).toMatchObject({ scopes: ['orders'] });
  });

  it.each([
    [{ name: 'r', scopes: ['ghost'] }, 400, 'invalid_request', 'unknown API scope(s): ghost'],
    [{ name: 'r', scopes: 'api1' }, 400, 'invalid_request', '"scopes" must be a list of non-empty strings'],
    [{ name: 'r', secrets: [] }, 400, 'invalid_request', 'unknown field "secrets"'],
    [{ name: 'api1', scopes: ['api1'] }, 409, 'conflict', 'API resource "api1" already exists'],
  ])('refuses %j', async (input, status, error, description) => {
    await expectError(await admin('POST', '/resources', token, input), status, error, description);
  });

  it('adds a resource with its RFC 8707 uri, unique among resources (409)', async () => {
    const res = await admin('POST', '/resources', token, { name: 'orders-api', scopes: ['api1'], uri: 'https://orders.example/api' });
    expect(await expectJson(res, 201)).toEqual({ name: 'orders-api', displayName: null, enabled: true, scopes: ['api1'], uri: 'https://orders.example/api', secrets: [] });
    expect(await env.GATEHOUSE.get('resource:orders-api', 'json')).toEqual({ name: 'orders-api', enabled: true, scopes: ['api1'], uri: 'https://orders.example/api', secrets: [] });
    expect(await expectJson(await admin('GET', '/resources/orders-api', token))).toMatchObject({ uri: 'https://orders.example/api' });
    await expectError(await admin('POST', '/resources', token, { name: 'other', uri: 'https://orders.example/api' }), 409, 'conflict',
      'API resource "orders-api" already has the uri "https://orders.example/api"');
    expect(await env.GATEHOUSE.get('resource:other')).toBeNull();
  });

  it('takes any absolute URI as a resource uri, such as a urn', async () => {
    expect(await expectJson(await admin('POST', '/resources', token, { name: 'legacy', uri: 'urn:legacy:api' }), 201)).toMatchObject({ uri: 'urn:legacy:api' });
  });

  it.each([
    ['https://orders.example/api#v1'],
    ['https://orders.example/api#'],
    ['/api'],
    ['https://orders.example/a b'],
    [''],
    [7],
  ])('refuses the uri %j (400)', async (uri) => {
    const rule = '"uri" must be an absolute URI without a fragment (RFC 8707 §2)';
    await expectError(await admin('POST', '/resources', token, { name: 'r', uri }), 400, 'invalid_request', rule);
    await expectError(await admin('PATCH', '/resources/api1', token, { uri }), 400, 'invalid_request', rule);
  });

  it('updates a resource (PATCH): uri, scopes, enabled, displayName; absent fields stay; null clears uri', async () => {
    const logs = vi.spyOn(console, 'log');
    await expectJson(await admin('POST', '/scopes', token, { name: 'orders' }), 201);
    const secret = await expectJson<{ id: string }>(await admin('POST', '/resources/api1/secrets', token, {}), 201);
    const updated = await admin('PATCH', '/resources/api1', token, { uri: 'https://api1.example/', scopes: ['api1', 'orders'], displayName: 'API one' });
    expect(await expectJson(updated)).toEqual({
      name: 'api1',
      displayName: 'API one',
      enabled: true,
      scopes: ['api1', 'orders'],
      uri: 'https://api1.example/',
      secrets: [{ id: secret.id, created: expect.any(String), expires: null, description: null }],
    });
    expect(await expectJson(await admin('PATCH', '/resources/api1', token, { enabled: false }))).toMatchObject({ enabled: false, uri: 'https://api1.example/', scopes: ['api1', 'orders'] });
    // Its own uri again is no conflict.
    await expectJson(await admin('PATCH', '/resources/api1', token, { uri: 'https://api1.example/' }));
    const cleared = await expectJson(await admin('PATCH', '/resources/api1', token, { uri: null, displayName: null }));
    expect(cleared).toMatchObject({ uri: null, displayName: null });
    expect(await env.GATEHOUSE.get('resource:api1', 'json')).not.toHaveProperty('uri');
    const changes = logs.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('catalog_changed') && l.includes('"updated"'));
    expect(changes).toHaveLength(4);
    expect(JSON.parse(changes[0]!)).toEqual({ level: 'info', event: 'catalog_changed', time: expect.any(String), resource: 'api1', action: 'updated', by: 'gatehouse-admin' });
  });

  it.each([
    ['api1', { uri: 'https://taken.example/' }, 409, 'conflict', 'API resource "taken" already has the uri "https://taken.example/"'],
    ['api1', { scopes: ['ghost'] }, 400, 'invalid_request', 'unknown API scope(s): ghost'],
    ['api1', { name: 'other' }, 400, 'invalid_request', 'unknown field "name"'],
    ['api1', { secrets: [] }, 400, 'invalid_request', 'unknown field "secrets"'],
    ['api1', { enabled: 'no' }, 400, 'invalid_request', '"enabled" must be true or false'],
    ['api1', [], 400, 'invalid_request', 'the changes must be a JSON object'],
    ['ghost', { enabled: false }, 404, 'not_found', 'no API resource "ghost"'],
  ])('refuses PATCH /admin/resources/%s %j', async (name, changes, status, error, description) => {
    await expectJson(await admin('POST', '/resources', token, { name: 'taken', uri: 'https://taken.example/' }), 201);
    await expectError(await admin('PATCH', `/resources/${name}`, token, changes), status, error, description);
    expect(await env.GATEHOUSE.get('resource:api1', 'json')).toEqual({ name: 'api1', displayName: 'My API', scopes: ['api1'] });
  });

  it('answers another method on a resource with 405', async () => {
    const res = await admin('PUT', '/resources/api1', token, {});
    expect(res.headers.get('Allow')).toBe('GET, PATCH, DELETE');
    await expectError(res, 405, 'method_not_allowed', 'this endpoint accepts GET, PATCH, DELETE only');
  });

  it('deletes a resource (204), then 404', async () => {
    expect((await admin('DELETE', '/resources/api1', token)).status).toBe(204);
    await expectError(await admin('DELETE', '/resources/api1', token), 404, 'not_found', 'no API resource "api1"');
    await expectError(await admin('GET', '/resources/api1', token), 404, 'not_found', 'no API resource "api1"');
  });

  it('manages resource secrets for introspection without ever returning a hash', async () => {
    const added = await expectJson<Record<string, string>>(await admin('POST', '/resources/api1/secrets', token, { description: 'introspection' }), 201);
    expect(added.value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const record = (await env.GATEHOUSE.get('resource:api1', 'json')) as { secrets: Array<{ hash: string; id: string }> };
    expect(record.secrets).toEqual([{ id: added.id, hash: await hashSecret(added.value!), created: added.created, expires: null, description: 'introspection' }]);
    const listed = await expectJson(await admin('GET', '/resources/api1/secrets', token));
    expect(listed).toEqual({ secrets: [{ id: added.id, created: added.created, expires: null, description: 'introspection' }] });
    expect((await admin('DELETE', `/resources/api1/secrets/${added.id}`, token)).status).toBe(204);
    await expectError(await admin('DELETE', `/resources/api1/secrets/${added.id}`, token), 404, 'not_found', `no secret "${added.id}" on resource "api1"`);
    await expectError(await admin('GET', '/resources/ghost/secrets', token), 404, 'not_found', 'no API resource "ghost"');
  });

  it('a resource secret added here authenticates the resource at introspection; removed, it no longer does', async () => {
    const issued = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' });
    const { access_token } = (await issued.json()) as { access_token: string };
    const added = await expectJson<{ id: string; value: string }>(await admin('POST', '/resources/api1/secrets', token, {}), 201);
    const asResource = { Authorization: basic('api1', added.value) };
    const active = await formPost('/connect/introspect', { token: access_token }, asResource);
    expect(active.status).toBe(200);
    expect(await active.json()).toMatchObject({ active: true, aud: 'api1', client_id: 'client' });
    expect((await admin('DELETE', `/resources/api1/secrets/${added.id}`, token)).status).toBe(204);
    expect((await formPost('/connect/introspect', { token: access_token }, asResource)).status).toBe(401);
  });
});
