import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { fromIdentityServer, isIdentityServerConfig } from '../../src/admin/identityserver';
import example from '../../examples/identityserver.json';
import { ORIGIN, SECRET_HASH, tokenRequest } from '../helpers/fixtures';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';
import { CERTIFICATE_BASE64, CERTIFICATE_JWK } from './certificate';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});

describe('fromIdentityServer', () => {
  it('converts clients, secrets, claims, API scopes and API resources', async () => {
    expect(isIdentityServerConfig(example)).toBe(true);
    expect(isIdentityServerConfig({ clients: [{ clientId: 'x', secrets: [] }] })).toBe(false);
    const { bundle, warnings } = await fromIdentityServer(example);
    expect(warnings).toEqual([]);
    expect(bundle).toEqual({
      scopes: [
        { name: 'orders.read', displayName: 'Read orders' },
        { name: 'orders.write', displayName: 'Change orders' },
      ],
      resources: [
        { name: 'orders', displayName: 'Orders API', scopes: ['orders.read', 'orders.write'], secrets: [{ hash: SECRET_HASH, description: 'introspection' }] },
      ],
      clients: [
        {
          clientId: 'billing',
          name: 'Billing service',
          enabled: true,
          secrets: [
            { hash: SECRET_HASH, description: '"secret".Sha256()' },
            { hash: 'XYZd6uBvvTT+nOhI8+X8Q2jy9hKxiu9H8p8hZFY6AUA=', expires: '2020-01-01T00:00:00Z' },
          ],
          allowedGrantTypes: ['client_credentials'],
          allowedScopes: ['orders.read'],
          accessTokenLifetime: 1800,
          claims: { tenant: 'acme', role: ['reader', 'auditor'] },
          claimsPrefix: 'client_',
        },
      ],
    });
  });

  it('matches names without regard to case, takes IdentityServer 4.0-style scope objects, and warns about what it leaves out', async () => {
    const { bundle, warnings } = await fromIdentityServer({
      apiResources: [{ name: 'legacy', scopes: [{ name: 'legacy.api', displayName: 'Legacy' }] }],
      clients: [{ clientId: 'c', clientSecrets: [{ type: 'X509Thumbprint', value: 'AB12' }], allowedGrantTypes: 'client_credentials', accessTokenType: 1, clientClaimsPrefix: null }],
      identityResources: [{ name: 'openid' }],
    });
    expect(bundle.scopes).toEqual([{ name: 'legacy.api', displayName: 'Legacy' }]);
    expect(bundle.clients).toEqual([{ clientId: 'c', secrets: [], allowedGrantTypes: ['client_credentials'], allowedScopes: [], claimsPrefix: '' }]);
    expect(warnings).toEqual([
      'Clients[0] (c) asks for reference tokens; Gatehouse issues JWT access tokens',
      "Clients[0].ClientSecrets[0] is a X509Thumbprint secret, which Gatehouse does not use; left out",
      'IdentityResources are left out: Gatehouse has no interactive sign-in',
    ]);
  });

  it('refuses a plain secret, naming where it is', async () => {
    await expect(fromIdentityServer({ Clients: [{ ClientId: 'c', ClientSecrets: [{ Value: 'secret' }] }] })).rejects.toThrow(
      `Clients[0].ClientSecrets[0].Value is not a base64 SHA-256 or SHA-512 hash (IdentityServer's "secret".Sha256()); plain secrets are not imported`,
    );
  });

  it('turns JsonWebKey and X509CertificateBase64 secrets into keys: private_key_jwt only without a shared secret', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk = await exportJWK(publicKey);
    const { bundle, warnings } = await fromIdentityServer({
      Clients: [
        {
          ClientId: 'signer',
          ClientSecrets: [
            { Type: 'JsonWebKey', Value: JSON.stringify({ ...jwk, kid: 'rsa1', alg: 'RS256' }) },
            { Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64, Description: 'partner certificate' },
          ],
          AllowedGrantTypes: ['client_credentials'],
        },
        {
          ClientId: 'both',
          ClientSecrets: [{ Value: SECRET_HASH }, { Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64 }, { Type: 'X509Name', Value: 'CN=both' }],
        },
      ],
    });
    expect(bundle.clients).toEqual([
      {
        clientId: 'signer',
        secrets: [],
        authMethods: ['private_key_jwt'],
        jwks: { keys: [{ kty: 'RSA', n: jwk.n, e: 'AQAB', kid: 'rsa1', alg: 'RS256' }, CERTIFICATE_JWK] },
        allowedGrantTypes: ['client_credentials'],
        allowedScopes: [],
      },
      {
        clientId: 'both',
        secrets: [{ hash: SECRET_HASH }],
        // IdentityServer lets a client with both kinds of secret use either.
        authMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
        jwks: { keys: [CERTIFICATE_JWK] },
        allowedGrantTypes: [],
        allowedScopes: [],
      },
    ]);
    expect(warnings).toEqual(['Clients[1].ClientSecrets[2] is a X509Name secret, which Gatehouse does not use; left out']);
  });

  it('leaves out an expired key, reports a future Expiration, and leaves out key secrets of API resources', async () => {
    const { bundle, warnings } = await fromIdentityServer({
      ApiResources: [{ Name: 'api', ApiSecrets: [{ Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64 }] }],
      Clients: [
        {
          ClientId: 'c',
          ClientSecrets: [
            { Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64, Expiration: '2020-01-01T00:00:00Z' },
            { Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64, Expiration: '2999-01-01T00:00:00Z' },
          ],
        },
      ],
    });
    expect(bundle.resources).toEqual([{ name: 'api', scopes: [], secrets: [] }]);
    expect(bundle.clients[0]).toMatchObject({ authMethods: ['private_key_jwt'], jwks: { keys: [CERTIFICATE_JWK] } });
    expect(warnings).toEqual([
      'ApiResources[0].ApiSecrets[0] is a X509CertificateBase64 secret, which Gatehouse does not use for an API resource; left out',
      'Clients[0].ClientSecrets[0] is a key that expired at 2020-01-01T00:00:00Z; left out',
      'Clients[0].ClientSecrets[1] is a key with an Expiration, which Gatehouse does not keep: remove the key when it should stop working',
    ]);
  });

  it.each([
    [{ Type: 'JsonWebKey', Value: '{"kty":' }, 'Clients[0].ClientSecrets[0].Value: not a JWK in JSON'],
    [{ Type: 'JsonWebKey', Value: JSON.stringify({ kty: 'oct', k: 'c2VjcmV0' }) },
      'Clients[0].ClientSecrets[0].Value: a symmetric key (kty "oct") cannot be a client key: it would be a shared secret; give a public key'],
    [{ Type: 'X509CertificateBase64', Value: '-----BEGIN PUBLIC KEY-----' }, 'Clients[0].ClientSecrets[0].Value: not a base64 DER certificate'],
    [{ Type: 'X509CertificateBase64', Value: 'AAAA' }, 'Clients[0].ClientSecrets[0].Value: the certificate cannot be read, or its key is not RSA, EC on P-256, or Ed25519'],
    [{ Type: 'X509CertificateBase64', Value: 42 }, 'Clients[0].ClientSecrets[0].Value must be a string'],
  ])('refuses the key secret %j, naming where it is', async (secret, message) => {
    await expect(fromIdentityServer({ Clients: [{ ClientId: 'c', ClientSecrets: [secret] }] })).rejects.toThrow(message);
  });

  it('refuses a private JWK without quoting it', async () => {
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    const jwk = await exportJWK(privateKey);
    const refused = fromIdentityServer({ Clients: [{ ClientId: 'c', ClientSecrets: [{ Type: 'JsonWebKey', Value: JSON.stringify(jwk) }] }] });
    await expect(refused).rejects.toThrow('Clients[0].ClientSecrets[0].Value: the JWK is a private key (it has "d"); give only its public part');
    await expect(refused).rejects.not.toThrow(jwk.d!);
    // A private key in PEM is no certificate either.
    const pem = (await exportPKCS8(privateKey)).replace(/-----[A-Z ]+-----|\s/g, '');
    await expect(fromIdentityServer({ Clients: [{ ClientId: 'c', ClientSecrets: [{ Type: 'X509CertificateBase64', Value: pem }] }] })).rejects.toThrow(
      'Clients[0].ClientSecrets[0].Value: the certificate cannot be read, or its key is not RSA, EC on P-256, or Ed25519',
    );
  });
});

describe('POST /admin/import', () => {
  it('imports an IdentityServer configuration; the imported client then gets a token with its old secret', async () => {
    const res = await admin('POST', '/import', token, (await fromIdentityServer(example)).bundle);
    expect(await expectJson(res)).toEqual({
      created: { scopes: ['orders.read', 'orders.write'], resources: ['orders'], clients: ['billing'] },
      replaced: { scopes: [], resources: [], clients: [] },
      warnings: [],
    });
    const tokenRes = await tokenRequest({ grant_type: 'client_credentials', client_id: 'billing', client_secret: 'secret' });
    expect(tokenRes.status).toBe(200);
    const body = (await tokenRes.json()) as { access_token: string; expires_in: number; scope: string };
    expect(body).toMatchObject({ expires_in: 1800, scope: 'orders.read' });
    const payload = JSON.parse(atob(body.access_token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
    expect(payload).toMatchObject({ iss: ORIGIN, aud: 'orders', client_id: 'billing', client_tenant: 'acme', client_role: ['reader', 'auditor'] });
    // The expired secret is kept (for the record) but does not authenticate.
    expect((await tokenRequest({ grant_type: 'client_credentials', client_id: 'billing', client_secret: 'old-secret' })).status).toBe(401);
    const secrets = (await expectJson<{ secrets: Array<{ id: string }> }>(await admin('GET', '/clients/billing/secrets', token))).secrets;
    expect(secrets.map((s) => s.id)).toEqual([expect.stringMatching(/^[A-Za-z0-9_-]{11}$/), expect.stringMatching(/^[A-Za-z0-9_-]{11}$/)]);
  });

  it('refuses records that exist (409) and writes nothing; replaces them with overwrite=true', async () => {
    const bundle = { scopes: [{ name: 'fresh' }, { name: 'api1', displayName: 'Renamed' }] };
    await expectError(await admin('POST', '/import', token, bundle), 409, 'conflict',
      'already present: scope:api1; nothing was imported (import with overwrite to replace them)');
    expect(await env.GATEHOUSE.get('scope:fresh')).toBeNull();
    expect(await expectJson(await admin('POST', '/import?overwrite=true', token, bundle))).toEqual({
      created: { scopes: ['fresh'], resources: [], clients: [] },
      replaced: { scopes: ['api1'], resources: [], clients: [] },
      warnings: [],
    });
    expect(await env.GATEHOUSE.get('scope:api1', 'json')).toEqual({ name: 'api1', displayName: 'Renamed', enabled: true });
  });

  it("starts a new client's tokens now; a replaced client keeps its tokensNotBefore, unless the bundle's is later", async () => {
    const clientOf = (clientId: string, extra: Record<string, unknown> = {}) => ({ clientId, secrets: [{ hash: SECRET_HASH }], allowedScopes: ['api1'], ...extra });
    await env.GATEHOUSE.put('client:client', JSON.stringify({ ...clientOf('client'), tokensNotBefore: 1_900_000_000 }));
    const before = Math.floor(Date.now() / 1000);
    const res = await admin('POST', '/import?overwrite=true', token, {
      scopes: [{ name: 'ops', explicitOnly: true }],
      clients: [clientOf('fresh'), clientOf('client'), clientOf('gatehouse-admin', { allowedScopes: ['gatehouse.admin'] }), clientOf('later', { tokensNotBefore: 4_000_000_000 })],
    });
    expect((await expectJson(res)).created).toEqual({ scopes: ['ops'], resources: [], clients: ['fresh', 'later'] });
    const stored = async (id: string) => ((await env.GATEHOUSE.get(`client:${id}`, 'json')) as { tokensNotBefore?: number }).tokensNotBefore;
    const fresh = await stored('fresh');
    expect(fresh).toBeGreaterThanOrEqual(before);
    expect(fresh).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(await stored('client')).toBe(1_900_000_000);
    // Written before tokensNotBefore existed: replacing it changes nothing about its tokens.
    expect(await stored('gatehouse-admin')).toBeUndefined();
    expect(await stored('later')).toBe(4_000_000_000);
    expect(await env.GATEHOUSE.get('scope:ops', 'json')).toEqual({ name: 'ops', enabled: true, explicitOnly: true });
  });

  it('imports a client whose certificate became its key; its keys are listed with the certificate key', async () => {
    const { bundle } = await fromIdentityServer({ Clients: [{ ClientId: 'signer', ClientSecrets: [{ Type: 'X509CertificateBase64', Value: CERTIFICATE_BASE64 }] }] });
    expect((await expectJson(await admin('POST', '/import', token, bundle))).created).toEqual({ scopes: [], resources: [], clients: ['signer'] });
    expect(await expectJson(await admin('GET', '/clients/signer/keys', token))).toEqual({
      jwksUri: null,
      keys: [{ kid: CERTIFICATE_JWK.kid, kty: 'EC', alg: null, thumbprint: await calculateJwkThumbprint(CERTIFICATE_JWK) }],
    });
    expect(await expectJson(await admin('GET', '/clients/signer', token))).toMatchObject({ authMethods: ['private_key_jwt'], keyIds: [CERTIFICATE_JWK.kid], secrets: [] });
  });

  it('keeps resource uris, refusing one two resources would share', async () => {
    await expectJson(await admin('PATCH', '/resources/api1', token, { uri: 'https://api1.example/' }));
    await expectError(await admin('POST', '/import', token, { resources: [{ name: 'r', uri: 'https://api1.example/' }] }), 409, 'conflict',
      'API resource "api1" already has the uri of "r"; nothing was imported');
    await expectError(await admin('POST', '/import', token, { resources: [{ name: 'a', uri: 'https://x.example/' }, { name: 'b', uri: 'https://x.example/' }] }), 400,
      'invalid_request', 'resources[1]: "uri" is also the uri of API resource "a"');
    expect(await env.GATEHOUSE.get('resource:r')).toBeNull();
    // Replacing the holder frees its uri.
    const moved = await admin('POST', '/import?overwrite=true', token, {
      resources: [{ name: 'api1', scopes: ['api1'] }, { name: 'r', uri: 'https://api1.example/' }],
    });
    expect((await expectJson(moved)).created).toEqual({ scopes: [], resources: ['r'], clients: [] });
    expect(await expectJson(await admin('GET', '/resources/r', token))).toMatchObject({ uri: 'https://api1.example/' });
    expect(await expectJson(await admin('GET', '/resources/api1', token))).toMatchObject({ uri: null });
  });

  it('warns about unknown scopes and unserved grant types', async () => {
    const res = await admin('POST', '/import', token, {
      resources: [{ name: 'r', scopes: ['ghost'] }],
      clients: [{ clientId: 'web', allowedGrantTypes: ['authorization_code'], allowedScopes: ['openid'] }],
    });
    expect((await expectJson(res)).warnings).toEqual([
      'API resource "r" names the unknown API scope "ghost"',
      'client "web" is allowed unknown scope(s) it cannot be granted: openid',
      'client "web" has grant type(s) Gatehouse does not serve: authorization_code',
    ]);
  });

  it.each([
    [{ clients: [{ clientId: 'x', accessTokenLifetime: -1 }] }, 'clients[0]: "accessTokenLifetime" must be a whole number of seconds from 1 to 2592000'],
    [{ clients: [{ clientId: 'x', secrets: [{ hash: 'plain' }] }] }, 'clients[0]: "secrets[0].hash" must be a base64 SHA-256 or SHA-512 hash'],
    [{ scopes: [{ name: 'a' }, { name: 'a' }] }, 'scopes[1]: "a" appears more than once'],
    [{ scopes: [{ name: 'a b' }] }, `scopes[0]: "name" must be 1 to 200 printable ASCII characters without spaces, '"' or '\\'`],
    [{ scopes: {} }, '"scopes" must be a list'],
    [{ Clients: [] }, 'unknown field "Clients"'],
    [{ scopes: Array.from({ length: 301 }, (_, i) => ({ name: `s${i}` })) }, 'an import holds at most 300 records; split it'],
  ])('refuses %j with 400', async (bundle, description) => {
    await expectError(await admin('POST', '/import', token, bundle), 400, 'invalid_request', description);
  });

  it('refuses a bad overwrite parameter and another method', async () => {
    await expectError(await admin('POST', '/import?overwrite=yes', token, {}), 400, 'invalid_request', 'overwrite must be true or false');
    expect((await admin('GET', '/import', token)).headers.get('Allow')).toBe('POST');
  });
});
