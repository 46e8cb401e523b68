import { DurableObject } from 'cloudflare:workers';
import { KEY, writeText } from './store';
import {
  legacyRevocations,
  MAX_REVOKED_TOKENS,
  mergeRevocations,
  readRevocations,
  sameRevocations,
  serializeRevocations,
  type RevokedTokens,
} from './revocation-document';

/** What {@link RevocationList.revoke} did: `full` when the list holds {@link MAX_REVOKED_TOKENS} tokens. */
export type RevokeOutcome = 'revoked' | 'full';

/** The bindings the object uses (the Worker's; named here, as env.ts names this class). */
interface RevocationListEnv {
  GATEHOUSE: KVNamespace;
}

/**
 * The one writer of the `revocations` document in a deployment. KV has no transactions: two
 * isolates that each read the document, added a token and wrote it back would lose one of the two
 * revocations, silently, and a revoked token would pass. This object serialises every change and
 * keeps the authoritative list in its own strongly consistent storage; after each change it writes
 * the whole list to KV, where isolates read it on their cache's schedule. Revocations are rare, so
 * one object for the whole deployment is enough, and only a revocation pays its round trip.
 *
 * Before it writes, it merges what KV holds (the CLI writes local state's document directly, where
 * no object runs) and the `revoked:{jti}` entries of earlier versions. Merging can only add
 * revocations, never lose one: an entry leaves only when its token has expired.
 */
export class RevocationList extends DurableObject<RevocationListEnv> {
  constructor(ctx: DurableObjectState, env: RevocationListEnv) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS revoked (jti TEXT PRIMARY KEY, until INTEGER NOT NULL)');
  }

  /** Revokes the token `jti` until `until` (epoch seconds) and publishes the list; `full` at the bound. */
  revoke(jti: string, until: number): Promise<RevokeOutcome> {
    // Each change finishes, its KV write included, before the next starts: a slower, older write
    // can never land after a newer one.
    return this.ctx.blockConcurrencyWhile(() => this.change({ jti, until }));
  }

  /**
   * Drops expired entries, carries in `revoked:{jti}` entries, and publishes the list when it
   * changed (the Cron Trigger calls it, so a new deployment's document exists within minutes).
   */
  async publish(): Promise<void> {
    await this.ctx.blockConcurrencyWhile(() => this.change(undefined, true));
  }

  private async change(add?: { jti: string; until: number }, carryLegacy = false): Promise<RevokeOutcome> {
    const { sql } = this.ctx.storage;
    const now = Math.floor(Date.now() / 1000);
    sql.exec('DELETE FROM revoked WHERE until <= ?', now);
    const stored: RevokedTokens = new Map(sql.exec<{ jti: string; until: number }>('SELECT jti, until FROM revoked').toArray().map((r) => [r.jti, r.until]));
    const published = await readRevocations(this.env.GATEHOUSE);
    const tokens = new Map(stored);
    if (published) mergeRevocations(tokens, published, now);
    if (carryLegacy || (published === null && stored.size === 0)) mergeRevocations(tokens, await legacyRevocations(this.env.GATEHOUSE), now);
    let outcome: RevokeOutcome = 'revoked';
    if (add) {
      if (!tokens.has(add.jti) && tokens.size >= MAX_REVOKED_TOKENS) outcome = 'full';
      else mergeRevocations(tokens, new Map([[add.jti, add.until]]), now);
    }
    for (const [jti, until] of tokens) {
      if (stored.get(jti) !== until) sql.exec('INSERT OR REPLACE INTO revoked (jti, until) VALUES (?, ?)', jti, until);
    }
    if (published === null || !sameRevocations(tokens, published)) await writeText(this.env.GATEHOUSE, KEY.revocations, serializeRevocations(tokens));
    return outcome;
  }
}
