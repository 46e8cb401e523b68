import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors';
import { RemoteIssuer } from '../../src/gateway/remote-issuer';

/** A RemoteIssuer whose discovery + JWKS fetch is played by the test. */
class Scripted extends RemoteIssuer {
  loads = 0;

  constructor(
    private readonly next: () => Promise<JSONWebKeySet>,
    options = { refreshMs: 300, maxAgeMs: 3_600_000, timeoutMs: 100 },
  ) {
    super('https://scripted.idp.test', options);
  }

  protected override load(): Promise<JSONWebKeySet> {
    this.loads++;
    return this.next();
  }
}

const header = { alg: 'ES256', kid: 'k1' };

async function keySet(): Promise<JSONWebKeySet> {
  const { publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { keys: [{ ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' }] };
}

async function outcome(issuer: RemoteIssuer): Promise<{ ms: number; result: string }> {
  const started = Date.now();
  try {
    await issuer.keyFor(header);
    return { ms: Date.now() - started, result: 'key' };
  } catch (error) {
    return { ms: Date.now() - started, result: error instanceof OAuthError ? `${error.status} ${error.code}` : String(error) };
  }
}

describe('RemoteIssuer', () => {
  it('shares one fetch between concurrent callers', async () => {
    const jwks = await keySet();
    const issuer = new Scripted(async () => {
      await new Promise((r) => setTimeout(r, 20));
      return jwks;
    });
    const results = await Promise.all([outcome(issuer), outcome(issuer), outcome(issuer)]);
    expect(results.map((r) => r.result)).toEqual(['key', 'key', 'key']);
    expect(issuer.loads).toBe(1);
  });

  it('releases every caller within two fetch timeouts when the fetch never settles (its request was cancelled), then tries again', async () => {
    const jwks = await keySet();
    let hang = true;
    const issuer = new Scripted(() => (hang ? new Promise<JSONWebKeySet>(() => {}) : Promise.resolve(jwks)));
    const [first, second] = await Promise.all([outcome(issuer), outcome(issuer)]);
    for (const waited of [first, second]) {
      expect(waited.result).toBe('503 temporarily_unavailable');
      expect(waited.ms).toBeGreaterThanOrEqual(150);
      expect(waited.ms).toBeLessThan(1000);
    }
    expect(issuer.loads).toBe(1);

    // Within GATEWAY_JWKS_REFRESH_SECONDS no new attempt; after it, one that succeeds.
    expect((await outcome(issuer)).result).toBe('503 temporarily_unavailable');
    expect(issuer.loads).toBe(1);
    hang = false;
    await new Promise((r) => setTimeout(r, 300));
    expect((await outcome(issuer)).result).toBe('key');
    expect(issuer.loads).toBe(2);
  });
});
