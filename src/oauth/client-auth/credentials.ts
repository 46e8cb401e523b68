import type { ClientAuthMethodName } from '../../core/records';

/** A client id and the secret that proves it (RFC 6749 §2.3.1). */
export interface SecretCredentials {
  clientId: string;
  secret: string;
}

/** A client id and the JWT, signed with the client's private key, that proves it (RFC 7523 §2.2). */
export interface AssertionCredentials {
  clientId: string;
  assertion: string;
}

/** A client id, proved by the TLS connection's client certificate (RFC 8705 §2), which is read later. */
export interface CertificateCredentials {
  clientId: string;
  certificate: true;
}

/** What a client authentication method found in a request. */
export type ClientCredentials = SecretCredentials | AssertionCredentials | CertificateCredentials;

/**
 * A way for a client to authenticate at the token endpoint (RFC 6749 §2.3). Each method is one
 * module; the registry in ./index.ts lists them, and discovery advertises exactly those.
 */
export interface ClientAuthMethod {
  /** The name used in discovery's `token_endpoint_auth_methods_supported` (RFC 8414 §2). */
  readonly name: ClientAuthMethodName;
  /** Whether the request carries this method's credentials (complete or not). */
  present(request: Request, form: ReadonlyMap<string, string>): boolean;
  /** The credentials; throws an OAuthError when they are malformed. */
  credentials(request: Request, form: ReadonlyMap<string, string>): ClientCredentials;
  /** Whether failures must be answered with a `WWW-Authenticate` challenge (RFC 6749 §5.2). */
  readonly challenges: boolean;
  /**
   * The credential is the connection's client certificate (RFC 8705 §2): the method counts only
   * when the request carries no other method's credentials, since a client may present a
   * certificate to bind its tokens (§3) while authenticating otherwise.
   */
  readonly viaCertificate?: boolean;
  /** JWS algorithms accepted for a method that signs (RFC 8414 §2 `token_endpoint_auth_signing_alg_values_supported`). */
  readonly signingAlgs?: readonly string[];
}
