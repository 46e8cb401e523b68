/**
 * A small per-isolate cache of values loaded from KV, bounded in size: the oldest entry goes
 * first, so a flood of random keys cannot grow memory. Failures are not kept.
 *
 * It holds settled values, never a pending promise. In workerd a promise belongs to the request
 * that made it: another request awaiting it has its continuation handed across, and cancelled if
 * the first request is cancelled (its caller went away) before the promise settles, which leaves
 * the second request hanging until the runtime gives up on it. So concurrent misses each load for
 * themselves (a few extra KV reads when an entry is new or has just expired), and the value is
 * kept once it is in.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { expires: number; value: V }>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  /** The cached value for `key`, or the result of `load()`, kept for the TTL from when it began. */
  async get(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.peek(key, now);
    if (hit !== undefined) return hit;
    const value = await load();
    this.keep(key, value, now + this.ttlMs);
    return value;
  }

  /** The cached value for `key` if it has not expired at `now`, without loading anything. */
  peek(key: string, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    if (hit && hit.expires > now) return hit.value;
    if (hit) this.entries.delete(key);
    return undefined;
  }

  /** Stores a value known to be current, for the TTL (nothing is kept when the TTL is 0). */
  set(key: string, value: V): void {
    this.keep(key, value, Date.now() + this.ttlMs);
  }

  /** Stores a value for the TTL, or until `expires` (epoch ms) if that comes sooner. */
  setUntil(key: string, value: V, expires: number): void {
    const now = Date.now();
    if (expires > now) this.keep(key, value, Math.min(expires, now + this.ttlMs));
  }

  /** Drops one entry, or all of them. */
  clear(key?: string): void {
    if (key === undefined) this.entries.clear();
    else this.entries.delete(key);
  }

  private keep(key: string, value: V, expires: number): void {
    if (this.ttlMs <= 0) return;
    this.entries.delete(key);
    this.entries.set(key, { expires, value });
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
