/**
 * The executor and the systolic target's reference stepper R compute the same accumulators.
 *
 * A generated conv layer (groups, strides, padding, dilation, batch) gets stored operands drawn from
 * its formats (with zero points for the integer ones). The executor runs it as an IR graph with
 * scale-1 specs, so its output is the raw accumulator (an int32 output spec for integer
 * accumulators: M = 1; a real output for floating accumulators: fp32(acc · 1)). R runs the same
 * layer on a generated array, fed through an OperandSource laid out by mapping/gemm.ts
 * (ifmapAddress / filterAddress, SCALE-Sim's NHWC ifmap and n·K + k filters, k = (ky, kx, c)) with
 * the same operand values (stored − zero point), with formats/arith.ts macArithmetic. For ws / is
 * arrays the executor is told partialSumRows = the array's rows. Every output must be equal.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { macArithmetic } from '../../src/formats/arith.js';
import { parseFormat, sortedFiniteValues } from '../../src/formats/index.js';
import type { OverflowMode } from '../../src/formats/types.js';
import type { QuantSpec } from '../../src/graph/ir.js';
import { filterAddress, ifmapAddress, type GemmView } from '../../src/mapping/gemm.js';
import { executeGraph } from '../../src/numerics/execute.js';
import { buildPlan, PlanError, type LayerPlan } from '../../src/targets/systolic/plan.js';
import { runReference, type OperandSource } from '../../src/targets/systolic/reference.js';
import type { SystolicSpec } from '../../src/targets/systolic/spec.js';
import { Rng } from '../../src/units/index.js';
import {
  convCaseArb,
  convOut,
  convView,
  systolicSpecArb,
  type ConvCase,
} from '../targets/systolic/helpers.js';
import { convAttrs, graphOf, node, tensor } from './helpers.js';

interface Arithmetic {
  readonly acts: string;
  readonly weights: string;
  readonly accumulator: string;
  readonly overflow: OverflowMode;
}

const ARITHMETIC: readonly Arithmetic[] = [
  { acts: 'int8', weights: 'int8', accumulator: 'int32', overflow: 'wrap' },
  { acts: 'uint8', weights: 'int8', accumulator: 'int16', overflow: 'saturate' },
  { acts: 'int4', weights: 'uint4', accumulator: 'int8', overflow: 'wrap' },
  { acts: 'int8', weights: 'int8', accumulator: 'int12', overflow: 'saturate' },
  { acts: 'fp8-e4m3fn', weights: 'fp8-e4m3fn', accumulator: 'fp16', overflow: 'saturate' },
  { acts: 'fp8-e5m2', weights: 'fp8-e4m3fn', accumulator: 'fp32', overflow: 'saturate' },
  { acts: 'fp8-e4m3fn', weights: 'int4', accumulator: 'bf16', overflow: 'saturate' },
];

const isInt = (f: string): boolean => parseFormat(f).kind === 'int';

interface Layer {
  readonly c: ConvCase;
  readonly ar: Arithmetic;
  readonly x: Float64Array;
  readonly w: Float64Array;
  readonly zx: number;
  readonly zw: number[];
}

function layerOf(c: ConvCase, ar: Arithmetic, seed: number): Layer {
  const rng = new Rng(seed);
  const draw = (grid: Float64Array) => (): number => grid[rng.int(0, grid.length - 1)]!;
  const acts = draw(sortedFiniteValues(parseFormat(ar.acts)));
  const weights = draw(sortedFiniteValues(parseFormat(ar.weights)));
  const x = Float64Array.from({ length: c.n * c.c * c.h * c.w }, acts);
  const w = Float64Array.from({ length: (c.cout * c.c * c.kh * c.kw) / c.groups }, weights);
  // zero points: any code of an integer format (per output channel for the weights); 0 for floats
  const zx = isInt(ar.acts) ? acts() : 0;
  const zw = Array.from({ length: c.cout }, () => (isInt(ar.weights) ? weights() : 0));
  return { c, ar, x, w, zx, zw };
}

/** The executor's accumulators, NCHW. */
function executorOutputs(l: Layer, spec: SystolicSpec): Float64Array {
  const { c, ar } = l;
  const [oh, ow] = convOut(c);
  const xq: QuantSpec = { format: ar.acts, scale: 1, zeroPoint: l.zx };
  const wq: QuantSpec = {
    format: ar.weights,
    scale: new Array<number>(c.cout).fill(1),
    zeroPoint: l.zw,
    axis: 0,
  };
  const integer = isInt(ar.accumulator);
  const g = graphOf(
    [
      tensor('x', [c.n, c.c, c.h, c.w], { role: 'input', quant: xq }),
      tensor('w', [c.cout, c.c / c.groups, c.kh, c.kw], {
        role: 'weight',
        quant: wq,
        stored: Array.from(l.w),
      }),
      tensor(
        'y',
        [c.n, c.cout, oh, ow],
        integer ? { quant: { format: 'int32', scale: 1, zeroPoint: 0 } } : {},
      ),
    ],
    [
      node(
        'conv',
        'conv2d',
        ['x', 'w'],
        ['y'],
        convAttrs({
          outChannels: c.cout,
          kernel: [c.kh, c.kw],
          stride: c.stride,
          pads: c.pads,
          dilation: c.dilation,
          groups: c.groups,
        }),
      ),
    ],
    ['x'],
    ['y'],
  );
  const y = executeGraph(g, new Map([['x', { stored: l.x }]]), {
    accumulator: ar.accumulator,
    overflow: ar.overflow,
    partialSumRows: spec.dataflow === 'os' ? 0 : spec.rows,
  }).get('y')!;
  return integer ? y.stored! : Float64Array.from(y.real);
}

/** R's operands: the same values (stored − zp) in mapping/gemm.ts's address spaces. */
function operandSource(l: Layer, view: GemmView): OperandSource {
  const { c } = l;
  const cg = c.c / c.groups;
  const ng = c.cout / c.groups;
  const K = c.kh * c.kw * cg;
  // SCALE-Sim layouts: ifmap NHWC, filters per group n·K + k with k = (ky, kx, channel)
  const ifmap = new Float64Array(view.aElements);
  for (let b = 0; b < c.n; b++)
    for (let ch = 0; ch < c.c; ch++)
      for (let r = 0; r < c.h; r++)
        for (let col = 0; col < c.w; col++)
          ifmap[((b * c.h + r) * c.w + col) * c.c + ch] = l.x[((b * c.c + ch) * c.h + r) * c.w + col]! - l.zx;
  const filter = new Float64Array(view.bElements);
  for (let oc = 0; oc < c.cout; oc++) {
    const g = Math.floor(oc / ng);
    const n = oc - g * ng;
    for (let ch = 0; ch < cg; ch++)
      for (let i = 0; i < c.kh; i++)
        for (let j = 0; j < c.kw; j++)
          filter[g * K * ng + n * K + (i * c.kw + j) * cg + ch] =
            l.w[((oc * cg + ch) * c.kh + i) * c.kw + j]! - l.zw[oc]!;
  }
  const segs = new Map(view.segments.map((s) => [s.index, s]));
  return {
    a: (seg, m, k) => {
      const addr = ifmapAddress(view, segs.get(seg)!, m, k);
      return addr < 0 ? 0 : ifmap[addr]!;
    },
    b: (seg, k, n) => filter[filterAddress(view, segs.get(seg)!, k, n)]!,
  };
}

function planOrSkip(view: GemmView, spec: SystolicSpec): LayerPlan | undefined {
  try {
    return buildPlan(view, spec, { ifmap: 1, filter: 1, ofmap: 1, psum: 4 });
  } catch (e) {
    if (e instanceof PlanError) return undefined;
    throw e;
  }
}

describe('executor ≡ systolic reference stepper R', () => {
  it('same accumulators for the same operands, formats, accumulator and dataflow', () => {
    const seen = new Map<string, number>();
    fc.assert(
      fc.property(
        convCaseArb(),
        systolicSpecArb(),
        fc.constantFrom(...ARITHMETIC),
        fc.nat(10_000),
        (c, spec, ar, seed) => {
          const view = convView(c);
          const plan = planOrSkip(view, spec);
          fc.pre(plan !== undefined);
          const l = layerOf(c, ar, seed);
          const r = runReference(plan, spec, {
            operands: operandSource(l, view),
            arithmetic: macArithmetic(ar.accumulator, ar.overflow),
            outputShapes: new Map(view.segments.map((s) => [s.index, { m: s.m, n: s.n }])),
          });
          const ours = executorOutputs(l, spec);
          const [oh, ow] = convOut(c);
          const ng = c.cout / c.groups;
          const integer = isInt(ar.accumulator);
          for (const seg of view.segments) {
            const img = Math.floor(seg.index / c.groups);
            const g = seg.index % c.groups;
            const got = r.outputs.get(seg.index)!;
            for (let m = 0; m < seg.m; m++) {
              for (let n = 0; n < seg.n; n++) {
                const want = got[m * seg.n + n]!;
                const mine = ours[((img * c.cout + g * ng + n) * oh + Math.floor(m / ow)) * ow + (m % ow)]!;
                // an integer zero has no sign; floating zeros must agree in sign too
                expect(Object.is(mine, integer ? want + 0 : want), `${ar.accumulator} ${spec.dataflow}`).toBe(
                  true,
                );
              }
            }
          }
          const key = `${spec.dataflow} ${ar.accumulator}`;
          seen.set(key, (seen.get(key) ?? 0) + 1);
        },
      ),
      { numRuns: 250, endOnFailure: true },
    );
    // every dataflow met integer and floating accumulators
    for (const df of ['os', 'ws', 'is'])
      for (const acc of ['int32', 'fp16'])
        expect(
          [...seen.keys()].some((k) => k === `${df} ${acc}`),
          `${df} ${acc}`,
        ).toBe(true);
  });
});
