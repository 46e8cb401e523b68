/**
 * Constants and setting shapes shared across the Worker. A leaf module: it imports nothing, so any
 * module may depend on it without forming a cycle through src/config.ts.
 */

/** Algorithms Gatehouse signs with; all asymmetric (RFC 9068 §2.1 forbids `none`). */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export type ScopeClaimFormat = 'string' | 'array';

/**
 * Algorithms a client may sign its `private_key_jwt` assertion with (RFC 7523 §3): asymmetric only,
 * so never `none` and never an HMAC, which would turn a registered public key into a shared secret.
 */
export const CLIENT_ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;

/**
 * Algorithms a DPoP proof may be signed with (RFC 9449 §4.3 point 5): asymmetric only, since the
 * proof's key is its own embedded public `jwk`; never `none` and never an HMAC.
 */
export const DPOP_PROOF_ALGS = ['ES256', 'EdDSA', 'RS256', 'PS256'] as const;

/** Oldest a DPoP proof's `iat` may be, in seconds (RFC 9449 §4.3 point 11, §11.1). */
export const DPOP_PROOF_MAX_AGE_SECONDS = 300;

/** How far in the future a DPoP proof's `iat` may be, for the client's clock, in seconds. */
export const DPOP_CLOCK_SKEW_SECONDS = 60;

/** How long a DPoP server nonce's time slot lasts; a nonce is accepted in its slot and the next (RFC 9449 §8). */
export const DPOP_NONCE_SLOT_SECONDS = 300;

/** How long validators may cache the JWKS document (its `Cache-Control: max-age`), in seconds. */
export const JWKS_MAX_AGE_SECONDS = 300;

/** How long a write to Workers KV may take to be seen everywhere, in seconds. */
export const KV_PROPAGATION_SECONDS = 60;

/** Clock leeway validators commonly allow on `exp` and `nbf` (ASP.NET's default), in seconds. */
export const VALIDATOR_LEEWAY_SECONDS = 300;

/** The signing-key schedule (docs/keys.md), in seconds. */
export interface KeyRotationSettings {
  /** How long a key signs before its successor takes over. */
  interval: number;
  /** How long a new key is published in the JWKS before it signs. */
  propagation: number;
  /** How long a key stays published after it stopped signing. */
  retention: number;
  /** Algorithm of newly generated keys. */
  alg: SigningAlg;
}

/** Limits on failed client authentications per caller (docs/abuse.md). */
export interface AuthFailureSettings {
  /** Failures allowed for one client id from one IP address within a window. */
  perClientIp: number;
  /** Failures allowed from one IP address, across client ids, within a window. */
  perIp: number;
  /** The window, in seconds; a caller over a limit is refused until its window ends. */
  windowSeconds: number;
}

/** `self`: how a gateway route or a token policy names this Gatehouse among the issuers it trusts. */
export const SELF_ISSUER = 'self';
