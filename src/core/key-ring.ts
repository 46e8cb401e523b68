import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { Config } from '../config';
import { SIGNING_ALGS, type SigningAlg } from '../settings';
import { OAuthError } from '../errors';
import { decryptPrivateJwk, encryptPrivateJwk, importKeyEncryptionKey } from './key-encryption';
import { log } from './log';
import { RecordError } from './records';
import { KEY, parseRecord, readText } from './store';
import { TtlCache } from './ttl-cache';

/**
 * One signing key as stored in KV under `keys`. Its lifecycle is derived from times alone: it is
 * published in the JWKS while it is in the ring, and it signs from `activatesAt` until a newer key
 * activates. Rotation (src/core/key-rotation.ts) adds keys ahead of time and prunes retired ones.
 */
export interface StoredKey {
  /** RFC 7638 thumbprint of the public key. */
  kid: string;
  alg: SigningAlg;
  /** Epoch seconds. */
  createdAt: number;
  /** Epoch seconds from which the key signs (if it is then the newest active key). */
  activatesAt: number;
  /** Epoch seconds at which the key stopped signing, set by rotation; informative. */
  retiredAt?: number;
  /** Public members only. */
  publicJwk: JWK;
  /** base64(iv ‖ AES-256-GCM(private JWK)), additional data = kid. */
  encryptedPrivateJwk: string;
}

export interface KeyRingRecord {
  keys: StoredKey[];
}

/** Parses and validates the `keys` record. */
export function parseKeyRing(key: string, raw: string): KeyRingRecord {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new RecordError(key, 'not valid JSON');
  }
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys)) throw new RecordError(key, '"keys" must be a list');
  keys.forEach((k: Partial<StoredKey>, i) => {
    const ok =
      typeof k === 'object' && k !== null &&
      typeof k.kid === 'string' && k.kid !== '' &&
      (SIGNING_ALGS as readonly string[]).includes(k.alg as string) &&
      Number.isFinite(k.createdAt) && Number.isFinite(k.activatesAt) &&
      typeof k.publicJwk === 'object' && k.publicJwk !== null &&
      typeof k.encryptedPrivateJwk === 'string';
    if (!ok) throw new RecordError(key, `keys[${i}] must have kid, alg, createdAt, activatesAt, publicJwk and encryptedPrivateJwk`);
    if ('d' in (k.publicJwk as object)) throw new RecordError(key, `keys[${i}].publicJwk holds private members`);
  });
  return { keys: keys as StoredKey[] };
}

/** Generates a key pair, encrypts its private half, and returns the record to store. */
export async function generateStoredKey(alg: SigningAlg, kek: CryptoKey, activatesAt: number, now: number): Promise<StoredKey> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    alg,
    createdAt: now,
    activatesAt,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    encryptedPrivateJwk: await encryptPrivateJwk(kek, kid, privateJwk),
  };
}

/** The key that signs at `now`: the newest one whose activation time has come. */
export function signingKeyAt(ring: KeyRingRecord, now: number): StoredKey | undefined {
  let current: StoredKey | undefined;
  for (const key of ring.keys) {
    if (key.activatesAt <= now && (!current || key.activatesAt > current.activatesAt)) current = key;
  }
  return current;
}

/** The JWKS document: public members of every key in the ring, with kid, alg and use (RFC 7517). */
export function publicJwks(ring: KeyRingRecord): { keys: JWK[] } {
  return { keys: ring.keys.map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })) };
}

// Imported keys are immutable for a kid (a thumbprint), so they are kept for the isolate's life.
// Only imported keys are kept, never a pending import: a promise is tied to the request that made
// it (src/core/ttl-cache.ts says why that matters).
const publicKeys = new Map<string, CryptoKey>();
const privateKeys = new Map<string, CryptoKey>();

let ringCache: TtlCache<KeyRingRecord> | undefined;
let ringCacheTtl = -1;

/** The key ring from KV, reused by the isolate for `STORE_CACHE_SECONDS`. An absent ring is empty. */
export function getKeyRing(kv: KVNamespace, config: Config): Promise<KeyRingRecord> {
  if (!ringCache || ringCacheTtl !== config.storeCacheMs) {
    ringCache = new TtlCache(config.storeCacheMs, 1);
    ringCacheTtl = config.storeCacheMs;
  }
  return ringCache.get(KEY.keyRing, async () => {
    const raw = await readText(kv, KEY.keyRing);
    return raw === null ? { keys: [] } : parseRecord(KEY.keyRing, raw, parseKeyRing);
  });
}

/** Forgets the cached ring (after a rotation in this isolate). */
export function forgetKeyRing(): void {
  ringCache?.clear();
}

/** The imported public key for a stored key, imported once per isolate. */
export async function publicKeyOf(key: StoredKey): Promise<CryptoKey> {
  let imported = publicKeys.get(key.kid);
  if (!imported) {
    imported = (await importJWK(key.publicJwk, key.alg)) as CryptoKey;
    publicKeys.set(key.kid, imported);
  }
  return imported;
}

async function privateKeyOf(key: StoredKey, config: Config): Promise<CryptoKey> {
  let imported = privateKeys.get(key.kid);
  if (!imported) {
    const kek = await importKeyEncryptionKey(config.keyEncryptionKey);
    const jwk = await decryptPrivateJwk(kek, key.kid, key.encryptedPrivateJwk);
    imported = (await importJWK(jwk, key.alg, { extractable: false })) as CryptoKey;
    privateKeys.set(key.kid, imported);
  }
  return imported;
}

export interface Signer {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

/** The key to sign with now, decrypted and imported once per isolate. */
export async function currentSigner(kv: KVNamespace, config: Config, now = Math.floor(Date.now() / 1000)): Promise<Signer> {
  const ring = await getKeyRing(kv, config);
  const stored = signingKeyAt(ring, now);
  if (!stored) {
    log('error', 'signing_unavailable', { reason: 'the key ring has no active key' });
    throw new OAuthError('temporarily_unavailable', 'no signing key is active yet; try again shortly', {
      headers: { 'Retry-After': '60' },
    });
  }
  try {
    return { kid: stored.kid, alg: stored.alg, key: await privateKeyOf(stored, config) };
  } catch (cause) {
    if (cause instanceof OAuthError) log('error', 'signing_unavailable', { kid: stored.kid, reason: cause.logDetail ?? cause.message });
    throw cause;
  }
}
