import { readFile } from 'node:fs/promises';
import type { SigningAlg } from '../config';
import { importKeyEncryptionKey, decryptPrivateJwk } from '../core/key-encryption';
import { generateStoredKey, parseKeyRing, signingKeyAt, type KeyRingRecord } from '../core/key-ring';
import { parseClient, parseResource, parseScope } from '../core/records';
import { KEY } from '../core/store';

/** A seed file: Gatehouse's own record shapes, grouped (examples/seed.json). */
export interface SeedFile {
  scopes?: unknown[];
  resources?: unknown[];
  clients?: unknown[];
}

/** Reads and validates a seed file into KV entries; a bad record fails with its key and field. */
export async function seedEntries(path: string): Promise<Array<{ key: string; value: string }>> {
  const seed = JSON.parse(await readFile(path, 'utf8')) as SeedFile;
  const entries: Array<{ key: string; value: string }> = [];
  for (const raw of seed.scopes ?? []) {
    const value = JSON.stringify(raw);
    const scope = parseScope(`${path}: scopes[]`, value);
    entries.push({ key: KEY.scope(scope.name), value });
  }
  for (const raw of seed.resources ?? []) {
    const value = JSON.stringify(raw);
    const resource = parseResource(`${path}: resources[]`, value);
    entries.push({ key: KEY.resource(resource.name), value });
  }
  for (const raw of seed.clients ?? []) {
    const value = JSON.stringify(raw);
    const client = parseClient(`${path}: clients[]`, value);
    entries.push({ key: KEY.client(client.clientId), value });
  }
  return entries;
}

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
