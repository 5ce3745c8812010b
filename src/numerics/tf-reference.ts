/**
 * The fp32 reference run through TensorFlow.js: executes an IR graph (NCHW) with tfjs ops on the
 * fastest backend that loads (numerics/tf-backend.ts), as an outside check of the float32
 * reference kernels (graph/analyze runReference) and the baseline that numerical error is measured
 * against.
 *
 * QuantSpecs are ignored: this is the unquantized network. Weights come from `data`, or when a
 * tensor has only `stored` values from (stored − zeroPoint) · scale, computed in float64 with the
 * scale rounded to float32 (as ONNX scales are) and the result rounded once to float32; per-tensor,
 * per-channel (`axis`, default 1) and per-block (`blockSize`) scales. `requantize` is the identity
 * by default (option `requantize: 'apply'` quantizes and dequantizes as runReference does);
 * `dequantize` is the identity (its input already holds real values).
 *
 * Layout: tfjs convolutions and pools are NHWC, so conv2d / maxpool / avgpool transpose their input
 * to NHWC and their output back. Pads are applied with tf.pad (−∞ for max pooling), ceil-mode pools
 * get extra bottom/right padding, average pools divide by the count of cells the IR counts, grouped
 * convolutions that are not depthwise are split per group, and a dilated conv with stride > 1 (which
 * tfjs refuses) runs at stride 1 and is subsampled. Every op of OP_TYPES runs; the switch over ops
 * is exhaustive, so a new op fails to compile here until it is added.
 *
 * Numerics: tfjs computes in float32 (products and sums rounded as it goes), where the reference
 * kernels accumulate in float64 and round once, so results agree to float32 accumulation error
 * (see the tests for the tolerance measured), not bit for bit.
 */
import type * as TF from '@tensorflow/tfjs';
import { dequantizeLinear, quantizeLinear } from '../formats/index.js';
import { analyzeGraph } from '../graph/analyze.js';
import {
  elementCount,
  type Conv2dAttrs,
  type FloatTensor,
  type Graph,
  type Node,
  type PoolAttrs,
  type QuantSpec,
  type Shape,
  type TensorInfo,
} from '../graph/ir.js';
import { effectivePerm, resolveReshape } from '../graph/ops/layout.js';
import { poolOutputSize } from '../graph/ops/pool.js';
import { InputError, type InputIssue } from '../units/errors.js';
import { loadTf } from './tf-backend.js';

type Tf = typeof TF;
type Tensor = TF.Tensor;
type T4 = TF.Tensor4D;

export interface TfReferenceOptions {
  /** 'outputs' (default): the graph outputs only; 'all': every graph input and node output too. */
  readonly keep?: 'all' | 'outputs';
  /** requantize nodes: 'skip' (default, the identity) or 'apply' (quantize and dequantize). */
  readonly requantize?: 'skip' | 'apply';
  /** Values of shape-only parameters (neither data nor stored), as runReference's `weights`. */
  readonly weights?: (tensor: TensorInfo) => FloatTensor;
}

// ---- parameters --------------------------------------------------------------------------------

function asList(v: number | readonly number[]): readonly number[] {
  return typeof v === 'number' ? [v] : v;
}

/** Index into the scale list of flat element i (ONNX granularity: tensor, axis, block). */
function scaleIndexer(shape: Shape, spec: QuantSpec, count: number): ((i: number) => number) | undefined {
  if (count === 1) return () => 0;
  const rank = shape.length;
  const axisRaw = spec.axis ?? 1;
  if (!Number.isInteger(axisRaw) || axisRaw < -rank || axisRaw >= rank) return undefined;
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  const dim = shape[axis]!;
  const inner = elementCount(shape.slice(axis + 1));
  const block = spec.blockSize ?? 0;
  if (block === 0) return count === dim ? (i) => Math.floor(i / inner) % dim : undefined;
  const blocks = Math.ceil(dim / block);
  if (count !== elementCount(shape.slice(0, axis)) * blocks * inner) return undefined;
  return (i) => {
    const r = i % inner;
    const t = (i - r) / inner;
    const a = t % dim;
    const o = (t - a) / dim;
    return (o * blocks + Math.floor(a / block)) * inner + r;
  };
}

/** (stored − zp) · scale, float64, rounded once to float32. */
export function dequantizeStored(info: TensorInfo): Float32Array {
  const spec = info.quant;
  const stored = info.stored!;
  const path = `tensors.${info.name}`;
  if (spec === undefined) {
    throw new InputError([
      { path: `${path}.quant`, value: '(missing)', expected: 'a QuantSpec for stored values' },
    ]);
  }
  if (stored.length !== elementCount(info.shape)) {
    throw new InputError([
      {
        path: `${path}.stored`,
        value: `${stored.length} values`,
        expected: `${elementCount(info.shape)} for shape [${info.shape.join(',')}]`,
      },
    ]);
  }
  const scales = asList(spec.scale).map((s) => Math.fround(s));
  const zps = asList(spec.zeroPoint);
  const index = scaleIndexer(info.shape, spec, scales.length);
  if (index === undefined || (zps.length !== 1 && zps.length !== scales.length)) {
    throw new InputError([
      {
        path: `${path}.quant`,
        value: `${scales.length} scales, ${zps.length} zero points, axis ${String(spec.axis ?? 1)}`,
        expected: `one scale (and zero point) per tensor, per index of the axis, or per block, for shape [${info.shape.join(',')}]`,
      },
    ]);
  }
  const out = new Float32Array(stored.length);
  for (let i = 0; i < stored.length; i++) {
    const p = index(i);
    out[i] = (stored[i]! - zps[zps.length === 1 ? 0 : p]!) * scales[p]!;
  }
  return out;
}

/** The float values of a parameter, or an issue. */
function paramValues(
  info: TensorInfo,
  weights: TfReferenceOptions['weights'],
  issues: InputIssue[],
): Float32Array | undefined {
  if (info.data !== undefined) return info.data;
  if (info.stored !== undefined) return dequantizeStored(info);
  if (weights !== undefined) {
    const t = weights(info);
    if (t.data.length === elementCount(info.shape) && t.shape.join(',') === info.shape.join(','))
      return t.data;
    issues.push({
      path: `weights(${info.name})`,
      value: `shape [${t.shape.join(',')}] with ${t.data.length} values`,
      expected: `shape [${info.shape.join(',')}]`,
    });
    return undefined;
  }
  issues.push({
    path: `tensors.${info.name}`,
    value: 'neither data nor stored values',
    expected: 'weight values (or options.weights to supply them)',
  });
  return undefined;
}

// ---- ops ---------------------------------------------------------------------------------------

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

function nhwc(tf: Tf, x: Tensor): T4 {
  return tf.transpose<T4>(x as T4, TO_NHWC);
}

function nchw(tf: Tf, y: Tensor): Tensor {
  return tf.transpose(y, TO_NCHW);
}

function conv2d(tf: Tf, a: Conv2dAttrs, x: Tensor, w: Tensor, b: Tensor | undefined): Tensor {
  const [pt, pl, pb, pr] = a.pads;
  let xh = nhwc(tf, x);
  if (pt + pl + pb + pr > 0)
    xh = tf.pad(xh, [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
  const c = x.shape[1]!;
  const m = a.outChannels;
  const g = a.groups;
  const [kh, kw] = a.kernel;
  const strided = a.stride[0] > 1 || a.stride[1] > 1;
  const dilated = a.dilation[0] > 1 || a.dilation[1] > 1;
  const stride: [number, number] = strided && dilated ? [1, 1] : [a.stride[0], a.stride[1]];
  const dilation: [number, number] = [a.dilation[0], a.dilation[1]];
  // IR weight [M, C/g, kh, kw] → HWIO [kh, kw, C/g, M]
  const hwio = tf.transpose<T4>(w as T4, [2, 3, 1, 0]);
  let y: T4;
  if (g === 1) y = tf.conv2d(xh, hwio, stride, 'valid', 'NHWC', dilation);
  else if (g === c) {
    // [kh, kw, 1, M] → [kh, kw, C, M / C]: output channel c·(M/C) + k, the IR's group order.
    const filter = tf.reshape<TF.Rank.R4>(hwio, [kh, kw, c, m / c]);
    y = tf.depthwiseConv2d(xh, filter, stride, 'valid', 'NHWC', dilation);
  } else {
    const xs = tf.split<T4>(xh, g, 3);
    const ws = tf.split<T4>(hwio, g, 3);
    y = tf.concat(
      xs.map((xi, i) => tf.conv2d(xi, ws[i]!, stride, 'valid', 'NHWC', dilation)),
      3,
    );
  }
  if (strided && dilated) {
    y = tf.stridedSlice(y, [0, 0, 0, 0], y.shape, [1, a.stride[0], a.stride[1], 1]) as T4;
  }
  if (b !== undefined) y = tf.add(y, b);
  return nchw(tf, y);
}

function pool(tf: Tf, a: PoolAttrs, x: Tensor, max: boolean): Tensor {
  const [, , h, w] = x.shape as [number, number, number, number];
  const [kh, kw] = a.kernel;
  const [sh, sw] = a.stride;
  const [pt, pl, pb, pr] = a.pads;
  const ho = poolOutputSize(h, kh, sh, pt, pb, a.ceilMode);
  const wo = poolOutputSize(w, kw, sw, pl, pr, a.ceilMode);
  // Extra bottom/right cells so that a floor-mode 'valid' pool gives the ceil-mode size.
  const eb = Math.max(0, (ho - 1) * sh + kh - (h + pt + pb));
  const er = Math.max(0, (wo - 1) * sw + kw - (w + pl + pr));
  const padding: [number, number][] = [
    [0, 0],
    [pt, pb + eb],
    [pl, pr + er],
    [0, 0],
  ];
  const xh = tf.pad(nhwc(tf, x), padding, max ? -Infinity : 0);
  const crop = (t: T4): T4 => tf.slice(t, [0, 0, 0, 0], [t.shape[0], ho, wo, t.shape[3]]);
  if (max) return nchw(tf, crop(tf.maxPool(xh, [kh, kw], [sh, sw], 'valid')));
  // Sum over the window / number of counted cells, both as averages over the full window.
  const counted = a.countIncludePad
    ? tf.pad(tf.ones([1, h + pt + pb, w + pl + pr, 1]), [
        [0, 0],
        [0, eb],
        [0, er],
        [0, 0],
      ])
    : tf.pad(tf.ones([1, h, w, 1]), padding);
  const sums = crop(tf.avgPool(xh, [kh, kw], [sh, sw], 'valid'));
  const counts = crop(tf.avgPool(counted as T4, [kh, kw], [sh, sw], 'valid'));
  return nchw(tf, tf.div(sums, counts));
}

/** Parameter of length C shaped to broadcast along axis 1 of a rank-r tensor. */
function perChannel(tf: Tf, p: Tensor, rank: number): Tensor {
  const shape = new Array<number>(rank).fill(1);
  shape[1] = p.size;
  return tf.reshape(p, shape);
}

function softmax(tf: Tf, x: Tensor, axisRaw: number): Tensor {
  const rank = x.rank;
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  if (axis === rank - 1) return tf.softmax(x);
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[axis] = rank - 1;
  perm[rank - 1] = axis;
  return tf.transpose(tf.softmax(tf.transpose(x, perm)), perm);
}

function layerNorm(
  tf: Tf,
  x: Tensor,
  gamma: Tensor,
  beta: Tensor | undefined,
  axisRaw: number,
  eps: number,
): Tensor {
  const rank = x.rank;
  const axis = axisRaw < 0 ? axisRaw + rank : axisRaw;
  const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
  const normalized = x.shape.slice(axis);
  const mean = tf.mean(x, axes, true);
  const centred = tf.sub(x, mean);
  const variance = tf.mean(tf.square(centred), axes, true);
  let y = tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, eps))), tf.reshape(gamma, normalized));
  if (beta !== undefined) y = tf.add(y, tf.reshape(beta, normalized));
  return y;
}

/** ONNX LRN across axis 1: x / (bias + alpha/size · Σ x² over the window)^beta. */
function lrn(tf: Tf, x: Tensor, size: number, alpha: number, beta: number, bias: number): Tensor {
  const c = x.shape[1]!;
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const padding = x.shape.map((): [number, number] => [0, 0]);
  padding[1] = [before, after];
  const sq = tf.pad(tf.square(x), padding);
  const begin = x.shape.map(() => 0);
  let sum: Tensor | undefined;
  for (let j = 0; j < size; j++) {
    begin[1] = j;
    const part = tf.slice(sq, begin, [...x.shape.slice(0, 1), c, ...x.shape.slice(2)]);
    sum = sum === undefined ? part : tf.add(sum, part);
  }
  return tf.div(x, tf.pow(tf.add(tf.mul(sum!, alpha / size), bias), beta));
}

function requantizeApply(tf: Tf, x: Tensor, spec: QuantSpec): Tensor {
  const data = x.dataSync() as Float32Array;
  const codes = quantizeLinear(data, x.shape, spec);
  return tf.tensor(dequantizeLinear(codes, x.shape, spec), x.shape, 'float32');
}

function unreachable(node: never): never {
  throw new Error(`op ${(node as Node).op} has no TensorFlow.js kernel here`);
}

/** One node: its output tensor (every op has one output). */
function runNode(
  tf: Tf,
  node: Node,
  args: readonly Tensor[],
  opts: TfReferenceOptions,
  outShape: Shape,
): Tensor {
  const x = args[0]!;
  switch (node.op) {
    case 'conv2d':
      return conv2d(tf, node.attrs, x, args[1]!, args[2]);
    case 'dense': {
      const k = x.shape[x.rank - 1]!;
      let y: Tensor = tf.matMul(tf.reshape<TF.Rank.R2>(x, [-1, k]), args[1]!);
      if (args[2] !== undefined) y = tf.add(y, args[2]);
      return tf.reshape(y, outShape as number[]);
    }
    case 'matmul':
      return tf.matMul(x, args[1]!, false, node.attrs.transB);
    case 'maxpool':
      return pool(tf, node.attrs, x, true);
    case 'avgpool':
      return pool(tf, node.attrs, x, false);
    case 'globalavgpool':
      return tf.mean(
        x,
        Array.from({ length: x.rank - 2 }, (_, i) => i + 2),
        true,
      );
    case 'add':
      return args.slice(1).reduce((acc, t) => tf.add(acc, t), x);
    case 'mul':
      return args.slice(1).reduce((acc, t) => tf.mul(acc, t), x);
    case 'concat':
      return tf.concat(args as Tensor[], node.attrs.axis < 0 ? node.attrs.axis + x.rank : node.attrs.axis);
    case 'relu':
      return tf.relu(x);
    case 'relu6':
      return tf.relu6(x);
    case 'clip':
      return tf.minimum(tf.maximum(x, node.attrs.min), node.attrs.max);
    case 'gelu':
      return tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'softmax':
      return softmax(tf, x, node.attrs.axis);
    case 'batchnorm': {
      const [, gamma, beta, mean, variance] = args as [Tensor, Tensor, Tensor, Tensor, Tensor];
      const r = x.rank;
      const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, node.attrs.epsilon)));
      return tf.add(
        tf.mul(tf.sub(x, perChannel(tf, mean, r)), perChannel(tf, scale, r)),
        perChannel(tf, beta, r),
      );
    }
    case 'layernorm':
      return layerNorm(tf, x, args[1]!, args[2], node.attrs.axis, node.attrs.epsilon);
    case 'lrn':
      return lrn(tf, x, node.attrs.size, node.attrs.alpha, node.attrs.beta, node.attrs.bias);
    case 'reshape':
      return tf.reshape(x, resolveReshape(x.shape, node.attrs.shape) as number[]);
    case 'flatten':
      return tf.reshape(x, outShape as number[]);
    case 'transpose':
      return tf.transpose(x, effectivePerm(node.attrs.perm, x.rank));
    case 'requantize':
      return opts.requantize === 'apply' ? requantizeApply(tf, x, node.attrs.to) : tf.clone(x);
    case 'dequantize':
      return tf.clone(x);
    default:
      return unreachable(node);
  }
}

// ---- the run -----------------------------------------------------------------------------------

/**
 * Execute `graph` with TensorFlow.js. `inputs` holds one Float32Array per graph input (row-major,
 * the input's declared shape). Returns the graph outputs, or with keep 'all' every graph input and
 * node output, by tensor name. Bad inputs and missing weight values throw one InputError.
 */
export async function runTfReference(
  graph: Graph,
  inputs: ReadonlyMap<string, Float32Array>,
  opts: TfReferenceOptions = {},
): Promise<Map<string, Float32Array>> {
  const analysis = analyzeGraph(graph);
  const keepAll = opts.keep === 'all';
  const issues: InputIssue[] = [];
  for (const name of graph.inputs) {
    const want = elementCount(analysis.shapes.get(name)!);
    const got = inputs.get(name);
    if (got === undefined)
      issues.push({ path: `inputs.${name}`, value: '(missing)', expected: `${want} float32 values` });
    else if (got.length !== want)
      issues.push({ path: `inputs.${name}`, value: `${got.length} values`, expected: `${want} values` });
  }
  if (issues.length > 0) throw new InputError(issues);
  // Parameters (and declared non-graph inputs), resolved before anything runs.
  const produced = new Set(graph.nodes.flatMap((n) => n.outputs));
  const params = new Map<string, Float32Array>();
  for (const node of graph.nodes) {
    for (const name of node.inputs) {
      if (params.has(name) || produced.has(name) || graph.inputs.includes(name)) continue;
      const info = graph.tensors.get(name)!;
      const values = paramValues(info, opts.weights, issues);
      if (values !== undefined) params.set(name, values);
    }
  }
  if (issues.length > 0) throw new InputError(issues);

  const { tf } = await loadTf();
  const outputs = new Set(graph.outputs);
  const uses = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  const live = new Map<string, Tensor>();
  const result = new Map<string, Float32Array>();
  const record = (name: string, t: Tensor): void => {
    if (keepAll || outputs.has(name)) result.set(name, Float32Array.from(t.dataSync() as Float32Array));
  };
  try {
    for (const name of graph.inputs) {
      const t = tf.tensor(inputs.get(name)!, analysis.shapes.get(name)! as number[], 'float32');
      live.set(name, t);
      record(name, t);
    }
    for (const [name, values] of params) {
      const info = graph.tensors.get(name)!;
      live.set(name, tf.tensor(values, info.shape as number[], 'float32'));
    }
    for (const node of graph.nodes) {
      const outShape = analysis.shapes.get(node.outputs[0]!)!;
      const args = node.inputs.map((i) => live.get(i)!);
      const y = tf.tidy(() => runNode(tf, node, args, opts, outShape));
      const name = node.outputs[0]!;
      live.set(name, y);
      record(name, y);
      for (const i of node.inputs) {
        const left = uses.get(i)! - 1;
        uses.set(i, left);
        if (left === 0) {
          live.get(i)?.dispose();
          live.delete(i);
        }
      }
      if (!uses.has(name)) {
        y.dispose();
        live.delete(name);
      }
    }
  } finally {
    for (const t of live.values()) t.dispose();
  }
  return result;
}
