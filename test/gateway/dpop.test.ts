import { env } from 'cloudflare:workers';
import fc from 'fast-check';
import { beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { accessTokenHash } from '../../src/core/dpop';
import type { Bindings } from '../../src/env';
import { app } from '../../src/index';
import { dpopKey, dpopProof, rawJws, type DpopKey } from '../helpers/dpop';
import { claimsOf, ORIGIN, SECRET, seedArticle, tokenRequest } from '../helpers/fixtures';
import { callWith, issuedToken, newProbe, originSaw } from '../helpers/gateway';

const ALGS = 'ES256 EdDSA RS256 PS256';
const metadataOf = (prefix: string) => `${ORIGIN}/.well-known/oauth-protected-resource${prefix}`;

let key: DpopKey;
let otherKey: DpopKey;

beforeAll(async () => {
  key = await dpopKey();
  otherKey = await dpopKey();
});

beforeEach(async () => {
  await seedArticle();
});

/** A token of this Gatehouse bound to `key` (RFC 9449 §5). */
async function boundToken(): Promise<string> {
  const proof = await dpopProof(key, { htm: 'POST', htu: `${ORIGIN}/connect/token` });
  const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope: 'api1' }, { DPoP: proof });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** Calls the gateway with `Authorization: DPoP <token>` and the given DPoP header values (one each). */
function callDpop(token: string, path: string, proofs: string[], method = 'GET', bindings: Bindings = env as Bindings): Promise<Response> {
  const headers = new Headers({ Authorization: `DPoP ${token}` });
  for (const proof of proofs) headers.append('DPoP', proof);
  return app.fetch(new Request(`${ORIGIN}${path}`, { method, headers }), bindings) as Promise<Response>;
}

/**
 * Bindings of another isolate: other bindings build other services, with caches of their own, as
 * another isolate or location would; only a Durable Object is shared.
 */
const elsewhere = (): Bindings => ({ ...(env as Bindings) });

/** A valid proof for a GET of `path` with `token`; `claims` override. */
async function proofFor(token: string, path: string, claims: Record<string, unknown> = {}, signer = key, method = 'GET'): Promise<string> {
  return dpopProof(signer, { htm: method, htu: `${ORIGIN}${path.split('?')[0]}` }, { ath: await accessTokenHash(token), ...claims });
}

async function expectRefused(res: Response, status: number, error: string, description: string, challenge: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(res.headers.get('WWW-Authenticate')).toBe(challenge);
  expect(await res.json()).toEqual({ error, error_description: description });
}

function proofChallenge(description: string, prefix = '/api'): string {
  return `DPoP algs="${ALGS}", error="invalid_dpop_proof", error_description="${description}", resource_metadata="${metadataOf(prefix)}"`;
}

function tokenChallenge(description: string, prefix = '/api'): string {
  return `DPoP algs="${ALGS}", error="invalid_token", error_description="${description}", resource_metadata="${metadataOf(prefix)}"`;
}

/** Sends a proof that must be refused with invalid_dpop_proof, and checks the origin was not called. */
async function expectProofRefused(token: string, proof: string, description: string, method = 'GET') {
  const probe = newProbe();
  const res = await callDpop(token, `/api/x?probe=${probe}`, [proof], method);
  await expectRefused(res, 401, 'invalid_dpop_proof', description, proofChallenge(description));
  expect(await originSaw(probe)).toBe(false);
}

describe('gateway: DPoP tokens (RFC 9449 §7.1)', () => {
  it('passes a bound token with a valid proof; the origin sees the request', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const path = `/api/x?probe=${probe}`;
    const res = await callDpop(token, path, [await proofFor(token, path)]);
    expect(res.status).toBe(200);
    expect(await originSaw(probe)).toBe(true);
  });

  it("tells the origin the token's binding: cnf.jkt in the assertion", async () => {
    const token = await boundToken();
    const res = await callDpop(token, '/api/echo', [await proofFor(token, '/api/echo')]);
    const echo = (await res.json()) as { headers: Record<string, string> };
    expect(claimsOf(echo.headers['gatehouse-assertion']!).cnf).toEqual({ jkt: key.jkt });
  });

  it('passes a valid proof on a route that requires DPoP', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const path = `/dpop-only/x?probe=${probe}`;
    const res = await callDpop(token, path, [await proofFor(token, path)]);
    expect(res.status).toBe(200);
    expect(await originSaw(probe)).toBe(true);
  });

  it('refuses the same proof a second time (§11.1)', async () => {
    const token = await boundToken();
    const proof = await proofFor(token, '/api/x');
    expect((await callDpop(token, '/api/x', [proof])).status).toBe(200);
    await expectProofRefused(token, proof, 'DPoP proof has already been used');
  });

  it('per isolate by default: a proof replayed to another isolate is accepted there (docs/dpop.md)', async () => {
    const token = await boundToken();
    const proof = await proofFor(token, '/api/x');
    expect((await callDpop(token, '/api/x', [proof])).status).toBe(200);
    expect((await callDpop(token, '/api/x', [proof], 'GET', elsewhere())).status).toBe(200);
  });

  it('dpopReplay "global": a proof used in one isolate is refused in another, and the origin is not called', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const path = `/dpop-global/x?probe=${probe}`;
    const proof = await proofFor(token, path);
    const first = await callDpop(token, path, [proof]);
    expect(first.status).toBe(200);
    await first.arrayBuffer();
    const again = newProbe();
    // The same proof for a request with another query: htu leaves the query out (§4.2), so it is valid there.
    const replayed = await callDpop(token, `/dpop-global/x?probe=${again}`, [proof], 'GET', elsewhere());
    const description = 'DPoP proof has already been used';
    await expectRefused(replayed, 401, 'invalid_dpop_proof', description, proofChallenge(description, '/dpop-global'));
    expect(await originSaw(again)).toBe(false);
  });

  it('dpopReplay "global": of concurrent uses of one proof in separate isolates, exactly one passes', async () => {
    const token = await boundToken();
    const proof = await proofFor(token, '/dpop-global/x');
    const statuses = await Promise.all(Array.from({ length: 6 }, async () => {
      const res = await callDpop(token, '/dpop-global/x', [proof], 'GET', elsewhere());
      await res.arrayBuffer();
      return res.status;
    }));
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401, 401]);
  });

  it('dpopReplay "global": without its Durable Object binding the route answers 503, never skipping the check', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const path = `/dpop-global/x?probe=${probe}`;
    const res = await callDpop(token, path, [await proofFor(token, path)], 'GET', { ...(env as Bindings), ASSERTION_REPLAY: undefined });
    expect(res.status).toBe(503);
    expect(res.headers.get('Cache-Control')).toBe('no-store');
    expect(await res.json()).toEqual({ error: 'temporarily_unavailable', error_description: 'the DPoP replay check is unavailable; try again later' });
    expect(await originSaw(probe)).toBe(false);
  });

  it('refuses a proof for another URL, another method, or too old', async () => {
    const token = await boundToken();
    await expectProofRefused(token, await proofFor(token, '/api/other'), 'DPoP proof htu does not match the request URL');
    await expectProofRefused(token, await proofFor(token, '/api/x', {}, key, 'POST'), 'DPoP proof htm does not match the request method');
    const stale = Math.floor(Date.now() / 1000) - 301;
    await expectProofRefused(token, await proofFor(token, '/api/x', { iat: stale }), 'DPoP proof is too old');
  });

  it('refuses a proof without ath or with the hash of another token', async () => {
    const token = await boundToken();
    await expectProofRefused(token, await proofFor(token, '/api/x', { ath: undefined }), 'DPoP proof ath does not match the access token');
    await expectProofRefused(token, await proofFor(token, '/api/x', { ath: await accessTokenHash('another') }), 'DPoP proof ath does not match the access token');
  });

  it('refuses a private key in the jwk, and alg none', async () => {
    const token = await boundToken();
    const { exportJWK } = await import('jose');
    const privateJwk = await exportJWK(key.privateKey);
    const withPrivate = await dpopProof(key, { htm: 'GET', htu: `${ORIGIN}/api/x` }, { ath: await accessTokenHash(token) }, { jwk: privateJwk });
    await expectProofRefused(token, withPrivate, 'DPoP proof jwk must not contain a private key');
    const none = rawJws({ typ: 'dpop+jwt', alg: 'none', jwk: key.publicJwk },
      { htm: 'GET', htu: `${ORIGIN}/api/x`, iat: Math.floor(Date.now() / 1000), jti: crypto.randomUUID(), ath: await accessTokenHash(token) });
    await expectProofRefused(token, none, 'DPoP proof alg is not supported');
  });

  it('refuses a DPoP request without a proof, and with two DPoP headers (§4.3 point 1: 401 invalid_dpop_proof)', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const missing = await callDpop(token, `/api/x?probe=${probe}`, []);
    await expectRefused(missing, 401, 'invalid_dpop_proof', 'a DPoP proof is required with a DPoP access token',
      proofChallenge('a DPoP proof is required with a DPoP access token'));
    const two = await callDpop(token, `/api/x?probe=${probe}`, [await proofFor(token, '/api/x'), await proofFor(token, '/api/x')]);
    await expectRefused(two, 401, 'invalid_dpop_proof', 'exactly one DPoP header is allowed', proofChallenge('exactly one DPoP header is allowed'));
    expect(await originSaw(probe)).toBe(false);
  });

  it('refuses a valid proof by a key other than the one the token is bound to, as invalid_token', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const path = `/api/x?probe=${probe}`;
    const res = await callDpop(token, path, [await proofFor(token, path, {}, otherKey)]);
    const description = 'the DPoP proof is not signed by the key the token is bound to';
    await expectRefused(res, 401, 'invalid_token', description, tokenChallenge(description));
    expect(await originSaw(probe)).toBe(false);
  });

  it('refuses an unbound token presented as DPoP', async () => {
    const token = await issuedToken();
    const probe = newProbe();
    const path = `/api/x?probe=${probe}`;
    const res = await callDpop(token, path, [await proofFor(token, path)]);
    await expectRefused(res, 401, 'invalid_token', 'the token is not bound to a DPoP key', tokenChallenge('the token is not bound to a DPoP key'));
    expect(await originSaw(probe)).toBe(false);
  });

  it('refuses a bound token presented as Bearer (§7.2)', async () => {
    const token = await boundToken();
    const probe = newProbe();
    const res = await callWith(token, `/api/x?probe=${probe}`);
    const description = 'the token is bound to a DPoP key and cannot be used as a bearer token';
    await expectRefused(res, 401, 'invalid_token', description,
      `Bearer realm="gatehouse", error="invalid_token", error_description="${description}", resource_metadata="${metadataOf('/api')}"`);
    expect(await originSaw(probe)).toBe(false);
  });

  it('answers a malformed DPoP Authorization header with 400 invalid_request', async () => {
    const res = await app.fetch(new Request(`${ORIGIN}/api/x`, { headers: { Authorization: 'DPoP two tokens' } }), env);
    const description = 'the Authorization header is not a valid DPoP credential';
    await expectRefused(res, 400, 'invalid_request', description,
      `DPoP algs="${ALGS}", error="invalid_request", error_description="${description}", resource_metadata="${metadataOf('/api')}"`);
  });
});

describe('gateway: a route with dpop "required"', () => {
  it('refuses a Bearer token, even a valid one, with a bare DPoP challenge', async () => {
    const probe = newProbe();
    const res = await callWith(await issuedToken(), `/dpop-only/x?probe=${probe}`);
    await expectRefused(res, 401, 'invalid_token', 'this route requires a DPoP-bound access token', `DPoP algs="${ALGS}", resource_metadata="${metadataOf('/dpop-only')}"`);
    expect(await originSaw(probe)).toBe(false);
  });

  it('answers a request without credentials with the DPoP challenge only', async () => {
    const res = await callWith(undefined, '/dpop-only/x');
    await expectRefused(res, 401, 'invalid_token', 'this route requires a DPoP-bound access token', `DPoP algs="${ALGS}", resource_metadata="${metadataOf('/dpop-only')}"`);
  });
});

describe('gateway: DPoP proofs, property', () => {
  it('of a valid proof and its mutations, only the valid one passes', async () => {
    const token = await boundToken();
    const ath = await accessTokenHash(token);
    const now = () => Math.floor(Date.now() / 1000);
    // Each mutation breaks one thing the proof binds: the request, the token, the time, its key or its form.
    const mutation = fc.oneof(
      fc.constant('none'),
      fc.constantFrom('POST', 'PUT', 'get', 'DELETE').map((htm) => ({ htm })),
      fc.constantFrom('/api/y', '/api', '/any/x', '/api/x/').map((path) => ({ htu: `${ORIGIN}${path}` })),
      fc.constantFrom('http://gatehouse.evil/api/x', 'not a url').map((htu) => ({ htu })),
      fc.integer({ min: 301, max: 100_000 }).map((age) => ({ iat: now() - age })),
      fc.integer({ min: 61, max: 100_000 }).map((ahead) => ({ iat: now() + ahead })),
      fc.string({ maxLength: 43 }).filter((s) => s !== ath).map((wrong) => ({ ath: wrong })),
      fc.constant({ ath: undefined }),
      fc.constant({ jti: '' }),
      fc.constant('other-key'),
      fc.constant('truncated'),
    );
    await fc.assert(
      fc.asyncProperty(mutation, async (m) => {
        let proof: string;
        if (m === 'other-key') proof = await proofFor(token, '/api/x', {}, otherKey);
        else if (m === 'truncated') proof = (await proofFor(token, '/api/x')).slice(0, -4);
        else proof = await proofFor(token, '/api/x', m === 'none' ? {} : m);
        const res = await callDpop(token, '/api/x', [proof]);
        await res.arrayBuffer();
        expect(res.status).toBe(m === 'none' ? 200 : 401);
      }),
      { numRuns: 200 },
    );
  });
});
