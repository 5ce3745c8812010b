import type { Conv2dAttrs, Node, Shape } from '../../../src/graph/ir.js';
import { filterAddress, gemmView, ifmapAddress, type GemmView } from '../../../src/mapping/gemm.js';
import type { OperandSource } from '../../../src/targets/systolic/reference.js';
import {
  DATAFLOWS,
  fromYaml,
  type SystolicSpec,
  type SystolicYaml,
} from '../../../src/targets/systolic/spec.js';
import { Rng } from '../../../src/units/index.js';
import fc from 'fast-check';

export interface ConvCase {
  n: number;
  c: number;
  h: number;
  w: number;
  cout: number;
  kh: number;
  kw: number;
  stride: [number, number];
  pads: [number, number, number, number];
  dilation: [number, number];
  groups: number;
}

/** Output size by the conv definition: ⌊(H + pt + pb − d(k−1) − 1) / s⌋ + 1. */
export function convOut(c: ConvCase): [number, number] {
  const oh = Math.floor((c.h + c.pads[0] + c.pads[2] - c.dilation[0] * (c.kh - 1) - 1) / c.stride[0]) + 1;
  const ow = Math.floor((c.w + c.pads[1] + c.pads[3] - c.dilation[1] * (c.kw - 1) - 1) / c.stride[1]) + 1;
  return [oh, ow];
}

export function convView(c: ConvCase): GemmView {
  const [oh, ow] = convOut(c);
  const attrs: Conv2dAttrs = {
    outChannels: c.cout,
    kernel: [c.kh, c.kw],
    stride: c.stride,
    pads: c.pads,
    dilation: c.dilation,
    groups: c.groups,
  };
  const node: Node = { name: 'conv', op: 'conv2d', inputs: ['x', 'w'], outputs: ['y'], attrs };
  const x: Shape = [c.n, c.c, c.h, c.w];
  const wt: Shape = [c.cout, c.c / c.groups, c.kh, c.kw];
  return gemmView(node, [x, wt], [[c.n, c.cout, oh, ow]])!;
}

export function gemmViewOf(m: number, n: number, k: number): GemmView {
  const node: Node = { name: 'fc', op: 'dense', inputs: ['x', 'w'], outputs: ['y'], attrs: { units: n } };
  return gemmView(
    node,
    [
      [m, k],
      [k, n],
    ],
    [[m, n]],
  )!;
}

/** Seeded integer operands addressed like the hardware sees them (padding reads 0). */
export function intOperands(view: GemmView, seed: number, lo = -8, hi = 7): OperandSource {
  const rng = new Rng(seed);
  const ifmap = Float64Array.from({ length: view.aElements }, () => rng.int(lo, hi));
  const filter = Float64Array.from({ length: view.bElements }, () => rng.int(lo, hi));
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  return {
    a: (seg, m, k) => {
      const addr = ifmapAddress(view, segs.get(seg)!, m, k);
      return addr < 0 ? 0 : ifmap[addr]!;
    },
    b: (seg, k, n) => filter[filterAddress(view, segs.get(seg)!, k, n)]!,
  };
}

/** Operands drawn from a value grid (e.g. a minifloat's finite values). */
export function gridOperands(view: GemmView, seed: number, grid: readonly number[]): OperandSource {
  const rng = new Rng(seed);
  const pick = (): number => grid[rng.int(0, grid.length - 1)]!;
  const ifmap = Float64Array.from({ length: view.aElements }, pick);
  const filter = Float64Array.from({ length: view.bElements }, pick);
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  return {
    a: (seg, m, k) => {
      const addr = ifmapAddress(view, segs.get(seg)!, m, k);
      return addr < 0 ? 0 : ifmap[addr]!;
    },
    b: (seg, k, n) => filter[filterAddress(view, segs.get(seg)!, k, n)]!,
  };
}

export function specOf(over: Partial<SystolicYaml> & Pick<SystolicYaml, 'array'>): SystolicSpec {
  return fromYaml({
    target: 'systolic',
    name: 'test',
    clock_mhz: 1000,
    sram: { ifmap_kib: 64, filter_kib: 64, ofmap_kib: 64 },
    dram: {
      read_bandwidth_bytes_per_cycle: 'unlimited',
      write_bandwidth_bytes_per_cycle: 'unlimited',
      latency_cycles: 0,
    },
    conventions: 'bitcycle',
    offsets: { ifmap: 0, filter: 10_000_000, ofmap: 20_000_000 },
    ...over,
  });
}

/** Limits of generated convolutions (inclusive maxima). */
export interface ConvLimits {
  readonly batch: number;
  readonly channelsPerGroup: number;
  readonly groups: number;
  readonly outPerGroup: number;
  readonly size: number;
  readonly kernel: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly pad: number;
}

export const SMALL_CONV: ConvLimits = {
  batch: 2,
  channelsPerGroup: 3,
  groups: 2,
  outPerGroup: 4,
  size: 6,
  kernel: 3,
  strideH: 2,
  strideW: 3,
  pad: 1,
};

/** Random convolutions with groups, strides, asymmetric padding and dilation that have outputs. */
export function convCaseArb(l: ConvLimits = SMALL_CONV): fc.Arbitrary<ConvCase> {
  return fc
    .record({
      n: fc.integer({ min: 1, max: l.batch }),
      cg: fc.integer({ min: 1, max: l.channelsPerGroup }),
      groups: fc.integer({ min: 1, max: l.groups }),
      coutg: fc.integer({ min: 1, max: l.outPerGroup }),
      h: fc.integer({ min: 1, max: l.size }),
      w: fc.integer({ min: 1, max: l.size }),
      kh: fc.integer({ min: 1, max: l.kernel }),
      kw: fc.integer({ min: 1, max: l.kernel }),
      sh: fc.integer({ min: 1, max: l.strideH }),
      sw: fc.integer({ min: 1, max: l.strideW }),
      pads: fc.tuple(fc.nat(l.pad), fc.nat(l.pad), fc.nat(l.pad), fc.nat(l.pad)),
      dh: fc.integer({ min: 1, max: 2 }),
      dw: fc.integer({ min: 1, max: 2 }),
    })
    .map((r): ConvCase => ({
      n: r.n,
      c: r.cg * r.groups,
      h: r.h,
      w: r.w,
      cout: r.coutg * r.groups,
      kh: r.kh,
      kw: r.kw,
      stride: [r.sh, r.sw],
      pads: r.pads,
      dilation: [r.dh, r.dw],
      groups: r.groups,
    }))
    .filter((c) => convOut(c)[0] >= 1 && convOut(c)[1] >= 1);
}

/** Offsets of the trace address spaces used by the default spec and an unusual alternative. */
const OFFSETS = [
  { ifmap: 0, filter: 10_000_000, ofmap: 20_000_000 },
  { ifmap: 5000, filter: 0, ofmap: 3_000_000_000 },
] as const;

/** DRAM bandwidths: unlimited, whole and fractional bytes per cycle. */
export const bandwidthArb: fc.Arbitrary<number | 'unlimited'> = fc.oneof(
  fc.constant<'unlimited'>('unlimited'),
  fc.constantFrom(1, 2, 3, 5),
  fc.constantFrom(0.5, 1.5, 2.25),
);

/**
 * Small systolic specs: arrays up to 5×5, SRAMs of 8 B … 400 B (so folds stream in many chunks),
 * fractional bandwidths, latencies and both conventions; `varyOffsets` also varies trace offsets.
 */
export function systolicSpecArb(opts: { varyOffsets?: boolean } = {}): fc.Arbitrary<SystolicSpec> {
  return fc
    .record({
      rows: fc.integer({ min: 1, max: 5 }),
      cols: fc.integer({ min: 1, max: 5 }),
      dataflow: fc.constantFrom(...DATAFLOWS),
      ifmapBytes: fc.integer({ min: 8, max: 400 }),
      filterBytes: fc.integer({ min: 8, max: 400 }),
      ofmapBytes: fc.integer({ min: 8, max: 200 }),
      rbw: bandwidthArb,
      wbw: bandwidthArb,
      latency: fc.integer({ min: 0, max: 4 }),
      conventions: fc.constantFrom('bitcycle' as const, 'scalesim' as const),
      offsets: opts.varyOffsets === true ? fc.constantFrom(...OFFSETS) : fc.constant(OFFSETS[0]),
    })
    .map((s) =>
      specOf({
        array: { rows: s.rows, cols: s.cols, dataflow: s.dataflow },
        sram: {
          ifmap_kib: s.ifmapBytes / 1024,
          filter_kib: s.filterBytes / 1024,
          ofmap_kib: s.ofmapBytes / 1024,
        },
        dram: {
          read_bandwidth_bytes_per_cycle: s.rbw,
          write_bandwidth_bytes_per_cycle: s.wbw,
          latency_cycles: s.latency,
        },
        conventions: s.conventions,
        offsets: { ...s.offsets },
      }),
    );
}
