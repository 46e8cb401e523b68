import { vi } from 'vitest';
import { main } from '../../src/cli/main';

/**
 * Runs the CLI's `main` in this process, capturing what it writes: for help and usage paths, which
 * touch no state, so that checking every command costs milliseconds, not a process each.
 */
export async function runMain(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    const code = await main(args);
    return { code, stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
