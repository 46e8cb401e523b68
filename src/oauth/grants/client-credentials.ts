import type { Catalog } from '../../core/catalog';
import type { ClientRecord } from '../../core/records';
import { log } from '../../core/log';
import { mintAccessToken } from '../../core/tokens';
import type { Grant } from './grant';
import { narrowToResources, type Target } from './resource';
import { defaultScopes, parseScopeParam, requestedScopes } from './scope';

/**
 * The client credentials grant (RFC 6749 §4.4). With `scope`, every requested scope must be allowed
 * for the client and be a known, enabled API scope (IdentityServer's behaviour). Without it, the
 * client gets its default scopes (§3.3 lets the server pick them): those it is allowed that are
 * known, enabled and not explicit-only — never `gatehouse.admin`, which must always be asked for.
 * With `resource` (RFC 8707), the token is narrowed to the indicated resources and the scopes they
 * accept; without it, it is for every resource that accepts a granted scope.
 */
export const clientCredentials: Grant = {
  grantType: 'client_credentials',
  parameters: ['scope', 'resource'],
  async handle({ config, services, form, resources, client, issuer, now, confirmation }) {
    const catalog = await services.catalog.get();
    const { scopes, audiences } = clientCredentialsTarget(client, catalog, form.get('scope'), resources, issuer);

    const signer = await services.keyRing.signer(now);
    const minted = await mintAccessToken({
      issuer,
      client,
      scopes,
      audiences,
      scopeFormat: config.scopeClaimFormat,
      signer,
      now,
      confirmation,
    });
    log('info', 'token_issued', { client_id: client.clientId, jti: minted.jti, kid: signer.kid, scope: scopes.join(' '), ...confirmation });
    return { access_token: minted.token, token_type: confirmation?.jkt ? 'DPoP' : 'Bearer', expires_in: minted.expiresIn, scope: scopes.join(' ') };
  },
};

/**
 * The scopes and audiences of a client credentials token for `client`, asked for with the `scope`
 * parameter `scope` (undefined: the client's defaults) and the `resource` parameters `resources`;
 * an OAuthError (`invalid_scope`, `invalid_target`) when the token endpoint would refuse. The admin
 * console's Evaluate asks it too, so what it shows is what the grant would do.
 */
export function clientCredentialsTarget(client: ClientRecord, catalog: Catalog, scope: string | undefined, resources: readonly string[], issuer: string): Target {
  const asked = scope !== undefined;
  const granted = asked ? requestedScopes(parseScopeParam(scope), client, catalog) : defaultScopes(client, catalog);
  return resources.length > 0 ? narrowToResources(resources, granted, catalog, asked) : everyResource(granted, catalog, issuer);
}

/** A token without resource indicators: for every enabled resource that accepts a granted scope. */
function everyResource(granted: string[], catalog: Catalog, issuer: string): Target {
  const audiences = [...new Set(granted.flatMap((scope) => catalog.audiences.get(scope) ?? []))];
  // Scopes outside every API resource still need an audience (RFC 9068 §3); like IdentityServer's
  // EmitStaticAudienceClaim, the token is then for this issuer's resources.
  if (audiences.length === 0) audiences.push(`${issuer}/resources`);
  return { audiences, scopes: granted };
}
