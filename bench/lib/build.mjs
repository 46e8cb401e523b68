// Builds what the benchmarks serve: the production Worker exactly as `wrangler deploy` would
// bundle it, the benchmark-only probe Worker, and the Node-side seeding helper.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { bundleForNode, bundleForWorkerd, WRANGLER_ENV } from '../../scripts/lib/build-tools.mjs';

const run = promisify(execFile);

/** Bundles the Worker of the checkout at `root` as `wrangler deploy` would; returns its path. */
export async function buildWorker(root, outDir, wrangler = join(root, 'node_modules', '.bin', 'wrangler')) {
  await run(wrangler, ['deploy', '--dry-run', '--outdir', outDir], { cwd: root, env: WRANGLER_ENV });
  return join(outDir, 'index.js');
}

/**
 * Bundles everything into `outDir` and returns the paths, the compatibility date of wrangler.toml
 * and the loaded seeding helper.
 */
export async function buildAll(root, outDir) {
  const worker = await buildWorker(root, join(outDir, 'worker'));
  const probe = join(outDir, 'probe.mjs');
  await bundleForWorkerd(join(root, 'bench', 'probe.ts'), probe);
  const seedFile = join(outDir, 'seed.mjs');
  await bundleForNode(join(root, 'bench', 'seed.ts'), seedFile);
  const toml = await readFile(join(root, 'wrangler.toml'), 'utf8');
  const compatibilityDate = /^compatibility_date\s*=\s*"([^"]+)"/m.exec(toml)?.[1];
  if (!compatibilityDate) throw new Error('wrangler.toml has no compatibility_date');
  return {
    worker,
    probe,
    compatibilityDate,
    seed: await import(pathToFileURL(seedFile).href),
  };
}
