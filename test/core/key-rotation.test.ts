import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config';
import type { KeyRotationSettings } from '../../src/settings';
import type { StoredKey } from '../../src/core/key-ring';
import { planRotation, rotateKeys } from '../../src/core/key-rotation';

const DAY = 86_400;
const SETTINGS: KeyRotationSettings = { interval: 90 * DAY, propagation: 14 * DAY, retention: 31 * DAY, alg: 'RS256' };

/** A ring entry for planning, which looks only at kids, algorithms and times. */
function key(kid: string, activatesAt: number, extra: Partial<StoredKey> = {}): StoredKey {
  return { kid, alg: 'RS256', createdAt: activatesAt, activatesAt, publicJwk: { kty: 'RSA' }, encryptedPrivateJwk: 'x', ...extra };
}

describe('planRotation', () => {
  it('gives an empty ring a key that signs at once', () => {
    expect(planRotation({ keys: [] }, 1000, SETTINGS)).toEqual({ keys: [], newKeyActivatesAt: 1000, retired: [], removed: [], changed: true });
  });

  it('leaves a key alone until its successor is due to be published', () => {
    const ring = { keys: [key('a', 0)] };
    expect(planRotation(ring, 76 * DAY - 1, SETTINGS)).toMatchObject({ newKeyActivatesAt: undefined, changed: false });
  });

  it('publishes the successor one propagation period before the interval ends', () => {
    const ring = { keys: [key('a', 0)] };
    expect(planRotation(ring, 76 * DAY, SETTINGS)).toMatchObject({ newKeyActivatesAt: 90 * DAY, changed: true, keys: ring.keys });
  });

  it('never activates a successor sooner than a propagation period after publishing it (a missed run)', () => {
    const ring = { keys: [key('a', 0)] };
    expect(planRotation(ring, 100 * DAY, SETTINGS).newKeyActivatesAt).toBe(114 * DAY);
  });

  it('does nothing while a successor is published and not yet signing, forced or not', () => {
    const ring = { keys: [key('a', 0), key('b', 90 * DAY)] };
    expect(planRotation(ring, 80 * DAY, SETTINGS).changed).toBe(false);
    expect(planRotation(ring, 80 * DAY, SETTINGS, { force: true }).changed).toBe(false);
  });

  it('marks a superseded key retired at its successor activation, and keeps it for the retention period', () => {
    const ring = { keys: [key('a', 0), key('b', 90 * DAY)] };
    const plan = planRotation(ring, 90 * DAY, SETTINGS);
    expect(plan).toMatchObject({ retired: ['a'], removed: [], newKeyActivatesAt: undefined, changed: true });
    expect(plan.keys.map((k) => [k.kid, k.retiredAt])).toEqual([['a', 90 * DAY], ['b', undefined]]);

    const kept = planRotation({ keys: plan.keys }, 121 * DAY - 1, SETTINGS);
    expect(kept.changed).toBe(false);
    const pruned = planRotation({ keys: plan.keys }, 121 * DAY, SETTINGS);
    expect(pruned).toMatchObject({ removed: ['a'], retired: [], changed: true });
    expect(pruned.keys.map((k) => k.kid)).toEqual(['b']);
  });

  it('retires and prunes in one step after a long gap, and schedules the next successor', () => {
    const ring = { keys: [key('a', 0), key('b', 90 * DAY)] };
    const plan = planRotation(ring, 200 * DAY, SETTINGS);
    expect(plan).toMatchObject({ retired: ['a'], removed: ['a'], newKeyActivatesAt: 214 * DAY });
    expect(plan.keys.map((k) => k.kid)).toEqual(['b']);
  });

  it('rotates now when forced: the successor is published at once and signs after the propagation period', () => {
    const ring = { keys: [key('a', 0)] };
    expect(planRotation(ring, 10 * DAY, SETTINGS, { force: true }).newKeyActivatesAt).toBe(24 * DAY);
  });

  it('treats a change of algorithm as a rotation', () => {
    const ring = { keys: [key('a', 0)] };
    expect(planRotation(ring, 10 * DAY, { ...SETTINGS, alg: 'ES256' }).newKeyActivatesAt).toBe(24 * DAY);
  });

  it('never removes the signing key, whatever its recorded retirement says', () => {
    const ring = { keys: [key('a', 0, { retiredAt: 1 })] };
    const plan = planRotation(ring, 40 * DAY, SETTINGS);
    expect(plan.removed).toEqual([]);
    expect(plan.keys.map((k) => k.kid)).toEqual(['a']);
  });

  it('retires the key that lost a tie of activation times to the signing key', () => {
    const ring = { keys: [key('a', 0), key('b', 0)] };
    const plan = planRotation(ring, DAY, SETTINGS);
    expect(plan.retired).toEqual(['b']);
  });

  it('gives a ring of future keys only no new key (one will sign soon)', () => {
    expect(planRotation({ keys: [key('a', 100)] }, 50, SETTINGS).changed).toBe(false);
  });
});

describe('rotateKeys', () => {
  const now = () => Math.floor(Date.now() / 1000);

  async function ring(): Promise<StoredKey[]> {
    const raw = await env.GATEHOUSE.get('keys');
    return raw === null ? [] : (JSON.parse(raw) as { keys: StoredKey[] }).keys;
  }

  it('rotates now on demand: a new key is published at once and signs after the propagation period', async () => {
    await env.GATEHOUSE.delete('keys');
    const config = loadConfig(env);
    const first = await rotateKeys(env.GATEHOUSE, config, now());
    expect(first.keys).toHaveLength(1);
    const forced = await rotateKeys(env.GATEHOUSE, config, now(), { force: true });
    expect(forced.keys).toHaveLength(2);
    expect(forced.keys[1]!.activatesAt).toBe(forced.keys[1]!.createdAt + 14 * DAY);
    expect(await ring()).toEqual(forced.keys);
    // A second "rotate now" while the successor is pending changes nothing.
    expect((await rotateKeys(env.GATEHOUSE, config, now(), { force: true })).keys).toEqual(forced.keys);
  });

  it('generates the successor with the configured algorithm', async () => {
    await env.GATEHOUSE.delete('keys');
    await rotateKeys(env.GATEHOUSE, loadConfig(env), now());
    const next = await rotateKeys(env.GATEHOUSE, loadConfig({ ...env, TOKEN_SIGNING_ALG: 'ES256' }), now());
    expect(next.keys.map((k) => k.alg)).toEqual(['RS256', 'ES256']);
    expect(next.keys[1]!.publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
  });

  it('refuses to add a key when KEY_ENCRYPTION_KEY does not open the existing ones, and writes nothing', async () => {
    await env.GATEHOUSE.delete('keys');
    await rotateKeys(env.GATEHOUSE, loadConfig(env), now());
    const before = await env.GATEHOUSE.get('keys');
    const wrong = loadConfig({ ...env, KEY_ENCRYPTION_KEY: btoa('w'.repeat(32)) });
    await expect(rotateKeys(env.GATEHOUSE, wrong, now(), { force: true })).rejects.toMatchObject({
      code: 'server_error',
      message: 'signing is unavailable: KEY_ENCRYPTION_KEY does not decrypt the signing key',
    });
    expect(await env.GATEHOUSE.get('keys')).toBe(before);
  });

  it('refuses to create a key without KEY_ENCRYPTION_KEY', async () => {
    await env.GATEHOUSE.delete('keys');
    const missing = loadConfig({ ...env, KEY_ENCRYPTION_KEY: undefined });
    await expect(rotateKeys(env.GATEHOUSE, missing, now())).rejects.toMatchObject({
      message: 'signing is unavailable: KEY_ENCRYPTION_KEY is not set',
    });
    expect(await env.GATEHOUSE.get('keys')).toBeNull();
  });

  it('writes nothing when there is nothing to do', async () => {
    await env.GATEHOUSE.delete('keys');
    const config = loadConfig(env);
    const ring = await rotateKeys(env.GATEHOUSE, config, now());
    // Stored in another layout: any write would normalise it.
    const pretty = JSON.stringify(ring, null, 2);
    await env.GATEHOUSE.put('keys', pretty);
    expect((await rotateKeys(env.GATEHOUSE, config, now() + DAY)).keys).toEqual(ring.keys);
    expect(await env.GATEHOUSE.get('keys')).toBe(pretty);
  });
});
