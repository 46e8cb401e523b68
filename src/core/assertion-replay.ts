import { DurableObject } from 'cloudflare:workers';

/**
 * How long after the earliest entry expires the clean-up alarm runs, in ms: expired entries are
 * deleted in batches rather than one alarm each. An expired entry still stored changes nothing,
 * as {@link AssertionReplayCache.use} ignores it.
 */
const SWEEP_DELAY_MS = 60_000;

/**
 * The `jti`s of client assertions already used (RFC 7523 §3 item 7: "the authorization server MAY
 * ensure that JWTs are not replayed by maintaining the set of used jti values for the length of
 * time for which the JWT would be considered valid"). One object per client, named by its id, so
 * a use is checked and recorded in one place for every isolate and location.
 *
 * Each row is a hash of a `jti`, kept until the assertion's `exp` plus the clock leeway: after
 * that, the assertion itself is refused as expired. An alarm deletes expired rows.
 */
export class AssertionReplayCache extends DurableObject {
  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env);
    ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS used (jti_hash TEXT PRIMARY KEY, expires INTEGER NOT NULL)');
  }

  /**
   * Records `jtiHash` as used until `expires` (epoch seconds) and returns true, or returns false
   * when it is recorded already and has not expired: a replay. Checking and recording are one
   * step (synchronous storage, no `await` between them), so of two concurrent uses of one `jti`
   * exactly one gets true.
   */
  async use(jtiHash: string, expires: number): Promise<boolean> {
    const { sql } = this.ctx.storage;
    const now = Math.floor(Date.now() / 1000);
    const [seen] = sql.exec<{ expires: number }>('SELECT expires FROM used WHERE jti_hash = ?', jtiHash).toArray();
    if (seen && seen.expires > now) return false;
    sql.exec('INSERT OR REPLACE INTO used (jti_hash, expires) VALUES (?, ?)', jtiHash, expires);
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(expires * 1000 + SWEEP_DELAY_MS);
    return true;
  }

  /** Deletes expired rows, and comes back for the next ones while any are left. */
  override async alarm(): Promise<void> {
    const { sql } = this.ctx.storage;
    sql.exec('DELETE FROM used WHERE expires <= ?', Math.floor(Date.now() / 1000));
    const { next } = sql.exec<{ next: number | null }>('SELECT MIN(expires) AS next FROM used').one();
    if (next !== null) await this.ctx.storage.setAlarm(next * 1000 + SWEEP_DELAY_MS);
  }
}
