import { parseResource, parseScope, RecordError, type ResourceRecord, type ScopeRecord } from './records';
import { KEY, listKeys, parseRecord, readText } from './store';
import { TtlCache } from './ttl-cache';

/** The API scopes and API resources, as IdentityServer 4 models them. */
export interface Catalog {
  scopes: Map<string, ScopeRecord>;
  resources: Map<string, ResourceRecord>;
  /** For each scope name, the enabled resources that accept it: the `aud` of a token granting it. */
  audiences: Map<string, string[]>;
}

async function readAll<T>(
  kv: KVNamespace,
  prefix: string,
  parse: (key: string, raw: string) => T,
  nameOf: (t: T) => string,
): Promise<Map<string, T>> {
  const keys = await listKeys(kv, prefix);
  const records = await Promise.all(
    keys.map(async (key): Promise<T | undefined> => {
      const raw = await readText(kv, key);
      if (raw === null) return undefined; // deleted between list and get
      return parseRecord(key, raw, (k, r) => {
        const record = parse(k, r);
        if (prefix + nameOf(record) !== k) throw new RecordError(k, `"name" is "${nameOf(record)}", not the key's name`);
        return record;
      });
    }),
  );
  const map = new Map<string, T>();
  for (const record of records) if (record !== undefined) map.set(nameOf(record), record);
  return map;
}

async function loadCatalog(kv: KVNamespace): Promise<Catalog> {
  const [scopes, resources] = await Promise.all([
    readAll(kv, KEY.scope(''), parseScope, (s) => s.name),
    readAll(kv, KEY.resource(''), parseResource, (r) => r.name),
  ]);
  const audiences = new Map<string, string[]>();
  for (const resource of resources.values()) {
    if (!resource.enabled) continue;
    for (const scope of resource.scopes) audiences.set(scope, [...(audiences.get(scope) ?? []), resource.name]);
  }
  return { scopes, resources, audiences };
}

/**
 * Every scope and resource, read from KV once and reused by the isolate for `STORE_CACHE_SECONDS`.
 * The catalog is small and read on every token request, so it is loaded whole.
 */
export class CatalogStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly cache: TtlCache<Catalog>,
  ) {}

  get(): Promise<Catalog> {
    return this.cache.get('catalog', () => loadCatalog(this.kv));
  }

  /** Forgets the cached catalog (after admin changes). */
  forget(): void {
    this.cache.clear();
  }
}
