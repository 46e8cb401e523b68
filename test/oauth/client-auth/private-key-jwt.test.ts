import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { base64url, exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from 'jose';
import * as openid from 'openid-client';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Bindings } from '../../../src/env';
import { app } from '../../../src/index';
import { JWT_BEARER_ASSERTION } from '../../../src/oauth/client-auth/private-key-jwt';
import { loadConfig } from '../../../src/config';
import { parseClient } from '../../../src/core/records';
import { basic, claimsOf, clientRecord, ORIGIN, put, SECRET, seedArticle } from '../../helpers/fixtures';

const TOKEN_ENDPOINT = `${ORIGIN}/connect/token`;
const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

/** A client key pair: the private half signs assertions, the public JWK is registered. */
interface ClientKey {
  privateKey: CryptoKey;
  jwk: JWK;
}

async function clientKey(kid: string, alg = 'ES256'): Promise<ClientKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

const now = () => Math.floor(Date.now() / 1000);

/** Claims of a valid assertion of `clientId`, with overrides (undefined removes a claim). */
function assertionClaims(clientId: string, overrides: Record<string, unknown> = {}): JWTPayload {
  const t = now();
  const claims: Record<string, unknown> = { iss: clientId, sub: clientId, aud: TOKEN_ENDPOINT, iat: t, exp: t + 60, jti: crypto.randomUUID(), ...overrides };
  for (const [name, value] of Object.entries(claims)) if (value === undefined) delete claims[name];
  return claims as JWTPayload;
}

/** An assertion of `clientId` signed with `key`, its kid and alg in the header unless overridden. */
function signed(key: ClientKey, clientId: string, overrides: Record<string, unknown> = {}, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(assertionClaims(clientId, overrides)).setProtectedHeader({ alg: key.jwk.alg!, kid: key.jwk.kid, ...header }).sign(key.privateKey);
}

/** A compact JWS with header and payload of our choosing and the given signature bytes. */
function crafted(header: object, payload: object, signature = ''): string {
  const enc = (o: object) => base64url.encode(JSON.stringify(o));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

// Failed authentications are limited per caller address (docs/abuse.md): each request comes from
// an address of its own, so the tests explore the checks rather than the limiter.
let caller = 0;
function nextAddress(): string {
  caller++;
  return `198.19.${(caller >> 8) & 255}.${caller & 255}`;
}

/** A POST with a client assertion to `path`, through `bindings` (a second set builds other services). */
function post(
  path: string,
  assertion: string | undefined,
  params: Record<string, string> = {},
  { bindings = env as Bindings, headers = {} }: { bindings?: Bindings; headers?: Record<string, string> } = {},
): Promise<Response> {
  const form: Record<string, string> = { ...params };
  if (assertion !== undefined) Object.assign(form, { client_assertion_type: JWT_BEARER_ASSERTION, client_assertion: assertion });
  const request = new Request(`${ORIGIN}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'CF-Connecting-IP': nextAddress(), ...headers },
    body: new URLSearchParams(form).toString(),
  });
  return app.fetch(request, bindings) as Promise<Response>;
}

function tokenWith(assertion: string | undefined, params: Record<string, string> = {}, options?: Parameters<typeof post>[3]): Promise<Response> {
  return post('/connect/token', assertion, { grant_type: 'client_credentials', ...params }, options);
}

/** The reasons logged for failed client authentications while `run` runs. */
async function loggedReasons(run: () => Promise<unknown>): Promise<string[]> {
  const reasons: string[] = [];
  const spy = vi.spyOn(console, 'warn').mockImplementation((line: unknown) => {
    const entry = JSON.parse(String(line)) as { event: string; reason?: string };
    if (entry.event === 'client_auth_failed') reasons.push(entry.reason!);
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return reasons;
}

/**
 * Asserts the one `invalid_client` answer, and that the log gives `reason`. A challenge comes only
 * to a caller that used the Authorization header (RFC 6749 §5.2).
 */
async function expectRefused(request: () => Promise<Response>, reason: string | RegExp, challenge: string | null = null): Promise<void> {
  let res!: Response;
  const reasons = await loggedReasons(async () => (res = await request()));
  expect(res.status).toBe(401);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('WWW-Authenticate')).toBe(challenge);
  expect(await res.json()).toEqual(INVALID_CLIENT);
  expect(reasons).toEqual([typeof reason === 'string' ? reason : expect.stringMatching(reason)]);
}

async function expectToken(res: Response, clientId: string): Promise<string> {
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string };
  expect(claimsOf(body.access_token)).toMatchObject({ client_id: clientId, sub: clientId, scope: 'api1' });
  return body.access_token;
}

/** Sets what `https://client-keys.test/{name}` serves, or reads how often it was fetched. */
async function clientKeysControl(name: string, state?: { jwks?: { keys: JWK[] }; status?: number }): Promise<{ hits: number }> {
  const res = await fetch(`https://control.test/client-keys/${name}`, state ? { method: 'POST', body: JSON.stringify(state) } : {});
  return (await res.json()) as { hits: number };
}

let k1: ClientKey;

beforeAll(async () => {
  k1 = await clientKey('k1');
  await seedArticle();
  // A client for keys only: it still holds the article's secret, which it may not use.
  await put('client:jwt-client', clientRecord({ clientId: 'jwt-client', authMethods: ['private_key_jwt'], jwks: { keys: [k1.jwk] } }));
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('private_key_jwt (RFC 7523 §2.2, §3): accepted', () => {
  it('issues a token for an assertion whose aud is the token endpoint, the issuer, or a list holding one', async () => {
    await expectToken(await tokenWith(await signed(k1, 'jwt-client')), 'jwt-client');
    await expectToken(await tokenWith(await signed(k1, 'jwt-client', { aud: ORIGIN })), 'jwt-client');
    await expectToken(await tokenWith(await signed(k1, 'jwt-client', { aud: ['https://other.test', TOKEN_ENDPOINT] })), 'jwt-client');
    // client_id in the body is optional (RFC 7523 §3), and must then name the same client.
    await expectToken(await tokenWith(await signed(k1, 'jwt-client'), { client_id: 'jwt-client' }), 'jwt-client');
  });

  it('accepts RS256, PS256 and EdDSA keys, and exp up to CLIENT_ASSERTION_MAX_LIFETIME_SECONDS ahead', async () => {
    const keys = [await clientKey('rsa', 'RS256'), await clientKey('pss', 'PS256'), await clientKey('ed', 'EdDSA')];
    await put('client:multi', clientRecord({ clientId: 'multi', authMethods: ['private_key_jwt'], jwks: { keys: keys.map((k) => k.jwk) } }));
    for (const key of keys) await expectToken(await tokenWith(await signed(key, 'multi', { exp: now() + 300 })), 'multi');
  });

  it('authenticates the client at introspection and revocation', async () => {
    const token = await expectToken(await tokenWith(await signed(k1, 'jwt-client')), 'jwt-client');
    const introspect = async () => {
      const res = await post('/connect/introspect', await signed(k1, 'jwt-client'), { token });
      expect(res.status).toBe(200);
      return (await res.json()) as { active: boolean; client_id?: string };
    };
    expect(await introspect()).toMatchObject({ active: true, client_id: 'jwt-client' });

    const revoked = await post('/connect/revocation', await signed(k1, 'jwt-client'), { token });
    expect(revoked.status).toBe(200);
    expect(await revoked.text()).toBe('');
    expect(await introspect()).toEqual({ active: false });
  });

  it('works with openid-client 6 as docs/client-auth.md shows it (PrivateKeyJwt, clientCredentialsGrant)', async () => {
    // openid-client reaches the Worker in-process: discovery, then the token endpoint.
    const throughWorker: openid.CustomFetch = (url, options) => app.fetch(new Request(url, options as RequestInit), env) as Promise<Response>;
    const config = await openid.discovery(new URL(ORIGIN), 'jwt-client', undefined, openid.PrivateKeyJwt({ key: k1.privateKey, kid: 'k1' }), {
      [openid.customFetch]: throughWorker,
    });
    const tokens = await openid.clientCredentialsGrant(config, { scope: 'api1' });
    expect(claimsOf(tokens.access_token)).toMatchObject({ client_id: 'jwt-client', scope: 'api1' });
  });

  it('lets a client allowed both kinds use either', async () => {
    await put('client:either', clientRecord({ clientId: 'either', authMethods: ['client_secret_basic', 'private_key_jwt'], jwks: { keys: [k1.jwk] } }));
    await expectToken(await tokenWith(await signed(k1, 'either')), 'either');
    await expectToken(await tokenWith(undefined, {}, { headers: { Authorization: basic('either', SECRET) } }), 'either');
    // client_secret_post is not among its methods.
    await expectRefused(() => tokenWith(undefined, { client_id: 'either', client_secret: SECRET }), 'the client may not use client_secret_post');
  });
});

describe('client records for private_key_jwt', () => {
  const parse = (fields: Record<string, unknown>) => parseClient('client:c', JSON.stringify({ clientId: 'c', ...fields }));
  function problem(fields: Record<string, unknown>): string {
    try {
      parse(fields);
    } catch (error) {
      return (error as Error).message.replace('KV record "client:c" is invalid: ', '');
    }
    throw new Error('expected a RecordError');
  }

  it('keeps authMethods, jwks and jwksUri as given', async () => {
    expect(parse({ authMethods: ['private_key_jwt'], jwks: { keys: [k1.jwk] } })).toMatchObject({ authMethods: ['private_key_jwt'], jwks: { keys: [k1.jwk] } });
    expect(parse({ authMethods: ['private_key_jwt'], jwksUri: 'https://keys.example.com/c' })).toMatchObject({ jwksUri: 'https://keys.example.com/c' });
    // Loopback only over plain http, for local runs.
    expect(parse({ jwksUri: 'http://127.0.0.1:8788/jwks' }).jwksUri).toBe('http://127.0.0.1:8788/jwks');
    expect(parse({}).authMethods).toBeUndefined();
    expect(parse({ jwksUri: null })).not.toHaveProperty('jwksUri');
  });

  it('names the field of every malformed one', () => {
    const rsa = { kty: 'RSA', n: 'AQAB', e: 'AQAB', kid: 'r' };
    expect(problem({ authMethods: [] })).toBe('"authMethods" must be a non-empty list of distinct methods among client_secret_basic, client_secret_post, private_key_jwt, tls_client_auth, self_signed_tls_client_auth');
    expect(problem({ authMethods: ['client_secret_jwt'] })).toMatch(/^"authMethods" must be/);
    expect(problem({ authMethods: ['private_key_jwt', 'private_key_jwt'], jwks: { keys: [k1.jwk] } })).toMatch(/^"authMethods" must be/);
    expect(problem({ authMethods: ['private_key_jwt'] })).toBe('"authMethods" includes private_key_jwt, which needs "jwks" or "jwksUri"');
    expect(problem({ jwks: { keys: [k1.jwk] }, jwksUri: 'https://keys.example.com/c' })).toBe('"jwks" and "jwksUri" must not both be present');
    expect(problem({ jwks: [] })).toBe('"jwks" must be an object with a non-empty "keys" list');
    expect(problem({ jwks: { keys: [] } })).toBe('"jwks" must be an object with a non-empty "keys" list');
    expect(problem({ jwks: { keys: ['k'] } })).toBe('"jwks.keys[0]" must be a JWK object');
    expect(problem({ jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } })).toBe('"jwks.keys[0].kty" must be RSA, EC or OKP');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, d: 'private' }] } })).toBe('"jwks.keys[0]" must be a public key; it has the private member "d"');
    expect(problem({ jwks: { keys: [{ ...rsa, p: 'x', q: 'y' }] } })).toBe('"jwks.keys[0]" must be a public key; it has the private member "p"');
    expect(problem({ jwks: { keys: [{ ...rsa, n: '' }] } })).toBe('"jwks.keys[0].n" must be a non-empty string');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, y: undefined }] } })).toBe('"jwks.keys[0].y" must be a non-empty string');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, crv: 'P-384' }] } })).toBe('"jwks.keys[0].crv" must be P-256');
    expect(problem({ jwks: { keys: [{ kty: 'OKP', crv: 'X25519', x: 'AQAB' }] } })).toBe('"jwks.keys[0].crv" must be Ed25519');
    expect(problem({ jwks: { keys: [k1.jwk, { ...rsa, kid: 'k1' }] } })).toBe('"jwks.keys[1].kid" repeats the kid of another key');
    expect(problem({ jwks: { keys: [k1.jwk, { ...rsa, kid: undefined }] } })).toBe('"jwks.keys[1].kid" is required when there is more than one key');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, kid: 7 }] } })).toBe('"jwks.keys[0].kid" must be a non-empty string');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, alg: 'HS256' }] } })).toBe('"jwks.keys[0].alg" must be one of RS256, PS256, ES256, EdDSA');
    expect(problem({ jwks: { keys: [{ ...k1.jwk, use: 'enc' }] } })).toBe('"jwks.keys[0].use" must be "sig"');
    const uri = '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)';
    for (const jwksUri of ['keys.example.com/c', 'http://keys.example.com/c', 'https://u:p@keys.example.com/c', 'https://keys.example.com/c#k', 42]) {
      expect(problem({ jwksUri })).toBe(uri);
    }
  });
});

describe('private_key_jwt: the jti is used once, everywhere', () => {
  it('refuses an assertion sent a second time', async () => {
    const assertion = await signed(k1, 'jwt-client');
    await expectToken(await tokenWith(assertion), 'jwt-client');
    await expectRefused(() => tokenWith(assertion), 'the assertion jti has been used before');
    // Used at the token endpoint, it is used for introspection and revocation too.
    await expectRefused(() => post('/connect/introspect', assertion, { token: 'x' }), 'the assertion jti has been used before');
  });

  it('refuses it through another isolate too', async () => {
    const assertion = await signed(k1, 'jwt-client');
    await expectToken(await tokenWith(assertion), 'jwt-client');
    // Other bindings build other services, with caches of their own, as another isolate (or
    // another location) would: nothing of the first use is in memory there. Only the Durable
    // Object, one per client id wherever it is asked from, remembers the jti.
    const elsewhere: Bindings = { ...(env as Bindings), CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '301' };
    await expectRefused(() => tokenWith(assertion, {}, { bindings: elsewhere }), 'the assertion jti has been used before');
  });

  it('lets exactly one of concurrent uses through', async () => {
    const assertion = await signed(k1, 'jwt-client');
    const statuses = await Promise.all(Array.from({ length: 8 }, async () => (await tokenWith(assertion)).status));
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401, 401, 401, 401]);
  });

  it('refuses private_key_jwt with 503 when the ASSERTION_REPLAY binding is missing, rather than skip the check', async () => {
    const misconfigured: Bindings = { ...(env as Bindings), ASSERTION_REPLAY: undefined };
    const res = await tokenWith(await signed(k1, 'jwt-client'), {}, { bindings: misconfigured });
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      error: 'temporarily_unavailable',
      error_description: 'private_key_jwt client authentication is unavailable; try again later',
    });
    // Secrets are unaffected.
    expect((await tokenWith(undefined, {}, { bindings: misconfigured, headers: { Authorization: basic('client', SECRET) } })).status).toBe(200);
  });
});

describe('private_key_jwt: refused, always as the same invalid_client', () => {
  it('refuses a wrong aud', async () => {
    for (const aud of ['https://elsewhere.test/connect/token', `${ORIGIN}/connect/introspect`, [`${ORIGIN}/`], 42]) {
      await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { aud })), 'the assertion aud names neither the issuer nor the token endpoint');
    }
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { aud: undefined })), 'the assertion aud names neither the issuer nor the token endpoint');
  });

  it('refuses an assertion expired beyond the clock skew, and a missing exp', async () => {
    // GATEWAY_CLOCK_SKEW_SECONDS is 60 by default.
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { iat: now() - 200, exp: now() - 61 })), 'the assertion has expired');
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { exp: undefined })), 'the assertion has no exp');
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { exp: String(now() + 60) })), 'the assertion has no exp');
  });

  it('refuses an exp further ahead than CLIENT_ASSERTION_MAX_LIFETIME_SECONDS (plus the clock skew)', async () => {
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { exp: now() + 300 + 60 + 5 })), 'the assertion exp is more than 300 s ahead');
    const shorter: Bindings = { ...(env as Bindings), CLIENT_ASSERTION_MAX_LIFETIME_SECONDS: '30' };
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { exp: now() + 120 }), {}, { bindings: shorter }), 'the assertion exp is more than 30 s ahead');
  });

  it('refuses an nbf or iat in the future beyond the clock skew', async () => {
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { nbf: now() + 120 })), 'the assertion is not valid yet (nbf)');
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { iat: now() + 120 })), 'the assertion is issued in the future (iat)');
  });

  it('refuses an assertion without a jti', async () => {
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { jti: undefined })), 'the assertion has no jti');
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { jti: '' })), 'the assertion has no jti');
  });

  it('refuses alg none, and an HMAC keyed with the registered public key', async () => {
    await expectRefused(() => tokenWith(crafted({ alg: 'none' }, assertionClaims('jwt-client'))), 'the assertion alg is not accepted');
    const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(k1.jwk));
    for (const alg of ['HS256', 'HS512']) {
      const hmac = await new SignJWT(assertionClaims('jwt-client')).setProtectedHeader({ alg, kid: 'k1' }).sign(publicKeyAsSecret);
      await expectRefused(() => tokenWith(hmac), 'the assertion alg is not accepted');
    }
  });

  it('refuses an assertion signed by a key that is not registered', async () => {
    const impostor = await clientKey('k1');
    await expectRefused(async () => tokenWith(await signed(impostor, 'jwt-client')), 'the assertion signature does not verify');
    const unknown = await clientKey('k9');
    await expectRefused(async () => tokenWith(await signed(unknown, 'jwt-client')), 'no registered key matches the assertion kid and alg');
    // The registered key's kid under another algorithm.
    const rsa = await clientKey('k1', 'RS256');
    await expectRefused(async () => tokenWith(await signed(rsa, 'jwt-client')), 'no registered key matches the assertion kid and alg');
  });

  it('refuses iss other than sub, and either other than the client', async () => {
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { iss: 'client' })), 'the assertion iss is not the client id');
    await expectRefused(async () => tokenWith(await signed(k1, 'jwt-client', { sub: undefined })), 'the assertion sub is not the client id');
  });

  it('answers invalid_request when client_id in the body names another client (RFC 7523 §3)', async () => {
    const res = await tokenWith(await signed(k1, 'jwt-client'), { client_id: 'client' });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: 'client_id in the body differs from the authenticated client' });
  });

  it('refuses a client registered for keys that presents a secret, by either secret method', async () => {
    await expectRefused(
      () => tokenWith(undefined, {}, { headers: { Authorization: basic('jwt-client', SECRET) } }),
      'the client may not use client_secret_basic',
      'Basic realm="gatehouse", charset="UTF-8"',
    );
    await expectRefused(() => tokenWith(undefined, { client_id: 'jwt-client', client_secret: SECRET }), 'the client may not use client_secret_post');
    await expectRefused(() => post('/connect/introspect', undefined, { client_id: 'jwt-client', client_secret: SECRET, token: 'x' }), 'the client may not use client_secret_post');
  });

  it('refuses an assertion from a client not allowed private_key_jwt, unknown, or disabled', async () => {
    // The article's client has secrets only (no authMethods: the two secret methods).
    await expectRefused(async () => tokenWith(await signed(k1, 'client')), 'the client may not use private_key_jwt');
    await expectRefused(async () => post('/connect/introspect', await signed(k1, 'client'), { token: 'x' }), 'the client may not use private_key_jwt');
    await expectRefused(async () => tokenWith(await signed(k1, 'nobody')), 'unknown client');
    await put('client:off', clientRecord({ clientId: 'off', enabled: false, authMethods: ['private_key_jwt'], jwks: { keys: [k1.jwk] } }));
    await expectRefused(async () => tokenWith(await signed(k1, 'off')), 'client disabled');
  });

  it('refuses what is not a signed JWT', async () => {
    for (const junk of ['x', 'a.b.c', `${base64url.encode('{"alg":"ES256"}')}.bm90IGpzb24.`]) {
      await expectRefused(() => tokenWith(junk, { client_id: 'jwt-client' }), 'the assertion is not a signed JWT');
    }
  });

  it('counts failures in the failed-authentication limits', async () => {
    const address = '203.0.113.77';
    for (let i = 0; i < loadConfig(env as Bindings).authFailures.perClientIp; i++) {
      const res = await tokenWith(await signed(k1, 'jwt-client', { aud: 'https://elsewhere.test' }), {}, { headers: { 'CF-Connecting-IP': address } });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    const refused = await tokenWith(await signed(k1, 'jwt-client'), {}, { headers: { 'CF-Connecting-IP': address } });
    expect(refused.status).toBe(429);
    expect(await refused.json()).toEqual({ error: 'too_many_requests', error_description: 'too many failed authentication attempts; try again later' });
  });
});

describe('private_key_jwt: malformed requests (RFC 7521 §4.2)', () => {
  async function expectInvalidRequest(res: Response, description: string) {
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: 'invalid_request', error_description: description });
  }

  it('answers invalid_request for a client_assertion of another or no type, or a type without an assertion', async () => {
    const assertion = await signed(k1, 'jwt-client');
    const wrongType = `client_assertion_type must be "${JWT_BEARER_ASSERTION}"`;
    await expectInvalidRequest(await tokenWith(undefined, { client_assertion: assertion }), wrongType);
    await expectInvalidRequest(await tokenWith(undefined, { client_assertion: assertion, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:saml2-bearer' }), wrongType);
    await expectInvalidRequest(await tokenWith(undefined, { client_assertion_type: JWT_BEARER_ASSERTION }), 'client_assertion is required with client_assertion_type');
  });

  it('answers invalid_request for an assertion beside a secret', async () => {
    const assertion = await signed(k1, 'jwt-client');
    const twice = 'use exactly one client authentication method';
    await expectInvalidRequest(await tokenWith(assertion, { client_secret: SECRET }), twice);
    await expectInvalidRequest(await tokenWith(assertion, {}, { headers: { Authorization: basic('jwt-client', SECRET) } }), twice);
  });
});

describe('private_key_jwt with a jwks_uri', () => {
  it('fetches the key set once, refetches once for an unknown kid, and not again within GATEWAY_JWKS_REFRESH_SECONDS', async () => {
    const [u1, u2, u3] = [await clientKey('u1'), await clientKey('u2', 'RS256'), await clientKey('u3')];
    await clientKeysControl('rolling', { jwks: { keys: [u1.jwk] } });
    await put('client:rolling', clientRecord({ clientId: 'rolling', authMethods: ['private_key_jwt'], jwksUri: 'https://client-keys.test/rolling' }));
    // Services of their own, so that the key set starts unfetched and refetches may follow each other within 1 s.
    const bindings: Bindings = { ...(env as Bindings), GATEWAY_JWKS_REFRESH_SECONDS: '1' };

    await expectToken(await tokenWith(await signed(u1, 'rolling'), {}, { bindings }), 'rolling');
    await expectToken(await tokenWith(await signed(u1, 'rolling'), {}, { bindings }), 'rolling');
    expect(await clientKeysControl('rolling')).toEqual({ hits: 1, status: 200 });

    // The client rolls over to u2; a kid the isolate has not seen triggers one refetch.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await clientKeysControl('rolling', { jwks: { keys: [u1.jwk, u2.jwk] } });
    await expectToken(await tokenWith(await signed(u2, 'rolling'), {}, { bindings }), 'rolling');
    expect(await clientKeysControl('rolling')).toEqual({ hits: 2, status: 200 });

    // Another unknown kid within the interval: no fetch, refused.
    await expectRefused(async () => tokenWith(await signed(u3, 'rolling'), {}, { bindings }), 'no registered key matches the assertion kid and alg');
    expect(await clientKeysControl('rolling')).toEqual({ hits: 2, status: 200 });
  });

  it('refuses when the key set cannot be fetched, and says why in the log', async () => {
    const key = await clientKey('d1');
    await clientKeysControl('down', { jwks: { keys: [key.jwk] }, status: 503 });
    await put('client:down', clientRecord({ clientId: 'down', authMethods: ['private_key_jwt'], jwksUri: 'https://client-keys.test/down' }));
    await expectRefused(
      async () => tokenWith(await signed(key, 'down')),
      'keys at https://client-keys.test/down: never fetched; last fetch: https://client-keys.test/down answered 503',
    );
  });
});

describe('private_key_jwt under random mutation', () => {
  type Mutation =
    | { kind: 'claim'; name: string; value: unknown }
    | { kind: 'header'; name: string; value: unknown }
    | { kind: 'signature'; byte: number; bit: number };

  const t = () => now();
  // Values that make each claim wrong, whatever the clock reads during the run.
  const badClaim = fc.oneof(
    fc.record({ kind: fc.constant('claim' as const), name: fc.constantFrom('iss', 'sub'), value: fc.oneof(fc.constant(undefined), fc.string().filter((s) => s !== 'jwt-client'), fc.integer()) }),
    fc.record({ kind: fc.constant('claim' as const), name: fc.constant('aud'), value: fc.oneof(fc.constant(undefined), fc.webUrl(), fc.constant(`${ORIGIN}/connect/token/`), fc.array(fc.webUrl(), { maxLength: 3 })) }),
    fc.record({ kind: fc.constant('claim' as const), name: fc.constant('exp'), value: fc.oneof(fc.constant(undefined), fc.integer({ min: -1e9, max: -62 }).map((d) => t() + d), fc.integer({ min: 366, max: 1e9 }).map((d) => t() + d), fc.string()) }),
    fc.record({ kind: fc.constant('claim' as const), name: fc.constantFrom('nbf', 'iat'), value: fc.oneof(fc.integer({ min: 62, max: 1e9 }).map((d) => t() + d), fc.string(), fc.constant(null)) }),
    fc.record({ kind: fc.constant('claim' as const), name: fc.constant('jti'), value: fc.oneof(fc.constant(undefined), fc.constant(''), fc.integer(), fc.constant(null)) }),
  );
  const badHeader = fc.oneof(
    fc.record({ kind: fc.constant('header' as const), name: fc.constant('alg'), value: fc.constantFrom('none', 'HS256', 'RS256', 'PS256', 'EdDSA', 'ES384', 'ES512', undefined) }),
    fc.record({ kind: fc.constant('header' as const), name: fc.constant('kid'), value: fc.oneof(fc.string().filter((s) => s !== 'k1'), fc.integer()) }),
    fc.record({ kind: fc.constant('header' as const), name: fc.constant('crit'), value: fc.constantFrom(['b64'], ['exp'], []) }),
  );
  const badSignature = fc.record({ kind: fc.constant('signature' as const), byte: fc.nat({ max: 63 }), bit: fc.nat({ max: 7 }) });
  const mutation: fc.Arbitrary<Mutation | undefined> = fc.option(fc.oneof(badClaim, badHeader, badSignature), { freq: 4, nil: undefined });

  /** A fresh valid assertion, mutated: claims are signed again (only the claim is wrong); header and signature are not. */
  async function mutated(m: Mutation | undefined): Promise<string> {
    if (m?.kind === 'claim') return signed(k1, 'jwt-client', { [m.name]: m.value });
    const valid = await signed(k1, 'jwt-client');
    if (!m) return valid;
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    if (m.kind === 'header') {
      const fields: Record<string, unknown> = { ...JSON.parse(new TextDecoder().decode(base64url.decode(header))), [m.name]: m.value };
      if (m.value === undefined) delete fields[m.name];
      return `${base64url.encode(JSON.stringify(fields))}.${payload}.${signature}`;
    }
    const bytes = base64url.decode(signature);
    bytes[m.byte] = bytes[m.byte]! ^ (1 << m.bit);
    return `${header}.${payload}.${base64url.encode(bytes)}`;
  }

  it('authenticates the valid assertion and nothing else', { timeout: 120_000 }, async () => {
    const logs = vi.spyOn(console, 'warn').mockImplementation(() => {});
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        const res = await tokenWith(await mutated(m));
        if (m === undefined) {
          expect(res.status).toBe(200);
          await res.body?.cancel();
        } else {
          expect(res.status).toBe(401);
          expect(await res.json()).toEqual(INVALID_CLIENT);
        }
      }),
      { numRuns: 300 },
    );
    logs.mockRestore();
  });
});
