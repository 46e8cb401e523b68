import { decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import type { MiddlewareHandler } from 'hono';
import { getConfig, type Config } from '../config';
import { getKeyRing } from '../core/key-ring';
import { log } from '../core/log';
import { isRevoked } from '../core/revocation';
import { fromJoseError, TokenRejected, typeAccepted, verifyLocalToken } from '../core/verify-token';
import { OAuthError } from '../errors';
import { issuerFor } from '../oauth/issuer';
import { bearerChallenge, bearerToken } from '../http/bearer';
import type { GatewayEnv } from './context';
import type { GatewayConfig } from './gateway-config';
import { ASYMMETRIC_ALGS, RemoteIssuer } from './remote-issuer';
import { SELF_ISSUER, type GatewayRoute } from './routes';
import { tokenScopes } from '../core/token-scopes';
import { scopesSatisfy } from './scopes';
import { TtlCache } from '../core/ttl-cache';

const remoteIssuers = new WeakMap<GatewayConfig, Map<string, RemoteIssuer>>();

interface Verified {
  payload: JWTPayload;
  /** Whether this Gatehouse issued it (so revocation applies). */
  self: boolean;
}

/** A verification kept for reuse, with the issuer it was checked against. */
interface VerifiedEntry extends Verified {
  /** For this Gatehouse's own tokens, the request's issuer (the request's origin when ISSUER is unset). */
  expectedIssuer: string;
}

const verifiedTokens = new WeakMap<Config, TtlCache<VerifiedEntry>>();

/**
 * Tokens this isolate has verified, per route and exact token. A machine client sends the same
 * token with every request until it nears expiry, so its signature is checked once per isolate
 * rather than once per request (Envoy's jwt_authn offers the same as `jwt_cache_config`). Only
 * successes are kept, per route, since audience, issuers and `typ` are route settings. An entry
 * lives no longer than STORE_CACHE_SECONDS, the staleness the isolate's copies of the key ring and
 * of revocations already allow, and never past the token's `exp` plus leeway; scopes and
 * revocation are still checked on every request. At most GATEWAY_TOKEN_CACHE_SIZE entries, the
 * oldest dropped first, so a flood of distinct valid tokens cannot grow memory.
 */
function verifiedTokensOf(config: Config): TtlCache<VerifiedEntry> {
  let cache = verifiedTokens.get(config);
  if (!cache) verifiedTokens.set(config, (cache = new TtlCache(config.storeCacheMs, config.gateway.tokenCacheSize)));
  return cache;
}

/** Until when jose accepts the token's `exp` with this leeway (epoch ms): while `exp` + leeway is after the current second. */
function acceptedUntil(payload: JWTPayload, leewaySeconds: number): number {
  return typeof payload.exp === 'number' ? (payload.exp + leewaySeconds) * 1000 : Infinity;
}

/** The isolate's cache of one trusted issuer's keys, created on first use. */
function remoteIssuer(config: GatewayConfig, issuer: string): RemoteIssuer {
  let byIssuer = remoteIssuers.get(config);
  if (!byIssuer) remoteIssuers.set(config, (byIssuer = new Map()));
  let remote = byIssuer.get(issuer);
  if (!remote) {
    remote = new RemoteIssuer(issuer, { refreshMs: config.jwksRefreshMs, maxAgeMs: config.jwksMaxAgeMs, timeoutMs: config.fetchTimeoutMs });
    byIssuer.set(issuer, remote);
  }
  return remote;
}

/** Verifies a token of another trusted issuer against its JWKS; the same checks as for our own. */
async function verifyRemoteToken(token: string, remote: RemoteIssuer, route: GatewayRoute, config: GatewayConfig): Promise<JWTPayload> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, remote.keyFor, {
      issuer: remote.issuer,
      audience: route.audience,
      clockTolerance: config.clockSkewSeconds,
      algorithms: ASYMMETRIC_ALGS,
      requiredClaims: ['exp', 'client_id'],
    });
    if (!typeAccepted(protectedHeader.typ, config.tokenTypes)) {
      throw new TokenRejected('bad_type', 'the token is not an access token (typ)');
    }
    return payload;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    throw fromJoseError(error);
  }
}

/** Verifies the token with the issuer it names, if the route trusts that issuer. */
async function verifyWithIssuer(token: string, route: GatewayRoute, config: Config, ownIssuer: string, kv: KVNamespace): Promise<Verified> {
  let iss: unknown;
  try {
    iss = decodeJwt(token).iss;
  } catch {
    throw new TokenRejected('malformed', 'the token is malformed');
  }
  if (route.issuers.includes(SELF_ISSUER) && iss === ownIssuer) {
    const ring = await getKeyRing(kv, config);
    const { payload } = await verifyLocalToken(token, ring, {
      issuer: iss,
      audience: route.audience,
      clockSkewSeconds: config.gateway.clockSkewSeconds,
      types: config.gateway.tokenTypes,
    });
    return { payload, self: true };
  }
  if (typeof iss === 'string' && iss !== SELF_ISSUER && route.issuers.includes(iss)) {
    return { payload: await verifyRemoteToken(token, remoteIssuer(config.gateway, iss), route, config.gateway), self: false };
  }
  throw new TokenRejected('bad_issuer', 'the token is not from an issuer this route trusts');
}

/** The verification of this token for this route: reused from the isolate's cache, or done now. */
async function verifyForRoute(token: string, route: GatewayRoute, config: Config, requestUrl: URL, kv: KVNamespace): Promise<Verified> {
  const cache = verifiedTokensOf(config);
  const ownIssuer = issuerFor(config, requestUrl);
  const key = `${route.prefix} ${token}`;
  const cached = cache.peek(key);
  // With ISSUER unset, this Gatehouse's issuer is the request's origin: a token checked under one
  // host name is not thereby valid under another.
  if (cached && (!cached.self || cached.expectedIssuer === ownIssuer)) return cached;
  const verified = await verifyWithIssuer(token, route, config, ownIssuer, kv);
  cache.setUntil(key, { ...verified, expectedIssuer: ownIssuer }, acceptedUntil(verified.payload, config.gateway.clockSkewSeconds));
  return verified;
}

/**
 * Middleware: the bearer token of the request must be valid for the matched route (RFC 6750), or
 * the request ends here with 401 `invalid_token` or 403 `insufficient_scope` and the origin is never
 * called. Checks, in memory: allow-listed asymmetric `alg`, a known key, `typ`, `iss` among the
 * route's issuers, `aud`, `exp`/`nbf` with leeway, the route's scopes, and for this Gatehouse's own
 * tokens, revocation (one cached KV read). Public routes pass without a token.
 */
export function verifyToken(): MiddlewareHandler<GatewayEnv> {
  return async function verifyToken(c, next) {
    const { route } = c.get('match');
    if (route.public) {
      c.set('caller', undefined);
      return next();
    }
    const config = getConfig(c.env);
    const token = bearerToken(c.req.header('Authorization'), route.realm);

    let payload: JWTPayload;
    try {
      const verified = await verifyForRoute(token, route, config, c.get('url'), c.env.GATEHOUSE);
      payload = verified.payload;
      // RFC 9068 §2.2: client_id names the client; an empty one names nobody, and would reach the
      // origin as an empty X-Gatehouse-Client-Id.
      if (typeof payload.client_id !== 'string' || payload.client_id === '') {
        throw new TokenRejected('missing_claim', 'the token\'s "client_id" claim is invalid');
      }
      if (verified.self && (await isRevoked(c.env.GATEHOUSE, config, payload.jti as string))) {
        throw new TokenRejected('revoked', 'the token has been revoked');
      }
    } catch (error) {
      if (!(error instanceof TokenRejected)) throw error;
      log('info', 'gateway_rejected', { prefix: route.prefix, reason: error.code });
      throw new OAuthError('invalid_token', error.message, {
        headers: { 'WWW-Authenticate': bearerChallenge(route.realm, { error: 'invalid_token', error_description: error.message }) },
      });
    }

    const scopes = tokenScopes(payload);
    if (!scopesSatisfy(route, scopes)) {
      const description = route.scopeMatch === 'all' ? 'the token lacks a scope this route requires' : 'the token has none of the scopes this route accepts';
      log('info', 'gateway_rejected', { prefix: route.prefix, reason: 'insufficient_scope' });
      // RFC 6750 §3: `scope` lists the scopes needed, space-delimited.
      throw new OAuthError('insufficient_scope', description, {
        headers: {
          'WWW-Authenticate': bearerChallenge(route.realm, { error: 'insufficient_scope', error_description: description, scope: route.scopes.join(' ') }),
        },
      });
    }

    const clientId = payload.client_id as string;
    c.set('caller', {
      issuer: payload.iss!,
      clientId,
      subject: typeof payload.sub === 'string' ? payload.sub : clientId,
      scopes,
      jti: typeof payload.jti === 'string' ? payload.jti : undefined,
    });
    return next();
  };
}
