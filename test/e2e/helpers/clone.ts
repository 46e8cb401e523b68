import { execFileSync } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * A fresh checkout of the project in a temporary folder (its tracked and new files, sharing
 * node_modules), so that a test can give it a .dev.vars of its own, as a user of a fresh clone
 * would, and leave the developer's alone. The caller removes it.
 */
export async function freshClone(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'gatehouse-clone-'));
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    await mkdir(dirname(join(dir, file)), { recursive: true });
    await copyFile(join(root, file), join(dir, file)).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error; // deleted in the working tree, not yet in git
    });
  }
  await symlink(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

/** Sets one line of a checkout's .dev.vars, keeping the others (KEY_ENCRYPTION_KEY among them). */
export async function setDevVar(dir: string, name: string, value: string): Promise<void> {
  const file = join(dir, '.dev.vars');
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((l) => l && !l.startsWith(`${name}=`));
  await writeFile(file, [...lines, `${name}=${value}`, ''].join('\n'));
}
