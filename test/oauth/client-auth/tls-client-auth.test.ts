import { beforeEach, describe, expect, it } from 'vitest';
import { parseClient } from '../../../src/core/records';
import { client as clientCert, other, selfSigned } from '../../fixtures/mtls/certificates';
import { claimsOf, clientRecord, put, SECRET, seedArticle } from '../../helpers/fixtures';
import { formOverMtls, NOT_PRESENTED, presented } from '../../helpers/mtls';

const INVALID_CLIENT = { error: 'invalid_client', error_description: 'client authentication failed' };

/** A token request of client `id` authenticated by the connection's certificate only (RFC 8705 §2). */
function tokenOverMtls(tls: Record<string, unknown> | undefined, id = 'mtls') {
  return formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: id, scope: 'api1' }, tls);
}

async function expectIssued(res: Response, clientId = 'mtls') {
  expect(res.status).toBe(200);
  const body = (await res.json()) as { access_token: string; token_type: string };
  expect(body.token_type).toBe('Bearer');
  expect(claimsOf(body.access_token).client_id).toBe(clientId);
  return body;
}

async function expectInvalidClient(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('WWW-Authenticate')).toBeNull();
  expect(await res.json()).toEqual(INVALID_CLIENT);
}

beforeEach(async () => {
  await seedArticle();
});

async function seedTlsClient(fields: Record<string, unknown>) {
  await put('client:mtls', clientRecord({ clientId: 'mtls', secrets: [], authMethods: ['tls_client_auth'], ...fields }));
}

describe('tls_client_auth (RFC 8705 §2.1)', () => {
  it('authenticates by the subject DN', async () => {
    await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
    await expectIssued(await tokenOverMtls(presented(clientCert)));
  });

  it.each([
    ['tlsClientAuthSanDns', 'CLIENT-A.example.com'],
    ['tlsClientAuthSanUri', 'https://client-a.example.com/id'],
    ['tlsClientAuthSanIp', '192.0.2.10'],
    ['tlsClientAuthSanEmail', 'client-a@example.com'],
  ])('authenticates by a SAN: %s', async (field, value) => {
    await seedTlsClient({ [field]: value });
    await expectIssued(await tokenOverMtls(presented(clientCert)));
  });

  it('refuses a certificate with another subject DN', async () => {
    await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
    await expectInvalidClient(await tokenOverMtls(presented(other)));
  });

  it('refuses a certificate without the registered SAN', async () => {
    await seedTlsClient({ tlsClientAuthSanDns: 'client-a.example.com' });
    await expectInvalidClient(await tokenOverMtls(presented(other)));
  });

  it.each(['FAILED:unable to get local issuer certificate', 'FAILED:certificate has expired', 'FAILED:self signed certificate'])(
    'refuses a certificate whose chain Cloudflare did not verify: %s',
    async (certVerified) => {
      await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
      await expectInvalidClient(await tokenOverMtls(presented(clientCert, { certVerified })));
    },
  );

  it('refuses a revoked certificate', async () => {
    await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
    await expectInvalidClient(await tokenOverMtls(presented(clientCert, { certRevoked: '1' })));
  });

  it('refuses a request without a certificate: only client_id is no credential', async () => {
    await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
    await expectInvalidClient(await tokenOverMtls(NOT_PRESENTED));
    await expectInvalidClient(await tokenOverMtls(undefined));
  });

  it('refuses a client not registered for a certificate method', async () => {
    await expectInvalidClient(await tokenOverMtls(presented(clientCert), 'client'));
  });

  it('a certificate beside a secret is not a second method: the secret authenticates', async () => {
    const res = await formOverMtls('/connect/token', { grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' }, presented(other));
    await expectIssued(res, 'client');
  });

  it('authenticates at the introspection endpoint too', async () => {
    await seedTlsClient({ tlsClientAuthSubjectDn: 'CN=client-a,OU=Payments,O=Example,C=US' });
    const { access_token } = await expectIssued(await tokenOverMtls(presented(clientCert)));
    const res = await formOverMtls('/connect/introspect', { client_id: 'mtls', token: access_token }, presented(clientCert));
    expect(res.status).toBe(200);
    expect(((await res.json()) as { active: boolean }).active).toBe(true);
  });
});

describe('self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
  async function seedSelfSigned(fields: Record<string, unknown>) {
    await put('client:mtls', clientRecord({ clientId: 'mtls', secrets: [], authMethods: ['self_signed_tls_client_auth'], ...fields }));
  }

  it('authenticates by a registered x5t#S256 thumbprint', async () => {
    await seedSelfSigned({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
    await expectIssued(await tokenOverMtls(presented(selfSigned, { certVerified: 'FAILED:self signed certificate' })));
  });

  it('authenticates by the x5c of a registered JWK', async () => {
    const x5c = [selfSigned.rfc9440.slice(1, -1)];
    await seedSelfSigned({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', x5c }] } });
    await expectIssued(await tokenOverMtls(presented(selfSigned, { certVerified: 'FAILED:self signed certificate' })));
  });

  it('refuses a certificate with another thumbprint, even with a hex fingerprint that matches', async () => {
    await seedSelfSigned({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
    // The fingerprint claims to be the registered certificate; the DER says otherwise.
    await expectInvalidClient(await tokenOverMtls(presented(other, { certFingerprintSHA256: selfSigned.fingerprintSha256 })));
  });

  it('refuses an expired certificate and a revoked one', async () => {
    await seedSelfSigned({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
    await expectInvalidClient(await tokenOverMtls(presented(selfSigned, { certVerified: 'FAILED:certificate has expired' })));
    await expectInvalidClient(await tokenOverMtls(presented(selfSigned, { certVerified: 'FAILED:self signed certificate', certRevoked: '1' })));
  });

  it('refuses a certificate Cloudflare did not forward (over 10 KiB)', async () => {
    await seedSelfSigned({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
    await expectInvalidClient(await tokenOverMtls(presented(selfSigned, { certRFC9440: '', certRFC9440TooLarge: true })));
  });

  it('refuses a request without a certificate', async () => {
    await seedSelfSigned({ tlsClientCertificateThumbprints: [selfSigned.x5tS256] });
    await expectInvalidClient(await tokenOverMtls(NOT_PRESENTED));
  });
});

describe('client records for the certificate methods', () => {
  const parse = (fields: Record<string, unknown>) => parseClient('client:c', JSON.stringify({ clientId: 'c', ...fields }));
  function problem(fields: Record<string, unknown>): string {
    try {
      parse(fields);
    } catch (error) {
      return (error as Error).message.replace('KV record "client:c" is invalid: ', '');
    }
    throw new Error('expected a RecordError');
  }
  const SUBJECTS = 'tlsClientAuthSubjectDn, tlsClientAuthSanDns, tlsClientAuthSanUri, tlsClientAuthSanIp, tlsClientAuthSanEmail';

  it('keeps the fields, the IP in canonical form', () => {
    expect(parse({ authMethods: ['tls_client_auth'], tlsClientAuthSubjectDn: 'CN=a' })).toMatchObject({ tlsClientAuthSubjectDn: 'CN=a' });
    expect(parse({ authMethods: ['tls_client_auth'], tlsClientAuthSanIp: '2001:DB8:0:0:0:0:0:1' }).tlsClientAuthSanIp).toBe('2001:db8::1');
    expect(parse({ authMethods: ['self_signed_tls_client_auth'], tlsClientCertificateThumbprints: [selfSigned.x5tS256] })).toMatchObject({
      tlsClientCertificateThumbprints: [selfSigned.x5tS256],
    });
    expect(parse({ tlsClientCertificateBoundAccessTokens: true }).tlsClientCertificateBoundAccessTokens).toBe(true);
    expect(parse({})).not.toHaveProperty('tlsClientCertificateBoundAccessTokens');
  });

  it('names the field of every malformed one', () => {
    expect(problem({ authMethods: ['tls_client_auth'] })).toBe(`"authMethods" includes tls_client_auth, which needs one of ${SUBJECTS}`);
    expect(problem({ tlsClientAuthSubjectDn: 'CN=a', tlsClientAuthSanDns: 'a.example' })).toBe(
      `only one of ${SUBJECTS} may be set; got tlsClientAuthSubjectDn, tlsClientAuthSanDns`,
    );
    expect(problem({ tlsClientAuthSanIp: '300.1.1.1' })).toBe('"tlsClientAuthSanIp" must be an IPv4 address in dotted decimal or an IPv6 address');
    expect(problem({ tlsClientAuthSanDns: ' ' })).toBe('"tlsClientAuthSanDns" must be a non-empty string');
    expect(problem({ authMethods: ['self_signed_tls_client_auth'] })).toBe(
      '"authMethods" includes self_signed_tls_client_auth, which needs "tlsClientCertificateThumbprints" or a "jwks" key with "x5c"',
    );
    expect(problem({ tlsClientCertificateThumbprints: [selfSigned.fingerprintSha256] })).toBe(
      '"tlsClientCertificateThumbprints" must be a list of x5t#S256 values (base64url SHA-256 of the DER, 43 characters)',
    );
    expect(problem({ jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA', x5c: 'MII' }] } })).toBe('"jwks.keys[0].x5c" must be a non-empty list of base64 DER certificates');
    expect(problem({ tlsClientCertificateBoundAccessTokens: 'yes' })).toBe('"tlsClientCertificateBoundAccessTokens" must be true or false');
  });
});
