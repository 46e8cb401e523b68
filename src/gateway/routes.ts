import { ConfigError } from '../config-error';
import { SELF_ISSUER } from '../settings';

/** One gateway route, validated; docs/gateway.md describes each field. */
export interface GatewayRoute {
  /** Path prefix on segment boundaries, e.g. `/weatherforecast`; never `/` alone. */
  prefix: string;
  /** Origin base URL without a trailing slash, e.g. `http://127.0.0.1:8788` or `https://api.internal/v1`. */
  origin: string;
  /** `aud` the token must carry (one of these). */
  audience: string[];
  /** Scopes the token must carry. */
  scopes: string[];
  /** `all`: every scope in `scopes`; `any`: at least one. */
  scopeMatch: 'all' | 'any';
  /** Methods served (upper case); undefined serves every method. */
  methods: string[] | undefined;
  /** Pass the caller's `Authorization` header on to the origin. */
  forwardAuthorization: boolean;
  /** Trusted issuers: {@link SELF_ISSUER} and/or issuer URLs found by discovery. */
  issuers: string[];
  /** Remove the prefix from the forwarded path. */
  stripPrefix: boolean;
  /** Accept `;parameters` in path segments (RFC 3986 §3.3), which most origins never expect. */
  pathParameters: boolean;
  /** `aud` of the origin assertion; defaults to the origin's scheme://host[:port]. */
  assertionAudience: string;
  /** No token needed and no assertion sent: a plain pass-through (still never an open proxy). */
  public: boolean;
  /** The RFC 6750 `realm` of this route's challenges. */
  realm: string;
  /** `allowed`: Bearer and DPoP tokens (a bound token only as DPoP); `required`: DPoP only (RFC 9449 §7). */
  dpop: 'allowed' | 'required';
  /**
   * Where a DPoP proof's `jti` is checked for reuse (RFC 9449 §11.1): `isolate` (each isolate
   * remembers the proofs it accepted) or `global` (one Durable Object per key, every location).
   */
  dpopReplay: 'isolate' | 'global';
}

/** Paths the Worker serves itself; a route may not shadow them. */
const RESERVED_SEGMENTS = new Set(['connect', '.well-known', 'healthz', 'admin']);

const FIELDS = new Set([
  'prefix', 'origin', 'audience', 'scopes', 'scopeMatch', 'methods', 'forwardAuthorization',
  'issuers', 'stripPrefix', 'pathParameters', 'assertionAudience', 'public', 'realm', 'dpop', 'dpopReplay',
]);

// RFC 3986 §2.3 unreserved characters only: a prefix is compared byte for byte with the canonical
// path, which decodes exactly these (§6.2.2.2), so no other spelling of a prefix reaches its route.
// A sub-delimiter would keep a second spelling (`%21` for `!`), and `;` starts path parameters.
const PREFIX = /^(\/[A-Za-z0-9\-._~]+)+$/;
const METHOD = /^[A-Z]+$/;
// RFC 6749 §3.3 scope-token.
const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/;

function absoluteHttpUrl(where: string, value: unknown, allowPath: boolean): URL {
  let url: URL | undefined;
  try {
    if (typeof value === 'string') url = new URL(value);
  } catch {
    // reported below
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
    throw new ConfigError(where, `must be an absolute http(s) URL; got ${JSON.stringify(value)}`);
  }
  if (url.username || url.password) throw new ConfigError(where, 'must not carry credentials');
  if (url.search || url.hash || (typeof value === 'string' && /[?#]/.test(value))) {
    throw new ConfigError(where, `must not have a query or fragment; got ${JSON.stringify(value)}`);
  }
  if (!allowPath && url.pathname !== '/') throw new ConfigError(where, `must have no path; got ${JSON.stringify(value)}`);
  return url;
}

function stringList(where: string, value: unknown, check: (s: string) => boolean, what: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || !list.every((s) => typeof s === 'string' && check(s))) {
    throw new ConfigError(where, `must be ${what} or a non-empty list of them; got ${JSON.stringify(value)}`);
  }
  return [...new Set(list as string[])];
}

function flag(where: string, value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new ConfigError(where, `must be true or false; got ${JSON.stringify(value)}`);
  return value;
}

/** Validates one route object; `where` names it in errors, e.g. `GATEWAY_ROUTES[2]`. */
export function parseRoute(where: string, raw: unknown): GatewayRoute {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new ConfigError(where, 'must be an object with at least prefix, origin and audience');
  }
  const r = raw as Record<string, unknown>;
  for (const key of Object.keys(r)) {
    if (!FIELDS.has(key)) throw new ConfigError(`${where}.${key}`, `is not a route setting (known: ${[...FIELDS].join(', ')})`);
  }

  if (typeof r.prefix !== 'string' || !PREFIX.test(r.prefix)) {
    throw new ConfigError(`${where}.prefix`, `must be a path like "/api" or "/api/v1" (letters, digits, "-", ".", "_" and "~" only; no trailing slash); got ${JSON.stringify(r.prefix)}`);
  }
  const segments = r.prefix.split('/').slice(1);
  if (segments.some((s) => s === '.' || s === '..')) throw new ConfigError(`${where}.prefix`, 'must not contain "." or ".." segments');
  if (RESERVED_SEGMENTS.has(segments[0]!)) {
    throw new ConfigError(`${where}.prefix`, `must not start with /${segments[0]}, which Gatehouse serves itself`);
  }

  const origin = absoluteHttpUrl(`${where}.origin`, r.origin, true);
  const isPublic = flag(`${where}.public`, r.public);

  let audience: string[] = [];
  let scopes: string[] = [];
  let issuers: string[] = [SELF_ISSUER];
  if (!isPublic) {
    audience = stringList(`${where}.audience`, r.audience, (s) => s !== '', 'a non-empty string');
    scopes = r.scopes === undefined ? [] : stringList(`${where}.scopes`, r.scopes, (s) => SCOPE_TOKEN.test(s), 'a scope name');
    if (r.issuers !== undefined) {
      issuers = stringList(`${where}.issuers`, r.issuers, (s) => s !== '', `"${SELF_ISSUER}" or an issuer URL`).map((s, i) => {
        if (s === SELF_ISSUER) return s;
        const url = absoluteHttpUrl(`${where}.issuers[${i}]`, s, true);
        const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
        if (url.protocol !== 'https:' && !loopback) throw new ConfigError(`${where}.issuers[${i}]`, `must use https (http only for localhost); got "${s}"`);
        // Issuer identifiers compare exactly (RFC 8414 §3.3): a trailing slash stays, as Auth0's does.
        return s;
      });
    }
  } else if (r.audience !== undefined || r.scopes !== undefined || r.issuers !== undefined || r.forwardAuthorization !== undefined || r.dpop !== undefined || r.dpopReplay !== undefined) {
    throw new ConfigError(where, 'is public, so it cannot have audience, scopes, issuers, forwardAuthorization, dpop or dpopReplay');
  }
  if (r.dpop !== undefined && r.dpop !== 'allowed' && r.dpop !== 'required') {
    throw new ConfigError(`${where}.dpop`, `must be "allowed" or "required"; got ${JSON.stringify(r.dpop)}`);
  }
  if (r.dpopReplay !== undefined && r.dpopReplay !== 'isolate' && r.dpopReplay !== 'global') {
    throw new ConfigError(`${where}.dpopReplay`, `must be "isolate" or "global"; got ${JSON.stringify(r.dpopReplay)}`);
  }

  if (r.scopeMatch !== undefined && r.scopeMatch !== 'all' && r.scopeMatch !== 'any') {
    throw new ConfigError(`${where}.scopeMatch`, `must be "all" or "any"; got ${JSON.stringify(r.scopeMatch)}`);
  }
  const methods = r.methods === undefined ? undefined : stringList(`${where}.methods`, r.methods, (s) => METHOD.test(s), 'an upper-case HTTP method');
  // HEAD is GET without a body (RFC 9110 §9.3.2): a route serving GET serves HEAD too.
  if (methods?.includes('GET') && !methods.includes('HEAD')) methods.push('HEAD');

  if (r.realm !== undefined && (typeof r.realm !== 'string' || r.realm === '')) {
    throw new ConfigError(`${where}.realm`, `must be a non-empty string; got ${JSON.stringify(r.realm)}`);
  }
  if (r.assertionAudience !== undefined && (typeof r.assertionAudience !== 'string' || r.assertionAudience === '')) {
    throw new ConfigError(`${where}.assertionAudience`, `must be a non-empty string; got ${JSON.stringify(r.assertionAudience)}`);
  }

  return {
    prefix: r.prefix,
    origin: `${origin.origin}${origin.pathname.replace(/\/+$/, '')}`,
    audience,
    scopes,
    scopeMatch: (r.scopeMatch as 'all' | 'any' | undefined) ?? 'all',
    methods,
    forwardAuthorization: flag(`${where}.forwardAuthorization`, r.forwardAuthorization),
    issuers,
    stripPrefix: flag(`${where}.stripPrefix`, r.stripPrefix),
    pathParameters: flag(`${where}.pathParameters`, r.pathParameters),
    assertionAudience: (r.assertionAudience as string | undefined) ?? origin.origin,
    public: isPublic,
    realm: (r.realm as string | undefined) ?? 'gatehouse',
    dpop: (r.dpop as 'allowed' | 'required' | undefined) ?? 'allowed',
    dpopReplay: (r.dpopReplay as 'isolate' | 'global' | undefined) ?? 'isolate',
  };
}

/**
 * Parses a route list setting: JSON text (from `--var`, `.dev.vars` or a string in wrangler.toml)
 * or the array wrangler passes when the var is written as a TOML array. Empty or unset is no routes.
 */
export function parseRouteList(setting: string, value: unknown): GatewayRoute[] {
  if (value === undefined || value === null || value === '') return [];
  let list = value;
  if (typeof value === 'string') {
    try {
      list = JSON.parse(value);
    } catch {
      throw new ConfigError(setting, 'must be a JSON array of routes; the text is not valid JSON');
    }
  }
  if (!Array.isArray(list)) throw new ConfigError(setting, 'must be a JSON array of routes');
  const routes = list.map((raw, i) => parseRoute(`${setting}[${i}]`, raw));
  const seen = new Map<string, number>();
  routes.forEach((route, i) => {
    const first = seen.get(route.prefix);
    if (first !== undefined) throw new ConfigError(`${setting}[${i}].prefix`, `repeats "${route.prefix}" of ${setting}[${first}]`);
    seen.set(route.prefix, i);
  });
  return routes;
}

/** The checked-in routes plus local extras; an extra route replaces a base route with the same prefix. */
export function mergeRoutes(base: GatewayRoute[], extra: GatewayRoute[]): GatewayRoute[] {
  const replaced = new Set(extra.map((r) => r.prefix));
  return [...base.filter((r) => !replaced.has(r.prefix)), ...extra];
}
