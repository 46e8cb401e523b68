import type { JWTPayload } from 'jose';

/** A token that passed every check of a route, and until when that result may be reused. */
export interface VerifiedEntry {
  payload: JWTPayload;
  /** Whether this Gatehouse issued it (so revocation applies). */
  self: boolean;
  /** The issuer it was checked against: for this Gatehouse's own tokens, the request's issuer. */
  expectedIssuer: string;
  /** Epoch ms after which the entry is not used. */
  until: number;
}

/**
 * Tokens this isolate has verified for a route. A machine client sends the same token with every
 * request until it nears expiry, so checking its signature once per isolate, rather than once per
 * request, removes the largest cost of a gateway request (Envoy's jwt_authn offers the same as
 * `jwt_cache_config`). Only successes are kept, per route, since audience, issuers and `typ` are
 * route settings. An entry lives no longer than STORE_CACHE_SECONDS, the staleness the isolate's
 * copies of the key ring and of revocations already allow, and never past the token's `exp` plus
 * leeway; revocation and scopes are still checked on every request. Oldest entries go first when
 * the cache is full, so a flood of distinct valid tokens cannot grow memory.
 */
export class VerifiedTokens {
  private readonly entries = new Map<string, VerifiedEntry>();

  constructor(private readonly maxEntries: number) {}

  /** The entry for this route and token, if it is still usable at `now` (epoch ms). */
  get(prefix: string, token: string, now: number): VerifiedEntry | undefined {
    const key = `${prefix} ${token}`;
    const entry = this.entries.get(key);
    if (entry && entry.until > now) return entry;
    if (entry) this.entries.delete(key);
    return undefined;
  }

  /** Keeps a verification result; nothing is kept when the cache is off or the entry already lapsed. */
  set(prefix: string, token: string, entry: VerifiedEntry, now: number): void {
    if (this.maxEntries === 0 || entry.until <= now) return;
    const key = `${prefix} ${token}`;
    this.entries.delete(key);
    this.entries.set(key, entry);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}

/**
 * Until when a verification made at `now` (epoch ms) may be reused: for `cacheMs`, and no longer
 * than jose would accept the token's `exp` (valid while `exp` + leeway is after the current second).
 */
export function reusableUntil(payload: JWTPayload, now: number, cacheMs: number, leewaySeconds: number): number {
  const byCache = now + cacheMs;
  return typeof payload.exp === 'number' ? Math.min(byCache, (payload.exp + leewaySeconds) * 1000) : byCache;
}
