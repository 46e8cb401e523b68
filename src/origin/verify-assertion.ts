/**
 * The origin's side of the gateway: checks the `Gatehouse-Assertion` header of an incoming request
 * against the Gatehouse JWKS and returns who the caller is. Depends on `jose` only and runs on
 * Node 20+, in a Worker, or anywhere with WebCrypto and fetch. docs/origin-trust.md explains the
 * checks, for origins written in other languages too.
 *
 * ```ts
 * const verify = createAssertionVerifier({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const caller = await verify(request); // throws AssertionRejected
 * ```
 */
import { createRemoteJWKSet, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';

export const ASSERTION_HEADER = 'gatehouse-assertion';
export const ASSERTION_TYPE = 'gatehouse-origin+jwt';
const ALGORITHMS = ['RS256', 'PS256', 'ES256', 'EdDSA'];

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
}

/** The caller, as the gateway established it from a verified access token. */
export interface OriginCaller {
  clientId: string;
  subject: string;
  scopes: string[];
  /** `iss` of the caller's access token. */
  tokenIssuer: string;
  /** `jti` of the caller's access token, when it had one. */
  tokenJti: string | undefined;
  /** Every claim of the assertion. */
  claims: Record<string, unknown>;
}

/** The request did not come through the gateway, or not for this origin, method and path. */
export class AssertionRejected extends Error {
  constructor(
    readonly code: 'missing' | 'invalid' | 'expired' | 'wrong_audience' | 'wrong_request',
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
 * A verifier for one origin. Keys are fetched once and cached (jose refetches on an unknown `kid`
 * at most every 30 s), so verifying costs one signature check.
 */
export function createAssertionVerifier(options: AssertionVerifierOptions): (request: IncomingRequest) => Promise<OriginCaller> {
  const issuer = options.issuer.replace(/\/+$/, '');
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer}/.well-known/openid-configuration/jwks`));
  const clockTolerance = options.clockToleranceSeconds ?? 30;

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
        requiredClaims: ['exp', 'iat', 'client_id', 'htm', 'htu'],
      }));
    } catch (error) {
      if (error instanceof errors.JWTExpired) throw new AssertionRejected('expired', 'the assertion has expired');
      if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud') {
        throw new AssertionRejected('wrong_audience', 'the assertion is for another origin');
      }
      throw new AssertionRejected('invalid', 'the assertion is not a valid Gatehouse assertion');
    }

    // The assertion is bound to the request the gateway forwarded (as DPoP's htm/htu, RFC 9449 §4.3):
    // the method, and the path. The host is the one the gateway dialled, which the origin may know by another name.
    const path = new URL(request.url ?? '/', 'http://origin.invalid').pathname;
    let boundPath: string;
    try {
      boundPath = new URL(String(claims.htu)).pathname;
    } catch {
      throw new AssertionRejected('invalid', 'the assertion has no valid htu');
    }
    if (request.method !== undefined && claims.htm !== request.method) {
      throw new AssertionRejected('wrong_request', 'the assertion was issued for another method');
    }
    if (boundPath !== path) throw new AssertionRejected('wrong_request', 'the assertion was issued for another path');

    const clientId = String(claims.client_id);
    return {
      clientId,
      subject: typeof claims.sub === 'string' ? claims.sub : clientId,
      scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
      tokenIssuer: String(claims.token_iss ?? ''),
      tokenJti: typeof claims.token_jti === 'string' ? claims.token_jti : undefined,
      claims,
    };
  };
}
