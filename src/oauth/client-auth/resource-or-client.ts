import { verifyClientSecret } from '../../core/clients';
import { authMethodsOf } from '../../core/records';
import type { Bindings } from '../../env';
import type { Services } from '../../services';
import { DUMMY_SECRETS, readCredentials, verifyPresentedClient } from './index';
import { withFailureLimits } from './rate-limit';

/** Who called the introspection endpoint: an API resource (IdentityServer's model) or a client. */
export type Caller = { kind: 'resource'; name: string } | { kind: 'client'; clientId: string };

/**
 * Authenticates the caller of the introspection endpoint (RFC 7662 §2.1) with the same methods
 * and failure limits as the token endpoint. An API resource has secrets only (IdentityServer's
 * ApiSecrets), so an assertion (`private_key_jwt`) is checked as a client's. A secret's id is tried
 * as an API resource's name against the resource's own secrets and as a client id; both secrets
 * are checked whatever the outcome, so timing does not tell which kinds of record exist. A
 * resource wins when one id names both and the secret matches the resource.
 */
export async function authenticateResourceOrClient(
  request: Request,
  form: ReadonlyMap<string, string>,
  env: Bindings,
  services: Services,
): Promise<Caller> {
  const presented = readCredentials(request, form, 'introspection');
  return withFailureLimits(env, services.config, request, presented.clientId, async (): Promise<Caller> => {
    // API resources have secrets only: an assertion or a certificate authenticates a client.
    if ('assertion' in presented || 'certificate' in presented) {
      const client = await verifyPresentedClient(presented, request, env, services);
      return { kind: 'client', clientId: client.clientId };
    }
    const [catalog, client] = await Promise.all([
      services.catalog.get(),
      services.clients.find(presented.clientId),
    ]);
    const resource = catalog.resources.get(presented.clientId);
    const clientAllowed = client !== null && (authMethodsOf(client) as readonly string[]).includes(presented.method);
    const [resourceMatches, clientMatches] = await Promise.all([
      verifyClientSecret(resource?.secrets.length ? resource : DUMMY_SECRETS, presented.secret),
      // A client not allowed this method is hashed against the dummy: the same cost, and never a match.
      verifyClientSecret(client && clientAllowed ? client : DUMMY_SECRETS, presented.secret),
    ]);
    if (resource?.enabled && resource.secrets.length > 0 && resourceMatches) return { kind: 'resource', name: resource.name };
    if (client?.enabled && clientMatches) return { kind: 'client', clientId: client.clientId };
    if (!resource && !client) throw presented.fail('unknown client or API resource');
    if (resource && !resource.enabled && resourceMatches) throw presented.fail('API resource disabled');
    if (client && !client.enabled && clientMatches) throw presented.fail('client disabled');
    if (client && !clientAllowed && !resourceMatches) throw presented.fail(`the client may not use ${presented.method}`);
    throw presented.fail('secret does not match an unexpired secret');
  });
}
