import { MAX_ACCESS_TOKEN_LIFETIME } from './core/records';
import { ConfigError } from './config-error';
import { fromBase64 } from './core/encoding';
import type { Bindings } from './env';
import {
  JWKS_MAX_AGE_SECONDS,
  KV_PROPAGATION_SECONDS,
  SIGNING_ALGS,
  VALIDATOR_LEEWAY_SECONDS,
  type AuthFailureSettings,
  type KeyRotationSettings,
  type ScopeClaimFormat,
  type SigningAlg,
} from './settings';
import type { LogLevel } from './core/log';
import { loadGatewayConfig, type GatewayConfig } from './gateway/gateway-config';
import { loadConsoleSettings, type ConsoleSettings } from './admin/console/console-config';

/**
 * How long after its `exp` some validator may still accept a token: the common leeway, or this
 * Gatehouse's own gateway's when that is larger. Keys and revocations must outlive tokens by it.
 */
export function acceptanceLeewaySeconds(gateway: Pick<GatewayConfig, 'clockSkewSeconds'>): number {
  return Math.max(VALIDATOR_LEEWAY_SECONDS, gateway.clockSkewSeconds);
}

/** Typed, validated configuration, built once per isolate from the Worker's bindings. */
export interface Config {
  issuer: string | undefined;
  signingAlg: SigningAlg;
  scopeClaimFormat: ScopeClaimFormat;
  storeCacheMs: number;
  keyEncryptionKey: string | undefined;
  gateway: GatewayConfig;
  keyRotation: KeyRotationSettings;
  authFailures: AuthFailureSettings;
  /** Longest lifetime a client assertion may claim (`exp` less now), in seconds. */
  clientAssertionMaxLifetimeSeconds: number;
  /** The least level of log line written. */
  logLevel: LogLevel;
  /** Whether the token endpoint requires DPoP proofs to carry a server nonce (RFC 9449 §8). */
  dpopNonces: boolean;
  /**
   * The origin of the hostname where clients reach the endpoints with their certificates, for
   * `mtls_endpoint_aliases` (RFC 8705 §5); undefined, the issuer's own endpoints serve both.
   */
  mtlsEndpointOrigin: string | undefined;
  /** The admin console's sign-in: session lifetime, and Cloudflare Access when it is in front. */
  console: ConsoleSettings;
}

function oneOf<T extends string>(setting: string, value: string | undefined, allowed: readonly T[], fallback: T): T {
  if (value === undefined || value === '') return fallback;
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(setting, `must be one of ${allowed.join(', ')}; got "${value}"`);
}

function seconds(setting: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^\d{1,7}$/.test(value)) throw new ConfigError(setting, `must be a whole number of seconds; got "${value}"`);
  return Number(value);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** A duration: whole seconds, or a whole number with a unit, `s`, `m`, `h` or `d` (`14d`). */
function duration(setting: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const match = /^(\d{1,9})([smhd]?)$/.exec(value.trim());
  if (!match) throw new ConfigError(setting, `must be a duration such as 3600, 90m, 12h or 14d; got "${value}"`);
  return Number(match[1]) * UNIT_SECONDS[match[2] || 's']!;
}

function count(setting: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d{0,5}$/.test(value)) throw new ConfigError(setting, `must be a whole number from 1 to 999999; got "${value}"`);
  return Number(value);
}

/**
 * The key schedule, checked against the caches a new key must get through before it signs
 * (KV propagation, the isolate cache, the JWKS max-age) and the tokens an old key must outlive.
 */
function keyRotation(env: Bindings, alg: SigningAlg, storeCacheSeconds: number, leeway: number): KeyRotationSettings {
  const interval = duration('KEY_ROTATION_INTERVAL', env.KEY_ROTATION_INTERVAL, 90 * 86400);
  const propagation = duration('KEY_PROPAGATION', env.KEY_PROPAGATION, 14 * 86400);
  const retention = duration('KEY_RETENTION', env.KEY_RETENTION, 31 * 86400);
  const minPropagation = JWKS_MAX_AGE_SECONDS + KV_PROPAGATION_SECONDS + storeCacheSeconds;
  if (propagation <= minPropagation) {
    throw new ConfigError(
      'KEY_PROPAGATION',
      `must exceed ${minPropagation} s (JWKS max-age ${JWKS_MAX_AGE_SECONDS} s + KV propagation ${KV_PROPAGATION_SECONDS} s + STORE_CACHE_SECONDS); got ${propagation} s`,
    );
  }
  if (interval <= propagation) {
    throw new ConfigError('KEY_ROTATION_INTERVAL', `must exceed KEY_PROPAGATION (${propagation} s); got ${interval} s`);
  }
  const minRetention = MAX_ACCESS_TOKEN_LIFETIME + leeway;
  if (retention <= minRetention) {
    throw new ConfigError(
      'KEY_RETENTION',
      `must exceed ${minRetention} s (the longest access-token lifetime, 30 days, plus ${leeway} s of validator leeway); got ${retention} s`,
    );
  }
  return { interval, propagation, retention, alg };
}

/** An https origin (http for loopback), such as ISSUER; `setting` names it in errors. */
function origin(setting: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(setting, `must be an absolute https URL; got "${value}"`);
  }
  // RFC 8414 §2: https, no query or fragment. http is tolerated for loopback development only.
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError(setting, `must use https (http only for localhost); got "${value}"`);
  }
  if (url.search || url.hash) throw new ConfigError(setting, `must not have a query or fragment; got "${value}"`);
  // The endpoints are served at the Worker's root, so the issuer is an origin (RFC 8414 §3 would
  // otherwise put the well-known names under the issuer's path).
  if (url.pathname !== '/') throw new ConfigError(setting, `must be an origin without a path; got "${value}"`);
  return url.origin;
}

/**
 * MTLS_ENDPOINT_ORIGIN: another hostname of this Worker, with client certificates on (docs/mtls.md).
 * Without ISSUER, the issuer is each request's origin, so tokens issued there would carry another
 * `iss` than those issued on the main hostname: a fixed ISSUER is required.
 */
function mtlsEndpointOrigin(env: Bindings, issuerOrigin: string | undefined): string | undefined {
  const value = origin('MTLS_ENDPOINT_ORIGIN', env.MTLS_ENDPOINT_ORIGIN);
  if (value !== undefined && issuerOrigin === undefined) {
    throw new ConfigError('MTLS_ENDPOINT_ORIGIN', 'needs ISSUER: tokens issued on the mTLS hostname must carry the same iss as the others');
  }
  return value;
}

/** Validates the bindings and returns the typed configuration; throws {@link ConfigError}. */
export function loadConfig(env: Bindings): Config {
  const signingAlg = oneOf('TOKEN_SIGNING_ALG', env.TOKEN_SIGNING_ALG, SIGNING_ALGS, 'RS256');
  const storeCacheSeconds = seconds('STORE_CACHE_SECONDS', env.STORE_CACHE_SECONDS, 30);
  const gateway = loadGatewayConfig(env);
  const issuer = origin('ISSUER', env.ISSUER);
  return {
    issuer,
    signingAlg,
    scopeClaimFormat: oneOf('SCOPE_CLAIM_FORMAT', env.SCOPE_CLAIM_FORMAT, ['string', 'array'] as const, 'string'),
    storeCacheMs: storeCacheSeconds * 1000,
    keyEncryptionKey: env.KEY_ENCRYPTION_KEY || undefined,
    gateway,
    keyRotation: keyRotation(env, signingAlg, storeCacheSeconds, acceptanceLeewaySeconds(gateway)),
    authFailures: authFailures(env),
    clientAssertionMaxLifetimeSeconds: clientAssertionMaxLifetime(env),
    logLevel: oneOf('LOG_LEVEL', env.LOG_LEVEL, ['info', 'warn', 'error'] as const, 'info'),
    dpopNonces: dpopNonces(env),
    mtlsEndpointOrigin: mtlsEndpointOrigin(env, issuer),
    console: loadConsoleSettings(env),
  };
}

function dpopNonces(env: Bindings): boolean {
  const on = oneOf('DPOP_NONCES', env.DPOP_NONCES, ['true', 'false'] as const, 'false') === 'true';
  // Nonces are keyed from KEY_ENCRYPTION_KEY (docs/dpop.md), so they need it to be usable.
  if (on && fromBase64(env.KEY_ENCRYPTION_KEY ?? '')?.length !== 32) {
    throw new ConfigError('DPOP_NONCES', 'needs KEY_ENCRYPTION_KEY (base64 of 32 bytes), from which the nonce key is derived');
  }
  return on;
}

function authFailures(env: Bindings): AuthFailureSettings {
  const windowSeconds = duration('AUTH_FAILURE_WINDOW', env.AUTH_FAILURE_WINDOW, 300);
  if (windowSeconds < 1) throw new ConfigError('AUTH_FAILURE_WINDOW', 'must be at least 1 s; got 0 s');
  return {
    perClientIp: count('AUTH_FAILURE_LIMIT', env.AUTH_FAILURE_LIMIT, 10),
    perIp: count('AUTH_FAILURE_LIMIT_PER_IP', env.AUTH_FAILURE_LIMIT_PER_IP, 50),
    windowSeconds,
  };
}

function clientAssertionMaxLifetime(env: Bindings): number {
  const lifetime = seconds('CLIENT_ASSERTION_MAX_LIFETIME_SECONDS', env.CLIENT_ASSERTION_MAX_LIFETIME_SECONDS, 300);
  // An assertion's jti is remembered until its exp: a longer lifetime costs replay-cache storage.
  if (lifetime < 1 || lifetime > 3600) {
    throw new ConfigError('CLIENT_ASSERTION_MAX_LIFETIME_SECONDS', `must be from 1 to 3600 s; got ${lifetime} s`);
  }
  return lifetime;
}
