import { env } from 'cloudflare:workers';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, exportSPKI, generateKeyPair, SignJWT, type JWK } from 'jose';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { JWT_BEARER_ASSERTION } from '../../src/oauth/client-auth/private-key-jwt';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';
import { ORIGIN, SECRET, tokenRequest } from '../helpers/fixtures';
import { CERTIFICATE_JWK, CERTIFICATE_PEM } from './certificate';

let token: string;
let ec: { publicKey: CryptoKey; privateKey: CryptoKey };
let ecJwk: JWK;
let ecKid: string;

beforeAll(async () => {
  ec = await generateKeyPair('ES256', { extractable: true });
  ecJwk = await exportJWK(ec.publicKey);
  ecKid = await calculateJwkThumbprint(ecJwk);
});
beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});
afterEach(() => {
  vi.restoreAllMocks();
});

function stored(clientId: string): Promise<Record<string, unknown>> {
  return env.GATEHOUSE.get(`client:${clientId}`, 'json') as never;
}

const addKey = (body: unknown, clientId = 'client') => admin('POST', `/clients/${clientId}/keys`, token, body);

describe('POST /admin/clients/{id}/keys', () => {
  it('adds a public JWK, its kid the RFC 7638 thumbprint; lists it; the client view shows its kid', async () => {
    const logs = vi.spyOn(console, 'log');
    const added = await expectJson(await addKey({ jwk: { ...ecJwk, x5c: ['ignored'], key_ops: ['verify'] } }), 201);
    expect(added).toEqual({ kid: ecKid, kty: 'EC', alg: null, thumbprint: ecKid });
    // Only the public members are kept, then the kid.
    expect((await stored('client')).jwks).toEqual({ keys: [{ kty: 'EC', crv: 'P-256', x: ecJwk.x, y: ecJwk.y, kid: ecKid }] });

    expect(await expectJson(await admin('GET', '/clients/client/keys', token))).toEqual({ jwksUri: null, keys: [added] });
    expect(await expectJson(await admin('GET', '/clients/client', token))).toMatchObject({
      authMethods: ['client_secret_basic', 'client_secret_post'],
      jwksUri: null,
      keyIds: [ecKid],
      requireDPoP: false,
      tlsClientAuthSubjectDn: null,
      tlsClientAuthSanDns: null,
      tlsClientAuthSanUri: null,
      tlsClientAuthSanIp: null,
      tlsClientAuthSanEmail: null,
      tlsClientCertificateThumbprints: [],
      tlsClientCertificateBoundAccessTokens: false,
    });
    const changes = logs.mock.calls.map((c) => String(c[0])).filter((l) => l.includes('client_changed'));
    expect(changes.map((l) => JSON.parse(l))).toEqual([
      { level: 'info', event: 'client_changed', time: expect.any(String), client_id: 'client', action: 'key_added', by: 'gatehouse-admin', credential_id: ecKid },
    ]);
  });

  it('keeps a JWK its own kid, alg and use', async () => {
    const { publicKey } = await generateKeyPair('PS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const added = await expectJson(await addKey({ jwk: { ...jwk, kid: 'rsa-2026', alg: 'PS256', use: 'sig' } }), 201);
    expect(added).toEqual({ kid: 'rsa-2026', kty: 'RSA', alg: 'PS256', thumbprint: await calculateJwkThumbprint(jwk) });
    expect((await stored('client')).jwks).toEqual({ keys: [{ kty: 'RSA', n: jwk.n, e: 'AQAB', kid: 'rsa-2026', alg: 'PS256', use: 'sig' }] });
  });

  it('converts a PEM public key (RSA, EC, Ed25519) and an X.509 certificate to a JWK', async () => {
    const rsa = await generateKeyPair('RS256', { extractable: true });
    const ed = await generateKeyPair('EdDSA', { extractable: true });
    for (const pair of [rsa, ec, ed]) {
      const jwk = await exportJWK(pair.publicKey);
      const kid = await calculateJwkThumbprint(jwk);
      const added = await expectJson(await addKey({ pem: await exportSPKI(pair.publicKey) }), 201);
      expect(added).toEqual({ kid, kty: jwk.kty, alg: null, thumbprint: kid });
    }
    expect(await expectJson(await addKey({ pem: CERTIFICATE_PEM }), 201)).toEqual({ kid: CERTIFICATE_JWK.kid, kty: 'EC', alg: null, thumbprint: CERTIFICATE_JWK.kid });
    const keys = ((await stored('client')).jwks as { keys: JWK[] }).keys;
    expect(keys.map((k) => k.kty)).toEqual(['RSA', 'EC', 'OKP', 'EC']);
    expect(keys[3]).toEqual(CERTIFICATE_JWK);
  });

  it('refuses private keys, in a JWK or a PEM, and never echoes them', async () => {
    const privateJwk = await exportJWK(ec.privateKey);
    const privatePem = await exportPKCS8(ec.privateKey);
    const res = await addKey({ jwk: privateJwk });
    const text = await res.clone().text();
    await expectError(res, 400, 'invalid_request', 'the JWK is a private key (it has "d"); give only its public part');
    expect(text).not.toContain(privateJwk.d);
    await expectError(await addKey({ pem: privatePem }), 400, 'invalid_request', 'this is a private key; give the public key (openssl pkey -pubout) or the certificate');
    // A certificate and its key in one file is still a private key.
    await expectError(await addKey({ pem: `${CERTIFICATE_PEM}${privatePem}` }), 400, 'invalid_request',
      'this is a private key; give the public key (openssl pkey -pubout) or the certificate');
    expect((await stored('client')).jwks).toBeUndefined();
  });

  it('refuses a symmetric key (kty oct)', async () => {
    await expectError(await addKey({ jwk: { kty: 'oct', k: 'c2VjcmV0LWtleS1ieXRlcw' } }), 400, 'invalid_request',
      'a symmetric key (kty "oct") cannot be a client key: it would be a shared secret; give a public key');
  });

  it.each([
    [{}, 'give either "jwk" (a public JWK) or "pem" (a PEM public key or X.509 certificate)'],
    [{ jwk: {}, pem: '' }, 'give either "jwk" (a public JWK) or "pem" (a PEM public key or X.509 certificate)'],
    [{ jwk: {}, kid: 'x' }, 'unknown field "kid"'],
    [{ pem: 5 }, '"pem" must be a string'],
    [{ pem: 'not a key' }, 'the PEM must hold exactly one "-----BEGIN PUBLIC KEY-----" or "-----BEGIN CERTIFICATE-----" block'],
    [{ pem: `${CERTIFICATE_PEM}${CERTIFICATE_PEM}` }, 'the PEM must hold exactly one "-----BEGIN PUBLIC KEY-----" or "-----BEGIN CERTIFICATE-----" block'],
    [{ pem: '-----BEGIN RSA PUBLIC KEY-----\nAAAA\n-----END RSA PUBLIC KEY-----' }, 'a PKCS#1 "RSA PUBLIC KEY" is not taken; convert it with openssl rsa -RSAPublicKey_in -pubout'],
    [{ pem: '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----' }, 'the public key cannot be read, or its key is not RSA, EC on P-256, or Ed25519'],
    [{ jwk: [] }, 'the key must be a JWK object'],
    [{ jwk: { keys: [] } }, '"kty" must be RSA, EC or OKP; a client key is RSA, EC on P-256, or Ed25519'],
    [{ jwk: { kty: 'EC', crv: 'P-384', x: 'AA', y: 'AA' } }, 'an EC client key must have "crv" P-256'],
    [{ jwk: { kty: 'OKP', crv: 'X25519', x: 'AA' } }, 'an OKP client key must have "crv" Ed25519'],
    [{ jwk: { kty: 'RSA', e: 'AQAB' } }, '"n" must be a non-empty string'],
    [{ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' } }, 'the JWK is not a valid EC public key'],
    [{ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', alg: 'RS256' } }, '"alg" of an EC client key must be ES256'],
    [{ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', use: 'enc' } }, '"use" must be "sig"'],
    [{ jwk: { kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', kid: '' } }, '"kid" must be 1 to 200 characters without control characters'],
  ])('refuses %j with 400', async (body, description) => {
    await expectError(await addKey(body), 400, 'invalid_request', description);
  });

  it('refuses an EC key on another curve given in PEM, and an RSA key under 2048 bits', async () => {
    const p384 = await generateKeyPair('ES384', { extractable: true });
    await expectError(await addKey({ pem: await exportSPKI(p384.publicKey) }), 400, 'invalid_request',
      'the public key cannot be read, or its key is not RSA, EC on P-256, or Ed25519');
    const short = (await crypto.subtle.generateKey(
      { name: 'RSASSA-PKCS1-v1_5', modulusLength: 1024, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' },
      true,
      ['sign', 'verify'],
    )) as CryptoKeyPair;
    await expectError(await addKey({ jwk: await exportJWK(short.publicKey) }), 400, 'invalid_request', 'an RSA key must have at least 2048 bits');
  });

  it('refuses a kid the client has, the same key under another kid, and more than 10 keys (409)', async () => {
    await expectJson(await addKey({ jwk: { ...ecJwk, kid: 'one' } }), 201);
    const other = await exportJWK((await generateKeyPair('ES256', { extractable: true })).publicKey);
    await expectError(await addKey({ jwk: { ...other, kid: 'one' } }), 409, 'conflict', 'client "client" already has a key with kid "one"');
    await expectError(await addKey({ jwk: { ...ecJwk, kid: 'two' } }), 409, 'conflict', 'this key is already one of the keys of client "client"');
    await expectError(await addKey({ pem: await exportSPKI(ec.publicKey) }), 409, 'conflict', 'this key is already one of the keys of client "client"');
    for (let i = 0; i < 9; i++) await expectJson(await addKey({ jwk: await exportJWK((await generateKeyPair('EdDSA', { extractable: true })).publicKey) }), 201);
    await expectError(await addKey({ jwk: other }), 409, 'conflict', 'at most 10 keys are kept; remove one first');
  });

  it('gives a lone key stored without a kid its thumbprint when a second key comes', async () => {
    const { kid: _, ...bare } = CERTIFICATE_JWK;
    await env.GATEHOUSE.put('client:client', JSON.stringify({ ...(await stored('client')), jwks: { keys: [bare] } }));
    expect(await expectJson(await admin('GET', '/clients/client/keys', token))).toEqual({
      jwksUri: null,
      keys: [{ kid: null, kty: 'EC', alg: null, thumbprint: CERTIFICATE_JWK.kid }],
    });
    await expectJson(await addKey({ jwk: ecJwk }), 201);
    expect(((await stored('client')).jwks as { keys: JWK[] }).keys.map((k) => k.kid)).toEqual([CERTIFICATE_JWK.kid, ecKid]);
  });

  it('answers an unknown client with 404', async () => {
    await expectError(await addKey({ jwk: ecJwk }, 'ghost'), 404, 'not_found', 'no client "ghost"');
    await expectError(await admin('GET', '/clients/ghost/keys', token), 404, 'not_found', 'no client "ghost"');
    await expectError(await admin('DELETE', '/clients/ghost/keys/k', token), 404, 'not_found', 'no client "ghost"');
  });
});

describe('DELETE /admin/clients/{id}/keys/{kid}', () => {
  it('removes a key by kid (204), then 404; a key without kid by its thumbprint', async () => {
    await expectJson(await addKey({ jwk: { ...ecJwk, kid: 'a/b c' } }), 201);
    const removed = await admin('DELETE', `/clients/client/keys/${encodeURIComponent('a/b c')}`, token);
    expect(removed.status).toBe(204);
    expect(await stored('client')).not.toHaveProperty('jwks');
    await expectError(await admin('DELETE', '/clients/client/keys/a%2Fb%20c', token), 404, 'not_found', 'no key "a/b c" on client "client"');

    const { kid: _, ...bare } = CERTIFICATE_JWK;
    await env.GATEHOUSE.put('client:client', JSON.stringify({ ...(await stored('client')), jwks: { keys: [bare] } }));
    expect((await admin('DELETE', `/clients/client/keys/${CERTIFICATE_JWK.kid}`, token)).status).toBe(204);
    expect(await stored('client')).not.toHaveProperty('jwks');
  });

  it('refuses to remove the last key of a client that uses private_key_jwt (409)', async () => {
    await expectJson(await addKey({ jwk: ecJwk }), 201);
    await expectJson(await admin('PATCH', '/clients/client', token, { authMethods: ['private_key_jwt'] }));
    await expectError(await admin('DELETE', `/clients/client/keys/${ecKid}`, token), 409, 'conflict',
      `key "${ecKid}" is the last key of client "client", which uses private_key_jwt: add another key or change its "authMethods" first`);
    await expectJson(await addKey({ pem: CERTIFICATE_PEM }), 201);
    expect((await admin('DELETE', `/clients/client/keys/${ecKid}`, token)).status).toBe(204);
  });

  it('answers other methods with 405', async () => {
    const onKeys = await admin('PUT', '/clients/client/keys', token, {});
    expect(onKeys.headers.get('Allow')).toBe('GET, POST');
    await expectError(onKeys, 405, 'method_not_allowed', 'this endpoint accepts GET, POST only');
    const onKey = await admin('GET', '/clients/client/keys/k', token);
    expect(onKey.headers.get('Allow')).toBe('DELETE');
    await expectError(onKey, 405, 'method_not_allowed', 'this endpoint accepts DELETE only');
  });
});

describe('authMethods and jwksUri', () => {
  const NEEDS_KEYS = 'private_key_jwt needs the client\'s public keys: add a key or set "jwksUri" first';

  it('creates a private_key_jwt client with a jwksUri and no secret', async () => {
    const body = await expectJson<{ client: Record<string, unknown> }>(
      await admin('POST', '/clients', token, { clientId: 'signer', authMethods: ['private_key_jwt'], jwksUri: 'https://signer.example/jwks.json' }),
      201,
    );
    expect(body).toEqual({ client: expect.objectContaining({ authMethods: ['private_key_jwt'], jwksUri: 'https://signer.example/jwks.json', keyIds: [], secrets: [] }) });
    expect(await expectJson(await admin('GET', '/clients/signer/keys', token))).toEqual({ jwksUri: 'https://signer.example/jwks.json', keys: [] });
    expect(await stored('signer')).toMatchObject({ authMethods: ['private_key_jwt'], jwksUri: 'https://signer.example/jwks.json' });
  });

  it.each([
    [{ clientId: 'x', authMethods: ['private_key_jwt'] }, NEEDS_KEYS],
    [{ clientId: 'x', authMethods: ['client_secret_basic', 'private_key_jwt'] }, NEEDS_KEYS],
    [{ clientId: 'x', authMethods: ['private_key_jwt'], jwksUri: 'https://x.example/jwks', secret: {} }, '"secret" is of no use: "authMethods" names no secret method'],
    [{ clientId: 'x', authMethods: ['client_secret_jwt'] }, '"authMethods" must be a non-empty list of distinct methods among client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth'],
    [{ clientId: 'x', authMethods: [] }, '"authMethods" must be a non-empty list of distinct methods among client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth'],
    [{ clientId: 'x', authMethods: ['client_secret_post', 'client_secret_post'] }, '"authMethods" must be a non-empty list of distinct methods among client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth'],
    [{ clientId: 'x', jwksUri: 'http://x.example/jwks' }, '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)'],
    [{ clientId: 'x', jwksUri: 'https://x.example/jwks#keys' }, '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)'],
    [{ clientId: 'x', jwksUri: 'https://user:pass@x.example/jwks' }, '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)'],
    [{ clientId: 'x', jwksUri: '/jwks' }, '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)'],
  ])('refuses to create %j (400)', async (input, description) => {
    await expectError(await admin('POST', '/clients', token, input), 400, 'invalid_request', description);
    expect(await env.GATEHOUSE.get('client:x')).toBeNull();
  });

  it('takes an http jwksUri on localhost only', async () => {
    await expectJson(await admin('POST', '/clients', token, { clientId: 'dev', jwksUri: 'http://localhost:8080/jwks' }), 201);
    await expectJson(await admin('PATCH', '/clients/dev', token, { jwksUri: 'http://127.0.0.1/jwks' }));
  });

  it('moves a client to private_key_jwt only once it has a key, and back to its secrets with null', async () => {
    await expectError(await admin('PATCH', '/clients/client', token, { authMethods: ['private_key_jwt'] }), 400, 'invalid_request', NEEDS_KEYS);
    await expectJson(await addKey({ jwk: ecJwk }), 201);
    expect(await expectJson(await admin('PATCH', '/clients/client', token, { authMethods: ['private_key_jwt'] }))).toMatchObject({
      authMethods: ['private_key_jwt'],
      keyIds: [ecKid],
      requireDPoP: false,
    });
    const back = await expectJson(await admin('PATCH', '/clients/client', token, { authMethods: null }));
    expect(back).toMatchObject({ authMethods: ['client_secret_basic', 'client_secret_post'] });
    expect(await stored('client')).not.toHaveProperty('authMethods');
  });

  it('holds keys in the record or at a jwksUri, never both (409); null clears the jwksUri', async () => {
    await expectJson(await addKey({ jwk: ecJwk }), 201);
    await expectError(await admin('PATCH', '/clients/client', token, { jwksUri: 'https://client.example/jwks' }), 409, 'conflict',
      'client "client" holds 1 key(s); remove them before setting "jwksUri"');
    expect((await admin('DELETE', `/clients/client/keys/${ecKid}`, token)).status).toBe(204);
    expect(await expectJson(await admin('PATCH', '/clients/client', token, { jwksUri: 'https://client.example/jwks', authMethods: ['private_key_jwt'] }))).toMatchObject({
      jwksUri: 'https://client.example/jwks',
      authMethods: ['private_key_jwt'],
    });
    await expectError(await addKey({ jwk: ecJwk }), 409, 'conflict', 'client "client" takes its keys from its jwksUri; clear "jwksUri" to hold keys in its record');
    // Clearing the jwksUri of a private_key_jwt client would leave it without keys.
    await expectError(await admin('PATCH', '/clients/client', token, { jwksUri: null }), 400, 'invalid_request', NEEDS_KEYS);
    const cleared = await expectJson(await admin('PATCH', '/clients/client', token, { jwksUri: null, authMethods: ['client_secret_basic'] }));
    expect(cleared).toMatchObject({ jwksUri: null, authMethods: ['client_secret_basic'] });
    expect(await stored('client')).not.toHaveProperty('jwksUri');
  });

  it('keeps keys, authMethods and jwksUri through other changes', async () => {
    await expectJson(await addKey({ jwk: ecJwk }), 201);
    await expectJson(await admin('PATCH', '/clients/client', token, { authMethods: ['private_key_jwt', 'client_secret_post'] }));
    await expectJson(await admin('POST', '/clients/client/revoke-tokens', token));
    await expectJson(await admin('POST', '/clients/client/secrets', token, {}), 201);
    expect(await expectJson(await admin('PATCH', '/clients/client', token, { name: 'Renamed' }))).toMatchObject({
      name: 'Renamed',
      authMethods: ['private_key_jwt', 'client_secret_post'],
      keyIds: [ecKid],
      requireDPoP: false,
    });
  });
});

describe('a key added here, at the token endpoint', () => {
  /** A client credentials request authenticated by an assertion of `client` signed with `privateKey`. */
  async function tokenBy(privateKey: CryptoKey, kid: string): Promise<Response> {
    const now = Math.floor(Date.now() / 1000);
    const assertion = await new SignJWT({ iss: 'client', sub: 'client', aud: `${ORIGIN}/connect/token`, iat: now, exp: now + 60, jti: crypto.randomUUID() })
      .setProtectedHeader({ alg: 'ES256', kid })
      .sign(privateKey);
    return tokenRequest({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion });
  }

  it('authenticates the client by private_key_jwt once allowed; removed, it no longer does', async () => {
    const added = await expectJson<{ kid: string }>(await addKey({ pem: await exportSPKI(ec.publicKey) }), 201);
    // Not yet among the client's methods.
    expect((await tokenBy(ec.privateKey, added.kid)).status).toBe(401);
    await expectJson(await admin('PATCH', '/clients/client', token, { authMethods: ['private_key_jwt'] }));
    expect((await tokenBy(ec.privateKey, added.kid)).status).toBe(200);
    // private_key_jwt only: the secret it still holds no longer authenticates it.
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET })).status).toBe(401);

    const next = await generateKeyPair('ES256', { extractable: true });
    const rolled = await expectJson<{ kid: string }>(await addKey({ jwk: { ...(await exportJWK(next.publicKey)), kid: 'next' } }), 201);
    expect((await admin('DELETE', `/clients/client/keys/${added.kid}`, token)).status).toBe(204);
    expect((await tokenBy(ec.privateKey, added.kid)).status).toBe(401);
    expect((await tokenBy(next.privateKey, rolled.kid)).status).toBe(200);
  });
});
