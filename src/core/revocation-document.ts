import { OAuthError } from '../errors';
import { RecordError } from './records';
import { KEY, parseRecord, readText, storeUnavailable, writeText } from './store';

/**
 * The most revoked tokens the document holds. An entry stays until the token's `exp` plus the
 * validators' leeway (one token lifetime, an hour by default), or 30 days and 5 minutes for an
 * operator's revocation by `jti`, whose `exp` is unknown. At about 52 bytes an entry (a UUID
 * `jti`) the full document is about 520 KB, which every isolate reads and parses once per
 * `STORE_CACHE_SECONDS`: about 5 ms of CPU at the bound, nothing to speak of at the usual few. At the bound a new revocation is refused, never
 * dropped nor made to evict another: see {@link revocationListFull}.
 */
export const MAX_REVOKED_TOKENS = 10_000;

/** Revoked tokens: `jti` → epoch seconds until which the token is refused. */
export type RevokedTokens = Map<string, number>;

/** The error of a revocation refused because the document holds {@link MAX_REVOKED_TOKENS} tokens. */
export function revocationListFull(): OAuthError {
  return new OAuthError(
    'temporarily_unavailable',
    `the revocation list is full (${MAX_REVOKED_TOKENS} tokens until they expire); revoke the client's tokens instead (docs/revocation.md)`,
    { headers: { 'Retry-After': '3600' }, logDetail: 'the revocation list is full' },
  );
}

/**
 * Parses and validates the `revocations` record: `{ "tokens": [["<jti>", <epoch seconds>], …] }`.
 * Pairs rather than an object keyed by `jti`: JSON.parse reads 10,000 pairs about three times as
 * fast as an object with 10,000 keys (5 ms against 14 ms in Node 20), and every isolate parses it.
 */
export function parseRevocations(key: string, raw: string): RevokedTokens {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new RecordError(key, 'not valid JSON');
  }
  const tokens = (value as { tokens?: unknown } | null)?.tokens;
  if (!Array.isArray(tokens)) throw new RecordError(key, '"tokens" must be a list');
  const map: RevokedTokens = new Map();
  for (const [i, entry] of tokens.entries()) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string' || !Number.isFinite(entry[1])) {
      throw new RecordError(key, `tokens[${i}] must be a pair of a jti and epoch seconds`);
    }
    map.set(entry[0], entry[1] as number);
  }
  return map;
}

/** The `revocations` record for these tokens. */
export function serializeRevocations(tokens: RevokedTokens): string {
  return JSON.stringify({ tokens: [...tokens] });
}

/** The `revocations` document as KV has it, or null when it does not exist yet. */
export async function readRevocations(kv: KVNamespace): Promise<RevokedTokens | null> {
  const raw = await readText(kv, KEY.revocations);
  return raw === null ? null : parseRecord(KEY.revocations, raw, parseRevocations);
}

/**
 * The `revoked:{jti}` entries that Gatehouse wrote before the document existed, each until the
 * expiration KV keeps for it (they were all written with one), so they can be carried into the
 * document. Those that KV has dropped are expired and need no carrying.
 */
export async function legacyRevocations(kv: KVNamespace): Promise<RevokedTokens> {
  const prefix = KEY.revoked('');
  const tokens: RevokedTokens = new Map();
  let cursor: string | undefined;
  try {
    do {
      const page: KVNamespaceListResult<unknown> = await kv.list({ prefix, cursor });
      for (const key of page.keys) tokens.set(key.name.slice(prefix.length), key.expiration ?? Number.MAX_SAFE_INTEGER);
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor);
  } catch (cause) {
    throw storeUnavailable(prefix, cause);
  }
  return tokens;
}

/** Adds `from` into `into`, keeping the later expiry of a `jti` in both and dropping expired ones. */
export function mergeRevocations(into: RevokedTokens, from: RevokedTokens, now: number): void {
  for (const [jti, until] of from) {
    if (until > now && until > (into.get(jti) ?? 0)) into.set(jti, until);
  }
}

/** Whether two sets of revocations are the same. */
export function sameRevocations(a: RevokedTokens, b: RevokedTokens): boolean {
  if (a.size !== b.size) return false;
  for (const [jti, until] of a) if (b.get(jti) !== until) return false;
  return true;
}

/**
 * Read-modify-write of the document in KV, for local state only (the CLI without `--url`, and
 * `npm start`'s seed), where no Durable Object runs: adds `add` (when given), drops expired
 * entries, carries `revoked:{jti}` entries in when the document does not exist yet, and writes
 * the document when anything changed. Throws {@link revocationListFull} at the bound.
 *
 * Two writers at once could lose one's change, as KV has no transactions: a deployment's writes go
 * through the `RevocationList` Durable Object instead (src/core/revocation-list.ts), which merges
 * what this wrote to local state into its own copy.
 */
export async function updateLocalRevocations(kv: KVNamespace, now: number, add?: { jti: string; until: number }): Promise<void> {
  const published = await readRevocations(kv);
  const tokens: RevokedTokens = new Map();
  mergeRevocations(tokens, published ?? (await legacyRevocations(kv)), now);
  if (add) {
    if (!tokens.has(add.jti) && tokens.size >= MAX_REVOKED_TOKENS) throw revocationListFull();
    mergeRevocations(tokens, new Map([[add.jti, add.until]]), now);
  }
  if (published === null || !sameRevocations(tokens, published)) await writeText(kv, KEY.revocations, serializeRevocations(tokens));
}

/** Where revocations are written: the `RevocationList` object, or local state's KV directly. */
export interface RevocationWriter {
  /**
   * Denies the token with this `jti` until `until` (epoch seconds: its `exp` plus any leeway a
   * validator allows). Throws an `OAuthError` 503 when the list is full or cannot be written.
   */
  revoke(jti: string, until: number): Promise<void>;
}

/** Writes revocations to local state's document in KV (the CLI without `--url`; no object runs there). */
export function localRevocationWriter(kv: KVNamespace): RevocationWriter {
  return { revoke: (jti, until) => updateLocalRevocations(kv, Math.floor(Date.now() / 1000), { jti, until }) };
}
