import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Environment for every wrangler call: offline and quiet (no telemetry, update check or cf download). */
export const WRANGLER_ENV = {
  ...process.env,
  WRANGLER_SEND_METRICS: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
};

/**
 * The local Workers KV that `wrangler dev` serves (under .wrangler/state), driven through
 * wrangler's own `kv --local` commands so its storage format is never guessed at.
 */
export class LocalKv {
  constructor(
    private readonly cwd: string,
    /** Where the local state lives; `GATEHOUSE_STATE_DIR`, else wrangler's default (.wrangler/state). */
    private readonly persistTo = process.env.GATEHOUSE_STATE_DIR,
    private readonly binding = 'GATEHOUSE',
  ) {}

  private async wrangler(args: string[]): Promise<string> {
    const bin = join(this.cwd, 'node_modules', '.bin', 'wrangler');
    const where = this.persistTo ? ['--persist-to', this.persistTo] : [];
    const { stdout } = await run(bin, ['kv', ...args, '--local', ...where, '--binding', this.binding], {
      cwd: this.cwd,
      env: WRANGLER_ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  }

  /** The value at `key`, or null. */
  async get(key: string): Promise<string | null> {
    const listed = await this.list(key);
    if (!listed.includes(key)) return null;
    return this.wrangler(['key', 'get', key, '--text']);
  }

  /** Every key name starting with `prefix`. */
  async list(prefix = ''): Promise<string[]> {
    const out = await this.wrangler(['key', 'list', ...(prefix ? ['--prefix', prefix] : [])]);
    return (JSON.parse(out) as Array<{ name: string }>).map((k) => k.name);
  }

  /** Writes many values in one call. */
  async putMany(entries: Array<{ key: string; value: string; expiration_ttl?: number }>): Promise<void> {
    if (entries.length === 0) return;
    const dir = await mkdtemp(join(tmpdir(), 'gatehouse-'));
    try {
      const file = join(dir, 'bulk.json');
      await writeFile(file, JSON.stringify(entries));
      await this.wrangler(['bulk', 'put', file]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Deletes one key. */
  async delete(key: string): Promise<void> {
    await this.wrangler(['key', 'delete', key]);
  }
}
