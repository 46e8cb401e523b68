import type { MiddlewareHandler } from 'hono';
import { getConfig } from '../config';
import { findClient } from '../core/clients';
import { getKeyRing } from '../core/key-ring';
import { isRevoked } from '../core/revocation';
import { TokenRejected, verifyLocalToken } from '../core/verify-token';
import type { AppEnv } from '../env';
import { OAuthError, quoteAuthParam } from '../errors';
import { issuerFor } from '../oauth/issuer';
import { ADMIN_RESOURCE, ADMIN_SCOPE } from './names';

/** Leeway for `exp` and `nbf`: the tokens come from this same service, so clocks barely differ. */
const CLOCK_SKEW_SECONDS = 30;

// RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

function challenge(error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope', description?: string): string {
  let value = `Bearer realm=${quoteAuthParam('gatehouse')}`;
  if (error) value += `, error=${quoteAuthParam(error)}, error_description=${quoteAuthParam(description ?? '')}`;
  if (error === 'insufficient_scope') value += `, scope=${quoteAuthParam(ADMIN_SCOPE)}`;
  return value;
}

function refuse(error: 'invalid_request' | 'invalid_token' | 'insufficient_scope', description: string): OAuthError {
  return new OAuthError(error, description, { headers: { 'WWW-Authenticate': challenge(error, description) } });
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
    const header = c.req.header('Authorization');
    // §3.1: a request without credentials gets a challenge without an error code.
    if (header === undefined || !/^bearer(\s|$)/i.test(header)) {
      throw new OAuthError('invalid_token', 'an access token with the gatehouse.admin scope is required', {
        headers: { 'WWW-Authenticate': challenge() },
      });
    }
    const match = BEARER.exec(header);
    if (!match) throw refuse('invalid_request', 'the Bearer authorization header is malformed');

    const config = getConfig(c.env);
    const kv = c.env.GATEHOUSE;
    let payload;
    try {
      ({ payload } = await verifyLocalToken(match[1]!, await getKeyRing(kv, config), {
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

    // RFC 9068 §2.2.3 gives `scope` as a space-delimited string; IdentityServer's array is accepted too.
    const scopes = Array.isArray(payload.scope) ? payload.scope : typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
    if (!scopes.includes(ADMIN_SCOPE)) throw refuse('insufficient_scope', `the token lacks the ${ADMIN_SCOPE} scope`);

    c.set('adminClientId', clientId);
    await next();
  };
}
