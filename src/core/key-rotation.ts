import type { Config } from '../config';
import type { KeyRotationSettings } from '../settings';
import { decryptPrivateJwk, importKeyEncryptionKey } from './key-encryption';
import { generateStoredKey, parseKeyRing, signingKeyAt, type KeyRingRecord, type StoredKey } from './key-ring';
import { log } from './log';
import { KEY, parseRecord, readText, writeText } from './store';

export interface RotationOptions {
  /**
   * "Rotate now": publish a successor at once, activating after the propagation period, even
   * though the current key's interval has not run out. Does nothing while a successor is
   * already published. With no key signing, a new key signs at once, forced or not.
   */
  force?: boolean;
}

/** What rotation should do to a ring at a given instant; computed without side effects. */
export interface RotationPlan {
  /** The ring's keys after retirement times are recorded and expired keys are removed. */
  keys: StoredKey[];
  /** When set, generate a new key activating at this instant (epoch seconds) and add it. */
  newKeyActivatesAt?: number;
  /** Kids that stopped signing and are now marked with `retiredAt`. */
  retired: string[];
  /** Kids removed because their retention period has ended. */
  removed: string[];
  /** Whether anything must be written. */
  changed: boolean;
}

/**
 * Plans the rotation of `ring` at `now` (epoch seconds), in the manner of Duende's automatic key
 * management:
 * - a key that a newer key has superseded gets `retiredAt` = its successor's activation, and is
 *   removed `retention` seconds after that, once every token it signed has expired;
 * - a successor is added `propagation` seconds before it is due to sign, which is `interval`
 *   seconds after the current key activated (never sooner than `propagation` from now, so
 *   validators always see a key in the JWKS before a token signed with it);
 * - a change of algorithm is a rotation: the successor uses the configured algorithm;
 * - an empty ring, or one where no key signs, gets a key that signs at once: no token exists that
 *   a validator could fail to verify, and nothing can be issued until a key signs.
 */
export function planRotation(
  ring: KeyRingRecord,
  now: number,
  settings: KeyRotationSettings,
  options: RotationOptions = {},
): RotationPlan {
  const current = signingKeyAt(ring, now);
  const active = ring.keys.filter((k) => k.activatesAt <= now).sort((a, b) => a.activatesAt - b.activatesAt);
  const retired: string[] = [];
  const removed: string[] = [];
  const keys: StoredKey[] = [];

  for (const key of ring.keys) {
    let next = key;
    if (key !== current && key.activatesAt <= now && key.retiredAt === undefined) {
      // Superseded: its successor is the first active key to activate after it (or, for a tie,
      // the current key, which signing chose over it).
      const successor = active.find((k) => k.activatesAt > key.activatesAt) ?? current!;
      next = { ...key, retiredAt: successor.activatesAt };
      retired.push(key.kid);
    }
    if (next.retiredAt !== undefined && next !== current && next.retiredAt + settings.retention <= now) {
      removed.push(key.kid);
      continue;
    }
    keys.push(next);
  }

  const pending = ring.keys.some((k) => k.activatesAt > now);
  let newKeyActivatesAt: number | undefined;
  if (!current) {
    if (!pending) newKeyActivatesAt = now;
  } else if (!pending) {
    const due = current.activatesAt + settings.interval;
    if (options.force || current.alg !== settings.alg) newKeyActivatesAt = now + settings.propagation;
    else if (due - settings.propagation <= now) newKeyActivatesAt = Math.max(due, now + settings.propagation);
  }

  return {
    keys,
    newKeyActivatesAt,
    retired,
    removed,
    changed: retired.length > 0 || removed.length > 0 || newKeyActivatesAt !== undefined,
  };
}

async function readRing(kv: KVNamespace): Promise<KeyRingRecord> {
  // Straight from KV, not the isolate cache: the writer must start from the latest ring it can see.
  const raw = await readText(kv, KEY.keyRing);
  return raw === null ? { keys: [] } : parseRecord(KEY.keyRing, raw, parseKeyRing);
}

/**
 * Reads the key ring, applies {@link planRotation} at `now` (epoch seconds), generates the new key
 * when one is due, writes the ring back when anything changed, and returns it. Logs `key_rotated`.
 *
 * Before adding a key it checks that KEY_ENCRYPTION_KEY opens the newest existing key, so a wrong
 * secret fails loudly instead of producing a ring whose keys need two different secrets.
 * Throws an `OAuthError` when KEY_ENCRYPTION_KEY is missing or wrong, or KV is unavailable.
 */
export async function rotateKeys(kv: KVNamespace, config: Config, now: number, options: RotationOptions = {}): Promise<KeyRingRecord> {
  const ring = await readRing(kv);
  const plan = planRotation(ring, now, config.keyRotation, options);
  if (!plan.changed) return ring;

  let added: StoredKey | undefined;
  if (plan.newKeyActivatesAt !== undefined) {
    const kek = await importKeyEncryptionKey(config.keyEncryptionKey);
    const newest = plan.keys.reduce<StoredKey | undefined>((a, k) => (!a || k.activatesAt > a.activatesAt ? k : a), undefined);
    if (newest) await decryptPrivateJwk(kek, newest.kid, newest.encryptedPrivateJwk);
    added = await generateStoredKey(config.keyRotation.alg, kek, plan.newKeyActivatesAt, now);
  }
  const next: KeyRingRecord = { keys: added ? [...plan.keys, added] : plan.keys };

  await writeText(kv, KEY.keyRing, JSON.stringify(next));
  log('info', 'key_rotated', {
    added: added?.kid,
    alg: added?.alg,
    activates_at: added?.activatesAt,
    retired: plan.retired,
    removed: plan.removed,
    forced: options.force === true,
  });
  return next;
}
