import { OAuthError } from '../errors';
import { readRevocations, revocationListFull, type RevocationWriter, type RevokedTokens } from './revocation-document';
import type { RevocationList } from './revocation-list';
import { KEY, readText } from './store';
import { TtlCache } from './ttl-cache';

/** The name of the one {@link RevocationList} object. */
export const REVOCATION_LIST_NAME = 'revocations';

/** The document as an isolate last read it; `tokens` is null while it does not exist yet. */
interface Snapshot {
  tokens: RevokedTokens | null;
}

/**
 * Revoked access tokens, as one document in KV (`revocations`: `jti` → expiry) that an isolate
 * reads once per `STORE_CACHE_SECONDS`, so accepting a token costs no KV read of its own: on
 * Cloudflare a read of a key that does not exist goes to KV's central store at each location's
 * first look, and every new token's first request would wait on one.
 *
 * While the document does not exist yet (a deployment made before it, until the Cron Trigger or a
 * revocation creates it from the `revoked:{jti}` entries), the old per-token entry is read instead.
 * docs/revocation.md gives the propagation bound, which is unchanged.
 */
export class RevocationStore implements RevocationWriter {
  private readonly document: TtlCache<Snapshot>;
  private readonly perToken: TtlCache<boolean>;
  /** Tokens this isolate revoked, so the revocation applies here at once whatever KV answers. */
  private readonly revokedHere: RevokedTokens = new Map();

  constructor(
    private readonly kv: KVNamespace,
    cacheMs: number,
    private readonly list: DurableObjectNamespace<RevocationList> | undefined,
  ) {
    this.document = new TtlCache(cacheMs, 1);
    this.perToken = new TtlCache(cacheMs);
  }

  /** Whether the token with this `jti` has been revoked. */
  async isRevoked(jti: string, now = Math.floor(Date.now() / 1000)): Promise<boolean> {
    if ((this.revokedHere.get(jti) ?? 0) > now) return true;
    const { tokens } = await this.document.get(KEY.revocations, async () => ({ tokens: await readRevocations(this.kv) }));
    if (tokens) return (tokens.get(jti) ?? 0) > now;
    return this.perToken.get(jti, async () => (await readText(this.kv, KEY.revoked(jti))) !== null);
  }

  /**
   * Revokes through the {@link RevocationList} object, the deployment's one writer of the
   * document. Takes effect in this isolate at once, elsewhere as isolates re-read the document.
   */
  async revoke(jti: string, until: number): Promise<void> {
    if (!this.list) throw revocationUnavailable('the REVOCATIONS binding is missing');
    let outcome;
    try {
      outcome = await this.list.get(this.list.idFromName(REVOCATION_LIST_NAME)).revoke(jti, until);
    } catch (cause) {
      throw revocationUnavailable(cause instanceof Error ? cause.message : String(cause));
    }
    if (outcome === 'full') throw revocationListFull();
    const now = Math.floor(Date.now() / 1000);
    for (const [id, expiry] of this.revokedHere) if (expiry <= now) this.revokedHere.delete(id);
    this.revokedHere.set(jti, until);
  }

  /** Drops expired entries and publishes the document (the Cron Trigger). */
  async publish(): Promise<void> {
    if (!this.list) throw revocationUnavailable('the REVOCATIONS binding is missing');
    await this.list.get(this.list.idFromName(REVOCATION_LIST_NAME)).publish();
  }
}

function revocationUnavailable(detail: string): OAuthError {
  return new OAuthError('temporarily_unavailable', 'revocation is unavailable; try again later', { headers: { 'Retry-After': '5' }, logDetail: detail });
}
