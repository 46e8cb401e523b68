import { Hono } from 'hono';
import type { AppEnv } from '../env';
import { OAuthError } from '../errors';
import { methodNotAllowed } from '../http/errors';
import { issuerFor } from '../oauth/issuer';
import { servicesFor } from '../services';
import { SELF_ISSUER } from '../settings';
import type { GatewayRoute } from './routes';

/** The well-known name of protected resource metadata (RFC 9728 §3). */
const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';

/** How long clients may cache a route's metadata, in seconds: as long as the server metadata. */
const MAX_AGE_SECONDS = 300;

/** A route's resource identifier (RFC 9728 §1.2): the URL of its prefix at the gateway's origin. */
function resourceIdentifier(route: GatewayRoute, origin: string): string {
  return `${origin}${route.prefix}`;
}

/**
 * Where a route's metadata is served (RFC 9728 §3.1): the well-known path inserted between the
 * host and the path of its resource identifier, e.g. `https://gw.example/.well-known/oauth-protected-resource/orders`.
 */
export function resourceMetadataUrl(route: GatewayRoute, origin: string): string {
  return `${origin}${PROTECTED_RESOURCE_METADATA_PATH}${route.prefix}`;
}

/**
 * GET `/.well-known/oauth-protected-resource{prefix}`: the protected resource metadata (RFC 9728 §2,
 * §3.2) of the non-public gateway route with exactly that prefix, built from the route's settings:
 * where its tokens come from, which scopes it requires, and that it takes them in the
 * Authorization header only (RFC 6750 §2.1). Another path, or a public route, which needs no token,
 * is `404 not_found`. The route table forbids prefixes under `/.well-known`, so no gateway route
 * shadows these paths, and these never shadow a gateway route.
 */
export const protectedResourceMetadataRoutes = new Hono<AppEnv>().all(`${PROTECTED_RESOURCE_METADATA_PATH}/*`, (c) => {
  const { config } = servicesFor(c.env);
  const url = new URL(c.req.url);
  const prefix = url.pathname.slice(PROTECTED_RESOURCE_METADATA_PATH.length);
  const match = config.gateway.routes.match(prefix);
  // Exactly a prefix: the metadata is of the resource the prefix names (§3.1), not of a path under it.
  if (!match || match.rest !== '' || match.route.public) throw new OAuthError('not_found', 'no such endpoint');
  if (c.req.method !== 'GET' && c.req.method !== 'HEAD') methodNotAllowed('GET, HEAD')();

  const { route } = match;
  const issuer = issuerFor(config, url);
  const authorizationServers = [...new Set(route.issuers.map((i) => (i === SELF_ISSUER ? issuer : i)))];
  return c.json(
    {
      resource: resourceIdentifier(route, url.origin),
      authorization_servers: authorizationServers,
      // Empty for a route that requires no particular scope: any token for its audience will do.
      scopes_supported: route.scopes,
      bearer_methods_supported: ['header'],
      // RFC 9728 §2: present only when true, for a route that refuses bearer tokens (docs/dpop.md).
      ...(route.dpop === 'required' ? { dpop_bound_access_tokens_required: true } : {}),
    },
    200,
    { 'Cache-Control': `public, max-age=${MAX_AGE_SECONDS}` },
  );
});
