import { clientCertificate } from '../core/client-certificate';
import type { ClientRecord } from '../core/records';
import { OAuthError } from '../errors';

/**
 * The certificate confirmation of a token request (RFC 8705 §3.1): for a client registered with
 * `tlsClientCertificateBoundAccessTokens` (§3.4), the `x5t#S256` of the certificate of the TLS
 * connection, whatever method authenticated the client; nothing for any other client. Such a client
 * without a usable certificate gets no token, as in node-oidc-provider: `invalid_grant`.
 */
export async function certificateBinding(request: Request, client: ClientRecord): Promise<{ 'x5t#S256': string } | undefined> {
  if (!client.tlsClientCertificateBoundAccessTokens) return undefined;
  const certificate = await clientCertificate(request);
  if (!certificate) throw new OAuthError('invalid_grant', "this client's tokens are bound to its client certificate, and the request presented none");
  if (certificate.revoked) throw new OAuthError('invalid_grant', 'the client certificate is revoked');
  if (certificate.thumbprint === undefined) {
    throw new OAuthError('invalid_grant', 'the client certificate was not forwarded by the edge (larger than 10 KiB), so no token can be bound to it');
  }
  return { 'x5t#S256': certificate.thumbprint };
}
