/**
 * Each module's steady-state cycles per frame equal FINN's expected cycles for its op (reference
 * fpga.md §1.1, get_exp_cycles), on several shapes and foldings. The expected numbers are computed
 * by hand from the formulas in fpga.md (the arithmetic is in each case's comment), not by the code.
 * The steady state is measured by the reference stepper R on the module alone between ideal
 * input and output modules (FIFOs of 2 words), as the gap between the last two frames'
 * completions; E must agree.
 */
import { describe, expect, it } from 'vitest';
import {
  finnExpectedCycles,
  modulePorts,
  type ModuleSpec,
} from '../../../src/targets/fpga-dataflow/modules.js';
import { runEvent } from '../../../src/targets/fpga-dataflow/pipeline-event.js';
import { runReference } from '../../../src/targets/fpga-dataflow/pipeline-ref.js';
import { frameSchedule, scheduleWordCounts } from '../../../src/targets/fpga-dataflow/schedules.js';
import { isolated } from './helpers.js';

interface Case {
  readonly m: ModuleSpec;
  /** Hand-computed from fpga.md §1.1. */
  readonly finn: number;
}

const cases: Record<string, Case[]> = {
  // (MH/PE)·(MW/SIMD)·N
  mvau: [
    { m: { op: 'mvau', name: 'fc', mw: 8, mh: 6, vectors: 3, pe: 2, simd: 4 }, finn: 18 }, // 3·2·3
    { m: { op: 'mvau', name: 'conv1', mw: 27, mh: 16, vectors: 196, pe: 4, simd: 3 }, finn: 7056 }, // 4·9·196
    { m: { op: 'mvau', name: 'full', mw: 64, mh: 10, vectors: 1, pe: 10, simd: 64 }, finn: 1 }, // 1·1·1
    { m: { op: 'mvau', name: 'serial', mw: 12, mh: 12, vectors: 4, pe: 1, simd: 1 }, finn: 576 }, // 12·12·4
  ],
  // (C·kH·kW/PE/SIMD)·(H·W)
  vvau: [
    { m: { op: 'vvau', name: 'dw1', channels: 4, kernel: [3, 3], pixels: 9, pe: 2, simd: 3 }, finn: 54 }, // 36/2/3·9
    { m: { op: 'vvau', name: 'dw2', channels: 8, kernel: [3, 3], pixels: 16, pe: 8, simd: 9 }, finn: 16 }, // 72/72·16
    { m: { op: 'vvau', name: 'dw3', channels: 6, kernel: [1, 3], pixels: 5, pe: 3, simd: 1 }, finn: 30 }, // 18/3·5
  ],
  // N·C/PE
  threshold: [
    { m: { op: 'threshold', name: 't1', channels: 16, pixels: 196, pe: 4 }, finn: 784 },
    { m: { op: 'threshold', name: 't2', channels: 6, pixels: 5, pe: 6 }, finn: 5 },
    {
      m: { op: 'threshold', name: 't3', channels: 10, pixels: 1, pe: 1, inputBits: 16, outputBits: 4 },
      finn: 10,
    },
  ],
  channelwise: [
    { m: { op: 'channelwise', name: 'rq1', channels: 12, pixels: 4, pe: 3 }, finn: 16 }, // 4·12/3
    { m: { op: 'channelwise', name: 'rq2', channels: 7, pixels: 9, pe: 7 }, finn: 9 }, // 9·7/7
  ],
  add: [
    { m: { op: 'add', name: 'a1', channels: 16, pixels: 36, pe: 8 }, finn: 72 }, // 36·16/8
    { m: { op: 'add', name: 'a2', channels: 3, pixels: 7, pe: 1 }, finn: 21 }, // 7·3/1
  ],
  duplicate: [
    { m: { op: 'duplicate', name: 'd1', channels: 16, pixels: 36, pe: 8, outputs: 2 }, finn: 72 }, // 36·16/8
    { m: { op: 'duplicate', name: 'd2', channels: 4, pixels: 9, pe: 2, outputs: 3 }, finn: 18 }, // 9·4/2
  ],
  // N·ΣC/SIMD
  concat: [
    { m: { op: 'concat', name: 'c1', channels: [4, 8], pixels: 9, simd: 4 }, finn: 27 }, // 9·12/4
    { m: { op: 'concat', name: 'c2', channels: [2, 2, 2], pixels: 5, simd: 2 }, finn: 15 }, // 5·6/2
  ],
  // N·C/PE + C/PE
  globalaccpool: [
    { m: { op: 'globalaccpool', name: 'g1', channels: 16, pixels: 36, pe: 8 }, finn: 74 }, // 72 + 2
    { m: { op: 'globalaccpool', name: 'g2', channels: 6, pixels: 16, pe: 3 }, finn: 34 }, // 32 + 2
    { m: { op: 'globalaccpool', name: 'g3', channels: 5, pixels: 4, pe: 5 }, finn: 5 }, // 4 + 1
  ],
  // (C·kH·kW/PE)·OH·OW
  pool: [
    { m: { op: 'pool', name: 'p1', channels: 16, kernel: [2, 2], outPixels: 36, pe: 8 }, finn: 288 }, // 8·36
    { m: { op: 'pool', name: 'p2', channels: 3, kernel: [3, 3], outPixels: 4, pe: 1 }, finn: 108 }, // 27·4
  ],
  // (C/SIMD)·OH_pad·OW_pad
  fmpad: [
    { m: { op: 'fmpad', name: 'pad1', channels: 16, ifm: [6, 6], pad: [1, 1, 1, 1], simd: 8 }, finn: 128 }, // 2·8·8
    { m: { op: 'fmpad', name: 'pad2', channels: 3, ifm: [5, 4], pad: [0, 1, 2, 0], simd: 3 }, finn: 35 }, // 1·7·5
    { m: { op: 'fmpad', name: 'pad3', channels: 3, ifm: [5, 4], pad: [0, 1, 2, 0], simd: 1 }, finn: 105 }, // 3·7·5
  ],
  // IFM_W·kH·dilH·(C/SIMD) + OFM_H·max(OFM_W·kW·kH·C/SIMD, stride_W·IFM_W·C/SIMD)
  swg: [
    // OFM 14: 16·3·1 + 14·max(14·9·1, 16) = 48 + 1764
    {
      m: { op: 'swg', name: 's1', channels: 3, ifm: [16, 16], kernel: [3, 3], stride: [1, 1], simd: 3 },
      finn: 1812,
    },
    // OFM 6: 12·2·2 + 6·max(6·4·2, 2·12·2) = 48 + 288
    {
      m: { op: 'swg', name: 's2', channels: 16, ifm: [12, 12], kernel: [2, 2], stride: [2, 2], simd: 8 },
      finn: 336,
    },
    // OFM 3: 7·3·4 + 3·max(3·9·4, 2·7·4) = 84 + 324
    {
      m: { op: 'swg', name: 's3', channels: 4, ifm: [7, 7], kernel: [3, 3], stride: [2, 2], simd: 1 },
      finn: 408,
    },
    // 1×1 stride 3, OFM 3: 9·1·1 + 3·max(3·1·1, 3·9·1) = 9 + 81 (reads dominate)
    {
      m: { op: 'swg', name: 's4', channels: 2, ifm: [9, 9], kernel: [1, 1], stride: [3, 3], simd: 2 },
      finn: 90,
    },
    // dilation 2, OFM 5: 9·3·2·2 + 5·max(5·9·2, 9·2) = 108 + 450
    {
      m: {
        op: 'swg',
        name: 's5',
        channels: 2,
        ifm: [9, 9],
        kernel: [3, 3],
        stride: [1, 1],
        dilation: [2, 2],
        simd: 1,
      },
      finn: 558,
    },
    // 6×8 map, 3×2 kernel, OFM 4×7: 8·3·1 + 4·max(7·2·3·1, 8·1) = 24 + 168
    {
      m: { op: 'swg', name: 's6', channels: 2, ifm: [6, 8], kernel: [3, 2], stride: [1, 1], simd: 2 },
      finn: 192,
    },
  ],
};

const FRAMES = 4;

describe('FINN expected cycles per frame (fpga.md §1.1)', () => {
  for (const [op, list] of Object.entries(cases))
    describe(op, () => {
      for (const { m, finn } of list)
        it(`${m.name}: ${finn} cycles/frame`, () => {
          expect(finnExpectedCycles(m)).toBe(finn);
          const s = frameSchedule(m);
          expect(s.stepsPerFrame).toBe(finn);
          // the schedule moves exactly the words of each port
          const ports = modulePorts(m);
          const counts = scheduleWordCounts(s, ports.inputs?.length ?? 0, ports.outputs.length);
          expect(counts.reads).toEqual(ports.inputs?.map((p) => p.wordsPerFrame));
          expect(counts.writes).toEqual(ports.outputs.map((p) => p.wordsPerFrame));
          // steady state, simulated: every frame after the first completes `finn` cycles after the last
          const spec = isolated(m, FRAMES);
          const r = runReference(spec);
          expect(r.status).toBe('done');
          expect(r.iiCycles).toBe(finn);
          const gaps = r.frameDoneCycles.slice(1).map((t, f) => t - r.frameDoneCycles[f]!);
          expect(gaps).toEqual(new Array<number>(FRAMES - 1).fill(finn));
          const mod = r.modules.find((x) => x.name === m.name)!;
          expect(mod.busyCycles).toBe(FRAMES * finn);
          expect(mod.finnExpectedCycles).toBe(finn);
          expect(runEvent(spec)).toEqual(r);
        });
    });
});

describe('first-output latency of a module alone (docs/fpga-dataflow-engine.md)', () => {
  // Source pushes word 0 in cycle 0; the module's step j runs in cycle j + 1 (or in cycle j when
  // it needs no input yet); the output module pops one cycle after the write; latency counts cycles.
  it.each([
    ['mvau writes after its first neuron fold (SF = 2 steps)', cases.mvau![0]!.m, 1 + 1 + 1 + 1],
    ['swg writes after buffering kH rows (48 steps)', cases.swg![0]!.m, 48 + 1 + 1 + 1],
    ['globalaccpool writes after the whole map (72 steps)', cases.globalaccpool![0]!.m, 72 + 1 + 1 + 1],
    ['threshold passes a word on the step it reads it', cases.threshold![0]!.m, 0 + 1 + 1 + 1],
    ['fmpad writes top padding in cycle 0, before any input', cases.fmpad![0]!.m, 0 + 1 + 1],
  ])('%s', (_, m, latency) => {
    expect(runReference(isolated(m, 1)).firstOutputCycles).toBe(latency);
  });
});

describe('width converter (no FINN cycle model: max(in words, out words) per frame) [D]', () => {
  it.each([
    [24, 4, 6, 6], // 6 input words → 4 output words: 6 steps
    [24, 6, 4, 6], // 4 → 6
    [24, 3, 2, 12], // 8 → 12 (non-multiple widths)
    [12, 2, 2, 6],
  ])('%i elements, %i → %i elems/word: %i cycles/frame', (elements, inElems, outElems, cycles) => {
    const m: ModuleSpec = { op: 'dwc', name: 'dwc', elements, inElems, outElems };
    expect(frameSchedule(m).stepsPerFrame).toBe(cycles);
    expect(finnExpectedCycles(m)).toBeNull();
    expect(runReference(isolated(m, 3)).iiCycles).toBe(cycles);
  });
});
