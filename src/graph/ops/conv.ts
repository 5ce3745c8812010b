/**
 * conv2d: x [N, C, H, W] ⊛ weight [M, C/groups, kh, kw] (+ bias [M]) → [N, M, Ho, Wo] with
 * Ho = floor((H + pt + pb − dh·(kh − 1) − 1) / sh) + 1 (likewise Wo). Grouped, depthwise
 * (groups = C = M), dilated, strided and asymmetrically padded.
 */
import type { Conv2dAttrs, FloatTensor, NodeOf, Shape } from '../ir.js';
import {
  checkInputCount,
  checkPads,
  checkPositiveInt,
  checkPositivePair,
  checkRank,
  checkShapeEquals,
  problem,
  showShape,
  type OpProblem,
} from './check.js';
import { defineOp, rolesFrom } from './define.js';

/** Output length of a convolution / floor-mode window along one axis. */
export function convOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  dilation: number,
): number {
  return Math.floor((input + padBegin + padEnd - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** The dilated window must fit in the padded input (at least one output). */
export function checkWindowFits(
  kernel: readonly [number, number],
  dilation: readonly [number, number],
  x: Shape,
  pads: readonly [number, number, number, number],
): OpProblem[] {
  const ph = x[2]! + pads[0] + pads[2];
  const pw = x[3]! + pads[1] + pads[3];
  const eh = dilation[0] * (kernel[0] - 1) + 1;
  const ew = dilation[1] * (kernel[1] - 1) + 1;
  if (eh <= ph && ew <= pw) return [];
  const dil = dilation[0] !== 1 || dilation[1] !== 1 ? ` (dilated extent ${eh}×${ew})` : '';
  return [
    problem(
      'attrs.kernel',
      `${showShape(kernel)}${dil}`,
      `a window no larger than the padded input ${ph}×${pw} (x ${showShape(x)}, pads ${showShape(pads)})`,
    ),
  ];
}

function checkConvAttrs(a: Conv2dAttrs): OpProblem[] {
  return [
    ...checkPositiveInt('attrs.outChannels', a.outChannels),
    ...checkPositivePair('attrs.kernel', a.kernel),
    ...checkPositivePair('attrs.stride', a.stride),
    ...checkPads('attrs.pads', a.pads),
    ...checkPositivePair('attrs.dilation', a.dilation),
    ...checkPositiveInt('attrs.groups', a.groups),
  ];
}

function checkGroups(a: Conv2dAttrs, channels: number): OpProblem[] {
  if (channels % a.groups === 0 && a.outChannels % a.groups === 0) return [];
  return [
    problem(
      'attrs.groups',
      String(a.groups),
      `a divisor of both the input channels (${channels}) and attrs.outChannels (${a.outChannels})`,
    ),
  ];
}

function checkConvParams(a: Conv2dAttrs, shapes: readonly Shape[]): OpProblem[] {
  const x = shapes[0]!;
  const c = x[1]!;
  const w = shapes[1]!;
  const cg = c / a.groups;
  const expectedW = [a.outChannels, cg, a.kernel[0], a.kernel[1]];
  const out = checkShapeEquals(
    1,
    'weight',
    w,
    expectedW,
    `[outChannels ${a.outChannels}, x channels ${c} / groups ${a.groups}, kernel ${a.kernel[0]}, ${a.kernel[1]}]`,
  );
  const b = shapes[2];
  if (b !== undefined) out.push(...checkShapeEquals(2, 'bias', b, [a.outChannels], 'one per output channel'));
  return out;
}

function checkConv(node: NodeOf<'conv2d'>, shapes: readonly Shape[]): OpProblem[] {
  const a = node.attrs;
  const attrs = checkConvAttrs(a);
  const count = checkInputCount(shapes.length, 2, 3, '[x, weight, bias?]');
  if (count.length > 0) return [...count, ...attrs];
  const rank = checkRank(0, 'x', shapes[0]!, 4);
  if (rank.length > 0 || attrs.length > 0) return [...attrs, ...rank];
  const groups = checkGroups(a, shapes[0]![1]!);
  if (groups.length > 0) return groups;
  return [...checkConvParams(a, shapes), ...checkWindowFits(a.kernel, a.dilation, shapes[0]!, a.pads)];
}

function inferConv(node: NodeOf<'conv2d'>, shapes: readonly Shape[]): Shape[] {
  const a = node.attrs;
  const x = shapes[0]!;
  const ho = convOutputSize(x[2]!, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], a.dilation[0]);
  const wo = convOutputSize(x[3]!, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], a.dilation[1]);
  return [[x[0]!, a.outChannels, ho, wo]];
}

/** N·Cout·Ho·Wo·(Cin/groups)·kh·kw */
function convMacs(
  node: NodeOf<'conv2d'>,
  inputShapes: readonly Shape[],
  outputShapes: readonly Shape[],
): number {
  const a = node.attrs;
  const y = outputShapes[0]!;
  const cin = inputShapes[0]![1]!;
  return y[0]! * y[1]! * y[2]! * y[3]! * (cin / a.groups) * a.kernel[0] * a.kernel[1];
}

/** Range [lo, hi] of output positions o whose tap o·s − pad + k·d lands inside [0, size). */
interface TapRange {
  readonly lo: number;
  readonly hi: number;
}

function tapRanges(
  size: number,
  outSize: number,
  kernel: number,
  stride: number,
  pad: number,
  dilation: number,
): TapRange[] {
  const ranges: TapRange[] = [];
  for (let k = 0; k < kernel; k++) {
    const shift = k * dilation - pad;
    ranges.push({
      lo: Math.max(0, Math.ceil(-shift / stride)),
      hi: Math.min(outSize - 1, Math.floor((size - 1 - shift) / stride)),
    });
  }
  return ranges;
}

interface ConvGeometry {
  readonly n: number;
  readonly c: number;
  readonly h: number;
  readonly w: number;
  readonly m: number;
  readonly ho: number;
  readonly wo: number;
  readonly a: Conv2dAttrs;
}

/** Accumulate one input channel plane × one kernel slice into a float64 output plane. */
function accumulatePlane(
  g: ConvGeometry,
  acc: Float64Array,
  x: Float32Array,
  xBase: number,
  wt: Float32Array,
  wBase: number,
  rows: readonly TapRange[],
  cols: readonly TapRange[],
): void {
  const { w, wo, a } = g;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const pt = a.pads[0];
  const pl = a.pads[1];
  for (let ky = 0; ky < kh; ky++) {
    const rr = rows[ky]!;
    for (let oh = rr.lo; oh <= rr.hi; oh++) {
      const rowBase = xBase + (oh * sh - pt + ky * dh) * w;
      const accRow = oh * wo;
      for (let kx = 0; kx < kw; kx++) {
        const wv = wt[wBase + ky * kw + kx]!;
        const cr = cols[kx]!;
        let xi = rowBase + cr.lo * sw - pl + kx * dw;
        for (let ow = cr.lo; ow <= cr.hi; ow++) {
          acc[accRow + ow]! += wv * x[xi]!;
          xi += sw;
        }
      }
    }
  }
}

/**
 * Direct convolution, no im2col. For each (image, output channel) a float64 plane starts at the
 * bias and accumulates every product x·w (each exact in float64, being a product of two float32s);
 * the plane is rounded to float32 once per output. Index ranges of valid taps are precomputed per
 * kernel row/column so the inner loop has no bounds tests.
 */
function conv2dReference(node: NodeOf<'conv2d'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const a = node.attrs;
  const [xT, wT, bT] = inputs;
  const [n, c, h, w] = xT!.shape as [number, number, number, number];
  const m = a.outChannels;
  const [outShape] = inferConv(node, [xT!.shape]);
  const ho = outShape![2]!;
  const wo = outShape![3]!;
  const g: ConvGeometry = { n, c, h, w, m, ho, wo, a };
  const rows = tapRanges(h, ho, a.kernel[0], a.stride[0], a.pads[0], a.dilation[0]);
  const cols = tapRanges(w, wo, a.kernel[1], a.stride[1], a.pads[1], a.dilation[1]);
  const cg = c / a.groups;
  const mg = m / a.groups;
  const kArea = a.kernel[0] * a.kernel[1];
  const out = new Float32Array(n * m * ho * wo);
  const acc = new Float64Array(ho * wo);
  for (let img = 0; img < n; img++) {
    for (let oc = 0; oc < m; oc++) {
      const group = Math.floor(oc / mg);
      acc.fill(bT ? bT.data[oc]! : 0);
      for (let ci = 0; ci < cg; ci++) {
        const xBase = (img * c + group * cg + ci) * h * w;
        accumulatePlane(g, acc, xT!.data, xBase, wT!.data, (oc * cg + ci) * kArea, rows, cols);
      }
      out.set(acc, (img * m + oc) * ho * wo);
    }
  }
  return [{ shape: outShape!, data: out }];
}

export const conv2dOp = defineOp({
  op: 'conv2d',
  inputRole: rolesFrom(['x', 'weight', 'bias']),
  checkOp: checkConv,
  inferShapes: inferConv,
  macs: convMacs,
  reference: conv2dReference,
});
