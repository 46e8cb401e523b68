import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});

interface KeyView {
  kid: string;
  alg: string;
  status: string;
  createdAt: number;
  activatesAt: number;
  retiredAt: number | null;
}

describe('/admin/keys', () => {
  it('lists the ring without key material', async () => {
    const ring = (await env.GATEHOUSE.get('keys', 'json')) as { keys: Array<{ kid: string; createdAt: number; activatesAt: number }> };
    const res = await admin('GET', '/keys', token);
    const text = await res.clone().text();
    expect(await expectJson(res)).toEqual({
      keys: [{ kid: ring.keys[0]!.kid, alg: 'RS256', status: 'signing', createdAt: ring.keys[0]!.createdAt, activatesAt: 0, retiredAt: null }],
    });
    expect(text).not.toMatch(/encryptedPrivateJwk|"n"|"d"/);
  });

  it('rotates now: a successor is published at once and signs later; rotating again changes nothing', async () => {
    const before = ((await env.GATEHOUSE.get('keys', 'json')) as { keys: Array<{ kid: string }> }).keys[0]!.kid;
    const { keys } = await expectJson<{ keys: KeyView[] }>(await admin('POST', '/keys/rotate', token));
    expect(keys.map((k) => k.status)).toEqual(['next', 'signing']);
    expect(keys[1]!.kid).toBe(before);
    expect(keys[0]!.activatesAt).toBeGreaterThan(Math.floor(Date.now() / 1000));
    const jwks = (await (await admin('GET', '/keys', token)).json()) as { keys: KeyView[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual(keys.map((k) => k.kid));
    const again = await expectJson<{ keys: KeyView[] }>(await admin('POST', '/keys/rotate', token));
    expect(again.keys).toEqual(keys);
  });

  it('answers other methods with 405', async () => {
    const rotate = await admin('GET', '/keys/rotate', token);
    expect(rotate.headers.get('Allow')).toBe('POST');
    await expectError(rotate, 405, 'method_not_allowed', 'this endpoint accepts POST only');
    expect((await admin('DELETE', '/keys', token)).headers.get('Allow')).toBe('GET');
  });
});
