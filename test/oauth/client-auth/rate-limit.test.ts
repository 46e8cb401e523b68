import { runDurableObjectAlarm } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config';
import { callerAddress } from '../../../src/oauth/client-auth/rate-limit';
import { basic, clientRecord, formPost, put, SECRET, seedArticle, seedResourceSecret, tokenRequest } from '../../helpers/fixtures';

const LIMITS = loadConfig(env).authFailures;

function attempt(secret: string, ip: string, clientId = 'client'): Promise<Response> {
  return tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic(clientId, secret), 'CF-Connecting-IP': ip });
}

async function expect429(res: Response) {
  expect(res.status).toBe(429);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  const retryAfter = Number(res.headers.get('Retry-After'));
  expect(retryAfter).toBeGreaterThan(0);
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

describe('failed client authentication limits', () => {
  it('refuses a (client id, address) pair with 429 after AUTH_FAILURE_LIMIT failures, right secret or not', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) expect((await attempt('wrong', '192.0.2.1')).status).toBe(401);
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
    for (let i = 0; i < LIMITS.perIp; i++) expect((await attempt('wrong', '198.51.100.7', `guess-${i}`)).status).toBe(401);
    await expect429(await attempt('wrong', '198.51.100.7', 'yet-another'));
    await expect429(await attempt(SECRET, '198.51.100.7', 'other'));
    expect((await attempt(SECRET, '198.51.100.8', 'other')).status).toBe(200);
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

  it('keeps the limiter off the success path: a recent "not refused" is reused for 10 s, a failure always asks', async () => {
    const ip = '203.0.113.11';
    expect((await attempt(SECRET, ip)).status).toBe(200);
    // Refused at the limiter behind this isolate's back (as by failures through other isolates).
    const stub = env.AUTH_LIMITER!.get(env.AUTH_LIMITER!.idFromName(ip));
    for (let i = 0; i < LIMITS.perClientIp; i++) await stub.fail('client', Math.floor(Date.now() / 1000), LIMITS);
    expect((await attempt(SECRET, ip)).status).toBe(200);
    await expect429(await attempt('wrong', ip));
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

  it('counts an IPv6 caller per /64', async () => {
    for (let i = 0; i < LIMITS.perClientIp; i++) await attempt('wrong', `2001:db8:1:2::${i + 1}`);
    await expect429(await attempt(SECRET, '2001:db8:1:2:ffff:ffff:ffff:ffff'));
    expect((await attempt(SECRET, '2001:db8:1:3::1')).status).toBe(200);
  });
});

describe('callerAddress', () => {
  const at = (ip?: string) => callerAddress(new Request('https://x.test', { headers: ip ? { 'CF-Connecting-IP': ip } : {} }));

  it('takes CF-Connecting-IP, and the /64 of an IPv6 address', () => {
    expect(at('192.0.2.1')).toBe('192.0.2.1');
    expect(at('2001:0db8:0001:0002:0000:0000:0000:0001')).toBe('2001:db8:1:2::/64');
    expect(at('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(at('::1')).toBe('0:0:0:0::/64');
    expect(at()).toBe('unknown');
  });
});

describe('AuthFailureLimiter (the Durable Object)', () => {
  const limiter = (ip: string) => env.AUTH_LIMITER!.get(env.AUTH_LIMITER!.idFromName(ip));

  it('refuses until the window closes, then counts afresh', async () => {
    const stub = limiter('limiter-window');
    // Real time: the clean-up alarm is set at the window's close.
    const t = Math.floor(Date.now() / 1000);
    for (let i = 1; i < LIMITS.perClientIp; i++) expect(await stub.fail('c', t, LIMITS)).toEqual({ wasBlocked: false, retryAfter: 0 });
    expect(await stub.fail('c', t + 10, LIMITS)).toEqual({ wasBlocked: false, retryAfter: LIMITS.windowSeconds - 10 });
    expect(await stub.status('c', t + 100, LIMITS)).toBe(LIMITS.windowSeconds - 100);
    expect(await stub.fail('c', t + 100, LIMITS)).toEqual({ wasBlocked: true, retryAfter: LIMITS.windowSeconds - 100 });
    expect(await stub.status('c', t + LIMITS.windowSeconds, LIMITS)).toBe(0);
    expect(await stub.fail('c', t + LIMITS.windowSeconds, LIMITS)).toEqual({ wasBlocked: false, retryAfter: 0 });
  });

  it('forgets the caller when its alarm fires', async () => {
    const stub = limiter('limiter-alarm');
    const t = Math.floor(Date.now() / 1000);
    for (let i = 0; i < LIMITS.perClientIp; i++) await stub.fail('c', t, LIMITS);
    expect(await stub.status('c', t, LIMITS)).toBeGreaterThan(0);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(await stub.status('c', t, LIMITS)).toBe(0);
  });
});
