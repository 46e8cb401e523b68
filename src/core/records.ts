/**
 * Shapes of the records kept in Workers KV (docs/storage.md) and their validation. A record that
 * is not valid JSON or has the wrong shape is rejected with a message naming the key and the field,
 * never half-used.
 */

import type { JWK } from 'jose';
import { CLIENT_ASSERTION_ALGS } from '../settings';
import { fromBase64 } from './encoding';
import { canonicalIp } from './x509';

/** A hashed client or resource secret: base64(SHA-256) or base64(SHA-512) of the secret. */
export interface SecretRecord {
  /** Names the secret for listing and removal; random, unrelated to the secret. Older records may lack it. */
  id?: string;
  hash: string;
  /** ISO 8601; informative. */
  created?: string;
  /** ISO 8601; the secret is ignored from this instant on. */
  expires?: string | null;
  description?: string;
}

export interface ClientRecord {
  clientId: string;
  name?: string;
  enabled: boolean;
  secrets: SecretRecord[];
  allowedGrantTypes: string[];
  allowedScopes: string[];
  /** Seconds; default 3600. */
  accessTokenLifetime: number;
  /** Extra claims for the client's tokens; a value may be a string, number, boolean or list. */
  claims: Record<string, ClaimValue>;
  /** Prefix put before each of `claims`' names (IdentityServer's `ClientClaimsPrefix`). */
  claimsPrefix: string;
  /**
   * Epoch seconds: the client's tokens issued (`iat`) before this instant are refused everywhere.
   * Set when the client is created, so a client deleted and re-created under the same id does not
   * revive the old one's tokens, and moved forward when an operator revokes all its tokens.
   */
  tokensNotBefore?: number;
  /**
   * The authentication methods the client may use (docs/client-auth.md). Absent: the two secret
   * methods, as before the field existed. A client limited to `private_key_jwt` cannot fall back to
   * a secret, even one it still holds.
   */
  authMethods?: ClientAuthMethodName[];
  /** The client's public keys for `private_key_jwt`, held in the record (RFC 7591 §2 `jwks`). */
  jwks?: { keys: JWK[] };
  /** Where the client publishes its public keys for `private_key_jwt` (RFC 7591 §2 `jwks_uri`). */
  jwksUri?: string;
  /** When true, the client's token requests must carry a DPoP proof (RFC 9449 §5; docs/dpop.md). Absent: false. */
  requireDPoP?: boolean;
  /**
   * For `tls_client_auth` (RFC 8705 §2.1.2), exactly one of these five: the certificate's subject
   * DN as RFC 4514 prints it, or one subject alternative name it must hold (docs/mtls.md).
   */
  tlsClientAuthSubjectDn?: string;
  tlsClientAuthSanDns?: string;
  tlsClientAuthSanUri?: string;
  /** Kept in canonical form (dotted decimal, or RFC 5952 for IPv6). */
  tlsClientAuthSanIp?: string;
  tlsClientAuthSanEmail?: string;
  /**
   * For `self_signed_tls_client_auth` (RFC 8705 §2.2): the `x5t#S256` thumbprints (base64url
   * SHA-256 of the DER) of the certificates the client may present; the first certificate of each
   * `jwks` key's `x5c` counts too.
   */
  tlsClientCertificateThumbprints?: string[];
  /**
   * RFC 8705 §3.4 `tls_client_certificate_bound_access_tokens`: the client's tokens are bound to the
   * certificate of its token request (`cnf.x5t#S256`), and a token request without one is refused.
   * Absent: false, the RFC's default.
   */
  tlsClientCertificateBoundAccessTokens?: boolean;
}

/** The client authentication methods a client record may name (RFC 8414 §2; OpenID Connect Core §9). */
export const CLIENT_AUTH_METHOD_NAMES = [
  'client_secret_basic',
  'client_secret_post',
  'private_key_jwt',
  'tls_client_auth',
  'self_signed_tls_client_auth',
] as const;
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHOD_NAMES)[number];

/** The methods a client without `authMethods` may use: its secrets. */
const SECRET_AUTH_METHODS: readonly ClientAuthMethodName[] = ['client_secret_basic', 'client_secret_post'];

/** The authentication methods `client` may use. */
export function authMethodsOf(client: Pick<ClientRecord, 'authMethods'>): readonly ClientAuthMethodName[] {
  return client.authMethods ?? SECRET_AUTH_METHODS;
}

export type ClaimValue = string | number | boolean | Array<string | number | boolean>;

export interface ScopeRecord {
  name: string;
  displayName?: string;
  description?: string;
  enabled: boolean;
  /**
   * Granted only when asked for by name in `scope`, never as part of a client's default scopes.
   * Absent means false.
   */
  explicitOnly?: boolean;
}

export interface ResourceRecord {
  name: string;
  /**
   * The resource's identifier for RFC 8707 resource indicators: an absolute URI without a fragment
   * (§2), `https` recommended. A token request's `resource` parameter names the resource by it.
   */
  uri?: string;
  displayName?: string;
  enabled: boolean;
  /** Names of the API scopes this resource accepts; granting one puts this resource in `aud`. */
  scopes: string[];
  /** Hashed secrets the resource authenticates with at the introspection endpoint. */
  secrets: SecretRecord[];
}

/** Claims a client may never set, whatever its prefix: they carry the token's own meaning. */
export const RESERVED_CLAIMS = new Set([
  'iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'scope', 'scp', 'client_id', 'cnf', 'act', 'may_act',
  'auth_time', 'acr', 'amr', 'azp', 'typ',
]);

/** The longest access-token lifetime a client may have, in seconds (30 days). */
export const MAX_ACCESS_TOKEN_LIFETIME = 60 * 60 * 24 * 30;

/** A stored record is malformed; `key` and `problem` say where and what. */
export class RecordError extends Error {
  constructor(
    readonly key: string,
    readonly problem: string,
  ) {
    super(`KV record "${key}" is invalid: ${problem}`);
    this.name = 'RecordError';
  }
}

type Obj = Record<string, unknown>;

function object(key: string, raw: string): Obj {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new RecordError(key, 'not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new RecordError(key, 'not a JSON object');
  return value as Obj;
}

function str(key: string, o: Obj, field: string, required: true): string;
function str(key: string, o: Obj, field: string, required?: false): string | undefined;
function str(key: string, o: Obj, field: string, required = false): string | undefined {
  const v = o[field];
  if (v === undefined || v === null) {
    if (required) throw new RecordError(key, `"${field}" is required`);
    return undefined;
  }
  if (typeof v !== 'string' || (required && v === '')) throw new RecordError(key, `"${field}" must be a non-empty string`);
  return v;
}

function bool(key: string, o: Obj, field: string, fallback: boolean): boolean {
  const v = o[field];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new RecordError(key, `"${field}" must be true or false`);
  return v;
}

function strings(key: string, o: Obj, field: string): string[] {
  const v = o[field];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string' && s !== '')) {
    throw new RecordError(key, `"${field}" must be a list of non-empty strings`);
  }
  return v as string[];
}

function isoDate(key: string, field: string, v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || Number.isNaN(Date.parse(v))) throw new RecordError(key, `"${field}" must be an ISO 8601 date`);
  return v;
}

function secrets(key: string, o: Obj): SecretRecord[] {
  const v = o.secrets;
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw new RecordError(key, '"secrets" must be a list');
  return v.map((s, i) => {
    if (typeof s !== 'object' || s === null || typeof (s as Obj).hash !== 'string') {
      throw new RecordError(key, `"secrets[${i}].hash" must be a base64 SHA-256 or SHA-512 hash`);
    }
    const hash = (s as Obj).hash as string;
    if (!/^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9+/]{86}==$/.test(hash)) {
      throw new RecordError(key, `"secrets[${i}].hash" must be a base64 SHA-256 or SHA-512 hash`);
    }
    const id = (s as Obj).id;
    if (id !== undefined && (typeof id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(id))) {
      throw new RecordError(key, `"secrets[${i}].id" must be 1 to 64 letters, digits, "-" or "_"`);
    }
    return {
      ...(id === undefined ? {} : { id: id as string }),
      hash,
      created: isoDate(key, `secrets[${i}].created`, (s as Obj).created),
      expires: isoDate(key, `secrets[${i}].expires`, (s as Obj).expires) ?? null,
      description: typeof (s as Obj).description === 'string' ? ((s as Obj).description as string) : undefined,
    };
  });
}

function claims(key: string, o: Obj, prefix: string): Record<string, ClaimValue> {
  const v = o.claims;
  if (v === undefined) return {};
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new RecordError(key, '"claims" must be an object of claim names to values');
  const scalar = (x: unknown) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
  for (const [name, value] of Object.entries(v as Obj)) {
    if (name === '' || RESERVED_CLAIMS.has(prefix + name)) throw new RecordError(key, `claim "${prefix}${name}" is reserved`);
    if (!scalar(value) && !(Array.isArray(value) && value.every(scalar))) {
      throw new RecordError(key, `claim "${name}" must be a string, number, boolean or a list of those`);
    }
  }
  return v as Record<string, ClaimValue>;
}

/** Parses and validates a `client:{id}` record. */
export function parseClient(key: string, raw: string): ClientRecord {
  const o = object(key, raw);
  const lifetime = o.accessTokenLifetime ?? 3600;
  if (typeof lifetime !== 'number' || !Number.isInteger(lifetime) || lifetime < 1 || lifetime > MAX_ACCESS_TOKEN_LIFETIME) {
    throw new RecordError(key, `"accessTokenLifetime" must be a whole number of seconds from 1 to ${MAX_ACCESS_TOKEN_LIFETIME}`);
  }
  const claimsPrefix = str(key, o, 'claimsPrefix') ?? 'client_';
  return {
    clientId: str(key, o, 'clientId', true),
    name: str(key, o, 'name'),
    enabled: bool(key, o, 'enabled', true),
    secrets: secrets(key, o),
    allowedGrantTypes: strings(key, o, 'allowedGrantTypes'),
    allowedScopes: strings(key, o, 'allowedScopes'),
    accessTokenLifetime: lifetime,
    claims: claims(key, o, claimsPrefix),
    claimsPrefix,
    ...tokensNotBefore(key, o),
    ...authentication(key, o),
    ...(o.requireDPoP === undefined ? {} : { requireDPoP: bool(key, o, 'requireDPoP', false) }),
    ...(o.tlsClientCertificateBoundAccessTokens === undefined
      ? {}
      : { tlsClientCertificateBoundAccessTokens: bool(key, o, 'tlsClientCertificateBoundAccessTokens', false) }),
  };
}

/** The registration fields of `tls_client_auth`, RFC 8705 §2.1.2's names in camel case. */
export const TLS_SUBJECT_FIELDS = [
  'tlsClientAuthSubjectDn',
  'tlsClientAuthSanDns',
  'tlsClientAuthSanUri',
  'tlsClientAuthSanIp',
  'tlsClientAuthSanEmail',
] as const;
export type TlsSubjectField = (typeof TLS_SUBJECT_FIELDS)[number];

const THUMBPRINT = /^[A-Za-z0-9_-]{43}$/;

/** The certificate fields of the two mutual-TLS methods (RFC 8705 §2.1.2, §2.2), checked against `authMethods`. */
function certificateAuthentication(
  key: string,
  o: Obj,
  methods: readonly ClientAuthMethodName[] | undefined,
  keys: JWK[] | undefined,
): Pick<ClientRecord, TlsSubjectField | 'tlsClientCertificateThumbprints'> {
  const fields: Partial<Record<TlsSubjectField, string>> = {};
  for (const field of TLS_SUBJECT_FIELDS) {
    let value = str(key, o, field);
    if (value === undefined) continue;
    if (value.trim() === '') throw new RecordError(key, `"${field}" must be a non-empty string`);
    if (field === 'tlsClientAuthSanIp') {
      const ip = canonicalIp(value);
      if (!ip) throw new RecordError(key, '"tlsClientAuthSanIp" must be an IPv4 address in dotted decimal or an IPv6 address');
      value = ip;
    }
    fields[field] = value;
  }
  const named = Object.keys(fields);
  // RFC 8705 §2.1.2: "A client MUST use exactly one of the below metadata parameters".
  if (named.length > 1) throw new RecordError(key, `only one of ${TLS_SUBJECT_FIELDS.join(', ')} may be set; got ${named.join(', ')}`);
  if (methods?.includes('tls_client_auth') && named.length === 0) {
    throw new RecordError(key, `"authMethods" includes tls_client_auth, which needs one of ${TLS_SUBJECT_FIELDS.join(', ')}`);
  }
  const thumbprints = o.tlsClientCertificateThumbprints;
  if (thumbprints !== undefined && (!Array.isArray(thumbprints) || !thumbprints.every((t) => typeof t === 'string' && THUMBPRINT.test(t)))) {
    throw new RecordError(key, '"tlsClientCertificateThumbprints" must be a list of x5t#S256 values (base64url SHA-256 of the DER, 43 characters)');
  }
  const x5cKeys = keys?.some((k) => Array.isArray(k.x5c)) ?? false;
  if (methods?.includes('self_signed_tls_client_auth') && !(thumbprints as string[] | undefined)?.length && !x5cKeys) {
    throw new RecordError(key, '"authMethods" includes self_signed_tls_client_auth, which needs "tlsClientCertificateThumbprints" or a "jwks" key with "x5c"');
  }
  return { ...fields, ...(thumbprints === undefined ? {} : { tlsClientCertificateThumbprints: thumbprints as string[] }) };
}

/** The members each key type needs (RFC 7518 §6.2.1, §6.3.1; RFC 8037 §2). */
const PUBLIC_JWK_MEMBERS = new Map([
  ['RSA', ['n', 'e']],
  ['EC', ['crv', 'x', 'y']],
  ['OKP', ['crv', 'x']],
]);

/** The one curve of each curve-based key type that an accepted algorithm signs with (RFC 7518 §3.4; RFC 8037 §3.1). */
const ASSERTION_CURVES = new Map([
  ['EC', 'P-256'],
  ['OKP', 'Ed25519'],
]);

/** Members that only a private or symmetric key has (RFC 7518 §6.2.2, §6.3.2, §6.4; RFC 8037 §2). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** `authMethods`, `jwks` and `jwksUri`, checked together: a key method needs somewhere to find keys. */
function authentication(key: string, o: Obj): Partial<ClientRecord> {
  const fields = { ...authMethods(key, o), ...jwks(key, o), ...jwksUri(key, o) };
  // RFC 7591 §2: "The jwks_uri and jwks parameters MUST NOT both be present".
  if (fields.jwks && fields.jwksUri) throw new RecordError(key, '"jwks" and "jwksUri" must not both be present');
  if (fields.authMethods?.includes('private_key_jwt') && !fields.jwks && !fields.jwksUri) {
    throw new RecordError(key, '"authMethods" includes private_key_jwt, which needs "jwks" or "jwksUri"');
  }
  return { ...fields, ...certificateAuthentication(key, o, fields.authMethods, fields.jwks?.keys) };
}

function authMethods(key: string, o: Obj): { authMethods?: ClientAuthMethodName[] } {
  const v = o.authMethods;
  if (v === undefined) return {};
  const known = (m: unknown) => (CLIENT_AUTH_METHOD_NAMES as readonly unknown[]).includes(m);
  if (!Array.isArray(v) || v.length === 0 || !v.every(known) || new Set(v).size !== v.length) {
    throw new RecordError(key, `"authMethods" must be a non-empty list of distinct methods among ${CLIENT_AUTH_METHOD_NAMES.join(', ')}`);
  }
  return { authMethods: v as ClientAuthMethodName[] };
}

function jwks(key: string, o: Obj): { jwks?: { keys: JWK[] } } {
  const v = o.jwks;
  if (v === undefined) return {};
  const isObject = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
  if (!isObject(v) || !Array.isArray(v.keys) || v.keys.length === 0) {
    throw new RecordError(key, '"jwks" must be an object with a non-empty "keys" list');
  }
  const keys = v.keys as unknown[];
  const kids = new Set<string>();
  keys.forEach((k, i) => {
    const field = `jwks.keys[${i}]`;
    if (!isObject(k)) throw new RecordError(key, `"${field}" must be a JWK object`);
    const needs = typeof k.kty === 'string' ? PUBLIC_JWK_MEMBERS.get(k.kty) : undefined;
    if (!needs) throw new RecordError(key, `"${field}.kty" must be RSA, EC or OKP`);
    // The curves of the accepted algorithms: ES256 signs on P-256, EdDSA on Ed25519.
    const curve = ASSERTION_CURVES.get(k.kty as string);
    if (curve && k.crv !== curve) throw new RecordError(key, `"${field}.crv" must be ${curve}`);
    const secret = PRIVATE_JWK_MEMBERS.find((m) => Object.hasOwn(k, m));
    if (secret) throw new RecordError(key, `"${field}" must be a public key; it has the private member "${secret}"`);
    for (const m of needs) {
      if (typeof k[m] !== 'string' || k[m] === '') throw new RecordError(key, `"${field}.${m}" must be a non-empty string`);
    }
    if (k.kid === undefined) {
      // Without kids, a key set of several keys leaves the verifier guessing which one signed.
      if (keys.length > 1) throw new RecordError(key, `"${field}.kid" is required when there is more than one key`);
    } else if (typeof k.kid !== 'string' || k.kid === '') {
      throw new RecordError(key, `"${field}.kid" must be a non-empty string`);
    } else if (kids.has(k.kid)) {
      throw new RecordError(key, `"${field}.kid" repeats the kid of another key`);
    } else {
      kids.add(k.kid);
    }
    if (k.alg !== undefined && !(CLIENT_ASSERTION_ALGS as readonly unknown[]).includes(k.alg)) {
      throw new RecordError(key, `"${field}.alg" must be one of ${CLIENT_ASSERTION_ALGS.join(', ')}`);
    }
    if (k.use !== undefined && k.use !== 'sig') throw new RecordError(key, `"${field}.use" must be "sig"`);
    // RFC 7517 §4.7: base64 (not base64url) DER certificates, the key's own first.
    if (k.x5c !== undefined && (!Array.isArray(k.x5c) || k.x5c.length === 0 || !k.x5c.every((c) => typeof c === 'string' && fromBase64(c) !== undefined && c !== ''))) {
      throw new RecordError(key, `"${field}.x5c" must be a non-empty list of base64 DER certificates`);
    }
  });
  return { jwks: { keys: keys as JWK[] } };
}

/** Hosts a `jwksUri` may name over plain http: the machine itself, for local runs only. */
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

function jwksUri(key: string, o: Obj): { jwksUri?: string } {
  const v = o.jwksUri;
  if (v === undefined || v === null) return {};
  let url: URL | undefined;
  try {
    url = typeof v === 'string' ? new URL(v) : undefined;
  } catch {
    url = undefined;
  }
  // Keys fetched over plain http could be swapped by anyone on the path.
  const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (!url || !secure || url.username || url.password || url.hash) {
    throw new RecordError(key, '"jwksUri" must be an absolute https URL without credentials or fragment (http only for localhost)');
  }
  return { jwksUri: v as string };
}

function tokensNotBefore(key: string, o: Obj): { tokensNotBefore?: number } {
  const v = o.tokensNotBefore;
  if (v === undefined) return {};
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new RecordError(key, '"tokensNotBefore" must be epoch seconds');
  return { tokensNotBefore: v };
}

/** Parses and validates a `scope:{name}` record. */
export function parseScope(key: string, raw: string): ScopeRecord {
  const o = object(key, raw);
  return {
    name: str(key, o, 'name', true),
    displayName: str(key, o, 'displayName'),
    description: str(key, o, 'description'),
    enabled: bool(key, o, 'enabled', true),
    explicitOnly: o.explicitOnly === undefined ? undefined : bool(key, o, 'explicitOnly', false),
  };
}

// RFC 3986 §4.3 absolute-URI, character by character: a scheme, ":", then only characters a URI
// may hold (§2), "%" only as a percent-encoding, and no "#": RFC 8707 §2 forbids a fragment.
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?[\]]|%[0-9A-Fa-f]{2})*$/;

/** Whether `value` may identify a resource (RFC 8707 §2): an absolute URI without a fragment. */
export function isResourceUri(value: string): boolean {
  return ABSOLUTE_URI.test(value);
}

function resourceUri(key: string, o: Obj): { uri?: string } {
  const v = o.uri;
  if (v === undefined || v === null) return {};
  if (typeof v !== 'string' || !isResourceUri(v)) throw new RecordError(key, '"uri" must be an absolute URI without a fragment (RFC 8707 §2)');
  return { uri: v };
}

/** Parses and validates a `resource:{name}` record. */
export function parseResource(key: string, raw: string): ResourceRecord {
  const o = object(key, raw);
  return {
    name: str(key, o, 'name', true),
    ...resourceUri(key, o),
    displayName: str(key, o, 'displayName'),
    enabled: bool(key, o, 'enabled', true),
    scopes: strings(key, o, 'scopes'),
    secrets: secrets(key, o),
  };
}
