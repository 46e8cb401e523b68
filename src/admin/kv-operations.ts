import { acceptanceLeewaySeconds, type Config } from '../config';
import { randomId } from '../core/encoding';
import { parseKeyRing } from '../core/key-ring';
import { rotateKeys } from '../core/key-rotation';
import {
  MAX_ACCESS_TOKEN_LIFETIME,
  parseClient,
  parseResource,
  parseScope,
  TLS_SUBJECT_FIELDS,
  type ClientRecord,
  type ResourceRecord,
  type ScopeRecord,
  type SecretRecord,
} from '../core/records';
import { localRevocationWriter, type RevocationWriter } from '../core/revocation-document';
import { hashSecret } from '../core/secrets';
import { KEY, listKeys, MAX_KEY_BYTES, parseRecord, readText, writeText } from '../core/store';
import { OAuthError } from '../errors';
import { GRANTS } from '../oauth/grants';
import { ADMIN_SCOPE, checkClientId, checkJti, checkName } from './names';
import type { AdminChange, AdminOperations, NewClient, NewScope, NewSecret, SecretOwner } from './operations';
import { clientKeyInput, indexOfKey, requireKeyLeft, requireKeysForPrivateKeyJwt, requireNewKey, withKeyIds } from './client-keys';
import { importRecords } from './import-records';
import { objectInput, validated } from './input';
import { checkSecretValue, generateSecret, withSecretIds } from './secret-values';
import { clientKeysView, clientKeyView, clientView, keyViews, resourceView, scopeView, secretView, type CreatedSecret } from './views';

export interface KvOperationsOptions {
  /** True only for local state: a user-chosen weak secret is then accepted. */
  allowWeakSecrets: boolean;
  config: Config;
  onChange?: (change: AdminChange) => void;
  /**
   * Where token revocations go: the Worker's `RevocationList` object; omitted (local state, where
   * none runs), the document in KV directly.
   */
  revocations?: RevocationWriter;
  /** Epoch milliseconds; defaults to the clock. */
  now?: () => number;
}

/** A client or resource has at most this many secrets: enough for rollover, bounded in size. */
export const MAX_SECRETS = 10;

const CLIENT_FIELDS = [
  'clientId', 'name', 'enabled', 'allowedGrantTypes', 'allowedScopes', 'accessTokenLifetime', 'claims', 'claimsPrefix', 'authMethods', 'jwksUri', 'requireDPoP',
  ...TLS_SUBJECT_FIELDS, 'tlsClientCertificateThumbprints', 'tlsClientCertificateBoundAccessTokens',
];
/** Client fields a change may set to null to clear. */
const CLEARABLE_CLIENT_FIELDS = ['authMethods', 'jwksUri', ...TLS_SUBJECT_FIELDS, 'tlsClientCertificateThumbprints'];
const SECRET_FIELDS = ['value', 'expires', 'description'];
const SCOPE_FIELDS = ['name', 'displayName', 'description', 'enabled', 'explicitOnly'];
const RESOURCE_FIELDS = ['name', 'displayName', 'enabled', 'scopes', 'uri'];

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** `o` without the `fields` set to null: null clears a client field that the record validator refuses null for. */
function withoutCleared(o: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => !(fields.includes(k) && v === null)));
}

/** Whether a client may authenticate with a secret: `authMethods` absent, or naming a secret method. */
function takesSecrets(authMethods: unknown): boolean {
  return !Array.isArray(authMethods) || authMethods.some((m) => m === 'client_secret_basic' || m === 'client_secret_post');
}

/** The admin scope is never granted by default (src/oauth/grants/scope.ts); a record must not say otherwise. */
function requireAdminScopeExplicit(scope: ScopeRecord): void {
  if (scope.name === ADMIN_SCOPE && scope.explicitOnly === false) {
    throw new OAuthError('invalid_request', `"${ADMIN_SCOPE}" is always explicit-only`);
  }
}

/**
 * The admin operations over a KV namespace: the admin API's implementation, and the CLI's on local
 * state. Reads go to KV, not to the isolate caches, so a change is seen by the next call. KV has no
 * transactions: two concurrent changes to one record can lose one of them (last write wins).
 */
export function kvAdminOperations(kv: KVNamespace, options: KvOperationsOptions): AdminOperations {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const changed = (change: AdminChange) => options.onChange?.(change);

  async function read<T>(key: string, parse: (key: string, raw: string) => T): Promise<T | null> {
    // A name too long to be a KV key names nothing; asking KV would fail the call instead.
    if (new TextEncoder().encode(key).length > MAX_KEY_BYTES) return null;
    const raw = await readText(kv, key);
    return raw === null ? null : parseRecord(key, raw, parse);
  }

  async function readAll<T>(prefix: string, parse: (key: string, raw: string) => T): Promise<T[]> {
    const keys = await listKeys(kv, prefix);
    const records = await Promise.all(keys.map((key) => read(key, parse)));
    return records.filter((r): r is Awaited<T> => r !== null);
  }

  async function write(key: string, record: object): Promise<void> {
    await writeText(kv, key, JSON.stringify(record));
  }

  async function client(clientId: string): Promise<ClientRecord> {
    const found = await read(KEY.client(clientId), parseClient);
    if (!found) throw new OAuthError('not_found', `no client "${clientId}"`);
    return found;
  }

  async function resource(name: string): Promise<ResourceRecord> {
    const found = await read(KEY.resource(name), parseResource);
    if (!found) throw new OAuthError('not_found', `no API resource "${name}"`);
    return found;
  }

  async function scope(name: string): Promise<ScopeRecord> {
    const found = await read(KEY.scope(name), parseScope);
    if (!found) throw new OAuthError('not_found', `no API scope "${name}"`);
    return found;
  }

  async function requireScopesExist(names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    const known = new Set((await listKeys(kv, KEY.scope(''))).map((k) => k.slice(KEY.scope('').length)));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new OAuthError('invalid_request', `unknown API scope(s): ${unknown.join(', ')}`);
  }

  function requireServedGrants(grants: readonly string[]): void {
    const unserved = grants.filter((g) => !GRANTS.has(g));
    if (unserved.length > 0) {
      throw new OAuthError('invalid_request', `grant type(s) not served by Gatehouse: ${unserved.join(', ')}; served: ${[...GRANTS.keys()].join(', ')}`);
    }
  }

  async function newSecret(input: NewSecret, existing: readonly SecretRecord[]): Promise<{ record: SecretRecord; created: CreatedSecret }> {
    const o = objectInput('the secret', input, SECRET_FIELDS);
    const generated = o.value === undefined;
    const value = generated ? generateSecret() : checkSecretValue(o.value, options.allowWeakSecrets);
    let expires: string | null = null;
    if (o.expires !== undefined && o.expires !== null) {
      const at = typeof o.expires === 'string' ? Date.parse(o.expires) : NaN;
      if (Number.isNaN(at)) throw new OAuthError('invalid_request', '"expires" must be an ISO 8601 date');
      if (at <= now()) throw new OAuthError('invalid_request', '"expires" must be in the future');
      expires = new Date(at).toISOString();
    }
    if (o.description !== undefined && (typeof o.description !== 'string' || o.description.length > 200)) {
      throw new OAuthError('invalid_request', '"description" must be a string of at most 200 characters');
    }
    if (existing.length >= MAX_SECRETS) throw new OAuthError('conflict', `at most ${MAX_SECRETS} secrets are kept; remove one first`);
    const hash = await hashSecret(value);
    if (existing.some((s) => s.hash === hash)) throw new OAuthError('conflict', 'this secret is already one of the secrets');
    const record: SecretRecord = withoutUndefined({
      id: randomId(8),
      hash,
      created: new Date(now()).toISOString(),
      expires,
      description: o.description as string | undefined,
    });
    const created: CreatedSecret = secretView(record);
    if (generated) created.value = value;
    return { record, created };
  }

  /** Refuses `record`'s uri when another API resource has it: a resource indicator names one resource. */
  async function requireUriFree(record: ResourceRecord): Promise<void> {
    if (record.uri === undefined) return;
    const holder = (await readAll(KEY.resource(''), parseResource)).find((r) => r.uri === record.uri && r.name !== record.name);
    if (holder) throw new OAuthError('conflict', `API resource "${holder.name}" already has the uri "${record.uri}"`);
  }

  async function owner(kind: SecretOwner, name: string): Promise<{ record: ClientRecord | ResourceRecord; key: string }> {
    return kind === 'client'
      ? { record: await client(name), key: KEY.client(name) }
      : { record: await resource(name), key: KEY.resource(name) };
  }

  const ops: AdminOperations = {
    async listClients() {
      const clients = await readAll(KEY.client(''), parseClient);
      return clients.map(clientView).sort((a, b) => a.clientId.localeCompare(b.clientId));
    },

    async getClient(clientId) {
      return clientView(await client(clientId));
    },

    async addClient(input) {
      const o = objectInput('the client', input, [...CLIENT_FIELDS, 'secret']);
      const clientId = checkClientId(o.clientId);
      const { secret, ...fields } = o as unknown as NewClient;
      requireKeysForPrivateKeyJwt(fields);
      if (secret !== undefined && !takesSecrets(fields.authMethods)) {
        throw new OAuthError('invalid_request', '"secret" is of no use: "authMethods" names no secret method');
      }
      const record = validated(parseClient, KEY.client(clientId), {
        ...fields,
        allowedGrantTypes: fields.allowedGrantTypes ?? ['client_credentials'],
        secrets: [],
        // A client deleted and created again under the same id must not revive the old one's tokens.
        tokensNotBefore: nowSeconds(),
      });
      requireServedGrants(record.allowedGrantTypes);
      if ((await read(KEY.client(clientId), (_k, raw) => raw)) !== null) throw new OAuthError('conflict', `client "${clientId}" already exists`);
      await requireScopesExist(record.allowedScopes);
      let created: CreatedSecret | undefined;
      if (secret !== undefined) {
        const added = await newSecret(secret, []);
        record.secrets.push(added.record);
        created = added.created;
      }
      await write(KEY.client(clientId), record);
      changed({ kind: 'client', action: 'created', name: clientId, secretId: created?.id ?? undefined });
      return created ? { client: clientView(record), secret: created } : { client: clientView(record) };
    },

    async updateClient(clientId, changes) {
      const o = objectInput('the changes', changes, CLIENT_FIELDS.filter((f) => f !== 'clientId'));
      const current = await client(clientId);
      if (o.jwksUri !== undefined && o.jwksUri !== null && current.jwks) {
        // RFC 7591 §2: a client's keys are given by value or by reference, never both.
        throw new OAuthError('conflict', `client "${clientId}" holds ${current.jwks.keys.length} key(s); remove them before setting "jwksUri"`);
      }
      // RFC 8705 §2.1.2: one registered subject; a new one replaces the old, whichever field it is.
      const base: Record<string, unknown> = { ...current };
      if (TLS_SUBJECT_FIELDS.some((f) => o[f] !== undefined && o[f] !== null)) for (const f of TLS_SUBJECT_FIELDS) delete base[f];
      const fields = withoutCleared({ ...base, ...o, secrets: withSecretIds(current.secrets) }, CLEARABLE_CLIENT_FIELDS);
      requireKeysForPrivateKeyJwt(fields);
      const record = validated(parseClient, KEY.client(clientId), fields);
      if (o.allowedGrantTypes !== undefined) requireServedGrants(record.allowedGrantTypes);
      if (o.allowedScopes !== undefined) await requireScopesExist(record.allowedScopes);
      await write(KEY.client(clientId), record);
      changed({ kind: 'client', action: 'updated', name: clientId });
      return clientView(record);
    },

    async deleteClient(clientId) {
      await client(clientId);
      await kv.delete(KEY.client(clientId));
      changed({ kind: 'client', action: 'deleted', name: clientId });
    },

    async revokeClientTokens(clientId) {
      const current = await client(clientId);
      // `iat` counts whole seconds (RFC 7519 §4.1.6), so the tokens of this very second are refused
      // too; the token endpoint stamps new tokens no earlier than tokensNotBefore. Never moved back.
      const tokensNotBefore = Math.max(current.tokensNotBefore ?? 0, nowSeconds() + 1);
      const record: ClientRecord = { ...current, secrets: withSecretIds(current.secrets), tokensNotBefore };
      await write(KEY.client(clientId), record);
      changed({ kind: 'client', action: 'tokens_revoked', name: clientId });
      return clientView(record);
    },

    async listSecrets(kind, name) {
      return (await owner(kind, name)).record.secrets.map(secretView);
    },

    async addSecret(kind, name, input) {
      const { record, key } = await owner(kind, name);
      const { record: secret, created } = await newSecret(input, record.secrets);
      record.secrets = [...withSecretIds(record.secrets), secret];
      await write(key, record);
      changed({ kind, action: 'secret_added', name, secretId: secret.id });
      return created;
    },

    async removeSecret(kind, name, secretId) {
      const { record, key } = await owner(kind, name);
      if (!record.secrets.some((s) => s.id === secretId)) throw new OAuthError('not_found', `no secret "${secretId}" on ${kind} "${name}"`);
      record.secrets = withSecretIds(record.secrets.filter((s) => s.id !== secretId));
      await write(key, record);
      changed({ kind, action: 'secret_removed', name, secretId });
    },

    async listClientKeys(clientId) {
      return clientKeysView(await client(clientId));
    },

    async addClientKey(clientId, input) {
      const current = await client(clientId);
      const key = await clientKeyInput(input);
      if (current.jwksUri) {
        throw new OAuthError('conflict', `client "${clientId}" takes its keys from its jwksUri; clear "jwksUri" to hold keys in its record`);
      }
      const keys = await withKeyIds(current.jwks?.keys ?? []);
      await requireNewKey(clientId, keys, key);
      const record = validated(parseClient, KEY.client(clientId), { ...current, secrets: withSecretIds(current.secrets), jwks: { keys: [...keys, key] } });
      await write(KEY.client(clientId), record);
      changed({ kind: 'client', action: 'key_added', name: clientId, secretId: key.kid });
      return clientKeyView(key);
    },

    async removeClientKey(clientId, kid) {
      const current = await client(clientId);
      const keys = current.jwks?.keys ?? [];
      const index = await indexOfKey(keys, kid);
      if (index < 0) throw new OAuthError('not_found', `no key "${kid}" on client "${clientId}"`);
      const remaining = keys.filter((_, i) => i !== index);
      requireKeyLeft(current, remaining, kid);
      // A record without keys has no `jwks` at all: the validator refuses an empty key set.
      const record: ClientRecord = { ...current, secrets: withSecretIds(current.secrets), jwks: remaining.length > 0 ? { keys: remaining } : undefined };
      await write(KEY.client(clientId), record);
      changed({ kind: 'client', action: 'key_removed', name: clientId, secretId: kid });
    },

    async listScopes() {
      return (await readAll(KEY.scope(''), parseScope)).map(scopeView).sort((a, b) => a.name.localeCompare(b.name));
    },

    async getScope(name) {
      return scopeView(await scope(name));
    },

    async addScope(input) {
      const o = objectInput('the scope', input, SCOPE_FIELDS);
      const name = checkName('name', o.name);
      const record = validated(parseScope, KEY.scope(name), o);
      requireAdminScopeExplicit(record);
      if ((await read(KEY.scope(name), (_k, raw) => raw)) !== null) throw new OAuthError('conflict', `API scope "${name}" already exists`);
      await write(KEY.scope(name), record);
      changed({ kind: 'scope', action: 'created', name });
      return scopeView(record);
    },

    async updateScope(name, changes) {
      const o = objectInput('the changes', changes, SCOPE_FIELDS.filter((f) => f !== 'name'));
      const record = validated(parseScope, KEY.scope(name), { ...(await scope(name)), ...o });
      requireAdminScopeExplicit(record);
      await write(KEY.scope(name), record);
      changed({ kind: 'scope', action: 'updated', name });
      return scopeView(record);
    },

    async deleteScope(name) {
      await scope(name);
      const users = (await readAll(KEY.resource(''), parseResource)).filter((r) => r.scopes.includes(name)).map((r) => r.name);
      if (users.length > 0) throw new OAuthError('conflict', `API scope "${name}" is used by API resource(s): ${users.sort().join(', ')}`);
      await kv.delete(KEY.scope(name));
      changed({ kind: 'scope', action: 'deleted', name });
    },

    async listResources() {
      return (await readAll(KEY.resource(''), parseResource)).map(resourceView).sort((a, b) => a.name.localeCompare(b.name));
    },

    async getResource(name) {
      return resourceView(await resource(name));
    },

    async addResource(input) {
      const o = objectInput('the API resource', input, RESOURCE_FIELDS);
      const name = checkName('name', o.name);
      const record = validated(parseResource, KEY.resource(name), { ...o, secrets: [] });
      record.scopes.forEach((s) => checkName('scopes[]', s));
      if ((await read(KEY.resource(name), (_k, raw) => raw)) !== null) throw new OAuthError('conflict', `API resource "${name}" already exists`);
      await requireScopesExist(record.scopes);
      await requireUriFree(record);
      await write(KEY.resource(name), record);
      changed({ kind: 'resource', action: 'created', name });
      return resourceView(record);
    },

    async updateResource(name, changes) {
      const o = objectInput('the changes', changes, RESOURCE_FIELDS.filter((f) => f !== 'name'));
      const current = await resource(name);
      // A null uri clears it: the record validator reads null as absent.
      const record = validated(parseResource, KEY.resource(name), { ...current, ...o, secrets: withSecretIds(current.secrets) });
      if (o.scopes !== undefined) {
        record.scopes.forEach((s) => checkName('scopes[]', s));
        await requireScopesExist(record.scopes);
      }
      await requireUriFree(record);
      await write(KEY.resource(name), record);
      changed({ kind: 'resource', action: 'updated', name });
      return resourceView(record);
    },

    async deleteResource(name) {
      await resource(name);
      await kv.delete(KEY.resource(name));
      changed({ kind: 'resource', action: 'deleted', name });
    },

    async listKeys() {
      const ring = (await read(KEY.keyRing, parseKeyRing)) ?? { keys: [] };
      return keyViews(ring, Math.floor(now() / 1000));
    },

    async rotateKeys() {
      // Forced: a successor is published now and signs after the propagation period; while one is
      // already published, nothing changes. rotateKeys logs key_rotated and drops the cached ring.
      const at = Math.floor(now() / 1000);
      return keyViews(await rotateKeys(kv, options.config, at, { force: true }), at);
    },

    async importBundle(bundle, { overwrite }) {
      return importRecords(kv, bundle, overwrite, changed, now());
    },

    async revokeToken(jti) {
      const id = checkJti(jti);
      // The operator does not know the token's `exp`: the entry outlives the longest-lived token
      // plus the leeway validators allow after `exp`, as the revocation endpoint's does (RFC 7009).
      const until = nowSeconds() + MAX_ACCESS_TOKEN_LIFETIME + acceptanceLeewaySeconds(options.config.gateway);
      await (options.revocations ?? localRevocationWriter(kv)).revoke(id, until);
      changed({ kind: 'token', action: 'revoked', name: id });
    },
  };

  return ops;
}
