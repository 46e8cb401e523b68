import type { TestCertificate } from '../fixtures/mtls/certificates';
import { ORIGIN } from './fixtures';

/**
 * `request.cf.tlsClientAuth` as Cloudflare's edge sets it for a connection that presented `cert`
 * and whose chain it verified (docs/mtls.md); `overrides` change fields (`certVerified`, `certRevoked`).
 */
export function presented(cert: TestCertificate, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    certPresented: '1',
    certVerified: 'SUCCESS',
    certRevoked: '0',
    certSubjectDN: cert.subjectDnRfc2253,
    certSubjectDNRFC2253: cert.subjectDnRfc2253,
    certIssuerDN: cert.issuerDnRfc2253,
    certIssuerDNRFC2253: cert.issuerDnRfc2253,
    certFingerprintSHA256: cert.fingerprintSha256,
    certRFC9440: cert.rfc9440,
    certRFC9440TooLarge: false,
    certChainRFC9440: '',
    certChainRFC9440TooLarge: false,
    ...overrides,
  };
}

/** What Cloudflare sets when mTLS is on for the hostname and the client presented no certificate. */
export const NOT_PRESENTED: Record<string, unknown> = {
  certPresented: '0',
  certVerified: 'NONE',
  certRevoked: '0',
  certSubjectDN: '',
  certSubjectDNRFC2253: '',
  certIssuerDN: '',
  certIssuerDNRFC2253: '',
  certFingerprintSHA256: '',
  certRFC9440: '',
  certRFC9440TooLarge: false,
  certChainRFC9440: '',
  certChainRFC9440TooLarge: false,
};

/** Calls the Worker (its default export, as Cloudflare would) with `tlsClientAuth` in `request.cf`. */
export async function callOverMtls(path: string, init: RequestInit, tlsClientAuth: Record<string, unknown> | undefined): Promise<Response> {
  const { exports } = await import('cloudflare:workers');
  const cf = tlsClientAuth === undefined ? undefined : { tlsClientAuth };
  const request = new Request(`${ORIGIN}${path}`, { ...init, cf } as RequestInit);
  return (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default.fetch(request);
}

/** A form-encoded POST to an OAuth endpoint over a connection with `tlsClientAuth`. */
export function formOverMtls(path: string, params: Record<string, string>, tlsClientAuth: Record<string, unknown> | undefined, headers: Record<string, string> = {}): Promise<Response> {
  return callOverMtls(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  }, tlsClientAuth);
}
