import fc from 'fast-check';
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { accessTokenHash, DpopRejected, validateDpopProof, type DpopExpectations } from '../../src/core/dpop';
import { DpopReplayCache } from '../../src/core/dpop-replay';
import { DPOP_PROOF_ALGS } from '../../src/settings';
import { dpopKey, dpopProof, rawJws, type DpopKey } from '../helpers/dpop';

const NOW = 1_800_000_000;
const URL_ = 'https://gatehouse.test/connect/token';
const REQUEST = { htm: 'POST', htu: URL_, iat: NOW };

function expectations(overrides: Partial<DpopExpectations> = {}): DpopExpectations {
  return { method: 'POST', url: URL_, now: NOW, maxAgeSeconds: 300, clockSkewSeconds: 60, algorithms: DPOP_PROOF_ALGS, ...overrides };
}

/** The rejection a proof gets, as `code reason`, or `ok`. */
async function outcome(proof: string, overrides: Partial<DpopExpectations> = {}): Promise<string> {
  try {
    await validateDpopProof(proof, expectations(overrides));
    return 'ok';
  } catch (error) {
    if (!(error instanceof DpopRejected)) throw error;
    return `${error.code} ${error.reason}`;
  }
}

let key: DpopKey;

beforeAll(async () => {
  key = await dpopKey();
});

describe('validateDpopProof (RFC 9449 §4.3)', () => {
  it('accepts a valid proof and returns its RFC 7638 thumbprint, jti and iat', async () => {
    const proof = await dpopProof(key, REQUEST, { jti: 'j-1' });
    expect(await validateDpopProof(proof, expectations())).toEqual({ jkt: key.jkt, jti: 'j-1', iat: NOW });
  });

  it.each(['EdDSA', 'RS256', 'PS256'])('accepts a proof signed with %s', async (alg) => {
    const other = await dpopKey(alg);
    expect(await outcome(await dpopProof(other, REQUEST, {}, {}, alg))).toBe('ok');
  });

  it('refuses what is not a single compact JWS', async () => {
    const proof = await dpopProof(key, REQUEST);
    expect(await outcome('')).toBe('invalid_dpop_proof malformed');
    expect(await outcome(`${proof}.x`)).toBe('invalid_dpop_proof malformed');
    expect(await outcome(`${proof}, ${proof}`)).toBe('invalid_dpop_proof malformed');
    expect(await outcome(rawJws({ typ: 'dpop+jwt' }, {}).replace(/^[^.]+/, 'bm90LWpzb24'))).toBe('invalid_dpop_proof malformed');
  });

  it('refuses a typ other than dpop+jwt', async () => {
    expect(await outcome(await dpopProof(key, REQUEST, {}, { typ: 'JWT' }))).toBe('invalid_dpop_proof typ');
  });

  it('refuses alg none and HMAC, whatever the signature', async () => {
    const claims = { htm: 'POST', htu: URL_, iat: NOW, jti: 'x' };
    expect(await outcome(rawJws({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk }, claims, '').replace(/\.$/, '.AA'))).toBe('invalid_dpop_proof alg');
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const hmac = await new SignJWT(claims)
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: base64url.encode(secret) } } as never)
      .sign(secret);
    expect(await outcome(hmac)).toBe('invalid_dpop_proof alg');
  });

  it('refuses a proof without a jwk, with a private key in it, or with a symmetric key', async () => {
    expect(await outcome(await dpopProof(key, REQUEST, {}, { jwk: undefined }))).toBe('invalid_dpop_proof jwk');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    expect(privateJwk.d).toBeDefined();
    expect(await outcome(await dpopProof({ ...key, privateKey }, REQUEST, {}, { jwk: privateJwk }))).toBe('invalid_dpop_proof jwk');
    expect(await outcome(await dpopProof(key, REQUEST, {}, { jwk: { kty: 'oct', k: 'c2VjcmV0' } }))).toBe('invalid_dpop_proof jwk');
  });

  it('refuses a signature that does not verify with the jwk', async () => {
    const other = await dpopKey();
    expect(await outcome(await dpopProof(key, REQUEST, {}, { jwk: other.publicJwk }))).toBe('invalid_dpop_proof signature');
    const proof = await dpopProof(key, REQUEST);
    expect(await outcome(proof.replace(/\.[^.]+$/, `.${base64url.encode(new Uint8Array(64))}`))).toBe('invalid_dpop_proof signature');
  });

  it('refuses a proof for another method', async () => {
    expect(await outcome(await dpopProof(key, { ...REQUEST, htm: 'GET' }))).toBe('invalid_dpop_proof htm');
    expect(await outcome(await dpopProof(key, { ...REQUEST, htm: 'post' }))).toBe('invalid_dpop_proof htm');
  });

  it('compares htu without query and fragment, after normalising scheme, host and default port (§4.3 point 9)', async () => {
    for (const htu of ['HTTPS://GateHouse.test:443/connect/token', 'https://gatehouse.test/connect/token?x=1#f']) {
      expect(await outcome(await dpopProof(key, { ...REQUEST, htu }))).toBe('ok');
    }
    expect(await outcome(await dpopProof(key, REQUEST), { url: 'https://gatehouse.test/connect/token?grant=1' })).toBe('ok');
    for (const htu of ['https://gatehouse.test/connect/Token', 'http://gatehouse.test/connect/token', 'https://gatehouse.test:8443/connect/token', 'https://other.test/connect/token', '/connect/token']) {
      expect(await outcome(await dpopProof(key, { ...REQUEST, htu }))).toBe('invalid_dpop_proof htu');
    }
    expect(await outcome(await dpopProof(key, REQUEST, { htu: undefined }))).toBe('invalid_dpop_proof htu');
  });

  it('accepts iat within the window and refuses a stale, future or missing one', async () => {
    expect(await outcome(await dpopProof(key, { ...REQUEST, iat: NOW - 300 }))).toBe('ok');
    expect(await outcome(await dpopProof(key, { ...REQUEST, iat: NOW + 60 }))).toBe('ok');
    expect(await outcome(await dpopProof(key, { ...REQUEST, iat: NOW - 301 }))).toBe('invalid_dpop_proof iat');
    expect(await outcome(await dpopProof(key, { ...REQUEST, iat: NOW + 61 }))).toBe('invalid_dpop_proof iat');
    expect(await outcome(await dpopProof(key, REQUEST, { iat: undefined }))).toBe('invalid_dpop_proof iat');
    expect(await outcome(await dpopProof(key, REQUEST, { iat: String(NOW) }))).toBe('invalid_dpop_proof iat');
  });

  it('requires a jti of at most 200 characters', async () => {
    expect(await outcome(await dpopProof(key, REQUEST, { jti: undefined }))).toBe('invalid_dpop_proof jti');
    expect(await outcome(await dpopProof(key, REQUEST, { jti: '' }))).toBe('invalid_dpop_proof jti');
    expect(await outcome(await dpopProof(key, REQUEST, { jti: 'j'.repeat(201) }))).toBe('invalid_dpop_proof jti');
    expect(await outcome(await dpopProof(key, REQUEST, { jti: 'j'.repeat(200) }))).toBe('ok');
  });

  it('with an access token, requires ath = base64url(SHA-256(token)) (§4.2)', async () => {
    const accessToken = 'eyJ.token.sig';
    const ath = base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(accessToken))));
    expect(await accessTokenHash(accessToken)).toBe(ath);
    expect(await outcome(await dpopProof(key, REQUEST, { ath }), { accessToken })).toBe('ok');
    expect(await outcome(await dpopProof(key, REQUEST, { ath: await accessTokenHash('other') }), { accessToken })).toBe('invalid_dpop_proof ath');
    expect(await outcome(await dpopProof(key, REQUEST), { accessToken })).toBe('invalid_dpop_proof ath');
  });

  it('with server nonces, requires one of them, as use_dpop_nonce (§8)', async () => {
    const nonces = ['n-current', 'n-previous'];
    expect(await outcome(await dpopProof(key, REQUEST, { nonce: 'n-previous' }), { nonces })).toBe('ok');
    expect(await outcome(await dpopProof(key, REQUEST, { nonce: 'n-old' }), { nonces })).toBe('use_dpop_nonce nonce');
    expect(await outcome(await dpopProof(key, REQUEST), { nonces })).toBe('use_dpop_nonce nonce');
    // Without nonces expected, a nonce in the proof is ignored.
    expect(await outcome(await dpopProof(key, REQUEST, { nonce: 'anything' }))).toBe('ok');
  });

  it('gives messages that are safe to send: no key material or token', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(privateKey);
    const error = await validateDpopProof(await dpopProof(key, REQUEST, {}, { jwk: privateJwk }), expectations()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DpopRejected);
    expect((error as Error).message).toBe('DPoP proof jwk must not contain a private key');
  });

  it('property: a random change to a valid proof is refused; only the valid one passes', async () => {
    const valid = await dpopProof(key, REQUEST, { jti: 'fixed' });
    expect(await outcome(valid)).toBe('ok');
    const [header, claims, signature] = valid.split('.') as [string, string, string];
    const decode = (s: string) => JSON.parse(new TextDecoder().decode(base64url.decode(s))) as Record<string, unknown>;
    const encode = (o: object) => base64url.encode(JSON.stringify(o));
    const member = fc.constantFrom('typ', 'alg', 'jwk', 'htm', 'htu', 'iat', 'jti', 'extra');
    const value = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.constant(undefined), fc.dictionary(fc.string(), fc.string()));
    const mutation = fc.oneof(
      fc.record({ part: fc.constant('header' as const), name: member, value }),
      fc.record({ part: fc.constant('claims' as const), name: member, value }),
      fc.record({ part: fc.constant('signature' as const), index: fc.nat(), bit: fc.integer({ min: 0, max: 5 }) }),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let mutated: string;
        if (m.part === 'signature') {
          const chars = [...signature];
          // Not the last character: its low bits are padding in base64url, so flipping them leaves the bytes.
          const i = m.index % (chars.length - 1);
          const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
          chars[i] = alphabet[alphabet.indexOf(chars[i]!) ^ (1 << m.bit)]!;
          mutated = `${header}.${claims}.${chars.join('')}`;
        } else {
          const parts = { header: decode(header), claims: decode(claims) };
          parts[m.part] = { ...parts[m.part], [m.name]: m.value };
          mutated = `${encode(parts.header)}.${encode(parts.claims)}.${signature}`;
        }
        const result = await outcome(mutated);
        // A change that leaves the JSON the same (undefined for an absent member) is the valid proof.
        expect(result === 'ok').toBe(mutated === valid);
      }),
      { numRuns: 200 },
    );
  });
});

describe('DpopReplayCache (RFC 9449 §11.1)', () => {
  it('accepts a jkt and jti once, until the proof leaves the window', () => {
    const cache = new DpopReplayCache();
    expect(cache.unique('k1', 'j', NOW + 300, NOW)).toBe(true);
    expect(cache.unique('k1', 'j', NOW + 300, NOW + 1)).toBe(false);
    // Another key may use the same jti.
    expect(cache.unique('k2', 'j', NOW + 300, NOW)).toBe(true);
    // Once the proof's iat is out of the window, it is forgotten (the proof is refused as too old).
    expect(cache.unique('k1', 'j', NOW + 700, NOW + 301)).toBe(true);
  });

  it('replays a validated proof as refused', async () => {
    const cache = new DpopReplayCache();
    const { jkt, jti, iat } = await validateDpopProof(await dpopProof(key, REQUEST), expectations());
    expect(cache.unique(jkt, jti, iat + 300, NOW)).toBe(true);
    expect(cache.unique(jkt, jti, iat + 300, NOW)).toBe(false);
  });

  it('stays bounded: expired entries go first, then the oldest', () => {
    const cache = new DpopReplayCache(2);
    cache.unique('k', 'a', NOW - 1, NOW - 10);
    cache.unique('k', 'b', NOW + 100, NOW);
    expect(cache.unique('k', 'c', NOW + 100, NOW)).toBe(true);
    expect(cache.unique('k', 'b', NOW + 100, NOW)).toBe(false);
    expect(cache.unique('k', 'd', NOW + 100, NOW)).toBe(true);
    // b was the oldest left, so it went to make room.
    expect(cache.unique('k', 'b', NOW + 100, NOW)).toBe(true);
  });
});
