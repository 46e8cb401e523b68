/**
 * Bindings and variables shared by every Hono instance of the Worker.
 * Every variable is documented in docs/configuration.md and validated once by src/config.ts.
 */
export interface Bindings {
  /** Clients, scopes, API resources, the signing key ring and revocations (docs/storage.md). */
  GATEHOUSE: KVNamespace;
  /** The `iss` of issued tokens; when unset, the origin of each request (as IdentityServer does). */
  ISSUER?: string;
  /** Algorithm of newly generated signing keys: RS256 (default), PS256, ES256 or EdDSA. */
  TOKEN_SIGNING_ALG?: string;
  /** `string` (RFC 9068, default) or `array` (IdentityServer's shape) for the `scope` claim. */
  SCOPE_CLAIM_FORMAT?: string;
  /** Seconds a client, scope or resource record read from KV is reused by an isolate (default 30). */
  STORE_CACHE_SECONDS?: string;
  /** Secret: base64 of 32 random bytes; encrypts private signing keys at rest (AES-256-GCM). */
  KEY_ENCRYPTION_KEY?: string;
}

export interface AppEnv {
  Bindings: Bindings;
}
