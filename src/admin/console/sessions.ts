import { base64url } from 'jose';
import { fromBase64, randomId } from '../../core/encoding';
import { OAuthError } from '../../errors';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** What a console session cookie holds, sealed: nobody but this Gatehouse can read or forge it. */
export interface ConsoleSession {
  /** Random: binds the session's CSRF token to this session alone. */
  sid: string;
  /** The admin client that signed in. */
  clientId: string;
  /** Its admin access token, checked on every request by the one verifier. */
  token: string;
  /** Epoch seconds at which the session ends: the earlier of the session lifetime and the token's `exp`. */
  exp: number;
}

/** Additional authenticated data of the sealed cookie: a value sealed for another purpose never opens as a session. */
const SESSION_AAD = encoder.encode('gatehouse console session v1');

/**
 * The console's sealed session cookies and CSRF tokens. The cookie is the session itself, sealed
 * with AES-256-GCM, so no session store is needed and the admin token it holds is never readable
 * outside the Worker (not by a script, which `HttpOnly` already stops, nor by whoever sees the
 * cookie jar). CSRF tokens are HMACs of the session's binding, so a form carries a value only
 * this session's pages can have been given (OWASP's "signed double-submit"/synchronizer pattern).
 * Both keys are derived from `KEY_ENCRYPTION_KEY` by HKDF (RFC 5869) with their own `info`, so
 * they are independent of the key that wraps signing keys and no new secret is configured.
 * The derived keys are kept once made, never a pending derivation (src/core/ttl-cache.ts says why).
 */
export class ConsoleSessions {
  private sealKey: CryptoKey | undefined;
  private csrfKey: CryptoKey | undefined;

  constructor(private readonly keyEncryptionKey: string) {}

  /** The cookie value for `session`: base64url(iv ‖ AES-GCM(JSON)). */
  async seal(session: ConsoleSession): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: SESSION_AAD }, await this.sessionKey(), encoder.encode(JSON.stringify(session)));
    const out = new Uint8Array(12 + sealed.byteLength);
    out.set(iv);
    out.set(new Uint8Array(sealed), 12);
    return base64url.encode(out);
  }

  /** The session in a cookie value, or undefined when it is not one this Gatehouse sealed or it has ended at `now`. */
  async open(value: string, now: number): Promise<ConsoleSession | undefined> {
    let bytes: Uint8Array;
    try {
      bytes = base64url.decode(value);
    } catch {
      return undefined;
    }
    if (bytes.length < 12 + 16) return undefined;
    let session: ConsoleSession;
    try {
      const plain = await crypto.subtle.decrypt({ name: 'AES-GCM', iv: bytes.slice(0, 12), additionalData: SESSION_AAD }, await this.sessionKey(), bytes.slice(12));
      session = JSON.parse(decoder.decode(plain)) as ConsoleSession;
    } catch {
      return undefined;
    }
    if (typeof session.exp !== 'number' || session.exp <= now) return undefined;
    return session;
  }

  /** A new random session id. */
  newSessionId(): string {
    return randomId(16);
  }

  /** The CSRF token of the session (or Access identity) that `binding` names. */
  async csrfToken(binding: string): Promise<string> {
    const mac = await crypto.subtle.sign('HMAC', await this.hmacKey(), encoder.encode(`csrf ${binding}`));
    return base64url.encode(new Uint8Array(mac));
  }

  private async derive(info: string, algorithm: SubtleCryptoImportKeyAlgorithm, usages: string[]): Promise<CryptoKey> {
    // src/config.ts checks KEY_ENCRYPTION_KEY where it is used; an unusable one leaves the console without sessions.
    const secret = fromBase64(this.keyEncryptionKey);
    if (!secret || secret.length !== 32) {
      throw new OAuthError('server_error', 'the console cannot keep sessions: KEY_ENCRYPTION_KEY is not set', { logDetail: 'KEY_ENCRYPTION_KEY is not base64 of 32 bytes' });
    }
    const base = await crypto.subtle.importKey('raw', secret, 'HKDF', false, ['deriveKey']);
    return crypto.subtle.deriveKey({ name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: encoder.encode(info) }, base, algorithm, false, usages);
  }

  private async sessionKey(): Promise<CryptoKey> {
    this.sealKey ??= await this.derive('gatehouse console session', { name: 'AES-GCM', length: 256 }, ['encrypt', 'decrypt']);
    return this.sealKey;
  }

  private async hmacKey(): Promise<CryptoKey> {
    this.csrfKey ??= await this.derive('gatehouse console csrf', { name: 'HMAC', hash: 'SHA-256', length: 256 }, ['sign']);
    return this.csrfKey;
  }
}
