import { acceptDpopProof, DpopRejected } from '../core/dpop';
import type { ClientRecord } from '../core/records';
import { OAuthError } from '../errors';
import type { Services } from '../services';

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
  try {
    const nonces = dpopNonces ? await dpopNonces.accepted(now) : undefined;
    const { jkt } = await acceptDpopProof(proof, request, dpopReplay, { now, nonces });
    return { confirmation: { jkt }, headers: await nonceHeaders() };
  } catch (error) {
    if (!(error instanceof DpopRejected)) throw error;
    const headers = error.code === 'use_dpop_nonce' ? await nonceHeaders() : {};
    throw new OAuthError(error.code, error.message, { headers, logDetail: `dpop check failed: ${error.reason}` });
  }
}
