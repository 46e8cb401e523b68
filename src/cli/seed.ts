import type { SigningAlg } from '../settings';
import { importKeyEncryptionKey, decryptPrivateJwk } from '../core/key-encryption';
import { generateStoredKey, parseKeyRing, signingKeyAt, type KeyRingRecord } from '../core/key-ring';
import { KEY } from '../core/store';

/**
 * The key ring to store so that a key signs now: the existing ring when its current key decrypts
 * with `kekSecret`, else a ring with one fresh key. Returns null when nothing needs writing.
 */
export async function ensureSigningKey(
  existing: string | null,
  kekSecret: string,
  alg: SigningAlg,
): Promise<{ ring: KeyRingRecord; replaced: boolean } | null> {
  const kek = await importKeyEncryptionKey(kekSecret);
  const now = Math.floor(Date.now() / 1000);
  let replaced = false;
  if (existing !== null) {
    const current = signingKeyAt(parseKeyRing(KEY.keyRing, existing), now);
    if (current) {
      try {
        await decryptPrivateJwk(kek, current.kid, current.encryptedPrivateJwk);
        return null;
      } catch {
        replaced = true;
      }
    }
  }
  return { ring: { keys: [await generateStoredKey(alg, kek, now, now)] }, replaced };
}
