import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { OAuthError } from '../../src/errors';
import { canonicalPath, DOT_OR_SEPARATOR, ENCODED_PERCENT, MALFORMED_ESCAPE, NOT_UTF8 } from '../../src/gateway/path';
import { RouteTable } from '../../src/gateway/route-table';
import { parseRouteList, type GatewayRoute } from '../../src/gateway/routes';
import { app } from '../../src/index';
import { clientRecord, ORIGIN, put } from '../helpers/fixtures';
import { claims, envWith, newProbe, originSaw, seedWithKey, sign, type Echo } from '../helpers/gateway';
import { hostilePath } from '../fuzz/hostile';

// The refusals of match-route.ts, which depend on the route.
const PARAMETERS = 'the request path holds ";" path parameters, which this route does not accept';
const ALIAS = 'the request path names a more specific route in another spelling (letter case, trailing dots or spaces, ";" parameters)';

// The test routes of vitest.config.ts: /api (scope api1, origin https://origin.test) and /api/admin
// (scopes api1 admin, origin https://origin.test/admin-base). Two more accept path parameters.
const API = 'https://origin.test';
const ADMIN = 'https://origin.test/admin-base';
const withMatrix = envWith({
  GATEWAY_ROUTES_EXTRA: JSON.stringify([
    { prefix: '/matrix', origin: 'https://origin.test', audience: 'api1', pathParameters: true },
    { prefix: '/matrix/admin', origin: 'https://origin.test/admin-base', audience: 'api1', scopes: ['admin'], pathParameters: true },
  ]),
});

/** What the gateway must do with a path: refuse it, find no route, or forward exactly this URL. */
type Outcome = { refused: string } | { notFound: true } | { forwarded: string };
const refused = (description: string): Outcome => ({ refused: description });
const NOT_FOUND: Outcome = { notFound: true };
const to = (url: string): Outcome => ({ forwarded: url });

let token: string;

beforeAll(async () => {
  const ring = await seedWithKey();
  await put('client:client', clientRecord({ allowedScopes: ['api1', 'admin'] }));
  // Both routes accept this token, so the origin's URL alone tells which route a path went to.
  token = await sign(claims({ scope: 'api1 admin' }), ring.privateKey, { alg: ring.stored.alg, kid: ring.stored.kid });
});

/** Sends `path` as it stands on the wire through the Worker, with a probe to see whether the origin was called. */
async function send(path: string, bindings = env): Promise<{ res: Response; reached: () => Promise<boolean> }> {
  const probe = newProbe();
  const res = await app.fetch(new Request(`${ORIGIN}${path}?probe=${probe}`, { headers: { Authorization: `Bearer ${token}` } }), bindings);
  return { res, reached: () => originSaw(probe) };
}

describe('gateway: hostile paths', () => {
  // Notes on the table: the runtime's URL parser turns `\` into `/` and resolves `.`, `..`, `%2e`
  // and `%2e%2e` (any case) before the Worker sees the path, so those rows are resolved, not refused.
  it.each<[string, Outcome]>([
    // Tomcat, Jetty and Spring cut `;parameters` off each segment: `..;` is `..` to them.
    ['/api/..;/..;/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/..;/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/x/..;/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/%2e%2e;/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/%2E%2e;/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/..;jsessionid=x/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/%2e%2e;jsessionid=x/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/.;x/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/..%3B/admin', refused(DOT_OR_SEPARATOR)],
    ['/api/admin;p=1/x', refused(PARAMETERS)],
    ['/api/x;jsessionid=ABC', refused(PARAMETERS)],
    ['/api/admin;/x', refused(PARAMETERS)],
    ['/api;/admin/x', NOT_FOUND],
    ['/api/%3B/admin', refused(ALIAS)],
    ['/api/admin%3Bp=1/x', refused(ALIAS)],
    // double encoding: one more decoding makes a dot segment or a separator
    ['/api/%252e%252e/admin', refused(ENCODED_PERCENT)],
    ['/api/%252E%252E%252Fadmin', refused(ENCODED_PERCENT)],
    ['/api/..%252fadmin', refused(ENCODED_PERCENT)],
    ['/api/x%252F..%252F..%252Fadmin', refused(ENCODED_PERCENT)],
    ['/api/%25252e%25252e/admin', refused(ENCODED_PERCENT)],
    ['/api/%255c..%255cadmin', refused(ENCODED_PERCENT)],
    // overlong UTF-8 and %u escapes, which old IIS decoded to `.`, `/` and `\`
    ['/api/%c0%ae%c0%ae/admin', refused(NOT_UTF8)],
    ['/api/..%c0%afadmin', refused(NOT_UTF8)],
    ['/api/..%c1%9cadmin', refused(NOT_UTF8)],
    ['/api/%e0%80%ae%e0%80%ae/admin', refused(NOT_UTF8)],
    ['/api/%f0%80%80%ae/admin', refused(NOT_UTF8)],
    ['/api/%C0%AE/admin', refused(NOT_UTF8)],
    ['/api/%u002e%u002e/admin', refused(MALFORMED_ESCAPE)],
    ['/api/..%u2215admin', refused(MALFORMED_ESCAPE)],
    // backslashes: the URL parser makes a raw one a `/`; an encoded one stays and is refused
    ['/api/x/..\\admin', to(`${ADMIN}/api/admin`)],
    ['/api/admin\\..\\x', to(`${API}/api/x`)],
    ['/api/..%5cadmin', refused(DOT_OR_SEPARATOR)],
    ['/api/..%5Cadmin', refused(DOT_OR_SEPARATOR)],
    ['/api/%5c..%5cadmin', refused(DOT_OR_SEPARATOR)],
    // encoded slashes
    ['/api/..%2fadmin', refused(DOT_OR_SEPARATOR)],
    ['/api/..%2Fadmin', refused(DOT_OR_SEPARATOR)],
    ['/api/x%2F..%2F..%2Fadmin', refused(DOT_OR_SEPARATOR)],
    ['/api%2fadmin/x', refused(DOT_OR_SEPARATOR)],
    ['/api/..%2f..%2fadmin%zz', refused(MALFORMED_ESCAPE)],
    // NUL
    ['/api/admin%00/x', refused(DOT_OR_SEPARATOR)],
    ['/api/x%00.json', refused(DOT_OR_SEPARATOR)],
    // malformed escapes
    ['/api/%', refused(MALFORMED_ESCAPE)],
    ['/api/%zz/admin', refused(MALFORMED_ESCAPE)],
    ['/api/%2/admin', refused(MALFORMED_ESCAPE)],
    // mixed-case escapes of dots, resolved by the URL parser to the route they land in
    ['/api/x/%2E%2e/admin', to(`${ADMIN}/api/admin`)],
    ['/api/admin/%2E%2e/x', to(`${API}/api/x`)],
    ['/api/x/.%2E/admin/y', to(`${ADMIN}/api/admin/y`)],
    ['/api/%2e/admin', to(`${ADMIN}/api/admin`)],
    // the nested prefix in other spellings: the same route as the plain one, or refused
    ['/api/adm%69n/x', to(`${ADMIN}/api/admin/x`)],
    ['/api/%61%64%6D%69%6E', to(`${ADMIN}/api/admin`)],
    ['/%61pi/admin/x', to(`${ADMIN}/api/admin/x`)],
    ['/api//admin/x', to(`${ADMIN}/api/admin/x`)],
    ['//api///admin//x//', to(`${ADMIN}/api/admin/x/`)],
    ['/api/./admin/x', to(`${ADMIN}/api/admin/x`)],
    ['/api/admin/../x', to(`${API}/api/x`)],
    // prefixes are case-sensitive, so /api/ADMIN is not /api/admin; an origin that folds case
    // would serve it as /api/admin, so it is refused rather than sent to /api
    ['/api/ADMIN/x', refused(ALIAS)],
    ['/api/Admin', refused(ALIAS)],
    ['/api/adm%C4%B1n/x', refused(ALIAS)],
    ['/API/admin', NOT_FOUND],
    // trailing dots and white space, which Windows and trimming frameworks drop
    ['/api/admin./x', refused(ALIAS)],
    ['/api/admin.../x', refused(ALIAS)],
    ['/api/admin%20/x', refused(ALIAS)],
    ['/api/admin%09', refused(ALIAS)],
    ['/api/..../admin', refused(ALIAS)],
    ['/api/%20/admin', refused(ALIAS)],
    // near misses that are what they say
    ['/api/administrator', to(`${API}/api/administrator`)],
    ['/api/x/admin', to(`${API}/api/x/admin`)],
    ['/api/...', to(`${API}/api/...`)],
    ['/api/.../x', to(`${API}/api/.../x`)],
    ['/api/x%2e', to(`${API}/api/x.`)],
    ['/api/%7eadmin', to(`${API}/api/~admin`)],
    ['/api/caf%c3%a9', to(`${API}/api/caf%C3%A9`)],
    ['/api/a%3ab', to(`${API}/api/a%3Ab`)],
  ])('%s', async (path, outcome) => {
    const { res, reached } = await send(path);
    if ('forwarded' in outcome) {
      expect(res.status).toBe(200);
      expect(res.headers.get('X-Origin')).toBe('echo');
      expect(((await res.json()) as Echo).url.split('?')[0]).toBe(outcome.forwarded);
      expect(await reached()).toBe(true);
      return;
    }
    expect(res.headers.get('Content-Type')).toBe('application/json');
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    if ('refused' in outcome) {
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: outcome.refused });
    } else {
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error: 'not_found', error_description: 'no such endpoint' });
    }
    expect(await reached()).toBe(false);
  });

  it.each<[string, Outcome]>([
    // a route with pathParameters: true gets them, but never on a dot segment, nor as an alias
    ['/matrix/x;v=1', to(`${API}/matrix/x;v=1`)],
    ['/matrix/x;v=1/y;w=%3A', to(`${API}/matrix/x;v=1/y;w=%3A`)],
    ['/matrix/admin;v=1/x', refused(ALIAS)],
    ['/matrix/;x/admin', refused(ALIAS)],
    ['/matrix/admin/x;v=1', to(`${ADMIN}/matrix/admin/x;v=1`)],
    ['/matrix/..;/admin', refused(DOT_OR_SEPARATOR)],
    ['/matrix/%2e%2e;x/admin', refused(DOT_OR_SEPARATOR)],
    ['/matrix/.;x', refused(DOT_OR_SEPARATOR)],
  ])('%s on a route that accepts path parameters', async (path, outcome) => {
    const { res, reached } = await send(path, withMatrix);
    if ('forwarded' in outcome) {
      expect(((await res.json()) as Echo).url.split('?')[0]).toBe(outcome.forwarded);
      expect(await reached()).toBe(true);
    } else {
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 'invalid_request', error_description: (outcome as { refused: string }).refused });
      expect(await reached()).toBe(false);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// Three ways an origin may read the path it is sent. Each must land where the gateway routed.

/** RFC 3986 §5.2.4 remove_dot_segments, with runs of `/` collapsed as most servers do. */
function resolveDots(path: string): string {
  const out: string[] = [];
  for (const segment of path.split('/')) {
    if (segment === '..') out.pop();
    else if (segment !== '.' && segment !== '') out.push(segment);
  }
  return `/${out.join('/')}`;
}

/**
 * Decodes every valid escape and keeps the invalid ones, as a lenient server does; multi-byte
 * sequences are read without the overlong check, as old IIS did (`%C0%AE` is `.`).
 */
function decodeLeniently(path: string): string {
  return path.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) => {
    const bytes = run.slice(1).split('%').map((hex) => parseInt(hex, 16));
    let text = '';
    for (let i = 0; i < bytes.length; ) {
      const lead = bytes[i]!;
      const length = lead >= 0xc0 && lead < 0xe0 ? 2 : lead >= 0xe0 && lead < 0xf0 ? 3 : 1;
      const tail = bytes.slice(i + 1, i + length);
      if (length > 1 && tail.length === length - 1 && tail.every((b) => (b & 0xc0) === 0x80)) {
        text += String.fromCodePoint(tail.reduce((code, b) => (code << 6) | (b & 0x3f), lead & (length === 2 ? 0x1f : 0x0f)));
        i += length;
      } else {
        text += String.fromCharCode(lead);
        i += 1;
      }
    }
    return text;
  });
}

/** (a) Tomcat: `;parameters` cut from each segment, then one decoding, then dot segments resolved. */
const asTomcat = (path: string) => resolveDots(decodeLeniently(path.split('/').map((s) => s.split(';', 1)[0]).join('/')));
/** (b) A lenient decoder: valid escapes decoded (overlong too), invalid kept, `\` a separator, dots resolved. */
const asLenient = (path: string) => resolveDots(decodeLeniently(path).replace(/\\/g, '/'));
/** (c) WHATWG URL, as a JavaScript or browser-engine origin parses it. */
const asWhatwg = (path: string) => new URL(path, 'http://x').pathname;

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * The path the gateway forwards for `raw` through these routes, or undefined when it refuses it
 * or finds no route: the decisions of match-route.ts, made directly for speed.
 */
function forwarded(routes: RouteTable, raw: string): { path: string; route: GatewayRoute } | undefined {
  let path: string;
  try {
    path = canonicalPath(raw);
  } catch (error) {
    expect(error).toBeInstanceOf(OAuthError);
    return undefined;
  }
  const match = routes.match(path);
  if (!match || match.alias || (!match.route.pathParameters && path.includes(';'))) return undefined;
  return { path, route: match.route };
}

/** Every way of reading `path` stays under `route` and under no more specific route, whatever the letter case. */
function expectContained(path: string, route: GatewayRoute, all: readonly GatewayRoute[]) {
  const deeper = all.filter((r) => r.prefix.length > route.prefix.length && under(r.prefix.toLowerCase(), route.prefix.toLowerCase()));
  for (const [name, resolve] of [['Tomcat', asTomcat], ['lenient', asLenient], ['WHATWG', asWhatwg]] as const) {
    const seen = resolve(path);
    expect(under(seen, route.prefix), `${name} reads ${path} as ${seen}, outside ${route.prefix}`).toBe(true);
    for (const d of deeper) expect(under(seen.toLowerCase(), d.prefix.toLowerCase()), `${name} reads ${path} as ${seen}, inside ${d.prefix}`).toBe(false);
  }
}

describe('gateway: any path it forwards stays in its route, however the origin reads it', () => {
  const routeList = (pathParameters: boolean) =>
    parseRouteList('routes', [
      { prefix: '/api', origin: 'https://o.test', audience: 'a', pathParameters },
      { prefix: '/api/admin', origin: 'https://o.test', audience: 'a', pathParameters },
    ]);

  it.each([false, true])('with pathParameters %s, for canonicaliser and route table (2,000 paths)', (pathParameters) => {
    const routes = routeList(pathParameters);
    const table = new RouteTable(routes);
    let forwardedCount = 0;
    fc.assert(
      fc.property(hostilePath, (raw) => {
        const sent = forwarded(table, raw);
        if (!sent) return;
        forwardedCount++;
        expectContained(sent.path, sent.route, routes);
      }),
      { numRuns: 2000 },
    );
    // The generator must exercise the forwarding side, not only refusals.
    expect(forwardedCount).toBeGreaterThan(200);
  });

  it('through the Worker, forwards exactly the path predicted, and nothing it refuses', { timeout: 60_000 }, async () => {
    const routes = parseRouteList('GATEWAY_ROUTES', env.GATEWAY_ROUTES);
    const table = new RouteTable(routes);
    await fc.assert(
      fc.asyncProperty(hostilePath, async (raw) => {
        // What the Worker sees: the path as the URL parser leaves it (the query keeps trailing spaces in).
        const expected = forwarded(table, new URL(`${ORIGIN}${raw}?probe`).pathname);
        const { res, reached } = await send(raw);
        if (!expected) {
          expect(res.headers.get('X-Origin')).toBeNull();
          await res.body?.cancel();
          expect(await reached()).toBe(false);
          return;
        }
        expect(res.status).toBe(200);
        const url = new URL(((await res.json()) as Echo).url);
        expect(`${url.origin}${url.pathname}`).toBe(`${expected.route.origin}${expected.path}`);
        expectContained(expected.path, expected.route, routes);
      }),
      { numRuns: 200 },
    );
  });
});
