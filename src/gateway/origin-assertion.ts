import type { Services } from '../services';
import { signCompactJws } from '../core/compact-jws';
import { randomId } from '../core/encoding';
import { queryHash } from '../origin/verify-assertion';
import type { Caller } from './context';

/** The `typ` of the origin assertion (RFC 8725 §3.11: a type of its own, so it is never taken for an access token). */
export const ASSERTION_TYPE = 'gatehouse-origin+jwt';

export interface AssertionInput {
  caller: Caller;
  /** This Gatehouse's issuer, the assertion's `iss`. */
  issuer: string;
  /** The origin, the assertion's `aud`. */
  audience: string;
  /** The method of the forwarded request. */
  method: string;
  /** The forwarded URL without query or fragment (as `htu` of RFC 9449 §4.2). */
  url: string;
  /** The forwarded query as `URL.search` gives it: empty, or `?` and the query. */
  search: string;
}

/** The hash of an empty query, which most forwarded requests have: computed once, not per request. */
export const EMPTY_QUERY_HASH = '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU';

/**
 * The gateway's word to the origin: a JWT for the origin as audience, naming the caller and bound
 * to the method, URL and query of the forwarded request. Each one is signed afresh with a `jti` of
 * its own, so an origin can refuse one it has seen before (docs/origin-trust.md).
 */
export async function originAssertion(services: Pick<Services, 'config' | 'keyRing'>, input: AssertionInput): Promise<string> {
  const { config } = services;
  const { caller } = input;
  const now = Math.floor(Date.now() / 1000);
  const claims = {
    iss: input.issuer,
    aud: input.audience,
    sub: caller.subject,
    client_id: caller.clientId,
    scope: caller.scopes.join(' '),
    token_iss: caller.issuer,
    ...(caller.jti === undefined ? {} : { token_jti: caller.jti }),
    // The token's binding, which the gateway checked: the origin may hold the caller to it too.
    ...(caller.confirmation === undefined ? {} : { cnf: caller.confirmation }),
    htm: input.method,
    htu: input.url,
    // htu leaves the query out (RFC 9449 §4.2); its hash binds it without copying it into the token.
    query_sha256: input.search === '' || input.search === '?' ? EMPTY_QUERY_HASH : await queryHash(input.search),
    jti: randomId(16),
    iat: now,
    exp: now + config.gateway.assertionLifetimeSeconds,
  };
  // The ring's ES256 companion of an RSA key (src/core/key-ring.ts): one signature per request.
  const signer = await services.keyRing.signer(now, 'assertion');
  return signCompactJws(signer, ASSERTION_TYPE, claims);
}
