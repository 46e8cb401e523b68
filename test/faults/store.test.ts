import { env } from 'cloudflare:workers';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { STORE_TIMEOUT_MS } from '../../src/core/store';
import type { Bindings } from '../../src/env';
import { app } from '../../src/index';
import { FaultInjectingKv } from '../helpers/faulty-kv';
import { ORIGIN, seedArticle, SECRET } from '../helpers/fixtures';

const TOKEN_BODY = `grant_type=client_credentials&client_id=client&client_secret=${SECRET}&scope=api1`;
const UNAVAILABLE = { error: 'temporarily_unavailable', error_description: 'the configuration store is unavailable; try again shortly' };

let kv: FaultInjectingKv;
let bindings: Bindings;

/** The Worker over the fault-injecting KV; `cacheSeconds` as STORE_CACHE_SECONDS. */
function withFaultyKv(cacheSeconds: string): Bindings {
  return { ...env, GATEHOUSE: kv.binding, STORE_CACHE_SECONDS: cacheSeconds };
}

function call(path: string, init?: RequestInit, on: Bindings = bindings): Promise<Response> {
  return app.fetch(new Request(`${ORIGIN}${path}`, init), on) as Promise<Response>;
}

function token(on: Bindings = bindings): Promise<Response> {
  return call('/connect/token', { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: TOKEN_BODY }, on);
}

async function expectUnavailable(res: Response) {
  expect(res.status).toBe(503);
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('Retry-After')).toBe('5');
  expect(await res.json()).toEqual(UNAVAILABLE);
}

/** The JWKS as served while the store is healthy: what any issued token must verify against. */
async function servedJwks(on: Bindings = bindings) {
  const res = await call('/.well-known/openid-configuration/jwks', {}, on);
  expect(res.status).toBe(200);
  return createLocalJWKSet((await res.json()) as { keys: never[] });
}

beforeEach(async () => {
  await seedArticle('ES256');
  kv = new FaultInjectingKv(env.GATEHOUSE);
  bindings = withFaultyKv('0');
});

describe('faults: KV unavailable', () => {
  it('answers every endpoint that reads KV with 503, Retry-After and a JSON body, and issues nothing', async () => {
    kv.fault = { kind: 'fail' };
    await expectUnavailable(await token());
    await expectUnavailable(await call('/.well-known/openid-configuration'));
    await expectUnavailable(await call('/.well-known/openid-configuration/jwks'));
    expect((await call('/healthz')).status).toBe(200);
  });

  it('answers 503 when only the key ring cannot be read, after the client was authenticated', async () => {
    kv.affects = (key) => key === 'keys';
    kv.fault = { kind: 'fail' };
    await expectUnavailable(await token());
  });

  it('keeps issuing verifiable tokens from what the isolate has cached while KV is down', async () => {
    const cached = withFaultyKv('30');
    expect((await token(cached)).status).toBe(200);
    const jwks = await servedJwks(cached);
    kv.fault = { kind: 'fail' };
    const readsBefore = kv.reads;
    for (let i = 0; i < 3; i++) {
      const res = await token(cached);
      expect(res.status).toBe(200);
      const { access_token } = (await res.json()) as { access_token: string };
      await jwtVerify(access_token, jwks, { issuer: ORIGIN, audience: 'api1', typ: 'at+jwt' });
    }
    expect(kv.reads).toBe(readsBefore);
    // The gateway verifies this Gatehouse's tokens from the cached ring too; only the revocation
    // lookup of a token not seen before needs KV, and that is a 503, never a pass.
    const { access_token } = (await (await token(cached)).json()) as { access_token: string };
    const res = await call('/api/x', { headers: { Authorization: `Bearer ${access_token}` } }, cached);
    await expectUnavailable(res);
  });
});

describe('faults: KV slow or stalled', () => {
  it('serves a slow KV (400 ms a read) correctly, only later', async () => {
    const jwks = await servedJwks();
    kv.fault = { kind: 'slow', ms: 400 };
    const res = await token();
    expect(res.status).toBe(200);
    const { access_token } = (await res.json()) as { access_token: string };
    await jwtVerify(access_token, jwks, { issuer: ORIGIN, audience: 'api1' });
  });

  it(`gives up on a stalled KV after ${STORE_TIMEOUT_MS} ms with a 503, for the token endpoint and the gateway`, { timeout: 20_000 }, async () => {
    const { access_token } = (await (await token()).json()) as { access_token: string };
    kv.fault = { kind: 'hang' };
    for (const res of [() => token(), () => call('/api/x', { headers: { Authorization: `Bearer ${access_token}` } })]) {
      const started = Date.now();
      const answer = await res();
      const took = Date.now() - started;
      expect(took).toBeGreaterThanOrEqual(STORE_TIMEOUT_MS - 50);
      expect(took).toBeLessThan(STORE_TIMEOUT_MS + 2000);
      await expectUnavailable(answer);
    }
  });
});
