import { Hono, type Context } from 'hono';
import type { AppEnv } from '../env';
import { servicesFor } from '../services';
import { DPOP_PROOF_ALGS } from '../settings';
import { CLIENT_AUTH_METHODS } from './client-auth';
import { GRANTS } from './grants';
import { issuerFor } from './issuer';
import { DISCOVERY_PATHS, INTROSPECTION_PATH, JWKS_PATH, REVOCATION_PATH, TOKEN_PATH } from './paths';

/**
 * Authorization server metadata (RFC 8414 §2). Every list is built from the registries and the
 * store the server itself runs on, so it cannot drift from what the server does.
 */
async function metadata(c: Context<AppEnv>): Promise<Response> {
  const { config, catalog: catalogStore } = servicesFor(c.env);
  const issuer = issuerFor(config, c.req.url);
  const catalog = await catalogStore.get();
  const scopes = [...catalog.scopes.values()].filter((s) => s.enabled).map((s) => s.name).sort();
  // The three endpoints authenticate callers with the same registry of methods.
  const authMethods = CLIENT_AUTH_METHODS.map((m) => m.name);
  // RFC 8414 §2: required once a method that signs (private_key_jwt) is listed; never "none".
  const signingAlgs = [...new Set(CLIENT_AUTH_METHODS.flatMap((m) => m.signingAlgs ?? []))];
  // RFC 8705 §5: where a client reaches the endpoints with its certificate. On Cloudflare one
  // hostname serves both, unless the operator turned client certificates on for another one.
  const mtls = config.mtlsEndpointOrigin ?? issuer;
  return c.json(
    {
      issuer,
      token_endpoint: `${issuer}${TOKEN_PATH}`,
      jwks_uri: `${issuer}${JWKS_PATH}`,
      grant_types_supported: [...GRANTS.keys()],
      scopes_supported: scopes,
      token_endpoint_auth_methods_supported: authMethods,
      token_endpoint_auth_signing_alg_values_supported: signingAlgs,
      introspection_endpoint: `${issuer}${INTROSPECTION_PATH}`,
      introspection_endpoint_auth_methods_supported: authMethods,
      introspection_endpoint_auth_signing_alg_values_supported: signingAlgs,
      revocation_endpoint: `${issuer}${REVOCATION_PATH}`,
      revocation_endpoint_auth_methods_supported: authMethods,
      revocation_endpoint_auth_signing_alg_values_supported: signingAlgs,
      // RFC 9449 §5.1: the algorithms the token endpoint accepts DPoP proofs signed with.
      dpop_signing_alg_values_supported: [...DPOP_PROOF_ALGS],
      // RFC 8705 §3.3: tokens can be bound to the client certificate (per client, §3.4).
      tls_client_certificate_bound_access_tokens: true,
      mtls_endpoint_aliases: {
        token_endpoint: `${mtls}${TOKEN_PATH}`,
        introspection_endpoint: `${mtls}${INTROSPECTION_PATH}`,
        revocation_endpoint: `${mtls}${REVOCATION_PATH}`,
      },
      // RFC 8414 §2 makes this member REQUIRED; there is no authorization endpoint, so no response types.
      response_types_supported: [],
    },
    200,
    { 'Cache-Control': 'public, max-age=300' },
  );
}

export const discoveryRoutes = new Hono<AppEnv>().get(DISCOVERY_PATHS[0], metadata).get(DISCOVERY_PATHS[1], metadata);
