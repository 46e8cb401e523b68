import { afterEach, describe, expect, it, vi } from 'vitest';
import { TtlCache } from '../../src/core/ttl-cache';

afterEach(() => {
  vi.useRealTimers();
});

describe('TtlCache', () => {
  it('reuses a loaded value until the TTL, counted from when its load began, has passed', async () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new TtlCache<number>(30_000);
    let loads = 0;
    const load = async () => ++loads;
    expect(await cache.get('a', load)).toBe(1);
    vi.setSystemTime(1_000_000 + 29_999);
    expect(await cache.get('a', load)).toBe(1);
    vi.setSystemTime(1_000_000 + 30_000);
    expect(await cache.get('a', load)).toBe(2);
  });

  it('never hands one caller\'s pending load to another: concurrent misses each load', async () => {
    const cache = new TtlCache<number>(30_000);
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const load = async () => {
      const n = ++loads;
      await gate;
      return n;
    };
    const both = Promise.all([cache.get('a', load), cache.get('a', load)]);
    release();
    expect(await both).toEqual([1, 2]);
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

  it('peeks without loading, and keeps a value until the TTL or an earlier expiry of its own', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const cache = new TtlCache<string>(30_000);
    cache.setUntil('short', 'a', 1_010_000);
    cache.setUntil('long', 'b', 9_000_000);
    cache.setUntil('lapsed', 'c', 1_000_000);
    expect(cache.peek('short')).toBe('a');
    expect(cache.peek('lapsed')).toBeUndefined();
    vi.setSystemTime(1_010_000);
    expect(cache.peek('short')).toBeUndefined();
    expect(cache.peek('long')).toBe('b');
    vi.setSystemTime(1_030_000);
    expect(cache.peek('long')).toBeUndefined();
  });

  it('keeps nothing with a size bound of zero', () => {
    const cache = new TtlCache<string>(30_000, 0);
    cache.set('a', 'x');
    cache.setUntil('b', 'y', Date.now() + 10_000);
    expect(cache.peek('a')).toBeUndefined();
    expect(cache.peek('b')).toBeUndefined();
  });
});
