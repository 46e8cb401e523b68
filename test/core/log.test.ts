import { env } from 'cloudflare:workers';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { rotateKeys } from '../../src/core/key-rotation';
import { hashSecret } from '../../src/core/secrets';
import { basic, clientRecord, formPost, put, seedArticle, seedResourceSecret, tokenRequest } from '../helpers/fixtures';

const RIGHT = 'correct-horse-battery-staple-7Qx';
const WRONG = 'wrong-guess-Zq9-Yk2';

/** Every console line written while `run` runs. */
async function captured(run: () => Promise<void>): Promise<string[]> {
  const lines: string[] = [];
  const collect = (...args: unknown[]) => void lines.push(args.map(String).join(' '));
  for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) vi.spyOn(console, method).mockImplementation(collect);
  await run();
  return lines;
}

afterEach(() => {
  vi.restoreAllMocks();
});

beforeAll(async () => {
  await seedArticle();
  await seedResourceSecret();
  await put('client:client', clientRecord({ secrets: [{ hash: await hashSecret(RIGHT) }] }));
});

describe('log lines', () => {
  it('record token issued, authentication failed, token revoked and key rotated, with no secret, hash or token', async () => {
    let token = '';
    const lines = await captured(async () => {
      expect((await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic('client', WRONG) })).status).toBe(401);
      expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: WRONG })).status).toBe(401);
      const res = await tokenRequest({ grant_type: 'client_credentials' }, { Authorization: basic('client', RIGHT) });
      expect(res.status).toBe(200);
      token = ((await res.json()) as { access_token: string }).access_token;
      expect((await formPost('/connect/introspect', { token }, { Authorization: basic('api1', WRONG) })).status).toBe(401);
      expect((await formPost('/connect/revocation', { token }, { Authorization: basic('client', RIGHT) })).status).toBe(200);
      await rotateKeys(env.GATEHOUSE, loadConfig(env), Math.floor(Date.now() / 1000), { force: true });
    });

    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    expect(events).toEqual(['client_auth_failed', 'client_auth_failed', 'token_issued', 'client_auth_failed', 'token_revoked', 'key_rotated']);

    const ring = (await env.GATEHOUSE.get('keys', 'json')) as { keys: Array<{ encryptedPrivateJwk: string }> };
    const forbidden = [
      RIGHT,
      WRONG,
      await hashSecret(RIGHT),
      await hashSecret(WRONG),
      basic('client', RIGHT).slice(6),
      basic('client', WRONG).slice(6),
      token,
      token.split('.')[2]!,
      env.KEY_ENCRYPTION_KEY!,
      ...ring.keys.map((k) => k.encryptedPrivateJwk),
    ];
    for (const line of lines) for (const value of forbidden) expect(line).not.toContain(value);
  });
});
