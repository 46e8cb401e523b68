import { runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { describe, expect, it } from 'vitest';
import type { AssertionReplayCache } from '../../src/core/assertion-replay';

const cache = (clientId: string) => env.ASSERTION_REPLAY!.get(env.ASSERTION_REPLAY!.idFromName(clientId));
const now = () => Math.floor(Date.now() / 1000);

function rows(stub: DurableObjectStub<AssertionReplayCache>): Promise<Array<{ jti_hash: string; expires: number }>> {
  return runInDurableObject(stub, (_instance, state) => state.storage.sql.exec<{ jti_hash: string; expires: number }>('SELECT jti_hash, expires FROM used ORDER BY jti_hash').toArray());
}

describe('AssertionReplayCache', () => {
  it('accepts a jti once, until it expires', async () => {
    const stub = cache('once');
    expect(await stub.use('h1', now() + 60)).toBe(true);
    expect(await stub.use('h1', now() + 60)).toBe(false);
    // Per client: the same hash under another client id is another object.
    expect(await cache('another').use('h1', now() + 60)).toBe(true);
  });

  it('lets exactly one of concurrent uses of a jti through', async () => {
    const stub = cache('concurrent');
    const results = await Promise.all(Array.from({ length: 20 }, () => stub.use('same', now() + 60)));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('forgets an expired jti: the assertion itself is refused by then', async () => {
    const stub = cache('expired');
    expect(await stub.use('h', now() - 1)).toBe(true);
    expect(await stub.use('h', now() + 60)).toBe(true);
    expect(await stub.use('h', now() + 60)).toBe(false);
  });

  it('deletes expired rows when its alarm runs, and keeps the alarm while rows are left', async () => {
    const stub = cache('sweep');
    await stub.use('old', now() - 10);
    await stub.use('live', now() + 600);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await rows(stub)).map((r) => r.jti_hash)).toEqual(['live']);
    const alarm = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBeGreaterThan((now() + 600) * 1000);
  });
});
