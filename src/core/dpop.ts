import { base64url, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { DPOP_CLOCK_SKEW_SECONDS, DPOP_PROOF_ALGS, DPOP_PROOF_MAX_AGE_SECONDS } from '../settings';
import type { DpopReplayCache } from './dpop-replay';

/** Why a DPoP proof was refused: the code the token endpoint answers with (RFC 9449 §5, §8). */
export type DpopRejectionCode = 'invalid_dpop_proof' | 'use_dpop_nonce';

/** The check a proof failed, for tests and the log; never needed on the wire. */
export type DpopRejectionReason =
  | 'malformed'
  | 'several'
  | 'typ'
  | 'alg'
  | 'jwk'
  | 'signature'
  | 'htm'
  | 'htu'
  | 'iat'
  | 'jti'
  | 'ath'
  | 'nonce'
  | 'replay';

/** A refused DPoP proof. The message is safe to send to the caller: it names the check, never a secret. */
export class DpopRejected extends Error {
  readonly code: DpopRejectionCode;
  readonly reason: DpopRejectionReason;

  constructor(reason: DpopRejectionReason, message: string, code: DpopRejectionCode = 'invalid_dpop_proof') {
    super(message);
    this.name = 'DpopRejected';
    this.code = code;
    this.reason = reason;
  }
}

/** What the proof must match: the request it came with, and the server's policy. */
export interface DpopExpectations {
  /** The request's HTTP method. */
  method: string;
  /** The request URL as the caller sent it; its query and fragment are ignored. */
  url: string;
  /** The access token the proof is presented with, whose hash `ath` must carry (RFC 9449 §4.2). */
  accessToken?: string;
  /** The server nonces currently accepted; when given, the proof's `nonce` must be one of them (§8). */
  nonces?: readonly string[];
  /** Epoch seconds. */
  now: number;
  /** Oldest `iat` accepted, in seconds before `now`. */
  maxAgeSeconds: number;
  /** Newest `iat` accepted, in seconds after `now`. */
  clockSkewSeconds: number;
  /** Accepted `alg` values; asymmetric only. */
  algorithms: readonly string[];
}

/** A proof that passed every check: its key's thumbprint, and what a replay check needs. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key: the `cnf.jkt` a bound token carries. */
  jkt: string;
  jti: string;
  iat: number;
}

/** Longest `jti` accepted: 96 random bits base64url-encoded are 16 characters, so this is ample. */
const MAX_JTI_LENGTH = 200;

/** Key types a proof key may have; `oct` would make the proof an HMAC with a published secret. */
const PUBLIC_KEY_TYPES = new Set(['RSA', 'EC', 'OKP']);

/** Members only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_KEY_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Checks a DPoP proof JWT as RFC 9449 §4.3 asks and returns its key's thumbprint. It does not
 * check `jti` uniqueness: the caller does that once the proof is known to be genuine, so unsigned
 * junk never fills its replay store. Throws {@link DpopRejected}.
 */
export async function validateDpopProof(proof: string, expect: DpopExpectations): Promise<DpopProof> {
  // Point 1-2: one well-formed compact JWS.
  const parts = proof.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]+$/.test(part))) {
    throw new DpopRejected('malformed', 'DPoP proof is not a compact JWS');
  }
  const header = decodeJson(parts[0]!);
  const claims = decodeJson(parts[1]!);
  if (!header || !claims) throw new DpopRejected('malformed', 'DPoP proof is not a compact JWS');

  // Point 4-6: the type, an asymmetric algorithm, and a public key in the header.
  if (header.typ !== 'dpop+jwt') throw new DpopRejected('typ', 'DPoP proof typ must be dpop+jwt');
  if (typeof header.alg !== 'string' || !expect.algorithms.includes(header.alg)) {
    throw new DpopRejected('alg', 'DPoP proof alg is not supported');
  }
  const jwk = publicJwk(header.jwk);

  // Point 7: the signature verifies with that key.
  try {
    const key = await importJWK(jwk, header.alg);
    await compactVerify(proof, key, { algorithms: [header.alg] });
  } catch {
    throw new DpopRejected('signature', 'DPoP proof signature is invalid');
  }

  // Point 8-9: bound to this request's method and URL.
  if (claims.htm !== expect.method) throw new DpopRejected('htm', 'DPoP proof htm does not match the request method');
  if (typeof claims.htu !== 'string' || normalisedHtu(claims.htu) !== normalisedHtu(expect.url)) {
    throw new DpopRejected('htu', 'DPoP proof htu does not match the request URL');
  }

  // Point 11: recently created; a little ahead of our clock is the client's clock, not an attack.
  const iat = claims.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw new DpopRejected('iat', 'DPoP proof iat is missing');
  if (iat < expect.now - expect.maxAgeSeconds) throw new DpopRejected('iat', 'DPoP proof is too old');
  if (iat > expect.now + expect.clockSkewSeconds) throw new DpopRejected('iat', 'DPoP proof iat is in the future');

  // §4.2: a unique identifier, checked for replay by the caller.
  const jti = claims.jti;
  if (typeof jti !== 'string' || jti === '' || jti.length > MAX_JTI_LENGTH) {
    throw new DpopRejected('jti', `DPoP proof jti must be a string of 1 to ${MAX_JTI_LENGTH} characters`);
  }

  // Point 12: with an access token, the proof carries its hash, binding the two.
  if (expect.accessToken !== undefined && claims.ath !== (await accessTokenHash(expect.accessToken))) {
    throw new DpopRejected('ath', 'DPoP proof ath does not match the access token');
  }

  // Point 10 and §8: the server's nonce, when it asks for one.
  if (expect.nonces && !(typeof claims.nonce === 'string' && expect.nonces.includes(claims.nonce))) {
    throw new DpopRejected('nonce', 'DPoP proof nonce is missing or not current', 'use_dpop_nonce');
  }

  return { jkt: await calculateJwkThumbprint(jwk, 'sha256'), jti, iat };
}

/** base64url of the SHA-256 of the token's ASCII bytes: the `ath` claim (RFC 9449 §4.2). */
export async function accessTokenHash(accessToken: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(accessToken))));
}

/**
 * The URL without query and fragment, after the syntax-based normalisation RFC 9449 §4.3 point 9
 * asks for (RFC 3986 §6.2.2, §6.2.3): the URL parser lowercases scheme and host and drops a
 * default port. An unparsable URL never matches.
 */
function normalisedHtu(value: string): string | undefined {
  try {
    const url = new URL(value);
    return `${url.protocol}//${url.host}${url.pathname}`;
  } catch {
    return undefined;
  }
}

/** The `jwk` header as a public key (point 6): an object of a public key type, with no private member. */
function publicJwk(value: unknown): JWK {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DpopRejected('jwk', 'DPoP proof jwk header is missing');
  }
  const jwk = value as Record<string, unknown>;
  if (typeof jwk.kty !== 'string' || !PUBLIC_KEY_TYPES.has(jwk.kty)) {
    throw new DpopRejected('jwk', 'DPoP proof jwk must be an RSA, EC or OKP public key');
  }
  if (PRIVATE_KEY_MEMBERS.some((member) => member in jwk)) {
    throw new DpopRejected('jwk', 'DPoP proof jwk must not contain a private key');
  }
  return jwk as JWK;
}

function decodeJson(segment: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(decoder.decode(base64url.decode(segment)));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Accepts the `DPoP` header of a request with the server's policy (the proof algorithms, age and
 * skew of src/settings.ts): exactly one proof (§4.3 point 1), valid for this method and URL (and
 * `accessToken` by `ath`, `nonces` when given), and not seen before by `replay` (§11.1). The token
 * endpoint and the gateway both call it; each answers a {@link DpopRejected} its own way.
 */
export async function acceptDpopProof(
  header: string,
  request: Request,
  replay: DpopReplayCache,
  context: { now: number; accessToken?: string; nonces?: readonly string[] },
): Promise<DpopProof> {
  // Repeated headers are joined with ", " (RFC 9110 §5.3) and a compact JWS never holds a comma:
  // a comma means more than one DPoP header.
  if (header.includes(',')) throw new DpopRejected('several', 'exactly one DPoP header is allowed');
  const proof = await validateDpopProof(header, {
    method: request.method,
    // §4.3 point 9: the URL the caller used, as received; query and fragment are ignored.
    url: request.url,
    ...context,
    maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
    clockSkewSeconds: DPOP_CLOCK_SKEW_SECONDS,
    algorithms: DPOP_PROOF_ALGS,
  });
  // A proof is remembered until its iat leaves the window, after which it is refused as too old anyway.
  if (!replay.unique(proof.jkt, proof.jti, proof.iat + DPOP_PROOF_MAX_AGE_SECONDS, context.now)) {
    throw new DpopRejected('replay', 'DPoP proof has already been used');
  }
  return proof;
}
