import type { Config } from '../../config';
import type { Settlement } from '../../core/auth-limiter';
import { log } from '../../core/log';
import type { Bindings } from '../../env';
import { OAuthError } from '../../errors';

/** The name under which requests without a usable caller address are counted, all together. */
export const NO_ADDRESS = 'no-address';

const MAX_ENTRIES = 10_000;

// Callers this isolate has seen refused until an instant, so that their next attempts are answered
// without I/O. Only refusals are remembered: they last until their window closes whatever happens
// meanwhile, whereas a caller found not refused may be refused by the next failure anywhere.
const refusedUntil = new Map<string, number>();
let bindingMissingReported = false;
let noAddressReported = false;

function remember(key: string, until: number): void {
  refusedUntil.delete(key);
  refusedUntil.set(key, until);
  if (refusedUntil.size > MAX_ENTRIES) refusedUntil.delete(refusedUntil.keys().next().value!);
}

/** Where a request comes from, as the failure limits count it. */
export interface Caller {
  /** The IPv4 address, the /64 of an IPv6 address, or {@link NO_ADDRESS}. */
  address: string;
  /** What the per-address total counts: the IPv4 address, the /48 of an IPv6 address, or {@link NO_ADDRESS}. */
  network: string;
}

/** The four octets of a dotted-decimal IPv4 address, or undefined. */
function ipv4Octets(text: string): number[] | undefined {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((o) => /^\d{1,3}$/.test(o) && Number(o) <= 255)) return undefined;
  return octets.map(Number);
}

/** The eight 16-bit groups of an IPv6 address in any text form of RFC 4291 §2.2, or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  // A zone index (RFC 4007 §11) names an interface of the sender, not part of the address.
  let rest = text.toLowerCase().split('%')[0]!;
  // An IPv4 address in the last 32 bits (RFC 4291 §2.2, form 3) is rewritten as two groups.
  const lastColon = rest.lastIndexOf(':');
  if (rest.includes('.', lastColon)) {
    const v4 = ipv4Octets(rest.slice(lastColon + 1));
    if (!v4) return undefined;
    rest = `${rest.slice(0, lastColon + 1)}${((v4[0]! << 8) | v4[1]!).toString(16)}:${((v4[2]! << 8) | v4[3]!).toString(16)}`;
  }
  const halves = rest.split('::');
  if (halves.length > 2) return undefined;
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((g) => (/^[0-9a-f]{1,4}$/.test(g) ? parseInt(g, 16) : NaN)));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if ([...head, ...tail].some(Number.isNaN)) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const omitted = 8 - head.length - tail.length;
  // "::" stands for one or more groups of zeros.
  return omitted >= 1 ? [...head, ...Array<number>(omitted).fill(0), ...tail] : undefined;
}

/**
 * The canonical text of a prefix of `bits` (a multiple of 16) of an IPv6 address (RFC 5952 §4):
 * lower-case groups without leading zeros, the longest run of two or more zero groups (the first
 * of equals) shortened to "::".
 */
function ipv6Prefix(groups: number[], bits: number): string {
  const kept = groups.map((g, i) => (i < bits / 16 ? g : 0));
  let run = { start: -1, length: 1 };
  let i = 0;
  while (i < 8) {
    let end = i;
    while (end < 8 && kept[end] === 0) end++;
    if (end - i > run.length) run = { start: i, length: end - i };
    i = Math.max(end, i + 1);
  }
  const hex = kept.map((g) => g.toString(16));
  const text = run.start < 0 ? hex.join(':') : `${hex.slice(0, run.start).join(':')}::${hex.slice(run.start + run.length).join(':')}`;
  return `${text}/${bits}`;
}

/**
 * Where a request comes from: `CF-Connecting-IP`, which Cloudflare sets and a caller cannot set
 * through Cloudflare's edge. An IPv6 caller is counted per /64, the block one subscriber holds,
 * and its network per /48, the block one site holds (RFC 6177), so rotating through its own
 * addresses resets nothing. An IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2) is the IPv4 address.
 * A request without the header, or with a value that is no address, only reaches the Worker off
 * Cloudflare's edge; it is counted as {@link NO_ADDRESS} (docs/abuse.md).
 */
export function callerOf(request: Request): Caller {
  const raw = request.headers.get('CF-Connecting-IP')?.trim() ?? '';
  const v4 = ipv4Octets(raw);
  if (v4) return { address: v4.join('.'), network: v4.join('.') };
  const v6 = raw.includes(':') ? ipv6Groups(raw) : undefined;
  if (!v6) return { address: NO_ADDRESS, network: NO_ADDRESS };
  if (v6.slice(0, 6).join(':') === '0:0:0:0:0:65535') {
    const mapped = [v6[6]! >> 8, v6[6]! & 255, v6[7]! >> 8, v6[7]! & 255].join('.');
    return { address: mapped, network: mapped };
  }
  return { address: ipv6Prefix(v6, 64), network: ipv6Prefix(v6, 48) };
}

/** The caller's address as the failure limits count it, for log lines (see {@link callerOf}). */
export function callerAddress(request: Request): string {
  return callerOf(request).address;
}

function tooMany(retryAfter: number): OAuthError {
  return new OAuthError('too_many_requests', 'too many failed authentication attempts; try again later', {
    headers: { 'Retry-After': String(retryAfter) },
  });
}

function limiterAvailable(env: Bindings): boolean {
  if (env.AUTH_LIMITER) return true;
  if (!bindingMissingReported) log('warn', 'auth_limiter_unavailable', { reason: 'the AUTH_LIMITER binding is missing' });
  bindingMissingReported = true;
  return false;
}

/**
 * Runs a client authentication (`verify`, which throws `invalid_client` on failure) under the
 * failed-authentication limits (docs/abuse.md). Attempts are counted per caller network and per
 * (client id, caller address), never per client id alone, so a client that authenticates
 * correctly from elsewhere is never locked out. A caller over a limit gets 429 with
 * `Retry-After`, whether or not its credentials are right, so refused guesses teach it nothing.
 *
 * The credentials are checked first (a hash comparison) and the outcome is then settled by the
 * limiter, which decides and counts in one step: of a concurrent burst, no more answers than the
 * limit reveal an outcome, and the rest are 429. Every authentication costs one limiter round
 * trip after the check; no answer is given before the limiter's.
 */
export async function withFailureLimits<T>(
  env: Bindings,
  config: Config,
  request: Request,
  clientId: string,
  verify: () => Promise<T>,
): Promise<T> {
  const caller = callerOf(request);
  // Bounded like the limiter's own names, so a flood of long ids cannot grow the isolate's map.
  const pair = `${caller.address} ${clientId.slice(0, 256)}`;
  const now = Math.floor(Date.now() / 1000);
  const limited = (retryAfter: number) => {
    log('warn', 'client_auth_limited', { client_id: clientId.slice(0, 100), ip: caller.address, retry_after: retryAfter });
    return tooMany(retryAfter);
  };
  const known = refusedUntil.get(pair) ?? 0;
  if (known > now) throw limited(known - now);
  if (!limiterAvailable(env)) return verify();
  if (caller.address === NO_ADDRESS && !noAddressReported) {
    log('warn', 'auth_limiter_unavailable', { reason: 'a request without CF-Connecting-IP: such requests share one limit, as "no-address"' });
    noAddressReported = true;
  }

  let result: T | undefined;
  let failure: OAuthError | undefined;
  try {
    result = await verify();
  } catch (error) {
    if (!(error instanceof OAuthError) || error.code !== 'invalid_client') throw error;
    failure = error;
  }

  let settlement: Settlement;
  try {
    const limiter = env.AUTH_LIMITER!.get(env.AUTH_LIMITER!.idFromName(caller.network));
    settlement = await limiter.settle(caller.address, clientId, now, config.authFailures, failure !== undefined);
  } catch (cause) {
    // Fail open: an unreachable limiter must not stop clients from getting tokens.
    log('error', 'auth_limiter_unavailable', { reason: cause instanceof Error ? cause.message : String(cause) });
    if (failure) throw failure;
    return result as T;
  }
  if (settlement.retryAfter > 0) remember(pair, now + settlement.retryAfter);
  if (settlement.refused) throw limited(settlement.retryAfter);
  if (failure) throw failure;
  return result as T;
}
