import { DurableObject } from 'cloudflare:workers';
import type { AuthFailureSettings } from '../settings';

/**
 * How long an admitted attempt may stay unreported, in seconds: far longer than a client
 * authentication takes. An attempt whose Worker never reported back (it was cancelled or crashed)
 * then counts as a failure, so losing the report can only err towards refusing.
 */
const HOLD_SECONDS = 30;

/** Attempts counted in one fixed window. */
interface Counter {
  /** Failed attempts in this window. */
  failures: number;
  /** Deadlines (epoch seconds) of admitted attempts not yet reported: each counts against the limit. */
  held: number[];
  /** Epoch seconds at which the window closes and failures start again from zero. */
  windowEnds: number;
}

/**
 * The limiter's answer to a caller about to present credentials. A refusal is `blocked` when
 * counted failures reached a limit (refused until the window closes), and not when attempts still
 * under way fill it (refused for a moment: they are decided within milliseconds).
 */
export type Admission = { admitted: true } | { admitted: false; blocked: boolean; retryAfter: number };

/** Storage name of the counter of every attempt from the network this object counts. */
const TOTAL = 'total';

/** Storage name of the counter of one client id from one address; ids longer than any KV key could are cut. */
function pairName(address: string, clientId: string): string {
  return `pair:${address} ${clientId.slice(0, 256)}`;
}

/**
 * Admits and counts client authentications for one caller network, addressed by name: an IPv4
 * address, an IPv6 /48, or the bucket of requests without an address (src/oauth/client-auth/rate-limit.ts
 * names it). It counts per (client id, address), the address being the IPv4 address or the IPv6
 * /64, and in total across client ids for the whole network. Keyed by the caller, never by the
 * client id alone, so no one can lock a client out by failing on purpose from elsewhere
 * (docs/abuse.md).
 *
 * An attempt is admitted before its credentials are checked and counts against the limits until it
 * is reported: a success takes it back, a failure keeps it. Deciding and counting are one step
 * (every read and write below is synchronous storage, so no other request can interleave), so a
 * burst of concurrent guesses gets no more of them checked than the limits allow.
 *
 * The counters are in the object's storage, so they survive eviction; an alarm clears them once
 * every window has closed and no attempt is under way.
 */
export class AuthFailureLimiter extends DurableObject {
  /**
   * Admits one attempt of `clientId` from `address` at `now` (epoch seconds) and holds its place
   * until {@link report}, or refuses it with the seconds to wait.
   */
  async admit(address: string, clientId: string, now: number, limits: AuthFailureSettings): Promise<Admission> {
    const pair = this.read(pairName(address, clientId), now, limits.windowSeconds);
    const total = this.read(TOTAL, now, limits.windowSeconds);
    const counted = [
      { counter: pair, limit: limits.perClientIp },
      { counter: total, limit: limits.perIp },
    ];

    const blockedUntil = Math.max(0, ...counted.filter((c) => c.counter.failures >= c.limit).map((c) => c.counter.windowEnds));
    if (blockedUntil > now) return { admitted: false, blocked: true, retryAfter: blockedUntil - now };
    if (counted.some((c) => c.counter.failures + c.counter.held.length >= c.limit)) {
      return { admitted: false, blocked: false, retryAfter: 1 };
    }

    pair.held.push(now + HOLD_SECONDS);
    total.held.push(now + HOLD_SECONDS);
    this.write(pairName(address, clientId), pair);
    this.write(TOTAL, total);
    await this.keepUntil(pair, total);
    return { admitted: true };
  }

  /**
   * Reports how an admitted attempt went: a success gives its place back, a failure keeps it as a
   * failure. Returns the seconds this caller is now refused for `clientId`; 0 when it is not.
   */
  async report(address: string, clientId: string, now: number, limits: AuthFailureSettings, failed: boolean): Promise<number> {
    const pair = this.read(pairName(address, clientId), now, limits.windowSeconds);
    const total = this.read(TOTAL, now, limits.windowSeconds);
    for (const counter of [pair, total]) {
      // Every place held for this pair is alike, so any one is taken back. None is left when the
      // attempt outlived HOLD_SECONDS: it was then counted as a failure already.
      const held = counter.held.indexOf(Math.min(...counter.held));
      if (held < 0) continue;
      counter.held.splice(held, 1);
      if (failed) counter.failures++;
    }
    this.write(pairName(address, clientId), pair);
    this.write(TOTAL, total);
    await this.keepUntil(pair, total);

    let until = 0;
    if (pair.failures >= limits.perClientIp) until = pair.windowEnds;
    if (total.failures >= limits.perIp) until = Math.max(until, total.windowEnds);
    return until > now ? until - now : 0;
  }

  /** Every window has closed and no attempt is under way: forget this caller. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }

  /**
   * A counter as it stands at `now`: places held past their deadline become failures, and a closed
   * window starts afresh (keeping the attempts still under way).
   */
  private read(name: string, now: number, windowSeconds: number): Counter {
    const stored = this.ctx.storage.kv.get<Counter>(name);
    const held = stored?.held.filter((deadline) => deadline > now) ?? [];
    const lapsed = (stored?.held.length ?? 0) - held.length;
    if (!stored || stored.windowEnds <= now) return { failures: lapsed, held, windowEnds: now + windowSeconds };
    return { failures: stored.failures + lapsed, held, windowEnds: stored.windowEnds };
  }

  /** Stores a counter, or deletes it when it counts nothing, so the next attempt opens a new window. */
  private write(name: string, counter: Counter): void {
    if (counter.failures === 0 && counter.held.length === 0) this.ctx.storage.kv.delete(name);
    else this.ctx.storage.kv.put(name, counter);
  }

  /** Sets the clean-up alarm no earlier than the last instant the stored counters still matter. */
  private async keepUntil(...counters: Counter[]): Promise<void> {
    const stored = counters.filter((c) => c.failures > 0 || c.held.length > 0);
    if (stored.length === 0) return;
    const last = Math.max(...stored.flatMap((c) => [c.windowEnds, ...c.held])) * 1000;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm < last) await this.ctx.storage.setAlarm(last);
  }
}
