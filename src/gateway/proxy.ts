import type { MiddlewareHandler } from 'hono';
import { log } from '../core/log';
import { OAuthError } from '../errors';
import { servicesFor } from '../services';
import { issuerFor } from '../oauth/issuer';
import type { GatewayEnv } from './context';
import { ASSERTION_HEADER, CLIENT_ID_HEADER, ISSUER_HEADER, originRequestHeaders, SCOPE_HEADER } from './headers';
import { originAssertion } from './origin-assertion';

/**
 * Middleware: forwards the request to the matched route's origin and returns the origin's answer.
 * The URL is built from the configured origin and the normalised path only, never from the
 * request's host or an absolute request-target. Method, query and the streamed body pass through
 * (GET and HEAD go without a body, and without a header announcing one); the caller's identity
 * reaches the origin only as the gateway's signed assertion (and the plain headers beside it).
 * Redirects are returned, not followed.
 */
export function forwardToOrigin(): MiddlewareHandler<GatewayEnv> {
  return async function forwardToOrigin(c) {
    const { route, rest } = c.get('match');
    const incoming = c.get('url');
    const path = route.stripPrefix ? rest || '/' : c.get('path');
    const target = `${route.origin}${path}`;

    const headers = originRequestHeaders(c.req.raw.headers, route.forwardAuthorization);
    // A GET or HEAD is forwarded without a body; a Content-Length the caller sent would announce
    // one that never comes (RFC 9110 §8.6), and Transfer-Encoding is hop-by-hop (dropped above).
    const bodiless = c.req.method === 'GET' || c.req.method === 'HEAD';
    if (bodiless) headers.delete('Content-Length');
    headers.set('X-Forwarded-Host', incoming.host);
    headers.set('X-Forwarded-Proto', incoming.protocol.slice(0, -1));
    const clientIp = c.req.header('CF-Connecting-IP');
    if (clientIp) headers.set('X-Forwarded-For', clientIp);

    const caller = c.get('caller');
    if (caller) {
      const services = servicesFor(c.env);
      const { config } = services;
      const assertion = await originAssertion(services, {
        caller,
        issuer: issuerFor(config, incoming),
        audience: route.assertionAudience,
        method: c.req.method,
        url: target,
        search: incoming.search,
      });
      headers.set(ASSERTION_HEADER, assertion);
      // A client id is unique only at its issuer: the pair names the caller.
      headers.set(ISSUER_HEADER, caller.issuer);
      headers.set(CLIENT_ID_HEADER, caller.clientId);
      headers.set(SCOPE_HEADER, caller.scopes.join(' '));
    }

    // The wait for the origin's response headers is bounded; once they are in, the body streams
    // for as long as it takes (a long download is not a hung origin).
    const { originTimeoutMs } = servicesFor(c.env).config.gateway;
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), originTimeoutMs);
    let response: Response;
    try {
      response = await fetch(`${target}${incoming.search}`, {
        method: c.req.method,
        headers,
        body: bodiless ? null : c.req.raw.body,
        redirect: 'manual',
        signal: abort.signal,
      });
    } catch (cause) {
      const timedOut = abort.signal.aborted;
      const reason = timedOut ? `no response headers within ${originTimeoutMs} ms` : cause instanceof Error ? cause.message : String(cause);
      log('error', 'gateway_origin_failed', { prefix: route.prefix, origin: route.origin, reason });
      // RFC 9110 §15.6.5: 504 when the origin did not answer in time, §15.6.3: 502 when it failed.
      if (timedOut) throw new OAuthError('bad_gateway', 'the origin did not answer in time', { status: 504 });
      throw new OAuthError('bad_gateway', 'the origin could not be reached');
    } finally {
      clearTimeout(timer);
    }
    return response;
  };
}
