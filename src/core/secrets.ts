import { fromBase64, toBase64 } from './encoding';

const encoder = new TextEncoder();

/**
 * base64(SHA-256(secret)): the form IdentityServer's `"secret".Sha256()` stores, so existing
 * client records move across unchanged.
 */
export async function hashSecret(secret: string): Promise<string> {
  return toBase64(new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(secret))));
}

/** Compares two byte strings in time that depends only on their lengths. */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  let diff = a.length ^ b.length;
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) diff |= (a[i % a.length] ?? 0) ^ (b[i % b.length] ?? 0);
  return diff === 0;
}

/**
 * Whether `presented` matches any of the stored hashes. Accepts IdentityServer's two hashed forms,
 * base64 SHA-256 (32 bytes) and base64 SHA-512 (64 bytes), told apart by length as its
 * HashedSharedSecretValidator does. Every stored hash is compared, in constant time, so the
 * answer's timing says nothing about which one matched or how much of it did.
 */
export async function secretMatches(presented: string, storedHashes: readonly string[]): Promise<boolean> {
  const input = encoder.encode(presented);
  let sha256: Uint8Array | undefined;
  let sha512: Uint8Array | undefined;
  let matched = false;
  for (const stored of storedHashes) {
    const expected = fromBase64(stored);
    if (!expected) continue;
    let actual: Uint8Array;
    if (expected.length === 64) {
      sha512 ??= new Uint8Array(await crypto.subtle.digest('SHA-512', input));
      actual = sha512;
    } else {
      sha256 ??= new Uint8Array(await crypto.subtle.digest('SHA-256', input));
      actual = sha256;
    }
    if (constantTimeEqual(actual, expected)) matched = true;
  }
  return matched;
}
