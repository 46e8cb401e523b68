import { createExecutionContext, createScheduledController, waitOnExecutionContext } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import worker from '../../src/index';
import { callWith } from '../helpers/gateway';
import { basic, call, clientRecord, formPost, ORIGIN, put, SECRET, seedResourceSecret, tokenRequest } from '../helpers/fixtures';

const DAY = 86_400;
const T0 = Date.UTC(2027, 0, 1) / 1000;

/** Moves the clock to `T0 + days` (plus `seconds`) and runs the Cron Trigger at that instant. */
async function cronAt(days: number, seconds = 0): Promise<void> {
  const at = (T0 + days * DAY + seconds) * 1000;
  vi.setSystemTime(at);
  const ctx = createExecutionContext();
  worker.scheduled(createScheduledController({ scheduledTime: at, cron: '*/10 * * * *' }), env, ctx);
  await waitOnExecutionContext(ctx);
}

/** The kids of the token keys in the JWKS; each RSA key is followed by its ES256 origin-assertion key. */
async function jwksKids(): Promise<string[]> {
  const jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: Array<{ kid: string; alg: string }> };
  const algs = jwks.keys.map((k) => k.alg);
  expect(algs).toEqual(algs.flatMap((alg, i) => (i % 2 === 0 ? [alg, 'ES256'] : [])));
  return jwks.keys.filter((_, i) => i % 2 === 0).map((k) => k.kid);
}

async function issue(): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic('client', SECRET) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function signingKid(): Promise<string> {
  return decodeProtectedHeader(await issue()).kid!;
}

async function introspect(token: string): Promise<Record<string, unknown>> {
  const res = await formPost('/connect/introspect', { token }, { Authorization: basic('api1', SECRET) });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, unknown>;
}

async function verifiesAgainstJwks(token: string): Promise<boolean> {
  const jwks = (await (await call('/.well-known/openid-configuration/jwks')).json()) as { keys: never[] };
  try {
    await jwtVerify(token, createLocalJWKSet({ keys: jwks.keys }), {
      issuer: ORIGIN,
      audience: 'api1',
      typ: 'at+jwt',
      currentDate: new Date(Date.now()),
    });
    return true;
  } catch {
    return false;
  }
}

beforeAll(async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0 * 1000);
  await put('scope:api1', { name: 'api1' });
  await seedResourceSecret();
  // The longest lifetime a client may have: the retention period must outlast it.
  await put('client:client', clientRecord({ accessTokenLifetime: 30 * DAY }));
});

afterAll(() => {
  vi.useRealTimers();
});

describe('automatic key rotation on the Cron Trigger (defaults: 90 d interval, 14 d propagation, 31 d retention), seen by introspection, jose and the gateway', () => {
  let k1 = '';
  let k2 = '';
  let lastOfK1 = '';

  it('day 0: an empty ring gets a key that signs at once', async () => {
    expect(await jwksKids()).toEqual([]);
    await cronAt(0);
    const kids = await jwksKids();
    expect(kids).toHaveLength(1);
    k1 = kids[0]!;
    expect(await signingKid()).toBe(k1);
  });

  it('day 75: nothing changes yet', async () => {
    await cronAt(75, 23 * 3600);
    expect(await jwksKids()).toEqual([k1]);
    expect(await signingKid()).toBe(k1);
  });

  it('day 76: the successor is published but does not sign', async () => {
    await cronAt(76);
    const kids = await jwksKids();
    expect(kids).toHaveLength(2);
    expect(kids[0]).toBe(k1);
    k2 = kids[1]!;
    expect(await signingKid()).toBe(k1);
  });

  it('a second before day 90: the old key still signs', async () => {
    await cronAt(89, DAY - 1);
    lastOfK1 = await issue();
    expect(decodeProtectedHeader(lastOfK1).kid).toBe(k1);
    expect(await jwksKids()).toEqual([k1, k2]);
  });

  it('day 90: the successor signs; both stay published; the last token of the old key stays valid', async () => {
    await cronAt(90);
    expect(await signingKid()).toBe(k2);
    expect(await jwksKids()).toEqual([k1, k2]);
    expect(await introspect(lastOfK1)).toMatchObject({ active: true, client_id: 'client', aud: 'api1' });
    expect(await verifiesAgainstJwks(lastOfK1)).toBe(true);
    expect((await callWith(lastOfK1, '/api/x')).status).toBe(200);
  });

  for (const day of [100, 110, 119]) {
    it(`day ${day}: the old key's last token still verifies, at introspection and against the JWKS`, async () => {
      await cronAt(day, DAY - 2);
      expect(await jwksKids()).toEqual([k1, k2]);
      expect(await introspect(lastOfK1)).toMatchObject({ active: true });
      expect(await verifiesAgainstJwks(lastOfK1)).toBe(true);
      expect((await callWith(lastOfK1, '/api/x')).status).toBe(200);
      expect(await signingKid()).toBe(k2);
    });
  }

  it('day 120: the token has expired, so it is inactive; its key is still published', async () => {
    await cronAt(120);
    expect(await introspect(lastOfK1)).toEqual({ active: false });
    // The gateway allows GATEWAY_CLOCK_SKEW_SECONDS of leeway; past it, the token is refused there too.
    vi.setSystemTime((T0 + 120 * DAY + 61) * 1000);
    expect((await callWith(lastOfK1, '/api/x')).status).toBe(401);
    expect(await jwksKids()).toEqual([k1, k2]);
  });

  it('day 121: the retention period has ended and the old key is removed', async () => {
    await cronAt(120, DAY - 1);
    expect(await jwksKids()).toEqual([k1, k2]);
    await cronAt(121);
    expect(await jwksKids()).toEqual([k2]);
    expect(await signingKid()).toBe(k2);
  });

  it('day 166: the next successor is published, and the cycle goes on', async () => {
    await cronAt(166);
    const kids = await jwksKids();
    expect(kids).toHaveLength(2);
    expect(kids[0]).toBe(k2);
    expect(await signingKid()).toBe(k2);
    await cronAt(180);
    expect(await signingKid()).toBe(kids[1]);
  });
});
