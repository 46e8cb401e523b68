import type { JWK } from 'jose';
import { jwkThumbprint, publicJwk, publicJwkFromPem } from '../core/client-keys';
import type { ClientRecord } from '../core/records';
import { OAuthError } from '../errors';
import { objectInput } from './input';

/**
 * The admin's side of clients' public keys for private_key_jwt: reading a key to add, checking it
 * against the client's keys, and the rule that a client using private_key_jwt has keys to check an
 * assertion against.
 */

/** A client holds at most this many keys in its record: enough for rollover, bounded in size. */
export const MAX_CLIENT_KEYS = 10;

/** The public JWK that `{ "jwk": {...} }` or `{ "pem": "-----BEGIN ..." }` gives, in its stored form. */
export async function clientKeyInput(input: unknown): Promise<JWK> {
  const o = objectInput('the key', input, ['jwk', 'pem']);
  if ((o.jwk === undefined) === (o.pem === undefined)) {
    throw new OAuthError('invalid_request', 'give either "jwk" (a public JWK) or "pem" (a PEM public key or X.509 certificate)');
  }
  if (o.jwk !== undefined) return publicJwk(o.jwk);
  if (typeof o.pem !== 'string') throw new OAuthError('invalid_request', '"pem" must be a string');
  return publicJwkFromPem(o.pem);
}

/** Refuses `key` when the client has it already, under its kid or as the same key, or holds the most keys. */
export async function requireNewKey(clientId: string, keys: readonly JWK[], key: JWK): Promise<void> {
  const clash = keys.find((k) => k.kid === key.kid);
  if (clash) throw new OAuthError('conflict', `client "${clientId}" already has a key with kid "${key.kid}"`);
  const thumbprint = await jwkThumbprint(key);
  for (const k of keys) {
    if ((await jwkThumbprint(k)) === thumbprint) throw new OAuthError('conflict', `this key is already one of the keys of client "${clientId}"`);
  }
  if (keys.length >= MAX_CLIENT_KEYS) throw new OAuthError('conflict', `at most ${MAX_CLIENT_KEYS} keys are kept; remove one first`);
}

/**
 * Gives a key without a kid its thumbprint as kid: with several keys each needs one (src/core/records.ts),
 * and an assertion without a kid still finds it, since only a kid in the assertion narrows the search.
 */
export function withKeyIds(keys: readonly JWK[]): Promise<JWK[]> {
  return Promise.all(keys.map(async (k) => (k.kid === undefined ? { ...k, kid: await jwkThumbprint(k) } : k)));
}

/** Where `kid` is among `keys`: a key's kid, or the thumbprint of a key that has none. -1 when absent. */
export async function indexOfKey(keys: readonly JWK[], kid: string): Promise<number> {
  const thumbprints = await Promise.all(keys.map((k) => (k.kid === undefined ? jwkThumbprint(k) : undefined)));
  return keys.findIndex((k, i) => (k.kid ?? thumbprints[i]) === kid);
}

/** Whether a client (or the fields of one about to be written) would authenticate with private_key_jwt. */
function usesPrivateKeyJwt(fields: { authMethods?: unknown }): boolean {
  return Array.isArray(fields.authMethods) && fields.authMethods.includes('private_key_jwt');
}

/**
 * Refuses the fields of a client that would use private_key_jwt with no key to check an assertion
 * against: neither keys in the record nor a jwksUri. Checked before the record validator, which
 * refuses the same, to say what to do.
 */
export function requireKeysForPrivateKeyJwt(fields: { authMethods?: unknown; jwks?: unknown; jwksUri?: unknown }): void {
  if (usesPrivateKeyJwt(fields) && fields.jwks === undefined && (fields.jwksUri === undefined || fields.jwksUri === null)) {
    throw new OAuthError('invalid_request', 'private_key_jwt needs the client\'s public keys: add a key or set "jwksUri" first');
  }
}

/** Refuses to remove the last key of a client that uses private_key_jwt and has no jwksUri. */
export function requireKeyLeft(client: ClientRecord, remaining: readonly JWK[], kid: string): void {
  if (remaining.length === 0 && usesPrivateKeyJwt(client) && !client.jwksUri) {
    throw new OAuthError(
      'conflict',
      `key "${kid}" is the last key of client "${client.clientId}", which uses private_key_jwt: add another key or change its "authMethods" first`,
    );
  }
}
