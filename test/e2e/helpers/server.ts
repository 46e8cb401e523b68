import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunningServer {
  url: string;
  stateDir: string;
  output: () => string;
  stop: () => Promise<void>;
}

const root = join(import.meta.dirname, '..', '..', '..');

/**
 * Starts Gatehouse exactly as the README does (`npm start`), on `port`, with its local state in a
 * fresh temporary folder, and waits until it answers. `cwd` runs another copy of the project (one
 * with its own .dev.vars).
 */
export async function startServer(port: number, extraEnv: Record<string, string> = {}, cwd = root): Promise<RunningServer> {
  const stateDir = await mkdtemp(join(tmpdir(), 'gatehouse-e2e-'));
  let output = '';
  const child: ChildProcess = spawn('npm', ['start'], {
    cwd,
    env: { ...process.env, PORT: String(port), GATEHOUSE_STATE_DIR: stateDir, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));

  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid!, 'SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      if (child.exitCode === null) process.kill(-child.pid!, 'SIGKILL');
    }
    await rm(stateDir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 45_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm start did not answer within 45 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, stateDir, output: () => output, stop };
}
