/**
 * What a simulate run writes and prints: summary.json (canonical), layers.csv (one row per layer,
 * every action count as a column) and the terminal table. report.html is in ./run-html.ts.
 */
import { stringify } from 'csv-stringify/sync';
import type { SimResult } from '../sim/result.js';
import { canonicalJson } from './json.js';
import { formatNumber, renderTable } from './table.js';

const FIXED_COLUMNS = ['name', 'op', 'cycles', 'stallCycles', 'macs', 'utilization', 'energyPj'] as const;
/** Extra fields written as columns of their own (not as a JSON cell). */
const FLATTENED = new Set<string>(['counts', 'energyByComponentPj']);

/**
 * One row per layer: the fixed columns; `designAreaUm2`, the area of the whole design the layer runs
 * on (the same on every row: area belongs to components, not layers; its breakdown is in
 * summary.json); `energyPj.<component>`, the layer's energy by component; every other field the
 * target reports; then every action count (the accesses). Energy and area cells are empty when the
 * run is not priced.
 */
export function layersCsv(result: SimResult): string {
  const extraKeys = new Set<string>();
  const countKeys = new Set<string>();
  const energyKeys = new Set<string>();
  for (const l of result.layers) {
    for (const k of Object.keys(l))
      if (!(FIXED_COLUMNS as readonly string[]).includes(k) && !FLATTENED.has(k)) extraKeys.add(k);
    for (const k of Object.keys(l.counts)) countKeys.add(k);
    for (const k of Object.keys(l.energyByComponentPj ?? {})) energyKeys.add(k);
  }
  const extras = [...extraKeys].sort();
  const counts = [...countKeys].sort();
  const energy = [...energyKeys].sort();
  const header = [
    ...FIXED_COLUMNS,
    'designAreaUm2',
    ...energy.map((k) => `energyPj.${k}`),
    ...extras,
    ...counts,
  ];
  const rows = result.layers.map((l) => [
    ...FIXED_COLUMNS.map((k) => cell(l[k])),
    cell(result.totals.areaUm2),
    ...energy.map((k) =>
      cell(l.energyByComponentPj?.[k] ?? (l.energyByComponentPj === undefined ? null : 0)),
    ),
    ...extras.map((k) => cell(l[k])),
    ...counts.map((k) => cell(l.counts[k] ?? 0)),
  ]);
  return stringify([header, ...rows]);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}

export function summaryJson(result: SimResult): string {
  return canonicalJson(result);
}

interface Column {
  readonly header: string;
  readonly value: (l: SimResult['layers'][number]) => string | number;
}

const num = (v: unknown, digits: number): string | number => (typeof v === 'number' ? round(v, digits) : '');

/**
 * Columns shown when some layer has the field: DRAM bandwidth (systolic), the engine a layer ran
 * on and its MAC/cycle and Gop/s (riscv-cluster), and energy and TOPS/W per layer when priced.
 */
const OPTIONAL_COLUMNS: readonly (Column & { readonly field: string })[] = [
  { field: 'engine', header: 'engine', value: (l) => (typeof l.engine === 'string' ? l.engine : '') },
  { field: 'macPerCycle', header: 'MAC/cyc', value: (l) => num(l.macPerCycle, 2) },
  { field: 'gopsPerS', header: 'Gop/s', value: (l) => num(l.gopsPerS, 2) },
  {
    field: 'avgDramReadBytesPerCycle',
    header: 'DRAM rd B/cyc',
    value: (l) => num(l.avgDramReadBytesPerCycle, 2),
  },
  {
    field: 'avgDramWriteBytesPerCycle',
    header: 'DRAM wr B/cyc',
    value: (l) => num(l.avgDramWriteBytesPerCycle, 2),
  },
];

const ENERGY_COLUMNS: readonly Column[] = [
  { header: 'energy µJ', value: (l) => (l.energyPj === null ? '' : round(l.energyPj / 1e6, 3)) },
  {
    header: 'TOPS/W',
    value: (l) =>
      l.energyPj === null || l.energyPj <= 0 || l.macs === 0 ? '' : round((2 * l.macs) / l.energyPj, 3),
  },
];

/** The terminal table: per layer, then totals. Layers that take no cycles are folded away. */
export function renderRun(result: SimResult, opts: { allLayers?: boolean } = {}): string {
  const shown = result.layers.filter((l) => opts.allLayers === true || l.cycles > 0 || l.macs > 0);
  const fixed: Column[] = [
    { header: 'layer', value: (l) => l.name },
    { header: 'op', value: (l) => l.op },
    { header: 'cycles', value: (l) => l.cycles },
    { header: 'stall', value: (l) => l.stallCycles },
    { header: 'util %', value: (l) => round(100 * l.utilization, 1) },
    { header: 'MACs', value: (l) => l.macs },
  ];
  const columns = [
    ...fixed,
    ...OPTIONAL_COLUMNS.filter((c) => result.layers.some((l) => l[c.field] !== undefined)),
    ...(result.totals.energyPj === null ? [] : ENERGY_COLUMNS),
  ];
  const table = renderTable(
    columns.map((c) => ({ header: c.header })),
    shown.map((l) => columns.map((c) => c.value(l))),
  );
  const t = result.totals;
  const hidden = result.layers.length - shown.length;
  const o = result.operatingPoint;
  const op = o.voltageV !== undefined ? ` (operating point ${o.name}, ${o.voltageV} V)` : '';
  const lines = [
    `${result.workload} on ${result.preset} (${result.target}, ${result.fidelity}), weights ${result.format.weights}, activations ${result.format.activations}, accumulator ${result.format.accumulator}`,
    '',
    table,
    hidden > 0 ? `(${hidden} layout/fused layers with 0 cycles not shown)` : '',
    '',
    `total: ${formatNumber(t.cycles)} cycles (${formatNumber(t.stallCycles)} stall), ${formatNumber(t.macs)} MACs, utilization ${round(100 * t.utilization, 1)} %`,
    `latency ${formatNumber(t.latencyS * 1e3, 4)} ms at ${formatNumber(result.clockHz / 1e6)} MHz${op}, ${formatNumber(t.inferencesPerS, 4)} inferences/s, ${formatNumber(t.opsPerS / 1e12, 4)} TOPS`,
    t.energyPj === null || t.areaUm2 === null
      ? 'energy and area: not computed (the hardware description gives no technology)'
      : `energy ${formatNumber(t.energyPj / 1e9, 4)} mJ per run (${formatNumber(t.powerW ?? 0, 3)} W), ${formatNumber((t.opsPerJ ?? 0) / 1e12, 3)} TOPS/W; area ${formatNumber(t.areaUm2 / 1e6, 4)} mm²`,
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
