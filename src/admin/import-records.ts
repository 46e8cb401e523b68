import { parseClient, parseResource, parseScope, RecordError, type ResourceRecord } from '../core/records';
import { KEY, listKeys, parseRecord, readText, writeText } from '../core/store';
import { OAuthError } from '../errors';
import { GRANTS } from '../oauth/grants';
import { objectInput } from './input';
import { checkClientId, checkName } from './names';
import type { AdminChange, ImportBundle, ImportResult } from './operations';
import { withSecretIds } from './secret-values';

/** An import writes at most this many records: one request stays well inside KV's per-invocation limits. */
export const MAX_IMPORT_RECORDS = 300;

/**
 * The `tokensNotBefore` a replaced client keeps: its stored one (none for a record written before
 * the field existed), or `since` when the record is gone or unreadable, as for a new client.
 */
async function storedTokensNotBefore(kv: KVNamespace, key: string, since: number): Promise<number | undefined> {
  const raw = await readText(kv, key);
  if (raw === null) return since;
  try {
    return parseClient(key, raw).tokensNotBefore;
  } catch (error) {
    if (error instanceof RecordError) return since;
    throw error;
  }
}

/**
 * Refuses resources whose uri another resource has: one of the bundle, or one stored that the
 * bundle does not replace. A resource indicator names one resource (RFC 8707).
 */
async function requireUrisFree(kv: KVNamespace, resources: readonly ResourceRecord[], storedKeys: readonly string[]): Promise<void> {
  const holders = new Map<string, string>();
  resources.forEach((r, i) => {
    if (r.uri === undefined) return;
    const holder = holders.get(r.uri);
    if (holder) throw new OAuthError('invalid_request', `resources[${i}]: "uri" is also the uri of API resource "${holder}"`);
    holders.set(r.uri, r.name);
  });
  if (holders.size === 0) return;
  const replaced = new Set(resources.map((r) => KEY.resource(r.name)));
  const kept = await Promise.all(
    storedKeys
      .filter((key) => !replaced.has(key))
      .map(async (key) => {
        const raw = await readText(kv, key);
        return raw === null ? null : parseRecord(key, raw, parseResource);
      }),
  );
  for (const stored of kept) {
    const holder = stored?.uri === undefined ? undefined : holders.get(stored.uri);
    if (holder) throw new OAuthError('conflict', `API resource "${stored!.name}" already has the uri of "${holder}"; nothing was imported`);
  }
}

/**
 * Imports records in Gatehouse's own shapes (the admin API's `POST /admin/import`, the CLI's
 * `import` after converting an IdentityServer configuration, and `gatehouse seed`). Every record
 * is validated, and checked against what exists, before anything is written: a bad record or
 * (without `overwrite`) an existing one stops the import with nothing written. Secrets come as
 * hashes and keep them. `now` is epoch milliseconds.
 */
export async function importRecords(
  kv: KVNamespace,
  bundle: ImportBundle,
  overwrite: boolean,
  changed: (change: AdminChange) => void,
  now: number,
): Promise<ImportResult> {
  const o = objectInput('the import', bundle, ['scopes', 'resources', 'clients']);
  const lists = { scopes: o.scopes ?? [], resources: o.resources ?? [], clients: o.clients ?? [] };
  for (const [field, list] of Object.entries(lists)) {
    if (!Array.isArray(list)) throw new OAuthError('invalid_request', `"${field}" must be a list`);
  }
  const total = (lists.scopes as unknown[]).length + (lists.resources as unknown[]).length + (lists.clients as unknown[]).length;
  if (total > MAX_IMPORT_RECORDS) throw new OAuthError('invalid_request', `an import holds at most ${MAX_IMPORT_RECORDS} records; split it`);

  const at = (field: string, i: number, problem: string) => new OAuthError('invalid_request', `${field}[${i}]: ${problem}`);
  const parseEach = <T>(field: string, list: unknown[], parse: (key: string, raw: string) => T, nameOf: (t: T) => string, check: (t: T) => void) => {
    const seen = new Set<string>();
    return list.map((raw, i) => {
      let record: T;
      try {
        record = parse(`${field}[${i}]`, JSON.stringify(raw));
        check(record);
      } catch (error) {
        if (error instanceof RecordError) throw at(field, i, error.problem);
        if (error instanceof OAuthError) throw at(field, i, error.message);
        throw error;
      }
      if (seen.has(nameOf(record))) throw at(field, i, `"${nameOf(record)}" appears more than once`);
      seen.add(nameOf(record));
      return record;
    });
  };
  const scopes = parseEach('scopes', lists.scopes as unknown[], parseScope, (s) => s.name, (s) => checkName('name', s.name));
  const resources = parseEach('resources', lists.resources as unknown[], parseResource, (r) => r.name, (r) => {
    checkName('name', r.name);
    r.scopes.forEach((s) => checkName('scopes[]', s));
  });
  const clients = parseEach('clients', lists.clients as unknown[], parseClient, (c) => c.clientId, (c) => checkClientId(c.clientId));

  const [scopeKeys, resourceKeys, clientKeys] = await Promise.all([
    listKeys(kv, KEY.scope('')),
    listKeys(kv, KEY.resource('')),
    listKeys(kv, KEY.client('')),
  ]);
  const existing = new Set([...scopeKeys, ...resourceKeys, ...clientKeys]);
  await requireUrisFree(kv, resources, resourceKeys);
  // A new client's tokens count from now, so a client deleted and imported again does not revive
  // the old one's tokens; a replaced client keeps its own start, so revoked tokens stay revoked.
  // A later start given in the bundle wins either way.
  const since = Math.floor(now / 1000);
  const tokensSince = await Promise.all(
    clients.map((c) => (existing.has(KEY.client(c.clientId)) ? storedTokensNotBefore(kv, KEY.client(c.clientId), since) : since)),
  );
  clients.forEach((c, i) => {
    const floor = tokensSince[i];
    if (floor !== undefined) c.tokensNotBefore = Math.max(c.tokensNotBefore ?? 0, floor);
  });
  const entries = [
    ...scopes.map((s) => ({ kind: 'scopes' as const, name: s.name, key: KEY.scope(s.name), record: s as object })),
    ...resources.map((r) => ({ kind: 'resources' as const, name: r.name, key: KEY.resource(r.name), record: { ...r, secrets: withSecretIds(r.secrets) } })),
    ...clients.map((c) => ({ kind: 'clients' as const, name: c.clientId, key: KEY.client(c.clientId), record: { ...c, secrets: withSecretIds(c.secrets) } })),
  ];
  const clashes = entries.filter((e) => existing.has(e.key));
  if (clashes.length > 0 && !overwrite) {
    const named = clashes.slice(0, 10).map((e) => e.key).join(', ');
    throw new OAuthError('conflict', `already present: ${named}${clashes.length > 10 ? ` and ${clashes.length - 10} more` : ''}; nothing was imported (import with overwrite to replace them)`);
  }

  const warnings: string[] = [];
  const knownScopes = new Set([...scopeKeys.map((k) => k.slice(KEY.scope('').length)), ...scopes.map((s) => s.name)]);
  for (const r of resources) {
    for (const s of r.scopes) if (!knownScopes.has(s)) warnings.push(`API resource "${r.name}" names the unknown API scope "${s}"`);
  }
  for (const c of clients) {
    const unknown = c.allowedScopes.filter((s) => !knownScopes.has(s));
    if (unknown.length > 0) warnings.push(`client "${c.clientId}" is allowed unknown scope(s) it cannot be granted: ${unknown.join(', ')}`);
    const unserved = c.allowedGrantTypes.filter((g) => !GRANTS.has(g));
    if (unserved.length > 0) warnings.push(`client "${c.clientId}" has grant type(s) Gatehouse does not serve: ${unserved.join(', ')}`);
  }

  await Promise.all(entries.map((e) => writeText(kv, e.key, JSON.stringify(e.record))));
  const result: ImportResult = {
    created: { scopes: [], resources: [], clients: [] },
    replaced: { scopes: [], resources: [], clients: [] },
    warnings,
  };
  for (const e of entries) {
    const replaced = existing.has(e.key);
    (replaced ? result.replaced : result.created)[e.kind].push(e.name);
    const kind = e.kind === 'scopes' ? 'scope' : e.kind === 'resources' ? 'resource' : 'client';
    changed({ kind, action: replaced ? 'replaced' : 'created', name: e.name });
  }
  for (const list of [...Object.values(result.created), ...Object.values(result.replaced)]) list.sort();
  return result;
}
