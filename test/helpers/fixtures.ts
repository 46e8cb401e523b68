import { env } from 'cloudflare:workers';
import { importKeyEncryptionKey } from '../../src/core/key-encryption';
import { generateStoredKey, type StoredKey } from '../../src/core/key-ring';
import type { SigningAlg } from '../../src/settings';

/** The article's client secret, and its IdentityServer hash, base64(SHA-256("secret")). */
export const SECRET = 'secret';
export const SECRET_HASH = 'K7gNU3sdo+OL0wNhqoVWhr3g6s1xYv72ol/pe/Unols=';

export const ORIGIN = 'https://gatehouse.test';

/** Writes a JSON record to the test's real KV binding. */
export async function put(key: string, value: unknown): Promise<void> {
  await env.GATEHOUSE.put(key, typeof value === 'string' ? value : JSON.stringify(value));
}

/** A client record like the article's, with fields overridden. */
export function clientRecord(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientId: 'client',
    name: 'Example client',
    enabled: true,
    secrets: [{ hash: SECRET_HASH }],
    allowedGrantTypes: ['client_credentials'],
    allowedScopes: ['api1'],
    ...overrides,
  };
}

/** Generates a stored signing key with the test KEY_ENCRYPTION_KEY. */
export async function storedKey(alg: SigningAlg = 'RS256', activatesAt = 0): Promise<StoredKey> {
  const kek = await importKeyEncryptionKey(env.KEY_ENCRYPTION_KEY);
  return generateStoredKey(alg, kek, activatesAt, Math.floor(Date.now() / 1000));
}

/** Seeds the article's setup: API resource and scope `api1`, client `client` / `secret`, one key. */
export async function seedArticle(alg: SigningAlg = 'RS256'): Promise<StoredKey> {
  const key = await storedKey(alg);
  await Promise.all([
    put('scope:api1', { name: 'api1', displayName: 'My API' }),
    put('resource:api1', { name: 'api1', displayName: 'My API', scopes: ['api1'] }),
    put('client:client', clientRecord()),
    put('keys', { keys: [key] }),
  ]);
  return key;
}

/** Calls the Worker as a client would. */
export function call(path: string, init?: RequestInit): Promise<Response> {
  return exportsFetch(new Request(new URL(path, ORIGIN), init));
}

async function exportsFetch(request: Request): Promise<Response> {
  const { exports } = await import('cloudflare:workers');
  return (exports as unknown as { default: { fetch(r: Request): Promise<Response> } }).default.fetch(request);
}

/** A form-encoded token request. */
export function tokenRequest(params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call('/connect/token', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** The Basic header of RFC 6749 §2.3.1: form-urlencoded id and secret, joined, base64. */
export function basic(id: string, secret: string): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');
  return `Basic ${btoa(`${enc(id)}:${enc(secret)}`)}`;
}

/** A form-encoded POST to one of the OAuth endpoints. */
export function formPost(path: string, params: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return call(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(params).toString(),
  });
}

/** The API resource `api1` with its own introspection secret, `SECRET`. */
export async function seedResourceSecret(): Promise<void> {
  await put('resource:api1', { name: 'api1', displayName: 'My API', scopes: ['api1'], secrets: [{ hash: SECRET_HASH }] });
}

/** The claims of a JWT, decoded without verification (for assertions only). */
export function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(atob(token.split('.')[1]!.replace(/-/g, '+').replace(/_/g, '/')));
}

/** The revoked tokens of the `revocations` document (`jti` → epoch seconds), {} while it does not exist. */
export async function revokedTokens(): Promise<Record<string, number>> {
  const doc = (await env.GATEHOUSE.get('revocations', 'json')) as { tokens: Array<[string, number]> } | null;
  return Object.fromEntries(doc?.tokens ?? []);
}

/** Writes the `revocations` document as isolates read it (docs/storage.md). */
export async function putRevokedTokens(tokens: Record<string, number>): Promise<void> {
  await env.GATEHOUSE.put('revocations', JSON.stringify({ tokens: Object.entries(tokens) }));
}
