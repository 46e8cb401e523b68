import { parseClient, RecordError, type ClientRecord } from './records';
import { KEY, MAX_KEY_BYTES, parseRecord, readText } from './store';
import { secretMatches } from './secrets';
import { TtlCache } from './ttl-cache';

const encoder = new TextEncoder();

/**
 * Client records from KV, reused by the isolate for `STORE_CACHE_SECONDS` (unknown ids too, so
 * random ids cannot drive KV reads).
 */
export class ClientStore {
  constructor(
    private readonly kv: KVNamespace,
    private readonly cache: TtlCache<ClientRecord | null>,
  ) {}

  /** The client record for `clientId`, or `null` when there is none. */
  find(clientId: string): Promise<ClientRecord | null> {
    // A UTF-16 unit is at most 3 UTF-8 bytes, so most ids are judged without encoding them.
    if (clientId.length * 3 > MAX_KEY_BYTES - 7 && encoder.encode(clientId).length > MAX_KEY_BYTES - 7) return Promise.resolve(null);
    return this.cache.get(clientId, async () => {
      const key = KEY.client(clientId);
      const raw = await readText(this.kv, key);
      if (raw === null) return null;
      return parseRecord(key, raw, (k, r) => {
        const client = parseClient(k, r);
        if (client.clientId !== clientId) throw new RecordError(k, `"clientId" is "${client.clientId}", not the key's id`);
        return client;
      });
    });
  }

  /** Forgets cached records, one or all, so the next read goes to KV (after admin changes). */
  forget(clientId?: string): void {
    this.cache.clear(clientId);
  }
}

/** Whether `secret` is one of the client's unexpired secrets (RFC 6749 §2.3.1), in constant time. */
export function verifyClientSecret(client: { secrets: ClientRecord['secrets'] }, secret: string, now = Date.now()): Promise<boolean> {
  const live = client.secrets.filter((s) => !s.expires || Date.parse(s.expires) > now).map((s) => s.hash);
  return secretMatches(secret, live);
}
