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
 */
import { base64url, decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import { publicKeyOf } from '../src/core/key-ring';
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
  for (let i = 0; i < n; i++) {
    if (what === 'signraw') await crypto.subtle.sign(params, signer.key, signingInput);
    else if (what === 'signjose') await new SignJWT({ client_id: 'client', scope: 'api1' }).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'at+jwt' }).sign(signer.key);
    else if (what === 'mint') await mintAccessToken({ issuer, client: CLIENT, scopes: ['api1'], audiences: ['api1'], scopeFormat: 'string', signer, now });
    else if (what === 'verifyraw') await crypto.subtle.verify(params, publicKey, signatureBytes, signingInput);
    else if (what === 'verifyjose') await jwtVerify(token, publicKey);
    else if (what === 'verifyown') await services.verifier.verify(token, issuer, { issuers: ['self'], audience: 'api1', clockSkewSeconds: 60, types: ['at+jwt'] });
  }
}

const LAYERS = new Set(['signraw', 'signjose', 'mint', 'verifyraw', 'verifyjose', 'verifyown']);

function request(what: string): Request {
  const base = 'http://127.0.0.1:8787';
  if (what === 'gateway') return new Request(`${base}/api/resource`, { headers: { Authorization: `Bearer ${bearer}` } });
  if (what === 'open') return new Request(`${base}/open/resource`);
  if (what === 'token') return new Request(`${base}/connect/token`, { method: 'POST', headers: FORM, body: BODY });
  if (what === 'jwks') return new Request(`${base}/.well-known/openid-configuration/jwks`);
  if (what === 'discovery') return new Request(`${base}/.well-known/openid-configuration`);
  return new Request(`${base}/healthz`);
}

export default {
  async fetch(req: Request, env: Bindings, ctx: ExecutionContext): Promise<Response> {
    const url = new URL(req.url);
    const n = Number(url.searchParams.get('n') ?? '1');
    const what = url.searchParams.get('what') ?? 'healthz';
    let failed = 0;
    if ((what === 'gateway' || LAYERS.has(what)) && !bearer) {
      const res = await worker.fetch(request('token'), env, ctx);
      bearer = ((await res.json()) as { access_token: string }).access_token;
    }
    if (LAYERS.has(what)) {
      await layer(what, n, env);
      return Response.json({ n, what, failed });
    }
    for (let i = 0; i < n; i++) {
      const res = await worker.fetch(request(what), env, ctx);
      await res.arrayBuffer();
      if (!res.ok) failed++;
    }
    return Response.json({ n, what, failed });
  },
};
