import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { WRANGLER_ENV } from './wrangler-env';

const run = promisify(execFile);

/**
 * The deployed KV namespace (the `GATEHOUSE` binding's `id` in wrangler.toml), reached through
 * `wrangler kv ... --remote` with the operator's own Cloudflare login. Used only to bootstrap the
 * first admin client of a deployed Gatehouse; everything after that goes through the admin API.
 * Implements the part of KVNamespace that the admin operations use: get (text), put, list, delete.
 */
export function remoteKv(cwd: string, binding = 'GATEHOUSE'): KVNamespace {
  const wrangler = async (args: string[]): Promise<string> => {
    const { stdout } = await run(join(cwd, 'node_modules', '.bin', 'wrangler'), ['kv', ...args, '--remote', '--binding', binding], {
      cwd,
      env: WRANGLER_ENV,
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  const names = async (prefix: string): Promise<string[]> =>
    (JSON.parse(await wrangler(['key', 'list', ...(prefix ? ['--prefix', prefix] : [])])) as Array<{ name: string }>).map((k) => k.name);

  const kv = {
    async get(key: string): Promise<string | null> {
      // `kv key get` prints "Value not found" for a missing key, which a value could also be.
      if (!(await names(key)).includes(key)) return null;
      return wrangler(['key', 'get', key, '--text']);
    },
    async list(options: { prefix?: string } = {}) {
      return { keys: (await names(options.prefix ?? '')).map((name) => ({ name })), list_complete: true, cacheStatus: null };
    },
    async put(key: string, value: string): Promise<void> {
      // Through a file, so no value (a secret's hash) appears on a command line.
      const dir = await mkdtemp(join(tmpdir(), 'gatehouse-'));
      try {
        const file = join(dir, 'bulk.json');
        await writeFile(file, JSON.stringify([{ key, value }]), { mode: 0o600 });
        await wrangler(['bulk', 'put', file]);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
    async delete(key: string): Promise<void> {
      await wrangler(['key', 'delete', key]);
    },
  };
  return kv as unknown as KVNamespace;
}
