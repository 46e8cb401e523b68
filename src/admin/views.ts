import type { JWK } from 'jose';
import { jwkThumbprint } from '../core/client-keys';
import type { KeyRingRecord } from '../core/key-ring';
import { signingKeyAt } from '../core/key-ring';
import {
  authMethodsOf,
  type ClaimValue,
  type ClientAuthMethodName,
  type ClientRecord,
  type ResourceRecord,
  type ScopeRecord,
  type SecretRecord,
} from '../core/records';
import { ADMIN_SCOPE } from './names';

/**
 * What the admin API and the CLI show of stored records. Every view is built field by field, never
 * by copying a record, so a secret hash or a private key cannot slip into a response.
 */

export interface SecretView {
  /** Null for a secret written without an id (it gets one at the next change to its owner). */
  id: string | null;
  created: string | null;
  expires: string | null;
  description: string | null;
}

/** A secret just added; `value` is present only when Gatehouse generated it, and is shown this once. */
export interface CreatedSecret extends SecretView {
  value?: string;
}

export interface ClientView {
  clientId: string;
  name: string | null;
  enabled: boolean;
  allowedGrantTypes: string[];
  allowedScopes: string[];
  accessTokenLifetime: number;
  claims: Record<string, ClaimValue>;
  claimsPrefix: string;
  secrets: SecretView[];
  /** Epoch seconds: the client's tokens issued before it are refused; null when never set. */
  tokensNotBefore: number | null;
  /** The methods it may authenticate with; the two secret methods when none were set. */
  authMethods: ClientAuthMethodName[];
  /** Where it publishes its public keys for private_key_jwt, if there. */
  jwksUri: string | null;
  /** The kids of the public keys held in its record (null for a lone key without one). */
  keyIds: Array<string | null>;
  /** Whether its tokens must be DPoP-bound. */
  requireDPoP: boolean;
  /** The certificate subject tls_client_auth checks (docs/mtls.md): one of these five is set, or none. */
  tlsClientAuthSubjectDn: string | null;
  tlsClientAuthSanDns: string | null;
  tlsClientAuthSanUri: string | null;
  tlsClientAuthSanIp: string | null;
  tlsClientAuthSanEmail: string | null;
  /** The x5t#S256 thumbprints self_signed_tls_client_auth accepts (besides the x5c of its keys). */
  tlsClientCertificateThumbprints: string[];
  /** Whether its tokens are bound to the certificate of its token request. */
  tlsClientCertificateBoundAccessTokens: boolean;
}

/** A public key held in a client's record, for private_key_jwt; no key material. */
export interface ClientKeyView {
  kid: string | null;
  kty: string;
  alg: string | null;
  /** RFC 7638 SHA-256 thumbprint: names a key that has no kid, and compares keys. */
  thumbprint: string;
}

/**
 * A client's keys for private_key_jwt: those held in its record, or its `jwksUri`, never both.
 * The keys at a jwksUri are whatever it serves when the client authenticates; they are not listed.
 */
export interface ClientKeysView {
  jwksUri: string | null;
  keys: ClientKeyView[];
}

export interface ScopeView {
  name: string;
  displayName: string | null;
  description: string | null;
  enabled: boolean;
  /** Granted only when asked for by name; always true for the admin scope. */
  explicitOnly: boolean;
}

export interface ResourceView {
  name: string;
  displayName: string | null;
  enabled: boolean;
  scopes: string[];
  /** Its RFC 8707 resource indicator, an absolute URI; null when it has none. */
  uri: string | null;
  secrets: SecretView[];
}

export interface KeyView {
  kid: string;
  alg: string;
  /** `next`: published, not signing yet; `signing`: signs now; `retired`: published, no longer signs. */
  status: 'next' | 'signing' | 'retired';
  /** Epoch seconds. */
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
}

/** The secret's metadata, without its hash. */
export function secretView(s: SecretRecord): SecretView {
  return { id: s.id ?? null, created: s.created ?? null, expires: s.expires ?? null, description: s.description ?? null };
}

/** A client without its secrets' hashes. */
export function clientView(c: ClientRecord): ClientView {
  return {
    clientId: c.clientId,
    name: c.name ?? null,
    enabled: c.enabled,
    allowedGrantTypes: [...c.allowedGrantTypes],
    allowedScopes: [...c.allowedScopes],
    accessTokenLifetime: c.accessTokenLifetime,
    claims: { ...c.claims },
    claimsPrefix: c.claimsPrefix,
    secrets: c.secrets.map(secretView),
    tokensNotBefore: c.tokensNotBefore ?? null,
    authMethods: [...authMethodsOf(c)],
    jwksUri: c.jwksUri ?? null,
    keyIds: (c.jwks?.keys ?? []).map((k) => k.kid ?? null),
    requireDPoP: c.requireDPoP ?? false,
    tlsClientAuthSubjectDn: c.tlsClientAuthSubjectDn ?? null,
    tlsClientAuthSanDns: c.tlsClientAuthSanDns ?? null,
    tlsClientAuthSanUri: c.tlsClientAuthSanUri ?? null,
    tlsClientAuthSanIp: c.tlsClientAuthSanIp ?? null,
    tlsClientAuthSanEmail: c.tlsClientAuthSanEmail ?? null,
    tlsClientCertificateThumbprints: [...(c.tlsClientCertificateThumbprints ?? [])],
    tlsClientCertificateBoundAccessTokens: c.tlsClientCertificateBoundAccessTokens ?? false,
  };
}

/** A client key's identity and kind; never its members. */
export async function clientKeyView(jwk: JWK): Promise<ClientKeyView> {
  return { kid: jwk.kid ?? null, kty: jwk.kty!, alg: jwk.alg ?? null, thumbprint: await jwkThumbprint(jwk) };
}

/** The keys a client holds in its record, and its jwksUri. */
export async function clientKeysView(c: ClientRecord): Promise<ClientKeysView> {
  return { jwksUri: c.jwksUri ?? null, keys: await Promise.all((c.jwks?.keys ?? []).map(clientKeyView)) };
}

/** An API scope; the admin scope shows as explicit-only, as the token endpoint treats it. */
export function scopeView(s: ScopeRecord): ScopeView {
  return {
    name: s.name,
    displayName: s.displayName ?? null,
    description: s.description ?? null,
    enabled: s.enabled,
    explicitOnly: s.explicitOnly === true || s.name === ADMIN_SCOPE,
  };
}

/** An API resource without its secrets' hashes. */
export function resourceView(r: ResourceRecord): ResourceView {
  return {
    name: r.name,
    displayName: r.displayName ?? null,
    enabled: r.enabled,
    scopes: [...r.scopes],
    uri: r.uri ?? null,
    secrets: r.secrets.map(secretView),
  };
}

/** The key ring's public facts: ids, algorithms, times and which key signs at `now`. */
export function keyViews(ring: KeyRingRecord, now: number): KeyView[] {
  const signing = signingKeyAt(ring, now);
  return ring.keys
    .map((k): KeyView => ({
      kid: k.kid,
      alg: k.alg,
      status: k === signing ? 'signing' : k.activatesAt > now ? 'next' : 'retired',
      createdAt: k.createdAt,
      activatesAt: k.activatesAt,
      retiredAt: k.retiredAt ?? null,
    }))
    .sort((a, b) => b.activatesAt - a.activatesAt);
}
