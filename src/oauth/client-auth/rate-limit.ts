import type { Config } from '../../config';
import { log } from '../../core/log';
import type { Bindings } from '../../env';
import { OAuthError } from '../../errors';

/** How long this isolate trusts the limiter's word that a caller is not refused, in seconds. */
const CLEAN_SECONDS = 10;
const MAX_ENTRIES = 10_000;

// What this isolate has learnt from the limiter, so that the success path rarely needs to ask it:
// callers refused until an instant, and callers found not refused at a recent instant.
const refusedUntil = new Map<string, number>();
const cleanUntil = new Map<string, number>();
let missingReported = false;

function remember(map: Map<string, number>, key: string, until: number): void {
  map.delete(key);
  map.set(key, until);
  if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value!);
}

/**
 * The caller's address as Cloudflare reports it (`CF-Connecting-IP`, which a caller cannot set
 * through Cloudflare's edge). IPv6 callers are counted per /64, the block one subscriber holds.
 */
export function callerAddress(request: Request): string {
  // Only Cloudflare sets this header, but a request that reached the Worker another way could
  // carry anything: the value names a Durable Object, so it is bounded.
  const ip = request.headers.get('CF-Connecting-IP')?.trim().slice(0, 64) ?? '';
  if (!ip) return 'unknown';
  if (!ip.includes(':')) return ip;
  const [head = '', tail = ''] = ip.toLowerCase().split('::', 2);
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

function tooMany(retryAfter: number): OAuthError {
  return new OAuthError('too_many_requests', 'too many failed authentication attempts; try again later', {
    headers: { 'Retry-After': String(retryAfter) },
  });
}

function limiterAvailable(env: Bindings): boolean {
  if (env.AUTH_LIMITER) return true;
  if (!missingReported) log('warn', 'auth_limiter_unavailable', { reason: 'the AUTH_LIMITER binding is missing' });
  missingReported = true;
  return false;
}

// Made only when the limiter is asked: naming a Durable Object hashes the name, and the success
// path of a caller found clean moments ago does not ask.
function limiterOf(env: Bindings, ip: string) {
  return env.AUTH_LIMITER!.get(env.AUTH_LIMITER!.idFromName(ip));
}

/**
 * Runs a client authentication (`verify`, which throws `invalid_client` on failure) under the
 * failed-authentication limits (docs/abuse.md). Failures are counted per caller address and per
 * (client id, caller address), never per client id alone, so a client that authenticates
 * correctly from elsewhere is never locked out. A caller over a limit gets 429 with
 * `Retry-After`, whether or not its credentials are right, so refused guesses teach it nothing.
 *
 * The success path adds no round trip in sequence: the limiter is asked in parallel with the
 * secret check, and a recent "not refused" is reused by the isolate for {@link CLEAN_SECONDS}, so
 * a busy client costs one limiter call per isolate every few seconds. Only a failure waits on the
 * limiter, to record itself.
 */
export async function withFailureLimits<T>(
  env: Bindings,
  config: Config,
  request: Request,
  clientId: string,
  verify: () => Promise<T>,
): Promise<T> {
  const ip = callerAddress(request);
  // Bounded like the limiter's own names, so a flood of long ids cannot grow the isolate's maps.
  const pair = `${ip} ${clientId.slice(0, 256)}`;
  const now = Math.floor(Date.now() / 1000);
  const known = refusedUntil.get(pair) ?? 0;
  if (known > now) {
    log('warn', 'client_auth_limited', { client_id: clientId.slice(0, 100), ip, retry_after: known - now });
    throw tooMany(known - now);
  }
  if (!limiterAvailable(env)) return verify();

  const limits = config.authFailures;
  const status: Promise<number> | undefined =
    (cleanUntil.get(pair) ?? 0) > now
      ? undefined
      : limiterOf(env, ip).status(clientId, now, limits).then(
          (retryAfter) => {
            if (retryAfter === 0) remember(cleanUntil, pair, now + CLEAN_SECONDS);
            return retryAfter;
          },
          (cause: unknown) => {
            // Fail open: an unreachable limiter must not stop clients from getting tokens.
            log('error', 'auth_limiter_unavailable', { reason: cause instanceof Error ? cause.message : String(cause) });
            return 0;
          },
        );

  let result: T;
  try {
    result = await verify();
  } catch (error) {
    if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
    cleanUntil.delete(pair);
    let verdict;
    try {
      verdict = await limiterOf(env, ip).fail(clientId, now, limits);
    } catch (cause) {
      log('error', 'auth_limiter_unavailable', { reason: cause instanceof Error ? cause.message : String(cause) });
      throw error;
    }
    if (verdict.retryAfter > 0) remember(refusedUntil, pair, now + verdict.retryAfter);
    if (verdict.wasBlocked) {
      log('warn', 'client_auth_limited', { client_id: clientId.slice(0, 100), ip, retry_after: verdict.retryAfter });
      throw tooMany(verdict.retryAfter);
    }
    throw error;
  }
  const retryAfter = status === undefined ? 0 : await status;
  if (retryAfter > 0) {
    remember(refusedUntil, pair, now + retryAfter);
    log('warn', 'client_auth_limited', { client_id: clientId.slice(0, 100), ip, retry_after: retryAfter });
    throw tooMany(retryAfter);
  }
  return result;
}
