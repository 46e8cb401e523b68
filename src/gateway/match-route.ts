import type { MiddlewareHandler } from 'hono';
import { getConfig } from '../config';
import { OAuthError } from '../errors';
import type { GatewayEnv } from './context';
import { normalizePath } from './path';

/**
 * Middleware: finds the gateway route of the request by its normalised path, or ends the request:
 * 400 for a path that could escape a prefix once an origin decodes it, 404 when no route matches,
 * 405 with `Allow` for a method the route does not serve.
 */
export function matchRoute(): MiddlewareHandler<GatewayEnv> {
  return async function matchRoute(c, next) {
    const url = new URL(c.req.url);
    const path = normalizePath(url.pathname);
    if (path === null) throw new OAuthError('invalid_request', 'the request path holds a dot segment or an encoded separator');
    const match = getConfig(c.env).gateway.routes.match(path);
    if (!match) throw new OAuthError('not_found', 'no such endpoint');
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
