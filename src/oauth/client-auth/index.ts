import type { Config } from '../../config';
import { findClient, verifyClientSecret } from '../../core/clients';
import { log } from '../../core/log';
import type { ClientRecord } from '../../core/records';
import { OAuthError } from '../../errors';
import type { ClientAuthMethod } from './credentials';
import { BASIC_CHALLENGE, secretBasic } from './secret-basic';
import { secretPost } from './secret-post';

/** Every client authentication method the token endpoint accepts, in discovery order. */
export const CLIENT_AUTH_METHODS: readonly ClientAuthMethod[] = [secretBasic, secretPost];

// Hashed when the client is unknown, so that an unknown id costs the same as a wrong secret.
const DUMMY_CLIENT = { secrets: [{ hash: 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=' }] };

export interface AuthenticatedClient {
  client: ClientRecord;
  method: string;
}

/**
 * Authenticates the client of a token-endpoint request (RFC 6749 §2.3, §3.2.1). Exactly one method
 * may be used; every failure to authenticate is the same `invalid_client`, so a caller learns
 * nothing about which ids exist. The detailed reason goes to the log.
 */
export async function authenticateClient(
  request: Request,
  form: ReadonlyMap<string, string>,
  kv: KVNamespace,
  config: Config,
): Promise<AuthenticatedClient> {
  const used = CLIENT_AUTH_METHODS.filter((m) => m.present(request, form));
  if (used.length > 1) throw new OAuthError('invalid_request', 'use exactly one client authentication method');
  const method = used[0];
  const withHeader = request.headers.has('Authorization');
  const fail = (reason: string, clientId?: string) => {
    log('warn', 'client_auth_failed', { client_id: clientId?.slice(0, 100), method: method?.name, reason });
    return new OAuthError('invalid_client', 'client authentication failed', {
      headers: withHeader ? { 'WWW-Authenticate': BASIC_CHALLENGE } : {},
    });
  };
  if (!method) throw fail(withHeader ? 'unsupported Authorization scheme' : 'no client credentials', form.get('client_id'));

  const { clientId, secret } = method.credentials(request, form);
  const bodyId = form.get('client_id');
  if (bodyId !== undefined && bodyId !== clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the authenticated client');
  }

  const client = await findClient(kv, config, clientId);
  const matches = await verifyClientSecret(client ?? DUMMY_CLIENT, secret);
  if (!client) throw fail('unknown client', clientId);
  if (!client.enabled) throw fail('client disabled', clientId);
  if (!matches) throw fail('secret does not match an unexpired secret', clientId);
  return { client, method: method.name };
}
