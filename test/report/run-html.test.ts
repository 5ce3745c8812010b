import { describe, expect, it } from 'vitest';
import { layersCsv } from '../../src/report/run-report.js';
import { NOT_PRICED, runReportHtml } from '../../src/report/run-html.js';
import { stackedBarsSvg } from '../../src/report/svg.js';
import type { SimLayer, SimResult } from '../../src/sim/result.js';

function layer(
  name: string,
  cycles: number,
  stallCycles: number,
  macs: number,
  energy: Record<string, number> | null,
): SimLayer {
  const energyPj = energy === null ? null : Object.values(energy).reduce((a, b) => a + b, 0);
  return {
    name,
    op: cycles === 0 ? 'relu' : 'conv2d',
    cycles,
    stallCycles,
    macs,
    utilization: cycles > 0 ? macs / (cycles * 1024) : 0,
    energyPj,
    counts: { 'pe.mac': macs, 'sram.ifmap.read': cycles * 2, 'dram.ifmap.read.bytes': stallCycles },
    ...(energy === null ? {} : { energyByComponentPj: energy, leakageEnergyPj: energy.leakage ?? 0 }),
  };
}

const EVIL = `<img src=x onerror="alert(1)">&'`;

function result(priced: boolean): SimResult {
  const e = (dram: number, pe: number, leakage: number): Record<string, number> | null =>
    priced ? { dram, pe, 'sram.ifmap': pe / 4, leakage } : null;
  const layers = [
    layer('conv1', 1_000_000, 250_000, 500_000_000, e(4e6, 1e6, 2e4)),
    layer('conv1.relu', 0, 0, 0, priced ? { vector: 5000 } : null),
    layer('flatten', 0, 0, 0, priced ? { vector: 0 } : null),
    layer(EVIL, 400_000, 300_000, 80_000_000, e(1e6, 2e5, 8e3)),
    layer('fc', 123_457, 0, 100_000_000, e(5e5, 3e5, 2.5e3)),
  ];
  const cycles = layers.reduce((s, l) => s + l.cycles, 0);
  const stall = layers.reduce((s, l) => s + l.stallCycles, 0);
  const macs = layers.reduce((s, l) => s + l.macs, 0);
  const energyPj = priced ? layers.reduce((s, l) => s + (l.energyPj ?? 0), 0) : null;
  const latencyS = cycles / 1e9;
  return {
    bitcycle: '0.0.0-test',
    target: 'systolic',
    preset: 'edge <32x32> "int8"',
    fidelity: 'cycle-accurate',
    workload: 'tiny&net',
    format: { weights: 'int8', activations: 'int8', accumulator: 'int32' },
    batch: 1,
    clockHz: 1e9,
    operatingPoint: { name: 'nominal', clockHz: 1e9 },
    totals: {
      cycles,
      stallCycles: stall,
      macs,
      latencyS,
      utilization: macs / (cycles * 1024),
      energyPj,
      areaUm2: priced ? 300_000 : null,
      powerW: energyPj === null ? null : energyPj / 1e12 / latencyS,
      opsPerS: (2 * macs) / latencyS,
      opsPerJ: energyPj === null ? null : (2 * macs) / (energyPj / 1e12),
      inferencesPerS: 1 / latencyS,
      inferencesPerSPerW: energyPj === null ? null : 1 / (energyPj / 1e12),
    },
    layers,
    ...(priced ? { areaByComponentUm2: { pe: 200_000, 'sram.ifmap': 100_000, dram: 0 } } : {}),
    provenance: {},
  };
}

interface Bar {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly fill: string;
  readonly title: string;
}

/** The markup of the chart `id` (an `<svg data-chart=id>`), or undefined. */
function chart(html: string, id: string): string | undefined {
  const m = new RegExp(`<svg class="chart" data-chart="${id}"[\\s\\S]*?</svg>`).exec(html);
  return m?.[0];
}

function bars(svg: string, cls = 'bar'): Bar[] {
  return [
    ...svg.matchAll(
      new RegExp(
        `<rect class="${cls}" x="([\\d.]+)" y="([\\d.]+)" width="([\\d.]+)" height="[\\d.]+" fill="([^"]+)"><title>([^<]*)</title></rect>`,
        'g',
      ),
    ),
  ].map((m) => ({ x: Number(m[1]), y: Number(m[2]), width: Number(m[3]), fill: m[4]!, title: m[5]! }));
}

function rows(bs: readonly Bar[]): Map<number, Bar[]> {
  const out = new Map<number, Bar[]>();
  for (const b of bs) out.set(b.y, [...(out.get(b.y) ?? []), b]);
  return out;
}

describe('report.html (runReportHtml)', () => {
  const priced = runReportHtml(result(true));
  const unpriced = runReportHtml(result(false));

  it('is one self-contained page: no scripts, no links, nothing to fetch', () => {
    for (const html of [priced, unpriced]) {
      expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
      expect(html.trimEnd().endsWith('</body></html>')).toBe(true);
      expect(html).toContain('<meta charset="utf-8">');
      expect(html).toContain('<style>');
      expect(html).not.toMatch(/<script|<link|<iframe|<object|<embed|<img|@import|url\(|https?:|\/\//i);
      expect(html).not.toMatch(/<[a-z]+[^>]*\s(src|href|xlink:href|on[a-z]+)=/i);
    }
  });

  it('has a header with the run, its formats and its totals', () => {
    const header = priced.slice(0, priced.indexOf('<section id="layers">'));
    for (const s of [
      '<h1>tiny&amp;net on edge &lt;32x32&gt; &quot;int8&quot;</h1>',
      '<th>target</th><td>systolic</td>',
      '<th>fidelity</th><td>cycle-accurate</td>',
      '<th>formats</th><td>weights int8, activations int8, accumulator int32</td>',
      '<th>cycles</th><td>1,523,457 (stall 550,000, 36.1 %)</td>',
      '<th>latency</th><td>1.5235 ms',
      '<th>MACs</th><td>680,000,000</td>',
      '<th>TOPS/W</th>',
      '<th>area</th><td>0.3 mm²</td>',
      '<th>energy</th><td>7.4105 µJ per run',
    ])
      expect(header).toContain(s);
  });

  it('escapes every name that comes from user files', () => {
    expect(priced).not.toContain(EVIL);
    expect(priced).not.toContain('<img');
    expect(priced).not.toContain('tiny&net');
    expect(priced).toContain('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;&#39;');
  });

  it('draws one cycles bar (compute + stall) per layer that takes cycles, and says which are left out', () => {
    const svg = chart(priced, 'cycles')!;
    const byRow = rows(bars(svg));
    const shown = result(true).layers.filter((l) => l.cycles > 0);
    expect(byRow.size).toBe(shown.length);
    expect(priced).toContain('2 of 5 layers take 0 cycles');
    expect(svg).not.toContain('conv1.relu');
    // rows in layer order, compute first then stall
    const ordered = [...byRow.entries()].sort(([a], [b]) => a - b).map(([, bs]) => bs);
    ordered.forEach((bs, i) => {
      const l = shown[i]!;
      expect(bs[0]!.title).toContain(`compute: ${(l.cycles - l.stallCycles).toLocaleString('en-US')} of`);
      if (l.stallCycles > 0) {
        expect(bs).toHaveLength(2);
        expect(bs[1]!.title).toContain(`stall: ${l.stallCycles.toLocaleString('en-US')} of`);
        expect(bs[1]!.x).toBeCloseTo(bs[0]!.x + bs[0]!.width, 1);
      } else expect(bs).toHaveLength(1);
    });
  });

  it('draws compute and stall widths in proportion to the cycles', () => {
    const byRow = [...rows(bars(chart(priced, 'cycles')!)).entries()]
      .sort(([a], [b]) => a - b)
      .map(([, bs]) => bs);
    const shown = result(true).layers.filter((l) => l.cycles > 0);
    const maxCycles = Math.max(...shown.map((l) => l.cycles));
    const fullWidth = byRow[0]!.reduce((s, b) => s + b.width, 0); // conv1 is the longest layer
    byRow.forEach((bs, i) => {
      const l = shown[i]!;
      const [compute, stall] = [bs[0]!.width, bs[1]?.width ?? 0];
      expect(compute / fullWidth).toBeCloseTo((l.cycles - l.stallCycles) / maxCycles, 2);
      expect(stall / fullWidth).toBeCloseTo(l.stallCycles / maxCycles, 2);
    });
  });

  it('draws utilization per layer on a 0–100 % scale, every row with a hover', () => {
    const svg = chart(priced, 'utilization')!;
    const tracks = bars(svg, 'track');
    const shown = result(true).layers.filter((l) => l.cycles > 0);
    expect(tracks).toHaveLength(shown.length);
    const full = tracks[0]!.width;
    const bs = bars(svg);
    expect(bs).toHaveLength(shown.length);
    bs.forEach((b, i) => {
      expect(b.width / full).toBeCloseTo(shown[i]!.utilization, 3);
      expect(b.title).toContain(`utilization ${(100 * shown[i]!.utilization).toFixed(2)} %`);
    });
  });

  it('breaks energy down by component, in total and per layer, and area by component', () => {
    const energy = bars(chart(priced, 'energy')!);
    // largest first; a layer fused into the one before it (0 cycles) still spends energy
    expect(energy.map((b) => b.title.split(':')[0])).toEqual([
      'dram',
      'pe',
      'sram.ifmap',
      'leakage',
      'vector',
    ]);
    expect(energy[0]!.title).toContain('dram: 5,500,000 pJ (74.2 % of 7,410,500 pJ)');
    const track = bars(chart(priced, 'energy')!, 'track')[0]!.width;
    expect(energy[0]!.width / track).toBeCloseTo(5.5e6 / 7.4105e6, 3);
    const perLayerSvg = chart(priced, 'energy-layers')!;
    const perLayer = rows(bars(perLayerSvg));
    expect(perLayer.size).toBe(3); // the layers that take cycles, as in the cycles chart
    expect(perLayerSvg).not.toContain('conv1.relu');
    expect(priced).toContain(
      'One layer that takes 0 cycles (work fused into the layer before it) spends 5,000 pJ (0.1 % of the run), not shown per layer below',
    );
    const area = bars(chart(priced, 'area')!);
    expect(area.map((b) => b.title.split(':')[0])).toEqual(['pe', 'sram.ifmap']); // dram: 0, off chip
    expect(area[0]!.title).toBe('pe: 200,000 µm² (66.7 % of 300,000 µm²)');
    expect(chart(priced, 'area')).toContain('dram: 0 µm² (0.0 % of 300,000 µm²); off chip');
    // a component keeps its colour from chart to chart
    expect(area[0]!.fill).toBe(energy[1]!.fill);
    expect(priced).not.toContain(NOT_PRICED);
  });

  it('draws no bar thinner than the markup can hold', () => {
    expect(priced).not.toMatch(/<rect class="bar"[^>]* width="0(\.0+)?"/);
    const svg = stackedBarsSvg(
      't',
      'u',
      ['a', 'b'],
      ['big', 'tiny'],
      [
        [1e6, 1e-3],
        [5e5, 0],
      ],
    );
    expect(bars(svg).map((b) => b.title)).toEqual(['a big: 1,000,000 u', 'b big: 500,000 u']);
  });

  it('gives every bar a hover title', () => {
    const all = priced.match(/<rect class="(bar|track)"/g) ?? [];
    const titled = priced.match(/<rect class="(bar|track)"[^>]*><title>[^<]+<\/title><\/rect>/g) ?? [];
    expect(all.length).toBeGreaterThan(10);
    expect(titled).toHaveLength(all.length);
  });

  it('says energy and area were not computed when the run is not priced', () => {
    expect(chart(unpriced, 'cycles')).toBeDefined();
    expect(chart(unpriced, 'utilization')).toBeDefined();
    for (const id of ['energy', 'energy-layers', 'area']) expect(chart(unpriced, id)).toBeUndefined();
    expect(unpriced).toContain(`Energy: ${NOT_PRICED}.`);
    expect(unpriced).toContain(`Area: ${NOT_PRICED}.`);
    expect(unpriced).toContain(`<th>TOPS/W</th><td>${NOT_PRICED}</td>`);
    expect(NOT_PRICED).toBe('not computed (no technology in the hardware description)');
  });

  it('is deterministic', () => {
    expect(runReportHtml(result(true))).toBe(priced);
    expect(runReportHtml(result(false))).toBe(unpriced);
  });
});

/** Header and rows of a CSV whose cells hold no commas, quotes or line breaks (the first rows here). */
function parse(csv: string): string[][] {
  return csv
    .trimEnd()
    .split('\n')
    .map((line) => line.split(','));
}

describe('layers.csv beside report.html', () => {
  it('has cycles, stalls, utilization, MACs, energy (by component), design area and every access count', () => {
    const [header, ...body] = parse(layersCsv(result(true)));
    expect(header!.slice(0, 8)).toEqual([
      'name',
      'op',
      'cycles',
      'stallCycles',
      'macs',
      'utilization',
      'energyPj',
      'designAreaUm2',
    ]);
    expect(header).toEqual(
      expect.arrayContaining([
        'energyPj.dram',
        'energyPj.pe',
        'energyPj.leakage',
        'leakageEnergyPj',
        'pe.mac',
        'sram.ifmap.read',
        'dram.ifmap.read.bytes',
      ]),
    );
    expect(header).not.toContain('energyByComponentPj');
    const row = Object.fromEntries(header!.map((h, i) => [h, body[0]![i]]));
    expect(row).toMatchObject({
      name: 'conv1',
      cycles: '1000000',
      designAreaUm2: '300000',
      'energyPj.dram': '4000000',
      'pe.mac': '500000000',
    });
  });

  it('leaves energy and area empty when the run is not priced', () => {
    const [header, ...body] = parse(layersCsv(result(false)));
    expect(header!.some((h) => h.startsWith('energyPj.'))).toBe(false);
    const row = Object.fromEntries(header!.map((h, i) => [h, body[0]![i]]));
    expect(row.energyPj).toBe('');
    expect(row.designAreaUm2).toBe('');
  });
});
