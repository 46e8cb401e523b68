import { ConfigError } from '../config-error';
import type { Bindings } from '../env';
import { RouteTable } from './route-table';
import { mergeRoutes, parseRouteList } from './routes';

/** The gateway's part of the validated configuration (docs/configuration.md, "Gateway"). */
export interface GatewayConfig {
  routes: RouteTable;
  /** Leeway for `exp` and `nbf`, seconds. */
  clockSkewSeconds: number;
  /** Accepted access-token `typ` values (RFC 9068 §4: `at+jwt`). */
  tokenTypes: string[];
  /** Least time between two JWKS fetches of one issuer triggered by an unknown `kid`, ms. */
  jwksRefreshMs: number;
  /** Age after which an issuer's JWKS is fetched again (kept if that fails), ms. */
  jwksMaxAgeMs: number;
  /** Age after which an issuer's JWKS that could not be fetched again stops serving, ms. */
  jwksStaleMs: number;
  /** Timeout of each discovery or JWKS fetch, ms. */
  fetchTimeoutMs: number;
  /** Lifetime of the origin assertion, seconds. */
  assertionLifetimeSeconds: number;
  /** Longest wait for an origin's response headers before answering 504, ms. */
  originTimeoutMs: number;
  /** Most verified tokens an isolate remembers (0: verify every request). */
  tokenCacheSize: number;
}

function whole(setting: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined || value === '') return fallback;
  const n = /^\d{1,7}$/.test(value) ? Number(value) : NaN;
  if (!(n >= min && n <= max)) throw new ConfigError(setting, `must be a whole number from ${min} to ${max}; got "${value}"`);
  return n;
}

// RFC 7515 §4.1.9 media type names, without the `application/` prefix.
const TYP = /^[A-Za-z0-9!#$&^_.+-]+$/;

function tokenTypes(value: string | undefined): string[] {
  if (value === undefined || value === '') return ['at+jwt'];
  const types = value.split(/[\s,]+/).filter(Boolean).map((t) => t.replace(/^application\//i, ''));
  if (types.length === 0 || !types.every((t) => TYP.test(t))) {
    throw new ConfigError('GATEWAY_TOKEN_TYPES', `must list typ values such as "at+jwt JWT"; got "${value}"`);
  }
  return types;
}

/** Validates the gateway settings of the bindings; throws {@link ConfigError} naming the bad one. */
export function loadGatewayConfig(env: Bindings): GatewayConfig {
  const routes = mergeRoutes(
    parseRouteList('GATEWAY_ROUTES', env.GATEWAY_ROUTES),
    parseRouteList('GATEWAY_ROUTES_EXTRA', env.GATEWAY_ROUTES_EXTRA),
  );
  return {
    routes: new RouteTable(routes),
    clockSkewSeconds: whole('GATEWAY_CLOCK_SKEW_SECONDS', env.GATEWAY_CLOCK_SKEW_SECONDS, 60, 0, 600),
    tokenTypes: tokenTypes(env.GATEWAY_TOKEN_TYPES),
    jwksRefreshMs: whole('GATEWAY_JWKS_REFRESH_SECONDS', env.GATEWAY_JWKS_REFRESH_SECONDS, 60, 1, 86_400) * 1000,
    jwksMaxAgeMs: whole('GATEWAY_JWKS_MAX_AGE_SECONDS', env.GATEWAY_JWKS_MAX_AGE_SECONDS, 3600, 0, 604_800) * 1000,
    jwksStaleMs: whole('GATEWAY_JWKS_STALE_SECONDS', env.GATEWAY_JWKS_STALE_SECONDS, 86_400, 60, 2_592_000) * 1000,
    fetchTimeoutMs: whole('GATEWAY_FETCH_TIMEOUT_MS', env.GATEWAY_FETCH_TIMEOUT_MS, 3000, 100, 30_000),
    assertionLifetimeSeconds: whole('GATEWAY_ASSERTION_LIFETIME_SECONDS', env.GATEWAY_ASSERTION_LIFETIME_SECONDS, 60, 10, 600),
    originTimeoutMs: whole('GATEWAY_ORIGIN_TIMEOUT_MS', env.GATEWAY_ORIGIN_TIMEOUT_MS, 30_000, 100, 300_000),
    tokenCacheSize: whole('GATEWAY_TOKEN_CACHE_SIZE', env.GATEWAY_TOKEN_CACHE_SIZE, 1000, 0, 100_000),
  };
}
