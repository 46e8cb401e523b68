import { DurableObject } from 'cloudflare:workers';
import type { AuthFailureSettings } from '../settings';

/** Failures counted in one fixed window. */
interface Counter {
  count: number;
  /** Epoch seconds at which the window closes and the count starts again. */
  windowEnds: number;
}

/** The limiter's answer: whether the caller was already refused, and for how long it is refused now. */
export interface LimiterVerdict {
  /** The caller was over a limit before this failure, so the failure was not counted. */
  wasBlocked: boolean;
  /** Seconds until the caller may try again; 0 when it is not refused. */
  retryAfter: number;
}

const IP_TOTAL = 'ip';

/** Storage name of a client id's counter; ids longer than any KV key could are cut. */
function pairName(clientId: string): string {
  return `client:${clientId.slice(0, 256)}`;
}

/**
 * Counts failed client authentications for one caller IP address (one instance per address,
 * addressed by name): per client id, and in total across client ids. A caller over either limit
 * is refused until that window ends. Keyed by the caller, never by the client id alone, so no one
 * can lock a client out by failing on purpose from elsewhere (docs/abuse.md).
 *
 * The counters are in the object's storage, so they survive eviction; an alarm clears them once
 * every window has closed.
 */
export class AuthFailureLimiter extends DurableObject {
  private async counter(name: string, now: number): Promise<Counter | undefined> {
    const counter = await this.ctx.storage.get<Counter>(name);
    return counter && counter.windowEnds > now ? counter : undefined;
  }

  private async retryAfter(clientId: string, now: number, limits: AuthFailureSettings): Promise<number> {
    const [pair, total] = await Promise.all([this.counter(pairName(clientId), now), this.counter(IP_TOTAL, now)]);
    let until = 0;
    if (pair && pair.count >= limits.perClientIp) until = pair.windowEnds;
    if (total && total.count >= limits.perIp) until = Math.max(until, total.windowEnds);
    return until > now ? until - now : 0;
  }

  /** Seconds this caller is refused for `clientId` at `now` (epoch seconds); 0 when it is not. */
  async status(clientId: string, now: number, limits: AuthFailureSettings): Promise<number> {
    return this.retryAfter(clientId, now, limits);
  }

  /** Counts one failure of this caller for `clientId`, unless it is already refused. */
  async fail(clientId: string, now: number, limits: AuthFailureSettings): Promise<LimiterVerdict> {
    const before = await this.retryAfter(clientId, now, limits);
    if (before > 0) return { wasBlocked: true, retryAfter: before };

    const fresh = { count: 0, windowEnds: now + limits.windowSeconds };
    const pair = (await this.counter(pairName(clientId), now)) ?? { ...fresh };
    const total = (await this.counter(IP_TOTAL, now)) ?? { ...fresh };
    pair.count++;
    total.count++;
    await this.ctx.storage.put<Counter>({ [pairName(clientId)]: pair, [IP_TOTAL]: total });
    const lastClose = Math.max(pair.windowEnds, total.windowEnds) * 1000;
    const alarm = await this.ctx.storage.getAlarm();
    if (alarm === null || alarm < lastClose) await this.ctx.storage.setAlarm(lastClose);
    return { wasBlocked: false, retryAfter: await this.retryAfter(clientId, now, limits) };
  }

  /** Every window has closed: forget this caller. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
