import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { WRANGLER_ENV } from '../../../src/cli/wrangler-env';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..', '..', '..');

/** The Worker bundled as `wrangler deploy` bundles it, served by Miniflare on 127.0.0.1. */
export interface BundledWorker {
  url: string;
  mf: Miniflare;
  stop(): Promise<void>;
}

/**
 * Bundles the Worker (`wrangler deploy --dry-run`, offline) and serves it with `bindings` and an
 * empty KV namespace: the production bundle, with settings a test chooses, and real sockets.
 */
export async function startBundledWorker(port: number, bindings: Record<string, string>): Promise<BundledWorker> {
  const outDir = await mkdtemp(join(tmpdir(), 'gatehouse-bundle-'));
  await run(join(root, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', outDir], {
    cwd: root,
    env: WRANGLER_ENV,
  });
  const mf = new Miniflare({
    host: '127.0.0.1',
    port,
    cf: false,
    modules: true,
    scriptPath: join(outDir, 'index.js'),
    modulesRoot: outDir,
    compatibilityDate: '2026-04-01',
    kvNamespaces: ['GATEHOUSE'],
    bindings,
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
  });
  await mf.ready;
  return {
    url: `http://127.0.0.1:${port}`,
    mf,
    stop: async () => {
      await mf.dispose();
      await rm(outDir, { recursive: true, force: true });
    },
  };
}
