import { errors, jwtVerify, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { SIGNING_ALGS } from '../settings';
import { publicKeyOf, type KeyRingRecord } from './key-ring';

/** Why a token was refused; `code` is stable, `message` is safe to log (never the token). */
export class TokenRejected extends Error {
  constructor(
    readonly code:
      | 'malformed'
      | 'unknown_key'
      | 'bad_signature'
      | 'bad_algorithm'
      | 'bad_type'
      | 'bad_issuer'
      | 'bad_audience'
      | 'expired'
      | 'not_yet_valid'
      | 'missing_claim'
      | 'revoked'
      | 'client_inactive'
      | 'bad_binding',
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejected';
  }
}

export interface VerifyOptions {
  /** The expected `iss`. */
  issuer: string;
  /** One accepted audience (or any of several); omit to accept any audience. */
  audience?: string | string[];
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockSkewSeconds: number;
  /** Accepted `typ` header values; RFC 9068 §4 asks for `at+jwt`. */
  types?: readonly string[];
  /** Epoch seconds; defaults to now. */
  now?: number;
}

export interface VerifiedToken {
  header: JWTHeaderParameters;
  payload: JWTPayload;
}

/** Maps jose's error codes to ours, so callers never depend on jose's messages. */
export function fromJoseError(error: unknown): TokenRejected {
  if (error instanceof TokenRejected) return error;
  if (error instanceof errors.JWTExpired) return new TokenRejected('expired', 'the token has expired');
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') return new TokenRejected('not_yet_valid', 'the token is not valid yet');
    if (error.claim === 'iss') return new TokenRejected('bad_issuer', 'the token has another issuer');
    if (error.claim === 'aud') return new TokenRejected('bad_audience', 'the token is not for this audience');
    if (error.claim === 'typ') return new TokenRejected('bad_type', 'the token is not an access token (typ)');
    return new TokenRejected('missing_claim', `the token's "${error.claim}" claim is invalid`);
  }
  if (error instanceof errors.JOSEAlgNotAllowed) return new TokenRejected('bad_algorithm', 'the token uses an algorithm that is not allowed');
  if (error instanceof errors.JWSSignatureVerificationFailed) return new TokenRejected('bad_signature', 'the token signature is invalid');
  if (error instanceof errors.JWKSNoMatchingKey) return new TokenRejected('unknown_key', 'the token is signed by an unknown key');
  return new TokenRejected('malformed', 'the token is malformed');
}

/** Accepts `typ` as given or with the `application/` prefix (RFC 7515 §4.1.9). */
export function typeAccepted(typ: unknown, types: readonly string[]): boolean {
  if (typeof typ !== 'string') return false;
  const normal = typ.toLowerCase().replace(/^application\//, '');
  return types.some((t) => t.toLowerCase() === normal);
}

/**
 * Verifies an access token signed by this Gatehouse against its key ring, in memory: only the
 * ring's asymmetric algorithms, the key named by `kid`, `typ`, `iss`, `aud`, `exp` and `nbf`
 * with leeway, and the presence of `jti`, `client_id` and `exp` (RFC 9068 §4).
 */
export async function verifyLocalToken(token: string, ring: KeyRingRecord, options: VerifyOptions): Promise<VerifiedToken> {
  try {
    const { payload, protectedHeader } = await jwtVerify(
      token,
      async (header) => {
        const stored = ring.keys.find((k) => k.kid === header.kid);
        if (!stored) throw new TokenRejected('unknown_key', 'the token is signed by an unknown key');
        if (stored.alg !== header.alg) throw new TokenRejected('bad_algorithm', 'the token algorithm does not match its key');
        return publicKeyOf(stored);
      },
      {
        issuer: options.issuer,
        audience: options.audience,
        clockTolerance: options.clockSkewSeconds,
        algorithms: [...SIGNING_ALGS],
        requiredClaims: ['exp', 'jti', 'client_id'],
        currentDate: options.now === undefined ? undefined : new Date(options.now * 1000),
      },
    );
    if (!typeAccepted(protectedHeader.typ, options.types ?? ['at+jwt'])) {
      throw new TokenRejected('bad_type', 'the token is not an access token (typ)');
    }
    return { header: protectedHeader, payload };
  } catch (error) {
    throw fromJoseError(error);
  }
}
