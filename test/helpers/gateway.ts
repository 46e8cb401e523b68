import { env } from 'cloudflare:workers';
import { base64url, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { importKeyEncryptionKey, decryptPrivateJwk } from '../../src/core/key-encryption';
import type { StoredKey } from '../../src/core/key-ring';
import { app } from '../../src/index';
import type { Bindings } from '../../src/env';
import { ORIGIN, seedArticle, SECRET, tokenRequest } from './fixtures';

/** The signing key of the seeded ring, with its private half for crafting tokens. */
export interface RingKey {
  stored: StoredKey;
  privateKey: CryptoKey;
}

/** Seeds the article's setup and returns the ring's key with its private half. */
export async function seedWithKey(): Promise<RingKey> {
  const stored = await seedArticle();
  const kek = await importKeyEncryptionKey(env.KEY_ENCRYPTION_KEY);
  const jwk = await decryptPrivateJwk(kek, stored.kid, stored.encryptedPrivateJwk);
  return { stored, privateKey: (await importJWK(jwk as JWK, stored.alg)) as CryptoKey };
}

/** A token from this Gatehouse's own token endpoint, for the article's client and scope. */
export async function issuedToken(scope = 'api1'): Promise<string> {
  const res = await tokenRequest({ grant_type: 'client_credentials', client_id: 'client', client_secret: SECRET, scope });
  if (res.status !== 200) throw new Error(`token endpoint answered ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export const now = () => Math.floor(Date.now() / 1000);

/** Claims of a valid access token of this Gatehouse for api1, with overrides (undefined removes a claim). */
export function claims(overrides: Record<string, unknown> = {}): JWTPayload {
  const t = now();
  const base: Record<string, unknown> = {
    iss: ORIGIN, sub: 'client', client_id: 'client', aud: 'api1', scope: 'api1', iat: t, nbf: t, exp: t + 300,
    jti: crypto.randomUUID(), ...overrides,
  };
  for (const [k, v] of Object.entries(base)) if (v === undefined) delete base[k];
  return base as JWTPayload;
}

/** Signs `payload` with `key` under the given header (alg, kid, typ). */
export function sign(payload: JWTPayload, key: CryptoKey | Uint8Array, header: { alg: string; kid?: string; typ?: string }): Promise<string> {
  return new SignJWT(payload).setProtectedHeader({ typ: 'at+jwt', ...header }).sign(key);
}

/** A token crafted by hand: header and payload base64url-encoded, and a signature of our choosing. */
export function unsignedToken(header: object, payload: object, signature = ''): string {
  const enc = (o: object) => base64url.encode(new TextEncoder().encode(JSON.stringify(o)));
  return `${enc(header)}.${enc(payload)}.${signature}`;
}

/** A key pair of another party, with its public JWK (kid set). */
export async function foreignKey(kid: string, alg = 'RS256'): Promise<{ privateKey: CryptoKey; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' } };
}

/** A fresh marker for the origin: add `probe=<it>` to a query, then ask whether the origin saw it. */
export function newProbe(): string {
  return crypto.randomUUID();
}

/** Whether a request with this probe reached the origin (test/helpers/upstream-worker.mjs). */
export async function originSaw(probe: string): Promise<boolean> {
  return ((await (await fetch(`https://control.test/probe/${probe}`)).json()) as { seen: boolean }).seen;
}

/** What the echo origin says it received. */
export interface Echo {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | null;
}

/** Calls the gateway with a bearer token. */
export function callWith(token: string | undefined, path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token !== undefined) headers.set('Authorization', `Bearer ${token}`);
  // Concatenated, not resolved: `//x` must stay a path, as it is on the wire.
  return app.fetch(new Request(`${ORIGIN}${path}`, { ...init, headers }), env) as Promise<Response>;
}

/** The bindings with settings changed: a configuration of its own, with caches of its own. */
export function envWith(settings: Partial<Record<Exclude<keyof Bindings, 'GATEHOUSE' | 'AUTH_LIMITER' | 'ASSERTION_REPLAY' | 'REVOCATIONS'>, string>>): Bindings {
  return { ...env, ...settings };
}

/** Sets what an issuer at `host` (a `*.idp.test` name) serves, or reads its counters. */
export async function issuerControl(host: string, state?: { jwks?: { keys: JWK[] }; down?: boolean; delayMs?: number }) {
  const res = await fetch(`https://control.test/issuer/${host}`, state ? { method: 'POST', body: JSON.stringify(state) } : {});
  return (await res.json()) as { discoveryHits: number; jwksHits: number; down: boolean };
}
