import { SignJWT } from 'jose';
import type { Config } from '../config';
import { currentSigner } from '../core/key-ring';
import { TtlCache } from '../core/ttl-cache';
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
}

let cache: TtlCache<string> | undefined;
let cacheLifetime = -1;

/**
 * The gateway's word to the origin: a JWT signed with the current key of the ring (so the JWKS
 * publishes its key), for the origin as audience, naming the caller and bound to the method and
 * URL. Identical claims reuse one signed assertion for half its lifetime: an RS256 signature costs
 * more than the rest of the request, and the assertion carries no `jti` to make each one unique.
 */
export function originAssertion(kv: KVNamespace, config: Config, input: AssertionInput): Promise<string> {
  const lifetime = config.gateway.assertionLifetimeSeconds;
  if (!cache || cacheLifetime !== lifetime) {
    // Bounded well below the isolate's memory: an entry is about 1 KB, and callers of many
    // distinct paths gain little from it anyway.
    cache = new TtlCache(Math.floor(lifetime / 2) * 1000, 2000);
    cacheLifetime = lifetime;
  }
  const { caller } = input;
  const key = JSON.stringify([input.issuer, input.audience, caller.subject, caller.clientId, caller.scopes, caller.issuer, caller.jti, input.method, input.url]);
  return cache.get(key, async () => {
    const claims = {
      iss: input.issuer,
      aud: input.audience,
      sub: caller.subject,
      client_id: caller.clientId,
      scope: caller.scopes.join(' '),
      token_iss: caller.issuer,
      ...(caller.jti === undefined ? {} : { token_jti: caller.jti }),
      htm: input.method,
      htu: input.url,
    };
    const signer = await currentSigner(kv, config);
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: ASSERTION_TYPE })
      .setIssuedAt(now)
      .setExpirationTime(now + lifetime)
      .sign(signer.key);
  });
}
