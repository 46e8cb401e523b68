// Turning load results into the figures of the table.
import { cpuNs } from './cpu.mjs';

/** Microseconds per request at a rate in requests per second. */
export function perRequestUs(rate) {
  return 1e6 / rate;
}

/** Marginal cost of an endpoint over a baseline, 1/rate − 1/baselineRate, in µs. */
export function marginalUs(rate, baselineRate) {
  return perRequestUs(rate) - perRequestUs(baselineRate);
}

/** The median (the upper one of an even count). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function timed(fetcher, url, pid) {
  const start = pid ? cpuNs(pid) : Number(process.hrtime.bigint());
  const res = await fetcher.fetch(url);
  if (!res.ok) throw new Error(`${url}: ${res.status} ${await res.text()}`);
  await res.arrayBuffer();
  return ((pid ? cpuNs(pid) : Number(process.hrtime.bigint())) - start) / 1e3;
}

/**
 * The cost in µs of one raw jose operation (`sign` or `verify`) inside workerd: the probe does it
 * n times in one request, against a request that does it zero times (workerd's clocks stand still
 * during synchronous work, so it is timed from outside): by the CPU time of workerd process `pid`
 * when given, else by wall-clock time. Median of `rounds`.
 */
export async function rawCostUs(probe, op, alg, n, pid, rounds = 5) {
  const url = (count) => `http://probe/__probe/${op}?alg=${alg}&n=${count}`;
  await timed(probe, url(Math.min(n, 50)), pid); // key generation and JIT warm-up
  const empty = [];
  const full = [];
  for (let i = 0; i < rounds; i++) {
    empty.push(await timed(probe, url(0), pid));
    full.push(await timed(probe, url(n), pid));
  }
  return (median(full) - median(empty)) / n;
}
