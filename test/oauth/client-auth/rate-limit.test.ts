import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { callerAddress, callerOf } from '../../../src/oauth/client-auth/rate-limit';
import { basic, clientRecord, formPost, put, SECRET, seedArticle, seedResourceSecret, tokenRequest } from '../../helpers/fixtures';

const LIMITS = loadConfig(env).authFailures;

function attempt(secret: string, ip: string | undefined, clientId = 'client'): Promise<Response> {
  const headers: Record<string, string> = { Authorization: basic(clientId, secret) };
  if (ip !== undefined) headers['CF-Connecting-IP'] = ip;
  return tokenRequest({ grant_type: 'client_credentials' }, headers);
}

const limiter = (name: string) => env.AUTH_LIMITER!.get(env.AUTH_LIMITER!.idFromName(name));
const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Fails `times` attempts of `clientId` from `address` at the limiter itself, as other isolates would. */
async function failAtLimiter(network: string, address: string, clientId: string, times: number): Promise<void> {
  const stub = limiter(network);
  for (let i = 0; i < times; i++) expect(await stub.settle(address, clientId, nowSeconds(), LIMITS, true)).toMatchObject({ refused: false });
}

async function expect401(res: Response) {
  expect(res.status).toBe(401);
  expect(await res.json()).toEqual({ error: 'invalid_client', error_description: 'client authentication failed' });
}

/** A refusal until the window closes, which the test opened well under half a window ago. */
async function expect429(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  const retryAfter = Number(res.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThan(LIMITS.windowSeconds / 2);
  expect(retryAfter).toBeLessThanOrEqual(LIMITS.windowSeconds);
  expect(await res.json()).toEqual({
    error: 'too_many_requests',
    error_description: 'too many failed authentication attempts; try again later',
  });
}

beforeAll(async () => {
  await seedArticle();
  await seedResourceSecret();
  await put('client:other', clientRecord({ clientId: 'other' }));
});

// Each case makes tens to a hundred token requests: allow for a busy machine.
describe('failed client authentication limits', { timeout: 60_000 }, () => {
  it('refuses a (client id, address) pair with 429 after AUTH_FAILURE_LIMIT failures, right secret or not', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) await expect401(await attempt('wrong', '192.0.2.1'));
    await expect429(await attempt('wrong', '192.0.2.1'));
    // The right secret from the refused address is refused too, so refusals reveal nothing.
    await expect429(await attempt(SECRET, '192.0.2.1'));
  });

  it('never locks the client out from elsewhere, nor other clients at the refused address', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) await attempt('wrong', '192.0.2.2');
    await expect429(await attempt(SECRET, '192.0.2.2'));
    expect((await attempt(SECRET, '192.0.2.3')).status).toBe(200);
    expect((await attempt(SECRET, '192.0.2.2', 'other')).status).toBe(200);
  });

  it('refuses an address that fails AUTH_FAILURE_LIMIT_PER_IP times across client ids', async () => {
    for (let i = 0; i < LIMITS.perIp; i++) await expect401(await attempt('wrong', '198.51.100.7', `guess-${i}`));
    await expect429(await attempt('wrong', '198.51.100.7', 'yet-another'));
    await expect429(await attempt(SECRET, '198.51.100.7', 'other'));
    expect((await attempt(SECRET, '198.51.100.8', 'other')).status).toBe(200);
  });

  it('checks no more than AUTH_FAILURE_LIMIT of a concurrent burst of wrong secrets; the rest are refused', async () => {
    const ip = '192.0.2.40';
    const burst = await Promise.all(Array.from({ length: 100 }, () => attempt('wrong', ip)));
    const checked = burst.filter((res) => res.status === 401);
    expect(checked).toHaveLength(LIMITS.perClientIp);
    for (const res of checked) await expect401(res);
    for (const res of burst.filter((r) => r.status !== 401)) await expect429(res);
    // Once the checked ones are counted, the address is refused for the window, right secret or not.
    await expect429(await attempt(SECRET, ip));
    expect((await attempt(SECRET, '192.0.2.41')).status).toBe(200);
  });

  it('answers a correct secret in a burst only if it is settled before the failures reach the limit', async () => {
    const ip = '192.0.2.43';
    const burst = await Promise.all(Array.from({ length: 100 }, (_, i) => attempt(i === 50 ? SECRET : 'wrong', ip)));
    const succeeded = burst.filter((res) => res.status === 200);
    const checked = burst.filter((res) => res.status === 401 || res.status === 200);
    expect(burst.filter((res) => res.status === 401)).toHaveLength(LIMITS.perClientIp);
    expect(succeeded.length).toBeLessThanOrEqual(1);
    // The correct guess, if answered, was settled while the caller was under the limit.
    expect(checked.length).toBe(LIMITS.perClientIp + succeeded.length);
    for (const res of burst.filter((r) => !checked.includes(r))) await expect429(res);
  });

  it('refuses a concurrent burst beyond AUTH_FAILURE_LIMIT_PER_IP across client ids the same way', async () => {
    const ip = '192.0.2.42';
    const burst = await Promise.all(Array.from({ length: 2 * LIMITS.perIp }, (_, i) => attempt('wrong', ip, `spray-${i}`)));
    expect(burst.filter((res) => res.status === 401)).toHaveLength(LIMITS.perIp);
    for (const res of burst.filter((r) => r.status !== 401)) await expect429(res);
    await expect429(await attempt(SECRET, ip, 'other'));
  });

  it('lets a correct secret through only while the limiter admits it: no grace after a recent success', async () => {
    const ip = '203.0.113.11';
    expect((await attempt(SECRET, ip)).status).toBe(200);
    // Refused at the limiter behind this isolate's back, as by failures through other isolates.
    await failAtLimiter(ip, ip, 'client', LIMITS.perClientIp);
    await expect429(await attempt(SECRET, ip));
  });

  it('never counts a success: sequential successes never block', async () => {
    const ip = '203.0.113.12';
    for (let i = 0; i < LIMITS.perIp + LIMITS.perClientIp; i++) expect((await attempt(SECRET, ip)).status).toBe(200);
  });

  it('never limits a busy client: concurrent correct secrets, many more than AUTH_FAILURE_LIMIT, all succeed', async () => {
    const ip = '203.0.113.13';
    const burst = await Promise.all(Array.from({ length: 5 * LIMITS.perClientIp }, () => attempt(SECRET, ip)));
    expect(burst.map((res) => res.status)).toEqual(burst.map(() => 200));
  });

  it('counts failures at introspection and revocation too, as one limit', async () => {
    const ip = '203.0.113.9';
    for (let i = 0; i < LIMITS.perClientIp / 2; i++) {
      const res = await formPost('/connect/introspect', { token: 'x' }, { Authorization: basic('client', 'wrong'), 'CF-Connecting-IP': ip });
      expect(res.status).toBe(401);
    }
    for (let i = 0; i < LIMITS.perClientIp / 2; i++) {
      const res = await formPost('/connect/revocation', { token: 'x' }, { Authorization: basic('client', 'wrong'), 'CF-Connecting-IP': ip });
      expect(res.status).toBe(401);
    }
    await expect429(await formPost('/connect/introspect', { token: 'x' }, { Authorization: basic('client', SECRET), 'CF-Connecting-IP': ip }));
    await expect429(await attempt(SECRET, ip));
  });

  it('does not count malformed requests or requests without credentials', async () => {
    const ip = '203.0.113.10';
    for (let i = 0; i < LIMITS.perClientIp + 1; i++) {
      expect((await tokenRequest({ grant_type: 'client_credentials' }, { 'CF-Connecting-IP': ip })).status).toBe(401);
      expect((await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: 'Basic !!!', 'CF-Connecting-IP': ip })).status).toBe(400);
    }
    expect((await attempt(SECRET, ip)).status).toBe(200);
  });

  it('counts an IPv6 caller per /64 for a client id', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) await expect401(await attempt('wrong', `2001:db8:1:2::${i + 1}`));
    await expect429(await attempt(SECRET, '2001:DB8:1:2:ffff:ffff:ffff:ffff'));
    expect((await attempt(SECRET, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('totals an IPv6 network per /48, so rotating through its /64s resets nothing', async () => {
    // Fewer than AUTH_FAILURE_LIMIT failures from each /64, AUTH_FAILURE_LIMIT_PER_IP in all.
    const perSubnet = LIMITS.perClientIp - 1;
    for (let i = 0; i < LIMITS.perIp; i++) {
      await expect401(await attempt('wrong', `2001:db8:77:${Math.floor(i / perSubnet).toString(16)}::1`));
    }
    await expect429(await attempt(SECRET, '2001:db8:77:ffff::1'));
    await expect429(await attempt(SECRET, '2001:db8:77:ffff::1', 'other'));
    expect((await attempt(SECRET, '2001:db8:78::1')).status).toBe(200);
  });

  it('counts an IPv4-mapped IPv6 caller as the IPv4 address', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) await expect401(await attempt('wrong', i % 2 ? '::ffff:192.0.2.60' : '192.0.2.60'));
    await expect429(await attempt(SECRET, '192.0.2.60'));
    await expect429(await attempt(SECRET, '::FFFF:c000:023c'));
  });

  it('counts requests without a usable CF-Connecting-IP together, as "no-address"', async () => {
    for (let i = 0; i < LIMITS.perClientIp / 2; i++) await expect401(await attempt('wrong', undefined));
    for (let i = 0; i < LIMITS.perClientIp / 2; i++) await expect401(await attempt('wrong', 'not an address'));
    await expect429(await attempt(SECRET, undefined));
    await expect429(await attempt(SECRET, '999.0.0.1'));
    expect((await attempt(SECRET, '192.0.2.70')).status).toBe(200);
  });
});

describe('callerOf', () => {
  const at = (ip?: string) => callerOf(new Request('https://x.test', { headers: ip === undefined ? {} : { 'CF-Connecting-IP': ip } }));

  it('takes an IPv4 address as it is', () => {
    expect(at('192.0.2.1')).toEqual({ address: '192.0.2.1', network: '192.0.2.1' });
    expect(at(' 192.0.2.1 ')).toEqual({ address: '192.0.2.1', network: '192.0.2.1' });
  });

  it('takes the /64 and the /48 of an IPv6 address, in canonical form (RFC 5952)', () => {
    const net = { address: '2001:db8:1:2::/64', network: '2001:db8:1::/48' };
    expect(at('2001:0db8:0001:0002:0000:0000:0000:0001')).toEqual(net);
    expect(at('2001:DB8:1:2::1')).toEqual(net);
    expect(at('2001:db8:1:2:a:b:c:d')).toEqual(net);
    expect(at('2001:db8:1:2::1.2.3.4')).toEqual(net);
    expect(at('2001:db8::1')).toEqual({ address: '2001:db8::/64', network: '2001:db8::/48' });
    expect(at('fe80::1%eth0')).toEqual({ address: 'fe80::/64', network: 'fe80::/48' });
    expect(at('::1')).toEqual({ address: '::/64', network: '::/48' });
    expect(at('0:0:1:2::')).toEqual({ address: '0:0:1:2::/64', network: '0:0:1::/48' });
  });

  it('takes an IPv4-mapped IPv6 address as the IPv4 address (RFC 4291 §2.5.5.2)', () => {
    expect(at('::ffff:192.0.2.1')).toEqual({ address: '192.0.2.1', network: '192.0.2.1' });
    expect(at('0:0:0:0:0:FFFF:c000:201')).toEqual({ address: '192.0.2.1', network: '192.0.2.1' });
  });

  it('counts a missing or malformed address as "no-address"', () => {
    const none = { address: 'no-address', network: 'no-address' };
    for (const ip of [undefined, '', 'unknown', '192.0.2', '192.0.2.256', '1:2:3:4:5:6:7', '1::2::3', '1:2:3:4:5:6:7:8:9', '::12345', '1:2:3:4:5:6:7::8', '::ffff:1.2.3']) {
      expect(at(ip)).toEqual(none);
    }
  });

  it('gives the address alone for log lines', () => {
    expect(callerAddress(new Request('https://x.test', { headers: { 'CF-Connecting-IP': '2001:db8::1' } }))).toBe('2001:db8::/64');
  });
});

describe('AuthFailureLimiter (the Durable Object)', () => {
  it('settles a success without counting it, and counts a failure, per client id and in total', async () => {
    const stub = limiter('limiter-count');
    const t = nowSeconds();
    for (let i = 0; i < 3 * LIMITS.perClientIp; i++) expect(await stub.settle('a', 'c', t, LIMITS, false)).toEqual({ refused: false, retryAfter: 0 });
    for (let i = 1; i < LIMITS.perClientIp; i++) expect(await stub.settle('a', 'c', t, LIMITS, true)).toEqual({ refused: false, retryAfter: 0 });
    // The failure that reaches the limit is answered as a failure, and refuses what follows.
    expect(await stub.settle('a', 'c', t, LIMITS, true)).toEqual({ refused: false, retryAfter: LIMITS.windowSeconds });
    expect(await stub.settle('a', 'c', t, LIMITS, false)).toEqual({ refused: true, retryAfter: LIMITS.windowSeconds });
    // Another client id at the address has a count of its own, within the address's total.
    expect(await stub.settle('a', 'd', t, LIMITS, false)).toEqual({ refused: false, retryAfter: 0 });
  });

  it('refuses until the window closes, then counts afresh', async () => {
    const stub = limiter('limiter-window');
    // Real time: the clean-up alarm is set at the window's close.
    const t = nowSeconds();
    await failAtLimiter('limiter-window', 'a', 'c', LIMITS.perClientIp);
    expect(await stub.settle('a', 'c', t + 100, LIMITS, false)).toEqual({ refused: true, retryAfter: LIMITS.windowSeconds - 100 });
    expect(await stub.settle('a', 'c', t + LIMITS.windowSeconds, LIMITS, true)).toEqual({ refused: false, retryAfter: 0 });
  });

  it('forgets the caller when its alarm fires', async () => {
    const stub = limiter('limiter-alarm');
    const t = nowSeconds();
    await failAtLimiter('limiter-alarm', 'a', 'c', LIMITS.perClientIp);
    expect(await stub.settle('a', 'c', t, LIMITS, false)).toMatchObject({ refused: true });
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.settle('a', 'c', t, LIMITS, false)).toEqual({ refused: false, retryAfter: 0 });
  });
});
