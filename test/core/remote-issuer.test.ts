import { exportJWK, generateKeyPair, type JSONWebKeySet } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { OAuthError } from '../../src/errors';
import { MAX_DOCUMENT_BYTES, RemoteIssuer, type RemoteIssuerOptions } from '../../src/core/remote-issuer';

/** A RemoteIssuer whose discovery + JWKS fetch is played by the test. */
class Scripted extends RemoteIssuer {
  loads = 0;

  constructor(
    private readonly next: () => Promise<JSONWebKeySet>,
    options: RemoteIssuerOptions = { refreshMs: 300, maxAgeMs: 3_600_000, timeoutMs: 100 },
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

async function outcome(issuer: RemoteIssuer): Promise<{ ms: number; result: string; retryAfter?: string }> {
  const started = Date.now();
  try {
    await issuer.keyFor(header);
    return { ms: Date.now() - started, result: 'key' };
  } catch (error) {
    if (!(error instanceof OAuthError)) return { ms: Date.now() - started, result: String(error) };
    return { ms: Date.now() - started, result: `${error.status} ${error.code}`, retryAfter: error.headers['Retry-After'] };
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

describe('RemoteIssuer: keys too old to trust', () => {
  it('stops using a key set staleMs after it was fetched while the issuer stays unreachable, with Retry-After, and recovers', async () => {
    const jwks = await keySet();
    let up = true;
    const issuer = new Scripted(async () => {
      if (!up) throw new Error('unreachable');
      return jwks;
    }, { refreshMs: 80, maxAgeMs: 50, timeoutMs: 100, staleMs: 300 });
    expect((await outcome(issuer)).result).toBe('key');

    up = false;
    await sleep(100);
    // Past maxAgeMs the refetch fails; the keys, younger than staleMs, keep serving.
    expect((await outcome(issuer)).result).toBe('key');
    expect(issuer.loads).toBe(2);
    await sleep(250);
    expect(await outcome(issuer)).toMatchObject({ result: '503 temporarily_unavailable', retryAfter: '1' });
    expect(issuer.loads).toBe(3);

    up = true;
    await sleep(100);
    expect((await outcome(issuer)).result).toBe('key');
    expect(issuer.loads).toBe(4);
  });

  it('fetches again by staleMs even when maxAgeMs is longer', async () => {
    const jwks = await keySet();
    const issuer = new Scripted(async () => jwks, { refreshMs: 10, maxAgeMs: 3_600_000, timeoutMs: 100, staleMs: 100 });
    expect((await outcome(issuer)).result).toBe('key');
    await sleep(150);
    expect((await outcome(issuer)).result).toBe('key');
    expect(issuer.loads).toBe(2);
  });
});

describe('RemoteIssuer: document size', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const options = { refreshMs: 1000, maxAgeMs: 3_600_000, timeoutMs: 1000 };
  const discovery = () => Response.json({ issuer: 'https://big.idp.test', jwks_uri: 'https://big.idp.test/jwks' });

  /** A body of `size` bytes of valid JSON (a JWKS padded with spaces), streamed in 8 KiB chunks without a Content-Length. */
  function streamed(jwks: JSONWebKeySet, size: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
    const text = JSON.stringify(jwks);
    const bytes = new TextEncoder().encode(text.slice(0, -1) + ' '.repeat(Math.max(0, size - text.length)) + '}');
    let offset = 0;
    let pulls = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulls++;
        if (offset >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(offset, offset + 8192));
        offset += 8192;
      },
    });
    return { body, pulled: () => pulls };
  }

  it('reads a JWKS of up to 64 KiB without a Content-Length', async () => {
    const jwks = await keySet();
    const { body } = streamed(jwks, MAX_DOCUMENT_BYTES);
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => (String(input).endsWith('/jwks') ? new Response(body) : discovery()));
    expect((await outcome(new RemoteIssuer('https://big.idp.test', options))).result).toBe('key');
  });

  it('stops reading a JWKS without a Content-Length once it passes 64 KiB', async () => {
    const jwks = await keySet();
    const big = streamed(jwks, 1024 * 1024);
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => (String(input).endsWith('/jwks') ? new Response(big.body) : discovery()));
    expect((await outcome(new RemoteIssuer('https://big.idp.test', options))).result).toBe('503 temporarily_unavailable');
    expect(big.pulled()).toBeLessThan(12);
  });

  it('refuses a discovery document whose Content-Length is over 64 KiB without reading it', async () => {
    const big = streamed({ keys: [] }, 1024 * 1024);
    const fetched: string[] = [];
    vi.spyOn(globalThis, 'fetch').mockImplementation(async (input) => {
      fetched.push(String(input));
      return new Response(big.body, { headers: { 'Content-Length': String(1024 * 1024) } });
    });
    expect((await outcome(new RemoteIssuer('https://big.idp.test', options))).result).toBe('503 temporarily_unavailable');
    expect(fetched).toEqual(['https://big.idp.test/.well-known/openid-configuration']);
    // A stream pulls once to fill its queue when it is made; nothing more was asked for.
    expect(big.pulled()).toBeLessThanOrEqual(1);
  });
});
