/**
 * Quantized MAC ops (conv2d, dense, matmul) in the integer / accumulator domain.
 *
 * Operands: each element enters the MAC as (stored − zeroPoint) / unit (spec.ts operandUnit: the
 * integer a MAC unit multiplies for integer-like formats, the value itself for floating ones);
 * padding is 0 in that domain (ONNX ConvInteger / QLinearConv pad the centred input with zeros).
 * Scales: the activation (first operand) per tensor; the weight (second operand) per tensor or per
 * output channel (conv axis 0, dense axis 1, matmul its N axis); zero points follow their scales.
 *
 * Per output channel n the accumulator stands for real = acc · S_n · u_x · u_w, S_n = s_x · s_w[n]
 * rounded to the scale type. The bias, if any, is put into that domain (bias codes as they are when
 * the bias scale is S_n to within 1e-3, the ONNX convention; otherwise its real value / S_n, rounded
 * to an integer for integer accumulators) and is the accumulator's starting value.
 *
 * Output: with no QuantSpec, real = fp32(acc · S_n · u_x · u_w). With an int / fixed-point spec, the
 * requantization of requant.ts with M_n = S_n / s_y (in the scale type; fixed-point mode forms it in
 * float64). With any other format (minifloat, posit, binary, ternary, pow2), QuantizeLinear of the
 * real value above.
 */
import { macArithmetic, type MacArithmetic } from '../formats/arith.js';
import { parseFormat } from '../formats/index.js';
import { elementCount, type Node, type NodeOf, type QuantSpec, type Shape } from '../graph/ir.js';
import { broadcastOffsets, broadcastStrides } from '../graph/ops/tensor.js';
import { InputError } from '../units/errors.js';
import { accumulate, maxAbs, maxRowAbsSum, type Accumulator, type GemmOperands } from './gemm.js';
import { outputGrid, requantizer, scaler } from './requant.js';
import {
  isIntegerLike,
  isUniformGrid,
  operandUnit,
  quantizeReal,
  resolveSpec,
  scaleRounder,
  type ResolvedSpec,
} from './spec.js';
import type { LayerArithmetic } from './types.js';
import { floatValue, isQuantized, quantValue, type QuantValue, type Value } from './value.js';

export type MacNode = NodeOf<'conv2d'> | NodeOf<'dense'> | NodeOf<'matmul'>;

export function isMacNode(node: Node): node is MacNode {
  return node.op === 'conv2d' || node.op === 'dense' || node.op === 'matmul';
}

/** Both operands quantized: the node runs in the integer / accumulator domain. */
export function runsQuantized(inputs: readonly Value[]): boolean {
  return isQuantized(inputs[0]!) && isQuantized(inputs[1]!);
}

function unsupported(node: MacNode, path: string, value: string, expected: string): InputError {
  return new InputError([{ path: `nodes.${node.name}.${path}`, value, expected }]);
}

/** (stored − zp) / unit for every element. */
function centred(v: QuantValue, r: ResolvedSpec): Float64Array {
  const unit = operandUnit(r.fmt);
  const out = new Float64Array(v.stored.length);
  const { zeroPoints, paramOf } = r;
  if (zeroPoints.every((z) => z === zeroPoints[0])) {
    const zp = zeroPoints[0]!;
    for (let i = 0; i < out.length; i++) out[i] = (v.stored[i]! - zp) / unit;
  } else {
    for (let i = 0; i < out.length; i++) out[i] = (v.stored[i]! - zeroPoints[paramOf(i)]!) / unit;
  }
  return out;
}

/** The weight's output-channel axis for this op (its N axis). */
function weightChannelAxis(node: MacNode, rank: number): number {
  if (node.op === 'conv2d') return 0;
  if (node.op === 'dense') return 1;
  return node.attrs.transB ? rank - 2 : rank - 1;
}

function checkGranularity(node: MacNode, x: ResolvedSpec, w: ResolvedSpec, wRank: number): void {
  if (x.axis !== undefined) {
    throw unsupported(
      node,
      'inputs[0].quant.scale',
      `${x.scales.length} scales`,
      'one scale (per tensor) for the activation operand',
    );
  }
  const axis = weightChannelAxis(node, wRank);
  if (w.blocked || (w.axis !== undefined && w.axis !== axis)) {
    throw unsupported(
      node,
      'inputs[1].quant',
      w.blocked ? 'blocked scales' : `scales along axis ${w.axis}`,
      `one scale, or one per output channel (axis ${axis}); scales along k cannot share an accumulator`,
    );
  }
}

/** The accumulator format and arithmetic of a layer. */
export function layerAccumulator(
  node: MacNode,
  la: LayerArithmetic,
  x: ResolvedSpec,
  w: ResolvedSpec,
): Accumulator {
  const name = la.accumulator ?? (isIntegerLike(x.fmt) && isIntegerLike(w.fmt) ? 'int32' : 'fp32');
  const format = parseFormat(name, `nodes.${node.name}.accumulator`);
  let arithmetic: MacArithmetic;
  try {
    arithmetic = macArithmetic(format.name, la.overflow ?? 'wrap');
  } catch (e) {
    if (e instanceof RangeError)
      throw unsupported(node, 'accumulator', format.name, 'a signed integer or floating format');
    throw e;
  }
  const rows = la.partialSumRows ?? 0;
  if (!Number.isInteger(rows) || rows < 0) {
    throw unsupported(node, 'partialSumRows', String(rows), 'a non-negative integer');
  }
  return { arithmetic, format, partialSumRows: rows };
}

interface Scales {
  /** S_n = s_x · s_w[n] in the scale type, per output channel. */
  readonly product: Float64Array;
  /** u_x · u_w: the accumulator counts units of this (a power of two). */
  readonly units: number;
}

function layerScales(x: ResolvedSpec, w: ResolvedSpec, channels: number): Scales {
  const round = scaleRounder(x.spec.scaleType);
  const sx = x.scales[0]!;
  const product = new Float64Array(channels);
  for (let n = 0; n < channels; n++) product[n] = round(sx * w.scales[w.scales.length === 1 ? 0 : n]!);
  return { product, units: operandUnit(x.fmt) * operandUnit(w.fmt) };
}

const BIAS_SCALE_TOLERANCE = 1e-3;

/** The bias in the accumulator domain, rounded into the accumulator (its starting value). */
function biasInit(bias: Value | undefined, scales: Scales, acc: Accumulator): Float64Array | undefined {
  if (bias === undefined) return undefined;
  const n = scales.product.length;
  const init = new Float64Array(n);
  const integer = acc.format.kind === 'int';
  let value: (c: number) => number;
  if (isQuantized(bias)) {
    const r = resolveSpec(bias.quant, bias.shape);
    value = (c) => {
      const p = r.paramOf(c);
      const codes = bias.stored[c]! - r.zeroPoints[p]!;
      const ratio = r.scales[p]! / scales.product[c]!;
      const same = Math.abs(ratio - 1) <= BIAS_SCALE_TOLERANCE;
      return (same ? codes : codes * ratio) / scales.units;
    };
  } else {
    const real = bias.real();
    value = (c) => real[c]! / scales.product[c]! / scales.units;
  }
  for (let c = 0; c < n; c++) {
    const v = value(c);
    init[c] = acc.arithmetic.add(0, integer ? roundHalfEven(v) : v);
  }
  return init;
}

function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

// ---- lowering to GEMMs -------------------------------------------------------------------------

/** A weight as GEMM B operands: one N×K matrix per group (conv) or one (dense), with bounds. */
interface PreparedWeights {
  readonly matrices: readonly Float64Array[];
  /** max_n Σ_k |b[n,k]| of each matrix. */
  readonly rowAbsSums: readonly number[];
}

/**
 * Prepared weights, memoized per stored array (stored values are never mutated in place) and per
 * layout, so a network run again (the next input, another arithmetic) skips centring and
 * reordering its weights.
 */
const preparedCache = new WeakMap<Float64Array, Map<string, PreparedWeights>>();

function prepareWeights(
  wv: QuantValue,
  w: ResolvedSpec,
  layout: string,
  rows: number,
  build: (wc: Float64Array) => Float64Array[],
): PreparedWeights {
  const key = `${layout}|${w.fmt.name}|${w.axis ?? ''}|${Array.from(w.zeroPoints).join(',')}`;
  let byLayout = preparedCache.get(wv.stored);
  if (byLayout === undefined) {
    byLayout = new Map();
    preparedCache.set(wv.stored, byLayout);
  }
  let p = byLayout.get(key);
  if (p === undefined) {
    const matrices = build(centred(wv, w));
    p = { matrices, rowAbsSums: matrices.map((b) => maxRowAbsSum(b, rows, b.length / rows)) };
    byLayout.set(key, p);
  }
  return p;
}

function convWeights(node: NodeOf<'conv2d'>, wv: QuantValue, w: ResolvedSpec): PreparedWeights {
  const [cout, cg, kh, kw] = wv.shape as [number, number, number, number];
  const G = node.attrs.groups;
  const N = cout / G;
  return prepareWeights(wv, w, `conv ${G} ${kh}x${kw}`, N, (wc) =>
    Array.from({ length: G }, (_, g) => groupWeights(wc, g, N, cg, kh, kw)),
  );
}

/** Accumulators of a conv, NCHW: per image and group an im2col GEMM with k = (ky, kx, c). */
function convAccumulators(
  node: NodeOf<'conv2d'>,
  xc: Float64Array,
  xShape: Shape,
  weights: PreparedWeights,
  outShape: Shape,
  init: Float64Array | undefined,
  acc: Accumulator,
): Float64Array {
  const [batch, C, H, W] = xShape as [number, number, number, number];
  const Cout = outShape[1]!;
  const Ho = outShape[2]!;
  const Wo = outShape[3]!;
  const a = node.attrs;
  const [kh, kw] = a.kernel;
  const G = a.groups;
  const Cg = C / G;
  const N = Cout / G;
  const K = kh * kw * Cg;
  const M = Ho * Wo;
  const out = new Float64Array(elementCount(outShape));
  const cols = new Float64Array(M * K);
  const nhwc = new Float64Array(H * W * C);
  const aMaxAbs = maxAbs(xc); // padding adds zeros only
  for (let img = 0; img < batch; img++) {
    toNhwc(xc, img, C, H * W, nhwc);
    for (let g = 0; g < G; g++) {
      im2col(nhwc, node, { H, W, C, Ho, Wo, Cg, g }, cols);
      const ops: GemmOperands = {
        a: cols,
        b: weights.matrices[g]!,
        m: M,
        n: N,
        k: K,
        aMaxAbs,
        bRowAbsSum: weights.rowAbsSums[g]!,
      };
      const groupInit = init?.subarray(g * N, (g + 1) * N);
      accumulate(ops, groupInit, acc, { out, offset: (img * Cout + g * N) * M, strideM: 1, strideN: M });
    }
  }
  return out;
}

function toNhwc(x: Float64Array, img: number, C: number, HW: number, out: Float64Array): void {
  const base = img * C * HW;
  for (let c = 0; c < C; c++) {
    const src = base + c * HW;
    for (let p = 0; p < HW; p++) out[p * C + c] = x[src + p]!;
  }
}

/** Weights of group g as [N, K] rows, k = (ky, kx, c) (IR weights are [Cout, Cg, kh, kw]). */
function groupWeights(
  wc: Float64Array,
  g: number,
  N: number,
  Cg: number,
  kh: number,
  kw: number,
): Float64Array {
  const K = kh * kw * Cg;
  const b = new Float64Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < Cg; c++) {
      for (let ky = 0; ky < kh; ky++) {
        for (let kx = 0; kx < kw; kx++) {
          b[n * K + (ky * kw + kx) * Cg + c] = wc[(((g * N + n) * Cg + c) * kh + ky) * kw + kx]!;
        }
      }
    }
  }
  return b;
}

interface ImageGeometry {
  readonly H: number;
  readonly W: number;
  readonly C: number;
  readonly Ho: number;
  readonly Wo: number;
  readonly Cg: number;
  readonly g: number;
}

/** Row m = oy·Wo + ox of the im2col matrix holds the window of output pixel m, zeros where padded. */
function im2col(nhwc: Float64Array, node: NodeOf<'conv2d'>, geo: ImageGeometry, cols: Float64Array): void {
  const { H, W, C, Ho, Wo, Cg, g } = geo;
  const a = node.attrs;
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [dh, dw] = a.dilation;
  const pt = a.pads[0];
  const pl = a.pads[1];
  const K = kh * kw * Cg;
  const c0 = g * Cg;
  for (let oy = 0; oy < Ho; oy++) {
    for (let ox = 0; ox < Wo; ox++) {
      const row = (oy * Wo + ox) * K;
      for (let ky = 0; ky < kh; ky++) {
        const iy = oy * sh - pt + ky * dh;
        for (let kx = 0; kx < kw; kx++) {
          const ix = ox * sw - pl + kx * dw;
          const dst = row + (ky * kw + kx) * Cg;
          if (iy < 0 || iy >= H || ix < 0 || ix >= W) {
            cols.fill(0, dst, dst + Cg);
          } else {
            const src = (iy * W + ix) * C + c0;
            for (let c = 0; c < Cg; c++) cols[dst + c] = nhwc[src + c]!;
          }
        }
      }
    }
  }
}

/** [rows, cols] row-major → [cols, rows]. */
function transpose2d(x: Float64Array, offset: number, rows: number, cols: number): Float64Array {
  const t = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) t[c * rows + r] = x[offset + r * cols + c]!;
  return t;
}

function denseAccumulators(
  xc: Float64Array,
  weights: PreparedWeights,
  units: number,
  init: Float64Array | undefined,
  acc: Accumulator,
): Float64Array {
  const b = weights.matrices[0]!;
  const K = b.length / units;
  const M = xc.length / K;
  const out = new Float64Array(M * units);
  const g: GemmOperands = { a: xc, b, m: M, n: units, k: K, bRowAbsSum: weights.rowAbsSums[0]! };
  accumulate(g, init, acc, { out, offset: 0, strideM: units, strideN: 1 });
  return out;
}

function matmulAccumulators(
  node: NodeOf<'matmul'>,
  ac: Float64Array,
  aShape: Shape,
  bc: Float64Array,
  bShape: Shape,
  outShape: Shape,
  acc: Accumulator,
): Float64Array {
  const transB = node.attrs.transB;
  const M = aShape[aShape.length - 2]!;
  const K = aShape[aShape.length - 1]!;
  const N = outShape[outShape.length - 1]!;
  const batch = outShape.slice(0, -2);
  const [aOff, bOff] = broadcastOffsets(batch, [
    broadcastStrides(aShape.slice(0, -2), batch),
    broadcastStrides(bShape.slice(0, -2), batch),
  ]);
  const out = new Float64Array(elementCount(outShape));
  const bMats = new Map<number, Float64Array>();
  for (let t = 0; t < aOff!.length; t++) {
    const ao = aOff![t]! * M * K;
    const bo = bOff![t]! * K * N;
    let b = bMats.get(bo);
    if (b === undefined) {
      b = transB ? bc.slice(bo, bo + N * K) : transpose2d(bc, bo, K, N);
      bMats.set(bo, b);
    }
    const a = ac.subarray(ao, ao + M * K);
    accumulate({ a, b, m: M, n: N, k: K }, undefined, acc, {
      out,
      offset: t * M * N,
      strideM: N,
      strideN: 1,
    });
  }
  return out;
}

// ---- output ------------------------------------------------------------------------------------

/** Output elements come in runs of `inner` with the same channel, channels cycling 0 … C−1. */
interface ChannelRuns {
  readonly channels: number;
  readonly inner: number;
}

function channelRuns(node: MacNode, outShape: Shape): ChannelRuns {
  if (node.op === 'conv2d') return { channels: outShape[1]!, inner: outShape[2]! * outShape[3]! };
  return { channels: outShape[outShape.length - 1]!, inner: 1 };
}

/** out[i] = f_c(accs[i]) where c is element i's output channel. */
function mapByChannel<T>(
  accs: Float64Array,
  runs: ChannelRuns,
  perChannel: readonly T[],
  apply: (f: T, acc: number) => number,
  out: Float64Array | Float32Array,
): void {
  const { channels, inner } = runs;
  for (let base = 0, c = 0; base < accs.length; base += inner, c = c + 1 === channels ? 0 : c + 1) {
    const f = perChannel[c]!;
    for (let i = base; i < base + inner; i++) out[i] = apply(f, accs[i]!);
  }
}

function realOutput(accs: Float64Array, runs: ChannelRuns, scales: Scales): Float32Array {
  const real = new Float32Array(accs.length);
  const factors = Array.from(scales.product, (s) => s * scales.units);
  mapByChannel(accs, runs, factors, (f, acc) => acc * f, real);
  return real;
}

function requantOutput(
  node: MacNode,
  accs: Float64Array,
  outShape: Shape,
  spec: QuantSpec,
  scales: Scales,
  x: ResolvedSpec,
  w: ResolvedSpec,
  la: LayerArithmetic,
): Value {
  const runs = channelRuns(node, outShape);
  const y = resolveSpec(spec, outShape, `nodes.${node.name}.output.quant`);
  if (!isUniformGrid(y.fmt)) {
    const real = realOutput(accs, runs, scales);
    return quantValue(outShape, spec, quantizeReal(real, outShape, spec));
  }
  const channelAxis = node.op === 'conv2d' ? 1 : outShape.length - 1;
  if (y.blocked || (y.axis !== undefined && y.axis !== channelAxis)) {
    throw unsupported(
      node,
      'output.quant',
      'scales along another axis',
      `one scale, or one per output channel (axis ${channelAxis})`,
    );
  }
  const rq = requantizer(la.requant, spec.rounding);
  const grid = outputGrid(y.fmt, spec.narrow);
  const round = scaleRounder(x.spec.scaleType);
  const channels = scales.product.length;
  const perChannel = Array.from({ length: channels }, (_, n) => {
    const p = y.scales.length === 1 ? 0 : n;
    const sy = y.scales[p]!;
    const m =
      rq.mode === 'float'
        ? round(scales.product[n]! / sy)
        : (x.scales[0]! * w.scales[w.scales.length === 1 ? 0 : n]!) / sy;
    return scaler(rq, (m * scales.units) / grid.step, y.zeroPoints[p]! / grid.step, grid);
  });
  const stored = new Float64Array(accs.length);
  const step = grid.step;
  mapByChannel(accs, runs, perChannel, (f, acc) => f(acc) * step, stored);
  return quantValue(outShape, spec, stored);
}

/** Run a MAC node whose two operands are quantized. */
export function runQuantizedMac(
  node: MacNode,
  inputs: readonly Value[],
  outShape: Shape,
  outSpec: QuantSpec | undefined,
  la: LayerArithmetic,
): Value {
  const xv = inputs[0] as QuantValue;
  const wv = inputs[1] as QuantValue;
  const x = resolveSpec(xv.quant, xv.shape, `nodes.${node.name}.inputs[0].quant`);
  const w = resolveSpec(wv.quant, wv.shape, `nodes.${node.name}.inputs[1].quant`);
  checkGranularity(node, x, w, wv.shape.length);
  const acc = layerAccumulator(node, la, x, w);
  const channels = outShape[node.op === 'conv2d' ? 1 : outShape.length - 1]!;
  const scales = layerScales(x, w, channels);
  const xc = centred(xv, x);
  const init = biasInit(inputs[2], scales, acc);
  let accs: Float64Array;
  if (node.op === 'conv2d') {
    accs = convAccumulators(node, xc, xv.shape, convWeights(node, wv, w), outShape, init, acc);
  } else if (node.op === 'dense') {
    const units = node.attrs.units;
    const weights = prepareWeights(wv, w, 'dense', units, (wc) => [
      transpose2d(wc, 0, wc.length / units, units),
    ]);
    accs = denseAccumulators(xc, weights, units, init, acc);
  } else {
    accs = matmulAccumulators(node, xc, xv.shape, centred(wv, w), wv.shape, outShape, acc);
  }
  if (outSpec === undefined)
    return floatValue(outShape, realOutput(accs, channelRuns(node, outShape), scales));
  return requantOutput(node, accs, outShape, outSpec, scales, x, w, la);
}
