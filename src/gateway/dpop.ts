import { acceptDpopProof, DpopRejected, type DpopProof } from '../core/dpop';
import type { DpopReplayCache } from '../core/dpop-replay';
import { hashSecret } from '../core/secrets';
import type { Bindings } from '../env';
import { OAuthError, quoteAuthParam } from '../errors';
import { DPOP_PROOF_ALGS, DPOP_PROOF_MAX_AGE_SECONDS } from '../settings';

/**
 * An RFC 9449 §7.1 challenge: `DPoP algs="…"` naming the proof algorithms accepted, then the error
 * parameters, every value quoted.
 */
export function dpopChallenge(params: Record<string, string> = {}): string {
  const parts = [`algs=${quoteAuthParam(DPOP_PROOF_ALGS.join(' '))}`];
  for (const [name, value] of Object.entries(params)) parts.push(`${name}=${quoteAuthParam(value)}`);
  return `DPoP ${parts.join(', ')}`;
}

// RFC 9449 §7.1: credentials = "DPoP" 1*SP token68, the same syntax as Bearer's b64token.
const DPOP = /^DPoP +([A-Za-z0-9\-._~+/]+=*)$/i;

/** Whether the Authorization header uses the DPoP scheme (scheme names are case-insensitive, RFC 9110 §11.1). */
export function isDpopAuthorization(authorization: string | undefined): boolean {
  return authorization !== undefined && /^dpop(\s|$)/i.test(authorization);
}

/**
 * The access token of a `DPoP` Authorization header; a malformed one is a 400 `invalid_request`
 * (as RFC 6750 §3.1 for Bearer), with a DPoP challenge ending in `challengeParams`.
 */
export function dpopToken(authorization: string, challengeParams: Record<string, string>): string {
  const match = DPOP.exec(authorization);
  if (!match) {
    const description = 'the Authorization header is not a valid DPoP credential';
    throw new OAuthError('invalid_request', description, {
      headers: { 'WWW-Authenticate': dpopChallenge({ error: 'invalid_request', error_description: description, ...challengeParams }) },
    });
  }
  return match[1]!;
}

/**
 * Checks the request's `DPoP` proof for `accessToken` (RFC 9449 §4.3, §7.1) and returns it: the
 * thumbprint of its key, which the token's `cnf.jkt` must then equal, its `jti` and `iat`. Exactly one `DPoP` header,
 * bound to this method and URL and to the token by `ath`, not seen before by this isolate (§11.1;
 * a route with `dpopReplay: "global"` also calls {@link claimProofEverywhere}). Refusals are
 * 401 `invalid_dpop_proof` with a DPoP challenge: the proof is part of the credentials (§7.1).
 */
export async function dpopProofKey(
  request: Request,
  accessToken: string,
  replay: DpopReplayCache,
  now: number,
  challengeParams: Record<string, string>,
): Promise<DpopProof> {
  const refuse = (description: string, logDetail: string) => proofRefused(description, logDetail, challengeParams);
  const proof = request.headers.get('DPoP');
  if (proof === null) throw refuse('a DPoP proof is required with a DPoP access token', 'dpop check failed: missing');
  try {
    return await acceptDpopProof(proof, request, replay, { now, accessToken });
  } catch (error) {
    if (!(error instanceof DpopRejected)) throw error;
    throw refuse(error.message, `dpop check failed: ${error.reason}`);
  }
}

function proofRefused(description: string, logDetail: string, challengeParams: Record<string, string>): OAuthError {
  return new OAuthError('invalid_dpop_proof', description, {
    status: 401,
    headers: { 'WWW-Authenticate': dpopChallenge({ error: 'invalid_dpop_proof', error_description: description, ...challengeParams }) },
    logDetail,
  });
}

/**
 * The global replay check of a route with `dpopReplay: "global"` (RFC 9449 §11.1): the proof's
 * `jti` is recorded in one Durable Object per key (the `ASSERTION_REPLAY` namespace, under a name
 * no client id can take), so a proof accepted in one isolate or location is refused in every
 * other. One round trip per request; called once the token is known to be good and bound to this
 * key, so only a holder of such a token reaches the object. If the object cannot answer, the
 * request is refused (503): the route asked for the check, so it is not skipped.
 */
export async function claimProofEverywhere(env: Bindings, proof: DpopProof, challengeParams: Record<string, string>): Promise<void> {
  const unavailable = (detail: string) =>
    new OAuthError('temporarily_unavailable', 'the DPoP replay check is unavailable; try again later', { logDetail: detail });
  const replay = env.ASSERTION_REPLAY;
  if (!replay) throw unavailable('the ASSERTION_REPLAY binding is missing');
  let first: boolean;
  try {
    // A client id holds no space (src/admin/names.ts), so this name is the key's alone.
    const cache = replay.get(replay.idFromName(`dpop proof ${proof.jkt}`));
    first = await cache.use(await hashSecret(proof.jti), proof.iat + DPOP_PROOF_MAX_AGE_SECONDS);
  } catch (cause) {
    throw unavailable(`the DPoP replay cache failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (!first) throw proofRefused('DPoP proof has already been used', 'dpop check failed: replay (global)', challengeParams);
}
