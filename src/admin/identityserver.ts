import { OAuthError } from '../errors';
import type { ImportBundle } from './operations';

/**
 * Conversion of an IdentityServer 4 / Duende configuration, as kept in appsettings.json or a
 * seed file (`Clients`, `ApiScopes`, `ApiResources`, at the root or under `IdentityServer`), into
 * Gatehouse's records. Property names are matched without regard to case, as .NET's configuration
 * binder does. What Gatehouse has no use for (redirect URIs, identity resources, ...) is left out.
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

/** IdentityServer's `Secret`: `Value` is base64(SHA-256 or SHA-512) of the secret, as `Sha256()` stores it. */
function secrets(items: unknown[], where: string, warnings: string[]): Obj[] {
  const out: Obj[] = [];
  items.forEach((s, i) => {
    const at = `${where}[${i}]`;
    if (!isObject(s)) throw invalid(`${at} must be an object`);
    const type = prop(s, 'Type');
    if (type !== undefined && type !== null && type !== 'SharedSecret') {
      warnings.push(`${at} is a ${String(type)} secret, which Gatehouse does not use; left out`);
      return;
    }
    const value = prop(s, 'Value');
    if (typeof value !== 'string' || !HASH.test(value)) {
      throw invalid(`${at}.Value is not a base64 SHA-256 or SHA-512 hash (IdentityServer's "secret".Sha256()); plain secrets are not imported`);
    }
    const expiration = prop(s, 'Expiration');
    const description = prop(s, 'Description');
    out.push({
      hash: value,
      ...(expiration === undefined || expiration === null ? {} : { expires: expiration }),
      ...(typeof description === 'string' ? { description } : {}),
    });
  });
  return out;
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
export function fromIdentityServer(config: unknown): ConvertedConfig {
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
      secrets: secrets(list(raw, 'ApiSecrets', `ApiResources[${i}].`), `ApiResources[${i}].ApiSecrets`, warnings),
    };
  });

  const clients = list(s, 'Clients', '').map((raw, i) => {
    const at = `Clients[${i}]`;
    if (!isObject(raw)) throw invalid(`${at} must be an object`);
    const grants = prop(raw, 'AllowedGrantTypes');
    const tokenType = prop(raw, 'AccessTokenType');
    if (tokenType === 1 || (typeof tokenType === 'string' && tokenType.toLowerCase() === 'reference')) {
      warnings.push(`${at} (${String(prop(raw, 'ClientId'))}) asks for reference tokens; Gatehouse issues JWT access tokens`);
    }
    return {
      clientId: prop(raw, 'ClientId'),
      ...optional(raw, 'ClientName', 'name'),
      ...optional(raw, 'Enabled', 'enabled'),
      secrets: secrets(list(raw, 'ClientSecrets', `${at}.`), `${at}.ClientSecrets`, warnings),
      allowedGrantTypes: typeof grants === 'string' ? [grants] : (grants ?? []),
      allowedScopes: prop(raw, 'AllowedScopes') ?? [],
      ...optional(raw, 'AccessTokenLifetime', 'accessTokenLifetime'),
      ...claims(prop(raw, 'Claims'), `${at}.Claims`),
      ...claimsPrefix(raw),
    };
  });

  if (list(s, 'IdentityResources', '').length > 0) warnings.push('IdentityResources are left out: Gatehouse has no interactive sign-in');
  return { bundle: { scopes, resources, clients }, warnings };
}
