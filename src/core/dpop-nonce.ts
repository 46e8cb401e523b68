import { base64url } from 'jose';
import { fromBase64 } from './encoding';

const encoder = new TextEncoder();

/**
 * Stateless DPoP server nonces (RFC 9449 §8). A nonce is an HMAC of a time slot's number under a
 * key derived from `KEY_ENCRYPTION_KEY`, so every isolate computes the same nonces and none has
 * to be stored or shared. The current slot's nonce is handed out; it and the previous slot's are
 * accepted, so a nonce lives between one and two slots.
 */
export class DpopNonces {
  // The derived key, never a pending derivation (a promise is tied to the request that made it).
  private key: CryptoKey | undefined;

  constructor(
    private readonly keyEncryptionKey: string,
    private readonly slotSeconds: number,
  ) {}

  /** The nonce to hand out at `now` (epoch seconds). */
  async current(now: number): Promise<string> {
    return this.forSlot(Math.floor(now / this.slotSeconds));
  }

  /** The nonces accepted at `now`: the current slot's and the previous one's. */
  async accepted(now: number): Promise<string[]> {
    const slot = Math.floor(now / this.slotSeconds);
    return Promise.all([this.forSlot(slot), this.forSlot(slot - 1)]);
  }

  private async forSlot(slot: number): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', await this.hmacKey(), encoder.encode(`dpop-nonce ${slot}`));
    return base64url.encode(new Uint8Array(mac));
  }

  /**
   * HKDF (RFC 5869) from the key-encryption key, with its own `info`, so the nonce key is
   * independent of the key that wraps signing keys, and no new secret has to be configured.
   */
  private async hmacKey(): Promise<CryptoKey> {
    if (this.key) return this.key;
    // src/config.ts checked that it is base64 of 32 bytes when nonces are on.
    const secret = fromBase64(this.keyEncryptionKey)!;
    const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    this.key = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode('gatehouse dpop nonce') },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    return this.key;
  }
}
