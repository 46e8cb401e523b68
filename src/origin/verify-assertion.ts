/**
 * The origin's side of the gateway: checks the `Gatehouse-Assertion` header of an incoming request
 * against the Gatehouse JWKS, refuses one it has seen before, and returns who the caller is.
 * Depends on `jose` only and runs on Node 20+, in a Worker, or anywhere with WebCrypto and fetch.
 * docs/origin-trust.md explains the checks, for origins written in other languages too.
 *
 * ```ts
 * const verify = createAssertionVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const caller = await verify(request); // throws AssertionRejected
 * ```
 */
import { base64url, createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export const ASSERTION_HEADER = 'gatehouse-assertion';
export const ASSERTION_TYPE = 'gatehouse-origin+jwt';
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

/**
 * Remembers the `jti` of each accepted assertion for as long as the assertion could be accepted,
 * so that it is accepted once. {@link memoryReplayCache} is the default; an origin that runs as
 * several processes shares one (in Redis, say) by implementing this.
 */
export interface ReplayCache {
  /**
   * Records `jti` as used until `until` (epoch ms). True when it was not used before; false when it
   * was, or when the cache cannot rule that out.
   */
  firstUse(jti: string, until: number): boolean | Promise<boolean>;
}

export interface AssertionVerifierOptions {
  /** The Gatehouse issuer, e.g. `https://auth.example.com` (its `ISSUER` setting). */
  issuer: string;
  /** This origin's audience: the route's `assertionAudience`, by default the origin's scheme://host[:port]. */
  audience: string;
  /** Where the keys are; defaults to `{issuer}/.well-known/openid-configuration/jwks`. */
  jwksUri?: string;
  /** Instead of `jwksUri`, a key lookup of your own (jose's `createLocalJWKSet`, for instance). */
  keys?: JWTVerifyGetKey;
  /** Leeway for `exp` and `iat`, seconds (default 30). */
  clockToleranceSeconds?: number;
  /** Where used `jti`s are kept; defaults to `memoryReplayCache()`, private to this verifier. */
  replayCache?: ReplayCache;
}

/**
 * The caller, as the gateway established it from a verified access token. A client id is unique
 * only at its issuer: the pair (`tokenIssuer`, `clientId`) identifies a caller, so that the same
 * client id at two issuers a route trusts is never taken for one client.
 */
export interface OriginCaller {
  /** `iss` of the caller's access token: this Gatehouse, or another issuer the route trusts. */
  tokenIssuer: string;
  /** The client id, as `tokenIssuer` knows it. */
  clientId: string;
  subject: string;
  scopes: string[];
  /** `jti` of the caller's access token, when it had one. */
  tokenJti: string | undefined;
  /**
   * What the caller's access token is bound to, which the gateway checked the request against: the
   * thumbprint of its DPoP key (`jkt`, RFC 9449 §6.1) or of its client certificate (`x5t#S256`,
   * base64url SHA-256 of the DER, RFC 8705 §3.1). Undefined for a bearer token.
   */
  confirmation: { jkt?: string; 'x5t#S256'?: string } | undefined;
  /** Every claim of the assertion. */
  claims: Record<string, unknown>;
}

/** The request did not come through the gateway, or not for this origin and request, or not for the first time. */
export class AssertionRejected extends Error {
  constructor(
    readonly code: 'missing' | 'invalid' | 'expired' | 'wrong_audience' | 'wrong_request' | 'replayed',
    message: string,
  ) {
    super(message);
    this.name = 'AssertionRejected';
  }
}

/** An incoming request as a Fetch `Request`, or as Node's `IncomingMessage` gives it (`url` may be a path). */
export interface IncomingRequest {
  method?: string;
  url?: string;
  headers: Headers | Record<string, string | string[] | undefined>;
}

function header(headers: IncomingRequest['headers'], name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  const value = (headers as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The `query_sha256` claim for a query as `URL.search` gives it (empty, or `?` and the query):
 * base64url of the SHA-256 of the query without its `?`, as DPoP's `ath` hashes a token (RFC 9449 §4.2).
 */
export async function queryHash(search: string): Promise<string> {
  const query = search.startsWith('?') ? search.slice(1) : search;
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(query))));
}

/**
 * A {@link ReplayCache} in this process's memory, of at most `maxEntries` entries (about 100 bytes
 * each). An entry is kept until its assertion could no longer be accepted. When the cache is full,
 * the entry seen first is dropped, and from then on every assertion that expires no later than
 * that one is refused: a replay of it cannot be told apart. Only assertions held back for most of
 * their lifetime meet that; current ones do not.
 */
export function memoryReplayCache(maxEntries = 100_000): ReplayCache {
  // jti -> until (epoch ms), in the order first seen, which is about the order of expiry.
  const entries = new Map<string, number>();
  let forgottenUntil = 0;
  return {
    firstUse(jti, until) {
      const now = Date.now();
      for (const [key, expires] of entries) {
        if (expires > now) break;
        entries.delete(key);
      }
      if (until <= forgottenUntil || entries.has(jti)) return false;
      entries.set(jti, until);
      if (entries.size > maxEntries) {
        const [oldest, expires] = entries.entries().next().value!;
        entries.delete(oldest);
        forgottenUntil = Math.max(forgottenUntil, expires);
      }
      return true;
    },
  };
}

/** The `jkt` and `x5t#S256` of an assertion's `cnf`, when it has either. */
function confirmationOf(cnf: unknown): OriginCaller['confirmation'] {
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const { jkt, 'x5t#S256': x5t } = cnf as Record<string, unknown>;
  const confirmation = {
    ...(typeof jkt === 'string' ? { jkt } : {}),
    ...(typeof x5t === 'string' ? { 'x5t#S256': x5t } : {}),
  };
  return Object.keys(confirmation).length > 0 ? confirmation : undefined;
}

/**
 * A verifier for one origin. Keys are fetched once and cached (jose refetches on an unknown `kid`
 * at most every 30 s), so verifying costs one signature check and one hash.
 */
export function createAssertionVerifier(options: AssertionVerifierOptions): (request: IncomingRequest) => Promise<OriginCaller> {
  const issuer = options.issuer.replace(/\/+$/, '');
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer}/.well-known/openid-configuration/jwks`));
  const clockTolerance = options.clockToleranceSeconds ?? 30;
  const replayCache = options.replayCache ?? memoryReplayCache();

  return async function verifyAssertion(request) {
    const assertion = header(request.headers, ASSERTION_HEADER);
    if (!assertion) throw new AssertionRejected('missing', 'the request carries no Gatehouse-Assertion header');

    let claims: Record<string, unknown>;
    try {
      ({ payload: claims } = await jwtVerify(assertion, keys, {
        issuer,
        audience: options.audience,
        typ: ASSERTION_TYPE,
        algorithms: ALGORITHMS,
        clockTolerance,
        requiredClaims: ['exp', 'iat', 'jti', 'client_id', 'token_iss', 'htm', 'htu', 'query_sha256'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AssertionRejected('expired', 'the assertion has expired');
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
        throw new AssertionRejected('wrong_audience', 'the assertion is for another origin');
      }
      throw new AssertionRejected('invalid', 'the assertion is not a valid Gatehouse assertion');
    }

    // The assertion is bound to the request the gateway forwarded (as DPoP's htm/htu, RFC 9449 §4.3):
    // the method, the path and the query. The host is the one the gateway dialled, which the origin
    // may know by another name.
    const url = new URL(request.url ?? '/', 'http://origin.invalid');
    let boundPath: string;
    try {
      boundPath = new URL(String(claims.htu)).pathname;
    } catch {
      throw new AssertionRejected('invalid', 'the assertion has no valid htu');
    }
    if (request.method !== undefined && claims.htm !== request.method) {
      throw new AssertionRejected('wrong_request', 'the assertion was issued for another method');
    }
    if (boundPath !== url.pathname) throw new AssertionRejected('wrong_request', 'the assertion was issued for another path');
    if (claims.query_sha256 !== (await queryHash(url.search))) {
      throw new AssertionRejected('wrong_request', 'the assertion was issued for another query');
    }

    // Each assertion has a jti of its own; one seen before is a replay. It could be accepted until
    // exp plus the leeway (jose accepts while now < exp + tolerance), so it is remembered that long.
    const until = (Number(claims.exp) + clockTolerance) * 1000;
    if (!(await replayCache.firstUse(String(claims.jti), until))) {
      throw new AssertionRejected('replayed', 'the assertion has been used before');
    }

    const clientId = String(claims.client_id);
    return {
      tokenIssuer: String(claims.token_iss),
      clientId,
      subject: typeof claims.sub === 'string' ? claims.sub : clientId,
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
      tokenJti: typeof claims.token_jti === 'string' ? claims.token_jti : undefined,
      confirmation: confirmationOf(claims.cnf),
      claims,
    };
  };
}
