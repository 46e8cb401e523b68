/**
 * Where the OAuth endpoints are served: IdentityServer's paths, so that clients and validators
 * configured for it find them. A leaf module, so that anything may name an endpoint (client
 * assertions name the token endpoint as their audience) without importing the endpoint itself.
 */
export const TOKEN_PATH = '/connect/token';
export const INTROSPECTION_PATH = '/connect/introspect';
export const REVOCATION_PATH = '/connect/revocation';
/** The JWKS path IdentityServer uses, so JwtBearer and other validators find it where they look. */
export const JWKS_PATH = '/.well-known/openid-configuration/jwks';
/** The two well-known names of the same metadata: OpenID Connect's and RFC 8414's. */
export const DISCOVERY_PATHS = ['/.well-known/openid-configuration', '/.well-known/oauth-authorization-server'] as const;
