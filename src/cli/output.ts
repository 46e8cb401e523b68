/** Lays rows out in columns under a header, for people; `--json` gives the data for programs. */
export function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)\n';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ').trimEnd();
  return `${[line(header), ...rows.map(line)].join('\n')}\n`;
}

/** Key/value lines, aligned. */
export function fields(entries: Array<[string, string]>): string {
  const width = Math.max(...entries.map(([k]) => k.length)) + 2;
  return `${entries.map(([k, v]) => `${`${k}:`.padEnd(width)}${v}`).join('\n')}\n`;
}

/** A value for a table cell or field: "-" for nothing. */
export function show(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (Array.isArray(value)) return value.length ? value.join(' ') : '-';
  return String(value);
}

/** Indents every line of a block by two spaces. */
export function indent(block: string): string {
  return block.replace(/^(?=.)/gm, '  ');
}
