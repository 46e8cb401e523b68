import type { Bindings } from './env';
import { loadGatewayConfig, type GatewayConfig } from './gateway/gateway-config';

/** Algorithms Gatehouse signs with; all asymmetric (RFC 9068 §2.1 forbids `none`). */
export const SIGNING_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export type ScopeClaimFormat = 'string' | 'array';

/** Typed, validated configuration, built once per isolate from the Worker's bindings. */
export interface Config {
  issuer: string | undefined;
  signingAlg: SigningAlg;
  scopeClaimFormat: ScopeClaimFormat;
  storeCacheMs: number;
  keyEncryptionKey: string | undefined;
  gateway: GatewayConfig;
}

/** A setting is missing or malformed; the message names the setting. */
export class ConfigError extends Error {
  constructor(
    readonly setting: string,
    problem: string,
  ) {
    super(`${setting} ${problem}`);
    this.name = 'ConfigError';
  }
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

function issuer(value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('ISSUER', `must be an absolute https URL; got "${value}"`);
  }
  // RFC 8414 §2: https, no query or fragment. http is tolerated for loopback development only.
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ConfigError('ISSUER', `must use https (http only for localhost); got "${value}"`);
  }
  if (url.search || url.hash) throw new ConfigError('ISSUER', `must not have a query or fragment; got "${value}"`);
  // The endpoints are served at the Worker's root, so the issuer is an origin (RFC 8414 §3 would
  // otherwise put the well-known names under the issuer's path).
  if (url.pathname !== '/') throw new ConfigError('ISSUER', `must be an origin without a path; got "${value}"`);
  return url.origin;
}

/** Validates the bindings and returns the typed configuration; throws {@link ConfigError}. */
export function loadConfig(env: Bindings): Config {
  return {
    issuer: issuer(env.ISSUER),
    signingAlg: oneOf('TOKEN_SIGNING_ALG', env.TOKEN_SIGNING_ALG, SIGNING_ALGS, 'RS256'),
    scopeClaimFormat: oneOf('SCOPE_CLAIM_FORMAT', env.SCOPE_CLAIM_FORMAT, ['string', 'array'] as const, 'string'),
    storeCacheMs: seconds('STORE_CACHE_SECONDS', env.STORE_CACHE_SECONDS, 30) * 1000,
    keyEncryptionKey: env.KEY_ENCRYPTION_KEY || undefined,
    gateway: loadGatewayConfig(env),
  };
}

const configs = new WeakMap<Bindings, Config>();

/** The configuration for these bindings, validated on first use and then reused by the isolate. */
export function getConfig(env: Bindings): Config {
  let config = configs.get(env);
  if (!config) {
    config = loadConfig(env);
    configs.set(env, config);
  }
  return config;
}
