import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Bindings } from '../env';
import { TargetError } from './command';
import { readDevVars } from './dev-vars';
import { WRANGLER_ENV } from './wrangler-env';

export interface LocalState {
  /** The Worker's bindings as `wrangler dev` sees them: the local KV, `[vars]` and `.dev.vars`. */
  env: Bindings;
  close(): Promise<void>;
}

// The local runtime only serves bindings to this process; it runs no Gatehouse code.
const NO_WORKER = 'export default { fetch() { return new Response(null, { status: 404 }); } };';

/**
 * Opens the local state that `wrangler dev` serves. wrangler reads wrangler.toml (bindings, ids,
 * vars) as `wrangler dev` does, and one local runtime with just the KV namespace serves every call
 * of a command (a `wrangler kv --local` process per call costs a second or more each). The state
 * lives in `GATEHOUSE_STATE_DIR` (what `wrangler dev --persist-to` is given), else in wrangler's
 * default `.wrangler/state`.
 */
export async function openLocalState(cwd: string, stateDir = process.env.GATEHOUSE_STATE_DIR): Promise<LocalState> {
  const configPath = join(cwd, 'wrangler.toml');
  if (!existsSync(configPath)) {
    throw new TargetError(`no wrangler.toml in ${cwd}: run gatehouse from the Gatehouse project folder, or use --url for a deployed Gatehouse`);
  }
  // wrangler's own notes would mix with the command's output.
  Object.assign(process.env, { ...WRANGLER_ENV, WRANGLER_LOG: process.env.WRANGLER_LOG ?? 'error' });
  const [{ unstable_getMiniflareWorkerOptions }, { Miniflare }] = await Promise.all([import('wrangler'), import('miniflare')]);
  let mf;
  try {
    const { workerOptions } = unstable_getMiniflareWorkerOptions(configPath);
    mf = new Miniflare({
      modules: true,
      script: NO_WORKER,
      compatibilityDate: workerOptions.compatibilityDate,
      kvNamespaces: workerOptions.kvNamespaces,
      bindings: { ...workerOptions.bindings, ...(await readDevVars(cwd)) },
      defaultPersistRoot: join(stateDir ?? join(cwd, '.wrangler', 'state'), 'v3'),
      cf: false,
      handleRuntimeStdio() {},
    });
    const env = (await mf.getBindings()) as unknown as Bindings;
    return { env, close: () => mf!.dispose() };
  } catch (error) {
    await mf?.dispose();
    throw new TargetError(`cannot open the local state: ${(error as Error).message}`);
  }
}
