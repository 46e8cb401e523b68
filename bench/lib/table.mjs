// The one table `npm run bench` prints, in Markdown so that it goes into the README unchanged.

const fmt = (value, digits = 0) =>
  value === undefined || Number.isNaN(value)
    ? ''
    : value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const ratioText = (value, target) => (value === undefined ? '' : `${fmt(value, 2)}×${target === undefined ? '' : value <= target ? ' ✔' : ' ✘'}`);

/**
 * Rows: `{ name, rate, p50, p99, marginal, cpu, marginalCpu }`, and either `reference` with
 * `referenceUs` (a raw operation: ratio = marginal / referenceUs, unless `ratios` gives the
 * ratios already, as medians of per-round ratios) or `reference` with `ratioOf`
 * (another row: ratio = marginal / its marginal); `target` is the highest ratio allowed.
 * Both ratios are given: from the wall-clock marginal and from the CPU marginal.
 */
export function formatTable(rows) {
  const lines = [
    '| scenario | req/s | p50 ms | p99 ms | marginal µs/req | workerd CPU µs/req | marginal CPU µs/req | compared with | ratio (wall) | ratio (CPU) |',
    '|---|---:|---:|---:|---:|---:|---:|---|---:|---:|',
  ];
  for (const r of rows) {
    let wall;
    let cpu;
    let reference = r.reference ?? '';
    if (r.referenceUs !== undefined) {
      wall = r.ratios?.wall ?? r.marginal / r.referenceUs;
      cpu = r.ratios?.cpu ?? r.marginalCpu / r.referenceUs;
      reference = `${reference} (${fmt(r.referenceUs, 1)} µs)${r.target === undefined ? '' : `, target ≤ ${r.target}×`}`;
    } else if (r.ratioOf) {
      wall = r.marginal / r.ratioOf.marginal;
      cpu = r.marginalCpu / r.ratioOf.marginalCpu;
    }
    lines.push(
      `| ${r.name} | ${fmt(r.rate)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${fmt(r.marginal, 1)} | ${r.cpuNote ? `(${r.cpuNote}) ` : ''}${fmt(r.cpu, 1)} | ${fmt(r.marginalCpu, 1)} | ${reference} | ${ratioText(wall, r.target)} | ${ratioText(cpu, r.target)} |`,
    );
  }
  return lines.join('\n');
}
