import { certificatePresented, certificateThumbprint, clientCertificate, type ClientCertificate } from '../../core/client-certificate';
import { fromBase64 } from '../../core/encoding';
import { authMethodsOf, type ClientRecord } from '../../core/records';
import type { Services } from '../../services';
import type { CertificateCredentials, ClientAuthMethod } from './credentials';

/**
 * RFC 8705 §2: a client authenticating with mutual TLS sends `client_id` and nothing else; its
 * credential is the certificate of the TLS connection, which Cloudflare's edge received
 * (src/core/client-certificate.ts). Both methods read the same request; the client's registration
 * says which certificate it must be.
 */
function present(request: Request, form: ReadonlyMap<string, string>): boolean {
  return form.has('client_id') && certificatePresented(request);
}

function credentials(_request: Request, form: ReadonlyMap<string, string>): CertificateCredentials {
  return { clientId: form.get('client_id')!, certificate: true };
}

/** `tls_client_auth` (RFC 8705 §2.1): a certificate of a trusted CA with the registered subject DN or SAN. */
export const tlsClientAuth: ClientAuthMethod = { name: 'tls_client_auth', challenges: false, viaCertificate: true, present, credentials };

/** `self_signed_tls_client_auth` (RFC 8705 §2.2): a certificate registered by its thumbprint, no CA. */
export const selfSignedTlsClientAuth: ClientAuthMethod = {
  name: 'self_signed_tls_client_auth',
  challenges: false,
  viaCertificate: true,
  present,
  credentials,
};

/**
 * The `certVerified` values a self-signed certificate may carry: Cloudflare checks the chain against
 * the CAs of the zone, which a self-signed certificate is not from, so its handshake verifies with
 * OpenSSL's "self signed certificate" (spelt "self-signed" by OpenSSL 3). Expired or not yet valid
 * certificates have their own values and are refused.
 */
const SELF_SIGNED_VERIFICATIONS = new Set(['SUCCESS', 'FAILED:self signed certificate', 'FAILED:self-signed certificate']);

/** Why the certificate does not authenticate the client under `tls_client_auth`, or undefined when it does. */
function pkiProblem(client: ClientRecord, certificate: ClientCertificate): string | undefined {
  // §2.1: the certificate chains to a CA the server trusts: Cloudflare's check of the zone's CAs.
  if (certificate.verified !== 'SUCCESS') return `the certificate did not verify (${certificate.verified})`;
  const names = certificate.altNames;
  // §2.1.2: exactly one registered value, compared with the matching part of the certificate.
  if (client.tlsClientAuthSubjectDn !== undefined) {
    return certificate.subjectDn === client.tlsClientAuthSubjectDn ? undefined : 'the certificate subject DN is not the registered one';
  }
  if (client.tlsClientAuthSanDns !== undefined) {
    // DNS names compare without regard to case (RFC 4343).
    const dns = client.tlsClientAuthSanDns.toLowerCase();
    return names.dns.some((name) => name.toLowerCase() === dns) ? undefined : 'the certificate has no SAN dNSName equal to the registered one';
  }
  if (client.tlsClientAuthSanUri !== undefined) {
    return names.uri.includes(client.tlsClientAuthSanUri) ? undefined : 'the certificate has no SAN URI equal to the registered one';
  }
  if (client.tlsClientAuthSanIp !== undefined) {
    return names.ip.includes(client.tlsClientAuthSanIp) ? undefined : 'the certificate has no SAN iPAddress equal to the registered one';
  }
  if (client.tlsClientAuthSanEmail !== undefined) {
    return names.email.includes(client.tlsClientAuthSanEmail) ? undefined : 'the certificate has no SAN rfc822Name equal to the registered one';
  }
  return 'the client has no registered certificate subject';
}

/** The thumbprints registered for `self_signed_tls_client_auth`: the list, and each `jwks` key's first `x5c`. */
async function registeredThumbprints(client: ClientRecord): Promise<string[]> {
  const fromKeys = (client.jwks?.keys ?? []).flatMap((key) => (Array.isArray(key.x5c) && key.x5c[0] ? [fromBase64(key.x5c[0])!] : []));
  return [...(client.tlsClientCertificateThumbprints ?? []), ...(await Promise.all(fromKeys.map(certificateThumbprint)))];
}

/** Why the certificate does not authenticate the client under `self_signed_tls_client_auth`, or undefined. */
async function selfSignedProblem(client: ClientRecord, certificate: ClientCertificate): Promise<string | undefined> {
  if (!SELF_SIGNED_VERIFICATIONS.has(certificate.verified)) return `the certificate is not usable (${certificate.verified})`;
  if (certificate.thumbprint === undefined) return 'the certificate was not forwarded (certRFC9440 empty), so its thumbprint is unknown';
  // §2.2: the certificate is one the client registered, compared by its SHA-256 thumbprint.
  return (await registeredThumbprints(client)).includes(certificate.thumbprint) ? undefined : 'the certificate thumbprint is not registered';
}

/**
 * Authenticates a client by the connection's certificate (RFC 8705 §2), in node-oidc-provider's
 * order: a certificate, the client, then the method's check. A client allowed both methods passes
 * with either. Every failure is `presented.fail(reason)`, the one `invalid_client`.
 */
export async function verifyClientCertificate(
  presented: CertificateCredentials & { fail(reason: string): Error },
  request: Request,
  services: Pick<Services, 'clients'>,
): Promise<ClientRecord> {
  const [certificate, client] = await Promise.all([clientCertificate(request), services.clients.find(presented.clientId)]);
  if (!certificate) throw presented.fail('no client certificate');
  if (!client) throw presented.fail('unknown client');
  if (!client.enabled) throw presented.fail('client disabled');
  // A revoked certificate proves nothing, whatever the method (Cloudflare sets certVerified SUCCESS for it).
  if (certificate.revoked) throw presented.fail('the certificate is revoked');
  const methods = authMethodsOf(client);
  const problems: string[] = [];
  if (methods.includes('tls_client_auth')) {
    const problem = pkiProblem(client, certificate);
    if (!problem) return client;
    problems.push(`tls_client_auth: ${problem}`);
  }
  if (methods.includes('self_signed_tls_client_auth')) {
    const problem = await selfSignedProblem(client, certificate);
    if (!problem) return client;
    problems.push(`self_signed_tls_client_auth: ${problem}`);
  }
  throw presented.fail(problems.length > 0 ? problems.join('; ') : 'the client may not authenticate with a certificate');
}
