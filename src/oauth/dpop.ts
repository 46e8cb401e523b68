import { DpopRejected, validateDpopProof } from '../core/dpop';
import type { ClientRecord } from '../core/records';
import { OAuthError } from '../errors';
import type { Services } from '../services';
import { DPOP_CLOCK_SKEW_SECONDS, DPOP_PROOF_ALGS, DPOP_PROOF_MAX_AGE_SECONDS } from '../settings';

/** What the token endpoint does with a request's DPoP proof. */
export interface DpopBinding {
  /** The key the token is bound to; absent when the request has no proof (a bearer token). */
  confirmation?: { jkt: string };
  /** Response headers: a fresh `DPoP-Nonce` when server nonces are on (RFC 9449 §8). */
  headers: Record<string, string>;
}

/**
 * Checks the `DPoP` header of a token request (RFC 9449 §5): none gives a bearer token, unless the
 * client requires DPoP; one valid, unreplayed proof binds the token to its key. Refusals are
 * `invalid_dpop_proof`, or `use_dpop_nonce` with a nonce to retry with (§8).
 */
export async function dpopBinding(request: Request, client: ClientRecord, services: Services, now: number): Promise<DpopBinding> {
  const { dpopNonces, dpopReplay } = services;
  const nonceHeaders = async (): Promise<Record<string, string>> => (dpopNonces ? { 'DPoP-Nonce': await dpopNonces.current(now) } : {});

  const proof = request.headers.get('DPoP');
  if (proof === null) {
    if (client.requireDPoP) throw new OAuthError('invalid_dpop_proof', 'DPoP proof required', { headers: await nonceHeaders() });
    return { headers: {} };
  }
  // Headers repeated are joined with ", " (RFC 9110 §5.3); a compact JWS never holds a comma, so a
  // comma means more than one DPoP header, which §4.3 point 1 forbids.
  if (proof.includes(',')) throw new OAuthError('invalid_dpop_proof', 'exactly one DPoP header is allowed');

  try {
    const { jkt, jti, iat } = await validateDpopProof(proof, {
      method: request.method,
      url: request.url,
      nonces: dpopNonces ? await dpopNonces.accepted(now) : undefined,
      now,
      maxAgeSeconds: DPOP_PROOF_MAX_AGE_SECONDS,
      clockSkewSeconds: DPOP_CLOCK_SKEW_SECONDS,
      algorithms: DPOP_PROOF_ALGS,
    });
    // §11.1: a proof is used once. It is remembered until its iat leaves the window, after which
    // it is refused as too old anyway.
    if (!dpopReplay.unique(jkt, jti, iat + DPOP_PROOF_MAX_AGE_SECONDS, now)) {
      throw new DpopRejected('replay', 'DPoP proof has already been used');
    }
    return { confirmation: { jkt }, headers: await nonceHeaders() };
  } catch (error) {
    if (!(error instanceof DpopRejected)) throw error;
    const headers = error.code === 'use_dpop_nonce' ? await nonceHeaders() : {};
    throw new OAuthError(error.code, error.message, { headers, logDetail: `dpop check failed: ${error.reason}` });
  }
}
