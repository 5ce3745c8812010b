/**
 * Constant folding: Constant nodes, and shape-only subgraphs (Shape → Gather → Unsqueeze → Concat →
 * Reshape …) whose inputs are all constants or static shapes. Bounded: results obey the same element
 * limits as initializers, arithmetic is only done on float32/float64/int32/int64 tensors, and the
 * other ops only move elements (codes of quantized tensors move with them).
 */
import { ELEM } from './elem.js';
import { showValue } from '../../../units/errors.js';
import { elementCount, type Shape } from '../../ir.js';
import { broadcastOffsets, broadcastShapes, broadcastStrides, stridesOf } from '../../ops/tensor.js';
import { onnxElemTypeName, type OnnxTensor } from '../onnx-tensor.js';
import { checkDims, countConstant, decodeConstant } from './constants.js';
import type { ImportContext, OnnxNode, Value } from './context.js';
import { transposeParam } from './quant-spec.js';

/** Ops folded when every input is constant (Shape: when its input's shape is known). */
export const FOLDABLE: ReadonlySet<string> = new Set([
  'Constant',
  'Shape',
  'Gather',
  'Unsqueeze',
  'Squeeze',
  'Concat',
  'Cast',
  'Reshape',
  'Slice',
  'Add',
  'Sub',
  'Mul',
  'Div',
  'Transpose',
  'ConstantOfShape',
]);

/** Ops that exist in the IR only as folded constants: a non-constant input is an issue. */
export const FOLD_ONLY: ReadonlySet<string> = new Set([
  'Constant',
  'Shape',
  'Gather',
  'Cast',
  'Slice',
  'ConstantOfShape',
]);

const ARITH_TYPES: ReadonlySet<number> = new Set([ELEM.FLOAT, ELEM.DOUBLE, ELEM.INT32, ELEM.INT64]);
const INT_TYPES: ReadonlySet<number> = new Set([ELEM.INT32, ELEM.INT64]);

export function makeConst(
  name: string,
  dims: readonly number[],
  elemType: number,
  values: Float64Array,
  codes?: { readonly codes: Uint32Array; readonly format: string },
): OnnxTensor {
  return {
    name,
    dims: [...dims],
    elemType,
    elemTypeName: onnxElemTypeName(elemType),
    format: codes?.format,
    codes: codes?.codes,
    values,
  };
}

/** A tensor made of t's elements at `src` (flat indices), with new dims. */
function gatherElements(name: string, t: OnnxTensor, dims: readonly number[], src: Int32Array): OnnxTensor {
  const values = Float64Array.from(src, (i) => t.values[i]!);
  const codes =
    t.codes !== undefined && t.format !== undefined
      ? { codes: Uint32Array.from(src, (i) => t.codes![i]!), format: t.format }
      : undefined;
  return makeConst(name, dims, t.elemType, values, codes);
}

function identityIndices(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

function normAxis(axis: number, rank: number): number | undefined {
  if (!Number.isInteger(axis) || axis < -rank || axis >= rank) return undefined;
  return axis < 0 ? axis + rank : axis;
}

type Fold = (ctx: ImportContext, node: OnnxNode, inputs: readonly (Value | undefined)[]) => Value[] | string;

function constOf(v: Value | undefined): OnnxTensor | undefined {
  return v?.kind === 'const' ? v.tensor : undefined;
}

function intList(t: OnnxTensor): number[] {
  return Array.from(t.values);
}

// ---- element movers ------------------------------------------------------------------------------

function transposeConst(name: string, t: OnnxTensor, perm: readonly number[]): OnnxTensor {
  const rank = t.dims.length;
  const outDims = perm.map((p) => t.dims[p]!);
  const inStrides = stridesOf(t.dims);
  const total = elementCount(t.dims);
  const src = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += index[d]! * inStrides[perm[d]!]!;
    src[o] = s;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < outDims[d]!) break;
      index[d] = 0;
    }
  }
  return gatherElements(name, t, outDims, src);
}

function gatherConst(
  name: string,
  data: OnnxTensor,
  idx: OnnxTensor,
  axis: number,
  maxElements: number,
): OnnxTensor | string {
  const a = normAxis(axis, data.dims.length);
  if (a === undefined) return `an axis of the rank-${data.dims.length} data`;
  const dim = data.dims[a]!;
  const outer = elementCount(data.dims.slice(0, a));
  const inner = elementCount(data.dims.slice(a + 1));
  if (outer * idx.values.length * inner > maxElements) return `a result of at most ${maxElements} elements`;
  const indices = intList(idx).map((i) => (i < 0 ? i + dim : i));
  if (indices.some((i) => !Number.isInteger(i) || i < 0 || i >= dim))
    return `indices in [-${dim}, ${dim - 1}]`;
  const src = new Int32Array(outer * indices.length * inner);
  let o = 0;
  for (let p = 0; p < outer; p++) {
    for (const i of indices) for (let q = 0; q < inner; q++) src[o++] = (p * dim + i) * inner + q;
  }
  return gatherElements(name, data, [...data.dims.slice(0, a), ...idx.dims, ...data.dims.slice(a + 1)], src);
}

function sliceConst(
  name: string,
  data: OnnxTensor,
  starts: readonly number[],
  ends: readonly number[],
  axes: readonly number[],
  steps: readonly number[],
): OnnxTensor | string {
  const rank = data.dims.length;
  const begin = new Array<number>(rank).fill(0);
  const step = new Array<number>(rank).fill(1);
  const count = [...data.dims];
  for (let k = 0; k < axes.length; k++) {
    const a = normAxis(axes[k]!, rank);
    if (a === undefined) return `axes of a rank-${rank} tensor`;
    const dim = data.dims[a]!;
    const s = steps[k] ?? 1;
    if (s === 0) return 'non-zero steps';
    const clampStart = (v: number): number =>
      s > 0
        ? Math.min(Math.max(v < 0 ? v + dim : v, 0), dim)
        : Math.min(Math.max(v < 0 ? v + dim : v, -1), dim - 1);
    const b = clampStart(starts[k]!);
    const e = clampStart(ends[k]!);
    begin[a] = b;
    step[a] = s;
    count[a] = Math.max(0, Math.ceil((e - b) / s));
  }
  const strides = stridesOf(data.dims);
  const total = elementCount(count);
  const src = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  for (let o = 0; o < total; o++) {
    let s = 0;
    for (let d = 0; d < rank; d++) s += (begin[d]! + index[d]! * step[d]!) * strides[d]!;
    src[o] = s;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      if (index[d]! < count[d]!) break;
      index[d] = 0;
    }
  }
  return gatherElements(name, data, count, src);
}

function concatConst(name: string, parts: readonly OnnxTensor[], axis: number): OnnxTensor | string {
  const first = parts[0]!;
  const a = normAxis(axis, first.dims.length);
  if (a === undefined) return `an axis of the rank-${first.dims.length} inputs`;
  const same = parts.every(
    (p) =>
      p.elemType === first.elemType &&
      p.dims.length === first.dims.length &&
      p.dims.every((d, i) => i === a || d === first.dims[i]),
  );
  if (!same) return 'constants of one element type whose dims agree except along the axis';
  const outer = elementCount(first.dims.slice(0, a));
  const values: number[] = [];
  const codes: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const p of parts) {
      const row = elementCount(p.dims.slice(a));
      for (let i = o * row; i < (o + 1) * row; i++) {
        values.push(p.values[i]!);
        if (p.codes !== undefined) codes.push(p.codes[i]!);
      }
    }
  }
  const dims = [...first.dims];
  dims[a] = parts.reduce((n, p) => n + p.dims[a]!, 0);
  const coded =
    first.format !== undefined && codes.length === values.length
      ? { codes: Uint32Array.from(codes), format: first.format }
      : undefined;
  return makeConst(name, dims, first.elemType, Float64Array.from(values), coded);
}

// ---- arithmetic ------------------------------------------------------------------------------

function arith(
  name: string,
  op: string,
  a: OnnxTensor,
  b: OnnxTensor,
  maxElements: number,
): OnnxTensor | string {
  if (a.elemType !== b.elemType || !ARITH_TYPES.has(a.elemType)) {
    return `two constants of one type among FLOAT, DOUBLE, INT32, INT64 (got ${a.elemTypeName}, ${b.elemTypeName})`;
  }
  const dims = broadcastShapes([a.dims, b.dims]);
  if (dims === undefined) return 'shapes that broadcast';
  if (elementCount(dims) > maxElements) return `a result of at most ${maxElements} elements`;
  const [ia, ib] = broadcastOffsets(dims, [broadcastStrides(a.dims, dims), broadcastStrides(b.dims, dims)]);
  const isInt = INT_TYPES.has(a.elemType);
  const f = (x: number, y: number): number => {
    switch (op) {
      case 'Add':
        return x + y;
      case 'Sub':
        return x - y;
      case 'Mul':
        return x * y;
      default:
        return isInt ? Math.trunc(x / y) : x / y;
    }
  };
  const round = a.elemType === ELEM.FLOAT ? Math.fround : (v: number): number => v;
  const values = Float64Array.from(ia!, (i, k) => round(f(a.values[i]!, b.values[ib![k]!]!)));
  if (isInt && values.some((v) => !Number.isFinite(v))) return 'integer arithmetic without division by zero';
  return makeConst(name, dims, a.elemType, values);
}

function castConst(name: string, t: OnnxTensor, to: number): OnnxTensor | string {
  const convert: ((v: number) => number) | undefined =
    to === ELEM.FLOAT
      ? Math.fround
      : to === ELEM.DOUBLE
        ? (v) => v
        : to === ELEM.INT32 || to === ELEM.INT64
          ? Math.trunc
          : to === ELEM.BOOL
            ? (v) => (v !== 0 ? 1 : 0)
            : undefined;
  if (convert === undefined) return 'a cast to FLOAT, DOUBLE, INT32, INT64 or BOOL';
  return makeConst(name, t.dims, to, Float64Array.from(t.values, convert));
}

// ---- the folds -------------------------------------------------------------------------------

function constantNode(ctx: ImportContext, node: OnnxNode): Value[] | string {
  const attrs = ctx.attrs(node);
  const a = attrs.single();
  const out = node.outputs[0]!;
  if (a === undefined) return 'exactly one value attribute';
  const scalar = (elemType: number, values: readonly number[], dims: number[]): Value[] => [
    { kind: 'const', tensor: makeConst(out, dims, elemType, Float64Array.from(values)) },
  ];
  switch (a.name) {
    case 'value': {
      const t = attrs.tensor('value');
      if (t === undefined) return 'a TENSOR value';
      const decoded = decodeConstant(t, `${node.path}.attributes.value`, ctx.env);
      return decoded === undefined ? [] : [{ kind: 'const', tensor: { ...decoded, name: out } }];
    }
    case 'value_float':
      return scalar(ELEM.FLOAT, [Math.fround(attrs.float('value_float', 0))], []);
    case 'value_floats':
      return scalar(ELEM.FLOAT, a.floats.map(Math.fround), [a.floats.length]);
    case 'value_int':
      return scalar(ELEM.INT64, [attrs.int('value_int', 0)], []);
    case 'value_ints': {
      const ints = attrs.ints('value_ints') ?? [];
      return scalar(ELEM.INT64, ints, [ints.length]);
    }
    default:
      return 'a value, value_float(s) or value_int(s) attribute (strings and sparse tensors are not read)';
  }
}

function shapeNode(
  ctx: ImportContext,
  node: OnnxNode,
  inputs: readonly (Value | undefined)[],
): Value[] | string {
  const dims = ctx.valueShape(inputs[0]!);
  const attrs = ctx.attrs(node);
  const rank = dims.length;
  const clamp = (v: number): number => Math.min(Math.max(v < 0 ? v + rank : v, 0), rank);
  const start = clamp(attrs.int('start', 0));
  const end = clamp(attrs.int('end', rank));
  const values = Float64Array.from(dims.slice(start, Math.max(start, end)));
  return [{ kind: 'const', tensor: makeConst(node.outputs[0]!, [values.length], ELEM.INT64, values) }];
}

function unsqueezeDims(dims: Shape, axes: readonly number[]): number[] | string {
  const rank = dims.length + axes.length;
  const norm = axes.map((a) => normAxis(a, rank));
  if (norm.some((a) => a === undefined) || new Set(norm).size !== norm.length) {
    return `distinct axes of the rank-${rank} result`;
  }
  const out: number[] = [];
  let k = 0;
  for (let i = 0; i < rank; i++) out.push(norm.includes(i) ? 1 : dims[k++]!);
  return out;
}

function squeezeDims(dims: Shape, axes: readonly number[] | undefined): number[] | string {
  if (axes === undefined) return dims.filter((d) => d !== 1);
  const norm = axes.map((a) => normAxis(a, dims.length));
  if (norm.some((a) => a === undefined || dims[a] !== 1)) return 'axes of dims equal to 1';
  return dims.filter((_, i) => !norm.includes(i));
}

/** Output dims of Reshape with ONNX rules (0 copies the input dim unless allowzero, one −1). */
export function reshapeDims(input: Shape, target: readonly number[], allowZero: boolean): number[] | string {
  const dims = target.map((d, i) => (d === 0 && !allowZero ? input[i] : d));
  if (dims.some((d) => d === undefined || !Number.isInteger(d) || d < -1)) return 'a valid target shape';
  const known = (dims as number[]).reduce((p, d) => (d === -1 ? p : p * d), 1);
  const total = elementCount(input);
  const minus = dims.filter((d) => d === -1).length;
  if (minus > 1 || (minus === 1 ? known === 0 || total % known !== 0 : known !== total)) {
    return `a shape with ${total} elements`;
  }
  return (dims as number[]).map((d) => (d === -1 ? total / known : d));
}

function reshaped(name: string, t: OnnxTensor, dims: readonly number[]): OnnxTensor {
  return gatherElements(name, t, dims, identityIndices(t.values.length));
}

function foldMover(
  ctx: ImportContext,
  node: OnnxNode,
  ins: readonly (Value | undefined)[],
): Value[] | string {
  const out = node.outputs[0]!;
  const attrs = ctx.attrs(node);
  const data = ins[0];
  const param = data?.kind === 'param' ? data.param : undefined;
  if (node.opType === 'Transpose' && param !== undefined) {
    const perm = attrs.ints('perm');
    if (param.shape.length !== 2 || (perm !== undefined && (perm[0] !== 1 || perm[1] !== 0))) {
      return 'a 2-D quantized constant (its transpose is folded)';
    }
    return [{ kind: 'param', param: transposeParam(param, out) }];
  }
  const t = constOf(data)!;
  let result: OnnxTensor | string;
  switch (node.opType) {
    case 'Transpose': {
      const perm = attrs.ints('perm') ?? t.dims.map((_, i) => t.dims.length - 1 - i);
      const ok = perm.length === t.dims.length && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
      result = ok ? transposeConst(out, t, perm) : `a permutation of 0…${t.dims.length - 1}`;
      break;
    }
    case 'Gather':
      result = gatherConst(out, t, constOf(ins[1])!, attrs.int('axis', 0), ctx.env.limits.maxTensorElements);
      break;
    case 'Unsqueeze': {
      const dims = unsqueezeDims(t.dims, intList(constOf(ins[1])!));
      result = typeof dims === 'string' ? dims : reshaped(out, t, dims);
      break;
    }
    case 'Squeeze': {
      const axes = ins[1] !== undefined ? intList(constOf(ins[1])!) : undefined;
      const dims = squeezeDims(t.dims, axes);
      result = typeof dims === 'string' ? dims : reshaped(out, t, dims);
      break;
    }
    case 'Reshape': {
      const dims = reshapeDims(t.dims, intList(constOf(ins[1])!), attrs.int('allowzero', 0) === 1);
      result = typeof dims === 'string' ? dims : reshaped(out, t, dims);
      break;
    }
    default: {
      const starts = intList(constOf(ins[1])!);
      const ends = intList(constOf(ins[2])!);
      const axes = ins[3] !== undefined ? intList(constOf(ins[3])!) : starts.map((_, i) => i);
      const steps = ins[4] !== undefined ? intList(constOf(ins[4])!) : starts.map(() => 1);
      result =
        starts.length === ends.length && axes.length === starts.length && steps.length === starts.length
          ? sliceConst(out, t, starts, ends, axes, steps)
          : 'starts, ends, axes and steps of one length';
    }
  }
  return typeof result === 'string' ? result : [{ kind: 'const', tensor: result }];
}

const foldArith: Fold = (ctx, node, ins) => {
  const r = arith(
    node.outputs[0]!,
    node.opType,
    constOf(ins[0])!,
    constOf(ins[1])!,
    ctx.env.limits.maxTensorElements,
  );
  return typeof r === 'string' ? r : [{ kind: 'const', tensor: r }];
};

/** Inputs each fold needs (Unsqueeze's axes are an input from opset 13 on). */
const MIN_INPUTS: Readonly<Record<string, number>> = {
  Constant: 0,
  Shape: 1,
  Transpose: 1,
  Squeeze: 1,
  Cast: 1,
  ConstantOfShape: 1,
  Concat: 1,
  Gather: 2,
  Unsqueeze: 2,
  Reshape: 2,
  Add: 2,
  Sub: 2,
  Mul: 2,
  Div: 2,
  Slice: 3,
};

const FOLDS: Readonly<Record<string, Fold>> = {
  Add: foldArith,
  Sub: foldArith,
  Mul: foldArith,
  Div: foldArith,
  Constant: (ctx, node) => constantNode(ctx, node),
  Shape: shapeNode,
  Transpose: foldMover,
  Gather: foldMover,
  Unsqueeze: foldMover,
  Squeeze: foldMover,
  Reshape: foldMover,
  Slice: foldMover,
  Concat: (ctx, node, ins) => {
    const parts = ins.flatMap((v) => (v?.kind === 'const' ? [v.tensor] : []));
    const r = concatConst(node.outputs[0]!, parts, ctx.attrs(node).int('axis', 0));
    return typeof r === 'string' ? r : [{ kind: 'const', tensor: r }];
  },
  Cast: (ctx, node, ins) => {
    const r = castConst(node.outputs[0]!, constOf(ins[0])!, ctx.attrs(node).int('to', 0));
    return typeof r === 'string' ? r : [{ kind: 'const', tensor: r }];
  },
  ConstantOfShape: (ctx, node, ins) => {
    const dims = intList(constOf(ins[0])!);
    if (checkDims(dims, `${node.path}.inputs[0] (shape)`, ctx.env) === undefined) return [];
    const attr = ctx.attrs(node).tensor('value');
    const fill =
      attr !== undefined ? decodeConstant(attr, `${node.path}.attributes.value`, ctx.env) : undefined;
    if (attr !== undefined && fill?.values.length !== 1) return 'a one-element value tensor';
    const elemType = fill?.elemType ?? ELEM.FLOAT;
    const n = elementCount(dims);
    return [
      {
        kind: 'const',
        tensor: makeConst(node.outputs[0]!, dims, elemType, new Float64Array(n).fill(fill?.values[0] ?? 0)),
      },
    ];
  },
};
/** Whether the node's inputs allow folding (all constants; Shape only needs its input to exist). */
export function canFold(ctx: ImportContext, node: OnnxNode): boolean {
  if (!FOLDABLE.has(node.opType) || node.domain !== '') return false;
  const present = node.inputs.filter((n) => n !== '');
  if (node.opType === 'Shape') return present.length === 1 && ctx.value(present[0]!) !== undefined;
  if (node.opType === 'Transpose' && present.length === 1) {
    const v = ctx.value(present[0]!);
    if (v?.kind === 'param') return v.param.shape.length === 2;
  }
  return present.every((n) => ctx.value(n)?.kind === 'const');
}

/** Fold the node: its outputs become constants. Issues for bad inputs or too-large results. */
export function foldNode(ctx: ImportContext, node: OnnxNode): void {
  const inputs = node.inputs.map((n) => (n === '' ? undefined : ctx.value(n)));
  const need = MIN_INPUTS[node.opType] ?? 0;
  if (inputs.length < need || inputs.slice(0, need).some((v) => v === undefined)) {
    ctx.fail(node, 'inputs', `${node.inputs.length} inputs`, `at least ${need} inputs`);
    ctx.poison(node.outputs);
    return;
  }
  const result = FOLDS[node.opType]!(ctx, node, inputs);
  if (typeof result === 'string') {
    ctx.fail(node, 'inputs', showValue(node.inputs), result);
    ctx.poison(node.outputs);
    return;
  }
  if (result.length === 0) {
    ctx.poison(node.outputs);
    return;
  }
  result.forEach((v, j) => {
    const name = node.outputs[j]!;
    if (v.kind === 'const') {
      const checked = checkDims(v.tensor.dims, `${node.path}.outputs[${j}]`, ctx.env);
      if (checked === undefined || !countConstant(checked.count, `${node.path}.outputs[${j}]`, ctx.env)) {
        ctx.poison([name]);
        return;
      }
    }
    ctx.setValue(name, v);
  });
}
