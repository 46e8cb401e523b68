import { describe, expect, it } from 'vitest';
import { decryptPrivateJwk, encryptPrivateJwk, importKeyEncryptionKey } from '../../src/core/key-encryption';
import { OAuthError } from '../../src/errors';

const KEK = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
const OTHER = btoa(String.fromCharCode(...new Uint8Array(32).fill(8)));

describe('key encryption (AES-256-GCM under KEY_ENCRYPTION_KEY)', () => {
  it('round-trips a private JWK, and the ciphertext does not contain it', async () => {
    const kek = await importKeyEncryptionKey(KEK);
    const sealed = await encryptPrivateJwk(kek, 'kid-1', { kty: 'OKP', d: 'very-private' });
    expect(atob(sealed)).not.toContain('very-private');
    expect(await decryptPrivateJwk(kek, 'kid-1', sealed)).toEqual({ kty: 'OKP', d: 'very-private' });
  });

  it('refuses the wrong key, another kid, or tampered data with a clear error', async () => {
    const kek = await importKeyEncryptionKey(KEK);
    const sealed = await encryptPrivateJwk(kek, 'kid-1', { d: 'x' });
    const expected = 'signing is unavailable: KEY_ENCRYPTION_KEY does not decrypt the signing key';
    await expect(decryptPrivateJwk(await importKeyEncryptionKey(OTHER), 'kid-1', sealed)).rejects.toThrow(expected);
    await expect(decryptPrivateJwk(kek, 'kid-2', sealed)).rejects.toThrow(expected);
    const bytes = Uint8Array.from(atob(sealed), (c) => c.charCodeAt(0));
    bytes[20]! ^= 1;
    await expect(decryptPrivateJwk(kek, 'kid-1', btoa(String.fromCharCode(...bytes)))).rejects.toThrow(expected);
    await expect(decryptPrivateJwk(kek, 'kid-1', 'short')).rejects.toThrow(expected);
  });

  it('names KEY_ENCRYPTION_KEY when it is missing or not 32 bytes', async () => {
    const missing = await importKeyEncryptionKey(undefined).catch((e) => e);
    expect(missing).toBeInstanceOf(OAuthError);
    expect(missing.message).toBe('signing is unavailable: KEY_ENCRYPTION_KEY is not set');
    await expect(importKeyEncryptionKey(btoa('short'))).rejects.toThrow('signing is unavailable: KEY_ENCRYPTION_KEY must be base64 of 32 bytes');
    await expect(importKeyEncryptionKey('***')).rejects.toThrow('signing is unavailable: KEY_ENCRYPTION_KEY must be base64 of 32 bytes');
  });
});
