import type { Config } from '../config';
import { KEY, readText, writeText } from './store';
import { TtlCache } from './ttl-cache';

let cache: TtlCache<boolean> | undefined;
let cacheTtl = -1;

function revokedCache(config: Config): TtlCache<boolean> {
  if (!cache || cacheTtl !== config.storeCacheMs) {
    cache = new TtlCache(config.storeCacheMs);
    cacheTtl = config.storeCacheMs;
  }
  return cache;
}

/** KV refuses an expiration sooner than 60 seconds from now. */
const KV_MIN_TTL_SECONDS = 60;

/** The value of a `revoked:{jti}` entry; only its presence matters, the fields inform operators. */
export interface RevocationRecord {
  clientId: string;
  /** Epoch seconds. */
  revokedAt: number;
}

/**
 * Whether the token with this `jti` has been revoked (RFC 7009), from the `revoked:{jti}` entries.
 * Answers are reused by the isolate for `STORE_CACHE_SECONDS`; docs/revocation.md gives the
 * resulting propagation delay.
 */
export function isRevoked(kv: KVNamespace, config: Config, jti: string): Promise<boolean> {
  return revokedCache(config).get(jti, async () => (await readText(kv, KEY.revoked(jti))) !== null);
}

/**
 * Denies the token with this `jti` until `until` (epoch seconds: its `exp` plus any leeway a
 * validator allows), when KV drops the entry by itself. Takes effect in this isolate at once,
 * elsewhere as KV propagates (docs/revocation.md).
 */
export async function revokeToken(
  kv: KVNamespace,
  config: Config,
  jti: string,
  until: number,
  record: RevocationRecord,
): Promise<void> {
  const ttl = Math.max(KV_MIN_TTL_SECONDS, until - record.revokedAt);
  await writeText(kv, KEY.revoked(jti), JSON.stringify(record), { expirationTtl: ttl });
  revokedCache(config).set(jti, true);
}
