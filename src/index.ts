import { Hono } from 'hono';
import { consoleRoutes } from './admin/console/routes';
import { adminRoutes } from './admin/routes';
import type { AppEnv } from './env';
import { forwardToOrigin } from './gateway/proxy';
import { matchRoute } from './gateway/match-route';
import { protectedResourceMetadataRoutes } from './gateway/protected-resource-metadata';
import { verifyToken } from './gateway/verify-token';
import { methodNotAllowed, renderError } from './http/errors';
import { discoveryRoutes } from './oauth/discovery';
import { jwksRoutes } from './oauth/jwks';
import { introspectionRoutes } from './oauth/introspect';
import { DISCOVERY_PATHS, INTROSPECTION_PATH, JWKS_PATH, REVOCATION_PATH, TOKEN_PATH } from './oauth/paths';
import { revocationRoutes } from './oauth/revoke';
import { tokenRoutes } from './oauth/token';
import { runScheduled } from './scheduled';

export { AssertionReplayCache } from './core/assertion-replay';
export { AuthFailureLimiter } from './core/auth-limiter';
export { RevocationList } from './core/revocation-list';

/** The Worker's one Hono app: OAuth endpoints, the admin API, and one error handler for all of them. */
export const app = new Hono<AppEnv>()
  // The cheapest route there is: a liveness probe, and the benchmarks' measure of the runtime itself.
  .get('/healthz', (c) => c.json({ status: 'ok' }))
  .route('/', tokenRoutes)
  .route('/', introspectionRoutes)
  .route('/', revocationRoutes)
  .route('/', discoveryRoutes)
  .route('/', jwksRoutes)
  .route('/', protectedResourceMetadataRoutes)
  // Before the admin API, whose bearer-token check would otherwise claim the console's paths too.
  .route('/admin/console', consoleRoutes)
  .route('/admin', adminRoutes)
  .all(TOKEN_PATH, methodNotAllowed('POST'))
  .all(INTROSPECTION_PATH, methodNotAllowed('POST'))
  .all(REVOCATION_PATH, methodNotAllowed('POST'))
  .all(DISCOVERY_PATHS[0], methodNotAllowed('GET, HEAD'))
  .all(DISCOVERY_PATHS[1], methodNotAllowed('GET, HEAD'))
  .all(JWKS_PATH, methodNotAllowed('GET, HEAD'))
  // Every other path belongs to the gateway: keep it last, as it answers every path (404 when no
  // gateway route matches). Its routes are per-environment settings, not known when this module
  // loads, so one handler dispatches them through its own index (src/gateway/route-table.ts).
  .all('*', matchRoute(), verifyToken(), forwardToOrigin());

app.onError(renderError);

export default {
  fetch: app.fetch,
  scheduled(controller, env, ctx) {
    ctx.waitUntil(runScheduled(controller, env));
  },
} satisfies ExportedHandler<AppEnv['Bindings']>;
