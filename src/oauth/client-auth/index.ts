import { verifyClientSecret, type ClientStore } from '../../core/clients';
import { log } from '../../core/log';
import { authMethodsOf, type ClientAuthMethodName, type ClientRecord } from '../../core/records';
import type { Bindings } from '../../env';
import type { Services } from '../../services';
import { OAuthError } from '../../errors';
import type { ClientAuthMethod, ClientCredentials, SecretCredentials } from './credentials';
import { privateKeyJwt, verifyClientAssertion } from './private-key-jwt';
import { callerAddress, withFailureLimits } from './rate-limit';
import { BASIC_CHALLENGE, secretBasic } from './secret-basic';
import { secretPost } from './secret-post';
import { selfSignedTlsClientAuth, tlsClientAuth, verifyClientCertificate } from './tls-client-auth';

/** Every client authentication method the OAuth endpoints accept, in discovery order. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [secretBasic, secretPost, privateKeyJwt, tlsClientAuth, selfSignedTlsClientAuth];

// Hashed when the client is unknown, so that an unknown id costs the same as a wrong secret.
export const DUMMY_SECRETS = { secrets: [{ hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }] };

export interface AuthenticatedClient {
  client: ClientRecord;
  method: PresentedCredentials['method'];
}

/** The credentials a request presents, and how. */
export type PresentedCredentials = ClientCredentials & {
  /** The method, or `client_certificate` for the two of RFC 8705 §2, told apart by the client's registration. */
  method: ClientAuthMethodName | 'client_certificate';
  /** Builds the `invalid_client` error for a failure, logging the detailed reason. */
  fail(reason: string): OAuthError;
};

/**
 * Reads the caller's credentials (RFC 6749 §2.3.1, §3.2.1; RFC 7523 §2.2). Exactly one method may
 * be used; a missing method is `invalid_client`, with a Basic challenge when the caller sent an
 * Authorization header (§5.2). `endpoint` names the endpoint in log lines.
 */
export function readCredentials(request: Request, form: ReadonlyMap<string, string>, endpoint: string): PresentedCredentials {
  const used = CLIENT_AUTH_METHODS.filter((m) => !m.viaCertificate && m.present(request, form));
  if (used.length > 1) throw new OAuthError('invalid_request', 'use exactly one client authentication method');
  // RFC 8705 §2: only `client_id`, with a certificate on the connection; a certificate beside other
  // credentials is there to bind the token (§3).
  const method = used[0] ?? CLIENT_AUTH_METHODS.find((m) => m.viaCertificate && m.present(request, form));
  const withHeader = request.headers.has('Authorization');
  const fail = (reason: string, clientId?: string) => {
    log('warn', 'client_auth_failed', {
      endpoint,
      client_id: clientId?.slice(0, 100),
      method: method?.viaCertificate ? 'client_certificate' : method?.name,
      ip: callerAddress(request),
      reason,
    });
    return new OAuthError('invalid_client', 'client authentication failed', {
      headers: withHeader ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {},
    });
  };
  if (!method) throw fail(withHeader ? 'unsupported Authorization scheme' : 'no client credentials', form.get('client_id'));

  const credentials = method.credentials(request, form);
  const bodyId = form.get('client_id');
  if (bodyId !== undefined && bodyId !== credentials.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the authenticated client');
  }
  return { ...credentials, method: method.viaCertificate ? 'client_certificate' : method.name, fail: (reason) => fail(reason, credentials.clientId) };
}

/** Checks a presented secret against the client store; every failure is the same `invalid_client`. */
async function verifySecret(presented: PresentedCredentials & SecretCredentials, clients: ClientStore): Promise<ClientRecord> {
  const client = await clients.find(presented.clientId);
  const allowed = client !== null && (authMethodsOf(client) as readonly string[]).includes(presented.method);
  // A client not allowed this method is hashed against the dummy: the same cost, and never a match.
  const matches = await verifyClientSecret(client && allowed ? client : DUMMY_SECRETS, presented.secret);
  if (!client) throw presented.fail('unknown client');
  if (!client.enabled) throw presented.fail('client disabled');
  if (!allowed) throw presented.fail(`the client may not use ${presented.method}`);
  if (!matches) throw presented.fail('secret does not match an unexpired secret');
  return client;
}

/**
 * Checks presented credentials, a secret or an assertion, against the client they name. Every
 * failure to authenticate is the same `invalid_client`; the caller applies the failure limits.
 */
export function verifyPresentedClient(presented: PresentedCredentials, request: Request, env: Bindings, services: Services): Promise<ClientRecord> {
  if ('assertion' in presented) return verifyClientAssertion(presented, { request, env, services });
  if ('certificate' in presented) return verifyClientCertificate(presented, request, services);
  return verifySecret(presented, services.clients);
}

/**
 * Authenticates the client of a request to the token, introspection or revocation endpoint
 * (RFC 6749 §2.3, §3.2.1; RFC 7523 §3), under the failed-authentication limits (./rate-limit.ts).
 * Every failure to authenticate is the same `invalid_client`, so a caller learns nothing about
 * which ids exist. The detailed reason goes to the log.
 */
export async function authenticateClient(
  request: Request,
  form: ReadonlyMap<string, string>,
  env: Bindings,
  services: Services,
  endpoint = 'token',
): Promise<AuthenticatedClient> {
  const presented = readCredentials(request, form, endpoint);
  const client = await withFailureLimits(env, services.config, request, presented.clientId, () => verifyPresentedClient(presented, request, env, services));
  return { client, method: presented.method };
}
