import type { SigningAlg } from '../settings';
import { importKeyEncryptionKey, decryptPrivateJwk } from '../core/key-encryption';
import { generateStoredKey, parseKeyRing, signingKeyAt, type KeyRingRecord } from '../core/key-ring';
import { KEY } from '../core/store';

/** What {@link ensureSigningKey} did to the local key ring. */
export interface SeededKeyRing {
  /**
   * `kept`: the current key decrypts and stays; `created`: the ring was empty; `replaced`: the old
   * ring did not decrypt with the secret and was replaced; `switched`: a key of `alg` was added that
   * signs at once (`newKey`).
   */
  outcome: 'kept' | 'created' | 'replaced' | 'switched';
  /** The ring to write; absent when nothing changes. */
  ring?: KeyRingRecord;
  /** The algorithm of the key that signs once the ring is written. */
  signingAlg: SigningAlg;
}

/**
 * The local key ring to store so that a key signs now. An empty ring, or one whose current key does
 * not decrypt with `kekSecret`, gets one fresh key of `alg`. An existing ring is kept as it is,
 * whatever its algorithm (a change of algorithm is otherwise a rotation, docs/keys.md), unless
 * `newKey` asks for the switch at once: then a key of `alg` is added that signs from now, the older
 * keys stay published (so the tokens they signed still verify) and keys not yet signing are dropped
 * (nothing was signed with them). Only for local state: a deployment's validators must see a key in
 * the JWKS for `KEY_PROPAGATION` before it signs.
 */
export async function ensureSigningKey(
  existing: string | null,
  kekSecret: string,
  alg: SigningAlg,
  options: { newKey?: boolean } = {},
): Promise<SeededKeyRing> {
  const kek = await importKeyEncryptionKey(kekSecret);
  const now = Math.floor(Date.now() / 1000);
  let outcome: SeededKeyRing['outcome'] = 'created';
  if (existing !== null) {
    const ring = parseKeyRing(KEY.keyRing, existing);
    const current = signingKeyAt(ring, now);
    if (current) {
      let opens = true;
      try {
        await decryptPrivateJwk(kek, current.kid, current.encryptedPrivateJwk);
      } catch {
        opens = false;
        outcome = 'replaced';
      }
      if (opens && !options.newKey) return { outcome: 'kept', signingAlg: current.alg };
      if (opens) {
        // Signing picks the first of keys with the same activation: a second later when the current
        // key was created this very second.
        const activatesAt = Math.max(now, current.activatesAt + 1);
        const published = ring.keys.filter((k) => k.activatesAt <= now);
        return { outcome: 'switched', ring: { keys: [...published, await generateStoredKey(alg, kek, activatesAt, now)] }, signingAlg: alg };
      }
    }
  }
  return { outcome, ring: { keys: [await generateStoredKey(alg, kek, now, now)] }, signingAlg: alg };
}
