import type { MiddlewareHandler } from 'hono';
import { getConfig } from '../config';
import { findClient } from '../core/clients';
import { getKeyRing } from '../core/key-ring';
import { isRevoked } from '../core/revocation';
import { TokenRejected, verifyLocalToken } from '../core/verify-token';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';
import { tokenScopes } from '../core/token-scopes';
import { bearerChallenge, bearerToken } from '../http/bearer';
import { issuerFor } from '../oauth/issuer';
import { ADMIN_RESOURCE, ADMIN_SCOPE } from './names';

/** Leeway for `exp` and `nbf`: the tokens come from this same service, so clocks barely differ. */
const CLOCK_SKEW_SECONDS = 30;

const REALM = 'gatehouse';

const DESCRIPTIONS = {
  missing: `an access token with the ${ADMIN_SCOPE} scope is required`,
  malformed: 'the Bearer authorization header is malformed',
};

function refuse(error: 'invalid_token' | 'insufficient_scope', description: string): OAuthError {
  const params: Record<string, string> = { error, error_description: description };
  if (error === 'insufficient_scope') params.scope = ADMIN_SCOPE;
  return new OAuthError(error, description, { headers: { 'WWW-Authenticate': bearerChallenge(REALM, params) } });
}

/** The admin's identity, set by {@link requireAdminToken} for the handlers' log lines. */
export interface AdminVariables {
  adminClientId: string;
}

/**
 * Protects the admin API with Gatehouse's own access tokens (RFC 6750): a bearer token this server
 * issued, for the `gatehouse` resource, carrying the `gatehouse.admin` scope, not revoked, whose
 * client still exists and is enabled. Verified in memory against the key ring, never by a call to
 * the token endpoint. Failures are answered with the RFC 6750 §3 challenge.
 */
export function requireAdminToken(): MiddlewareHandler<AppEnv & { Variables: AdminVariables }> {
  return async function requireAdmin(c, next) {
    const token = bearerToken(c.req.header('Authorization'), REALM, DESCRIPTIONS);

    const config = getConfig(c.env);
    const kv = c.env.GATEHOUSE;
    let payload;
    try {
      ({ payload } = await verifyLocalToken(token, await getKeyRing(kv, config), {
        issuer: issuerFor(config, c.req.url),
        audience: ADMIN_RESOURCE,
        clockSkewSeconds: CLOCK_SKEW_SECONDS,
      }));
    } catch (error) {
      if (error instanceof TokenRejected) throw refuse('invalid_token', error.message);
      throw error;
    }
    if (await isRevoked(kv, config, String(payload.jti))) throw refuse('invalid_token', 'the token has been revoked');
    const clientId = String(payload.client_id);
    const client = await findClient(kv, config, clientId);
    if (!client?.enabled) throw refuse('invalid_token', "the token's client is unknown or disabled");

    if (!tokenScopes(payload).includes(ADMIN_SCOPE)) throw refuse('insufficient_scope', `the token lacks the ${ADMIN_SCOPE} scope`);

    c.set('adminClientId', clientId);
    await next();
  };
}
