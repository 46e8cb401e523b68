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
  /** Gateway routes: JSON text, or the array wrangler passes for a TOML array (docs/gateway.md). */
  GATEWAY_ROUTES?: unknown;
  /** More routes for a local run, same format; one with the prefix of a GATEWAY_ROUTES entry replaces it. */
  GATEWAY_ROUTES_EXTRA?: unknown;
  /** Leeway in seconds for `exp` and `nbf` of access tokens at the gateway (default 60). */
  GATEWAY_CLOCK_SKEW_SECONDS?: string;
  /** Accepted access-token `typ` values, space or comma separated (default `at+jwt`). */
  GATEWAY_TOKEN_TYPES?: string;
  /** Least seconds between JWKS refetches of a trusted issuer on an unknown `kid` (default 60). */
  GATEWAY_JWKS_REFRESH_SECONDS?: string;
  /** Seconds after which a trusted issuer's JWKS is fetched again, kept if that fails (default 3600). */
  GATEWAY_JWKS_MAX_AGE_SECONDS?: string;
  /** Seconds after its last successful fetch that a trusted issuer's JWKS stops serving: its tokens get 503 (default 86400). */
  GATEWAY_JWKS_STALE_SECONDS?: string;
  /** Timeout in milliseconds of each discovery or JWKS fetch (default 3000). */
  GATEWAY_FETCH_TIMEOUT_MS?: string;
  /** Lifetime in seconds of the origin assertion (default 60). */
  GATEWAY_ASSERTION_LIFETIME_SECONDS?: string;
  /** How many verified tokens an isolate remembers, reused for at most STORE_CACHE_SECONDS (default 1000; 0 = off). */
  GATEWAY_TOKEN_CACHE_SIZE?: string;
  /** The least level of log line written: info (default), warn or error. */
  LOG_LEVEL?: string;
  /** Milliseconds the gateway waits for an origin's response headers before a 504 (default 30000). */
  GATEWAY_ORIGIN_TIMEOUT_MS?: string;
  /** How long a signing key signs before its successor takes over (default 90d). */
  KEY_ROTATION_INTERVAL?: string;
  /** How long a new key is published before it signs (default 14d). */
  KEY_PROPAGATION?: string;
  /** How long a key stays published after it stopped signing (default 31d). */
  KEY_RETENTION?: string;
  /** Failed client authentications allowed per client id and IP address in a window (default 10). */
  AUTH_FAILURE_LIMIT?: string;
  /** Failed client authentications allowed per IP address in a window (default 50). */
  AUTH_FAILURE_LIMIT_PER_IP?: string;
  /** The failure-counting window (default 300 s). */
  AUTH_FAILURE_WINDOW?: string;
  /** Longest lifetime a client's `private_key_jwt` assertion may claim, `exp` less now, in seconds (default 300). */
  CLIENT_ASSERTION_MAX_LIFETIME_SECONDS?: string;
  /** `true` to make the token endpoint require a server nonce in DPoP proofs (RFC 9449 §8; default false). */
  DPOP_NONCES?: string;
  /** The origin of a hostname with client certificates on, for discovery's `mtls_endpoint_aliases` (RFC 8705 §5; default the issuer). */
  MTLS_ENDPOINT_ORIGIN?: string;
  /** Longest life of an admin console session, in seconds (default 900; docs/console.md). */
  CONSOLE_SESSION_SECONDS?: string;
  /** Cloudflare Access team domain, `<team>.cloudflareaccess.com`: the console then trusts Access sign-in only. */
  ACCESS_TEAM_DOMAIN?: string;
  /** The Access application's audience (AUD) tag. */
  ACCESS_AUD?: string;
  /** E-mail addresses allowed into the console through Access, space or comma separated. */
  ACCESS_ALLOWED_EMAILS?: string;
  /** Groups (the Access token's `groups` claim) allowed into the console, space or comma separated. */
  ACCESS_ALLOWED_GROUPS?: string;
  /** The `jti`s of client assertions already used, one object per client (src/core/assertion-replay.ts). */
  ASSERTION_REPLAY?: DurableObjectNamespace<import('./core/assertion-replay').AssertionReplayCache>;
  /** The one writer of the revoked-token document (src/core/revocation-list.ts). */
  REVOCATIONS?: DurableObjectNamespace<import('./core/revocation-list').RevocationList>;
  /** Counts failed client authentications per caller IP address (src/core/auth-limiter.ts). */
  AUTH_LIMITER?: DurableObjectNamespace<import('./core/auth-limiter').AuthFailureLimiter>;
}

export interface AppEnv {
  Bindings: Bindings;
}
