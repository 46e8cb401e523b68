import { kvAdminOperations } from '../admin/kv-operations';
import { loadConfig } from '../config';
import { UsageError, type OptionValues, type Target } from './command';
import { openLocalState } from './local-state';
import { remoteAdminOperations } from './remote-operations';

export interface OpenTarget extends Target {
  close(): Promise<void>;
}

/** A deployed Gatehouse's base URL: https, or http on a loopback address for local runs. */
export function checkUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(`--url must be an absolute URL; got "${value}"`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new UsageError(`--url must use https (http only for localhost), since admin tokens and new secrets travel over it; got "${value}"`);
  }
  // Gatehouse serves its endpoints at the origin's root, as its issuer is an origin.
  if (url.pathname !== '/' || url.search || url.hash) throw new UsageError(`--url must be an origin such as https://gatehouse.example; got "${value}"`);
  return url.origin;
}

/**
 * The target a command works on. `--url` (or GATEHOUSE_URL) selects a deployed Gatehouse's admin
 * API; otherwise, or with `--local`, the local state that `wrangler dev` serves. Only local state
 * accepts a weak chosen secret.
 */
export async function openTarget(options: OptionValues, env: NodeJS.ProcessEnv, cwd: string): Promise<OpenTarget> {
  const url = (options.url as string | undefined) ?? (options.local ? undefined : env.GATEHOUSE_URL || undefined);
  if (options.local && options.url) throw new UsageError('choose --local or --url, not both');
  if (url === undefined) {
    if (options.token) throw new UsageError('--token is for --url; local state needs no token');
    const state = await openLocalState(cwd);
    try {
      const ops = kvAdminOperations(state.env.GATEHOUSE, { allowWeakSecrets: true, config: loadConfig(state.env) });
      return { kind: 'local', ops, close: state.close };
    } catch (error) {
      await state.close();
      throw error;
    }
  }
  const base = checkUrl(url);
  const token = (options.token as string | undefined) ?? (env.GATEHOUSE_TOKEN || undefined);
  const clientId = env.GATEHOUSE_CLIENT_ID || undefined;
  const clientSecret = env.GATEHOUSE_CLIENT_SECRET || undefined;
  if (!token && !(clientId && clientSecret)) {
    throw new UsageError('--url needs an admin token: --token, GATEHOUSE_TOKEN, or GATEHOUSE_CLIENT_ID and GATEHOUSE_CLIENT_SECRET');
  }
  return { kind: 'remote', ops: remoteAdminOperations(base, { token, clientId, clientSecret }), close: async () => {} };
}
