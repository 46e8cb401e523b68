/**
 * A benchmark-only Worker, never deployed: it calls Gatehouse's own fetch handler n times in one
 * request, without the network in between, so that the cost of Gatehouse's code alone can be
 * measured (by workerd's CPU time, from outside) and compared before and after a change.
 * `GET /__in-process?n=1000&what=token` (or `healthz`, `jwks`, `discovery`, and with the routes
 * bench/in-process.mjs configures, `gateway` and `open`).
 *
 * Signing and verifying in layers, with the ring's current key and a token of this Gatehouse:
 * `signraw`/`verifyraw` (Web Crypto alone, on bytes prepared beforehand), `signjose`/`verifyjose`
 * (jose's SignJWT and jwtVerify, no claim checks), `mint`/`verifyown` (Gatehouse's own
 * mintAccessToken, and the one AccessTokenVerifier with every check the gateway makes, revocation
 * and the client's state included).
 *
 * The steps of a gateway request to `/api/resource`, each alone, so that each has a name and a cost:
 * `gwmatch` (URL parse, canonical path, route lookup), `gwverify` (the verifier under the route's
 * policy, with its cache key: cached unless GATEWAY_TOKEN_CACHE_SIZE=0), `gwassert` (the origin
 * assertion), `signassert` (its signature alone: Web Crypto on prepared bytes with the assertion
 * key; `signhmac` an HMAC-SHA-256 of the same bytes instead), `gwheaders` (the origin's request headers), `gwfetch` (the call to the origin and its body;
 * `gwfetchid` with the assertion and identity headers a verified request adds);
 * and parts of the assertion: `randomid` (its `jti`), `signer` (the assertion key's lookup).
 * `a+b` runs a and then b in each call: whether a step costs more beside a fetch than alone;
 * `evict` writes 4 MB, so that `evict+b` shows b with cold CPU caches.
 */
import { base64url, compactVerify, decodeJwt, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { randomId } from '../src/core/encoding';
import { publicKeyOf } from '../src/core/key-ring';
import { originRequestHeaders } from '../src/gateway/headers';
import { originAssertion } from '../src/gateway/origin-assertion';
import { canonicalPath } from '../src/gateway/path';
import type { ClientRecord } from '../src/core/records';
import { mintAccessToken } from '../src/core/tokens';
import worker from '../src/index';
import type { Bindings } from '../src/env';
import { servicesFor } from '../src/services';

const BODY = 'grant_type=client_credentials&client_id=client&client_secret=secret&scope=api1';
// As a request from the network has it: workerd sets no Content-Length on a Request built here.
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': String(BODY.length) };

let bearer: string | undefined;

/** Web Crypto's parameters for each JWS algorithm Gatehouse signs with (RFC 7518 §3). */
const WEB_CRYPTO: Record<string, SubtleCryptoSignAlgorithm> = {
  RS256: { name: 'RSASSA-PKCS1-v1_5' },
  PS256: { name: 'RSA-PSS', saltLength: 32 },
  ES256: { name: 'ECDSA', hash: 'SHA-256' },
  EdDSA: { name: 'Ed25519' },
};

const CLIENT: ClientRecord = {
  clientId: 'client',
  name: 'client',
  enabled: true,
  secrets: [],
  allowedGrantTypes: ['client_credentials'],
  allowedScopes: ['api1'],
  accessTokenLifetime: 3600,
  claims: {},
  claimsPrefix: 'client_',
};

/** Runs one layer of signing or verification n times. */
async function layer(what: string, n: number, env: Bindings): Promise<void> {
  const token = bearer!;
  const services = servicesFor(env);
  const now = Math.floor(Date.now() / 1000);
  const signer = await services.keyRing.signer(now);
  const ring = await services.keyRing.get();
  const { kid, alg } = decodeProtectedHeader(token);
  const publicKey = await publicKeyOf(ring.keys.find((k) => k.kid === kid)!);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const signingInput = new TextEncoder().encode(`${header}.${payload}`);
  const signatureBytes = base64url.decode(signature);
  const params = WEB_CRYPTO[alg!]!;
  const issuer = 'http://127.0.0.1:8787';
  const { gateway } = services.config;
  const { route } = gateway.routes.match('/api/resource')!;
  const policy = { issuers: route.issuers, audience: route.audience, clockSkewSeconds: gateway.clockSkewSeconds, types: gateway.tokenTypes, presentedAs: 'Bearer' as const, cacheKey: route.prefix };
  const assertionSigner = await services.keyRing.signer(now, 'assertion');
  const caller = { issuer, clientId: 'client', subject: 'client', scopes: ['api1'], jti: 'jti' };
  // What a MAC over the same bytes would cost instead of the assertion's signature (an HS256 JWS).
  const hmacKey = await crypto.subtle.importKey('raw', crypto.getRandomValues(new Uint8Array(32)), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  let i = 0;
  const incoming = new Request(`${issuer}/api/resource`, { headers: { Authorization: `Bearer ${token}` } });
  const fetchOrigin = async (headers: HeadersInit) => void (await (await fetch(`${route.origin}/api/resource`, { headers })).arrayBuffer());
  const steps: Record<string, () => unknown> = {
    signraw: () => crypto.subtle.sign(params, signer.key, signingInput),
    signjose: () => new SignJWT({ client_id: 'client', scope: 'api1' }).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' }).sign(signer.key),
    mint: () => mintAccessToken({ issuer, client: CLIENT, scopes: ['api1'], audiences: ['api1'], scopeFormat: 'string', signer, now }),
    verifyraw: () => crypto.subtle.verify(params, publicKey, signatureBytes, signingInput),
    verifyjose: () => jwtVerify(token, publicKey),
    verifycompact: () => compactVerify(token, publicKey),
    decodejwt: () => decodeJwt(token),
    verifyown: () => services.verifier.verify(token, issuer, { issuers: ['self'], audience: 'api1', clockSkewSeconds: 60, types: ['at+jwt'] }),
    gwmatch: () => gateway.routes.match(canonicalPath(new URL(`${issuer}/api/resource`).pathname)),
    gwverify: () => services.verifier.verify(token, issuer, policy),
    gwassert: () => originAssertion(services, { caller, issuer, audience: route.assertionAudience, method: 'GET', url: `${route.origin}/api/resource`, search: '' }),
    signassert: () => crypto.subtle.sign(WEB_CRYPTO[assertionSigner.alg]!, assertionSigner.key, signingInput),
    signhmac: () => crypto.subtle.sign('HMAC', hmacKey, signingInput),
    gwheaders: () => originRequestHeaders(incoming.headers, route.forwardAuthorization).set('Gatehouse-Assertion', token),
    gwfetch: () => fetchOrigin({ 'X-Forwarded-Host': '127.0.0.1:8787' }),
    // The same call carrying what a verified request adds: an assertion-sized header and the identity headers.
    gwfetchid: () => fetchOrigin({ 'X-Forwarded-Host': '127.0.0.1:8787', 'Gatehouse-Assertion': token, 'X-Gatehouse-Issuer': issuer, 'X-Gatehouse-Client-Id': 'client', 'X-Gatehouse-Scope': 'api1' }),
    randomid: () => randomId(16),
    // Writes 4 MB, more than the core's L2 cache holds: what a request's other work and the other
    // processes of a shared machine do to the caches between two of its steps, without any I/O.
    evict: () => evictionBuffer.fill(i++ & 0xff),
    signer: () => services.keyRing.signer(Math.floor(Date.now() / 1000), 'assertion'),
  };
  // `a+b`: the steps a and b one after the other in each call, to see whether they cost more together.
  const chosen = what.split('+').map((w) => steps[w]!);
  for (let i = 0; i < n; i++) {
    for (const step of chosen) await step();
  }
}

/** Whether `what` names layers of {@link layer}, alone or joined by `+`. */
function isLayer(what: string): boolean {
  return what.split('+').every((w) => LAYERS.has(w));
}

const evictionBuffer = new Uint8Array(4 << 20);

const LAYERS = new Set(['signraw', 'signjose', 'mint', 'verifyraw', 'verifyjose', 'verifyown', 'gwmatch', 'gwverify', 'gwassert', 'gwheaders', 'gwfetch', 'signassert', 'randomid', 'signer', 'verifycompact', 'decodejwt', 'gwfetchid', 'signhmac', 'evict']);

function request(what: string): Request {
  const base = 'http://127.0.0.1:8787';
  if (what === 'gateway') return new Request(`${base}/api/resource`, { headers: { Authorization: `Bearer ${bearer}` } });
  if (what === 'open') return new Request(`${base}/open/resource`);
  if (what === 'token') return new Request(`${base}/connect/token`, { method: 'POST', headers: FORM, body: BODY });
  if (what === 'jwks') return new Request(`${base}/.well-known/openid-configuration/jwks`);
  if (what === 'discovery') return new Request(`${base}/.well-known/openid-configuration`);
  return new Request(`${base}/healthz`);
}

// The origin's answer (bench/lib/servers.mjs startOrigin), for the `…stub` measurements.
const ORIGIN_BODY = JSON.stringify({ ok: true, data: 'x'.repeat(200) });

/**
 * `gatewaystub` and `openstub`: `gateway` and `open` with the origin answered inside the isolate
 * (the global fetch replaced for the loop), so no I/O: Gatehouse's own work per request without
 * the network's noise. Their difference is what verification and the assertion add.
 */
async function withStubOrigin<T>(run: () => Promise<T>): Promise<T> {
  const real = globalThis.fetch;
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit) => {
    await (init?.body ? new Response(init.body).arrayBuffer() : undefined);
    return new Response(ORIGIN_BODY, { headers: { 'Content-Type': 'application/json' } });
  };
  try {
    return await run();
  } finally {
    globalThis.fetch = real;
  }
}

export default {
  async fetch(req: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(req.url);
    const n = Number(url.searchParams.get('n') ?? '1');
    const what = url.searchParams.get('what') ?? 'healthz';
    let failed = 0;
    if ((what === 'gateway' || what === 'gatewaystub' || isLayer(what)) && !bearer) {
      const res = await worker.fetch(request('token'), env, ctx);
      bearer = ((await res.json()) as { access_token: string }).access_token;
    }
    if (isLayer(what)) {
      await layer(what, n, env);
      return Response.json({ n, what, failed });
    }
    const stub = what.endsWith('stub');
    const calls = async () => {
      for (let i = 0; i < n; i++) {
        const res = await worker.fetch(request(stub ? what.slice(0, -'stub'.length) : what), env, ctx);
        await res.arrayBuffer();
        if (!res.ok) failed++;
      }
    };
    await (stub ? withStubOrigin(calls) : calls());
    return Response.json({ n, what, failed });
  },
};
