/**
 * The DPoP proofs an isolate has already accepted, by key thumbprint and `jti` (RFC 9449 §11.1).
 *
 * Per isolate only: a proof replayed to another isolate or another location is not caught. A
 * global check would cost a Durable Object round trip on every proof (docs/dpop.md). Bounded in
 * size: when full, expired entries go first, then the oldest, so a flood of proofs cannot grow
 * memory (at the price of forgetting the oldest proofs early).
 */
export class DpopReplayCache {
  /** `jkt` and `jti` to the epoch second until which the proof is remembered; in insertion order. */
  private readonly seen = new Map<string, number>();

  constructor(private readonly maxEntries = 10_000) {}

  /**
   * Records the proof and says whether it is new. `until` is when its `iat` leaves the acceptance
   * window: after that the proof is refused as too old, so it need not be remembered.
   */
  unique(jkt: string, jti: string, until: number, now: number): boolean {
    // jkt is base64url, so a space cannot occur in it and the pair is unambiguous.
    const key = `${jkt} ${jti}`;
    const known = this.seen.get(key);
    if (known !== undefined && known >= now) return false;
    this.seen.delete(key);
    if (this.seen.size >= this.maxEntries) this.evict(now);
    this.seen.set(key, until);
    return true;
  }

  private evict(now: number): void {
    for (const [key, until] of this.seen) if (until < now) this.seen.delete(key);
    if (this.seen.size >= this.maxEntries) this.seen.delete(this.seen.keys().next().value!);
  }
}
