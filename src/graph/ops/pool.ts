/**
 * maxpool / avgpool over x [N, C, H, W] (ONNX semantics), and globalavgpool.
 *
 * Output length per axis: floor((H + pt + pb − k) / s) + 1, or with ceilMode
 * ceil((H + pt + pb − k) / s) + 1 reduced by one when the last window would start at or past
 * H + pt, i.e. entirely in the bottom/right padding (the rule ONNX and PyTorch share: the last
 * window must start inside the input or the top/left padding).
 *
 * avgpool divisor: with countIncludePad the window clipped to the padded input [−pt, H + pb) (cells
 * beyond it, which only ceil mode reaches, are never counted, as in PyTorch and onnxruntime);
 * without, the number of cells inside the input. Sums are taken in float64.
 */
import type { FloatTensor, NodeOf, PoolAttrs, Shape } from '../ir.js';
import {
  checkBoolean,
  checkInputCount,
  checkMinRank,
  checkPads,
  checkPositivePair,
  checkRank,
  problem,
  showShape,
  type OpProblem,
} from './check.js';
import { checkWindowFits } from './conv.js';
import { defineOp, rolesFrom } from './define.js';
import { product } from './tensor.js';

export function poolOutputSize(
  input: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
  ceilMode: boolean,
): number {
  const span = input + padBegin + padEnd - kernel;
  if (!ceilMode) return Math.floor(span / stride) + 1;
  const out = Math.ceil(span / stride) + 1;
  return (out - 1) * stride >= input + padBegin ? out - 1 : out;
}

function checkPoolAttrs(a: PoolAttrs): OpProblem[] {
  return [
    ...checkPositivePair('attrs.kernel', a.kernel),
    ...checkPositivePair('attrs.stride', a.stride),
    ...checkPads('attrs.pads', a.pads),
    ...checkBoolean('attrs.ceilMode', a.ceilMode),
    ...checkBoolean('attrs.countIncludePad', a.countIncludePad),
  ];
}

/** Each pad smaller than the kernel along its axis, so no window lies entirely in padding. */
function checkPadsBelowKernel(a: PoolAttrs): OpProblem[] {
  const [kh, kw] = a.kernel;
  const [pt, pl, pb, pr] = a.pads;
  if (pt < kh && pb < kh && pl < kw && pr < kw) return [];
  return [
    problem(
      'attrs.pads',
      showShape(a.pads),
      `each pad smaller than the kernel ${showShape(a.kernel)} along its axis`,
    ),
  ];
}

function checkPool(node: NodeOf<'maxpool' | 'avgpool'>, shapes: readonly Shape[]): OpProblem[] {
  const a = node.attrs;
  const attrs = checkPoolAttrs(a);
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  if (count.length > 0) return [...count, ...attrs];
  const rank = checkRank(0, 'x', shapes[0]!, 4);
  if (rank.length > 0 || attrs.length > 0) return [...attrs, ...rank];
  const pads = checkPadsBelowKernel(a);
  if (pads.length > 0) return pads;
  return checkWindowFits(a.kernel, [1, 1], shapes[0]!, a.pads);
}

function inferPool(node: NodeOf<'maxpool' | 'avgpool'>, shapes: readonly Shape[]): Shape[] {
  const a = node.attrs;
  const x = shapes[0]!;
  const ho = poolOutputSize(x[2]!, a.kernel[0], a.stride[0], a.pads[0], a.pads[2], a.ceilMode);
  const wo = poolOutputSize(x[3]!, a.kernel[1], a.stride[1], a.pads[1], a.pads[3], a.ceilMode);
  return [[x[0]!, x[1]!, ho, wo]];
}

/** One window along one axis: [lo, hi) inside the input, and its length clipped to the padded input. */
interface Span {
  readonly lo: number;
  readonly hi: number;
  readonly padded: number;
}

function windowSpans(
  size: number,
  outSize: number,
  kernel: number,
  stride: number,
  padBegin: number,
  padEnd: number,
): Span[] {
  const spans: Span[] = [];
  for (let o = 0; o < outSize; o++) {
    const start = o * stride - padBegin;
    const end = start + kernel;
    spans.push({
      lo: Math.max(start, 0),
      hi: Math.min(end, size),
      padded: Math.min(end, size + padEnd) - start,
    });
  }
  return spans;
}

type Reducer = (plane: Float32Array, base: number, w: number, rows: Span, cols: Span) => number;

const maxReducer: Reducer = (plane, base, w, rows, cols) => {
  let best = -Infinity;
  for (let y = rows.lo; y < rows.hi; y++) {
    for (let x = cols.lo; x < cols.hi; x++) {
      const v = plane[base + y * w + x]!;
      if (v > best || Number.isNaN(v)) best = v;
      if (Number.isNaN(best)) return NaN;
    }
  }
  return best;
};

function avgReducer(countIncludePad: boolean): Reducer {
  return (plane, base, w, rows, cols) => {
    let sum = 0;
    for (let y = rows.lo; y < rows.hi; y++) {
      for (let x = cols.lo; x < cols.hi; x++) sum += plane[base + y * w + x]!;
    }
    const divisor = countIncludePad ? rows.padded * cols.padded : (rows.hi - rows.lo) * (cols.hi - cols.lo);
    return sum / divisor;
  };
}

function poolReference(node: NodeOf<'maxpool' | 'avgpool'>, x: FloatTensor, reduce: Reducer): FloatTensor {
  const a = node.attrs;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const outShape = inferPool(node, [x.shape])[0]!;
  const ho = outShape[2]!;
  const wo = outShape[3]!;
  const rows = windowSpans(h, ho, a.kernel[0], a.stride[0], a.pads[0], a.pads[2]);
  const cols = windowSpans(w, wo, a.kernel[1], a.stride[1], a.pads[1], a.pads[3]);
  const out = new Float32Array(n * c * ho * wo);
  let o = 0;
  for (let p = 0; p < n * c; p++) {
    const base = p * h * w;
    for (const r of rows) for (const col of cols) out[o++] = reduce(x.data, base, w, r, col);
  }
  return { shape: outShape, data: out };
}

export const maxpoolOp = defineOp<'maxpool'>({
  op: 'maxpool',
  inputRole: rolesFrom(['x']),
  checkOp: checkPool,
  inferShapes: inferPool,
  reference: (node, inputs) => [poolReference(node, inputs[0]!, maxReducer)],
});

export const avgpoolOp = defineOp<'avgpool'>({
  op: 'avgpool',
  inputRole: rolesFrom(['x']),
  checkOp: checkPool,
  inferShapes: inferPool,
  reference: (node, inputs) => [poolReference(node, inputs[0]!, avgReducer(node.attrs.countIncludePad))],
});

// ---- globalavgpool -----------------------------------------------------------------------------

function checkGlobal(_node: NodeOf<'globalavgpool'>, shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  if (count.length > 0) return count;
  return checkMinRank(0, 'x', shapes[0]!, 3);
}

/** [N, C, spatial…] → [N, C, 1, …] (rank kept, as ONNX GlobalAveragePool). */
function inferGlobal(_node: NodeOf<'globalavgpool'>, shapes: readonly Shape[]): Shape[] {
  const x = shapes[0]!;
  return [x.map((d, i) => (i < 2 ? d : 1))];
}

function globalReference(node: NodeOf<'globalavgpool'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const x = inputs[0]!;
  const planes = x.shape[0]! * x.shape[1]!;
  const area = product(x.shape, 2);
  const out = new Float32Array(planes);
  for (let p = 0; p < planes; p++) {
    let sum = 0;
    for (let i = 0; i < area; i++) sum += x.data[p * area + i]!;
    out[p] = sum / area;
  }
  return [{ shape: inferGlobal(node, [x.shape])[0]!, data: out }];
}

export const globalavgpoolOp = defineOp({
  op: 'globalavgpool',
  inputRole: rolesFrom(['x']),
  checkOp: checkGlobal,
  inferShapes: inferGlobal,
  reference: globalReference,
});
