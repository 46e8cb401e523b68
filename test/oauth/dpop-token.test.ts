import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { DPOP_NONCE_SLOT_SECONDS } from '../../src/settings';
import { dpopKey, dpopProof, rawJws, type DpopKey } from '../helpers/dpop';
import { basic, call, claimsOf, clientRecord, formPost, ORIGIN, put, SECRET, seedArticle, seedResourceSecret, tokenRequest } from '../helpers/fixtures';
import { callWith, newProbe, originSaw } from '../helpers/gateway';

const ARTICLE = { client_id: 'client', client_secret: SECRET, scope: 'api1', grant_type: 'client_credentials' };
const TOKEN_URL = `${ORIGIN}/connect/token`;
const TOKEN_REQUEST = { htm: 'POST', htu: TOKEN_URL };

/** One bindings object for the file, so its isolate's services (and nonce key) are built once. */
const NONCE_ENV = { ...env, DPOP_NONCES: 'true' };

/** A token request to the Worker with DPoP server nonces on. */
async function nonceTokenRequest(headers: Record<string, string>): Promise<Response> {
  const { app } = await import('../../src/index');
  return app.request(
    TOKEN_URL,
    { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(ARTICLE).toString() },
    NONCE_ENV,
  );
}

async function expectError(res: Response, error: string, description: string) {
  expect(res.status).toBe(400);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(await res.json()).toEqual({ error, error_description: description });
}

let key: DpopKey;

beforeAll(async () => {
  key = await dpopKey();
});

beforeEach(async () => {
  await seedArticle();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('POST /connect/token with DPoP (RFC 9449 §5)', () => {
  it('issues a DPoP-bound token: token_type DPoP and cnf.jkt of the proof key', async () => {
    const res = await tokenRequest(ARTICLE, { DPoP: await dpopProof(key, TOKEN_REQUEST) });
    expect(res.status).toBe(200);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(res.headers.get('DPoP-Nonce')).toBeNull();
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body).toMatchObject({ token_type: 'DPoP', expires_in: 3600, scope: 'api1' });
    expect(claimsOf(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('issues a bearer token without cnf when there is no DPoP header, as before', async () => {
    const res = await tokenRequest(ARTICLE);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    expect(claimsOf(body.access_token)).not.toHaveProperty('cnf');
  });

  it('refuses two DPoP headers: 400 invalid_dpop_proof', async () => {
    const headers = new Headers({ 'Content-Type': 'application/x-www-form-urlencoded' });
    headers.append('DPoP', await dpopProof(key, TOKEN_REQUEST));
    headers.append('DPoP', await dpopProof(key, TOKEN_REQUEST));
    const res = await call('/connect/token', { method: 'POST', headers, body: new URLSearchParams(ARTICLE).toString() });
    await expectError(res, 'invalid_dpop_proof', 'exactly one DPoP header is allowed');
  });

  it('refuses a malformed proof, or one for another URL: 400 invalid_dpop_proof', async () => {
    await expectError(await tokenRequest(ARTICLE, { DPoP: 'not-a-jwt' }), 'invalid_dpop_proof', 'DPoP proof is not a compact JWS');
    const elsewhere = await dpopProof(key, { htm: 'POST', htu: 'https://other.test/connect/token' });
    await expectError(await tokenRequest(ARTICLE, { DPoP: elsewhere }), 'invalid_dpop_proof', 'DPoP proof htu does not match the request URL');
  });

  it('refuses a proof used twice (per isolate, §11.1)', async () => {
    const proof = await dpopProof(key, TOKEN_REQUEST);
    expect((await tokenRequest(ARTICLE, { DPoP: proof })).status).toBe(200);
    await expectError(await tokenRequest(ARTICLE, { DPoP: proof }), 'invalid_dpop_proof', 'DPoP proof has already been used');
  });

  it('checks the proof only after the client authenticated', async () => {
    const res = await tokenRequest({ ...ARTICLE, client_secret: 'wrong' }, { DPoP: 'not-a-jwt' });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: string }).error).toBe('invalid_client');
  });

  it('requires a proof from a client with requireDPoP', async () => {
    await put('client:client', clientRecord({ requireDPoP: true }));
    await expectError(await tokenRequest(ARTICLE), 'invalid_dpop_proof', 'DPoP proof required');
    const res = await tokenRequest(ARTICLE, { DPoP: await dpopProof(key, TOKEN_REQUEST) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { token_type: string }).token_type).toBe('DPoP');
  });
});

describe('POST /connect/token with DPoP server nonces (RFC 9449 §8)', () => {
  it('answers a proof without a nonce with 400 use_dpop_nonce and a DPoP-Nonce; the retry with it succeeds', async () => {
    const first = await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST) });
    const nonce = first.headers.get('DPoP-Nonce');
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    await expectError(first, 'use_dpop_nonce', 'DPoP proof nonce is missing or not current');

    const retry = await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST, { nonce }) });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('DPoP-Nonce')).toBe(nonce);
    const body = (await retry.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(claimsOf(body.access_token).cnf).toEqual({ jkt: key.jkt });
  });

  it('refuses a nonce it did not issue', async () => {
    const res = await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST, { nonce: 'made-up' }) });
    expect(res.headers.get('DPoP-Nonce')).not.toBeNull();
    await expectError(res, 'use_dpop_nonce', 'DPoP proof nonce is missing or not current');
  });

  it('accepts a nonce in the next slot, and refuses it once that slot is over', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Math.ceil(Date.now() / 1000 / DPOP_NONCE_SLOT_SECONDS) * DPOP_NONCE_SLOT_SECONDS;
    vi.setSystemTime(start * 1000);
    const issued = (await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST) })).headers.get('DPoP-Nonce')!;

    vi.setSystemTime((start + DPOP_NONCE_SLOT_SECONDS) * 1000);
    const next = await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST, { nonce: issued }) });
    expect(next.status).toBe(200);
    expect(next.headers.get('DPoP-Nonce')).not.toBe(issued);

    vi.setSystemTime((start + 2 * DPOP_NONCE_SLOT_SECONDS) * 1000);
    await expectError(await nonceTokenRequest({ DPoP: await dpopProof(key, TOKEN_REQUEST, { nonce: issued }) }), 'use_dpop_nonce', 'DPoP proof nonce is missing or not current');
  });

  it('issues bearer tokens as before to a request without a DPoP header', async () => {
    const res = await nonceTokenRequest({});
    expect(res.status).toBe(200);
    expect(res.headers.get('DPoP-Nonce')).toBeNull();
    expect(((await res.json()) as { token_type: string }).token_type).toBe('Bearer');
  });
});

describe('a DPoP-bound token presented as a bearer token (RFC 9449 §7.2)', () => {
  it('is refused by the gateway, which never calls the origin; introspection reports it active with its cnf', async () => {
    const res = await tokenRequest(ARTICLE, { DPoP: await dpopProof(key, TOKEN_REQUEST) });
    const { access_token: token } = (await res.json()) as { access_token: string };
    const probe = newProbe();
    const refused = await callWith(token, `/api/x?probe=${probe}`);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({
      error: 'invalid_token',
      error_description: 'the token is bound to a DPoP key and cannot be used as a bearer token',
    });
    expect(await originSaw(probe)).toBe(false);

    await seedResourceSecret();
    const introspected = await formPost('/connect/introspect', { token }, { Authorization: basic('api1', SECRET) });
    expect(await introspected.json()).toMatchObject({ active: true, cnf: { jkt: key.jkt } });
  });
});

describe('POST /connect/token with DPoP: random proofs, property', () => {
  it('of a valid proof and its random mutations, only the valid one gets a DPoP token', { timeout: 60_000 }, async () => {
    const other = await dpopKey();
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const privateJwk = await exportJWK(key.privateKey);
    const now = () => Math.floor(Date.now() / 1000);
    type Mutation =
      | { kind: 'claims'; claims: Record<string, unknown> }
      | { kind: 'header'; header: Record<string, unknown> }
      | { kind: 'raw'; alg: string }
      | { kind: 'signature'; byte: number; bit: number }
      | { kind: 'signer'; which: 'other' | 'unrelated' };
    // Each mutation breaks one thing RFC 9449 §4.3 checks: the form, typ, alg, jwk, signature,
    // htm, htu, iat or jti.
    const mutation: fc.Arbitrary<Mutation | undefined> = fc.option(
      fc.oneof(
        fc.record({
          kind: fc.constant('claims' as const),
          claims: fc.oneof(
            fc.record({ htm: fc.constantFrom('GET', 'post', 'PUT', undefined, 1) }),
            fc.record({ htu: fc.oneof(fc.constantFrom(`${ORIGIN}/connect/token/`, `${ORIGIN}/connect/revocation`, 'https://evil.example/connect/token', 'not a url', undefined), fc.webUrl()) }),
            fc.record({ iat: fc.oneof(fc.integer({ min: 301, max: 1e8 }).map((age) => now() - age), fc.integer({ min: 61, max: 1e8 }).map((ahead) => now() + ahead), fc.constantFrom(undefined, 'now', null)) }),
            fc.record({ jti: fc.oneof(fc.constantFrom('', undefined, 7, null), fc.string({ minLength: 201, maxLength: 300 })) }),
          ),
        }),
        fc.record({
          kind: fc.constant('header' as const),
          header: fc.oneof(
            fc.record({ typ: fc.constantFrom('JWT', 'at+jwt', 'dpop', undefined) }),
            fc.record({ jwk: fc.constantFrom(undefined, privateJwk, { kty: 'oct', k: 'c2VjcmV0' }, other.publicJwk, 'jwk') }),
          ),
        }),
        fc.record({ kind: fc.constant('raw' as const), alg: fc.constantFrom('none', 'HS256', 'ES256', 'ES384') }),
        fc.record({ kind: fc.constant('signature' as const), byte: fc.nat({ max: 63 }), bit: fc.nat({ max: 7 }) }),
        fc.record({ kind: fc.constant('signer' as const), which: fc.constantFrom('other' as const, 'unrelated' as const) }),
      ),
      { freq: 4, nil: undefined },
    );
    const proofFor = async (m: Mutation | undefined): Promise<string> => {
      if (m?.kind === 'claims') return dpopProof(key, TOKEN_REQUEST, m.claims);
      if (m?.kind === 'header') return dpopProof(key, TOKEN_REQUEST, {}, m.header);
      if (m?.kind === 'raw') {
        return rawJws({ typ: 'dpop+jwt', alg: m.alg, jwk: key.publicJwk }, { ...TOKEN_REQUEST, jti: crypto.randomUUID(), iat: now() }, m.alg === 'none' ? '' : 'c2ln');
      }
      if (m?.kind === 'signer') {
        // Signed by a key other than the one in its jwk header.
        const signer = m.which === 'other' ? other.privateKey : privateKey;
        return new SignJWT({ ...TOKEN_REQUEST, jti: crypto.randomUUID(), iat: now() }).setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: key.publicJwk }).sign(signer);
      }
      const proof = await dpopProof(key, TOKEN_REQUEST);
      if (m?.kind !== 'signature') return proof;
      const [header, payload, signature] = proof.split('.');
      const bytes = base64url.decode(signature!);
      bytes[m.byte] = bytes[m.byte]! ^ (1 << m.bit);
      return `${header}.${payload}.${base64url.encode(bytes)}`;
    };
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const res = await tokenRequest(ARTICLE, { DPoP: await proofFor(m) });
        const body = (await res.json()) as { token_type?: string; access_token?: string; error?: string };
        if (m === undefined) {
          expect(res.status).toBe(200);
          expect(body.token_type).toBe('DPoP');
          expect(claimsOf(body.access_token!).cnf).toEqual({ jkt: key.jkt });
        } else {
          expect({ status: res.status, error: body.error }).toEqual({ status: 400, error: 'invalid_dpop_proof' });
        }
      }),
      { numRuns: 200 },
    );
  });
});
