/** What a client authentication method found in a request. */
export interface ClientCredentials {
  clientId: string;
  secret: string;
}

/**
 * A way for a client to authenticate at the token endpoint (RFC 6749 §2.3). Each method is one
 * module; the registry in ./index.ts lists them, and discovery advertises exactly those.
 */
export interface ClientAuthMethod {
  /** The name used in discovery's `token_endpoint_auth_methods_supported` (RFC 8414 §2). */
  readonly name: string;
  /** Whether the request carries this method's credentials (complete or not). */
  present(request: Request, form: ReadonlyMap<string, string>): boolean;
  /** The credentials; throws an OAuthError when they are malformed. */
  credentials(request: Request, form: ReadonlyMap<string, string>): ClientCredentials;
  /** Whether failures must be answered with a `WWW-Authenticate` challenge (RFC 6749 §5.2). */
  readonly challenges: boolean;
}
