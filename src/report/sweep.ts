/**
 * What a sweep folder shows a person: pareto.csv / pareto.json (the front of each workload),
 * summary.json (counts and failure reasons), sweep.html (one SVG scatter per pair of objectives,
 * every point sampled in grey, the front highlighted, a <title> with the design point on each dot)
 * and the terminal table. All deterministic: built from the sorted files only.
 */
import { stringify } from 'csv-stringify/sync';
import type { FolderSummary, ObjectiveDef } from '../dse/folder.js';
import { objectiveValues } from '../dse/folder.js';
import type { ResultLine } from '../dse/store.js';
import { canonicalJson } from './json.js';
import { formatNumber, renderTable } from './table.js';

export const SWEEP_REPORT_FILES = ['pareto.csv', 'pareto.json', 'summary.json', 'sweep.html'] as const;

const STANDARD: readonly { readonly header: string; readonly field: string }[] = [
  { header: 'cycles', field: 'cycles' },
  { header: 'latency_s', field: 'latencyS' },
  { header: 'energy_pj', field: 'energyPj' },
  { header: 'area_um2', field: 'areaUm2' },
  { header: 'edp_pj_s', field: 'edpPjS' },
  { header: 'tops_per_w', field: 'topsPerW' },
  { header: 'utilization', field: 'utilization' },
];

function axisNames(s: FolderSummary): string[] {
  return s.manifest.axes.map((a) => a.name);
}

function frontRows(s: FolderSummary): ResultLine[] {
  return s.manifest.workloads.flatMap((w) => [...(s.fronts.get(w) ?? [])]);
}

function num(v: unknown): string {
  return typeof v === 'number' && Number.isFinite(v) ? String(v) : '';
}

export function paretoCsv(s: FolderSummary): string {
  const axes = axisNames(s);
  const objectiveCols = s.objectives.map((o) => `${o.metric.name} (${o.goal})`);
  const header = [
    'workload',
    'index',
    ...axes,
    'weights',
    'activations',
    'accumulator',
    ...objectiveCols,
    ...STANDARD.map((c) => c.header),
    'key',
  ];
  const rows = frontRows(s).map((r) => {
    if (r.status !== 'ok') return [];
    const m = r.metrics as unknown as Readonly<Record<string, unknown>>;
    return [
      r.workload,
      String(r.index),
      ...axes.map((a) => String(r.point[a] ?? '')),
      r.formats.weights,
      r.formats.activations,
      r.formats.accumulator,
      ...(objectiveValues(r, s.objectives) ?? []).map(num),
      ...STANDARD.map((c) => num(m[c.field])),
      r.key,
    ];
  });
  return stringify([header, ...rows]);
}

export function paretoJson(s: FolderSummary): string {
  return canonicalJson({
    name: s.manifest.name,
    objectives: s.objectives.map((o) => ({ metric: o.metric.name, goal: o.goal, unit: o.metric.unit })),
    fronts: Object.fromEntries(
      s.manifest.workloads.map((w) => [
        w,
        (s.fronts.get(w) ?? []).map((r) =>
          r.status === 'ok'
            ? { index: r.index, key: r.key, point: r.point, formats: r.formats, metrics: r.metrics }
            : {},
        ),
      ]),
    ),
  });
}

export function sweepSummaryJson(s: FolderSummary): string {
  const points = s.manifest.points;
  return canonicalJson({
    name: s.manifest.name,
    bitcycle: s.manifest.bitcycle,
    specHash: s.manifest.specHash,
    target: s.manifest.target,
    hw: s.manifest.hw,
    strategy: s.manifest.strategy,
    points,
    results: s.results,
    missing: points === null ? null : Math.max(0, points - s.results),
    ok: s.ok,
    failed: s.failed,
    unranked: s.unranked,
    frontSizes: Object.fromEntries(s.manifest.workloads.map((w) => [w, s.fronts.get(w)?.length ?? 0])),
    failures: s.failures,
  });
}

function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function pointText(r: ResultLine, objectives: readonly ObjectiveDef[]): string {
  const axes = Object.entries(r.point)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  const values = objectiveValues(r, objectives) ?? [];
  const objs = objectives
    .map((o, i) => `${o.metric.name}=${formatNumber(values[i] ?? NaN, 4)} ${o.metric.unit}`.trim())
    .join(', ');
  return `#${r.index} ${r.workload}: ${axes} — ${objs}`;
}

const SI: readonly [number, string][] = [
  [1e12, 'T'],
  [1e9, 'G'],
  [1e6, 'M'],
  [1e3, 'k'],
  [1, ''],
  [1e-3, 'm'],
  [1e-6, 'µ'],
  [1e-9, 'n'],
];

/** Three significant digits with an SI prefix: 1.71e8 → "171M", 3.54e-4 → "354µ". */
export function siNumber(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  const [f, p] = SI.find(([f]) => a >= f * 0.9995) ?? SI[SI.length - 1]!;
  return `${Number((v / f).toPrecision(3))}${p}`;
}

const PALETTE = [
  '#1f77b4',
  '#ff7f0e',
  '#2ca02c',
  '#9467bd',
  '#8c564b',
  '#e377c2',
  '#17becf',
  '#bcbd22',
  '#7f7f7f',
  '#aec7e8',
];

/** The axis points are coloured by: the first whose values are names (e.g. the format). */
function colourAxis(rows: readonly ResultLine[]): { name: string; values: string[] } | undefined {
  const first = rows[0];
  if (first === undefined) return undefined;
  const name = Object.keys(first.point).find((k) => typeof first.point[k] === 'string');
  if (name === undefined) return undefined;
  const values = [...new Set(rows.map((r) => String(r.point[name])))];
  return values.length <= PALETTE.length ? { name, values } : undefined;
}

interface Scale {
  readonly log: boolean;
  readonly lo: number;
  readonly hi: number;
}

function scaleOf(values: readonly number[]): Scale {
  const finite = values.filter((v) => Number.isFinite(v));
  let lo = Math.min(...finite);
  let hi = Math.max(...finite);
  const log = lo > 0 && hi / lo > 100;
  if (log) {
    lo = Math.log10(lo);
    hi = Math.log10(hi);
  }
  if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
  }
  return { log, lo, hi };
}

function place(v: number, s: Scale, from: number, to: number): number {
  const x = s.log ? Math.log10(v) : v;
  return from + ((x - s.lo) / (s.hi - s.lo)) * (to - from);
}

/** One scatter of objective i (x) against j (y): sampled points grey, the front red. */
export function scatterSvg(
  samples: readonly ResultLine[],
  front: readonly ResultLine[],
  objectives: readonly ObjectiveDef[],
  i: number,
  j: number,
): string {
  const W = 460;
  const H = 320;
  const L = 52;
  const R = 26;
  const T = 24;
  const B = 44;
  const pts = (rows: readonly ResultLine[]): { r: ResultLine; v: number[] }[] =>
    rows.flatMap((r) => {
      const v = objectiveValues(r, objectives);
      return v === undefined ? [] : [{ r, v }];
    });
  const all = pts(samples);
  const best = pts(front);
  const xs = scaleOf([...all, ...best].map((p) => p.v[i]!));
  const ys = scaleOf([...all, ...best].map((p) => p.v[j]!));
  const ox = objectives[i]!;
  const oy = objectives[j]!;
  const colour = colourAxis([...samples, ...front]);
  const fill = (r: ResultLine, cls: string): string => {
    const plain = cls === 'front' ? '#d62728' : '#9aa5b1';
    const c = colour === undefined ? plain : PALETTE[colour.values.indexOf(String(r.point[colour.name]))];
    return ` fill="${c ?? plain}"`;
  };
  const dot = (p: { r: ResultLine; v: number[] }, cls: string, rad: number): string =>
    `<circle class="${cls}"${fill(p.r, cls)} cx="${place(p.v[i]!, xs, L, W - R).toFixed(1)}" cy="${place(p.v[j]!, ys, H - B, T).toFixed(1)}" r="${rad}"><title>${esc(pointText(p.r, objectives))}</title></circle>`;
  const tick = (s: Scale, k: number): string =>
    siNumber(s.log ? 10 ** (s.lo + ((s.hi - s.lo) * k) / 4) : s.lo + ((s.hi - s.lo) * k) / 4);
  const legend =
    colour === undefined
      ? ''
      : colour.values
          .map(
            (v, k) =>
              `<circle cx="${L + 8 + k * 62}" cy="10" r="4" fill="${PALETTE[k]!}"/><text x="${L + 15 + k * 62}" y="13">${esc(v)}</text>`,
          )
          .join('');
  const ticks = [0, 1, 2, 3, 4]
    .map((k) => {
      const x = L + ((W - R - L) * k) / 4;
      const y = H - B - ((H - B - T) * k) / 4;
      return `<text x="${x.toFixed(1)}" y="${H - B + 14}" text-anchor="middle">${esc(tick(xs, k))}</text><text x="${L - 4}" y="${(y + 4).toFixed(1)}" text-anchor="end">${esc(tick(ys, k))}</text>`;
    })
    .join('');
  const label = (o: ObjectiveDef, s: Scale): string =>
    `${o.metric.name}${o.metric.unit !== '' ? ` (${o.metric.unit})` : ''}${s.log ? ', log' : ''} — ${o.goal}`;
  return `<svg class="scatter" xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-size="10">
<rect x="${L}" y="${T}" width="${W - R - L}" height="${H - B - T}" fill="none" stroke="#999"/>
${ticks}
${legend}
<text x="${(L + W - R) / 2}" y="${H - 8}" text-anchor="middle">${esc(label(ox, xs))}</text>
<text transform="translate(12 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(label(oy, ys))}</text>
${all.map((p) => dot(p, 'pt', 2.5)).join('\n')}
${best.map((p) => dot(p, 'front', 4)).join('\n')}
</svg>`;
}

export function sweepHtml(s: FolderSummary, title: string): string {
  const m = s.manifest;
  const sections = m.workloads.map((w) => {
    const front = s.fronts.get(w) ?? [];
    const samples = s.samples.get(w) ?? [];
    const okCount = s.okPerWorkload.get(w) ?? 0;
    const plots: string[] = [];
    for (let i = 0; i < s.objectives.length; i++)
      for (let j = i + 1; j < s.objectives.length; j++)
        plots.push(scatterSvg(samples, front, s.objectives, i, j));
    const axes = axisNames(s);
    const rows = front
      .map((r) => {
        const v = objectiveValues(r, s.objectives) ?? [];
        return `<tr><td>${r.index}</td>${axes.map((a) => `<td>${esc(String(r.point[a] ?? ''))}</td>`).join('')}${v.map((x) => `<td>${esc(formatNumber(x, 4))}</td>`).join('')}</tr>`;
      })
      .join('\n');
    const sampled =
      samples.length < okCount ? ` (${samples.length} of ${okCount} points drawn, evenly spaced)` : '';
    return `<section class="workload"><h2>${esc(w)}</h2>
<p>${okCount} points, ${front.length} on the Pareto front${esc(sampled)}. Small dots: all points (coloured by the first named axis, e.g. the format); large outlined dots: the Pareto front. Hover a dot for its design point.</p>
<div class="plots">${plots.join('\n')}</div>
<table><tr><th>#</th>${axes.map((a) => `<th>${esc(a)}</th>`).join('')}${s.objectives.map((o) => `<th>${esc(`${o.metric.name} ${o.metric.unit}`.trim())}</th>`).join('')}</tr>
${rows}</table></section>`;
  });
  const failures = s.failures
    .slice(0, 20)
    .map((f) => `<li>${f.count} × ${esc(f.reason)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px}.plots{display:flex;flex-wrap:wrap;gap:12px}circle.pt{fill-opacity:.5}circle.front{stroke:#000;stroke-width:1.5}</style>
</head><body>
<h1>${esc(title)}</h1>
<p>${esc(`${m.target} target, base ${m.hw}; axes ${m.axes.map((a) => `${a.name} (${a.values.length})`).join(' × ')}; strategy ${String(m.strategy.kind)}; ${s.results} results: ${s.ok} ok, ${s.failed} failed${s.unranked > 0 ? `, ${s.unranked} without an objective value` : ''}.`)}</p>
${sections.join('\n')}
${failures === '' ? '' : `<section><h2>Failed points</h2><ul>${failures}</ul></section>`}
</body></html>
`;
}

/** The terminal view: the front of each workload. */
export function renderSweep(s: FolderSummary): string {
  const axes = axisNames(s);
  const out: string[] = [
    `${s.manifest.name}: ${s.results} results (${s.ok} ok, ${s.failed} failed)${s.manifest.points !== null && s.results < s.manifest.points ? `, ${s.manifest.points - s.results} missing` : ''}`,
  ];
  for (const w of s.manifest.workloads) {
    const front = s.fronts.get(w) ?? [];
    out.push('', `Pareto front of ${w} (${front.length} points):`);
    out.push(
      renderTable(
        [
          { header: '#' },
          ...axes.map((a) => ({ header: a })),
          ...s.objectives.map((o) => ({ header: `${o.metric.name} ${o.metric.unit}`.trim() })),
        ],
        front.map((r) => [
          r.index,
          ...axes.map((a) => String(r.point[a] ?? '')),
          ...(objectiveValues(r, s.objectives) ?? []).map((v) => formatNumber(v, 4)),
        ]),
      ),
    );
  }
  for (const f of s.failures.slice(0, 5)) out.push(`failed ×${f.count}: ${f.reason}`);
  return out.join('\n');
}
