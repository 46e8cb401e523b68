/**
 * A benchmark-only Worker, never deployed: it runs beside Gatehouse in the same workerd so that
 * the cost of the raw operations can be set against the cost of the endpoints that use them.
 *
 * - `GET /__probe/sign?alg=ES256&n=500` signs n access-token-shaped JWTs with jose;
 * - `GET /__probe/verify?alg=ES256&n=500` verifies one such JWT n times;
 * - `GET /__probe/empty` answers at once, and `GET /__probe/log` does the same after writing one
 *   log line shaped like Gatehouse's `token_issued`: what one log line costs a request in workerd;
 * - `POST /__probe/form` reads a form body and answers a JSON body the size of a token response,
 *   with the headers of one: the least any token endpoint does in this runtime, without the token;
 * - `/__assert/<path>` is passed through to `ORIGIN` as `<path>` after signing one ES256 JWT shaped
 *   like the gateway's origin assertion (src/gateway/origin-assertion.ts), with a key imported once
 *   per isolate, set in the `Gatehouse-Assertion` header of a copy of the request's headers: the
 *   floor that the gateway's per-request signature sets, over the plain pass-through;
 * - any other path is passed through to `ORIGIN` unchanged: the plain pass-through route that the
 *   gateway's verify-and-proxy is measured against.
 *
 * workerd does not advance its clocks during synchronous work, so the probe only does the work;
 * the caller times a request with n operations against one with none.
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify, SignJWT, type CryptoKey as JoseKey } from 'jose';

interface Env {
  ORIGIN?: string;
}

const ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
type Alg = (typeof ALGS)[number];

// About as long as an access token of Gatehouse's.
const TOKEN_SIZED = 'x'.repeat(600);

const pairs = new Map<Alg, Promise<{ privateKey: JoseKey; publicKey: JoseKey; token: string }>>();

function sample(alg: Alg, privateKey: JoseKey): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: 'client', scope: 'api1' })
    .setProtectedHeader({ alg, kid: 'probe', typ: 'at+jwt' })
    .setIssuer('http://127.0.0.1')
    .setSubject('client')
    .setAudience('api1')
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + 3600)
    .setJti(crypto.randomUUID())
    .sign(privateKey);
}

function keysFor(alg: Alg) {
  let pair = pairs.get(alg);
  if (!pair) {
    pair = generateKeyPair(alg, { modulusLength: 2048 }).then(async ({ privateKey, publicKey }) => ({
      privateKey,
      publicKey,
      token: await sample(alg, privateKey),
    }));
    pairs.set(alg, pair);
  }
  return pair;
}

// The assertion key: generated, exported and imported once per isolate, as the gateway imports its
// signing key once from the key ring.
let assertionKey: Promise<JoseKey> | undefined;
function assertionSigner(): Promise<JoseKey> {
  assertionKey ??= generateKeyPair('ES256', { extractable: true }).then(async ({ privateKey }) => importJWK(await exportJWK(privateKey), 'ES256') as Promise<JoseKey>);
  return assertionKey;
}

/** base64url of 16 random bytes, as the gateway's `jti`. */
function randomJti(): string {
  return btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(16))))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/** One JWT with the claims and header of the gateway's origin assertion, signed with ES256. */
async function assertionFor(origin: string, method: string, path: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: 'http://127.0.0.1',
    aud: origin,
    sub: 'client',
    client_id: 'client',
    scope: 'api1',
    token_iss: 'http://127.0.0.1',
    token_jti: 'f0e1d2c3-b4a5-4697-8899-aabbccddeeff',
    htm: method,
    htu: origin + path,
    query_sha256: '47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU',
    jti: randomJti(),
  })
    .setProtectedHeader({ alg: 'ES256', kid: 'probe-assertion', typ: 'gatehouse-origin+jwt' })
    .setIssuedAt(now)
    .setExpirationTime(now + 60)
    .sign(await assertionSigner());
}

async function probe(url: URL): Promise<Response> {
  const alg = url.searchParams.get('alg') as Alg;
  const n = Number(url.searchParams.get('n') ?? '0');
  if (!ALGS.includes(alg) || !Number.isInteger(n) || n < 0) return new Response('bad probe', { status: 400 });
  const keys = await keysFor(alg);
  if (url.pathname === '/__probe/sign') {
    for (let i = 0; i < n; i++) await sample(alg, keys.privateKey);
  } else {
    for (let i = 0; i < n; i++) {
      await jwtVerify(keys.token, keys.publicKey, { issuer: 'http://127.0.0.1', audience: 'api1', algorithms: [alg] });
    }
  }
  return Response.json({ alg, n });
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/__probe/sign' || url.pathname === '/__probe/verify') return probe(url);
    if (url.pathname === '/__probe/empty') return new Response('ok');
    if (url.pathname === '/__probe/log') {
      console.log(JSON.stringify({ level: 'info', event: 'token_issued', time: new Date().toISOString(), client_id: 'client', scope: 'api1' }));
      return new Response('ok');
    }
    if (url.pathname === '/__probe/form') {
      const form = new URLSearchParams(await request.text());
      return Response.json(
        { access_token: TOKEN_SIZED, expires_in: 3600, token_type: 'Bearer', scope: form.get('scope') },
        { headers: { 'Cache-Control': 'no-store', Pragma: 'no-cache' } },
      );
    }
    if (!env.ORIGIN) return new Response('no origin', { status: 404 });
    if (url.pathname.startsWith('/__assert/')) {
      const path = url.pathname.slice('/__assert'.length);
      const headers = new Headers(request.headers);
      headers.set('Gatehouse-Assertion', await assertionFor(env.ORIGIN, request.method, path));
      return fetch(env.ORIGIN + path + url.search, { method: request.method, headers, body: request.body });
    }
    // The least a Worker can do to proxy: the same method, headers and body to the origin, and
    // the origin's answer as it is.
    return fetch(env.ORIGIN + url.pathname + url.search, { method: request.method, headers: request.headers, body: request.body });
  },
} satisfies ExportedHandler<Env>;
