import { jwtVerify, type JWTPayload } from 'jose';
import { OAuthError } from '../errors';
import { ASYMMETRIC_ALGS, RemoteIssuer, type RemoteIssuerOptions } from './remote-issuer';
import type { ClientStore } from './clients';
import type { KeyRingStore } from './key-ring';
import type { RevocationStore } from './revocation';
import { SELF_ISSUER } from '../settings';
import { tokenScopes } from './token-scopes';
import type { Confirmation } from './tokens';
import type { TtlCache } from './ttl-cache';
import { decodeJwt, fromJoseError, TokenRejected, typeAccepted, verifyLocalToken } from './verify-token';

/** What one caller (a gateway route, introspection, revocation, the admin API) requires of a token. */
export interface TokenPolicy {
  /** Trusted issuers: {@link SELF_ISSUER} for this Gatehouse, or another issuer's identifier. */
  issuers: readonly string[];
  /** Accepted audiences (any one of them); omitted, any audience is accepted. */
  audience?: string | string[];
  /** Leeway for `exp` and `nbf`, in seconds. */
  clockSkewSeconds: number;
  /** Accepted `typ` header values (RFC 9068 §4: `at+jwt`). */
  types: readonly string[];
  /**
   * How the caller presented the token, when it is a request to a protected resource. A token bound
   * to a DPoP key (`cnf.jkt`) presented as a bearer token is refused (RFC 9449 §7.2): whoever holds
   * it without the key must not use it. Presented as `DPoP`, the token must be bound to the key of
   * the request's proof, {@link dpopJkt} (§7.1, §6.1). Omitted (introspection, revocation), no
   * presentation is judged.
   */
  presentedAs?: 'Bearer' | 'DPoP';
  /** With `presentedAs: 'DPoP'`: the thumbprint of the key that signed the request's valid proof. */
  dpopJkt?: string;
  /**
   * With `presentedAs`: the `x5t#S256` of the client certificate of the request's TLS connection
   * (src/core/client-certificate.ts), absent when it presented none. A token bound to a certificate
   * (`cnf.x5t#S256`) is accepted only with that certificate, whichever scheme presents it (RFC 8705 §3).
   */
  certificateThumbprint?: string;
  /**
   * Names the policy in the verified-token cache; omitted, the signature is checked every time.
   * Two policies must not share a name (a gateway route uses its prefix).
   */
  cacheKey?: string;
}

/** A token accepted under a policy: who the caller is and what it may do now. */
export interface AcceptedToken {
  payload: JWTPayload;
  /** `iss`: the pair (issuer, client id) names a caller; one id at two issuers is two callers. */
  issuer: string;
  /** Whether this Gatehouse issued it, so that its client's state and revocations apply. */
  self: boolean;
  clientId: string;
  /** `sub`, else the client id (IdentityServer omits `sub` for clients). */
  subject: string;
  /**
   * The token's scopes; for this Gatehouse's tokens, only those its client is still allowed, so
   * taking a scope from a client ends its use everywhere within the cache bound.
   */
  scopes: string[];
  jti: string | undefined;
  /**
   * What the token is bound to, as checked against the request (DPoP key `jkt`, client certificate
   * `x5t#S256`); undefined for a bearer token. Other `cnf` members are left out: nothing checked them.
   */
  confirmation: Confirmation | undefined;
}

/** The `jkt` and `x5t#S256` members of the token's `cnf` (RFC 9449 §6.1, RFC 8705 §3.1), if any. */
function confirmationOf(payload: JWTPayload): Confirmation | undefined {
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  if (typeof cnf !== 'object' || cnf === null) return undefined;
  const confirmation: Confirmation = {};
  if (typeof cnf.jkt === 'string') confirmation.jkt = cnf.jkt;
  if (typeof cnf['x5t#S256'] === 'string') confirmation['x5t#S256'] = cnf['x5t#S256'];
  return Object.keys(confirmation).length > 0 ? confirmation : undefined;
}

/** Whether the token carries a DPoP key confirmation (RFC 9449 §6.1). */
function boundToDpopKey(payload: JWTPayload): boolean {
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  return typeof cnf === 'object' && cnf !== null && 'jkt' in cnf;
}

/** The certificate thumbprint the token is bound to (RFC 8705 §3.1), if it is. */
function boundCertificate(payload: JWTPayload): unknown {
  const cnf = payload.cnf as Record<string, unknown> | undefined;
  return typeof cnf === 'object' && cnf !== null ? cnf['x5t#S256'] : undefined;
}

/** The checks of how the token was presented (RFC 9449 §7, RFC 8705 §3); outside the cache, so run every time. */
function checkPresentation(payload: JWTPayload, policy: TokenPolicy): void {
  if (policy.presentedAs === undefined) return;
  // RFC 8705 §3: the resource compares the certificate of the connection with the one the token
  // was issued over; with none or another, whoever presents the token does not hold its key.
  const certificate = boundCertificate(payload);
  if (certificate !== undefined) {
    if (policy.certificateThumbprint === undefined) {
      throw new TokenRejected('bad_binding', 'the token is bound to a client certificate (cnf x5t#S256) and the request presented none');
    }
    if (certificate !== policy.certificateThumbprint) {
      throw new TokenRejected('bad_binding', "the request's client certificate is not the one the token is bound to (cnf x5t#S256)");
    }
  }
  if (policy.presentedAs === 'Bearer' && boundToDpopKey(payload)) {
    throw new TokenRejected('bad_binding', 'the token is bound to a DPoP key and cannot be used as a bearer token');
  }
  if (policy.presentedAs === 'DPoP') {
    if (!boundToDpopKey(payload)) throw new TokenRejected('bad_binding', 'the token is not bound to a DPoP key');
    // §7.1: the proof's key must be the one the token was issued to, or any key could present it.
    const { jkt } = payload.cnf as Record<string, unknown>;
    if (policy.dpopJkt === undefined || jkt !== policy.dpopJkt) {
      throw new TokenRejected('bad_binding', 'the DPoP proof is not signed by the key the token is bound to');
    }
  }
}

/** The outcome of the signature and claim checks, kept by the verified-token cache. */
interface Verified {
  payload: JWTPayload;
  self: boolean;
  /** For this Gatehouse's tokens, the issuer checked (the request's origin when ISSUER is unset). */
  expectedIssuer: string;
}

export interface VerifierDependencies {
  keyRing: KeyRingStore;
  clients: ClientStore;
  revocations: RevocationStore;
  /** Successful verifications, per policy and exact token; a size of 0 turns it off. */
  verified: TtlCache<Verified>;
  remoteIssuer: RemoteIssuerOptions;
}

/**
 * The one place an access token is accepted. The gateway, introspection, revocation and the admin
 * API each pass their {@link TokenPolicy} and map a {@link TokenRejected} to their own answer; the
 * rules live here only:
 * - the key: this Gatehouse's ring, or a trusted issuer's JWKS (OpenID Connect Discovery), only
 *   asymmetric algorithms (RFC 8725 §3.1), the key's own `alg`;
 * - `typ`, `iss`, `aud`, `exp` and `nbf` with the policy's leeway, and `exp`, `client_id` (and for
 *   this Gatehouse's tokens `jti`) present (RFC 9068 §4);
 * - for this Gatehouse's tokens: not revoked by `jti`, the client still exists, is enabled, and has
 *   not had every token issued before an instant revoked (`tokensNotBefore`); the scopes are those
 *   it still holds.
 *
 * Signature and claim checks of a token are reused per policy for at most `STORE_CACHE_SECONDS`
 * and never past `exp` plus leeway (as Envoy's jwt_authn `jwt_cache_config`): a machine client
 * resends one token until it nears expiry. Revocation and the client's state are checked on every
 * call, from their own isolate caches.
 */
export class AccessTokenVerifier {
  private readonly remoteIssuers = new Map<string, RemoteIssuer>();

  constructor(private readonly deps: VerifierDependencies) {}

  /**
   * Accepts `token` under `policy`, or throws {@link TokenRejected} saying why (safe to log; the
   * token never is). `ownIssuer` is this Gatehouse's issuer for the request. Other failures (KV or
   * a trusted issuer unavailable) are `OAuthError`s.
   */
  async verify(token: string, ownIssuer: string, policy: TokenPolicy): Promise<AcceptedToken> {
    const { payload, self } = await this.verified(token, ownIssuer, policy);
    checkPresentation(payload, policy);
    // RFC 9068 §2.2: client_id names the client; an empty one names nobody.
    if (typeof payload.client_id !== 'string' || payload.client_id === '') {
      throw new TokenRejected('missing_claim', 'the token\'s "client_id" claim is invalid');
    }
    const clientId = payload.client_id;
    let scopes = tokenScopes(payload);
    if (self) scopes = await this.currentScopes(payload, clientId, scopes);
    return {
      payload,
      issuer: payload.iss!,
      self,
      clientId,
      subject: typeof payload.sub === 'string' ? payload.sub : clientId,
      scopes,
      jti: typeof payload.jti === 'string' ? payload.jti : undefined,
      confirmation: confirmationOf(payload),
    };
  }

  /** Revocation and the client's current state, read together: at most one KV round trip. */
  private async currentScopes(payload: JWTPayload, clientId: string, scopes: string[]): Promise<string[]> {
    const [revoked, client] = await Promise.all([this.deps.revocations.isRevoked(payload.jti as string), this.deps.clients.find(clientId)]);
    if (revoked) throw new TokenRejected('revoked', 'the token has been revoked');
    if (!client || !client.enabled) throw new TokenRejected('client_inactive', "the token's client is unknown or disabled");
    if (client.tokensNotBefore !== undefined && (typeof payload.iat !== 'number' || payload.iat < client.tokensNotBefore)) {
      throw new TokenRejected('revoked', 'the token has been revoked');
    }
    return scopes.filter((scope) => client.allowedScopes.includes(scope));
  }

  /** The signature and claim checks: reused from the cache, or done now. */
  private async verified(token: string, ownIssuer: string, policy: TokenPolicy): Promise<Verified> {
    const key = policy.cacheKey === undefined ? undefined : `${policy.cacheKey} ${token}`;
    if (key !== undefined) {
      const hit = this.deps.verified.peek(key);
      // With ISSUER unset, this Gatehouse's issuer is the request's origin: a token checked under
      // one host name is not thereby valid under another.
      if (hit && (!hit.self || hit.expectedIssuer === ownIssuer)) return hit;
    }
    const verified = await this.verifyNow(token, ownIssuer, policy);
    if (key !== undefined) {
      const exp = verified.payload.exp;
      this.deps.verified.setUntil(key, verified, typeof exp === 'number' ? (exp + policy.clockSkewSeconds) * 1000 : Infinity);
    }
    return verified;
  }

  private async verifyNow(token: string, ownIssuer: string, policy: TokenPolicy): Promise<Verified> {
    // The claims are read once: `iss` chooses the keys, and this Gatehouse's check reuses them.
    const jwt = decodeJwt(token);
    const { iss } = jwt.payload;
    if (policy.issuers.includes(SELF_ISSUER) && iss === ownIssuer) {
      const { payload } = await verifyLocalToken(jwt, await this.deps.keyRing.get(), {
        issuer: ownIssuer,
        audience: policy.audience,
        clockSkewSeconds: policy.clockSkewSeconds,
        types: policy.types,
      });
      return { payload, self: true, expectedIssuer: ownIssuer };
    }
    if (typeof iss === 'string' && iss !== SELF_ISSUER && policy.issuers.includes(iss)) {
      return { payload: await this.verifyRemote(token, this.remoteIssuer(iss), policy), self: false, expectedIssuer: ownIssuer };
    }
    throw new TokenRejected('bad_issuer', 'the token is not from an issuer this route trusts');
  }

  /** A token of another trusted issuer, against its JWKS: the same checks as for this Gatehouse's. */
  private async verifyRemote(token: string, remote: RemoteIssuer, policy: TokenPolicy): Promise<JWTPayload> {
    try {
      const { payload, protectedHeader } = await jwtVerify(token, remote.keyFor, {
        issuer: remote.issuer,
        audience: policy.audience,
        clockTolerance: policy.clockSkewSeconds,
        algorithms: ASYMMETRIC_ALGS,
        requiredClaims: ['exp', 'client_id'],
      });
      if (!typeAccepted(protectedHeader.typ, policy.types)) throw new TokenRejected('bad_type', 'the token is not an access token (typ)');
      return payload;
    } catch (error) {
      if (error instanceof OAuthError) throw error;
      throw fromJoseError(error);
    }
  }

  /** The isolate's cache of one trusted issuer's keys, created on first use. */
  private remoteIssuer(issuer: string): RemoteIssuer {
    let remote = this.remoteIssuers.get(issuer);
    if (!remote) this.remoteIssuers.set(issuer, (remote = new RemoteIssuer(issuer, this.deps.remoteIssuer)));
    return remote;
  }
}
