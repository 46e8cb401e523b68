import { DurableObject } from 'cloudflare:workers';
import type { AuthFailureSettings } from '../settings';

/** Failures counted in one fixed window. */
interface Counter {
  failures: number;
  /** Epoch seconds at which the window closes and failures start again from zero. */
  windowEnds: number;
}

/**
 * The limiter's word on one evaluated attempt: whether its answer must be a refusal, and for how
 * long the caller is refused now (0 when it is not).
 */
export interface Settlement {
  refused: boolean;
  retryAfter: number;
}

/** Storage name of the counter of every attempt from the network this object counts. */
const TOTAL = 'total';

/** Storage name of the counter of one client id from one address; ids longer than any KV key could are cut. */
function pairName(address: string, clientId: string): string {
  return `pair:${address} ${clientId.slice(0, 256)}`;
}

/**
 * Counts failed client authentications for one caller network, addressed by name: an IPv4
 * address, an IPv6 /48, or the bucket of requests without an address (src/oauth/client-auth/rate-limit.ts
 * names it). It counts per (client id, address), the address being the IPv4 address or the IPv6
 * /64, and in total across client ids for the whole network. Keyed by the caller, never by the
 * client id alone, so no one can lock a client out by failing on purpose from elsewhere
 * (docs/abuse.md).
 *
 * Every attempt is settled here once its credentials have been checked, and the limiter decides
 * and counts in that one step: every read and write below is synchronous storage, so no other
 * request interleaves. The answers of a concurrent burst are thus decided one at a time: once the
 * failures reach a limit, every later attempt is refused, a correct one included, so no more
 * guesses than the limit ever get an answer that tells anything. Successes write nothing and hold
 * nothing, so a busy client is never slowed by its own concurrency.
 *
 * The counters are in the object's storage, so they survive eviction; an alarm clears them once
 * every window has closed.
 */
export class AuthFailureLimiter extends DurableObject {
  /**
   * Settles one evaluated attempt of `clientId` from `address` at `now` (epoch seconds): refused
   * when the caller is already over a limit, whatever the outcome; otherwise a failure is counted.
   */
  async settle(address: string, clientId: string, now: number, limits: AuthFailureSettings, failed: boolean): Promise<Settlement> {
    const name = pairName(address, clientId);
    const pair = this.read(name, now, limits.windowSeconds);
    const total = this.read(TOTAL, now, limits.windowSeconds);
    const refusedUntil = () => {
      let until = 0;
      if (pair.failures >= limits.perClientIp) until = pair.windowEnds;
      if (total.failures >= limits.perIp) until = Math.max(until, total.windowEnds);
      return until > now ? until - now : 0;
    };

    const before = refusedUntil();
    if (before > 0) return { refused: true, retryAfter: before };
    if (!failed) return { refused: false, retryAfter: 0 };

    pair.failures++;
    total.failures++;
    this.ctx.storage.kv.put(name, pair);
    this.ctx.storage.kv.put(TOTAL, total);
    const last = Math.max(pair.windowEnds, total.windowEnds) * 1000;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm < last) await this.ctx.storage.setAlarm(last);
    return { refused: false, retryAfter: refusedUntil() };
  }

  /** Every window has closed: forget this caller. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  /** A counter as it stands at `now`: a closed window starts afresh. */
  private read(name: string, now: number, windowSeconds: number): Counter {
    const stored = this.ctx.storage.kv.get<Counter>(name);
    return stored && stored.windowEnds > now ? stored : { failures: 0, windowEnds: now + windowSeconds };
  }
}
