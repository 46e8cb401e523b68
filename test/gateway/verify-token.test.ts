import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { importJWK, type JWK } from 'jose';
import { decryptPrivateJwk, importKeyEncryptionKey } from '../../src/core/key-encryption';
import { app } from '../../src/index';
import { servicesFor } from '../../src/services';
import type { Bindings } from '../../src/env';
import { basic, ORIGIN, put, SECRET, storedKey } from '../helpers/fixtures';
import { claims, envWith, issuedToken, now, seedWithKey, sign, type RingKey } from '../helpers/gateway';

let ring: RingKey;
let originalRing: string;

beforeAll(async () => {
  ring = await seedWithKey();
  originalRing = (await env.GATEHOUSE.get('keys'))!;
});

afterEach(async () => {
  await put('keys', originalRing);
});

function ringToken(overrides: Record<string, unknown> = {}): Promise<string> {
  return sign(claims(overrides), ring.privateKey, { alg: ring.stored.alg, kid: ring.stored.kid });
}

async function gateway(bindings: Bindings, token: string, url = `${ORIGIN}/api/x`): Promise<{ status: number; description?: string }> {
  const res = await app.fetch(new Request(url, { headers: { Authorization: `Bearer ${token}` } }), bindings);
  if (res.status === 200) {
    await res.body?.cancel();
    return { status: 200 };
  }
  return { status: res.status, description: ((await res.json()) as { error_description: string }).error_description };
}

/** Replaces the ring in KV with one that no longer holds the key the tokens above are signed with. */
async function dropSigningKey(bindings: Bindings): Promise<void> {
  await put('keys', { keys: [await storedKey(ring.stored.alg)] });
  servicesFor(bindings).keyRing.forget();
}

describe('gateway: a token verified once is not verified again while the cache holds it', () => {
  const cached = () => envWith({ STORE_CACHE_SECONDS: '30' });

  it('accepts a token it verified before even once its key has left the ring, and refuses a new one', async () => {
    const bindings = cached();
    const seen = await ringToken();
    expect(await gateway(bindings, seen)).toEqual({ status: 200 });
    await dropSigningKey(bindings);
    expect(await gateway(bindings, seen)).toEqual({ status: 200 });
    expect(await gateway(bindings, await ringToken())).toEqual({ status: 401, description: 'the token is signed by an unknown key' });
  });

  it('verifies every request with GATEWAY_TOKEN_CACHE_SIZE=0', async () => {
    const bindings = envWith({ STORE_CACHE_SECONDS: '30', GATEWAY_TOKEN_CACHE_SIZE: '0' });
    const seen = await ringToken();
    expect(await gateway(bindings, seen)).toEqual({ status: 200 });
    await dropSigningKey(bindings);
    expect(await gateway(bindings, seen)).toEqual({ status: 401, description: 'the token is signed by an unknown key' });
  });

  it('checks a cached token against each route: audience, and the issuer of the host it was sent to', async () => {
    const bindings = envWith({
      STORE_CACHE_SECONDS: '30',
      GATEWAY_ROUTES_EXTRA: JSON.stringify([{ prefix: '/orders', origin: 'https://origin.test', audience: 'orders' }]),
    });
    const token = await ringToken();
    expect(await gateway(bindings, token)).toEqual({ status: 200 });
    expect(await gateway(bindings, token, `${ORIGIN}/orders/1`)).toEqual({ status: 401, description: 'the token is not for this audience' });
    // ISSUER is unset here, so under another host name this Gatehouse is another issuer.
    expect(await gateway(bindings, token, 'https://elsewhere.test/api/x')).toEqual({
      status: 401,
      description: 'the token is not from an issuer this route trusts',
    });
  });

  it('refuses a cached token once it expires', async () => {
    const bindings = envWith({ STORE_CACHE_SECONDS: '30', GATEWAY_CLOCK_SKEW_SECONDS: '0' });
    const t = now();
    const token = await ringToken({ iat: t, nbf: t, exp: t + 1 });
    expect(await gateway(bindings, token)).toEqual({ status: 200 });
    while (now() < t + 1) await new Promise((r) => setTimeout(r, 50));
    expect(await gateway(bindings, token)).toEqual({ status: 401, description: 'the token has expired' });
  });

  it('refuses a cached token as soon as it is revoked here', async () => {
    const bindings = cached();
    const token = await issuedToken();
    expect(await gateway(bindings, token)).toEqual({ status: 200 });
    const revoked = await app.fetch(
      new Request(`${ORIGIN}/connect/revocation`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: basic('client', SECRET) },
        body: new URLSearchParams({ token }).toString(),
      }),
      bindings,
    );
    expect(revoked.status).toBe(200);
    expect(await gateway(bindings, token)).toEqual({ status: 401, description: 'the token has been revoked' });
  });
});

describe('gateway: keys of the ring that do not sign tokens', () => {
  it("refuses a token signed with an RSA key's origin-assertion companion", async () => {
    const companion = ring.stored.assertionKey!;
    const kek = await importKeyEncryptionKey(env.KEY_ENCRYPTION_KEY);
    const privateJwk = await decryptPrivateJwk(kek, companion.kid, companion.encryptedPrivateJwk);
    const key = (await importJWK(privateJwk as JWK, 'ES256')) as CryptoKey;
    const token = await sign(claims(), key, { alg: 'ES256', kid: companion.kid });
    expect(await gateway(env, token)).toEqual({ status: 401, description: 'the token is signed by an unknown key' });
  });
});
