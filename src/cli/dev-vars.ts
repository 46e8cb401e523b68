import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Reads `.dev.vars` (KEY=VALUE lines, what `wrangler dev` loads as secrets), or {} when absent. */
export async function readDevVars(cwd: string): Promise<Record<string, string>> {
  let text: string;
  try {
    text = await readFile(join(cwd, '.dev.vars'), 'utf8');
  } catch {
    return {};
  }
  const vars: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match) vars[match[1]!] = match[2]!;
  }
  return vars;
}

/**
 * The local KEY_ENCRYPTION_KEY from `.dev.vars`, created there (random, git-ignored) on first use.
 * A deployed Gatehouse gets its own with `wrangler secret put KEY_ENCRYPTION_KEY`.
 */
export async function ensureLocalKeyEncryptionKey(cwd: string): Promise<string> {
  const vars = await readDevVars(cwd);
  if (vars.KEY_ENCRYPTION_KEY) return vars.KEY_ENCRYPTION_KEY;
  const kek = randomBytes(32).toString('base64');
  let text = '';
  try {
    text = await readFile(join(cwd, '.dev.vars'), 'utf8');
  } catch {
    // no file yet
  }
  const prefix = text && !text.endsWith('\n') ? '\n' : '';
  await writeFile(join(cwd, '.dev.vars'), `${text}${prefix}KEY_ENCRYPTION_KEY=${kek}\n`, { mode: 0o600 });
  return kek;
}
