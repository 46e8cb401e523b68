import { base64url, errors, type JWTHeaderParameters, type JWTPayload } from 'jose';
import { SIGNING_ALGS } from '../settings';
import { SIGN_PARAMS } from './compact-jws';
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

const encoder = new TextEncoder();
// RFC 7519 §7.2: the header and claims are UTF-8 JSON; bytes that are not UTF-8 are refused.
const strictDecoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A JSON object from base64url text, or `undefined` when it is not one. */
function decodeObject(part: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(strictDecoder.decode(base64url.decode(part)));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function claimInvalid(claim: string): TokenRejected {
  return new TokenRejected('missing_claim', `the token's "${claim}" claim is invalid`);
}

/** A NumericDate claim (RFC 7519 §2): absent, or a number. */
function numericDate(payload: JWTPayload, claim: 'iat' | 'nbf' | 'exp'): number | undefined {
  const value = payload[claim];
  if (value !== undefined && typeof value !== 'number') throw claimInvalid(claim);
  return value;
}

// Claims every access token of this Gatehouse must carry (RFC 9068 §2.2), checked in this order.
const REQUIRED_CLAIMS = ['iss', 'aud', 'client_id', 'jti', 'exp'] as const;

/** A compact JWS whose header and claims set are JSON objects, decoded once (RFC 7519 §7.2). */
export interface DecodedJwt {
  token: string;
  header: Record<string, unknown>;
  payload: JWTPayload;
}

/** Decodes a JWT's header and claims without checking anything else, or refuses it as malformed. */
export function decodeJwt(token: string): DecodedJwt {
  const parts = token.split('.');
  const header = parts.length === 3 ? decodeObject(parts[0]!) : undefined;
  const payload = header && decodeObject(parts[1]!);
  if (!header || !payload) throw new TokenRejected('malformed', 'the token is malformed');
  return { token, header, payload };
}

/**
 * Verifies an access token signed by this Gatehouse against its key ring, in memory: only the
 * ring's asymmetric algorithms, the key named by `kid` with its own `alg`, `typ`, `iss`, `aud`,
 * `exp` and `nbf` with leeway, and the presence of `jti`, `client_id` and `exp` (RFC 9068 §4).
 *
 * Gatehouse's own tokens are the one kind verified on a token's first sight at the gateway, so
 * this is the JWS check itself (RFC 7515 §5.2) with no more per call than the one Web Crypto
 * verification: the same checks, in the same order, with the same outcomes as jose's `jwtVerify`
 * (which verifies other issuers' tokens), without its general options. `jwt` comes from
 * {@link decodeJwt}, which the caller has already needed for `iss`.
 */
export async function verifyLocalToken(jwt: DecodedJwt, ring: KeyRingRecord, options: VerifyOptions): Promise<VerifiedToken> {
  const { header, payload } = jwt;
  // RFC 7515 §4.1.11: no extension is understood here, so a token that needs one is refused.
  if (header.crit !== undefined) throw new TokenRejected('malformed', 'the token is malformed');
  const { alg } = header;
  // RFC 8725 §3.1: the algorithm is one of the ring's asymmetric ones, and then the named key's own.
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) {
    throw new TokenRejected('bad_algorithm', 'the token uses an algorithm that is not allowed');
  }
  const stored = ring.keys.find((k) => k.kid === header.kid);
  if (!stored) throw new TokenRejected('unknown_key', 'the token is signed by an unknown key');
  if (stored.alg !== alg) throw new TokenRejected('bad_algorithm', 'the token algorithm does not match its key');
  const end = jwt.token.lastIndexOf('.');
  let signature: Uint8Array;
  try {
    signature = base64url.decode(jwt.token.slice(end + 1));
  } catch {
    throw new TokenRejected('malformed', 'the token is malformed');
  }
  const signingInput = encoder.encode(jwt.token.slice(0, end));
  if (!(await crypto.subtle.verify(SIGN_PARAMS[stored.alg], await publicKeyOf(stored), signature, signingInput))) {
    throw new TokenRejected('bad_signature', 'the token signature is invalid');
  }

  for (const claim of REQUIRED_CLAIMS) {
    if (claim === 'aud' && options.audience === undefined) continue;
    if (!Object.hasOwn(payload, claim)) {
      if (claim === 'iss') throw new TokenRejected('bad_issuer', 'the token has another issuer');
      if (claim === 'aud') throw new TokenRejected('bad_audience', 'the token is not for this audience');
      throw claimInvalid(claim);
    }
  }
  if (payload.iss !== options.issuer) throw new TokenRejected('bad_issuer', 'the token has another issuer');
  if (options.audience !== undefined) {
    const accepted = typeof options.audience === 'string' ? [options.audience] : options.audience;
    const { aud } = payload;
    const matches = typeof aud === 'string' ? accepted.includes(aud) : Array.isArray(aud) && accepted.some((a) => aud.includes(a));
    if (!matches) throw new TokenRejected('bad_audience', 'the token is not for this audience');
  }
  // RFC 7519 §4.1.4, §4.1.5: exp and nbf with leeway; iat, when present, must be a date too.
  const now = options.now ?? Math.floor(Date.now() / 1000);
  numericDate(payload, 'iat');
  const nbf = numericDate(payload, 'nbf');
  if (nbf !== undefined && nbf > now + options.clockSkewSeconds) throw new TokenRejected('not_yet_valid', 'the token is not valid yet');
  const exp = numericDate(payload, 'exp');
  if (exp !== undefined && exp <= now - options.clockSkewSeconds) throw new TokenRejected('expired', 'the token has expired');
  if (!typeAccepted(header.typ, options.types ?? ['at+jwt'])) {
    throw new TokenRejected('bad_type', 'the token is not an access token (typ)');
  }
  return { header: header as JWTHeaderParameters, payload };
}
