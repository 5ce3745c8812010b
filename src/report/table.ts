/** Plain-text tables for the terminal: right-aligned numbers, left-aligned text. */

export type Cell = string | number;

export interface Column {
  readonly header: string;
  readonly align?: 'left' | 'right';
}

export function formatNumber(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return String(n);
  if (Number.isInteger(n)) return n.toLocaleString('en-US');
  const abs = Math.abs(n);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e9)) return n.toExponential(digits - 1);
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

export function renderTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string {
  const text = rows.map((r) => r.map((c) => (typeof c === 'number' ? formatNumber(c) : c)));
  const widths = columns.map((col, i) =>
    Math.max(col.header.length, ...text.map((r) => (r[i] ?? '').length)),
  );
  const align = (s: string, i: number, numeric: boolean): string => {
    const w = widths[i] ?? s.length;
    const right = columns[i]?.align === 'right' || (columns[i]?.align === undefined && numeric);
    return right ? s.padStart(w) : s.padEnd(w);
  };
  const lines: string[] = [];
  lines.push(
    columns
      .map((c, i) => align(c.header, i, false))
      .join('  ')
      .trimEnd(),
  );
  lines.push(widths.map((w) => '-'.repeat(w)).join('  '));
  rows.forEach((r, ri) => {
    const cells = text[ri] ?? [];
    lines.push(
      cells
        .map((s, i) => align(s, i, typeof r[i] === 'number'))
        .join('  ')
        .trimEnd(),
    );
  });
  return lines.join('\n');
}
