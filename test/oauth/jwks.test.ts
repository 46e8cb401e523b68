import { beforeEach, describe, expect, it } from 'vitest';
import { call, put, storedKey } from '../helpers/fixtures';

describe('JWKS (RFC 7517)', () => {
  let keys: Awaited<ReturnType<typeof storedKey>>[];

  beforeEach(async () => {
    keys = [await storedKey('RS256', 0), await storedKey('ES256', 10), await storedKey('EdDSA', 20)];
    await put('keys', { keys });
  });

  it('publishes every key in the ring with kid, alg and use, and no private member', async () => {
    const res = await call('/.well-known/openid-configuration/jwks');
    expect(res.status).toBe(200);
    expect(res.headers.get('Content-Type')).toBe('application/jwk-set+json');
    expect(res.headers.get('Cache-Control')).toBe('public, max-age=300');
    const body = (await res.json()) as { keys: Array<Record<string, unknown>> };
    // The RSA key is followed by its ES256 companion, which signs the gateway's origin assertions.
    expect(body.keys.map((k) => [k.kid, k.alg, k.use])).toEqual([
      [keys[0]!.kid, 'RS256', 'sig'],
      [keys[0]!.assertionKey!.kid, 'ES256', 'sig'],
      [keys[1]!.kid, 'ES256', 'sig'],
      [keys[2]!.kid, 'EdDSA', 'sig'],
    ]);
    for (const jwk of body.keys) {
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) expect(jwk).not.toHaveProperty(member);
    }
    expect(JSON.stringify(body)).not.toContain('encryptedPrivateJwk');
  });

  it('serves an empty set when there is no ring yet', async () => {
    const { env } = await import('cloudflare:workers');
    await env.GATEHOUSE.delete('keys');
    expect(await (await call('/.well-known/openid-configuration/jwks')).json()).toEqual({ keys: [] });
  });
});
