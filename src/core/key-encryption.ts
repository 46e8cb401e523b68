import { OAuthError } from '../errors';
import { fromBase64, toBase64 } from './encoding';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

// The imported key, never a pending import (a promise is tied to the request that made it).
let imported: { secret: string; key: CryptoKey } | undefined;

/**
 * The AES-256-GCM key that wraps private signing keys at rest, imported once per isolate from the
 * `KEY_ENCRYPTION_KEY` secret (base64 of 32 bytes). Missing or malformed, it is a clear error:
 * Gatehouse never falls back to signing with a throwaway key that nobody could verify later.
 */
export async function importKeyEncryptionKey(secret: string | undefined): Promise<CryptoKey> {
  if (!secret) {
    throw new OAuthError('server_error', 'signing is unavailable: KEY_ENCRYPTION_KEY is not set', {
      logDetail: 'set the KEY_ENCRYPTION_KEY secret (base64 of 32 random bytes); see docs/keys.md',
    });
  }
  if (imported?.secret === secret) return imported.key;
  const bytes = fromBase64(secret);
  if (!bytes || bytes.length !== 32) {
    throw new OAuthError('server_error', 'signing is unavailable: KEY_ENCRYPTION_KEY must be base64 of 32 bytes');
  }
  const key = await crypto.subtle.importKey('raw', bytes, 'AES-GCM', false, ['encrypt', 'decrypt']);
  imported = { secret, key };
  return key;
}

/** Encrypts a private JWK; the key id is bound in as additional data, so ciphertexts cannot be swapped. */
export async function encryptPrivateJwk(kek: CryptoKey, kid: string, jwk: object): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(kid) },
    kek,
    encoder.encode(JSON.stringify(jwk)),
  );
  const out = new Uint8Array(iv.length + sealed.byteLength);
  out.set(iv);
  out.set(new Uint8Array(sealed), iv.length);
  return toBase64(out);
}

/** Decrypts what {@link encryptPrivateJwk} sealed; a wrong key or tampered data is a clear error. */
export async function decryptPrivateJwk(kek: CryptoKey, kid: string, sealed: string): Promise<Record<string, unknown>> {
  const bytes = fromBase64(sealed);
  try {
    if (!bytes || bytes.length < 29) throw new Error('truncated');
    const plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: bytes.subarray(0, 12), additionalData: encoder.encode(kid) },
      kek,
      bytes.subarray(12),
    );
    return JSON.parse(decoder.decode(plain)) as Record<string, unknown>;
  } catch {
    throw new OAuthError('server_error', 'signing is unavailable: KEY_ENCRYPTION_KEY does not decrypt the signing key', {
      logDetail: `private key ${kid} could not be decrypted: wrong KEY_ENCRYPTION_KEY or a damaged key ring`,
    });
  }
}
