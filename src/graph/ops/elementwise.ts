/**
 * Element-wise ops. add / mul take two or more inputs broadcast numpy-style (as ONNX Sum / a chain
 * of Mul); the n-ary sum/product is formed in float64 and rounded once (for two inputs this is
 * exactly float32 arithmetic). Unary activations are evaluated in float64 and rounded to float32.
 */
import type { ClipAttrs, FloatTensor, NodeOf, OpType, Shape } from '../ir.js';
import { checkInputCount, inputPath, problem, showAttr, showShape, type OpProblem } from './check.js';
import { defineOp, numberedRole, rolesFrom, type OpEntry } from './define.js';
import { gelu, sigmoid } from './math.js';
import { broadcastOffsets, broadcastShapes, broadcastStrides } from './tensor.js';

// ---- add / mul ---------------------------------------------------------------------------------

function checkBroadcast(shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 2, Infinity, '[a, b, …]');
  if (count.length > 0) return count;
  if (broadcastShapes(shapes) !== undefined) return [];
  const first = shapes[0]!;
  const culprit = shapes.findIndex((_, i) => broadcastShapes(shapes.slice(0, i + 1)) === undefined);
  return [
    problem(
      inputPath(culprit, numberedRole(culprit)),
      `shape ${showShape(shapes[culprit]!)}`,
      `a shape that broadcasts with ${showShape(broadcastShapes(shapes.slice(0, culprit)) ?? first)} (numpy rules: trailing dims equal or 1)`,
    ),
  ];
}

function inferBroadcast(shapes: readonly Shape[]): Shape[] {
  return [broadcastShapes(shapes)!];
}

function naryReference(
  inputs: readonly FloatTensor[],
  identity: number,
  combine: (acc: number, v: number) => number,
): FloatTensor {
  const outShape = broadcastShapes(inputs.map((t) => t.shape))!;
  const offsets = broadcastOffsets(
    outShape,
    inputs.map((t) => broadcastStrides(t.shape, outShape)),
  );
  const total = offsets[0]!.length;
  const out = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    let acc = identity;
    for (let k = 0; k < inputs.length; k++) acc = combine(acc, inputs[k]!.data[offsets[k]![i]!]!);
    out[i] = acc;
  }
  return { shape: outShape, data: out };
}

export const addOp = defineOp({
  op: 'add',
  inputRole: numberedRole,
  checkOp: (_node, shapes) => checkBroadcast(shapes),
  inferShapes: (_node, shapes) => inferBroadcast(shapes),
  reference: (_node, inputs) => [naryReference(inputs, 0, (acc, v) => acc + v)],
});

export const mulOp = defineOp({
  op: 'mul',
  inputRole: numberedRole,
  checkOp: (_node, shapes) => checkBroadcast(shapes),
  inferShapes: (_node, shapes) => inferBroadcast(shapes),
  reference: (_node, inputs) => [naryReference(inputs, 1, (acc, v) => acc * v)],
});

// ---- unary -------------------------------------------------------------------------------------

function mapTensor(x: FloatTensor, f: (v: number) => number): FloatTensor {
  const out = new Float32Array(x.data.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x.data[i]!);
  return { shape: [...x.shape], data: out };
}

function unaryOp<K extends OpType>(
  op: K,
  f: (node: NodeOf<K>) => (v: number) => number,
  checkAttrs: (node: NodeOf<K>) => OpProblem[] = () => [],
): OpEntry<K> {
  return defineOp<K>({
    op,
    inputRole: rolesFrom(['x']),
    checkOp: (node, shapes) => [...checkInputCount(shapes.length, 1, 1, '[x]'), ...checkAttrs(node)],
    inferShapes: (_node, shapes) => [[...shapes[0]!]],
    reference: (node, inputs) => [mapTensor(inputs[0]!, f(node))],
  });
}

/** NaN passes through every activation (as in ONNX / numpy). */
const relu = (v: number): number => (v < 0 ? 0 : v);
const relu6 = (v: number): number => (v < 0 ? 0 : v > 6 ? 6 : v);

function clipFn(a: ClipAttrs): (v: number) => number {
  return (v) => (v < a.min ? a.min : v > a.max ? a.max : v);
}

function checkClip(node: NodeOf<'clip'>): OpProblem[] {
  const { min, max } = node.attrs;
  const expected = 'a number (±Infinity allowed), not NaN';
  const bad = [
    ...(typeof min === 'number' && !Number.isNaN(min) ? [] : [problem('attrs.min', showAttr(min), expected)]),
    ...(typeof max === 'number' && !Number.isNaN(max) ? [] : [problem('attrs.max', showAttr(max), expected)]),
  ];
  if (bad.length > 0) return bad;
  return min <= max ? [] : [problem('attrs.min', String(min), `a value not above attrs.max (${max})`)];
}

export const reluOp = unaryOp('relu', () => relu);
export const relu6Op = unaryOp('relu6', () => relu6);
export const clipOp = unaryOp('clip', (node) => clipFn(node.attrs), checkClip);
export const geluOp = unaryOp('gelu', () => gelu);
export const sigmoidOp = unaryOp('sigmoid', () => sigmoid);
