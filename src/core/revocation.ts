import { KEY, readText, writeText } from './store';
import type { TtlCache } from './ttl-cache';

/** KV refuses an expiration sooner than 60 seconds from now. */
const KV_MIN_TTL_SECONDS = 60;

/** The value of a `revoked:{jti}` entry; only its presence matters, the fields inform operators. */
export interface RevocationRecord {
  /** The token's client, when the revoker knew it. */
  clientId?: string;
  /** Epoch seconds. */
  revokedAt: number;
  /** `operator` when revoked through the admin API or the CLI rather than by the client (RFC 7009). */
  by?: 'client' | 'operator';
}

/**
 * Revoked access tokens, as `revoked:{jti}` entries in KV that expire with the tokens. Answers are
 * reused by the isolate for `STORE_CACHE_SECONDS`; docs/revocation.md gives the resulting bound.
 */
export class RevocationStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly cache: TtlCache<boolean>,
  ) {}

  /** Whether the token with this `jti` has been revoked. */
  isRevoked(jti: string): Promise<boolean> {
    return this.cache.get(jti, async () => (await readText(this.kv, KEY.revoked(jti))) !== null);
  }

  /**
   * Denies the token with this `jti` until `until` (epoch seconds: its `exp` plus any leeway a
   * validator allows), when KV drops the entry by itself. Takes effect in this isolate at once,
   * elsewhere as KV propagates (docs/revocation.md).
   */
  async revoke(jti: string, until: number, record: RevocationRecord): Promise<void> {
    const ttl = Math.max(KV_MIN_TTL_SECONDS, until - record.revokedAt);
    await writeText(this.kv, KEY.revoked(jti), JSON.stringify(record), { expirationTtl: ttl });
    this.cache.set(jti, true);
  }

  /** Forgets cached answers (after an operator's revocation in this isolate). */
  forget(jti?: string): void {
    this.cache.clear(jti);
  }
}
