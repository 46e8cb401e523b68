import {
  compactVerify,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  type JWTPayload,
  type ProtectedHeaderParameters,
} from 'jose';
import type { Config } from '../../config';
import { authMethodsOf, type ClientRecord } from '../../core/records';
import { KeySetUnavailable } from '../../core/remote-issuer';
import { hashSecret } from '../../core/secrets';
import type { Bindings } from '../../env';
import { OAuthError } from '../../errors';
import type { Services } from '../../services';
import { CLIENT_ASSERTION_ALGS } from '../../settings';
import { issuerFor } from '../issuer';
import { TOKEN_PATH } from '../paths';
import type { AssertionCredentials, ClientAuthMethod } from './credentials';

/** The `client_assertion_type` of a JWT client assertion (RFC 7523 §2.2). */
export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The `sub` of an assertion, else its `iss`, read without verification: whom it claims to be. */
function claimedClientId(assertion: string): string | undefined {
  try {
    const { sub, iss } = decodeJwt(assertion);
    if (typeof sub === 'string') return sub;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `private_key_jwt` (RFC 7523 §2.2, OpenID Connect Core §9): a JWT about the client, signed with
 * its private key, in `client_assertion`. The client id is the assertion's `sub` (RFC 7523 §3);
 * a `client_id` in the body must be the same (checked by ./index.ts `readCredentials`).
 */
export const privateKeyJwt: ClientAuthMethod = {
  name: 'private_key_jwt',
  challenges: false,
  signingAlgs: CLIENT_ASSERTION_ALGS,
  present(_request, form) {
    return form.has('client_assertion') || form.has('client_assertion_type');
  },
  credentials(_request, form) {
    if (form.get('client_assertion_type') !== JWT_BEARER_ASSERTION) {
      throw new OAuthError('invalid_request', `client_assertion_type must be "${JWT_BEARER_ASSERTION}"`);
    }
    const assertion = form.get('client_assertion');
    if (!assertion) throw new OAuthError('invalid_request', 'client_assertion is required with client_assertion_type');
    // An assertion that names nobody is still counted against a client id by the failure limits.
    return { clientId: claimedClientId(assertion) ?? form.get('client_id') ?? '', assertion };
  },
};

/** The checks of an assertion that need neither storage nor a signature: undefined when it passes them. */
function claimsProblem(
  header: ProtectedHeaderParameters,
  claims: JWTPayload,
  clientId: string,
  audiences: readonly string[],
  now: number,
  config: Config,
): string | undefined {
  const skew = config.gateway.clockSkewSeconds;
  const maxLifetime = config.clientAssertionMaxLifetimeSeconds;
  // Never `none`, never an HMAC: with an HMAC, the registered public key would be the secret.
  if (!(CLIENT_ASSERTION_ALGS as readonly unknown[]).includes(header.alg)) return 'the assertion alg is not accepted';
  // jose honours `b64: false` when `crit` names it; the claims read here must be what is signed.
  if (header.crit !== undefined) return 'the assertion has a "crit" header';
  if (typeof claims.exp !== 'number') return 'the assertion has no exp';
  if (claims.exp + skew <= now) return 'the assertion has expired';
  // A long-lived assertion is a bearer credential in all but name (RFC 7523 §3 item 4).
  if (claims.exp - now > maxLifetime + skew) return `the assertion exp is more than ${maxLifetime} s ahead`;
  if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + skew)) return 'the assertion is not valid yet (nbf)';
  if (claims.iat !== undefined && (typeof claims.iat !== 'number' || claims.iat > now + skew)) return 'the assertion is issued in the future (iat)';
  if (typeof claims.jti !== 'string' || claims.jti === '') return 'the assertion has no jti';
  // RFC 7523 §3 items 1 and 2: for client authentication, both name the client.
  if (claims.iss !== clientId) return 'the assertion iss is not the client id';
  if (claims.sub !== clientId) return 'the assertion sub is not the client id';
  // RFC 7523 §3 item 3; the issuer alone is what RFC 7523bis asks for, the token endpoint what
  // OpenID Connect Core §9 and most clients send.
  const aud = typeof claims.aud === 'string' ? [claims.aud] : Array.isArray(claims.aud) ? claims.aud : [];
  if (!aud.some((a) => audiences.includes(a))) return 'the assertion aud names neither the issuer nor the token endpoint';
  return undefined;
}

/** Why the signature check failed, for the log. */
function signatureProblem(error: unknown): string {
  if (error instanceof KeySetUnavailable) return error.message;
  if (error instanceof errors.JWKSNoMatchingKey) return 'no registered key matches the assertion kid and alg';
  if (error instanceof errors.JWKSMultipleMatchingKeys) return 'several registered keys match; the assertion needs a kid';
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the assertion signature does not verify';
  return `the assertion cannot be verified (${error instanceof errors.JOSEError ? error.code : 'unexpected error'})`;
}

/** 503: without its replay cache, an assertion could be used any number of times. */
function replayCacheUnavailable(detail: string): OAuthError {
  return new OAuthError('temporarily_unavailable', 'private_key_jwt client authentication is unavailable; try again later', { logDetail: detail });
}

/** What checking an assertion needs besides the assertion. */
export interface AssertionContext {
  request: Request;
  env: Bindings;
  services: Services;
}

/**
 * Authenticates a client by its assertion (RFC 7523 §3), in node-oidc-provider's order, cheapest
 * first: the header and claims, then the client record, then the signature against the client's
 * registered keys (inline `jwks`, or `jwks_uri`), and only then the `jti`, used once everywhere
 * through the client's `AssertionReplayCache` (src/core/assertion-replay.ts). Every failure is
 * `presented.fail(reason)`, the one `invalid_client`; a missing or failing replay cache is 503.
 */
export async function verifyClientAssertion(
  presented: AssertionCredentials & { fail(reason: string): OAuthError },
  { request, env, services }: AssertionContext,
): Promise<ClientRecord> {
  const replay = env.ASSERTION_REPLAY;
  if (!replay) throw replayCacheUnavailable('the ASSERTION_REPLAY binding is missing');

  let header: ProtectedHeaderParameters;
  let claims: JWTPayload;
  try {
    header = decodeProtectedHeader(presented.assertion);
    claims = decodeJwt(presented.assertion);
  } catch {
    throw presented.fail('the assertion is not a signed JWT');
  }
  const issuer = issuerFor(services.config, request.url);
  const now = Math.floor(Date.now() / 1000);
  const problem = claimsProblem(header, claims, presented.clientId, [issuer, `${issuer}${TOKEN_PATH}`], now, services.config);
  if (problem) throw presented.fail(problem);

  const client = await services.clients.find(presented.clientId);
  if (!client) throw presented.fail('unknown client');
  if (!client.enabled) throw presented.fail('client disabled');
  if (!authMethodsOf(client).includes('private_key_jwt')) throw presented.fail('the client may not use private_key_jwt');
  const keys = services.clientKeys.of(client);
  if (!keys) throw presented.fail('the client has no registered keys');
  try {
    await compactVerify(presented.assertion, keys, { algorithms: [...CLIENT_ASSERTION_ALGS] });
  } catch (error) {
    throw presented.fail(signatureProblem(error));
  }

  // Only signed assertions get this far, so junk cannot fill the cache. The jti is remembered as
  // long as the assertion could be accepted: until its exp plus the clock leeway.
  const expires = Math.ceil(claims.exp! + services.config.gateway.clockSkewSeconds);
  let first: boolean;
  try {
    // The same base64 SHA-256 as a secret's: a fixed size, whatever the jti's length.
    first = await replay.get(replay.idFromName(client.clientId)).use(await hashSecret(claims.jti!), expires);
  } catch (cause) {
    throw replayCacheUnavailable(`the replay cache failed: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (!first) throw presented.fail('the assertion jti has been used before');
  return client;
}
