/**
 * `report.html` of a simulate run: one self-contained page (inline CSS and SVG; no scripts, no
 * fonts, images or links to fetch) with the run's header and totals, per-layer cycles split into
 * compute and stall, per-layer utilization, energy by component (in total and per layer) and area by
 * component. Every bar has a hover title with its exact numbers. Pure and deterministic: the same
 * result gives the same bytes. All text from the result (layer, workload and preset names come from
 * user files) is escaped.
 */
import type { SimLayer, SimResult } from '../sim/result.js';
import { color, esc, stackedBarsSvg } from './svg.js';
import { formatNumber } from './table.js';

export const NOT_PRICED = 'not computed (no technology in the hardware description)';

/** Layers shown in the per-layer charts: those that take cycles. */
export function shownLayers(result: SimResult): SimLayer[] {
  return result.layers.filter((l) => l.cycles > 0);
}

/** A number in full (thousands separated, at most `digits` decimals). */
function exact(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return String(v);
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

function pct(part: number, whole: number): string {
  if (!(whole > 0)) return '0 %';
  const p = (100 * part) / whole;
  return p > 0 && p < 0.05 ? '< 0.1 %' : `${p.toFixed(1)} %`;
}

interface Scale {
  readonly unit: string;
  readonly per: number;
}

/** `v` to about `n` significant digits (never rounding the integer part), thousands separated. */
function sig(v: number, n = 4): string {
  if (!Number.isFinite(v) || v === 0) return String(v);
  const digits = Math.min(20, Math.max(0, n - 1 - Math.floor(Math.log10(Math.abs(v)))));
  return v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** An energy (pJ) in the unit that suits it. */
function energyText(pj: number): string {
  const s = energyScale(pj);
  return `${sig(pj / s.per)} ${s.unit}`;
}

/** An area (µm²) in the unit that suits it. */
function areaText(um2: number): string {
  const s = areaScale(um2);
  return `${sig(um2 / s.per)} ${s.unit}`;
}

/** The unit to draw energies in, given the largest (pJ). */
function energyScale(maxPj: number): Scale {
  if (maxPj >= 1e9) return { unit: 'mJ', per: 1e9 };
  if (maxPj >= 1e6) return { unit: 'µJ', per: 1e6 };
  if (maxPj >= 1e3) return { unit: 'nJ', per: 1e3 };
  return { unit: 'pJ', per: 1 };
}

/** The unit to draw areas in, given the largest (µm²). */
function areaScale(maxUm2: number): Scale {
  return maxUm2 >= 1e4 ? { unit: 'mm²', per: 1e6 } : { unit: 'µm²', per: 1 };
}

/** Bar geometry for a per-layer chart of n rows: compact when there are many. */
function rowGeometry(labels: readonly string[]): {
  barHeight: number;
  gap: number;
  fontSize: number;
  labelWidth: number;
  maxLabelChars: number;
} {
  const many = labels.length > 40;
  const fontSize = many ? 10 : 12;
  const maxLabelChars = 28;
  const longest = Math.max(4, ...labels.map((l) => Math.min(l.length, maxLabelChars)));
  return {
    barHeight: many ? 11 : 16,
    gap: many ? 3 : 5,
    fontSize,
    labelWidth: Math.min(220, Math.round(longest * fontSize * 0.6) + 14),
    maxLabelChars,
  };
}

function layerLabel(l: SimLayer): string {
  return `${l.name} (${l.op})`;
}

function cyclesChart(layers: readonly SimLayer[]): string {
  const labels = layers.map((l) => l.name);
  const geo = rowGeometry(labels);
  const parts = ['compute', 'stall'];
  return stackedBarsSvg(
    'Cycles per layer: compute and stall',
    'cycles',
    labels,
    parts,
    layers.map((l) => [l.cycles - l.stallCycles, l.stallCycles]),
    {
      ...geo,
      id: 'cycles',
      width: geo.labelWidth + 560,
      rightMargin: 80,
      axis: true,
      colorOf: (_i, j) => color(j === 0 ? 0 : 2),
      segmentTitle: (i, j, v) => {
        const l = layers[i]!;
        return `${layerLabel(l)}, ${parts[j] ?? ''}: ${exact(v)} of ${exact(l.cycles)} cycles (${pct(v, l.cycles)}); compute ${exact(l.cycles - l.stallCycles)}, stall ${exact(l.stallCycles)}`;
      },
      totalText: (_i, t) => formatNumber(t),
    },
  );
}

function utilizationChart(layers: readonly SimLayer[]): string {
  const labels = layers.map((l) => l.name);
  const geo = rowGeometry(labels);
  const title = (i: number): string => {
    const l = layers[i]!;
    return `${layerLabel(l)}: utilization ${(100 * l.utilization).toFixed(2)} % (${exact(l.macs)} MACs in ${exact(l.cycles)} cycles)`;
  };
  return stackedBarsSvg(
    'Utilization per layer (%)',
    '%',
    labels,
    ['utilization'],
    layers.map((l) => [100 * l.utilization]),
    {
      ...geo,
      id: 'utilization',
      width: geo.labelWidth + 300,
      rightMargin: 60,
      fullScale: 100,
      track: true,
      axis: true,
      legend: false,
      colorOf: () => color(4),
      segmentTitle: (i) => title(i),
      rowTitle: (i) => title(i),
      totalText: (i) => `${(100 * (layers[i]?.utilization ?? 0)).toFixed(1)} %`,
    },
  );
}

/** A chart with one bar per component, each drawn as its share of the total. */
function componentChart(
  id: string,
  title: string,
  entries: readonly (readonly [string, number])[],
  text: (v: number) => string,
  exactUnit: string,
  colorIndex: (name: string) => number,
  note: (name: string) => string,
): string {
  const total = entries.reduce((s, [, v]) => s + v, 0);
  const labels = entries.map(([k]) => k);
  const hover = (i: number): string => {
    const [k, v] = entries[i] ?? ['', 0];
    return `${k}: ${exact(v)} ${exactUnit} (${pct(v, total)} of ${exact(total)} ${exactUnit})${note(k)}`;
  };
  return stackedBarsSvg(
    title,
    exactUnit,
    labels,
    [title],
    entries.map(([, v]) => [v]),
    {
      id,
      barHeight: 18,
      gap: 6,
      labelWidth: Math.min(220, Math.max(60, ...labels.map((l) => l.length * 7 + 14))),
      width: 760,
      rightMargin: 160,
      fullScale: total,
      track: true,
      legend: false,
      colorOf: (i) => color(colorIndex(labels[i] ?? '')),
      segmentTitle: (i) => hover(i),
      rowTitle: (i) => hover(i),
      totalText: (i, t) =>
        `${text(t)} (${pct(t, total)})${t === 0 ? note(labels[i] ?? '').replace(/^; /, ', ') : ''}`,
    },
  );
}

function sortedDesc(m: Readonly<Record<string, number>>): [string, number][] {
  return Object.entries(m).sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : ka > kb ? 1 : 0));
}

/** Energy of the run by component (pJ), summed over the layers. */
function energyByComponent(result: SimResult): Record<string, number> {
  const byComponent: Record<string, number> = {};
  for (const l of result.layers)
    for (const [k, v] of Object.entries(l.energyByComponentPj ?? {}))
      byComponent[k] = (byComponent[k] ?? 0) + v;
  return byComponent;
}

/** One colour per component across the energy and area charts. */
function componentColors(result: SimResult): (name: string) => number {
  const names = [
    ...sortedDesc(energyByComponent(result)).map(([k]) => k),
    ...sortedDesc(result.areaByComponentUm2 ?? {}).map(([k]) => k),
  ];
  const order = [...new Set(names)];
  return (k) => Math.max(0, order.indexOf(k));
}

function energySection(result: SimResult, layers: readonly SimLayer[]): string {
  if (result.totals.energyPj === null) return `<p class="not-computed">Energy: ${esc(NOT_PRICED)}.</p>`;
  // layers that take no cycles may still spend energy (work fused into the layer before them)
  const hidden = result.layers.filter((l) => l.cycles <= 0 && (l.energyPj ?? 0) > 0);
  const hiddenPj = hidden.reduce((s, l) => s + (l.energyPj ?? 0), 0);
  const byComponent = energyByComponent(result);
  const entries = sortedDesc(byComponent);
  const order = entries.map(([k]) => k);
  const idx = componentColors(result);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  const totals = componentChart(
    'energy',
    'Energy per run by component',
    entries,
    energyText,
    'pJ',
    idx,
    (k) => (k === 'leakage' ? '; leakage of the whole design over the run' : ''),
  );
  const labels = layers.map((l) => l.name);
  const geo = rowGeometry(labels);
  const scale = energyScale(Math.max(0, ...layers.map((l) => l.energyPj ?? 0)));
  const perLayer = stackedBarsSvg(
    `Energy per layer by component (${scale.unit})`,
    scale.unit,
    labels,
    order,
    layers.map((l) => order.map((k) => (l.energyByComponentPj?.[k] ?? 0) / scale.per)),
    {
      ...geo,
      id: 'energy-layers',
      width: geo.labelWidth + 700,
      rightMargin: 90,
      axis: true,
      colorOf: (_i, j) => color(idx(order[j] ?? '')),
      totalText: (_i, t) => `${sig(t)} ${scale.unit}`,
      segmentTitle: (i, j, v) => {
        const l = layers[i]!;
        const pj = v * scale.per;
        return `${layerLabel(l)}, ${order[j] ?? ''}: ${exact(pj)} pJ (${pct(pj, l.energyPj ?? 0)} of the layer's ${exact(l.energyPj ?? 0)} pJ)`;
      },
    },
  );
  const mismatch = Math.abs(total - result.totals.energyPj) > 1e-6 * Math.max(1, result.totals.energyPj);
  return [
    `<p>${esc(`${exact(result.totals.energyPj)} pJ per run, of which leakage ${exact(byComponent.leakage ?? 0)} pJ. Components are the hardware description's inventory items; DRAM is the off-chip traffic.`)}</p>`,
    mismatch ? `<p class="warning">${esc('The components do not add up to the total energy.')}</p>` : '',
    `<div class="chart">${totals}</div>`,
    hidden.length > 0
      ? `<p class="note">${esc(
          `${hidden.length === 1 ? 'One layer that takes' : `${hidden.length} layers that take`} 0 cycles (work fused into the layer before ${hidden.length === 1 ? 'it' : 'them'}) ${hidden.length === 1 ? 'spends' : 'spend'} ${exact(hiddenPj)} pJ (${pct(hiddenPj, result.totals.energyPj)} of the run), not shown per layer below; the totals above include it, and layers.csv has every layer.`,
        )}</p>`
      : '',
    `<div class="chart">${perLayer}</div>`,
  ]
    .filter((s) => s !== '')
    .join('\n');
}

function areaSection(result: SimResult): string {
  const area = result.areaByComponentUm2;
  if (result.totals.areaUm2 === null || area === undefined)
    return `<p class="not-computed">Area: ${esc(NOT_PRICED)}.</p>`;
  const entries = sortedDesc(area);
  const chart = componentChart(
    'area',
    'Area by component',
    entries,
    areaText,
    'µm²',
    componentColors(result),
    (k) => (area[k] === 0 ? '; off chip' : ''),
  );
  return [
    `<p>${esc(`${exact(result.totals.areaUm2)} µm² (${formatNumber(result.totals.areaUm2 / 1e6, 4)} mm²) for the whole design; every layer runs on all of it.`)}</p>`,
    `<div class="chart">${chart}</div>`,
  ].join('\n');
}

function factsTable(rows: readonly (readonly [string, string])[]): string {
  return `<table class="facts">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

export function runReportHtml(result: SimResult): string {
  const t = result.totals;
  const layers = shownLayers(result);
  const hidden = result.layers.length - layers.length;
  const f = result.format;
  const title = `${result.workload} on ${result.preset}`;
  const run = factsTable([
    ['workload', result.workload],
    ['preset', result.preset],
    ['target', result.target],
    ['fidelity', result.fidelity],
    ['formats', `weights ${f.weights}, activations ${f.activations}, accumulator ${f.accumulator}`],
    ['batch', String(result.batch)],
    ['clock', `${formatNumber(result.clockHz / 1e6)} MHz`],
    ['layers', `${result.layers.length} (${layers.length} take cycles)`],
  ]);
  const totals = factsTable([
    ['cycles', `${exact(t.cycles)} (stall ${exact(t.stallCycles)}, ${pct(t.stallCycles, t.cycles)})`],
    [
      'latency',
      `${formatNumber(t.latencyS * 1e3, 4)} ms (${formatNumber(t.inferencesPerS, 4)} inferences/s)`,
    ],
    ['MACs', exact(t.macs)],
    ['utilization', `${(100 * t.utilization).toFixed(1)} %`],
    ['throughput', `${formatNumber(t.opsPerS / 1e12, 4)} TOPS`],
    [
      'energy',
      t.energyPj === null
        ? NOT_PRICED
        : `${formatNumber(t.energyPj / 1e6, 4)} µJ per run${t.powerW === null ? '' : ` (${formatNumber(t.powerW, 3)} W)`}`,
    ],
    ['TOPS/W', t.opsPerJ === null ? NOT_PRICED : formatNumber(t.opsPerJ / 1e12, 3)],
    ['area', t.areaUm2 === null ? NOT_PRICED : `${formatNumber(t.areaUm2 / 1e6, 4)} mm²`],
  ]);
  const hiddenNote =
    hidden > 0
      ? `<p class="note">${esc(`${hidden} of ${result.layers.length} layers take 0 cycles (fused into the layer before them, or layout only) and are not shown in the per-layer charts.`)}</p>`
      : '';
  const perLayer =
    layers.length === 0
      ? '<p class="note">No layer takes cycles.</p>'
      : `<div class="row"><div class="chart">${cyclesChart(layers)}</div><div class="chart">${utilizationChart(layers)}</div></div>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(`bitcycle: ${title}`)}</title>
<style>
body{font-family:sans-serif;font-size:14px;margin:24px;color:#222;max-width:1400px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:16px;margin:24px 0 6px;border-bottom:1px solid #ddd}
.sub{color:#666;margin:0 0 12px}
.facts-row{display:flex;flex-wrap:wrap;gap:32px}
table.facts{border-collapse:collapse;font-size:13px}table.facts th{text-align:left;font-weight:normal;color:#555;padding:2px 12px 2px 0}table.facts td{padding:2px 0}
.row{display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start}
.chart{margin:8px 0}svg{max-width:100%;height:auto}
.note{color:#555;font-size:13px}.not-computed{color:#a33;font-style:italic}.warning{color:#a33}
</style>
</head><body>
<h1>${esc(title)}</h1>
<p class="sub">${esc(`bitcycle ${result.bitcycle} simulate report: ${result.target} target, ${result.fidelity}`)}</p>
<div class="facts-row"><section id="run">${run}</section><section id="totals">${totals}</section></div>
<section id="layers"><h2>Per layer</h2>
${hiddenNote}
${perLayer}
</section>
<section id="energy"><h2>Energy</h2>
${energySection(result, layers)}
</section>
<section id="area"><h2>Area</h2>
${areaSection(result)}
</section>
<p class="note">${esc('Hover over a bar for its exact figures. The same numbers are in summary.json (the result object) and layers.csv (one row per layer).')}</p>
</body></html>
`;
}
