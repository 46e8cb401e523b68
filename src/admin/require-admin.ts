import { presentedThumbprint } from '../core/client-certificate';
import type { MiddlewareHandler } from 'hono';
import type { AcceptedToken } from '../core/access-token-verifier';
import { TokenRejected } from '../core/verify-token';
import type { AppEnv, Bindings } from '../env';
import { OAuthError } from '../errors';
import { bearerChallenge, bearerToken } from '../http/bearer';
import { issuerFor } from '../oauth/issuer';
import { servicesFor } from '../services';
import { SELF_ISSUER } from '../settings';
import { ADMIN_RESOURCE, ADMIN_SCOPE } from './names';

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
 * issued for the `gatehouse` resource, accepted by the one verifier (not revoked, its client still
 * exists and is enabled), carrying the `gatehouse.admin` scope that its client still holds, so
 * taking the scope from a client ends its admin access within the cache bound. Verified in memory,
 * never by a call to the token endpoint. Failures are answered with the RFC 6750 §3 challenge.
 */
export function requireAdminToken(): MiddlewareHandler<AppEnv & { Variables: AdminVariables }> {
  return async function requireAdmin(c, next) {
    const token = bearerToken(c.req.header('Authorization'), REALM, DESCRIPTIONS);
    c.set('adminClientId', await acceptAdminToken(c.env, token, c.req.raw));
    await next();
  };
}

/**
 * The admin client whose access token `token` is, accepted by the rules of {@link requireAdminToken}
 * (the admin console's sessions hold such a token); refused with the RFC 6750 §3 error otherwise.
 */
export async function acceptAdminToken(env: Bindings, token: string, request: Request): Promise<string> {
  const { config, verifier } = servicesFor(env);
  let accepted: AcceptedToken;
  try {
    accepted = await verifier.verify(token, issuerFor(config, request.url), {
      issuers: [SELF_ISSUER],
      audience: ADMIN_RESOURCE,
      clockSkewSeconds: config.gateway.clockSkewSeconds,
      types: ['at+jwt'],
      presentedAs: 'Bearer',
      certificateThumbprint: await presentedThumbprint(request),
    });
  } catch (error) {
    if (error instanceof TokenRejected) throw refuse('invalid_token', error.message);
    throw error;
  }
  if (!accepted.scopes.includes(ADMIN_SCOPE)) throw refuse('insufficient_scope', `the token lacks the ${ADMIN_SCOPE} scope`);
  return accepted.clientId;
}
