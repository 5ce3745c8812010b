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

/** The terminal table: per layer, then totals. Layers that take no cycles are folded away. */
export function renderRun(result: SimResult, opts: { allLayers?: boolean } = {}): string {
  const shown = result.layers.filter((l) => opts.allLayers === true || l.cycles > 0 || l.macs > 0);
  const table = renderTable(
    [
      { header: 'layer' },
      { header: 'op' },
      { header: 'cycles' },
      { header: 'stall' },
      { header: 'util %' },
      { header: 'MACs' },
      { header: 'DRAM rd B/cyc' },
      { header: 'DRAM wr B/cyc' },
    ],
    shown.map((l) => [
      l.name,
      l.op,
      l.cycles,
      l.stallCycles,
      round(100 * l.utilization, 1),
      l.macs,
      typeof l.avgDramReadBytesPerCycle === 'number' ? round(l.avgDramReadBytesPerCycle, 2) : '',
      typeof l.avgDramWriteBytesPerCycle === 'number' ? round(l.avgDramWriteBytesPerCycle, 2) : '',
    ]),
  );
  const t = result.totals;
  const hidden = result.layers.length - shown.length;
  const lines = [
    `${result.workload} on ${result.preset} (${result.target}, ${result.fidelity}), weights ${result.format.weights}, activations ${result.format.activations}, accumulator ${result.format.accumulator}`,
    '',
    table,
    hidden > 0 ? `(${hidden} layout/fused layers with 0 cycles not shown)` : '',
    '',
    `total: ${formatNumber(t.cycles)} cycles (${formatNumber(t.stallCycles)} stall), ${formatNumber(t.macs)} MACs, utilization ${round(100 * t.utilization, 1)} %`,
    `latency ${formatNumber(t.latencyS * 1e3, 4)} ms at ${formatNumber(result.clockHz / 1e6)} MHz, ${formatNumber(t.inferencesPerS, 4)} inferences/s, ${formatNumber(t.opsPerS / 1e12, 4)} TOPS`,
    t.energyPj === null || t.areaUm2 === null
      ? unpricedLine(result)
      : `energy ${formatNumber(t.energyPj / 1e9, 4)} mJ per run (${formatNumber(t.powerW ?? 0, 3)} W), ${formatNumber((t.opsPerJ ?? 0) / 1e12, 3)} TOPS/W; area ${formatNumber(t.areaUm2 / 1e6, 4)} mm²`,
  ];
  return lines.filter((l, i) => l !== '' || lines[i - 1] !== '').join('\n');
}

/**
 * The energy line of a run the cost roll-up did not price. A target may price its layers itself
 * (the riscv-cluster target's `clusterEnergyPj`); then say so and give the sum.
 */
function unpricedLine(result: SimResult): string {
  const mac = result.layers.filter((l) => l.macs > 0);
  if (mac.length > 0 && mac.every((l) => typeof l.clusterEnergyPj === 'number')) {
    let pj = 0;
    for (const l of result.layers) if (typeof l.clusterEnergyPj === 'number') pj += l.clusterEnergyPj;
    return `energy ${formatNumber(pj / 1e9, 4)} mJ per run from the target's own model (layers' clusterEnergyPj; not in totals.energyPj); area: not computed`;
  }
  return 'energy and area: not computed (the hardware description gives no technology: node and DRAM kind)';
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
