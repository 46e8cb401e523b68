import type { ClaimValue, ClientAuthMethodName, ClientRecord, TlsSubjectField } from '../core/records';
import type { ClientKeysView, ClientKeyView, ClientView, CreatedSecret, KeyView, ResourceView, ScopeView, SecretView } from './views';

/** A new secret: generated unless `value` is given; `expires` is an ISO 8601 date in the future. */
export interface NewSecret {
  value?: string;
  expires?: string;
  description?: string;
}

/**
 * A new client; `secret`, when present, adds a first secret (generated unless it has a `value`).
 * Its key and certificate settings are the record's own (src/core/records.ts says what each means).
 */
export interface NewClient
  extends Pick<ClientRecord, 'jwksUri' | 'requireDPoP' | TlsSubjectField | 'tlsClientCertificateThumbprints' | 'tlsClientCertificateBoundAccessTokens'> {
  clientId: string;
  name?: string;
  enabled?: boolean;
  /** Defaults to `["client_credentials"]`, the grant Gatehouse serves. */
  allowedGrantTypes?: string[];
  allowedScopes?: string[];
  accessTokenLifetime?: number;
  claims?: Record<string, ClaimValue>;
  claimsPrefix?: string;
  /** How it may authenticate; absent means the two secret methods. */
  authMethods?: ClientAuthMethodName[];
  /** Refused when `authMethods` leaves out both secret methods. */
  secret?: NewSecret;
}

/** The fields a client's changes may set to `null` to clear them. */
type Clearable = 'authMethods' | 'jwksUri' | TlsSubjectField | 'tlsClientCertificateThumbprints';

/**
 * Fields of a client that can be changed; absent fields stay as they are. `null` clears
 * `authMethods` (back to the secret methods), `jwksUri`, a certificate subject field or the
 * thumbprints. Setting one certificate subject field replaces the one the client had.
 */
export type ClientChanges = Partial<Omit<NewClient, 'clientId' | 'secret' | Clearable>> & {
  [F in Clearable]?: NewClient[F] | null;
};

/** A public key for a client's private_key_jwt: a JWK, or a PEM public key or X.509 certificate. */
export interface NewClientKey {
  jwk?: Record<string, unknown>;
  pem?: string;
}

export interface NewScope {
  name: string;
  displayName?: string;
  description?: string;
  enabled?: boolean;
  /** Granted only when asked for by name, never by default (docs/storage.md). */
  explicitOnly?: boolean;
}

/** Fields of an API scope that can be changed; absent fields stay as they are. */
export type ScopeChanges = Partial<Omit<NewScope, 'name'>>;

export interface NewResource {
  name: string;
  displayName?: string;
  enabled?: boolean;
  scopes?: string[];
  /** Its RFC 8707 resource indicator: an absolute https URI, unique among resources. */
  uri?: string;
}

/** Fields of an API resource that can be changed; absent fields stay as they are, `null` clears `uri`. */
export type ResourceChanges = Partial<Omit<NewResource, 'name' | 'uri'>> & { uri?: string | null };

/**
 * What changed, for the caller to log and to drop cached copies of. `tokens_revoked`: the client's
 * tokens issued so far are refused; kind `token`: one token, named by its `jti`, is revoked.
 */
export interface AdminChange {
  kind: 'client' | 'scope' | 'resource' | 'token';
  action:
    | 'created'
    | 'updated'
    | 'deleted'
    | 'secret_added'
    | 'secret_removed'
    | 'key_added'
    | 'key_removed'
    | 'replaced'
    | 'tokens_revoked'
    | 'revoked';
  name: string;
  /** The credential the change is about: a secret's id, or a client key's kid (logged as `credential_id`). */
  secretId?: string;
}

/** Whose secrets: a client's (token endpoint) or an API resource's (introspection). */
export type SecretOwner = 'client' | 'resource';

/** Records in Gatehouse's own shapes (docs/storage.md), as in a seed file; secrets as hashes. */
export interface ImportBundle {
  scopes?: unknown[];
  resources?: unknown[];
  clients?: unknown[];
}

export interface ImportResult {
  created: { scopes: string[]; resources: string[]; clients: string[] };
  replaced: { scopes: string[]; resources: string[]; clients: string[] };
  warnings: string[];
}

/**
 * Everything the admin API and the CLI can do to a Gatehouse. Two implementations: one over a KV
 * namespace (src/admin/kv-operations.ts: the admin API itself, and the CLI on local state), one over
 * the admin API (src/cli/remote-operations.ts: the CLI against a deployed Gatehouse). Failures are
 * OAuthErrors: `not_found` (404), `conflict` (409), `invalid_request` (400).
 */
export interface AdminOperations {
  listClients(): Promise<ClientView[]>;
  getClient(clientId: string): Promise<ClientView>;
  addClient(input: NewClient): Promise<{ client: ClientView; secret?: CreatedSecret }>;
  updateClient(clientId: string, changes: ClientChanges): Promise<ClientView>;
  /** Deletes a client; its tokens are refused from then on, as a disabled client's are. */
  deleteClient(clientId: string): Promise<void>;
  /** Refuses every token the client was issued until now: moves its `tokensNotBefore` past this second. */
  revokeClientTokens(clientId: string): Promise<ClientView>;

  listSecrets(owner: SecretOwner, name: string): Promise<SecretView[]>;
  addSecret(owner: SecretOwner, name: string, input: NewSecret): Promise<CreatedSecret>;
  removeSecret(owner: SecretOwner, name: string, secretId: string): Promise<void>;

  /** The public keys a client holds in its record for private_key_jwt, and its jwksUri. */
  listClientKeys(clientId: string): Promise<ClientKeysView>;
  /** Adds a public key; its kid is its RFC 7638 thumbprint unless the JWK has one. */
  addClientKey(clientId: string, input: NewClientKey): Promise<ClientKeyView>;
  /** Removes a key by its kid (or, for a key without one, its thumbprint). */
  removeClientKey(clientId: string, kid: string): Promise<void>;

  listScopes(): Promise<ScopeView[]>;
  getScope(name: string): Promise<ScopeView>;
  addScope(input: NewScope): Promise<ScopeView>;
  updateScope(name: string, changes: ScopeChanges): Promise<ScopeView>;
  deleteScope(name: string): Promise<void>;

  listResources(): Promise<ResourceView[]>;
  getResource(name: string): Promise<ResourceView>;
  addResource(input: NewResource): Promise<ResourceView>;
  updateResource(name: string, changes: ResourceChanges): Promise<ResourceView>;
  deleteResource(name: string): Promise<void>;

  listKeys(): Promise<KeyView[]>;
  /** Rotates the signing keys now (src/core/key-rotation.ts, forced). */
  rotateKeys(): Promise<KeyView[]>;

  importBundle(bundle: ImportBundle, options: { overwrite: boolean }): Promise<ImportResult>;

  /**
   * Revokes one access token by its `jti`, without the client's secret: validators refuse it until
   * it would have expired at the latest (docs/revocation.md).
   */
  revokeToken(jti: string): Promise<void>;
}
