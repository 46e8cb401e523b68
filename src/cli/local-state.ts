import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Bindings } from '../env';
import { TargetError } from './command';
import { WRANGLER_ENV } from './wrangler-env';

export interface LocalState {
  /** The Worker's bindings as `wrangler dev` sees them: the local KV, `[vars]` and `.dev.vars`. */
  env: Bindings;
  close(): Promise<void>;
}

/**
 * Opens the local state that `wrangler dev` serves, through wrangler's own `getPlatformProxy`, so
 * its storage format is never guessed at. One local runtime serves every KV call of a command
 * (about 1 s to start, then milliseconds per call, where each `wrangler kv --local` costs a second).
 * The state lives in `GATEHOUSE_STATE_DIR` (what `wrangler dev --persist-to` is given), else in
 * wrangler's default `.wrangler/state`.
 */
export async function openLocalState(cwd: string, stateDir = process.env.GATEHOUSE_STATE_DIR): Promise<LocalState> {
  const configPath = join(cwd, 'wrangler.toml');
  if (!existsSync(configPath)) {
    throw new TargetError(`no wrangler.toml in ${cwd}: run gatehouse from the Gatehouse project folder, or use --url for a deployed Gatehouse`);
  }
  // wrangler's own notes ("Using secrets defined in .dev.vars") would mix with the command's output.
  Object.assign(process.env, { ...WRANGLER_ENV, WRANGLER_LOG: process.env.WRANGLER_LOG ?? 'warn' });
  const { getPlatformProxy } = await import('wrangler');
  let proxy;
  try {
    proxy = await getPlatformProxy<Bindings>({ configPath, persist: stateDir ? { path: join(stateDir, 'v3') } : true, remoteBindings: false });
  } catch (error) {
    throw new TargetError(`cannot open the local state: ${(error as Error).message}`);
  }
  return { env: proxy.env, close: () => proxy.dispose() };
}
