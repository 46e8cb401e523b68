import { verifyClientSecret } from '../../core/clients';
import type { Bindings } from '../../env';
import type { Services } from '../../services';
import { DUMMY_SECRETS, readCredentials } from './index';
import { withFailureLimits } from './rate-limit';

/** Who called the introspection endpoint: an API resource (IdentityServer's model) or a client. */
export type Caller = { kind: 'resource'; name: string } | { kind: 'client'; clientId: string };

/**
 * Authenticates the caller of the introspection endpoint (RFC 7662 §2.1) with the same methods
 * and failure limits as the token endpoint. The id is tried as an API resource's name against the
 * resource's own secrets (IdentityServer's ApiSecrets) and as a client id; both secrets are
 * checked whatever the outcome, so timing does not tell which kinds of record exist. A resource
 * wins when one id names both and the secret matches the resource.
 */
export async function authenticateResourceOrClient(
  request: Request,
  form: ReadonlyMap<string, string>,
  env: Bindings,
  services: Services,
): Promise<Caller> {
  const presented = readCredentials(request, form, 'introspection');
  return withFailureLimits(env, services.config, request, presented.clientId, async (): Promise<Caller> => {
    const [catalog, client] = await Promise.all([
      services.catalog.get(),
      services.clients.find(presented.clientId),
    ]);
    const resource = catalog.resources.get(presented.clientId);
    const [resourceMatches, clientMatches] = await Promise.all([
      verifyClientSecret(resource?.secrets.length ? resource : DUMMY_SECRETS, presented.secret),
      verifyClientSecret(client ?? DUMMY_SECRETS, presented.secret),
    ]);
    if (resource?.enabled && resource.secrets.length > 0 && resourceMatches) return { kind: 'resource', name: resource.name };
    if (client?.enabled && clientMatches) return { kind: 'client', clientId: client.clientId };
    if (!resource && !client) throw presented.fail('unknown client or API resource');
    if (resource && !resource.enabled && resourceMatches) throw presented.fail('API resource disabled');
    if (client && !client.enabled && clientMatches) throw presented.fail('client disabled');
    throw presented.fail('secret does not match an unexpired secret');
  });
}
