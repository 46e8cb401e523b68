// Runs the load generator in a separate process, pinned to the core the server does not use.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuNs } from './cpu.mjs';

const child = fileURLToPath(new URL('./cannon-child.mjs', import.meta.url));

/** Whether `taskset` exists, so server and load generator can be pinned to separate cores. */
export const HAS_TASKSET = spawnSync('taskset', ['-V']).status === 0;

/** The core the load generator runs on; the server side runs on core 0. */
export const LOAD_CORE = '1';

/**
 * Re-runs the calling script pinned to core 0 (where the server side it starts will run), and
 * exits with its status; returns at once in the pinned run, or where `taskset` is missing.
 */
export function pinServerSide() {
  if (!HAS_TASKSET || process.env.GATEHOUSE_BENCH_PINNED) return;
  const pinned = spawnSync('taskset', ['-c', '0', process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GATEHOUSE_BENCH_PINNED: '1' },
  });
  process.exit(pinned.status ?? 1);
}

/**
 * Loads a URL for `duration` seconds (after a warm-up of `warmupSeconds`, default 1) and returns
 * the summary: total requests, rate, p50/p99 latency in ms, status families, errors, timeouts,
 * and, when `serverPid` is given, that process's CPU time per measured request in µs.
 */
export function cannon({ serverPid, ...options }) {
  const args = [child, JSON.stringify(options)];
  const [cmd, argv] = HAS_TASKSET ? ['taskset', ['-c', LOAD_CORE, process.execPath, ...args]] : [process.execPath, args];
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let cpuStart;
    proc.stdout.on('data', (chunk) => (stdout += chunk));
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
      if (cpuStart === undefined && serverPid && stderr.includes('measuring\n')) cpuStart = cpuNs(serverPid);
    });
    proc.on('error', reject);
    proc.on('close', (code) => {
      if (code !== 0) return reject(new Error(`load generator failed: ${stderr}`));
      const result = JSON.parse(stdout);
      if (serverPid && cpuStart !== undefined) result.cpuUs = (cpuNs(serverPid) - cpuStart) / 1e3 / result.total;
      resolve(result);
    });
  });
}
