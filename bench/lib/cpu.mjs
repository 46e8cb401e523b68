// CPU time of a server process, from /proc: on a shared machine a request's CPU cost is steadier
// than its wall-clock cost, since time spent waiting for the core is not counted.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Whether per-thread CPU accounting (/proc/PID/task/TID/schedstat) can be read here. */
export const HAS_PROC = existsSync(`/proc/${process.pid}/task`);

/** Nanoseconds on CPU of every thread of `pid` so far. */
export function cpuNs(pid) {
  let total = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      total += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return total;
}

/** PIDs of this process's children running `command`. */
export function childPids(command) {
  if (!HAS_PROC) return [];
  try {
    return execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid, comm]) => pid && comm === command)
      .map(([pid]) => Number(pid));
  } catch {
    return [];
  }
}
