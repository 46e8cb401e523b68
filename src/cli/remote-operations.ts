import { ADMIN_SCOPE } from '../admin/names';
import type { AdminOperations } from '../admin/operations';
import { OAuthError, type OAuthErrorCode } from '../errors';
import { TargetError } from './command';


export interface RemoteCredentials {
  /** An admin access token, used as is. */
  token?: string;
  /** Or a client with the gatehouse.admin scope, for which a token is fetched. */
  clientId?: string;
  clientSecret?: string;
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

async function send(url: string, init: RequestInit): Promise<Response> {
  let res: Response;
  try {
    // Never follow a redirect: it would carry the Authorization header to wherever it points.
    res = await fetch(url, { ...init, redirect: 'manual' });
  } catch (cause) {
    const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause);
    throw new TargetError(`cannot reach ${new URL(url).origin}: ${reason}`);
  }
  if (res.status >= 300 && res.status < 400) {
    throw new TargetError(`${new URL(url).origin} redirects (${res.status}) to ${res.headers.get('Location') ?? 'elsewhere'}; give --url the final address`);
  }
  return res;
}

/** Turns an error response into the OAuthError it describes (or a plain one for a non-JSON answer). */
async function failure(res: Response): Promise<OAuthError> {
  let body: { error?: unknown; error_description?: unknown } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    // not JSON: a proxy's page, say
  }
  const code = (typeof body.error === 'string' ? body.error : 'server_error') as OAuthErrorCode;
  const description = typeof body.error_description === 'string' ? body.error_description : `HTTP ${res.status}`;
  return new OAuthError(code, description, { status: res.status });
}

/**
 * Obtains an admin access token by the client credentials grant (RFC 6749 §4.4), with
 * client_secret_basic (§2.3.1).
 */
export async function fetchAdminToken(baseUrl: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await send(`${baseUrl}/connect/token`, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-www-form-urlencoded',
      Authorization: `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`).toString('base64')}`,
    },
    body: `grant_type=client_credentials&scope=${formEncode(ADMIN_SCOPE)}`,
  });
  if (!res.ok) {
    const error = await failure(res);
    throw new OAuthError(error.code, `the token endpoint refused the admin client: ${error.message}`, { status: error.status });
  }
  return ((await res.json()) as { access_token: string }).access_token;
}

/**
 * The admin operations of a deployed Gatehouse, through its admin API (docs/admin.md). Errors come
 * back as the OAuthErrors the server answered with, status included.
 */
export function remoteAdminOperations(baseUrl: string, credentials: RemoteCredentials): AdminOperations {
  let token: Promise<string> | undefined;
  const bearer = () => {
    token ??= credentials.token
      ? Promise.resolve(credentials.token)
      : fetchAdminToken(baseUrl, credentials.clientId!, credentials.clientSecret!);
    return token;
  };
  const enc = encodeURIComponent;

  async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await send(`${baseUrl}/admin${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${await bearer()}`,
        Accept: 'application/json',
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw await failure(res);
    return (res.status === 204 ? undefined : await res.json()) as T;
  }
  const owner = (kind: 'client' | 'resource', name: string) => `/${kind === 'client' ? 'clients' : 'resources'}/${enc(name)}/secrets`;

  return {
    listClients: async () => (await call<{ clients: never }>('GET', '/clients')).clients,
    getClient: (id) => call('GET', `/clients/${enc(id)}`),
    addClient: (input) => call('POST', '/clients', input),
    updateClient: (id, changes) => call('PATCH', `/clients/${enc(id)}`, changes),
    deleteClient: (id) => call('DELETE', `/clients/${enc(id)}`),
    revokeClientTokens: (id) => call('POST', `/clients/${enc(id)}/revoke-tokens`),
    listSecrets: async (kind, name) => (await call<{ secrets: never }>('GET', owner(kind, name))).secrets,
    addSecret: (kind, name, input) => call('POST', owner(kind, name), input),
    removeSecret: (kind, name, secretId) => call('DELETE', `${owner(kind, name)}/${enc(secretId)}`),
    listClientKeys: (id) => call('GET', `/clients/${enc(id)}/keys`),
    addClientKey: (id, input) => call('POST', `/clients/${enc(id)}/keys`, input),
    removeClientKey: (id, kid) => call('DELETE', `/clients/${enc(id)}/keys/${enc(kid)}`),
    listScopes: async () => (await call<{ scopes: never }>('GET', '/scopes')).scopes,
    getScope: (name) => call('GET', `/scopes/${enc(name)}`),
    addScope: (input) => call('POST', '/scopes', input),
    updateScope: (name, changes) => call('PATCH', `/scopes/${enc(name)}`, changes),
    deleteScope: (name) => call('DELETE', `/scopes/${enc(name)}`),
    listResources: async () => (await call<{ resources: never }>('GET', '/resources')).resources,
    getResource: (name) => call('GET', `/resources/${enc(name)}`),
    addResource: (input) => call('POST', '/resources', input),
    updateResource: (name, changes) => call('PATCH', `/resources/${enc(name)}`, changes),
    deleteResource: (name) => call('DELETE', `/resources/${enc(name)}`),
    listKeys: async () => (await call<{ keys: never }>('GET', '/keys')).keys,
    rotateKeys: async () => (await call<{ keys: never }>('POST', '/keys/rotate')).keys,
    importBundle: (bundle, { overwrite }) => call('POST', `/import?overwrite=${overwrite}`, bundle),
    revokeToken: (jti) => call('POST', '/revocations', { jti }),
  };
}
