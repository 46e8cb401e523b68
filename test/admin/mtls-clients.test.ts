import { env } from 'cloudflare:workers';
import { beforeEach, describe, expect, it } from 'vitest';
import { client as clientCert, selfSigned } from '../fixtures/mtls/certificates';
import { admin, adminToken, expectError, expectJson, seedAdmin } from '../helpers/admin';
import { formOverMtls, presented } from '../helpers/mtls';

let token: string;

beforeEach(async () => {
  await seedAdmin();
  token = await adminToken();
});

const stored = (clientId: string) => env.GATEHOUSE.get(`client:${clientId}`, 'json') as Promise<Record<string, unknown>>;

describe('admin API: clients that authenticate with a certificate (RFC 8705)', () => {
  it('creates a tls_client_auth client with certificate-bound tokens, which then gets a bound token', async () => {
    const res = await admin('POST', '/clients', token, {
      clientId: 'pki',
      allowedScopes: ['api1'],
      authMethods: ['tls_client_auth'],
      tlsClientAuthSubjectDn: clientCert.subjectDnRfc2253,
      tlsClientCertificateBoundAccessTokens: true,
    });
    const body = await expectJson<{ client: Record<string, unknown> }>(res, 201);
    expect(body.client).toMatchObject({
      authMethods: ['tls_client_auth'],
      secrets: [],
      tlsClientAuthSubjectDn: clientCert.subjectDnRfc2253,
      tlsClientAuthSanDns: null,
      tlsClientCertificateThumbprints: [],
      tlsClientCertificateBoundAccessTokens: true,
    });
    const issued = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'pki', scope: 'api1' }, presented(clientCert));
    expect(issued.status).toBe(200);
  });

  it('replaces the registered subject when another subject field is set, and clears with null', async () => {
    await expectJson(await admin('POST', '/clients', token, { clientId: 'pki', authMethods: ['tls_client_auth'], tlsClientAuthSubjectDn: 'CN=a' }), 201);
    const changed = await expectJson(await admin('PATCH', '/clients/pki', token, { tlsClientAuthSanIp: '2001:DB8::1' }));
    expect(changed).toMatchObject({ tlsClientAuthSubjectDn: null, tlsClientAuthSanIp: '2001:db8::1' });
    expect(await stored('pki')).not.toHaveProperty('tlsClientAuthSubjectDn');
    // tls_client_auth needs a subject: clearing the last one is refused until the method goes.
    await expectError(
      await admin('PATCH', '/clients/pki', token, { tlsClientAuthSanIp: null }),
      400,
      'invalid_request',
      '"authMethods" includes tls_client_auth, which needs one of tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail',
    );
    const back = await expectJson(await admin('PATCH', '/clients/pki', token, { authMethods: null, tlsClientAuthSanIp: null }));
    expect(back).toMatchObject({ authMethods: ['client_secret_basic', 'client_secret_post'], tlsClientAuthSanIp: null });
  });

  it('creates a self_signed_tls_client_auth client by thumbprint', async () => {
    const res = await admin('POST', '/clients', token, {
      clientId: 'self',
      authMethods: ['self_signed_tls_client_auth'],
      tlsClientCertificateThumbprints: [selfSigned.x5tS256],
    });
    expect((await expectJson<{ client: Record<string, unknown> }>(res, 201)).client).toMatchObject({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
  });

  it.each([
    [{ clientId: 'x', authMethods: ['self_signed_tls_client_auth'] }, '"authMethods" includes self_signed_tls_client_auth, which needs "tlsClientCertificateThumbprints" or a "jwks" key with "x5c"'],
    [{ clientId: 'x', tlsClientAuthSubjectDn: 'CN=a', tlsClientAuthSanUri: 'https://a' }, 'only one of tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail may be set; got tlsClientAuthSubjectDn, tlsClientAuthSanUri'],
    [{ clientId: 'x', tlsClientCertificateThumbprints: ['AB:CD'] }, '"tlsClientCertificateThumbprints" must be a list of x5t#S256 values (base64url SHA-256 of the DER, 43 characters)'],
    [{ clientId: 'x', tlsClientCertificateBoundAccessTokens: 'true' }, '"tlsClientCertificateBoundAccessTokens" must be true or false'],
  ])('refuses to create %j (400)', async (input, description) => {
    await expectError(await admin('POST', '/clients', token, input), 400, 'invalid_request', description);
  });
});
