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

/** Direct convolution of one (image, output channel) into the float64 plane acc (bias already in). */
function directChannel(
  g: ConvGeometry,
  inputs: ConvInputs,
  img: number,
  oc: number,
  acc: Float64Array,
): void {
  const { c, h, w, m, a } = g;
  const cg = c / a.groups;
  const group = Math.floor(oc / (m / a.groups));
  const kArea = a.kernel[0] * a.kernel[1];
  for (let ci = 0; ci < cg; ci++) {
    const xBase = (img * c + group * cg + ci) * h * w;
    accumulatePlane(g, acc, inputs.x, xBase, inputs.w, (oc * cg + ci) * kArea, inputs.rows, inputs.cols);
  }
}

interface ConvInputs {
  readonly x: Float32Array;
  readonly w: Float32Array;
  readonly bias: Float32Array | undefined;
  readonly rows: readonly TapRange[];
  readonly cols: readonly TapRange[];
}

/**
 * Whether group `group` may go through im2col + GEMM with the same result, bit for bit, as the
 * direct loop (which skips padded taps rather than multiplying them by 0). A padded tap adds w·0 =
 * ±0, which leaves every running sum unchanged unless w is not finite (∞·0 = NaN) or the sum is −0
 * (−0 + +0 = +0); a float64 sum is −0 only if it started at a −0 bias. Groups with fewer than 4
 * output channels (depthwise) stay direct: im2col pays only when reused across output channels.
 */
function gemmApplies(g: ConvGeometry, inputs: ConvInputs, group: number): boolean {
  const mg = g.m / g.a.groups;
  if (mg < 4) return false;
  const kSize = (g.c / g.a.groups) * g.a.kernel[0] * g.a.kernel[1];
  const w = inputs.w;
  for (let i = group * mg * kSize; i < (group + 1) * mg * kSize; i++) {
    if (!Number.isFinite(w[i]!)) return false;
  }
  const b = inputs.bias;
  if (b === undefined) return true;
  for (let oc = group * mg; oc < (group + 1) * mg; oc++) if (Object.is(b[oc], -0)) return false;
  return true;
}

/**
 * im2col of one image and group: row p = oh·Wo + ow of `cols` (P × K, row-major) holds the window of
 * output pixel p in k = (ci, ky, kx) order, the order of the weight rows. Padded taps are never
 * written: `cols` starts zeroed and every image of the group writes the same positions.
 */
function im2colGroup(
  g: ConvGeometry,
  inputs: ConvInputs,
  img: number,
  group: number,
  cols: Float64Array,
): void {
  const { c, h, w, wo, a } = g;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const cg = c / a.groups;
  const kSize = cg * kh * kw;
  const x = inputs.x;
  for (let ci = 0; ci < cg; ci++) {
    const xBase = (img * c + group * cg + ci) * h * w;
    for (let ky = 0; ky < kh; ky++) {
      const rr = inputs.rows[ky]!;
      for (let kx = 0; kx < kw; kx++) {
        const k = (ci * kh + ky) * kw + kx;
        const cr = inputs.cols[kx]!;
        for (let oh = rr.lo; oh <= rr.hi; oh++) {
          const rowBase = xBase + (oh * sh - a.pads[0] + ky * dh) * w - a.pads[1] + kx * dw;
          for (let ow = cr.lo; ow <= cr.hi; ow++) cols[(oh * wo + ow) * kSize + k] = x[rowBase + ow * sw]!;
        }
      }
    }
  }
}

/** One group's GEMM: out[base + n·P + p] = fround(init[n] + Σ_k a[p, k]·b[n, k]), k in order. */
interface GroupGemm {
  /** im2col, P × K */
  readonly a: Float64Array;
  /** weights, N × K */
  readonly b: Float64Array;
  /** bias per row of b (zeros without bias) */
  readonly init: Float64Array;
  readonly p: number;
  readonly n: number;
  readonly k: number;
  readonly out: Float32Array;
  readonly base: number;
}

/** A single output: the float64 dot product from init, rounded once. */
function dotSingle(q: GroupGemm, p: number, n: number): void {
  const { a, b, k: K } = q;
  const aBase = p * K;
  const bBase = n * K;
  let s = q.init[n]!;
  for (let k = 0; k < K; k++) s += a[aBase + k]! * b[bBase + k]!;
  q.out[q.base + n * q.p + p] = s;
}

/** Four pixels × four output channels with 16 sums in registers, each operand loaded once per 4 uses. */
function dotBlock4x4(q: GroupGemm, p: number, n: number): void {
  const { a, b, k: K, init } = q;
  const a0 = p * K;
  const a1 = a0 + K;
  const a2 = a1 + K;
  const a3 = a2 + K;
  const b0 = n * K;
  const b1 = b0 + K;
  const b2 = b1 + K;
  const b3 = b2 + K;
  // c<pixel><channel>
  let c00 = init[n]!;
  let c01 = init[n + 1]!;
  let c02 = init[n + 2]!;
  let c03 = init[n + 3]!;
  let c10 = c00;
  let c11 = c01;
  let c12 = c02;
  let c13 = c03;
  let c20 = c00;
  let c21 = c01;
  let c22 = c02;
  let c23 = c03;
  let c30 = c00;
  let c31 = c01;
  let c32 = c02;
  let c33 = c03;
  for (let k = 0; k < K; k++) {
    const x0 = a[a0 + k]!;
    const x1 = a[a1 + k]!;
    const x2 = a[a2 + k]!;
    const x3 = a[a3 + k]!;
    const w0 = b[b0 + k]!;
    const w1 = b[b1 + k]!;
    const w2 = b[b2 + k]!;
    const w3 = b[b3 + k]!;
    c00 += x0 * w0;
    c01 += x0 * w1;
    c02 += x0 * w2;
    c03 += x0 * w3;
    c10 += x1 * w0;
    c11 += x1 * w1;
    c12 += x1 * w2;
    c13 += x1 * w3;
    c20 += x2 * w0;
    c21 += x2 * w1;
    c22 += x2 * w2;
    c23 += x2 * w3;
    c30 += x3 * w0;
    c31 += x3 * w1;
    c32 += x3 * w2;
    c33 += x3 * w3;
  }
  const { out, p: P } = q;
  const o = q.base + n * P + p;
  out[o] = c00;
  out[o + 1] = c10;
  out[o + 2] = c20;
  out[o + 3] = c30;
  out[o + P] = c01;
  out[o + P + 1] = c11;
  out[o + P + 2] = c21;
  out[o + P + 3] = c31;
  out[o + 2 * P] = c02;
  out[o + 2 * P + 1] = c12;
  out[o + 2 * P + 2] = c22;
  out[o + 2 * P + 3] = c32;
  out[o + 3 * P] = c03;
  out[o + 3 * P + 1] = c13;
  out[o + 3 * P + 2] = c23;
  out[o + 3 * P + 3] = c33;
}

/**
 * The whole group GEMM: 4×4 blocks, single dot products on the edges. The inner loop streams the
 * smaller of the two operands (pixels for late layers, weights for early ones) to keep it in cache.
 */
function groupGemm(q: GroupGemm): void {
  const p4 = q.p - (q.p % 4);
  const n4 = q.n - (q.n % 4);
  if (q.p < q.n) {
    for (let n = 0; n < n4; n += 4) for (let p = 0; p < p4; p += 4) dotBlock4x4(q, p, n);
  } else {
    for (let p = 0; p < p4; p += 4) for (let n = 0; n < n4; n += 4) dotBlock4x4(q, p, n);
  }
  for (let p = 0; p < p4; p++) for (let n = n4; n < q.n; n++) dotSingle(q, p, n);
  for (let p = p4; p < q.p; p++) for (let n = 0; n < q.n; n++) dotSingle(q, p, n);
}

/** Weight rows of one group as float64 (N × K, k = (ci, ky, kx): the IR layout already). */
function groupRows(w: Float32Array, group: number, rows: number, k: number): Float64Array {
  return Float64Array.from(w.subarray(group * rows * k, (group + 1) * rows * k));
}

function groupBias(bias: Float32Array | undefined, group: number, rows: number): Float64Array {
  const init = new Float64Array(rows);
  if (bias !== undefined) init.set(bias.subarray(group * rows, (group + 1) * rows));
  return init;
}

/** One group of every image through im2col + GEMM. */
function convGroupGemm(g: ConvGeometry, inputs: ConvInputs, group: number, out: Float32Array): void {
  const { n: images, m, ho, wo, a } = g;
  const mg = m / a.groups;
  const kSize = (g.c / a.groups) * a.kernel[0] * a.kernel[1];
  const P = ho * wo;
  const b = groupRows(inputs.w, group, mg, kSize);
  const init = groupBias(inputs.bias, group, mg);
  const cols = new Float64Array(P * kSize);
  for (let img = 0; img < images; img++) {
    im2colGroup(g, inputs, img, group, cols);
    const base = (img * m + group * mg) * P;
    groupGemm({ a: cols, b, init, p: P, n: mg, k: kSize, out, base });
  }
}

/** One group of every image by the direct loop. */
function convGroupDirect(g: ConvGeometry, inputs: ConvInputs, group: number, out: Float32Array): void {
  const { n: images, m, ho, wo, a } = g;
  const mg = m / a.groups;
  const acc = new Float64Array(ho * wo);
  for (let img = 0; img < images; img++) {
    for (let oc = group * mg; oc < (group + 1) * mg; oc++) {
      acc.fill(inputs.bias ? inputs.bias[oc]! : 0);
      directChannel(g, inputs, img, oc, acc);
      out.set(acc, (img * m + oc) * ho * wo);
    }
  }
}

/**
 * For each output a float64 sum starts at the bias and accumulates every product x·w of a tap
 * inside the input (each exact in float64, being a product of two float32s) in k = (ci, ky, kx)
 * order, then is rounded to float32 once. Per group either im2col + a register-blocked GEMM or, for
 * depthwise-like groups and the few inputs where a padded tap's w·0 could change a sum (see
 * gemmApplies), the direct loop over precomputed valid tap ranges; both give the same bits.
 */
function conv2dReference(node: NodeOf<'conv2d'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const a = node.attrs;
  const [xT, wT, bT] = inputs;
  const [n, c, h, w] = xT!.shape as [number, number, number, number];
  const [outShape] = inferConv(node, [xT!.shape]);
  const ho = outShape![2]!;
  const wo = outShape![3]!;
  const g: ConvGeometry = { n, c, h, w, m: a.outChannels, ho, wo, a };
  const ins: ConvInputs = {
    x: xT!.data,
    w: wT!.data,
    bias: bT?.data,
    rows: tapRanges(h, ho, a.kernel[0], a.stride[0], a.pads[0], a.dilation[0]),
    cols: tapRanges(w, wo, a.kernel[1], a.stride[1], a.pads[1], a.dilation[1]),
  };
  const out = new Float32Array(n * a.outChannels * ho * wo);
  for (let group = 0; group < a.groups; group++) {
    if (gemmApplies(g, ins, group)) convGroupGemm(g, ins, group, out);
    else convGroupDirect(g, ins, group, out);
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
