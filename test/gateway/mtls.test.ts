import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { createLocalJWKSet, type JWK } from 'jose';
import { accessTokenHash } from '../../src/core/dpop';
import { app } from '../../src/index';
import { createAssertionVerifier } from '../../src/origin/verify-assertion';
import { client as clientCert, other, selfSigned } from '../fixtures/mtls/certificates';
import { claimsOf, clientRecord, ORIGIN, put, SECRET, seedArticle } from '../helpers/fixtures';
import { issuedToken, newProbe, originSaw, type Echo } from '../helpers/gateway';
import { dpopKey, dpopProof } from '../helpers/dpop';
import { callOverMtls, formOverMtls, NOT_PRESENTED, presented } from '../helpers/mtls';

const METADATA = `${ORIGIN}/.well-known/oauth-protected-resource/api`;
const NONE = 'the token is bound to a client certificate (cnf x5t#S256) and the request presented none';
const ANOTHER = "the request's client certificate is not the one the token is bound to (cnf x5t#S256)";

beforeEach(async () => {
  await seedArticle();
  // A client that authenticates with its certificate and has its tokens bound to it (RFC 8705 §3.4).
  await put(
    'client:bound',
    clientRecord({
      clientId: 'bound',
      secrets: [],
      authMethods: ['tls_client_auth'],
      tlsClientAuthSubjectDn: clientCert.subjectDnRfc2253,
      tlsClientCertificateBoundAccessTokens: true,
    }),
  );
});

/** A token for `bound`, requested over a connection with `tls`. */
function boundTokenRequest(tls: Record<string, unknown> | undefined) {
  return formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'bound', scope: 'api1' }, tls);
}

async function boundToken(): Promise<string> {
  const res = await boundTokenRequest(presented(clientCert));
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Calls the gateway with a bearer token over a connection with `tls`. */
function gatewayCall(token: string, path: string, tls: Record<string, unknown> | undefined) {
  return callOverMtls(path, { headers: { Authorization: `Bearer ${token}` } }, tls);
}

async function expectRefused(res: Response, description: string) {
  expect(res.status).toBe(401);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  // RFC 6750 §3.1: the token is unusable as presented.
  expect(res.headers.get('WWW-Authenticate')).toBe(
    `Bearer realm="gatehouse", error="invalid_token", error_description="${description}", resource_metadata="${METADATA}"`,
  );
  expect(await res.json()).toEqual({ error: 'invalid_token', error_description: description });
}

describe('certificate-bound tokens at the token endpoint (RFC 8705 §3)', () => {
  it('binds the token to the certificate: cnf x5t#S256 of the DER, token_type Bearer', async () => {
    const res = await boundTokenRequest(presented(clientCert));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');
    // Computed by openssl from the DER (scripts/mtls-test-certificates.sh), not from the hex fingerprint.
    expect(claimsOf(body.access_token).cnf).toEqual({ 'x5t#S256': clientCert.x5tS256 });
  });

  it('binds with any authentication method: a secret over a connection with a certificate', async () => {
    await put('client:client', clientRecord({ tlsClientCertificateBoundAccessTokens: true }));
    const res = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET }, presented(other));
    expect(res.status).toBe(200);
    expect(claimsOf(((await res.json()) as { access_token: string }).access_token).cnf).toEqual({ 'x5t#S256': other.x5tS256 });
  });

  it('refuses a binding client without a certificate: invalid_grant', async () => {
    await put('client:client', clientRecord({ tlsClientCertificateBoundAccessTokens: true }));
    const res = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET }, NOT_PRESENTED);
    expect(res.status).toBe(400);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({
      error: 'invalid_grant',
      error_description: "this client's tokens are bound to its client certificate, and the request presented none",
    });
  });

  it('does not bind the tokens of a client that did not ask for it, certificate or not', async () => {
    const res = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET }, presented(other));
    expect(claimsOf(((await res.json()) as { access_token: string }).access_token)).not.toHaveProperty('cnf');
  });
});

describe('certificate-bound tokens at the gateway (RFC 8705 §3)', () => {
  it('passes with the same certificate; the origin is called', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const res = await gatewayCall(token, `/api/x?probe=${probe}`, presented(clientCert));
    expect(res.status).toBe(200);
    expect(await originSaw(probe)).toBe(true);
  });

  it('refuses it without a certificate (on a hostname with mTLS, or without), and never calls the origin', async () => {
    const token = await boundToken();
    for (const tls of [NOT_PRESENTED, undefined]) {
      const probe = newProbe();
      await expectRefused(await gatewayCall(token, `/api/x?probe=${probe}`, tls), NONE);
      expect(await originSaw(probe)).toBe(false);
    }
  });

  it('refuses it with another certificate, even one whose hex fingerprint claims to be the bound one', async () => {
    const token = await boundToken();
    const probe = newProbe();
    await expectRefused(await gatewayCall(token, `/api/x?probe=${probe}`, presented(other)), ANOTHER);
    await expectRefused(await gatewayCall(token, '/api/x', presented(other, { certFingerprintSHA256: clientCert.fingerprintSha256 })), ANOTHER);
    await expectRefused(await gatewayCall(token, '/api/x', presented(selfSigned)), ANOTHER);
    expect(await originSaw(probe)).toBe(false);
  });

  it('refuses it with the same certificate once revoked', async () => {
    const token = await boundToken();
    await expectRefused(await gatewayCall(token, '/api/x', presented(clientCert, { certRevoked: '1' })), NONE);
  });

  it('passes a bearer token without cnf, with or without a certificate', async () => {
    const token = await issuedToken();
    expect((await gatewayCall(token, '/api/x', undefined)).status).toBe(200);
    expect((await gatewayCall(token, '/api/x', presented(other))).status).toBe(200);
  });

  it('shows the origin the binding: cnf in the assertion, confirmation from the shipped verifier', async () => {
    const token = await boundToken();
    const res = await gatewayCall(token, '/api/echo', presented(clientCert));
    const echo = (await res.json()) as Echo;
    expect(claimsOf(echo.headers['gatehouse-assertion']!).cnf).toEqual({ 'x5t#S256': clientCert.x5tS256 });
    const jwks = (await (await app.request('/.well-known/openid-configuration/jwks', {}, env)).json()) as { keys: JWK[] };
    const verify = createAssertionVerifier({ issuer: ORIGIN, audience: 'https://origin.test', keys: createLocalJWKSet(jwks) });
    const caller = await verify(new Request(echo.url, { method: echo.method, headers: echo.headers }));
    expect(caller.confirmation).toEqual({ 'x5t#S256': clientCert.x5tS256 });
  });
});

describe('a token bound to both a DPoP key and a certificate', () => {
  it('carries both in cnf, is presented as DPoP, and needs the certificate too', async () => {
    await put('client:client', clientRecord({ tlsClientCertificateBoundAccessTokens: true }));
    const key = await dpopKey();
    const proof = await dpopProof(key, { htm: 'POST', htu: `${ORIGIN}/connect/token` });
    const res = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' }, presented(clientCert), { DPoP: proof });
    const body = (await res.json()) as { access_token: string; token_type: string };
    expect(body.token_type).toBe('DPoP');
    expect(claimsOf(body.access_token).cnf).toEqual({ jkt: key.jkt, 'x5t#S256': clientCert.x5tS256 });

    const call = async (tls: Record<string, unknown> | undefined) => {
      const headers = { Authorization: `DPoP ${body.access_token}`, DPoP: await dpopProof(key, { htm: 'GET', htu: `${ORIGIN}/api/x` }, { ath: await accessTokenHash(body.access_token) }) };
      return callOverMtls('/api/x', { headers }, tls);
    };
    expect((await call(presented(clientCert))).status).toBe(200);
    const refused = await call(presented(other));
    expect(refused.status).toBe(401);
    expect(refused.headers.get('WWW-Authenticate')).toBe(
      `DPoP algs="ES256 EdDSA RS256 PS256", error="invalid_token", error_description="${ANOTHER}", resource_metadata="${METADATA}"`,
    );
  });
});

describe('certificate-bound tokens elsewhere', () => {
  it('introspection reports cnf (RFC 7662 §2.2, RFC 8705 §3.2)', async () => {
    const token = await boundToken();
    const res = await formOverMtls('/connect/introspect', { client_id: 'bound', token }, presented(clientCert));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: true, client_id: 'bound', cnf: { 'x5t#S256': clientCert.x5tS256 } });
  });

  it('discovery says tokens can be bound, and where the mTLS endpoints are (RFC 8705 §3.3, §5)', async () => {
    const body = (await (await app.request('/.well-known/openid-configuration', {}, env)).json()) as Record<string, unknown>;
    expect(body.tls_client_certificate_bound_access_tokens).toBe(true);
    expect(body.mtls_endpoint_aliases).toEqual({
      token_endpoint: 'http://localhost/connect/token',
      introspection_endpoint: 'http://localhost/connect/introspect',
      revocation_endpoint: 'http://localhost/connect/revocation',
    });
    const res = await app.request('/.well-known/openid-configuration', {}, { ...env, ISSUER: 'https://auth.example.com', MTLS_ENDPOINT_ORIGIN: 'https://mtls.auth.example.com' });
    const aliased = (await res.json()) as Record<string, unknown>;
    expect(aliased.token_endpoint).toBe('https://auth.example.com/connect/token');
    expect(aliased.mtls_endpoint_aliases).toEqual({
      token_endpoint: 'https://mtls.auth.example.com/connect/token',
      introspection_endpoint: 'https://mtls.auth.example.com/connect/introspect',
      revocation_endpoint: 'https://mtls.auth.example.com/connect/revocation',
    });
  });
});
