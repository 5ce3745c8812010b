/**
 * softmax (one axis, ONNX opset ≥ 13), batchnorm (inference form), layernorm (over dims axis…last)
 * and lrn (ONNX LRN: across channels). Reductions are carried out in float64 and every output is
 * rounded once to float32.
 */
import type { FloatTensor, LrnAttrs, NodeOf, Shape } from '../ir.js';
import {
  checkAxis,
  checkFinite,
  checkInputCount,
  checkMinRank,
  checkPositiveInt,
  checkShapeEquals,
  inputPath,
  isFiniteNumber,
  normalizeAxis,
  problem,
  sameShape,
  showAttr,
  showShape,
  type OpProblem,
} from './check.js';
import { defineOp, rolesFrom } from './define.js';
import { product } from './tensor.js';

const sameAsFirst = (_node: unknown, shapes: readonly Shape[]): Shape[] => [[...shapes[0]!]];

function checkEpsilon(v: unknown): OpProblem[] {
  return isFiniteNumber(v) && v >= 0 ? [] : [problem('attrs.epsilon', showAttr(v), 'a finite number ≥ 0')];
}

// ---- softmax -----------------------------------------------------------------------------------

function checkSoftmax(node: NodeOf<'softmax'>, shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  if (count.length > 0) return count;
  const rank = checkMinRank(0, 'x', shapes[0]!, 1);
  if (rank.length > 0) return rank;
  return checkAxis('attrs.axis', node.attrs.axis, shapes[0]!.length);
}

/** Softmax along one axis: exp(x − max) / Σ exp(x − max). */
function softmaxReference(node: NodeOf<'softmax'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const x = inputs[0]!;
  const axis = normalizeAxis(node.attrs.axis, x.shape.length);
  const len = x.shape[axis]!;
  const inner = product(x.shape, axis + 1);
  const outer = product(x.shape, 0, axis);
  const out = new Float32Array(x.data.length);
  const buf = new Float64Array(len);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let max = -Infinity;
      for (let j = 0; j < len; j++) max = Math.max(max, x.data[base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < len; j++) {
        const e = Math.exp(x.data[base + j * inner]! - max);
        buf[j] = e;
        sum += e;
      }
      for (let j = 0; j < len; j++) out[base + j * inner] = buf[j]! / sum;
    }
  }
  return [{ shape: [...x.shape], data: out }];
}

export const softmaxOp = defineOp({
  op: 'softmax',
  inputRole: rolesFrom(['x']),
  checkOp: checkSoftmax,
  inferShapes: sameAsFirst,
  reference: softmaxReference,
});

// ---- batchnorm ---------------------------------------------------------------------------------

const BN_ROLES = ['x', 'gamma', 'beta', 'mean', 'var'];

function checkBatchNorm(node: NodeOf<'batchnorm'>, shapes: readonly Shape[]): OpProblem[] {
  const eps = checkEpsilon(node.attrs.epsilon);
  const count = checkInputCount(shapes.length, 5, 5, '[x, gamma, beta, mean, var]');
  if (count.length > 0) return [...count, ...eps];
  const rank = checkMinRank(0, 'x', shapes[0]!, 2);
  if (rank.length > 0) return [...eps, ...rank];
  const c = shapes[0]![1]!;
  const params = [1, 2, 3, 4].flatMap((i) =>
    checkShapeEquals(i, BN_ROLES[i]!, shapes[i]!, [c], `one per channel of x ${showShape(shapes[0]!)}`),
  );
  return [...eps, ...params];
}

/** y = gamma · (x − mean) / √(var + ε) + beta, per channel (axis 1). */
function batchNormReference(node: NodeOf<'batchnorm'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const [x, gamma, beta, mean, variance] = inputs as [
    FloatTensor,
    FloatTensor,
    FloatTensor,
    FloatTensor,
    FloatTensor,
  ];
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const inner = product(x.shape, 2);
  const out = new Float32Array(x.data.length);
  for (let ch = 0; ch < c; ch++) {
    const scale = gamma.data[ch]! / Math.sqrt(variance.data[ch]! + node.attrs.epsilon);
    const m = mean.data[ch]!;
    const b = beta.data[ch]!;
    for (let img = 0; img < n; img++) {
      const base = (img * c + ch) * inner;
      for (let i = 0; i < inner; i++) out[base + i] = (x.data[base + i]! - m) * scale + b;
    }
  }
  return [{ shape: [...x.shape], data: out }];
}

export const batchnormOp = defineOp({
  op: 'batchnorm',
  inputRole: rolesFrom(BN_ROLES),
  checkOp: checkBatchNorm,
  inferShapes: sameAsFirst,
  reference: batchNormReference,
});

// ---- layernorm ---------------------------------------------------------------------------------

function stripLeadingOnes(shape: Shape): Shape {
  let i = 0;
  while (i < shape.length - 1 && shape[i] === 1) i++;
  return shape.slice(i);
}

/** gamma / beta must have the normalized shape x.shape[axis:], leading 1s allowed. */
function checkLayerNormParam(
  index: number,
  role: string,
  shape: Shape,
  normalized: Shape,
  axis: number,
): OpProblem[] {
  if (sameShape(stripLeadingOnes(shape), stripLeadingOnes(normalized))) return [];
  return [
    problem(
      inputPath(index, role),
      `shape ${showShape(shape)}`,
      `${showShape(normalized)}, the dims of x from attrs.axis ${axis} on (leading 1s allowed)`,
    ),
  ];
}

function checkLayerNorm(node: NodeOf<'layernorm'>, shapes: readonly Shape[]): OpProblem[] {
  const eps = checkEpsilon(node.attrs.epsilon);
  const count = checkInputCount(shapes.length, 2, 3, '[x, gamma, beta?]');
  if (count.length > 0) return [...count, ...eps];
  const x = shapes[0]!;
  const rank = checkMinRank(0, 'x', x, 1);
  if (rank.length > 0) return [...eps, ...rank];
  const axis = checkAxis('attrs.axis', node.attrs.axis, x.length);
  if (axis.length > 0) return [...eps, ...axis];
  const normalized = x.slice(normalizeAxis(node.attrs.axis, x.length));
  const params = shapes
    .slice(1)
    .flatMap((s, i) =>
      checkLayerNormParam(i + 1, i === 0 ? 'gamma' : 'beta', s, normalized, node.attrs.axis),
    );
  return [...eps, ...params];
}

/** Over each block x[..., axis:]: y = (x − μ) / √(σ² + ε) · gamma + beta, σ² the population variance. */
function layerNormReference(node: NodeOf<'layernorm'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const [x, gamma, beta] = inputs;
  const axis = normalizeAxis(node.attrs.axis, x!.shape.length);
  const block = product(x!.shape, axis);
  const blocks = x!.data.length / block;
  const out = new Float32Array(x!.data.length);
  for (let b = 0; b < blocks; b++) {
    const base = b * block;
    let sum = 0;
    for (let i = 0; i < block; i++) sum += x!.data[base + i]!;
    const mu = sum / block;
    let sq = 0;
    for (let i = 0; i < block; i++) {
      const d = x!.data[base + i]! - mu;
      sq += d * d;
    }
    const inv = 1 / Math.sqrt(sq / block + node.attrs.epsilon);
    for (let i = 0; i < block; i++) {
      const shift = beta ? beta.data[i]! : 0;
      out[base + i] = (x!.data[base + i]! - mu) * inv * gamma!.data[i]! + shift;
    }
  }
  return [{ shape: [...x!.shape], data: out }];
}

export const layernormOp = defineOp({
  op: 'layernorm',
  inputRole: rolesFrom(['x', 'gamma', 'beta']),
  checkOp: checkLayerNorm,
  inferShapes: sameAsFirst,
  reference: layerNormReference,
});

// ---- lrn ---------------------------------------------------------------------------------------

function checkLrnAttrs(a: LrnAttrs): OpProblem[] {
  const bias =
    isFiniteNumber(a.bias) && a.bias > 0
      ? []
      : [problem('attrs.bias', showAttr(a.bias), 'a finite number > 0')];
  const alpha =
    isFiniteNumber(a.alpha) && a.alpha >= 0
      ? []
      : [problem('attrs.alpha', showAttr(a.alpha), 'a finite number ≥ 0')];
  return [...checkPositiveInt('attrs.size', a.size), ...alpha, ...checkFinite('attrs.beta', a.beta), ...bias];
}

function checkLrn(node: NodeOf<'lrn'>, shapes: readonly Shape[]): OpProblem[] {
  const attrs = checkLrnAttrs(node.attrs);
  const count = checkInputCount(shapes.length, 1, 1, '[x]');
  if (count.length > 0) return [...count, ...attrs];
  return [...attrs, ...checkMinRank(0, 'x', shapes[0]!, 2)];
}

/**
 * ONNX LRN: square_sum[n,c,…] = Σ x[n,i,…]² for i in [c − ⌊(size−1)/2⌋, c + ⌈(size−1)/2⌉] ∩ [0, C);
 * y = x / (bias + alpha / size · square_sum)^beta.
 */
function lrnReference(node: NodeOf<'lrn'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const x = inputs[0]!;
  const { size, alpha, beta, bias } = node.attrs;
  const n = x.shape[0]!;
  const c = x.shape[1]!;
  const inner = product(x.shape, 2);
  const before = Math.floor((size - 1) / 2);
  const after = Math.ceil((size - 1) / 2);
  const out = new Float32Array(x.data.length);
  for (let img = 0; img < n; img++) {
    for (let ch = 0; ch < c; ch++) {
      const lo = Math.max(0, ch - before);
      const hi = Math.min(c - 1, ch + after);
      const base = (img * c + ch) * inner;
      for (let i = 0; i < inner; i++) {
        let sq = 0;
        for (let j = lo; j <= hi; j++) {
          const v = x.data[(img * c + j) * inner + i]!;
          sq += v * v;
        }
        out[base + i] = x.data[base + i]! / Math.pow(bias + (alpha / size) * sq, beta);
      }
    }
  }
  return [{ shape: [...x.shape], data: out }];
}

export const lrnOp = defineOp({
  op: 'lrn',
  inputRole: rolesFrom(['x']),
  checkOp: checkLrn,
  inferShapes: sameAsFirst,
  reference: lrnReference,
});
