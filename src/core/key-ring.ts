import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { SIGNING_ALGS, type SigningAlg } from '../settings';
import { OAuthError } from '../errors';
import { decryptPrivateJwk, encryptPrivateJwk, importKeyEncryptionKey } from './key-encryption';
import { log } from './log';
import { RecordError } from './records';
import { KEY, parseRecord, readText } from './store';
import type { TtlCache } from './ttl-cache';

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
  /**
   * For an RSA key, an ES256 key that signs the gateway's origin assertions while this key signs
   * tokens: every forwarded request carries a fresh assertion, and an ES256 signature costs a
   * small fraction of an RS256 one. Published in the JWKS with its parent; it never signs tokens.
   */
  assertionKey?: AssertionKey;
}

/** The companion key of {@link StoredKey.assertionKey}. */
export interface AssertionKey {
  kid: string;
  alg: 'ES256';
  publicJwk: JWK;
  encryptedPrivateJwk: string;
}

/** Token algorithms whose signatures cost enough to give origin assertions a key of their own. */
const SLOW_SIGNING_ALGS: readonly SigningAlg[] = ['RS256', 'PS256'];

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
    const a = k.assertionKey as Partial<AssertionKey> | undefined;
    if (a === undefined) return;
    const assertionOk =
      typeof a === 'object' && a !== null && typeof a.kid === 'string' && a.kid !== '' && a.alg === 'ES256' &&
      typeof a.publicJwk === 'object' && a.publicJwk !== null && !('d' in a.publicJwk) && typeof a.encryptedPrivateJwk === 'string';
    if (!assertionOk) throw new RecordError(key, `keys[${i}].assertionKey must have kid, alg ES256, a public publicJwk and encryptedPrivateJwk`);
  });
  return { keys: keys as StoredKey[] };
}

async function generatePair(alg: SigningAlg, kek: CryptoKey): Promise<{ kid: string; publicJwk: JWK; encryptedPrivateJwk: string }> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  return {
    kid,
    publicJwk: { ...publicJwk, kid, alg, use: 'sig' },
    encryptedPrivateJwk: await encryptPrivateJwk(kek, kid, await exportJWK(privateKey)),
  };
}

/**
 * Generates a key pair, encrypts its private half, and returns the record to store; an RSA key
 * gets its ES256 companion for origin assertions.
 */
export async function generateStoredKey(alg: SigningAlg, kek: CryptoKey, activatesAt: number, now: number): Promise<StoredKey> {
  const pair = await generatePair(alg, kek);
  const stored: StoredKey = { ...pair, alg, createdAt: now, activatesAt };
  if (SLOW_SIGNING_ALGS.includes(alg)) stored.assertionKey = { ...(await generatePair('ES256', kek)), alg: 'ES256' };
  return stored;
}

/** The key that signs at `now`: the newest one whose activation time has come. */
export function signingKeyAt(ring: KeyRingRecord, now: number): StoredKey | undefined {
  let current: StoredKey | undefined;
  for (const key of ring.keys) {
    if (key.activatesAt <= now && (!current || key.activatesAt > current.activatesAt)) current = key;
  }
  return current;
}

/**
 * The JWKS document: public members of every key in the ring, each followed by its assertion key if
 * it has one, with kid, alg and use (RFC 7517).
 */
export function publicJwks(ring: KeyRingRecord): { keys: JWK[] } {
  return {
    keys: ring.keys.flatMap((k) => [
      { ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' },
      ...(k.assertionKey ? [{ ...k.assertionKey.publicJwk, kid: k.assertionKey.kid, alg: 'ES256', use: 'sig' }] : []),
    ]),
  };
}

// Imported keys are immutable for a kid (a thumbprint), so they are kept for the isolate's life.
// Only imported keys are kept, never a pending import: a promise is tied to the request that made
// it (src/core/ttl-cache.ts says why that matters).
const publicKeys = new Map<string, CryptoKey>();
const privateKeys = new Map<string, CryptoKey>();

/** The imported public key for a stored key, imported once per isolate. */
export async function publicKeyOf(key: StoredKey): Promise<CryptoKey> {
  let imported = publicKeys.get(key.kid);
  if (!imported) {
    imported = (await importJWK(key.publicJwk, key.alg)) as CryptoKey;
    publicKeys.set(key.kid, imported);
  }
  return imported;
}

export interface Signer {
  kid: string;
  alg: SigningAlg;
  key: CryptoKey;
}

/** Which signature a key is wanted for. */
export type SigningPurpose = 'token' | 'assertion';

async function privateKeyOf(key: Pick<StoredKey, 'kid' | 'encryptedPrivateJwk'> & { alg: string }, keyEncryptionKey: string | undefined): Promise<CryptoKey> {
  let imported = privateKeys.get(key.kid);
  if (!imported) {
    const kek = await importKeyEncryptionKey(keyEncryptionKey);
    const jwk = await decryptPrivateJwk(kek, key.kid, key.encryptedPrivateJwk);
    imported = (await importJWK(jwk, key.alg, { extractable: false })) as CryptoKey;
    privateKeys.set(key.kid, imported);
  }
  return imported;
}

/**
 * The signing key ring from KV, reused by the isolate for `STORE_CACHE_SECONDS`; an absent ring is
 * empty. Imported keys are kept for the isolate's life (a kid is a thumbprint, so it never changes).
 */
export class KeyRingStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly cache: TtlCache<KeyRingRecord>,
    private readonly keyEncryptionKey: string | undefined,
  ) {}

  get(): Promise<KeyRingRecord> {
    return this.cache.get(KEY.keyRing, async () => {
      const raw = await readText(this.kv, KEY.keyRing);
      return raw === null ? { keys: [] } : parseRecord(KEY.keyRing, raw, parseKeyRing);
    });
  }

  /** Forgets the cached ring (after a rotation in this isolate). */
  forget(): void {
    this.cache.clear();
  }

  /**
   * The key to sign with at `now` (epoch seconds), decrypted and imported once per isolate: the
   * current key for tokens; for origin assertions its ES256 companion when it has one, else itself.
   */
  async signer(now = Math.floor(Date.now() / 1000), purpose: SigningPurpose = 'token'): Promise<Signer> {
    // The ring and the imported key are usually in memory: read them without a wait.
    const stored = signingKeyAt(this.cache.peek(KEY.keyRing) ?? (await this.get()), now);
    if (!stored) {
      log('error', 'signing_unavailable', { reason: 'the key ring has no active key' });
      throw new OAuthError('temporarily_unavailable', 'no signing key is active yet; try again shortly', {
        headers: { 'Retry-After': '60' },
      });
    }
    const key = purpose === 'assertion' && stored.assertionKey ? stored.assertionKey : stored;
    const imported = privateKeys.get(key.kid);
    if (imported) return { kid: key.kid, alg: key.alg, key: imported };
    try {
      return { kid: key.kid, alg: key.alg, key: await privateKeyOf(key, this.keyEncryptionKey) };
    } catch (cause) {
      if (cause instanceof OAuthError) log('error', 'signing_unavailable', { kid: stored.kid, reason: cause.logDetail ?? cause.message });
      throw cause;
    }
  }
}

