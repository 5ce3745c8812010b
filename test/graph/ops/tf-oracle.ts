/**
 * TensorFlow.js as an independent oracle for the reference kernels. tfjs is NHWC: tensors are
 * transposed on the way in and out. Ops tfjs lacks (groups, stride together with dilation,
 * asymmetric pads, ceil mode, pad-excluding averages) are composed from ops it has, following the
 * definitions, never from the code under test.
 */
import * as tf from '@tensorflow/tfjs';
import type { Conv2dAttrs, FloatTensor, PoolAttrs, Shape } from '../../../src/graph/ir.js';

let ready: Promise<void> | undefined;

/** Use the pure-JS cpu backend (float32, deterministic). */
export function tfReady(): Promise<void> {
  ready ??= tf.setBackend('cpu').then((ok) => {
    if (!ok) throw new Error('tfjs cpu backend unavailable');
  });
  return ready;
}

export function toTf(t: FloatTensor): tf.Tensor {
  return tf.tensor(t.data, [...t.shape], 'float32');
}

export async function fromTf(t: tf.Tensor): Promise<FloatTensor> {
  const data = (await t.data()) as Float32Array;
  return { shape: t.shape, data: Float32Array.from(data) };
}

const as4 = (x: tf.Tensor): tf.Tensor4D => x as tf.Tensor4D;
const pair = (p: readonly [number, number]): [number, number] => [p[0], p[1]];
const nhwc = (x: tf.Tensor): tf.Tensor4D => as4(tf.transpose(x, [0, 2, 3, 1]));
const nchw = (x: tf.Tensor): tf.Tensor4D => as4(tf.transpose(x, [0, 3, 1, 2]));

/** Output length of a stride-1 valid window of `extent` over `padded`, then sub-sampled by stride. */
function stridedRows(y: tf.Tensor4D, sh: number, sw: number): tf.Tensor4D {
  const [n, h, w, c] = y.shape;
  return as4(tf.stridedSlice(y, [0, 0, 0, 0], [n, h, w, c], [1, sh, sw, 1]));
}

/** conv2d by tfjs: explicit zero padding, per-group conv2d (stride 1, dilated), then sub-sampling. */
export async function tfConv2d(
  x: FloatTensor,
  w: FloatTensor,
  b: FloatTensor | undefined,
  a: Conv2dAttrs,
): Promise<FloatTensor> {
  await tfReady();
  const out = tf.tidy(() => {
    const [pt, pl, pb, pr] = a.pads;
    const xp = tf.pad(nhwc(toTf(x)), [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
    const filter = tf.transpose(toTf(w), [2, 3, 1, 0]) as tf.Tensor4D; // [kh, kw, C/g, M]
    const xs = tf.split(xp, a.groups, 3).map(as4);
    const fs = tf.split(filter, a.groups, 3).map(as4);
    const ys = xs.map((xg, g) => tf.conv2d(xg, fs[g]!, 1, 'valid', 'NHWC', pair(a.dilation)));
    let y = stridedRows(as4(tf.concat(ys, 3)), a.stride[0], a.stride[1]);
    if (b !== undefined) y = as4(tf.add(y, toTf(b)));
    return nchw(y);
  });
  return fromTf(out);
}

/** Depthwise conv2d (groups = C = M) through tfjs's own depthwiseConv2d kernel. */
export async function tfDepthwise(x: FloatTensor, w: FloatTensor, a: Conv2dAttrs): Promise<FloatTensor> {
  await tfReady();
  const out = tf.tidy(() => {
    const [pt, pl, pb, pr] = a.pads;
    const xp = tf.pad(nhwc(toTf(x)), [
      [0, 0],
      [pt, pb],
      [pl, pr],
      [0, 0],
    ]);
    const filter = tf.transpose(toTf(w), [2, 3, 0, 1]) as tf.Tensor4D; // [kh, kw, C, 1]
    const y = tf.depthwiseConv2d(xp, filter, 1, 'valid', 'NHWC', pair(a.dilation));
    return nchw(stridedRows(y, a.stride[0], a.stride[1]));
  });
  return fromTf(out);
}

/** Padded extents (including the ceil-mode overhang) for the given output size. */
function overhang(size: number, out: number, k: number, s: number, padBegin: number, padEnd: number): number {
  return Math.max(0, (out - 1) * s + k - (size + padBegin + padEnd));
}

/**
 * Pools by tfjs with `valid` windows over an explicitly padded input. Output sizes come from the
 * caller (hand-derived), so the ceil-mode overhang is padded explicitly. Averages are
 * Σ(values) / Σ(mask), where the mask is 1 on every cell the definition counts.
 */
export async function tfPool(
  kind: 'max' | 'avg',
  x: FloatTensor,
  a: PoolAttrs,
  outHW: readonly [number, number],
): Promise<FloatTensor> {
  await tfReady();
  const [, , h, w] = x.shape as [number, number, number, number];
  const [pt, pl, pb, pr] = a.pads;
  const eh = overhang(h, outHW[0], a.kernel[0], a.stride[0], pt, pb);
  const ew = overhang(w, outHW[1], a.kernel[1], a.stride[1], pl, pr);
  const out = tf.tidy(() => {
    const xt = nhwc(toTf(x));
    const padSpec = (extra: boolean): [number, number][] => [
      [0, 0],
      [pt, pb + (extra ? eh : 0)],
      [pl, pr + (extra ? ew : 0)],
      [0, 0],
    ];
    if (kind === 'max') {
      const xp = tf.pad(xt, padSpec(true), -3.4e38);
      return nchw(tf.maxPool(as4(xp), pair(a.kernel), pair(a.stride), 'valid'));
    }
    const sum = tf.avgPool(as4(tf.pad(xt, padSpec(true), 0)), pair(a.kernel), pair(a.stride), 'valid');
    const ones = tf.onesLike(xt);
    // counted cells: the input (and the explicit pads when countIncludePad), never the overhang
    const mask = a.countIncludePad
      ? tf.pad(tf.pad(ones, padSpec(false), 1), [
          [0, 0],
          [0, eh],
          [0, ew],
          [0, 0],
        ])
      : tf.pad(ones, padSpec(true), 0);
    const count = tf.avgPool(as4(mask), pair(a.kernel), pair(a.stride), 'valid');
    return nchw(tf.div(sum, count));
  });
  return fromTf(out);
}

/** Move `axis` last, apply f, move it back. */
function alongAxis(x: tf.Tensor, axis: number, f: (t: tf.Tensor) => tf.Tensor): tf.Tensor {
  const rank = x.shape.length;
  const ax = axis < 0 ? axis + rank : axis;
  const perm = [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== ax), ax];
  const inverse = perm.map((_, i) => perm.indexOf(i));
  return tf.transpose(f(tf.transpose(x, perm)), inverse);
}

export async function tfSoftmax(x: FloatTensor, axis: number): Promise<FloatTensor> {
  await tfReady();
  return fromTf(tf.tidy(() => alongAxis(toTf(x), axis, (t) => tf.softmax(t))));
}

/**
 * Batched matmul. tfjs's own batch broadcasting in matMul (cpu backend) gave wrong results for
 * [2,1,3,4] × [3,4,5], so batch dims are broadcast explicitly with broadcastTo and the product is
 * taken as a rank-3 batch.
 */
export async function tfMatMul(a: FloatTensor, b: FloatTensor, transB: boolean): Promise<FloatTensor> {
  await tfReady();
  const ab = a.shape.slice(0, -2);
  const bb = b.shape.slice(0, -2);
  const rank = Math.max(ab.length, bb.length);
  const pad = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const batch = pad(ab).map((d, i) => Math.max(d, pad(bb)[i]!));
  const count = batch.reduce((p, d) => p * d, 1);
  const out = tf.tidy(() => {
    const a3 = tf.reshape(tf.broadcastTo(toTf(a), [...batch, ...a.shape.slice(-2)]), [
      count,
      ...a.shape.slice(-2),
    ]);
    const b3 = tf.reshape(tf.broadcastTo(toTf(b), [...batch, ...b.shape.slice(-2)]), [
      count,
      ...b.shape.slice(-2),
    ]);
    const y = tf.matMul(a3, b3, false, transB);
    return tf.reshape(y, [...batch, ...y.shape.slice(-2)]);
  });
  return fromTf(out);
}

export async function tfDense(
  x: FloatTensor,
  w: FloatTensor,
  b: FloatTensor | undefined,
): Promise<FloatTensor> {
  await tfReady();
  const out = tf.tidy(() => {
    const k = x.shape[x.shape.length - 1]!;
    const x2 = tf.reshape(toTf(x), [-1, k]);
    let y: tf.Tensor = tf.matMul(x2, toTf(w));
    if (b !== undefined) y = tf.add(y, toTf(b));
    return tf.reshape(y, [...x.shape.slice(0, -1), w.shape[1]!]);
  });
  return fromTf(out);
}

export async function tfBatchNorm(
  x: FloatTensor,
  gamma: FloatTensor,
  beta: FloatTensor,
  mean: FloatTensor,
  variance: FloatTensor,
  eps: number,
): Promise<FloatTensor> {
  await tfReady();
  const out = tf.tidy(() =>
    nchw(tf.batchNorm(nhwc(toTf(x)), toTf(mean), toTf(variance), toTf(beta), toTf(gamma), eps)),
  );
  return fromTf(out);
}

/** Layer norm over the last `dims` dims from tf.moments. */
export async function tfLayerNorm(
  x: FloatTensor,
  gamma: FloatTensor,
  beta: FloatTensor,
  axis: number,
  eps: number,
): Promise<FloatTensor> {
  await tfReady();
  const out = tf.tidy(() => {
    const xt = toTf(x);
    const rank = x.shape.length;
    const axes = Array.from({ length: rank - axis }, (_, i) => axis + i);
    const { mean, variance } = tf.moments(xt, axes, true);
    const normalized = tf.div(tf.sub(xt, mean), tf.sqrt(tf.add(variance, eps)));
    return tf.add(
      tf.mul(normalized, tf.reshape(toTf(gamma), x.shape.slice(axis))),
      tf.reshape(toTf(beta), x.shape.slice(axis)),
    );
  });
  return fromTf(out);
}

/** tfjs erf-based GELU (tf.erf is the A&S 7.1.26 approximation: |error| ≤ 1.5e-7). */
export async function tfGelu(x: FloatTensor): Promise<FloatTensor> {
  await tfReady();
  return fromTf(
    tf.tidy(() => tf.mul(tf.mul(toTf(x), 0.5), tf.add(1, tf.erf(tf.mul(toTf(x), Math.SQRT1_2))))),
  );
}

/** TF LRN: x / (bias + alphaTf · Σ_{c−r..c+r} x²)^beta, with ONNX size = 2r + 1, alphaTf = alpha / size. */
export async function tfLrn(
  x: FloatTensor,
  size: number,
  alpha: number,
  beta: number,
  bias: number,
): Promise<FloatTensor> {
  await tfReady();
  const r = (size - 1) / 2;
  const out = tf.tidy(() => nchw(tf.localResponseNormalization(nhwc(toTf(x)), r, bias, alpha / size, beta)));
  return fromTf(out);
}

export async function tfSigmoid(x: FloatTensor): Promise<FloatTensor> {
  await tfReady();
  return fromTf(tf.tidy(() => tf.sigmoid(toTf(x))));
}

export async function tfBroadcast(op: 'add' | 'mul', a: FloatTensor, b: FloatTensor): Promise<FloatTensor> {
  await tfReady();
  return fromTf(tf.tidy(() => (op === 'add' ? tf.add(toTf(a), toTf(b)) : tf.mul(toTf(a), toTf(b)))));
}

export async function tfTranspose(x: FloatTensor, perm: readonly number[]): Promise<FloatTensor> {
  await tfReady();
  return fromTf(tf.tidy(() => tf.transpose(toTf(x), [...perm])));
}

export async function tfConcat(xs: readonly FloatTensor[], axis: number): Promise<FloatTensor> {
  await tfReady();
  return fromTf(tf.tidy(() => tf.concat(xs.map(toTf), axis)));
}

/** Largest |a − b| / (atol + rtol·|b|) over all elements; shapes must match. */
export function closeness(actual: FloatTensor, expected: FloatTensor, atol: number, rtol: number): number {
  if (actual.shape.join(',') !== expected.shape.join(','))
    throw new Error(`shape ${actual.shape.join(',')} vs ${expected.shape.join(',')}`);
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) {
    const e = expected.data[i]!;
    const d = Math.abs(actual.data[i]! - e) / (atol + rtol * Math.abs(e));
    if (!(d <= worst)) worst = d;
  }
  return worst;
}

export type { Shape };
