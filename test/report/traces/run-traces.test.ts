/**
 * The whole-run traces (VCD and Perfetto JSON):
 *  - a hand-derived layer: every value change and every span lands on the cycle worked out below;
 *  - generated layers (conv, dense, matmul; os/ws/is; both conventions; finite SRAMs and
 *    bandwidths), run as array, vector, array: per cycle, the VCD's busy / fold / SRAM port counts /
 *    DRAM activity equal what E's timeline and plan.ts's dataflow definitions give (helpers), the
 *    stall signals add up to E's read and write stalls, and the Perfetto compute + stall spans tile
 *    each layer; the layer spans tile [0, total);
 *  - a 4 KiB write buffer gives the same bytes as the default 1 MiB one (the writers stream).
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GemmView } from '../../../src/mapping/gemm.js';
import { gemmView } from '../../../src/mapping/gemm.js';
import { writeRunPerfetto, writeRunVcd } from '../../../src/report/traces/index.js';
import { vcdTimescale } from '../../../src/report/traces/vcd.js';
import { arrayCounts } from '../../../src/targets/systolic/counts.js';
import { PlanError, type OperandBytes } from '../../../src/targets/systolic/plan.js';
import type { SystolicSpec } from '../../../src/targets/systolic/spec.js';
import {
  convCaseArb,
  convView,
  gemmViewOf,
  specOf,
  systolicSpecArb,
} from '../../targets/systolic/helpers.js';
import { layerOf, ONE_BYTE, tempDir, type Layer } from './helpers.js';
import {
  changesOf,
  expectedLayer,
  parsePerfetto,
  parseVcd,
  runOf,
  total,
  track,
  waveform,
  type Perfetto,
  type Span,
  type Vcd,
} from './run-helpers.js';

const tmp = tempDir();
afterAll(() => {
  tmp.remove();
});
let runs = 0;

async function writeBoth(
  spec: SystolicSpec,
  parts: readonly (Layer | number)[],
  bufferBytes?: number,
): Promise<{ vcdText: string; jsonText: string; vcd: Vcd; perfetto: Perfetto }> {
  const dir = join(tmp.dir, `run${runs++}`);
  const input = runOf(spec, parts);
  const opts = bufferBytes === undefined ? {} : { bufferBytes };
  const v = await writeRunVcd(dir, input, opts);
  const p = await writeRunPerfetto(dir, input, opts);
  const vcdText = readFileSync(v.file, 'utf8');
  const jsonText = readFileSync(p.file, 'utf8');
  expect(v.bytes).toBe(Buffer.byteLength(vcdText));
  expect(p.bytes).toBe(Buffer.byteLength(jsonText));
  return { vcdText, jsonText, vcd: parseVcd(vcdText), perfetto: parsePerfetto(jsonText, spec.clockHz) };
}

const B = 'bitcycle';
const cyc = (spans: readonly Span[]): [number, number][] => spans.map((s) => [s.start, s.end]);

/**
 * 8×4 outputs, K = 6, on a 4×4 os array, 1-byte words: two folds (fr 0 and 1) of K + R + C − 2 = 12
 * rows. Ifmap and filter SRAMs hold everything (one chunk per fold; fold 1's filter chunk is already
 * on chip: 0 bytes). Ofmap SRAM 16 B: halves of 8 words. DRAM: read 4 B/cycle, write 0.5 B/cycle,
 * latency 0. bitcycle conventions:
 *   cycle 0: ifmap chunk 0 (24 B) read over [0, 6), filter chunk 0 (24 B) over [6, 12);
 *   fold 0 row 0 needs both: read stall [0, 12); rows 0…11 run in cycles 12…23. Row 0 requests
 *     ifmap chunk 1 (fold 1's 24 B): [12, 18).
 *   fold 0 emits outputs at rows 5…11 (1,2,3,4,3,2,1 per row); the 9th output (row 8, cycle 20)
 *     overflows the 8-word half: swap, drain 0 over [20, 36) (8 B at 0.5 B/cycle).
 *   fold 1 starts at 24 (its chunks are ready); the half still holds fold 0's last 8 outputs, so
 *     its first output row (5, cycle 29) waits for drain 0: write stall [29, 36); drain 1 [36, 52);
 *     row 8 (cycle 39) overflows again: write stall [39, 52), drain 2 [52, 68); rows 8…11 in 52…55.
 *   after the last row (56) the last 8 words drain over [68, 84): the layer takes 84 cycles,
 *     24 computing, 12 read stall, 20 write stall, 28 waiting for the final drain (60 stall).
 */
function handLayer(): { spec: SystolicSpec; layer: Layer } {
  const spec = specOf({
    array: { rows: 4, cols: 4, dataflow: 'os' },
    sram: { ifmap_kib: 64, filter_kib: 64, ofmap_kib: 16 / 1024 },
    dram: { read_bandwidth_bytes_per_cycle: 4, write_bandwidth_bytes_per_cycle: 0.5, latency_cycles: 0 },
  });
  return { spec, layer: layerOf(gemmViewOf(8, 4, 6), spec, ONE_BYTE) };
}

describe('VCD timescale', () => {
  it('is the clock period when VCD can say it, else a nominal 1 ns (time stays in cycles)', () => {
    expect(vcdTimescale(1e9)).toEqual({ timescale: '1 ns', exact: true });
    expect(vcdTimescale(100e6)).toEqual({ timescale: '10 ns', exact: true });
    expect(vcdTimescale(10e9)).toEqual({ timescale: '100 ps', exact: true });
    expect(vcdTimescale(1e6)).toEqual({ timescale: '1 us', exact: true });
    expect(vcdTimescale(700e6)).toEqual({ timescale: '1 ns', exact: false });
    expect(vcdTimescale(200e6)).toEqual({ timescale: '1 ns', exact: false });
  });
});

describe('the hand-derived layer', () => {
  it('is what E computes', () => {
    const { timing, plan } = handLayer().layer;
    expect(plan.folds.map((f) => [f.fr, f.length])).toEqual([
      [0, 12],
      [1, 12],
    ]);
    expect(timing).toEqual({
      cycles: 84,
      computeCycles: 24,
      stallCycles: 60,
      readStallCycles: 12,
      writeStallCycles: 20,
      drainCycles: 28,
      ofmapDrains: 4,
      lastRowEnd: 56,
    });
  });

  it('VCD: every value change on the derived cycle', async () => {
    const { spec, layer } = handLayer();
    const { vcd, vcdText } = await writeBoth(spec, [layer]);
    expect(vcd.timescale).toBe('1 ns');
    expect(vcdText).not.toMatch(/20\d\d-\d\d-\d\d|:\d\d:\d\d/); // no wall-clock date
    const initial = (p: string): number => vcd.changes.get(`${B}.${p}`)![0]!.v;
    const ch = (p: string): [number, number][] => changesOf(vcd, `${B}.${p}`);
    // cycle 0: fold 0 mapped on the whole array, stalled for DRAM data, ifmap chunk 0 on the read channel
    expect(
      ['array.fold', 'array.rows_used', 'array.cols_used', 'array.pes_used', 'array.busy', 'array.stall'].map(initial),
    ).toEqual([0, 4, 4, 16, 0, 1]);
    expect(['array.stall_read', 'dram.read', 'dram.read_ifmap', 'dram.read_filter'].map(initial)).toEqual([1, 1, 1, 0]);
    expect(ch('array.busy')).toEqual([
      [12, 1],
      [29, 0],
      [36, 1],
      [39, 0],
      [52, 1],
      [56, 0],
    ]);
    expect(ch('array.stall')).toEqual([
      [12, 0],
      [29, 1],
      [36, 0],
      [39, 1],
      [52, 0],
    ]);
    expect(ch('array.stall_read')).toEqual([[12, 0]]);
    expect(ch('array.stall_write')).toEqual([
      [29, 1],
      [36, 0],
      [39, 1],
      [52, 0],
    ]);
    expect(ch('array.drain')).toEqual([
      [56, 1],
      [84, 0],
    ]);
    expect(ch('array.fold')).toEqual([
      [24, 1],
      [84, 0],
    ]);
    expect(ch('dram.read')).toEqual([[18, 0]]);
    expect(ch('dram.read_ifmap')).toEqual([
      [6, 0],
      [12, 1],
      [18, 0],
    ]);
    expect(ch('dram.read_filter')).toEqual([
      [6, 1],
      [12, 0],
    ]);
    // the four drains follow each other without a gap: the channel is busy over [20, 84)
    expect(ch('dram.write')).toEqual([
      [20, 1],
      [84, 0],
    ]);
    // swaps at the first three drains; the last one (after the last row) swaps nothing
    expect(ch('sram.ofmap.half')).toEqual([
      [20, 1],
      [36, 0],
      [52, 1],
      [84, 0],
    ]);
    expect(ch('sram.ifmap.chunk')).toEqual([
      [24, 1],
      [84, 0],
    ]);
    expect(ch('sram.filter.chunk')).toEqual([
      [24, 1],
      [84, 0],
    ]);
    // ifmap: port i reads k at row k + i (1, 2, 3, 4, 4, 4, 3, 2, 1 ports over rows 0…8), 0 while stalled
    const ifmap: [number, number][] = [
      [12, 1],
      [13, 2],
      [14, 3],
      [15, 4],
      [18, 3],
      [19, 2],
      [20, 1],
      [21, 0],
      [24, 1],
      [25, 2],
      [26, 3],
      [27, 4],
      [29, 0],
      [36, 4],
      [37, 3],
      [38, 2],
      [39, 0],
      [52, 1],
      [53, 0],
    ];
    expect(ch('sram.ifmap.reads')).toEqual(ifmap);
    expect(ch('sram.filter.reads')).toEqual(ifmap);
    // ofmap: PE(i, j) writes at row 5 + i + j through port j
    expect(ch('sram.ofmap.writes')).toEqual([
      [17, 1],
      [18, 2],
      [19, 3],
      [20, 4],
      [21, 3],
      [22, 2],
      [23, 1],
      [24, 0],
      [36, 1],
      [37, 2],
      [38, 3],
      [39, 0],
      [52, 4],
      [53, 3],
      [54, 2],
      [55, 1],
      [56, 0],
    ]);
    expect(ch('layer.index')).toEqual([]);
    expect(vcd.times[vcd.times.length - 1]).toBe(84);
  });

  it('Perfetto: every span and counter on the derived cycles', async () => {
    const { spec, layer } = handLayer();
    const { perfetto: p } = await writeBoth(spec, [layer]);
    expect(cyc(track(p, 'layers'))).toEqual([[0, 84]]);
    expect(track(p, 'layers')[0]!.args).toMatchObject({ cycles: 84, stallCycles: 60, startCycle: 0, op: 'dense' });
    expect(track(p, 'array: folds').map((s) => [s.name, s.start, s.end])).toEqual([
      ['fold 0', 0, 24],
      ['fold 1', 24, 56],
    ]);
    expect(cyc(track(p, 'array: compute'))).toEqual([
      [12, 24],
      [24, 29],
      [36, 39],
      [52, 56],
    ]);
    expect(track(p, 'array: stalls').map((s) => [s.name, s.start, s.end])).toEqual([
      ['read stall', 0, 12],
      ['write stall', 29, 36],
      ['write stall', 39, 52],
      ['ofmap drain', 56, 84],
    ]);
    expect(track(p, 'sram: ifmap reads').map((s) => [s.start, s.end, s.args.reads])).toEqual([
      [12, 21, 24],
      [24, 53, 24],
    ]);
    expect(track(p, 'sram: ofmap writes').map((s) => [s.start, s.end, s.args.writes])).toEqual([
      [17, 24, 16],
      [36, 56, 16],
    ]);
    expect(track(p, 'dram: read').map((s) => [s.name, s.start, s.end, s.args.bytes])).toEqual([
      ['ifmap chunk 0', 0, 6, 24],
      ['filter chunk 0', 6, 12, 24],
      ['ifmap chunk 1', 12, 18, 24],
    ]);
    expect(track(p, 'dram: write').map((s) => [s.name, s.start, s.end, s.args.words])).toEqual([
      ['ofmap drain 0', 20, 36, 8],
      ['ofmap drain 1', 36, 52, 8],
      ['ofmap drain 2', 52, 68, 8],
      ['ofmap drain 3', 68, 84, 8],
    ]);
    expect(p.counters.map((c) => [c.name, c.at, c.value])).toEqual([
      ['dram read', 0, 4],
      ['dram read', 6, 4],
      ['dram read', 12, 4],
      ['dram read', 18, 0],
      ['dram write', 20, 0.5],
      ['dram write', 36, 0.5],
      ['dram write', 52, 0.5],
      ['dram write', 68, 0.5],
      ['dram write', 84, 0],
    ]);
  });

  it('streams: a 4 KiB buffer writes the same bytes as 1 MiB, and two runs are identical', async () => {
    const { spec, layer } = handLayer();
    const big = layerOf(convView({ n: 1, c: 8, h: 12, w: 12, cout: 12, kh: 3, kw: 3, stride: [1, 1], pads: [1, 1, 1, 1], dilation: [1, 1], groups: 1 }), spec, ONE_BYTE);
    const a = await writeBoth(spec, [layer, 7, big, big]);
    const b = await writeBoth(spec, [layer, 7, big, big], 4096);
    const c = await writeBoth(spec, [layer, 7, big, big]);
    expect(a.vcdText.length).toBeGreaterThan(16 * 4096);
    expect(a.jsonText.length).toBeGreaterThan(16 * 4096);
    expect(b.vcdText).toBe(a.vcdText);
    expect(b.jsonText).toBe(a.jsonText);
    expect(c.vcdText).toBe(a.vcdText);
    expect(c.jsonText).toBe(a.jsonText);
  });
});

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
  { weight: 3, arbitrary: convCaseArb().map(convView) },
  {
    weight: 1,
    arbitrary: fc
      .record({ m: fc.integer({ min: 1, max: 12 }), n: fc.integer({ min: 1, max: 9 }), k: fc.integer({ min: 1, max: 12 }) })
      .map((g) => gemmViewOf(g.m, g.n, g.k)),
  },
  {
    weight: 1,
    arbitrary: fc
      .record({
        b: fc.integer({ min: 1, max: 3 }),
        m: fc.integer({ min: 1, max: 6 }),
        n: fc.integer({ min: 1, max: 5 }),
        k: fc.integer({ min: 1, max: 6 }),
      })
      .map((g) => matmulView(g.b, g.m, g.n, g.k)),
  },
);

const bytesArb: fc.Arbitrary<OperandBytes> = fc.constantFrom(
  { ifmap: 1, filter: 1, ofmap: 1, psum: 4 },
  { ifmap: 0.5, filter: 0.5, ofmap: 0.5, psum: 4 },
  { ifmap: 1, filter: 0.25, ofmap: 1, psum: 2 },
);

/** Sum of a waveform over [from, to). */
const sum = (w: Float64Array, from: number, to: number): number => w.subarray(from, to).reduce((s, x) => s + x, 0);

function checkVcd(vcd: Vcd, layers: readonly (Layer | number)[], spec: SystolicSpec): void {
  const totalCycles = layers.reduce<number>((s, l) => s + (typeof l === 'number' ? l : l.timing.cycles), 0);
  const w = (p: string): Float64Array => waveform(vcd, `${B}.${p}`, totalCycles);
  const [busy, stall, stallRead, stallWrite, drain, fold, index, vector] = [
    'array.busy',
    'array.stall',
    'array.stall_read',
    'array.stall_write',
    'array.drain',
    'array.fold',
    'layer.index',
    'vector.busy',
  ].map(w) as [Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array];
  const [dramRead, dramWrite] = ['dram.read', 'dram.write'].map(w) as [Float64Array, Float64Array];
  const sram = { ifmap: w('sram.ifmap.reads'), filter: w('sram.filter.reads'), ofmap: w('sram.ofmap.writes') };
  let base = 0;
  layers.forEach((l, li) => {
    if (typeof l === 'number') {
      for (let c = base; c < base + l; c++) {
        expect(index[c]).toBe(li);
        expect(vector[c]).toBe(1);
        expect(busy[c]! + stall[c]! + drain[c]! + dramRead[c]! + dramWrite[c]!).toBe(0);
      }
      base += l;
      return;
    }
    const e = expectedLayer(l);
    const n = l.timing.cycles;
    for (let c = 0; c < n; c++) {
      const g = base + c;
      expect(index[g]).toBe(li);
      expect(vector[g]).toBe(0);
      expect(busy[g], `busy at ${c}`).toBe(e.busy[c]);
      if (e.busy[c] === 1) expect(fold[g]).toBe(e.fold[c]);
      // every cycle is exactly one of: computing, stalled, waiting for the final drain
      expect(busy[g]! + stall[g]! + drain[g]!, `state at ${c}`).toBe(1);
      expect(stall[g]).toBe(stallRead[g]! + stallWrite[g]!);
      expect(dramRead[g], `dram read at ${c}`).toBe(e.read[c]);
      expect(dramWrite[g], `dram write at ${c}`).toBe(e.write[c]);
      for (const s of ['ifmap', 'filter', 'ofmap'] as const) expect(sram[s][g], `${s} at ${c}`).toBe(e.sram[s][c]);
    }
    expect(sum(stallRead, base, base + n)).toBe(l.timing.readStallCycles);
    expect(sum(stallWrite, base, base + n)).toBe(l.timing.writeStallCycles);
    expect(sum(drain, base, base + n)).toBe(spec.conventions === 'bitcycle' ? l.timing.drainCycles : 0);
    if (spec.conventions === 'bitcycle') {
      const counts = arrayCounts(l.plan);
      expect(sum(sram.ifmap, base, base + n)).toBe(counts['sram.ifmap.read']);
      expect(sum(sram.filter, base, base + n)).toBe(counts['sram.filter.read']);
      expect(sum(sram.ofmap, base, base + n)).toBe(counts['sram.ofmap.write']);
    }
    base += n;
  });
  // after the run: everything idle
  const last = vcd.times[vcd.times.length - 1]!;
  expect(last).toBe(totalCycles);
  for (const [path, list] of vcd.changes) if (path !== `${B}.layer.index`) expect(list[list.length - 1]!.v, path).toBe(0);
}

function checkPerfetto(p: Perfetto, layers: readonly (Layer | number)[], spec: SystolicSpec): void {
  const layerSpans = track(p, 'layers');
  let base = 0;
  expect(layerSpans).toHaveLength(layers.length);
  layers.forEach((l, li) => {
    const span = layerSpans[li]!;
    const n = typeof l === 'number' ? l : l.timing.cycles;
    expect([span.start, span.end]).toEqual([base, base + n]); // layers tile [0, total)
    const inside = (s: Span): boolean => s.start >= base && s.end <= base + n && (s.start < base + n || n === 0);
    if (typeof l === 'number') {
      expect(cyc(track(p, 'vector unit').filter(inside))).toEqual(n > 0 ? [[base, base + n]] : []);
      base += n;
      return;
    }
    const t = l.timing;
    const compute = track(p, 'array: compute').filter(inside);
    const stalls = track(p, 'array: stalls').filter(inside);
    // compute and stall spans tile the layer
    const tiles = [...compute, ...stalls].sort((a, b) => a.start - b.start);
    let at = base;
    for (const s of tiles) {
      expect(s.start, `gap or overlap at ${s.start}`).toBe(at);
      expect(s.end).toBeGreaterThan(s.start);
      at = s.end;
    }
    expect(at).toBe(base + n);
    const e = expectedLayer(l);
    const busy = new Uint8Array(n);
    for (const s of compute) busy.fill(1, s.start - base, s.end - base);
    expect(busy).toEqual(e.busy);
    expect(total(compute)).toBe(e.busy.reduce((a, b) => a + b, 0));
    expect(total(stalls.filter((s) => s.name === 'read stall'))).toBe(t.readStallCycles);
    expect(total(stalls.filter((s) => s.name === 'write stall'))).toBe(t.writeStallCycles);
    expect(total(stalls.filter((s) => s.name === 'ofmap drain'))).toBe(spec.conventions === 'bitcycle' ? t.drainCycles : 0);
    expect(total(stalls)).toBe(t.stallCycles);
    // folds tile the rows' stretch; each fold span holds its rows
    const folds = track(p, 'array: folds').filter(inside);
    expect(folds).toHaveLength(l.plan.folds.length);
    folds.forEach((f, i) => {
      expect(f.args.fold).toBe(i);
      expect(f.start).toBe(i === 0 ? base : folds[i - 1]!.end);
      for (let c = f.start; c < f.end; c++) if (e.busy[c - base] === 1) expect(e.fold[c - base]).toBe(i);
    });
    const reads = track(p, 'dram: read').filter((s) => s.start >= base && s.start < base + n);
    expect(reads.map((s) => [s.start - base, s.end - base])).toEqual(
      l.timeline.readStart.map((s, i) => [s, Math.min(l.timeline.readEnd[i]!, n)]),
    );
    // SRAM accesses per fold span, against the dataflow definitions (cut at the layer's end)
    const sramArgs = (name: string, key: string): number =>
      track(p, name)
        .filter(inside)
        .reduce((s, x) => s + (x.args[key] as number), 0);
    const sumOf = (a: Float64Array): number => a.reduce((s, x) => s + x, 0);
    expect(sramArgs('sram: ifmap reads', 'reads')).toBe(sumOf(e.sram.ifmap));
    expect(sramArgs('sram: filter reads', 'reads')).toBe(sumOf(e.sram.filter));
    expect(sramArgs('sram: ofmap writes', 'writes')).toBe(sumOf(e.sram.ofmap));
    if (spec.conventions === 'bitcycle') {
      const counts = arrayCounts(l.plan);
      const args = (name: string, key: string): number =>
        track(p, name)
          .filter(inside)
          .reduce((s, x) => s + (x.args[key] as number), 0);
      expect(args('sram: ifmap reads', 'reads')).toBe(counts['sram.ifmap.read']);
      expect(args('sram: filter reads', 'reads')).toBe(counts['sram.filter.read']);
      expect(args('sram: ofmap writes', 'writes')).toBe(counts['sram.ofmap.write']);
      const drains = track(p, 'dram: write').filter(inside);
      expect(drains.reduce((s, x) => s + (x.args.words as number), 0)).toBe(
        l.plan.folds.reduce((s, f) => s + f.outPerColumn * f.uc, 0),
      );
    }
    base += n;
  });
}

describe('generated layers', () => {
  it('VCD and Perfetto agree cycle by cycle with E and the dataflow definitions', async () => {
    await fc.assert(
      fc.asyncProperty(viewArb, systolicSpecArb({ varyOffsets: true }), bytesArb, fc.integer({ min: 0, max: 5 }), async (view, spec, bytes, vector) => {
        let layer: Layer;
        try {
          layer = layerOf(view, spec, bytes);
        } catch (e) {
          if (e instanceof PlanError) return;
          throw e;
        }
        const parts = [layer, vector, layer];
        const { vcd, perfetto } = await writeBoth(spec, parts);
        checkVcd(vcd, parts, spec);
        checkPerfetto(perfetto, parts, spec);
      }),
      { numRuns: 60 },
    );
  });
});
