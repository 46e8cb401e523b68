import { base64url, exportJWK, generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import type { KeyRingRecord, StoredKey } from '../../src/core/key-ring';
import { decodeJwt, verifyLocalToken, type VerifyOptions } from '../../src/core/verify-token';

// The gateway's own-token verification, on the edges the gateway's tests (test/gateway/gateway.test.ts)
// do not reach through HTTP: each case is a token jose would refuse too, with the code it maps to.

const ISSUER = 'https://gw.test';
const NOW = 1_800_000_000;
const OPTIONS: VerifyOptions = { issuer: ISSUER, audience: 'api1', clockSkewSeconds: 60, types: ['at+jwt'], now: NOW };

let ring: KeyRingRecord;
let privateKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  privateKey = pair.privateKey;
  const key: StoredKey = { kid: 'k1', alg: 'ES256', createdAt: 0, activatesAt: 0, publicJwk: await exportJWK(pair.publicKey), encryptedPrivateJwk: '' };
  ring = { keys: [key] };
});

const CLAIMS: JWTPayload = { iss: ISSUER, aud: 'api1', client_id: 'c', jti: 'j', exp: NOW + 300, iat: NOW };

function sign(claims: JWTPayload = CLAIMS, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt', ...header }).sign(privateKey);
}

/** A token with these raw header and payload parts, signed as they stand. */
async function signRaw(header: string, payload: string): Promise<string> {
  const input = `${header}.${payload}`;
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, privateKey, new TextEncoder().encode(input));
  return `${input}.${base64url.encode(new Uint8Array(signature))}`;
}

const b64 = (text: string | Uint8Array) => base64url.encode(text);

async function code(token: string, options = OPTIONS): Promise<string> {
  return Promise.resolve()
    .then(() => verifyLocalToken(decodeJwt(token), ring, options))
    .then(() => 'accepted', (error: { code: string }) => error.code);
}

describe('verifyLocalToken', () => {
  it('accepts a token of the ring with every check met, an audience in a list, and no audience asked', async () => {
    const { header, payload } = await verifyLocalToken(decodeJwt(await sign()), ring, OPTIONS);
    expect(header).toEqual({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' });
    expect(payload).toEqual(CLAIMS);
    expect(await code(await sign({ ...CLAIMS, aud: ['x', 'api1'] }))).toBe('accepted');
    expect(await code(await sign({ ...CLAIMS, aud: 'x' }), { ...OPTIONS, audience: ['y', 'x'] })).toBe('accepted');
    const { aud: _, ...noAud } = CLAIMS;
    expect(await code(await sign(noAud), { ...OPTIONS, audience: undefined })).toBe('accepted');
  });

  it('refuses a header with crit (no extension is understood), and parts that are not three', async () => {
    expect(await code(await sign(CLAIMS, { crit: ['b64'], b64: true }))).toBe('malformed');
    const token = await sign();
    expect(await code(`${token}.x`)).toBe('malformed');
    expect(await code(token.split('.').slice(0, 2).join('.'))).toBe('malformed');
  });

  it('refuses a header or claims set that is not a JSON object in UTF-8', async () => {
    const header = b64(JSON.stringify({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' }));
    expect(await code(await signRaw(header, b64(new Uint8Array([0x7b, 0xff, 0x7d]))))).toBe('malformed');
    expect(await code(await signRaw(header, b64('[1]')))).toBe('malformed');
    expect(await code(await signRaw(b64('"ES256"'), b64(JSON.stringify(CLAIMS))))).toBe('malformed');
    expect(await code(await signRaw(header, '!!'))).toBe('malformed');
  });

  it('refuses a signature made over other bytes, and one that is not base64url', async () => {
    const [h, p, s] = (await sign()).split('.');
    const other = (await sign({ ...CLAIMS, jti: 'k' })).split('.')[1];
    expect(await code(`${h}.${other}.${s}`)).toBe('bad_signature');
    expect(await code(`${h}.${p}.${s}%`)).toBe('malformed');
  });

  it('refuses an algorithm outside the ring, and a kid it does not hold', async () => {
    expect(await code(await signRaw(b64(JSON.stringify({ alg: 'HS256', kid: 'k1', typ: 'at+jwt' })), b64(JSON.stringify(CLAIMS))))).toBe('bad_algorithm');
    expect(await code(await signRaw(b64(JSON.stringify({ alg: 'EdDSA', kid: 'k1', typ: 'at+jwt' })), b64(JSON.stringify(CLAIMS))))).toBe('bad_algorithm');
    expect(await code(await sign(CLAIMS, { kid: 'k2' }))).toBe('unknown_key');
  });

  it('checks exp and nbf with the leeway at its bounds, and that dates are numbers', async () => {
    expect(await code(await sign({ ...CLAIMS, exp: NOW - 59 }))).toBe('accepted');
    expect(await code(await sign({ ...CLAIMS, exp: NOW - 60 }))).toBe('expired');
    expect(await code(await sign({ ...CLAIMS, nbf: NOW + 60 }))).toBe('accepted');
    expect(await code(await sign({ ...CLAIMS, nbf: NOW + 61 }))).toBe('not_yet_valid');
    expect(await code(await sign({ ...CLAIMS, exp: String(NOW + 300) as unknown as number }))).toBe('missing_claim');
    expect(await code(await sign({ ...CLAIMS, iat: 'now' as unknown as number }))).toBe('missing_claim');
  });

  it('refuses a missing or other iss, aud, client_id, jti or exp, and another typ', async () => {
    for (const [claim, expected] of [['iss', 'bad_issuer'], ['aud', 'bad_audience'], ['client_id', 'missing_claim'], ['jti', 'missing_claim'], ['exp', 'missing_claim']]) {
      const { [claim!]: _, ...rest } = CLAIMS;
      expect(await code(await sign(rest)), claim).toBe(expected);
    }
    expect(await code(await sign({ ...CLAIMS, iss: `${ISSUER}/` }))).toBe('bad_issuer');
    expect(await code(await sign({ ...CLAIMS, aud: ['x'] }))).toBe('bad_audience');
    expect(await code(await sign(CLAIMS, { typ: 'JWT' }))).toBe('bad_type');
    expect(await code(await sign(CLAIMS, { typ: 'application/at+jwt' }))).toBe('accepted');
  });
});
