import { loadConfig, type Config } from './config';
import { AccessTokenVerifier } from './core/access-token-verifier';
import { CatalogStore } from './core/catalog';
import { ClientKeySets } from './core/client-key-sets';
import { ClientStore } from './core/clients';
import { DpopNonces } from './core/dpop-nonce';
import { DpopReplayCache } from './core/dpop-replay';
import { KeyRingStore } from './core/key-ring';
import { setLogLevel } from './core/log';
import { RevocationStore } from './core/revocation';
import { TtlCache } from './core/ttl-cache';
import type { Bindings } from './env';
import { DPOP_NONCE_SLOT_SECONDS } from './settings';
import { AccessVerifier } from './admin/console/access';
import { ConsoleSessions } from './admin/console/sessions';

/** What the Worker's handlers work with, built once per isolate from its bindings. */
export interface Services {
  /** The validated settings. */
  config: Config;
  clients: ClientStore;
  catalog: CatalogStore;
  keyRing: KeyRingStore;
  revocations: RevocationStore;
  /** Clients' public keys for private_key_jwt: inline, or fetched from their `jwks_uri`. */
  clientKeys: ClientKeySets;
  /** The one place an access token is accepted. */
  verifier: AccessTokenVerifier;
  /** DPoP proofs this isolate has accepted (RFC 9449 §11.1). */
  dpopReplay: DpopReplayCache;
  /** Server nonces for DPoP proofs, when `DPOP_NONCES` is on (RFC 9449 §8). */
  dpopNonces: DpopNonces | undefined;
  /** The admin console's sealed sessions and CSRF tokens (keys derived from KEY_ENCRYPTION_KEY). */
  consoleSessions: ConsoleSessions;
  /** Cloudflare Access sign-in to the console, when it is configured. */
  consoleAccess: AccessVerifier | undefined;
}

/** The one way an isolate caches what it reads from KV: for `STORE_CACHE_SECONDS`, bounded in size. */
function isolateCache<V>(config: Config, maxEntries = 10_000): TtlCache<V> {
  return new TtlCache<V>(config.storeCacheMs, maxEntries);
}

/** Validates the settings (throwing `ConfigError` naming a bad one) and wires the services. */
export function buildServices(env: Bindings): Services {
  const config = loadConfig(env);
  setLogLevel(config.logLevel);
  const kv = env.GATEHOUSE;
  const clients = new ClientStore(kv, isolateCache(config));
  const keyRing = new KeyRingStore(kv, isolateCache(config, 1), config.keyEncryptionKey);
  const revocations = new RevocationStore(kv, config.storeCacheMs, env.REVOCATIONS);
  const { gateway } = config;
  // Trusted issuers' and clients' key sets are fetched and kept under the same rules.
  const remoteKeySets = {
    refreshMs: gateway.jwksRefreshMs,
    maxAgeMs: gateway.jwksMaxAgeMs,
    staleMs: gateway.jwksStaleMs,
    timeoutMs: gateway.fetchTimeoutMs,
  };
  return {
    config,
    clients,
    catalog: new CatalogStore(kv, isolateCache(config, 1)),
    keyRing,
    revocations,
    clientKeys: new ClientKeySets(remoteKeySets),
    verifier: new AccessTokenVerifier({
      keyRing,
      clients,
      revocations,
      verified: isolateCache(config, gateway.tokenCacheSize),
      remoteIssuer: remoteKeySets,
    }),
    dpopReplay: new DpopReplayCache(),
    dpopNonces: config.dpopNonces ? new DpopNonces(config.keyEncryptionKey!, DPOP_NONCE_SLOT_SECONDS) : undefined,
    consoleSessions: new ConsoleSessions(config.keyEncryptionKey ?? ''),
    consoleAccess: config.console.access ? new AccessVerifier(config.console.access, remoteKeySets) : undefined,
  };
}

const built = new WeakMap<Bindings, Services>();

/**
 * The services for these bindings: built on first use and then reused by the isolate (workerd
 * hands every request of an isolate the same `env`), so settings are parsed and caches kept once.
 */
export function servicesFor(env: Bindings): Services {
  let services = built.get(env);
  if (!services) {
    services = buildServices(env);
    built.set(env, services);
  }
  return services;
}
