/**
 * `bitcycle compare-formats` output: the terminal table, CSV, JSON and a self-contained HTML page
 * with inline SVG bar charts (no network, no scripts).
 */
import { stringify } from 'csv-stringify/sync';
import type { FormatComparison } from '../sim/compare.js';
import { canonicalJson } from './json.js';
import { esc, stackedBarsSvg } from './svg.js';
import { formatNumber, renderTable } from './table.js';

function numericsNote(rows: readonly FormatComparison[]): string {
  const n = rows.find((r) => r.numericalError !== null)?.numericalError;
  if (n === undefined || n === null) return 'Numerical error per format: not computed (--numerics off).';
  return `Numerical error: the graph quantized to each format and run bit-accurately, against float32, on ${n.data}.`;
}

export function compareJson(rows: readonly FormatComparison[]): string {
  return canonicalJson(rows);
}

export function compareCsv(rows: readonly FormatComparison[]): string {
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.energyBreakdownPj)))].sort();
  const header = [
    'format',
    'weights',
    'activations',
    'accumulator',
    'macAreaUm2',
    'peArrayAreaUm2',
    'sramAreaUm2',
    'totalAreaUm2',
    'areaRatioVsInt8',
    'energyPjPerInference',
    'cycles',
    'opsPerJ',
    'outputSqnrDb',
    'outputMaxAbsError',
    'worstLayer',
    'worstLayerSqnrDb',
    'top1Agreement',
    'top1Accuracy',
    'fp32Top1Accuracy',
    'numericsSamples',
    'numericsData',
    ...parts.map((p) => `energyPj.${p}`),
  ];
  const body = rows.map((r) => [
    r.format,
    r.weights,
    r.activations,
    r.accumulator,
    r.macAreaUm2,
    r.peArrayAreaUm2,
    r.sramAreaUm2,
    r.totalAreaUm2,
    r.areaRatioVsInt8 ?? '',
    r.energyPjPerInference,
    r.cycles,
    r.opsPerJ,
    ...numericCells(r),
    ...parts.map((p) => r.energyBreakdownPj[p] ?? 0),
  ]);
  return stringify([header, ...body]);
}

const NOT_COMPUTED = 'not computed';

function numericCells(r: FormatComparison): (string | number)[] {
  const n = r.numericalError;
  if (n === null) return [NOT_COMPUTED, '', '', '', '', '', '', '', ''];
  return [
    n.outputSqnrDb,
    n.outputMaxAbsError,
    n.worstLayer,
    n.worstLayerSqnrDb,
    n.top1Agreement ?? '',
    n.top1Accuracy ?? '',
    n.fp32Top1Accuracy ?? '',
    n.samples,
    n.data,
  ];
}

function percent(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** `34.2 dB, top-1 97.4% (fp32 97.6%)` — one cell for the terminal and HTML tables. */
export function numericSummary(r: FormatComparison): string {
  const n = r.numericalError;
  if (n === null) return NOT_COMPUTED;
  const db = Number.isFinite(n.outputSqnrDb) ? `${n.outputSqnrDb.toFixed(1)} dB` : `${n.outputSqnrDb} dB`;
  if (n.top1Accuracy !== null && n.fp32Top1Accuracy !== null)
    return `${db}, top-1 ${percent(n.top1Accuracy)} (fp32 ${percent(n.fp32Top1Accuracy)})`;
  if (n.top1Agreement !== null) return `${db}, top-1 agrees ${percent(n.top1Agreement)}`;
  return db;
}

export function renderCompare(rows: readonly FormatComparison[], title: string): string {
  const table = renderTable(
    [
      { header: 'format' },
      { header: 'w / a / acc' },
      { header: 'MAC µm²' },
      { header: 'PE array mm²' },
      { header: 'SRAM mm²' },
      { header: 'total mm²' },
      { header: 'area vs int8' },
      { header: 'µJ/inference' },
      { header: 'cycles' },
      { header: 'TOPS/W' },
      { header: 'output SQNR (vs fp32)' },
    ],
    rows.map((r) => [
      r.format,
      `${r.weights} / ${r.activations} / ${r.accumulator}`,
      round(r.macAreaUm2, 1),
      round(r.peArrayAreaUm2 / 1e6, 4),
      round(r.sramAreaUm2 / 1e6, 4),
      round(r.totalAreaUm2 / 1e6, 4),
      r.areaRatioVsInt8 === null ? '' : `${round(r.areaRatioVsInt8, 3)}×`,
      round(r.energyPjPerInference / 1e6, 1),
      r.cycles,
      round(r.opsPerJ / 1e12, 3),
      numericSummary(r),
    ]),
  );
  return `${title}\n\n${table}`;
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

// ---- HTML with inline SVG ------------------------------------------------------------------------

export function compareHtml(rows: readonly FormatComparison[], title: string): string {
  const labels = rows.map((r) => r.format);
  const area = stackedBarsSvg(
    'Area per format',
    'mm²',
    labels,
    ['PE array', 'SRAM', 'other'],
    rows.map((r) => [
      r.peArrayAreaUm2 / 1e6,
      r.sramAreaUm2 / 1e6,
      Math.max(0, r.totalAreaUm2 - r.peArrayAreaUm2 - r.sramAreaUm2) / 1e6,
    ]),
  );
  const parts = [...new Set(rows.flatMap((r) => Object.keys(r.energyBreakdownPj)))].sort();
  const energy = stackedBarsSvg(
    'Energy per inference',
    'µJ',
    labels,
    parts,
    rows.map((r) => parts.map((p) => (r.energyBreakdownPj[p] ?? 0) / 1e6)),
  );
  const cycles = stackedBarsSvg(
    'Cycles per inference',
    'cycles',
    labels,
    ['cycles'],
    rows.map((r) => [r.cycles]),
  );
  const header = [
    'format',
    'weights',
    'activations',
    'accumulator',
    'MAC µm²',
    'PE array µm²',
    'SRAM µm²',
    'total µm²',
    'area vs int8',
    'pJ / inference',
    'cycles',
    'TOPS/W',
    'numerical error',
  ];
  const cells = rows.map((r) => [
    r.format,
    r.weights,
    r.activations,
    r.accumulator,
    formatNumber(r.macAreaUm2, 4),
    formatNumber(r.peArrayAreaUm2, 4),
    formatNumber(r.sramAreaUm2, 4),
    formatNumber(r.totalAreaUm2, 4),
    r.areaRatioVsInt8 === null ? '' : formatNumber(r.areaRatioVsInt8, 4),
    formatNumber(r.energyPjPerInference, 4),
    formatNumber(r.cycles),
    formatNumber(r.opsPerJ / 1e12, 4),
    numericSummary(r),
  ]);
  const csvRows = [header, ...cells]
    .map(
      (row, i) =>
        `<tr>${row.map((c) => (i === 0 ? `<th>${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1100px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}section{margin:18px 0}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>${esc(numericsNote(rows))}</p>
<section id="area">${area}</section>
<section id="energy">${energy}</section>
<section id="cycles">${cycles}</section>
<section id="table"><table>${csvRows}</table></section>
</body></html>
`;
}
