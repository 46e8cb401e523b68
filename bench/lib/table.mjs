// The one table `npm run bench` prints, in Markdown so that it goes into the README unchanged.

const fmt = (value, digits = 0) =>
  value === undefined || Number.isNaN(value)
    ? ''
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const signed = (value) => `${value < 0 ? '−' : '+'}${fmt(Math.abs(value), 0)}`;

/**
 * Whether a marginal is noise rather than a result: below zero, or its rounds spread (max − min)
 * wider than the median itself. Such a difference is smaller than what the machine moves by.
 */
export function isNoise(median, range) {
  return median < 0 || (range !== undefined && range[1] - range[0] > Math.abs(median));
}

/** A marginal as `median (min…max of the rounds)`, or `noise (min…max)`. */
function marginalText(median, range) {
  if (median === undefined) return '';
  if (range === undefined) return fmt(median, 1);
  const spread = `${signed(range[0])}…${signed(range[1])}`;
  return isNoise(median, range) ? `noise (${spread})` : `${fmt(median, 1)} (${fmt(range[0], 0)}…${fmt(range[1], 0)})`;
}

function ratioText(value, target, noise) {
  if (value === undefined || Number.isNaN(value)) return '';
  if (noise) return `${fmt(value, 2)}× (noise)`;
  return `${fmt(value, 2)}×${target === undefined ? '' : value <= target ? ' ✔' : ' ✘'}`;
}

/**
 * Rows: `{ name, rate, p50, p99, marginal, marginalRange, cpu, marginalCpu, marginalCpuRange }`,
 * and either `reference` with `referenceUs` (a raw operation: ratio = marginal / referenceUs,
 * unless `ratios` gives the ratios already, as medians of per-round ratios) or `reference` with
 * `ratioOf` (another row: ratio = this row's marginal / that row's) or `ratioOfTotal` (another
 * row: ratio of the whole request, time per request and CPU per request); `target` is the highest
 * ratio allowed. Both ratios are given: from the wall-clock marginal and from the CPU marginal.
 * A marginal that is noise ({@link isNoise}) is printed as such, and so is a ratio built on one.
 */
export function formatTable(rows) {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | marginal µs/req (min…max of rounds) | CPU µs/req | marginal CPU µs/req (min…max of rounds) | ratio = this row ÷ | ratio (wall) | ratio (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of rows) {
    let wall;
    let cpu;
    let reference = r.reference ?? '';
    const wallNoise = r.marginal !== undefined && isNoise(r.marginal, r.marginalRange);
    const cpuNoise = r.marginalCpu !== undefined && isNoise(r.marginalCpu, r.marginalCpuRange);
    let refNoise = { wall: false, cpu: false };
    if (r.referenceUs !== undefined) {
      wall = r.ratios?.wall ?? r.marginal / r.referenceUs;
      cpu = r.ratios?.cpu ?? r.marginalCpu / r.referenceUs;
      reference = `${reference} (${fmt(r.referenceUs, 1)} µs)${r.target === undefined ? '' : `, target ≤ ${r.target}×`}`;
    } else if (r.ratioOf) {
      wall = r.marginal / r.ratioOf.marginal;
      cpu = r.marginalCpu / r.ratioOf.marginalCpu;
      refNoise = { wall: isNoise(r.ratioOf.marginal, r.ratioOf.marginalRange), cpu: isNoise(r.ratioOf.marginalCpu, r.ratioOf.marginalCpuRange) };
    } else if (r.ratioOfTotal) {
      wall = r.ratioOfTotal.rate / r.rate;
      cpu = r.cpu / r.ratioOfTotal.cpu;
    }
    lines.push(
      `| ${r.name} | ${fmt(r.rate)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${marginalText(r.marginal, r.marginalRange)} | ${r.cpuNote ? `(${r.cpuNote}) ` : ''}${fmt(r.cpu, 1)} | ${marginalText(r.marginalCpu, r.marginalCpuRange)} | ${reference} | ${ratioText(wall, r.target, wallNoise || refNoise.wall)} | ${ratioText(cpu, r.target, cpuNoise || refNoise.cpu)} |`,
    );
  }
  return lines.join('\n');
}
