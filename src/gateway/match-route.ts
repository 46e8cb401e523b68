import type { MiddlewareHandler } from 'hono';
import { servicesFor } from '../services';
import { OAuthError } from '../errors';
import type { GatewayEnv } from './context';
import { canonicalPath } from './path';

/**
 * Middleware: brings the request path to its canonical form, finds the gateway route of that form
 * and hands the same form on to be forwarded, so the origin receives exactly the path the route was
 * chosen for. Ends the request with 400 for a path an origin could read as another one
 * (docs/gateway.md, "Paths"), 404 when no route matches, 405 with `Allow` for a method the route
 * does not serve.
 */
export function matchRoute(): MiddlewareHandler<GatewayEnv> {
  return async function matchRoute(c, next) {
    const url = new URL(c.req.url);
    const path = canonicalPath(url.pathname);
    const match = servicesFor(c.env).config.gateway.routes.match(path);
    if (!match) throw new OAuthError('not_found', 'no such endpoint');
    // RFC 3986 §3.3 leaves `;` to the origin: Tomcat, Jetty and Spring drop what follows it, so
    // `/api/admin;p=1` is `/api/admin` to them. Only a route that expects parameters gets them.
    if (!match.route.pathParameters && path.includes(';')) {
      throw new OAuthError('invalid_request', 'the request path holds ";" path parameters, which this route does not accept');
    }
    if (match.alias) {
      throw new OAuthError('invalid_request', 'the request path names a more specific route in another spelling (letter case, trailing dots or spaces, ";" parameters)');
    }
    const { methods } = match.route;
    if (methods && !methods.includes(c.req.method)) {
      throw new OAuthError('method_not_allowed', `this route accepts ${methods.join(', ')} only`, { headers: { Allow: methods.join(', ') } });
    }
    c.set('match', match);
    c.set('url', url);
    c.set('path', path);
    return next();
  };
}
