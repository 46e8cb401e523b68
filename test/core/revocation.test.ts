import { runInDurableObject } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { REVOCATION_LIST_NAME, RevocationStore } from '../../src/core/revocation';
import { MAX_REVOKED_TOKENS, updateLocalRevocations } from '../../src/core/revocation-document';
import { putRevokedTokens, revokedTokens } from '../helpers/fixtures';

const now = () => Math.floor(Date.now() / 1000);

/** The Worker's KV, counting the reads of each key: what an isolate's first sight of a token costs. */
function countingKv(): { kv: KVNamespace; reads: string[] } {
  const reads: string[] = [];
  const kv = new Proxy(env.GATEHOUSE, {
    get(target, property) {
      if (property === 'get') return (key: string, type?: never) => (reads.push(key), target.get(key, type));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { kv, reads };
}

/** A store as an isolate builds it, with the Worker's object; `cacheMs` as STORE_CACHE_SECONDS. */
const isolate = (cacheMs = 30_000, kv: KVNamespace = env.GATEHOUSE) => new RevocationStore(kv, cacheMs, env.REVOCATIONS);

beforeEach(async () => {
  // Each test starts with no revocations: none published, none in the object's own storage.
  await env.GATEHOUSE.delete('revocations');
  const list = env.REVOCATIONS!.get(env.REVOCATIONS!.idFromName(REVOCATION_LIST_NAME));
  await runInDurableObject(list, (_, state) => void state.storage.sql.exec('DELETE FROM revoked'));
});

describe('RevocationStore: revoked tokens as one document', () => {
  it('answers the first sight of any token from the one cached document, with no KV read per token', async () => {
    await isolate().revoke('revoked-1', now() + 3600);
    const { kv, reads } = countingKv();
    const store = isolate(30_000, kv);
    const seen = await Promise.all(['revoked-1', 'new-a', 'new-b', 'new-c', 'revoked-1'].map((jti) => store.isRevoked(jti)));
    expect(seen).toEqual([true, false, false, false, true]);
    // Concurrent first looks may each load the document; no read names a token.
    expect(new Set(reads)).toEqual(new Set(['revocations']));
    reads.length = 0;
    expect(await store.isRevoked('new-d')).toBe(false);
    expect(reads).toEqual([]);
  });

  it('applies a revocation in the isolate that made it at once; another isolate sees it when its cache expires', async () => {
    const here = isolate();
    const there = isolate();
    expect(await here.isRevoked('jti-1')).toBe(false);
    expect(await there.isRevoked('jti-1')).toBe(false);
    await here.revoke('jti-1', now() + 3600);
    expect(await here.isRevoked('jti-1')).toBe(true);
    // The other isolate holds its copy for STORE_CACHE_SECONDS; a fresh one reads the new document.
    expect(await there.isRevoked('jti-1')).toBe(false);
    expect(await isolate().isRevoked('jti-1')).toBe(true);
  });

  it('loses no revocation to concurrent writers: every one of 25 simultaneous revocations is in the document', async () => {
    const jtis = Array.from({ length: 25 }, (_, i) => `concurrent-${i}`);
    await Promise.all(jtis.map((jti) => isolate().revoke(jti, now() + 3600)));
    expect(Object.keys(await revokedTokens()).sort()).toEqual([...jtis].sort());
  });

  it('drops an entry once its token has expired, at the next change', async () => {
    await isolate().revoke('short', now() + 2);
    await isolate().revoke('long', now() + 3600);
    expect(Object.keys(await revokedTokens()).sort()).toEqual(['long', 'short']);
    expect(await isolate(0).isRevoked('short', now() + 3)).toBe(false);
    await new Promise((r) => setTimeout(r, 3000));
    await isolate().revoke('another', now() + 3600);
    expect(Object.keys(await revokedTokens()).sort()).toEqual(['another', 'long']);
  });

  it('keeps what the CLI wrote to local state directly when the object writes next', async () => {
    await isolate().revoke('by-endpoint', now() + 3600);
    await updateLocalRevocations(env.GATEHOUSE, now(), { jti: 'by-cli', until: now() + 3600 });
    await isolate().revoke('by-endpoint-2', now() + 3600);
    expect(Object.keys(await revokedTokens()).sort()).toEqual(['by-cli', 'by-endpoint', 'by-endpoint-2']);
  });

  it(`refuses a new revocation at ${MAX_REVOKED_TOKENS} tokens with 503, keeps every one it holds, and takes it again once one expires`, async () => {
    const until = now() + 3600;
    const tokens = Object.fromEntries(Array.from({ length: MAX_REVOKED_TOKENS - 1 }, (_, i) => [`full-${i}`, until]));
    await putRevokedTokens({ ...tokens, soon: now() + 2 });
    const store = isolate();
    await expect(store.revoke('one-too-many', until)).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      message: `the revocation list is full (${MAX_REVOKED_TOKENS} tokens until they expire); revoke the client's tokens instead (docs/revocation.md)`,
    });
    expect(await isolate(0).isRevoked('one-too-many')).toBe(false);
    // Revoking a token already in the list again is not a new entry.
    await store.revoke('full-7', until + 60);
    expect((await revokedTokens())['full-7']).toBe(until + 60);
    expect(Object.keys(await revokedTokens())).toHaveLength(MAX_REVOKED_TOKENS);
    await new Promise((r) => setTimeout(r, 3000));
    await store.revoke('one-too-many', until);
    const after = await revokedTokens();
    expect(Object.keys(after)).toHaveLength(MAX_REVOKED_TOKENS);
    expect(after).toHaveProperty('one-too-many');
    expect(after).not.toHaveProperty('soon');
  });

  it("reads revoked:{jti} entries of earlier versions until the document exists, then carries them into it", async () => {
    await env.GATEHOUSE.put('revoked:legacy-1', JSON.stringify({ revokedAt: now(), by: 'operator' }), { expirationTtl: 3600 });
    const { kv, reads } = countingKv();
    expect(await isolate(0, kv).isRevoked('legacy-1')).toBe(true);
    expect(await isolate(0, kv).isRevoked('other')).toBe(false);
    expect(reads).toEqual(['revocations', 'revoked:legacy-1', 'revocations', 'revoked:other']);
    // The Cron Trigger (or the first revocation) publishes the document with them.
    await isolate().publish();
    const published = await revokedTokens();
    expect(Math.abs(published['legacy-1']! - (now() + 3600))).toBeLessThanOrEqual(2);
    reads.length = 0;
    expect(await isolate(0, kv).isRevoked('legacy-1')).toBe(true);
    expect(reads).toEqual(['revocations']);
    await env.GATEHOUSE.delete('revoked:legacy-1');
  });

  it('answers a malformed document with server_error, naming the record in the log', async () => {
    await env.GATEHOUSE.put('revocations', JSON.stringify({ tokens: { 'a-jti': 1 } }));
    await expect(isolate(0).isRevoked('a-jti')).rejects.toMatchObject({ code: 'server_error', logDetail: 'KV record "revocations" is invalid: "tokens" must be a list' });
    await env.GATEHOUSE.put('revocations', JSON.stringify({ tokens: [['a-jti', 'soon']] }));
    await expect(isolate(0).isRevoked('a-jti')).rejects.toMatchObject({ code: 'server_error', logDetail: 'KV record "revocations" is invalid: tokens[0] must be a pair of a jti and epoch seconds' });
  });

  it('answers 503 rather than skip the write when the REVOCATIONS binding is missing', async () => {
    await expect(new RevocationStore(env.GATEHOUSE, 0, undefined).revoke('x', now() + 60)).rejects.toMatchObject({
      code: 'temporarily_unavailable',
      message: 'revocation is unavailable; try again later',
    });
  });
});
