/**
 * Traces of generated small layers (conv with padding, stride, dilation, groups, batch; dense;
 * batched matmul), on generated arrays, dataflows, SRAM sizes, bandwidths, latencies and both
 * conventions:
 *  - every SRAM trace is exactly the one written from plan.ts's dataflow definitions with gemm.ts's
 *    address functions and E's timeline (helpers.naiveSramText);
 *  - (b) addresses per stream add up to E's SRAM counts (arrayCounts), the OFMAP addresses are all
 *    the outputs;
 *  - (c) one line per cycle with activity;
 *  - DRAM traces move exactly the plan's chunk elements inside E's transfer windows, at most the
 *    bandwidth per cycle, and the ofmap drains move the OFMAP SRAM write sequence;
 *  - output does not depend on the write buffer size.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gemmView, type GemmView } from '../../../src/mapping/gemm.js';
import { TRACE_FILES, writeLayerTraces } from '../../../src/report/traces/index.js';
import { arrayCounts, memoryCounts } from '../../../src/targets/systolic/counts.js';
import { rowCycle } from '../../../src/targets/systolic/event.js';
import { PlanError, type OperandBytes } from '../../../src/targets/systolic/plan.js';
import { DATAFLOWS, type SystolicSpec } from '../../../src/targets/systolic/spec.js';
import { convView, gemmViewOf, specOf, type ConvCase, convCaseArb, systolicSpecArb } from '../../targets/systolic/helpers.js';
import { layerOf, naiveAccesses, naiveSramText, readTrace, tempDir, type Layer, type Stream } from './helpers.js';

const convArb: fc.Arbitrary<ConvCase> = convCaseArb();

function matmulView(b: number, m: number, n: number, k: number): GemmView {
  return gemmView(
    { name: 'mm', op: 'matmul', inputs: ['a', 'b'], outputs: ['y'], attrs: { transB: false } },
    [
      [b, m, k],
      [b, k, n],
    ],
    [[b, m, n]],
  )!;
}

const viewArb: fc.Arbitrary<GemmView> = fc.oneof(
  { weight: 3, arbitrary: convArb.map(convView) },
  {
    weight: 1,
    arbitrary: fc
      .record({ m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 12 }) })
      .map((g) => gemmViewOf(g.m, g.n, g.k)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({ b: fc.integer({ min: 1, max: 3 }), m: fc.integer({ min: 1, max: 6 }), n: fc.integer({ min: 1, max: 5 }), k: fc.integer({ min: 1, max: 6 }) })
      .map((g) => matmulView(g.b, g.m, g.n, g.k)),
  },
);

const specArb: fc.Arbitrary<SystolicSpec> = systolicSpecArb({ varyOffsets: true });


const bytesArb: fc.Arbitrary<OperandBytes> = fc.constantFrom(
  { ifmap: 1, filter: 1, ofmap: 1, psum: 4 },
  { ifmap: 0.5, filter: 0.5, ofmap: 0.5, psum: 4 },
  { ifmap: 1, filter: 0.25, ofmap: 1, psum: 2 },
);

function layerOrSkip(view: GemmView, spec: SystolicSpec, bytes: OperandBytes): Layer | undefined {
  try {
    return layerOf(view, spec, bytes);
  } catch (e) {
    if (e instanceof PlanError) return undefined;
    throw e;
  }
}

const STREAMS: readonly Stream[] = ['ifmap', 'filter', 'ofmap'];
const sramFile = (s: Stream): string => `${s.toUpperCase()}_SRAM_TRACE.csv`;
const dramFile = (s: Stream): string => `${s.toUpperCase()}_DRAM_TRACE.csv`;
const valid = (lines: number[][]): number[] => lines.flatMap((l) => l.slice(1)).filter((a) => a >= 0);

function checkLayer(layer: Layer, dir: string): void {
  const { view, plan, spec, timeline: tl } = layer;
  const counts = arrayCounts(plan);
  const mem = memoryCounts(plan, spec, layer.bytes.psum);
  const sram = new Map<Stream, number[][]>();
  for (const s of STREAMS) {
    const text = readFileSync(join(dir, sramFile(s)), 'utf8');
    expect(text).toBe(naiveSramText(layer, s));
    const lines = readTrace(join(dir, sramFile(s)));
    sram.set(s, lines);
    // (c) one line per cycle with activity, in cycle order
    const active = new Set<number>();
    const shift = spec.conventions === 'scalesim' && s !== 'ofmap' ? 1 : 0;
    for (const a of naiveAccesses(view, plan, spec, s)) if (a.addr >= 0) active.add(rowCycle(tl, a.fold, a.row) + shift);
    expect(lines.length).toBe(active.size);
    for (let i = 1; i < lines.length; i++) expect(lines[i]![0]!).toBeGreaterThan(lines[i - 1]![0]!);
    for (const l of lines) expect(l.slice(1).some((a) => a >= 0)).toBe(true);
  }
  // (b) per-stream access counts are E's SRAM counts; padded im2col positions are counted by E but
  // cost no access (−1), so they are the difference on the ifmap side
  const padded = naiveAccesses(view, plan, spec, 'ifmap').filter((a) => a.addr < 0).length;
  expect(valid(sram.get('ifmap')!).length + padded).toBe(counts['sram.ifmap.read']);
  expect(valid(sram.get('filter')!).length).toBe(counts['sram.filter.read']);
  const ofmapWrites = valid(sram.get('ofmap')!);
  expect(ofmapWrites.length).toBe(counts['sram.ofmap.write']);
  const outputs = new Set<number>();
  for (const seg of view.segments) for (let i = 0; i < seg.m * seg.n; i++) outputs.add(spec.ofmapOffset + seg.index * seg.m * seg.n + i);
  expect(new Set(ofmapWrites)).toEqual(outputs);

  // DRAM reads: the plan's chunk elements, within E's transfer windows, at most the bandwidth per cycle
  for (const s of ['ifmap', 'filter'] as const) {
    const lines = readTrace(join(dir, dramFile(s)));
    for (let i = 1; i < lines.length; i++) expect(lines[i]![0]!).toBeGreaterThan(lines[i - 1]![0]!);
    const chunks = s === 'ifmap' ? plan.ifmapChunks : plan.filterChunks;
    const eb = s === 'ifmap' ? layer.bytes.ifmap : layer.bytes.filter;
    const addrs = lines.flatMap((l) => l.slice(1));
    expect(addrs.length).toBe(mem[`sram.${s}.fill`]);
    expect(new Set(addrs)).toEqual(new Set(valid(sram.get(s)!)));
    const windows = new Map<string, number>();
    const bw = spec.readBandwidthBytesPerCycle;
    const addWindow = (start: number, end: number, elements: number): void => {
      const key = `${start}:${Math.max(end, start + 1)}`;
      windows.set(key, (windows.get(key) ?? 0) + elements);
    };
    if (spec.conventions === 'scalesim' && chunks.length > 0) {
      const span = Number.isFinite(bw) ? Math.max(1, Math.ceil(chunks[0]!.bytes / bw)) : 1;
      addWindow(-span, 0, chunks[0]!.elements);
    }
    for (let i = 0; i < tl.readStream.length; i++) {
      if (tl.readStream[i] !== (s === 'ifmap' ? 0 : 1)) continue;
      addWindow(tl.readStart[i]!, tl.readEnd[i]!, chunks[tl.readChunk[i]!]!.elements);
    }
    for (const [key, elements] of windows) {
      const [a, b] = key.split(':').map(Number) as [number, number];
      const inside = lines.filter((l) => l[0]! >= a && l[0]! < b).reduce((n, l) => n + l.length - 1, 0);
      expect(inside, `${s} window [${a}, ${b})`).toBe(elements);
    }
    if (Number.isFinite(bw)) for (const l of lines) expect(l.length - 1).toBeLessThanOrEqual(Math.floor(bw / eb) + 1);
  }

  // ofmap drains: the SRAM write sequence, drain by drain, inside each drain's window
  const od = readTrace(join(dir, dramFile('ofmap')));
  expect(od.flatMap((l) => l.slice(1))).toEqual(ofmapWrites);
  expect(ofmapWrites.length).toBe(mem['sram.ofmap.drain']);
  let at = 0;
  const flat = od.flatMap((l) => l.slice(1).map(() => l[0]!));
  tl.drainStart.forEach((start, d) => {
    const end = Math.max(tl.drainEnd[d]!, start + 1);
    for (let e = 0; e < tl.drainWords[d]!; e++, at++) {
      expect(flat[at]!).toBeGreaterThanOrEqual(start);
      expect(flat[at]!).toBeLessThan(end);
    }
  });
  expect(at).toBe(flat.length);
  const wbw = spec.writeBandwidthBytesPerCycle;
  if (Number.isFinite(wbw)) for (const l of od) expect(l.length - 1).toBeLessThanOrEqual(Math.floor(wbw / plan.ofmapWordBytes) + 1);
}

describe('systolic traces of generated layers', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.remove();
  });
  let run = 0;

  it('SRAM traces follow the dataflow definitions and E; counts, lines and DRAM windows agree', async () => {
    const seen = { stalls: 0, drains: 0, padded: 0, scalesim: 0, conv: 0, psums: 0, is: 0, ws: 0, os: 0 };
    await fc.assert(
      fc.asyncProperty(viewArb, specArb, bytesArb, fc.constantFrom(1, 200, 1 << 20), async (view, spec, bytes, bufferBytes) => {
        const layer = layerOrSkip(view, spec, bytes);
        fc.pre(layer !== undefined);
        const dir = join(tmp.dir, `p${run++}`);
        const stats = await writeLayerTraces(dir, layer, { bufferBytes });
        checkLayer(layer, dir);
        let lines = 0;
        let size = 0;
        for (const f of TRACE_FILES) {
          const text = readFileSync(join(dir, f), 'utf8');
          lines += text === '' ? 0 : text.split('\n').length - 1;
          size += Buffer.byteLength(text);
        }
        expect(stats).toMatchObject({ lines, bytes: size });
        if (layer.timing.stallCycles > (spec.conventions === 'scalesim' ? 0 : layer.timing.drainCycles)) seen.stalls++;
        if (layer.timeline.drainStart.length > 1) seen.drains++;
        if (naiveAccesses(view, layer.plan, spec, 'ifmap').some((a) => a.addr < 0)) seen.padded++;
        if (spec.conventions === 'scalesim') seen.scalesim++;
        if (view.kind === 'conv') seen.conv++;
        if (layer.plan.writesPartialSums) seen.psums++;
        seen[spec.dataflow]++;
      }),
      { numRuns: 250, seed: 20250220 },
    );
    for (const [k, v] of Object.entries(seen)) expect(v, `generated cases with ${k}`).toBeGreaterThan(5);
  });

  it('the write buffer size does not change a byte (flushes mid-line included)', async () => {
    const view = convView({ n: 2, c: 4, h: 7, w: 6, cout: 6, kh: 3, kw: 2, stride: [1, 2], pads: [1, 0, 1, 1], dilation: [1, 1], groups: 2 });
    for (const dataflow of DATAFLOWS) {
      const spec = specOf({
        array: { rows: 3, cols: 4, dataflow },
        sram: { ifmap_kib: 0.2, filter_kib: 0.2, ofmap_kib: 0.1 },
        dram: { read_bandwidth_bytes_per_cycle: 'unlimited', write_bandwidth_bytes_per_cycle: 3, latency_cycles: 2 },
      });
      const layer = layerOf(view, spec);
      const a = join(tmp.dir, `buf-${dataflow}-a`);
      const b = join(tmp.dir, `buf-${dataflow}-b`);
      await writeLayerTraces(a, layer, { bufferBytes: 1 });
      await writeLayerTraces(b, layer);
      for (const f of TRACE_FILES) expect(readFileSync(join(a, f), 'utf8')).toBe(readFileSync(join(b, f), 'utf8'));
      checkLayer(layer, a);
    }
  });
});
