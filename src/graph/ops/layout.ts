/** Data-movement ops: concat, reshape and flatten (ONNX semantics), transpose. */
import { elementCount, type FloatTensor, type NodeOf, type Shape } from '../ir.js';
import {
  checkAxis,
  checkInputCount,
  checkMinRank,
  inputPath,
  isInt,
  normalizeAxis,
  problem,
  showShape,
  showAttr,
  type OpProblem,
} from './check.js';
import { defineOp, numberedRole, rolesFrom } from './define.js';
import { product, stridesOf } from './tensor.js';

const oneInput = (shapes: readonly Shape[]): OpProblem[] => checkInputCount(shapes.length, 1, 1, '[x]');

// ---- concat ------------------------------------------------------------------------------------

function checkConcatPartner(index: number, shape: Shape, first: Shape, axis: number): OpProblem[] {
  const matches = shape.length === first.length && shape.every((d, i) => i === axis || d === first[i]);
  if (matches) return [];
  const expected = first.map((d, i) => (i === axis ? '*' : String(d)));
  return [
    problem(
      inputPath(index, numberedRole(index)),
      `shape ${showShape(shape)}`,
      `[${expected.join(',')}] (input 0's dims except along axis ${axis})`,
    ),
  ];
}

function checkConcat(node: NodeOf<'concat'>, shapes: readonly Shape[]): OpProblem[] {
  const count = checkInputCount(shapes.length, 1, Infinity, '[a, b, …]');
  if (count.length > 0) return count;
  const first = shapes[0]!;
  const rank = checkMinRank(0, numberedRole(0), first, 1);
  if (rank.length > 0) return rank;
  const axisProblems = checkAxis('attrs.axis', node.attrs.axis, first.length);
  if (axisProblems.length > 0) return axisProblems;
  const axis = normalizeAxis(node.attrs.axis, first.length);
  return shapes.slice(1).flatMap((s, i) => checkConcatPartner(i + 1, s, first, axis));
}

function inferConcat(node: NodeOf<'concat'>, shapes: readonly Shape[]): Shape[] {
  const first = shapes[0]!;
  const axis = normalizeAxis(node.attrs.axis, first.length);
  const out = [...first];
  out[axis] = shapes.reduce((sum, s) => sum + s[axis]!, 0);
  return [out];
}

function concatReference(node: NodeOf<'concat'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const outShape = inferConcat(
    node,
    inputs.map((t) => t.shape),
  )[0]!;
  const axis = normalizeAxis(node.attrs.axis, outShape.length);
  const outer = product(outShape, 0, axis);
  const outRow = product(outShape, axis);
  const out = new Float32Array(elementCount(outShape));
  let offset = 0;
  for (const t of inputs) {
    const row = product(t.shape, axis);
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * row, (o + 1) * row), o * outRow + offset);
    offset += row;
  }
  return [{ shape: outShape, data: out }];
}

export const concatOp = defineOp({
  op: 'concat',
  inputRole: numberedRole,
  checkOp: checkConcat,
  inferShapes: inferConcat,
  reference: concatReference,
});

// ---- reshape -----------------------------------------------------------------------------------

/** Target shape with 0 → input dim and −1 → the remaining element count (validated input). */
export function resolveReshape(input: Shape, target: readonly number[]): Shape {
  const dims = target.map((d, i) => (d === 0 ? input[i]! : d));
  const known = dims.reduce((p, d) => (d === -1 ? p : p * d), 1);
  return dims.map((d) => (d === -1 ? elementCount(input) / known : d));
}

function checkReshapeEntries(target: unknown, rank: number): OpProblem[] {
  const ok =
    Array.isArray(target) &&
    target.every((d, i) => isInt(d) && d >= -1 && (d !== 0 || i < rank)) &&
    target.filter((d) => d === -1).length <= 1;
  if (ok) return [];
  return [
    problem(
      'attrs.shape',
      showAttr(target),
      `integers ≥ 1, at most one −1 (inferred) and 0 only at positions < ${rank} (copies the input dim)`,
    ),
  ];
}

function checkReshape(node: NodeOf<'reshape'>, shapes: readonly Shape[]): OpProblem[] {
  const count = oneInput(shapes);
  if (count.length > 0) return count;
  const x = shapes[0]!;
  const entries = checkReshapeEntries(node.attrs.shape, x.length);
  if (entries.length > 0) return entries;
  const target = node.attrs.shape.map((d, i) => (d === 0 ? x[i]! : d));
  const total = elementCount(x);
  const known = target.reduce((p, d) => (d === -1 ? p : p * d), 1);
  const ok = target.includes(-1) ? total % known === 0 : known === total;
  if (ok) return [];
  return [
    problem(
      'attrs.shape',
      showAttr(node.attrs.shape),
      `a shape with ${total} elements, the element count of x ${showShape(x)}`,
    ),
  ];
}

export const reshapeOp = defineOp({
  op: 'reshape',
  inputRole: rolesFrom(['x']),
  checkOp: checkReshape,
  inferShapes: (node, shapes) => [resolveReshape(shapes[0]!, node.attrs.shape)],
  reference: (node, inputs) => [
    { shape: resolveReshape(inputs[0]!.shape, node.attrs.shape), data: inputs[0]!.data.slice() },
  ],
});

// ---- flatten -----------------------------------------------------------------------------------

/** ONNX Flatten: [d0·…·d(axis−1), d(axis)·…·d(r−1)]. */
function inferFlatten(node: NodeOf<'flatten'>, shapes: readonly Shape[]): Shape[] {
  const x = shapes[0]!;
  const axis = normalizeAxis(node.attrs.axis, x.length);
  return [[product(x, 0, axis), product(x, axis)]];
}

export const flattenOp = defineOp({
  op: 'flatten',
  inputRole: rolesFrom(['x']),
  checkOp: (node, shapes) => {
    const count = oneInput(shapes);
    return count.length > 0 ? count : checkAxis('attrs.axis', node.attrs.axis, shapes[0]!.length, true);
  },
  inferShapes: inferFlatten,
  reference: (node, inputs) => [
    { shape: inferFlatten(node, [inputs[0]!.shape])[0]!, data: inputs[0]!.data.slice() },
  ],
});

// ---- transpose ---------------------------------------------------------------------------------

/** The permutation in effect: attrs.perm, or reversed dims when it is empty (ONNX default). */
export function effectivePerm(perm: readonly number[], rank: number): number[] {
  return perm.length === 0 ? Array.from({ length: rank }, (_, i) => rank - 1 - i) : [...perm];
}

function isPermutation(perm: readonly unknown[], rank: number): boolean {
  const seen = new Set<unknown>(perm);
  return perm.length === rank && seen.size === rank && perm.every((p) => isInt(p) && p >= 0 && p < rank);
}

function checkTranspose(node: NodeOf<'transpose'>, shapes: readonly Shape[]): OpProblem[] {
  const count = oneInput(shapes);
  if (count.length > 0) return count;
  const rank = shapes[0]!.length;
  const perm: unknown = node.attrs.perm;
  const ok = Array.isArray(perm) && (perm.length === 0 || isPermutation(perm as unknown[], rank));
  if (ok) return [];
  return [
    problem(
      'attrs.perm',
      showAttr(perm),
      `a permutation of 0…${rank - 1} (x has rank ${rank}), or [] to reverse the dims`,
    ),
  ];
}

function inferTranspose(node: NodeOf<'transpose'>, shapes: readonly Shape[]): Shape[] {
  const x = shapes[0]!;
  return [effectivePerm(node.attrs.perm, x.length).map((p) => x[p]!)];
}

function transposeReference(node: NodeOf<'transpose'>, inputs: readonly FloatTensor[]): FloatTensor[] {
  const x = inputs[0]!;
  const rank = x.shape.length;
  const perm = effectivePerm(node.attrs.perm, rank);
  const outShape = perm.map((p) => x.shape[p]!);
  const inStrides = stridesOf(x.shape);
  const strides = perm.map((p) => inStrides[p]!); // input stride of each output dim
  const out = new Float32Array(x.data.length);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let o = 0; o < out.length; o++) {
    out[o] = x.data[src]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      src += strides[d]!;
      if (index[d]! < outShape[d]!) break;
      src -= strides[d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return [{ shape: outShape, data: out }];
}

export const transposeOp = defineOp({
  op: 'transpose',
  inputRole: rolesFrom(['x']),
  checkOp: checkTranspose,
  inferShapes: inferTranspose,
  reference: transposeReference,
});
