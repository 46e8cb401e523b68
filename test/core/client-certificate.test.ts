import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { certificateThumbprint, clientCertificate, derFromRfc9440 } from '../../src/core/client-certificate';
import { canonicalIp, subjectAltNames } from '../../src/core/x509';
import { client as clientCert, other, selfSigned } from '../fixtures/mtls/certificates';
import { presented } from '../helpers/mtls';

const der = (rfc9440: string) => derFromRfc9440(rfc9440)!;
const withCf = (tlsClientAuth: Record<string, unknown>) => new Request('https://gatehouse.test/', { cf: { tlsClientAuth } } as RequestInit);

describe('the client certificate of a request (request.cf.tlsClientAuth)', () => {
  it('reads the DER from certRFC9440 and hashes it as openssl does (RFC 8705 §3.1)', async () => {
    for (const cert of [clientCert, other, selfSigned]) expect(await certificateThumbprint(der(cert.rfc9440))).toBe(cert.x5tS256);
    expect(await clientCertificate(withCf(presented(clientCert)))).toEqual({
      verified: 'SUCCESS',
      revoked: false,
      subjectDn: 'CN=client-a,OU=Payments,O=Example,C=US',
      thumbprint: clientCert.x5tS256,
      altNames: { dns: ['client-a.example.com'], uri: ['https://client-a.example.com/id'], ip: ['192.0.2.10'], email: ['client-a@example.com'] },
    });
  });

  it('is undefined without a presented certificate, and reads a request once', async () => {
    expect(await clientCertificate(withCf({ certPresented: '0', certVerified: 'NONE' }))).toBeUndefined();
    expect(await clientCertificate(new Request('https://gatehouse.test/'))).toBeUndefined();
    const request = withCf(presented(clientCert));
    expect(clientCertificate(request)).toBe(clientCertificate(request));
  });

  it('has no thumbprint when certRFC9440 is empty (over 10 KiB) or not a byte sequence', async () => {
    for (const certRFC9440 of ['', clientCert.rfc9440.slice(1), 'MIIC', ':not base64!:', '::']) {
      expect((await clientCertificate(withCf(presented(clientCert, { certRFC9440 }))))?.thumbprint).toBeUndefined();
    }
  });
});

describe('subject alternative names (RFC 5280 §4.2.1.6)', () => {
  it('are empty for a certificate without them or bytes that are not DER', () => {
    const none = { dns: [], uri: [], ip: [], email: [] };
    expect(subjectAltNames(der(selfSigned.rfc9440))).toEqual(none);
    expect(subjectAltNames(new Uint8Array([0x30, 0x84, 0xff, 0xff, 0xff, 0xff]))).toEqual(none);
    // Every truncation of a real certificate: never a name that is not there, never a throw.
    const full = der(clientCert.rfc9440);
    for (let n = 0; n < full.length; n += 7) expect(subjectAltNames(full.subarray(0, n))).toEqual(none);
  });

  it('never throw on random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      subjectAltNames(bytes);
    }));
  });

  it('compare IP addresses in canonical form', () => {
    expect(canonicalIp('2001:0DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('192.0.2.10')).toBe('192.0.2.10');
    for (const bad of ['192.0.2', '192.0.2.256', '0x7f.1', 'example.com', '1::2::3']) expect(canonicalIp(bad)).toBeUndefined();
  });
});
