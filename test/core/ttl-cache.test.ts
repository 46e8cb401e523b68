import { afterEach, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '../../src/core/ttl-cache';

afterEach(() => {
  vi.useRealTimers();
});

describe('TtlCache', () => {
  it('shares one load between concurrent callers and reuses it until the TTL passes', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new TtlCache<number>(30_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await Promise.all([cache.get('a', load), cache.get('a', load)])).toEqual([1, 1]);
    vi.setSystemTime(1_000_000 + 29_999);
    expect(await cache.get('a', load)).toBe(1);
    vi.setSystemTime(1_000_000 + 30_000);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('forgets a failed load at once', async () => {
    const cache = new TtlCache<number>(30_000);
    await expect(cache.get('a', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await cache.get('a', async () => 7)).toBe(7);
  });

  it('does not cache with a TTL of zero', async () => {
    const cache = new TtlCache<number>(0);
    let loads = 0;
    await cache.get('a', async () => ++loads);
    expect(await cache.get('a', async () => ++loads)).toBe(2);
  });

  it('stays within its size bound, dropping the oldest entry', async () => {
    const cache = new TtlCache<string>(60_000, 2);
    let loads = 0;
    for (const key of ['a', 'b', 'c']) await cache.get(key, async () => `${key}${++loads}`);
    expect(await cache.get('c', async () => 'reloaded')).toBe('c3');
    expect(await cache.get('a', async () => 'reloaded')).toBe('reloaded');
  });
});
