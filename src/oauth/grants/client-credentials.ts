import { log } from '../../core/log';
import { mintAccessToken } from '../../core/tokens';
import { OAuthError } from '../../errors';
import { echoed } from '../../http/form';
import type { Grant } from './grant';
import { parseScopeParam } from './scope';

/**
 * The client credentials grant (RFC 6749 §4.4). Without `scope`, the client gets every scope it is
 * allowed (IdentityServer's behaviour, §3.3 lets the server pick a default); with `scope`, every
 * requested scope must be allowed for the client and be a known, enabled API scope.
 */
export const clientCredentials: Grant = {
  grantType: 'client_credentials',
  parameters: ['scope'],
  async handle({ config, services, form, client, issuer, now }) {
    const requested = form.has('scope') ? parseScopeParam(form.get('scope')!) : [...new Set(client.allowedScopes)];
    const catalog = await services.catalog.get();

    for (const scope of requested) {
      if (!client.allowedScopes.includes(scope) || !catalog.scopes.get(scope)?.enabled) {
        throw new OAuthError('invalid_scope', `scope${echoed(scope)} is not allowed for this client`);
      }
    }
    if (requested.length === 0) throw new OAuthError('invalid_scope', 'the client has no allowed scopes');

    const audiences = [...new Set(requested.flatMap((scope) => catalog.audiences.get(scope) ?? []))];
    // Scopes outside every API resource still need an audience (RFC 9068 §3); like IdentityServer's
    // EmitStaticAudienceClaim, the token is then for this issuer's resources.
    if (audiences.length === 0) audiences.push(`${issuer}/resources`);

    const signer = await services.keyRing.signer(now);
    const minted = await mintAccessToken({
      issuer,
      client,
      scopes: requested,
      audiences,
      scopeFormat: config.scopeClaimFormat,
      signer,
      now,
    });
    log('info', 'token_issued', { client_id: client.clientId, jti: minted.jti, kid: signer.kid, scope: requested.join(' ') });
    return { access_token: minted.token, token_type: 'Bearer', expires_in: minted.expiresIn, scope: requested.join(' ') };
  },
};
