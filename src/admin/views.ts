import type { KeyRingRecord } from '../core/key-ring';
import { signingKeyAt } from '../core/key-ring';
import type { ClaimValue, ClientRecord, ResourceRecord, ScopeRecord, SecretRecord } from '../core/records';
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
  };
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
  return { name: r.name, displayName: r.displayName ?? null, enabled: r.enabled, scopes: [...r.scopes], secrets: r.secrets.map(secretView) };
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
