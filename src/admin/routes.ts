import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { NO_STORE_HEADERS, OAuthError } from '../errors';
import { methodNotAllowed } from '../http/errors';
import { readJson } from '../http/json';
import { loggedAdminOperations } from './logged-operations';
import { objectInput } from './input';
import type {
  AdminOperations,
  ClientChanges,
  ImportBundle,
  NewClient,
  NewClientKey,
  NewResource,
  NewScope,
  NewSecret,
  ResourceChanges,
  ScopeChanges,
  SecretOwner,
} from './operations';
import { requireAdminToken, type AdminVariables } from './require-admin';

/** The largest JSON body an admin call reads; an import may be larger. */
export const MAX_ADMIN_JSON_BYTES = 64 * 1024;
export const MAX_IMPORT_JSON_BYTES = 1024 * 1024;

type AdminEnv = AppEnv & { Variables: AdminVariables };
type AdminContext = Context<AdminEnv>;

function operations(c: AdminContext): AdminOperations {
  return loggedAdminOperations(c.env, c.get('adminClientId'));
}

function json(c: AdminContext, body: unknown, status: 200 | 201 = 200, headers: Record<string, string> = {}): Response {
  return c.json(body, status, { ...NO_STORE_HEADERS, ...headers });
}

function noContent(): Response {
  return new Response(null, { status: 204, headers: NO_STORE_HEADERS });
}

async function body<T>(c: AdminContext, limit = MAX_ADMIN_JSON_BYTES): Promise<T> {
  return (await readJson(c.req.raw, limit)) as T;
}

function secretRoutes(owner: SecretOwner, base: string, param: string) {
  return new Hono<AdminEnv>()
    .get(`${base}/:${param}/secrets`, async (c) => json(c, { secrets: await operations(c).listSecrets(owner, c.req.param(param)!) }))
    .post(`${base}/:${param}/secrets`, async (c) => {
      const name = c.req.param(param)!;
      const input = await body<NewSecret>(c);
      return json(c, await operations(c).addSecret(owner, name, input), 201);
    })
    .delete(`${base}/:${param}/secrets/:secretId`, async (c) => {
      await operations(c).removeSecret(owner, c.req.param(param)!, c.req.param('secretId'));
      return noContent();
    })
    .all(`${base}/:${param}/secrets`, methodNotAllowed('GET, POST'))
    .all(`${base}/:${param}/secrets/:secretId`, methodNotAllowed('DELETE'));
}

/** A client's public keys for private_key_jwt (docs/admin.md). */
const clientKeyRoutes = new Hono<AdminEnv>()
  .get('/clients/:id/keys', async (c) => json(c, await operations(c).listClientKeys(c.req.param('id'))))
  .post('/clients/:id/keys', async (c) => {
    const id = c.req.param('id');
    const input = await body<NewClientKey>(c);
    return json(c, await operations(c).addClientKey(id, input), 201);
  })
  .delete('/clients/:id/keys/:kid', async (c) => {
    await operations(c).removeClientKey(c.req.param('id'), c.req.param('kid'));
    return noContent();
  })
  .all('/clients/:id/keys', methodNotAllowed('GET, POST'))
  .all('/clients/:id/keys/:kid', methodNotAllowed('DELETE'));

function overwriteParam(c: AdminContext): boolean {
  const value = c.req.query('overwrite');
  if (value === undefined || value === 'false') return false;
  if (value === 'true') return true;
  throw new OAuthError('invalid_request', 'overwrite must be true or false');
}

/**
 * The admin API (docs/admin.md): clients with their secrets and public keys, API scopes, API
 * resources and their secrets, signing keys, import, and revoking tokens. Every route needs an
 * admin access token; every response is `no-store`, and none carries a secret hash.
 */
export const adminRoutes = new Hono<AdminEnv>()
  .use('*', requireAdminToken())

  .get('/clients', async (c) => json(c, { clients: await operations(c).listClients() }))
  .post('/clients', async (c) => {
    const created = await operations(c).addClient(await body<NewClient>(c));
    return json(c, created, 201, { Location: `/admin/clients/${encodeURIComponent(created.client.clientId)}` });
  })
  .all('/clients', methodNotAllowed('GET, POST'))
  .get('/clients/:id', async (c) => json(c, await operations(c).getClient(c.req.param('id'))))
  .patch('/clients/:id', async (c) => {
    const id = c.req.param('id');
    const changes = await body<ClientChanges>(c);
    return json(c, await operations(c).updateClient(id, changes));
  })
  .delete('/clients/:id', async (c) => {
    await operations(c).deleteClient(c.req.param('id'));
    return noContent();
  })
  .all('/clients/:id', methodNotAllowed('GET, PATCH, DELETE'))
  .route('/', secretRoutes('client', '/clients', 'id'))
  .route('/', clientKeyRoutes)
  .post('/clients/:id/revoke-tokens', async (c) => json(c, await operations(c).revokeClientTokens(c.req.param('id'))))
  .all('/clients/:id/revoke-tokens', methodNotAllowed('POST'))

  .get('/scopes', async (c) => json(c, { scopes: await operations(c).listScopes() }))
  .post('/scopes', async (c) => {
    const scope = await operations(c).addScope(await body<NewScope>(c));
    return json(c, scope, 201, { Location: `/admin/scopes/${encodeURIComponent(scope.name)}` });
  })
  .all('/scopes', methodNotAllowed('GET, POST'))
  .get('/scopes/:name', async (c) => json(c, await operations(c).getScope(c.req.param('name'))))
  .patch('/scopes/:name', async (c) => {
    const name = c.req.param('name');
    const changes = await body<ScopeChanges>(c);
    return json(c, await operations(c).updateScope(name, changes));
  })
  .delete('/scopes/:name', async (c) => {
    await operations(c).deleteScope(c.req.param('name'));
    return noContent();
  })
  .all('/scopes/:name', methodNotAllowed('GET, PATCH, DELETE'))

  .get('/resources', async (c) => json(c, { resources: await operations(c).listResources() }))
  .post('/resources', async (c) => {
    const resource = await operations(c).addResource(await body<NewResource>(c));
    return json(c, resource, 201, { Location: `/admin/resources/${encodeURIComponent(resource.name)}` });
  })
  .all('/resources', methodNotAllowed('GET, POST'))
  .get('/resources/:name', async (c) => json(c, await operations(c).getResource(c.req.param('name'))))
  .patch('/resources/:name', async (c) => {
    const name = c.req.param('name');
    const changes = await body<ResourceChanges>(c);
    return json(c, await operations(c).updateResource(name, changes));
  })
  .delete('/resources/:name', async (c) => {
    await operations(c).deleteResource(c.req.param('name'));
    return noContent();
  })
  .all('/resources/:name', methodNotAllowed('GET, PATCH, DELETE'))
  .route('/', secretRoutes('resource', '/resources', 'name'))

  .get('/keys', async (c) => json(c, { keys: await operations(c).listKeys() }))
  .all('/keys', methodNotAllowed('GET'))
  .post('/keys/rotate', async (c) => json(c, { keys: await operations(c).rotateKeys() }))
  .all('/keys/rotate', methodNotAllowed('POST'))

  .post('/import', async (c) => {
    const overwrite = overwriteParam(c);
    const bundle = await body<ImportBundle>(c, MAX_IMPORT_JSON_BYTES);
    return json(c, await operations(c).importBundle(bundle, { overwrite }));
  })
  .all('/import', methodNotAllowed('POST'))

  .post('/revocations', async (c) => {
    const { jti } = objectInput('the revocation', await body(c), ['jti']);
    await operations(c).revokeToken(jti as string);
    return noContent();
  })
  .all('/revocations', methodNotAllowed('POST'));
