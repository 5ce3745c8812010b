/**
 * Inline SVG for the HTML reports (compare-formats, simulate): horizontal stacked bar charts and
 * HTML escaping. The output is plain markup, meant to sit inside an HTML page: no scripts, no
 * external references, and deterministic (equal inputs give equal bytes).
 */
import { formatNumber } from './table.js';

export const COLORS: readonly string[] = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

/** The colour of series `i` (cycling through the palette). */
export function color(i: number): string {
  return COLORS[i % COLORS.length] ?? '#888';
}

/** Escapes text for HTML element content and double- or single-quoted attribute values. */
export function esc(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Shortens a label to `max` characters with an ellipsis (the full text goes in the hover title). */
export function shorten(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.max(1, max - 1))}…`;
}

export interface StackedBarsOptions {
  /** Height of one bar (px); default 22. */
  readonly barHeight?: number;
  /** Space between bars (px); default 8. */
  readonly gap?: number;
  /** Space for the row labels, left of the bars (px); default 150. */
  readonly labelWidth?: number;
  /** Width of the whole chart (px); default 760. */
  readonly width?: number;
  /** Room right of the longest bar for its total (px); default 90. */
  readonly rightMargin?: number;
  /** Font size of labels (px); default 12. */
  readonly fontSize?: number;
  /** The value a full-length bar stands for; default the largest row total. */
  readonly fullScale?: number;
  /** Draws a light track behind every row, as long as `fullScale` (carrying the row's title). */
  readonly track?: boolean;
  /** Vertical grid lines with values at nice steps; default off. */
  readonly axis?: boolean;
  /** Shows the legend of the parts; default on. */
  readonly legend?: boolean;
  /** Identifies the chart (a `data-chart` attribute). */
  readonly id?: string;
  /** Row labels are cut to this many characters (full text in the hover title); default no limit. */
  readonly maxLabelChars?: number;
  /** The colour of segment (row i, part j); default one colour per part. */
  readonly colorOf?: (i: number, j: number) => string;
  /** The hover text of segment (row i, part j); default `label part: value unit`. */
  readonly segmentTitle?: (i: number, j: number, value: number) => string;
  /** The hover text of a row's track; default the row label and its total. */
  readonly rowTitle?: (i: number, total: number) => string;
  /** The text right of a row's bar; default its total (4 significant digits). */
  readonly totalText?: (i: number, total: number) => string;
}

/** A tick step of 1, 2 or 5 × 10^k giving about `target` steps up to `max`. */
function niceStep(max: number, target: number): number {
  const raw = max / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

/**
 * A horizontal stacked bar chart: one bar per label, one segment per part. Segments are `<rect
 * class="bar">` with a `<title>` (the hover text); segments of zero length are left out.
 */
export function stackedBarsSvg(
  title: string,
  unit: string,
  labels: readonly string[],
  parts: readonly string[],
  values: readonly (readonly number[])[],
  opts: StackedBarsOptions = {},
): string {
  const barH = opts.barHeight ?? 22;
  const gap = opts.gap ?? 8;
  const left = opts.labelWidth ?? 150;
  const width = opts.width ?? 760;
  const fontSize = opts.fontSize ?? 12;
  const plotW = width - left - (opts.rightMargin ?? 90);
  const axisH = opts.axis === true ? 16 : 0;
  const top = 34 + axisH;
  const legend = opts.legend ?? true;
  const legendH = legend ? 22 * Math.ceil(parts.length / 4) : 0;
  const rowsH = labels.length * (barH + gap);
  const height = top + rowsH + legendH + 20;
  const totals = values.map((v) => v.reduce((a, b) => a + b, 0));
  const max = opts.fullScale ?? Math.max(...totals, 1e-300);
  const colorOf = opts.colorOf ?? ((_i: number, j: number) => color(j));
  const segmentTitle =
    opts.segmentTitle ??
    ((i: number, j: number, v: number) =>
      `${labels[i] ?? ''} ${parts[j] ?? ''}: ${formatNumber(v, 4)} ${unit}`);
  const totalText = opts.totalText ?? ((_i: number, t: number) => formatNumber(t, 4));
  const dataChart = opts.id === undefined ? '' : ` data-chart="${esc(opts.id)}"`;
  const out: string[] = [
    `<svg class="chart"${dataChart} role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="${fontSize}">`,
    `<title>${esc(title)}</title>`,
    `<text x="0" y="16" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  if (opts.axis === true && max > 0) {
    const step = niceStep(max, 4);
    for (let v = 0; v <= max * 1.0001; v += step) {
      const x = left + (v / max) * plotW;
      out.push(
        `<line class="grid" x1="${x.toFixed(2)}" y1="${top - 4}" x2="${x.toFixed(2)}" y2="${top + rowsH - gap}" stroke="#ddd"/>`,
        `<text class="tick" x="${x.toFixed(2)}" y="${top - 8}" text-anchor="middle" fill="#555">${esc(formatNumber(v, 3))}</text>`,
      );
    }
  }
  labels.forEach((label, i) => {
    const y = top + i * (barH + gap);
    const total = totals[i] ?? 0;
    const shown = opts.maxLabelChars === undefined ? label : shorten(label, opts.maxLabelChars);
    out.push(
      `<text x="${left - 6}" y="${(y + barH * 0.5 + fontSize * 0.35).toFixed(1)}" text-anchor="end">${esc(shown)}${shown === label ? '' : `<title>${esc(label)}</title>`}</text>`,
    );
    if (opts.track === true) {
      const rowTitle =
        opts.rowTitle ?? ((_i: number, t: number) => `${label}: ${formatNumber(t, 4)} ${unit}`);
      out.push(
        `<rect class="track" x="${left}" y="${y}" width="${plotW}" height="${barH}" fill="#eee"><title>${esc(rowTitle(i, total))}</title></rect>`,
      );
    }
    let x = left;
    (values[i] ?? []).forEach((v, j) => {
      const w = max > 0 ? (v / max) * plotW : 0;
      // a segment thinner than the 0.01 px the markup can hold is not drawn
      if (!(w >= 0.005)) return;
      out.push(
        `<rect class="bar" x="${x.toFixed(2)}" y="${y}" width="${w.toFixed(2)}" height="${barH}" fill="${colorOf(i, j)}"><title>${esc(segmentTitle(i, j, v))}</title></rect>`,
      );
      x += w;
    });
    const tx = opts.track === true ? Math.max(x, left + plotW) : x;
    out.push(
      `<text x="${(tx + 4).toFixed(2)}" y="${(y + barH * 0.5 + fontSize * 0.35).toFixed(1)}">${esc(totalText(i, total))}</text>`,
    );
  });
  if (legend) {
    const ly = top + rowsH + 6;
    parts.forEach((p, j) => {
      const x = left + (j % 4) * 150;
      const y = ly + Math.floor(j / 4) * 22;
      out.push(`<rect class="legend" x="${x}" y="${y}" width="12" height="12" fill="${colorOf(0, j)}"/>`);
      out.push(`<text x="${x + 16}" y="${y + 10}">${esc(p)} (${esc(unit)})</text>`);
    });
  }
  out.push('</svg>');
  return out.join('\n');
}
