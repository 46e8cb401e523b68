import type { Config } from '../config';
import { KEY, readText } from './store';
import { TtlCache } from './ttl-cache';

let cache: TtlCache<boolean> | undefined;
let cacheTtl = -1;

/**
 * Whether the token with this `jti` has been revoked (RFC 7009), from the `revoked:{jti}` entries.
 * Answers are reused by the isolate for `STORE_CACHE_SECONDS`; docs/revocation.md gives the
 * resulting propagation delay.
 */
export function isRevoked(kv: KVNamespace, config: Config, jti: string): Promise<boolean> {
  if (!cache || cacheTtl !== config.storeCacheMs) {
    cache = new TtlCache(config.storeCacheMs);
    cacheTtl = config.storeCacheMs;
  }
  return cache.get(jti, async () => (await readText(kv, KEY.revoked(jti))) !== null);
}

/** Records in this isolate's cache that `jti` is revoked, so it takes effect here at once. */
export function rememberRevoked(jti: string): void {
  cache?.clear(jti);
}
