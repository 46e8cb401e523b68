import type { JWK } from 'jose';
import { publicJwk, publicJwkFromPem } from '../core/client-keys';
import { OAuthError } from '../errors';
import type { ImportBundle } from './operations';

/**
 * Conversion of an IdentityServer 4 / Duende configuration, as kept in appsettings.json or a
 * seed file (`Clients`, `ApiScopes`, `ApiResources`, at the root or under `IdentityServer`), into
 * Gatehouse's records. Property names are matched without regard to case, as .NET's configuration
 * binder does. What Gatehouse has no use for (redirect URIs, identity resources, ...) is left out.
 * Clients' public-key secrets become keys for private_key_jwt.
 */

type Obj = Record<string, unknown>;

export interface ConvertedConfig {
  bundle: Required<ImportBundle>;
  warnings: string[];
}

function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function prop(o: Obj, name: string): unknown {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(o)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function list(o: Obj, name: string, where: string): unknown[] {
  const v = prop(o, name);
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalid(`${where}${name} must be a list`);
  return v;
}

function invalid(message: string): OAuthError {
  return new OAuthError('invalid_request', message);
}

/** The section holding the configuration: the root, or its `IdentityServer` member. */
function section(config: unknown): Obj | undefined {
  if (!isObject(config)) return undefined;
  const nested = prop(config, 'IdentityServer');
  return isObject(nested) ? nested : config;
}

/** Whether a parsed JSON file looks like an IdentityServer configuration rather than Gatehouse records. */
export function isIdentityServerConfig(config: unknown): boolean {
  const s = section(config);
  if (!s) return false;
  if (s !== config || prop(s, 'ApiScopes') !== undefined || prop(s, 'ApiResources') !== undefined) return true;
  const clients = prop(s, 'Clients');
  return Array.isArray(clients) && clients.some((c) => isObject(c) && (prop(c, 'ClientSecrets') !== undefined || 'ClientId' in c));
}

const HASH = /^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9+/]{86}==$/;

/** IdentityServer secret types whose `Value` is a client's public key, for private_key_jwt. */
const KEY_TYPES = ['JsonWebKey', 'X509CertificateBase64'];

/** A client's public-key secret, converted later (asynchronously) by {@link publicKeys}. */
interface KeySecret {
  at: string;
  type: string;
  value: unknown;
  expiration: unknown;
}

interface SortedSecrets {
  /** Shared secrets, converted: IdentityServer's hash becomes the stored hash. */
  shared: Obj[];
  keys: KeySecret[];
}

/**
 * IdentityServer's `Secret`s, sorted. A `SharedSecret` (the default type) has `Value` =
 * base64(SHA-256 or SHA-512) of the secret, as `Sha256()` stores it. `JsonWebKey` and
 * `X509CertificateBase64` carry a public key, taken only where `keysTaken` (clients). Other types
 * are left out with a warning.
 */
function secrets(items: unknown[], where: string, warnings: string[], keysTaken: boolean): SortedSecrets {
  const sorted: SortedSecrets = { shared: [], keys: [] };
  items.forEach((s, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(s)) throw invalid(`${at} must be an object`);
    const type = prop(s, 'Type');
    if (keysTaken && typeof type === 'string' && KEY_TYPES.includes(type)) {
      sorted.keys.push({ at, type, value: prop(s, 'Value'), expiration: prop(s, 'Expiration') });
      return;
    }
    if (type !== undefined && type !== null && type !== 'SharedSecret') {
      warnings.push(`${at} is a ${String(type)} secret, which Gatehouse does not use${KEY_TYPES.includes(String(type)) ? ' for an API resource' : ''}; left out`);
      return;
    }
    const value = prop(s, 'Value');
    if (typeof value !== 'string' || !HASH.test(value)) {
      throw invalid(`${at}.Value is not a base64 SHA-256 or SHA-512 hash (IdentityServer's "secret".Sha256()); plain secrets are not imported`);
    }
    const expiration = prop(s, 'Expiration');
    const description = prop(s, 'Description');
    sorted.shared.push({
      hash: value,
      ...(expiration === undefined || expiration === null ? {} : { expires: expiration }),
      ...(typeof description === 'string' ? { description } : {}),
    });
  });
  return sorted;
}

/**
 * A public key secret's `Value` as a JWK: a JWK in JSON, or a base64 DER certificate. Whatever is
 * wrong with it is reported as a problem of `{at}.Value`.
 */
async function publicKey(secret: KeySecret): Promise<JWK> {
  const { at, type, value } = secret;
  if (typeof value !== 'string') throw invalid(`${at}.Value must be a string`);
  try {
    if (type === 'JsonWebKey') {
      let jwk: unknown;
      try {
        jwk = JSON.parse(value);
      } catch {
        throw invalid('not a JWK in JSON');
      }
      return await publicJwk(jwk);
    }
    // The armour is added here, so only base64 may come in: the value cannot smuggle a PEM block.
    if (!/^[A-Za-z0-9+/=\s]+$/.test(value)) throw invalid('not a base64 DER certificate');
    return await publicJwkFromPem(`-----BEGIN CERTIFICATE-----\n${value.replace(/\s/g, '')}\n-----END CERTIFICATE-----`);
  } catch (error) {
    if (error instanceof OAuthError) throw invalid(`${at}.Value: ${error.message}`);
    throw error;
  }
}

/**
 * A client's public keys. Gatehouse keeps a key until it is removed: an expired one is left out,
 * as IdentityServer would ignore it, and a future `Expiration` is reported, not kept.
 */
async function publicKeys(secrets: KeySecret[], warnings: string[]): Promise<JWK[]> {
  const keys: JWK[] = [];
  for (const secret of secrets) {
    const { at, expiration } = secret;
    if (expiration !== undefined && expiration !== null) {
      if (typeof expiration === 'string' && Date.parse(expiration) <= Date.now()) {
        warnings.push(`${at} is a key that expired at ${expiration}; left out`);
        continue;
      }
      warnings.push(`${at} is a key with an Expiration, which Gatehouse does not keep: remove the key when it should stop working`);
    }
    keys.push(await publicKey(secret));
  }
  return keys;
}

/**
 * How a client may authenticate: with keys and no shared secret, private_key_jwt only; with both,
 * any of the three methods, as IdentityServer lets such a client use either.
 */
function authentication(shared: Obj[], keys: JWK[]): Obj {
  if (keys.length === 0) return {};
  const authMethods = shared.length === 0 ? ['private_key_jwt'] : ['client_secret_basic', 'client_secret_post', 'private_key_jwt'];
  return { authMethods, jwks: { keys } };
}

function optional(o: Obj, name: string, field: string): Obj {
  const v = prop(o, name);
  return v === undefined || v === null ? {} : { [field]: v };
}

/** IdentityServer's default prefix is "client_" too; null or empty there means no prefix. */
function claimsPrefix(o: Obj): Obj {
  const v = prop(o, 'ClientClaimsPrefix');
  if (v === undefined) return {};
  return { claimsPrefix: v ?? '' };
}

function claims(items: unknown, where: string): Obj {
  if (items === undefined || items === null) return {};
  if (!Array.isArray(items)) throw invalid(`${where} must be a list of { Type, Value }`);
  const out: Record<string, string | string[]> = {};
  items.forEach((c, i) => {
    const type = isObject(c) ? prop(c, 'Type') : undefined;
    const value = isObject(c) ? prop(c, 'Value') : undefined;
    if (typeof type !== 'string' || type === '' || typeof value !== 'string') throw invalid(`${where}[${i}] must have a string Type and Value`);
    const had = out[type];
    // A claim type given several times becomes a list, as it does in an IdentityServer token.
    out[type] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  });
  return { claims: out };
}

/** Converts an IdentityServer configuration; throws an `invalid_request` OAuthError naming the bad member. */
export async function fromIdentityServer(config: unknown): Promise<ConvertedConfig> {
  const s = section(config);
  if (!s) throw invalid('the configuration must be a JSON object');
  const warnings: string[] = [];
  const scopes: Obj[] = [];
  const declared = new Set<string>();

  list(s, 'ApiScopes', '').forEach((raw, i) => {
    if (!isObject(raw)) throw invalid(`ApiScopes[${i}] must be an object`);
    const name = prop(raw, 'Name');
    scopes.push({ name, ...optional(raw, 'DisplayName', 'displayName'), ...optional(raw, 'Description', 'description'), ...optional(raw, 'Enabled', 'enabled') });
    if (typeof name === 'string') declared.add(name);
  });

  const resources = list(s, 'ApiResources', '').map((raw, i) => {
    if (!isObject(raw)) throw invalid(`ApiResources[${i}] must be an object`);
    // IdentityServer 4 before v4 gave a resource's scopes as objects; v4 and Duende as names.
    const names = list(raw, 'Scopes', `ApiResources[${i}].`).map((sc, j) => {
      if (typeof sc === 'string') return sc;
      const name = isObject(sc) ? prop(sc, 'Name') : undefined;
      if (typeof name !== 'string') throw invalid(`ApiResources[${i}].Scopes[${j}] must be a scope name or an object with Name`);
      if (!declared.has(name)) {
        declared.add(name);
        scopes.push({ name, ...optional(sc as Obj, 'DisplayName', 'displayName'), ...optional(sc as Obj, 'Description', 'description') });
      }
      return name;
    });
    return {
      name: prop(raw, 'Name'),
      ...optional(raw, 'DisplayName', 'displayName'),
      ...optional(raw, 'Enabled', 'enabled'),
      scopes: names,
      secrets: secrets(list(raw, 'ApiSecrets', `ApiResources[${i}].`), `ApiResources[${i}].ApiSecrets`, warnings, false).shared,
    };
  });

  // One client after the other, so the warnings come in the order of the file.
  const clients: Obj[] = [];
  for (const [i, raw] of list(s, 'Clients', '').entries()) {
    const at = `Clients[${i}]`;
    if (!isObject(raw)) throw invalid(`${at} must be an object`);
    const grants = prop(raw, 'AllowedGrantTypes');
    const tokenType = prop(raw, 'AccessTokenType');
    if (tokenType === 1 || (typeof tokenType === 'string' && tokenType.toLowerCase() === 'reference')) {
      warnings.push(`${at} (${String(prop(raw, 'ClientId'))}) asks for reference tokens; Gatehouse issues JWT access tokens`);
    }
    const sorted = secrets(list(raw, 'ClientSecrets', `${at}.`), `${at}.ClientSecrets`, warnings, true);
    const keys = await publicKeys(sorted.keys, warnings);
    clients.push({
      clientId: prop(raw, 'ClientId'),
      ...optional(raw, 'ClientName', 'name'),
      ...optional(raw, 'Enabled', 'enabled'),
      secrets: sorted.shared,
      ...authentication(sorted.shared, keys),
      allowedGrantTypes: typeof grants === 'string' ? [grants] : (grants ?? []),
      allowedScopes: prop(raw, 'AllowedScopes') ?? [],
      ...optional(raw, 'AccessTokenLifetime', 'accessTokenLifetime'),
      ...claims(prop(raw, 'Claims'), `${at}.Claims`),
      ...claimsPrefix(raw),
    });
  }

  if (list(s, 'IdentityResources', '').length > 0) warnings.push('IdentityResources are left out: Gatehouse has no interactive sign-in');
  return { bundle: { scopes, resources, clients }, warnings };
}
