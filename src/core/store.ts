import { OAuthError } from '../errors';
import { log } from './log';
import { RecordError } from './records';

/** KV key prefixes; docs/storage.md documents every key and value shape. */
export const KEY = {
  client: (clientId: string) => `client:${clientId}`,
  scope: (name: string) => `scope:${name}`,
  resource: (name: string) => `resource:${name}`,
  keyRing: 'keys',
  /** Revoked tokens, one entry each: written before the `revocations` document, read during the change. */
  revoked: (jti: string) => `revoked:${jti}`,
  /** Every revoked token in one document (src/core/revocation-document.ts). */
  revocations: 'revocations',
} as const;

/** KV keys are at most 512 bytes; longer identifiers cannot name a record. */
export const MAX_KEY_BYTES = 512;

/**
 * The longest a KV read may take before the request is answered 503 (docs/storage.md). KV reads
 * take milliseconds, or some hundreds on a cold edge location; one that takes seconds means KV is
 * in trouble, and a caller is better served by a quick 503 and Retry-After than by a hung request.
 */
export const STORE_TIMEOUT_MS = 3000;

/** `operation`, or a rejection once {@link STORE_TIMEOUT_MS} have passed. */
async function bounded<T>(operation: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${STORE_TIMEOUT_MS} ms`)), STORE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([operation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Reads one KV value; an unreachable or stalled KV becomes a 503 rather than an unhandled failure or a hang. */
export async function readText(kv: KVNamespace, key: string): Promise<string | null> {
  try {
    return await bounded(kv.get(key, 'text'));
  } catch (cause) {
    throw storeUnavailable(key, cause);
  }
}

/** Writes one KV value; an unreachable KV becomes a 503 rather than an unhandled failure. */
export async function writeText(kv: KVNamespace, key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
  try {
    await kv.put(key, value, options);
  } catch (cause) {
    throw storeUnavailable(key, cause);
  }
}

/** Lists every key under a prefix, following KV's cursor. */
export async function listKeys(kv: KVNamespace, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  try {
    do {
      const page: KVNamespaceListResult<unknown> = await bounded(kv.list({ prefix, cursor }));
      for (const key of page.keys) names.push(key.name);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  } catch (cause) {
    throw storeUnavailable(prefix, cause);
  }
  return names;
}

/** Parses a stored record; a malformed one is logged with its key and answered as a server error. */
export function parseRecord<T>(key: string, raw: string, parse: (key: string, raw: string) => T): T {
  try {
    return parse(key, raw);
  } catch (cause) {
    if (!(cause instanceof RecordError)) throw cause;
    log('error', 'store_record_invalid', { key: cause.key, problem: cause.problem });
    throw new OAuthError('server_error', 'a stored configuration record is invalid; the operator has been told', {
      logDetail: cause.message,
    });
  }
}

export function storeUnavailable(key: string, cause: unknown): OAuthError {
  log('error', 'store_unavailable', { key, cause: cause instanceof Error ? cause.message : String(cause) });
  return new OAuthError('temporarily_unavailable', 'the configuration store is unavailable; try again shortly', {
    headers: { 'Retry-After': '5' },
  });
}
