import { createScheduledController } from 'cloudflare:test';
import { env } from 'cloudflare:workers';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runScheduled } from '../src/scheduled';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('the Cron Trigger', () => {
  it('creates the first key of an empty ring at the scheduled instant', async () => {
    await env.GATEHOUSE.delete('keys');
    const at = Date.UTC(2027, 5, 1);
    await runScheduled(createScheduledController({ scheduledTime: at, cron: '*/10 * * * *' }), env);
    const ring = (await env.GATEHOUSE.get('keys', 'json')) as { keys: Array<{ activatesAt: number; createdAt: number }> };
    expect(ring.keys).toHaveLength(1);
    expect(ring.keys[0]).toMatchObject({ activatesAt: at / 1000, createdAt: at / 1000 });
  });

  it.each(['ES256', 'EdDSA'])('gives a new deployment its first key with TOKEN_SIGNING_ALG %s', async (alg) => {
    await env.GATEHOUSE.delete('keys');
    await runScheduled(createScheduledController({ scheduledTime: Date.now() }), { ...env, TOKEN_SIGNING_ALG: alg });
    const ring = (await env.GATEHOUSE.get('keys', 'json')) as { keys: Array<{ alg: string; assertionKey?: unknown }> };
    expect(ring.keys.map((k) => [k.alg, k.assertionKey])).toEqual([[alg, undefined]]);
  });

  it('publishes the revocation document, carrying in revoked:{jti} entries of earlier versions', async () => {
    await env.GATEHOUSE.delete('revocations');
    await env.GATEHOUSE.put('revoked:from-before', '{}', { expirationTtl: 3600 });
    await runScheduled(createScheduledController({ scheduledTime: Date.now() }), env);
    const doc = (await env.GATEHOUSE.get('revocations', 'json')) as { tokens: Array<[string, number]> };
    expect(doc.tokens.map(([jti]) => jti)).toContain('from-before');
    await env.GATEHOUSE.delete('revoked:from-before');
  });

  it('logs key_rotation_failed and fails the run when KEY_ENCRYPTION_KEY is missing, writing nothing', async () => {
    await env.GATEHOUSE.delete('keys');
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    const run = runScheduled(createScheduledController({ scheduledTime: Date.now() }), { ...env, KEY_ENCRYPTION_KEY: undefined });
    await expect(run).rejects.toMatchObject({ code: 'server_error' });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      expect.objectContaining({ level: 'error', event: 'key_rotation_failed', reason: 'set the KEY_ENCRYPTION_KEY secret (base64 of 32 random bytes); see docs/keys.md' }),
    ]);
    expect(await env.GATEHOUSE.get('keys')).toBeNull();
  });

  it('logs config_invalid when a rotation setting is invalid', async () => {
    const lines: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((line: unknown) => void lines.push(String(line)));
    await expect(runScheduled(createScheduledController(), { ...env, KEY_RETENTION: '1d' })).rejects.toMatchObject({ setting: 'KEY_RETENTION' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'config_invalid', setting: 'KEY_RETENTION' });
  });
});
