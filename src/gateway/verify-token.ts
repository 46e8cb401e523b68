import type { MiddlewareHandler } from 'hono';
import type { AcceptedToken } from '../core/access-token-verifier';
import type { DpopProof } from '../core/dpop';
import { presentedThumbprint } from '../core/client-certificate';
import { log } from '../core/log';
import { TokenRejected } from '../core/verify-token';
import { OAuthError } from '../errors';
import { bearerChallenge, bearerToken, GATEWAY_DESCRIPTIONS } from '../http/bearer';
import { issuerFor } from '../oauth/issuer';
import { servicesFor } from '../services';
import type { GatewayEnv } from './context';
import { claimProofEverywhere, dpopChallenge, dpopProofKey, dpopToken, isDpopAuthorization } from './dpop';
import { resourceMetadataUrl } from './protected-resource-metadata';
import { scopesSatisfy } from './scopes';

/**
 * Middleware: the access token of the request must be valid for the matched route (RFC 6750), or
 * the request ends here with 401 `invalid_token` or 403 `insufficient_scope` and the origin is never
 * called. A token sent as `Authorization: DPoP` comes with a proof of possession checked first
 * (RFC 9449 §7.1; 401 `invalid_dpop_proof`), and must be bound to the proof's key; a bound token
 * sent as Bearer is refused (§7.2), and a route with `dpop: "required"` refuses Bearer altogether.
 * A token bound to a client certificate needs that certificate on the connection (RFC 8705 §3).
 * Challenges use the scheme the caller used; with no credentials, every scheme the route accepts.
 * The token is accepted by the one verifier (src/core/access-token-verifier.ts) under the route's
 * policy: its issuers, audience, the gateway's leeway and `typ` values; the route's scopes
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
    const { config, verifier, dpopReplay } = servicesFor(c.env);
    // RFC 9728 §5.1: every challenge tells the caller where the route's metadata is, so a client
    // can find which authorization server and scopes a token needs.
    const metadata = { resource_metadata: resourceMetadataUrl(route, c.get('url').origin) };
    const authorization = c.req.header('Authorization');
    const asDpop = isDpopAuthorization(authorization);
    const challenge = (params: Record<string, string>) =>
      asDpop ? dpopChallenge({ ...params, ...metadata }) : bearerChallenge(route.realm, { ...params, ...metadata });

    if (!asDpop && route.dpop === 'required') {
      // RFC 9449 §7.1: no usable credentials for the one scheme accepted, so a bare DPoP challenge.
      throw new OAuthError('invalid_token', 'this route requires a DPoP-bound access token', {
        headers: { 'WWW-Authenticate': dpopChallenge(metadata) },
      });
    }
    if (authorization === undefined) {
      // RFC 9110 §11.6.1: one header may carry several challenges, comma-separated; the caller
      // learns both schemes this route accepts.
      throw new OAuthError('invalid_token', GATEWAY_DESCRIPTIONS.missing, {
        headers: { 'WWW-Authenticate': `${bearerChallenge(route.realm, metadata)}, ${dpopChallenge(metadata)}` },
      });
    }

    let token: string;
    let proof: DpopProof | undefined;
    if (asDpop) {
      token = dpopToken(authorization, metadata);
      proof = await dpopProofKey(c.req.raw, token, dpopReplay, Math.floor(Date.now() / 1000), metadata);
    } else {
      token = bearerToken(authorization, route.realm, GATEWAY_DESCRIPTIONS, metadata);
    }

    let accepted: AcceptedToken;
    try {
      accepted = await verifier.verify(token, issuerFor(config, c.get('url')), {
        issuers: route.issuers,
        audience: route.audience,
        clockSkewSeconds: config.gateway.clockSkewSeconds,
        types: config.gateway.tokenTypes,
        presentedAs: asDpop ? 'DPoP' : 'Bearer',
        dpopJkt: proof?.jkt,
        certificateThumbprint: await presentedThumbprint(c.req.raw),
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

    if (proof && route.dpopReplay === 'global') await claimProofEverywhere(c.env, proof, metadata);

    c.set('caller', {
      issuer: accepted.issuer,
      clientId: accepted.clientId,
      subject: accepted.subject,
      scopes: accepted.scopes,
      jti: accepted.jti,
      confirmation: accepted.confirmation,
    });
    return next();
  };
}
