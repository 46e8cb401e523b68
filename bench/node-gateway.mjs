// A Node.js API gateway for `npm run bench` to set beside Gatehouse's: built the way a team would
// build one from well-kept libraries (fastify, @fastify/reply-from over undici, jose), in front of
// the same origin, checking the same things Gatehouse checks of an access token (RFC 9068 §4):
// signature against a local JWKS, `typ` at+jwt, `iss`, `aud`, `exp`, and the route's scopes.
//
// node bench/node-gateway.mjs '{"port":…,"origin":"http://…","jwks":{…},"issuers":[…],"audience":"api1","scopes":["api1"],"algorithms":[…]}'
//
// Routes (every other path is 404):
// - `/open/*`: proxied to the origin as it is, nothing checked (this peer's pass-through);
// - `/api/*`: the bearer token verified on every request, then proxied;
// - `/cached/*`: the same with a small LRU of verified tokens keyed by the token (1,000 entries;
//   an entry is used only until the token's `exp`), as a team would add once a profile showed
//   verification; proxied without the `/cached` prefix.
// It writes `ready` on stdout once listening.
import replyFrom from '@fastify/reply-from';
import Fastify from 'fastify';
import { createLocalJWKSet, jwtVerify } from 'jose';

const { port, origin, jwks, issuers, audience, scopes, algorithms } = JSON.parse(process.argv[2]);
const keys = createLocalJWKSet(jwks);
const CACHE_SIZE = 1000;
/** token → its verified claims; a Map keeps insertion order, so the first key is the least recently used. */
const cache = new Map();

class Unauthorized extends Error {}

async function verify(token) {
  const { payload } = await jwtVerify(token, keys, { issuer: issuers, audience, typ: 'at+jwt', algorithms, requiredClaims: ['exp'] });
  return payload;
}

async function cachedVerify(token) {
  const hit = cache.get(token);
  if (hit && hit.exp > Date.now() / 1000) {
    cache.delete(token);
    cache.set(token, hit);
    return hit;
  }
  const payload = await verify(token);
  cache.set(token, payload);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value);
  return payload;
}

/** The caller's claims, or Unauthorized: a bearer token (RFC 6750 §2.1) that verifies and holds every scope. */
async function authorize(request, verifier) {
  const match = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new Unauthorized('missing bearer token');
  let payload;
  try {
    payload = await verifier(match[1]);
  } catch {
    throw new Unauthorized('invalid token');
  }
  const granted = new Set(typeof payload.scope === 'string' ? payload.scope.split(' ') : []);
  if (!scopes.every((s) => granted.has(s))) throw new Unauthorized('insufficient scope');
  return payload;
}

const app = Fastify({ logger: false });
await app.register(replyFrom, { base: origin });
app.setErrorHandler((error, _request, reply) => {
  if (error instanceof Unauthorized) {
    return reply.code(401).header('www-authenticate', `Bearer error="invalid_token", error_description="${error.message}"`).send({ error: 'invalid_token' });
  }
  return reply.code(502).send({ error: 'bad_gateway' });
});

// The caller's identity travels to the origin in plain headers, as most such gateways do.
const identity = (claims) => ({ rewriteRequestHeaders: (_req, headers) => ({ ...headers, 'x-client-id': String(claims.client_id ?? claims.sub), 'x-scope': String(claims.scope) }) });

app.get('/open/*', (request, reply) => reply.from(request.url));
app.get('/api/*', async (request, reply) => reply.from(request.url, identity(await authorize(request, verify))));
app.get('/cached/*', async (request, reply) => reply.from(request.url.slice('/cached'.length), identity(await authorize(request, cachedVerify))));

await app.listen({ port, host: '127.0.0.1' });
process.stdout.write('ready\n');
