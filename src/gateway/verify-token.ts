import type { MiddlewareHandler } from 'hono';
import type { AcceptedToken } from '../core/access-token-verifier';
import { log } from '../core/log';
import { TokenRejected } from '../core/verify-token';
import { OAuthError } from '../errors';
import { bearerChallenge, bearerToken, GATEWAY_DESCRIPTIONS } from '../http/bearer';
import { issuerFor } from '../oauth/issuer';
import { servicesFor } from '../services';
import type { GatewayEnv } from './context';
import { resourceMetadataUrl } from './protected-resource-metadata';
import { scopesSatisfy } from './scopes';

/**
 * Middleware: the bearer token of the request must be valid for the matched route (RFC 6750), or
 * the request ends here with 401 `invalid_token` or 403 `insufficient_scope` and the origin is never
 * called. The token is accepted by the one verifier (src/core/access-token-verifier.ts) under the
 * route's policy: its issuers, audience, the gateway's leeway and `typ` values; the route's scopes
 * are then checked against the scopes the token still carries. Public routes pass without a token.
 * Every challenge carries `resource_metadata`, the URL of the route's metadata (RFC 9728 §5.1).
 */
export function verifyToken(): MiddlewareHandler<GatewayEnv> {
  return async function verifyToken(c, next) {
    const { route } = c.get('match');
    if (route.public) {
      c.set('caller', undefined);
      return next();
    }
    const { config, verifier } = servicesFor(c.env);
    // RFC 9728 §5.1: every challenge tells the caller where the route's metadata is, so a client
    // can find which authorization server and scopes a token needs.
    const metadata = { resource_metadata: resourceMetadataUrl(route, c.get('url').origin) };
    const challenge = (params: Record<string, string>) => bearerChallenge(route.realm, { ...params, ...metadata });
    const token = bearerToken(c.req.header('Authorization'), route.realm, GATEWAY_DESCRIPTIONS, metadata);

    let accepted: AcceptedToken;
    try {
      accepted = await verifier.verify(token, issuerFor(config, c.get('url')), {
        issuers: route.issuers,
        audience: route.audience,
        clockSkewSeconds: config.gateway.clockSkewSeconds,
        types: config.gateway.tokenTypes,
        presentedAs: 'Bearer',
        // Audience, issuers and `typ` are route settings: a verification holds for its route only.
        cacheKey: route.prefix,
      });
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      log('info', 'gateway_rejected', { prefix: route.prefix, reason: error.code });
      throw new OAuthError('invalid_token', error.message, {
        headers: { 'WWW-Authenticate': challenge({ error: 'invalid_token', error_description: error.message }) },
      });
    }

    if (!scopesSatisfy(route, accepted.scopes)) {
      const description = route.scopeMatch === 'all' ? 'the token lacks a scope this route requires' : 'the token has none of the scopes this route accepts';
      log('info', 'gateway_rejected', { prefix: route.prefix, reason: 'insufficient_scope' });
      // RFC 6750 §3: `scope` lists the scopes needed, space-delimited.
      throw new OAuthError('insufficient_scope', description, {
        headers: { 'WWW-Authenticate': challenge({ error: 'insufficient_scope', error_description: description, scope: route.scopes.join(' ') }) },
      });
    }

    c.set('caller', {
      issuer: accepted.issuer,
      clientId: accepted.clientId,
      subject: accepted.subject,
      scopes: accepted.scopes,
      jti: accepted.jti,
    });
    return next();
  };
}
