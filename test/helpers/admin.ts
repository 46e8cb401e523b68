import { env } from 'cloudflare:workers';
import { expect } from 'vitest';
import { parseClient } from '../../src/core/records';
import { mintAccessToken } from '../../src/core/tokens';
import { servicesFor } from '../../src/services';
import { call, clientRecord, ORIGIN, put, seedArticle, tokenRequest } from './fixtures';

/** The admin client of the tests and its secret, base64(SHA-256) stored as IdentityServer does. */
export const ADMIN_ID = 'gatehouse-admin';
export const ADMIN_SECRET = 'admin-secret-for-tests-only-0123456789';

async function sha256(text: string): Promise<string> {
  return btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text)))));
}

/** Empties the test's KV namespace (storage is shared by the tests of one file). */
export async function clearKv(): Promise<void> {
  const { keys } = await env.GATEHOUSE.list();
  await Promise.all(keys.map((k) => env.GATEHOUSE.delete(k.name)));
}

/** A fresh KV with the article's setup plus what `gatehouse admin bootstrap` creates. */
export async function seedAdmin(): Promise<void> {
  await clearKv();
  await seedArticle();
  await Promise.all([
    put('scope:gatehouse.admin', { name: 'gatehouse.admin' }),
    put('resource:gatehouse', { name: 'gatehouse', scopes: ['gatehouse.admin'] }),
    put(`client:${ADMIN_ID}`, clientRecord({
      clientId: ADMIN_ID,
      secrets: [{ id: 'admin1', hash: await sha256(ADMIN_SECRET) }],
      allowedScopes: ['gatehouse.admin'],
      accessTokenLifetime: 300,
    })),
  ]);
}

/** An admin access token from the token endpoint, as the CLI obtains one. */
export async function adminToken(): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials', client_id: ADMIN_ID, client_secret: ADMIN_SECRET, scope: 'gatehouse.admin' });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

/** A token signed by the current key with chosen scopes, audiences, client and time. */
export async function mintToken(opts: { scopes?: string[]; audiences?: string[]; clientId?: string; now?: number; lifetime?: number; scopeFormat?: 'string' | 'array' } = {}): Promise<string> {
  const client = parseClient('client', JSON.stringify(clientRecord({ clientId: opts.clientId ?? ADMIN_ID, accessTokenLifetime: opts.lifetime ?? 300 })));
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const minted = await mintAccessToken({
    issuer: ORIGIN,
    client,
    scopes: opts.scopes ?? ['gatehouse.admin'],
    audiences: opts.audiences ?? ['gatehouse'],
    scopeFormat: opts.scopeFormat ?? 'string',
    signer: await servicesFor(env).keyRing.signer(now),
    now,
  });
  return minted.token;
}

/** Calls the admin API with a bearer token and an optional JSON body. */
export function admin(method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return call(`/admin${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { Authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** Asserts an error response: status, JSON body, no-store, and an optional exact WWW-Authenticate. */
export async function expectError(res: Response, status: number, error: string, description: string, challenge?: string | null): Promise<void> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toEqual({ status, body: JSON.stringify({ error, error_description: description }) });
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  if (challenge !== undefined) expect(res.headers.get('WWW-Authenticate')).toBe(challenge);
}

/** Asserts a successful JSON response and returns its body; checks no stored hash is in it. */
export async function expectJson<T = Record<string, unknown>>(res: Response, status = 200): Promise<T> {
  const text = await res.text();
  expect({ status: res.status, body: text }).toMatchObject({ status });
  expect(res.headers.get('Content-Type')).toBe('application/json');
  expect(res.headers.get('Cache-Control')).toBe('no-store');
  expect(text).not.toMatch(/"hash"|[A-Za-z0-9+/]{43}=/);
  return JSON.parse(text) as T;
}
