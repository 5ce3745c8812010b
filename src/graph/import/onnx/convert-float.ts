/**
 * The float ops of the IR: Conv, Gemm, MatMul, Add / Sum / Sub, Mul / Div, Relu, Clip, Sigmoid,
 * Softmax, MaxPool, AveragePool, GlobalAveragePool, BatchNormalization, LayerNormalization, LRN,
 * Concat, Reshape, Flatten, Transpose, Squeeze / Unsqueeze (as reshape) and Gelu.
 *
 * Gemm and MatMul with a constant 2-D B become `dense` (IR weight [K, units]; Gemm's transB is
 * folded into the weight); a MatMul whose only reader is an Add of a constant [units] vector becomes
 * one `dense` with that bias. A Transpose of the last two dims read only by a MatMul becomes the
 * MatMul's transB. Each converter returns false after recording issues.
 */
import { ELEM } from './elem.js';
import { showValue } from '../../../units/errors.js';
import type { OpType } from '../../ir.js';
import type { OnnxTensor } from '../onnx-tensor.js';
import { shortestFloat32 } from './attrs.js';
import type { ImportContext, OnnxNode, OutputSpec, Value } from './context.js';
import { makeConst, reshapeDims } from './fold.js';
import { sameSpec, transposeParam, type Param } from './quant-spec.js';
import { CONV_ATTRS, convAttrsOf, windowOf } from './window.js';

export type Converter = (ctx: ImportContext, node: OnnxNode) => boolean;

/** Outputs after the first must be unused (BatchNormalization's running stats, MaxPool's indices …). */
export function onlyFirstOutput(ctx: ImportContext, node: OnnxNode): boolean {
  let ok = true;
  node.outputs.slice(1).forEach((o, i) => {
    if (o !== '' && (ctx.consumerCount(o) > 0 || ctx.facts.graphOutputs.has(o))) {
      ctx.fail(node, `outputs[${i + 1}]`, showValue(o), 'unused (only the first output is read)');
      ok = false;
    }
  });
  return ok;
}

function out(node: OnnxNode): { onnx: string } {
  return { onnx: node.outputs[0]! };
}

/**
 * The output of an op that only moves elements (Reshape, Flatten, Transpose, Squeeze, Unsqueeze,
 * MaxPool, Concat) applied to the codes of quantized tensors, as QOperator models do (a Reshape of
 * a QLinearConv's uint8 output): the output holds the same codes, so it keeps their per-tensor
 * spec. A mover reading a DequantizeLinear output works on real values and is left float.
 */
function moved(ctx: ImportContext, node: OnnxNode, slots: readonly number[] = [0]): OutputSpec {
  const specs = slots.map((slot) => {
    const onnx = node.inputs[slot] ?? '';
    const v = ctx.values.get(onnx);
    const q = v?.kind === 'tensor' && v.name === onnx ? ctx.quantOf(onnx) : undefined;
    return q !== undefined && typeof q.scale === 'number' ? q : undefined;
  });
  const first = specs[0];
  const same = first !== undefined && specs.every((q) => q !== undefined && sameSpec(q, first, 0));
  if (!same) return out(node);
  return { onnx: node.outputs[0]!, quant: first, dtype: ctx.tensors.get(node.inputs[slots[0]!]!)!.dtype };
}

/** IR names of the present inputs from `from` on (constants as role `constant`). */
function dataInputs(ctx: ImportContext, node: OnnxNode, from = 0): string[] | undefined {
  const names: string[] = [];
  let ok = true;
  for (let i = from; i < node.inputs.length; i++) {
    if (!ctx.has(node, i)) continue;
    const n = ctx.input(node, i, 'constant', `input ${i}`);
    if (n === undefined) ok = false;
    else names.push(n);
  }
  return ok ? names : undefined;
}

function unary(op: OpType & ('relu' | 'sigmoid' | 'globalavgpool')): Converter {
  return (ctx, node) => {
    ctx.attrs(node).checkKnown([]);
    const x = ctx.input(node, 0, 'constant', 'X');
    return x !== undefined && ctx.emit(node, op, {}, [x], [out(node)]);
  };
}

// ---- Conv ------------------------------------------------------------------------------------

const conv: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(CONV_ATTRS);
  const x = ctx.input(node, 0, 'constant', 'X');
  const w = ctx.input(node, 1, 'weight', 'W');
  const b = ctx.has(node, 2) ? ctx.input(node, 2, 'bias', 'B') : undefined;
  if (x === undefined || w === undefined || (ctx.has(node, 2) && b === undefined)) return false;
  const attrs = convAttrsOf(ctx, node, a, ctx.shape(x), ctx.shape(w));
  return (
    attrs !== undefined && ctx.emit(node, 'conv2d', attrs, b !== undefined ? [x, w, b] : [x, w], [out(node)])
  );
};

// ---- Gemm / MatMul ---------------------------------------------------------------------------

type Matrix =
  { readonly kind: 'const'; readonly t: OnnxTensor } | { readonly kind: 'param'; readonly p: Param };

/** A constant 2-D operand (plain or quantized), or undefined. */
function matrixOf(v: Value | undefined): Matrix | undefined {
  if (v?.kind === 'const' && v.tensor.dims.length === 2) return { kind: 'const', t: v.tensor };
  if (v?.kind === 'param' && v.param.shape.length === 2) return { kind: 'param', p: v.param };
  return undefined;
}

function transposeMatrix(m: Matrix, name: string): Matrix {
  if (m.kind === 'param') return { kind: 'param', p: transposeParam(m.p, name) };
  const [r, c] = m.t.dims as [number, number];
  const values = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) values[j * r + i] = m.t.values[i * c + j]!;
  return { kind: 'const', t: makeConst(name, [c, r], m.t.elemType, values) };
}

function materializeMatrix(ctx: ImportContext, m: Matrix, name: string): string {
  return m.kind === 'param' ? ctx.materializeParam(m.p, 'weight') : ctx.materializeConst(m.t, name, 'weight');
}

/** A constant (plain or quantized) vector of `units` elements, dims [units] or [1, units]. */
function biasVector(
  ctx: ImportContext,
  v: Value | undefined,
  onnx: string,
  units: number,
): string | undefined {
  if (v?.kind === 'param' && v.param.shape.length === 1 && v.param.shape[0] === units) {
    return ctx.materializeParam(v.param, 'bias');
  }
  if (v?.kind !== 'const') return undefined;
  const d = v.tensor.dims;
  const fits = (d.length === 1 && d[0] === units) || (d.length === 2 && d[0] === 1 && d[1] === units);
  if (!fits) return undefined;
  const t = d.length === 1 ? v.tensor : makeConst(onnx, [units], v.tensor.elemType, v.tensor.values);
  return ctx.materializeConst(t, onnx, 'bias');
}

/** The Add reading only this MatMul's output with a constant bias vector, for fusion into dense. */
function fusableBiasAdd(
  ctx: ImportContext,
  node: OnnxNode,
  units: number,
): { add: OnnxNode; bias: string } | undefined {
  const y = node.outputs[0]!;
  const readers = ctx.facts.consumers.get(y);
  if (ctx.facts.graphOutputs.has(y) || readers?.length !== 1) return undefined;
  const add = ctx.facts.nodes.get(readers[0]!);
  if (add?.opType !== 'Add' || add.domain !== '' || add.inputs.length !== 2) return undefined;
  const other = add.inputs[0] === y ? add.inputs[1]! : add.inputs[0]!;
  if (other === y) return undefined;
  const bias = biasVector(ctx, ctx.value(other), other, units);
  return bias !== undefined ? { add, bias } : undefined;
}

function emitDense(
  ctx: ImportContext,
  node: OnnxNode,
  x: string,
  weight: string,
  bias: string | undefined,
  output: string,
): boolean {
  const units = ctx.shape(weight)[1]!;
  return ctx.emit(node, 'dense', { units }, bias !== undefined ? [x, weight, bias] : [x, weight], [
    { onnx: output },
  ]);
}

const gemm: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['alpha', 'beta', 'transA', 'transB']);
  const alpha = a.float('alpha', 1);
  const beta = a.float('beta', 1);
  if (alpha !== 1) a.fail('alpha', String(alpha), '1 (a scaled product is not read)');
  if (beta !== 1 && ctx.has(node, 2)) a.fail('beta', String(beta), '1 (a scaled bias is not read)');
  const transA = a.intIn('transA', 0, [0], 'a transposed A is not read');
  const transB = a.intIn('transB', 0, [0, 1], 'a boolean') === 1;
  const x = ctx.input(node, 0, 'constant', 'A');
  const bValue = ctx.inputValue(node, 1, 'B');
  if (
    x === undefined ||
    bValue === undefined ||
    alpha !== 1 ||
    (beta !== 1 && ctx.has(node, 2)) ||
    transA !== 0
  ) {
    return false;
  }
  const y = node.outputs[0]!;
  const matrix = matrixOf(bValue);
  const cValue = ctx.has(node, 2) ? ctx.inputValue(node, 2, 'C') : undefined;
  if (ctx.has(node, 2) && cValue === undefined) return false;
  if (matrix !== undefined) {
    const bName = node.inputs[1]!;
    const tName = matrix.kind === 'param' ? matrix.p.name : bName;
    const weight = materializeMatrix(ctx, transB ? transposeMatrix(matrix, tName) : matrix, bName);
    const units = ctx.shape(weight)[1]!;
    const bias = cValue !== undefined ? biasVector(ctx, cValue, node.inputs[2]!, units) : undefined;
    if (cValue === undefined || bias !== undefined) return emitDense(ctx, node, x, weight, bias, y);
    const mid = ctx.freshName(`${y}__gemm`);
    const c = ctx.irName(cValue, node.inputs[2]!, 'bias');
    return (
      emitDense(ctx, node, x, weight, undefined, mid) &&
      ctx.emit(node, 'add', {}, [mid, c], [{ onnx: y }], `${node.name}/bias`)
    );
  }
  const b = ctx.irName(bValue, node.inputs[1]!, 'weight');
  if (cValue === undefined) return ctx.emit(node, 'matmul', { transB }, [x, b], [{ onnx: y }]);
  const mid = ctx.freshName(`${y}__gemm`);
  const c = ctx.irName(cValue, node.inputs[2]!, 'bias');
  return (
    ctx.emit(node, 'matmul', { transB }, [x, b], [{ onnx: mid }]) &&
    ctx.emit(node, 'add', {}, [mid, c], [{ onnx: y }], `${node.name}/bias`)
  );
};

const matmul: Converter = (ctx, node) => {
  ctx.attrs(node).checkKnown([]);
  const x = ctx.input(node, 0, 'constant', 'A');
  const bName = node.inputs[1] ?? '';
  const deferred = ctx.deferred.get(bName);
  const bValue = deferred === undefined ? ctx.inputValue(node, 1, 'B') : undefined;
  if (x === undefined || (deferred === undefined && bValue === undefined)) return false;
  const matrix = matrixOf(bValue);
  if (matrix !== undefined) {
    const weight = materializeMatrix(ctx, matrix, bName);
    const fused = fusableBiasAdd(ctx, node, ctx.shape(weight)[1]!);
    if (fused === undefined) return emitDense(ctx, node, x, weight, undefined, node.outputs[0]!);
    ctx.skip.add(fused.add.index);
    return emitDense(ctx, node, x, weight, fused.bias, fused.add.outputs[0]!);
  }
  const b = deferred ?? ctx.irName(bValue!, bName, 'weight');
  return ctx.emit(node, 'matmul', { transB: deferred !== undefined }, [x, b], [out(node)]);
};

// ---- element-wise ----------------------------------------------------------------------------

function nary(op: 'add' | 'mul'): Converter {
  return (ctx, node) => {
    ctx.attrs(node).checkKnown([]);
    const inputs = dataInputs(ctx, node);
    return inputs !== undefined && ctx.emit(node, op, {}, inputs, [out(node)]);
  };
}

/** x − c as x + (−c), and x / c as x · (1/c) when every c is a power of two (both exact). */
function withConstant(kind: 'Sub' | 'Div'): Converter {
  return (ctx, node) => {
    ctx.attrs(node).checkKnown([]);
    const x = ctx.input(node, 0, 'constant', 'A');
    const cValue = ctx.inputValue(node, 1, 'B');
    if (x === undefined || cValue === undefined) return false;
    if (cValue.kind !== 'const' || ![ELEM.FLOAT, ELEM.DOUBLE].includes(cValue.tensor.elemType)) {
      const why = kind === 'Sub' ? 'x − c is read as x + (−c)' : 'x / c is read as x · (1/c)';
      ctx.fail(node, 'inputs[1] (B)', showValue(node.inputs[1]), `a float constant (${why})`);
      return false;
    }
    const c = cValue.tensor;
    const powerOfTwo = (v: number): boolean =>
      v !== 0 && Number.isFinite(v) && 2 ** Math.round(Math.log2(Math.abs(v))) === Math.abs(v);
    if (kind === 'Div' && !c.values.every(powerOfTwo)) {
      ctx.fail(
        node,
        'inputs[1] (B)',
        showValue(node.inputs[1]),
        'a divisor whose every element is a power of two (then x / c = x · (1/c) exactly)',
      );
      return false;
    }
    const values = Float64Array.from(c.values, (v) => (kind === 'Sub' ? -v : 1 / v));
    const name = ctx.freshName(`${node.inputs[1]!}__${kind === 'Sub' ? 'neg' : 'reciprocal'}`);
    const k = ctx.materializeConst(makeConst(name, c.dims, c.elemType, values), name, 'constant');
    return ctx.emit(node, kind === 'Sub' ? 'add' : 'mul', {}, [x, k], [out(node)]);
  };
}

/** A scalar constant input as a number (absent: `fallback`). */
function scalarInput(
  ctx: ImportContext,
  node: OnnxNode,
  slot: number,
  role: string,
  fallback: number,
): number | undefined {
  if (!ctx.has(node, slot)) return fallback;
  const t = ctx.constant(node, slot, role);
  if (t === undefined) return undefined;
  if (t.values.length !== 1) {
    ctx.fail(node, `inputs[${slot}] (${role})`, `${t.values.length} values`, 'a scalar');
    return undefined;
  }
  return shortestFloat32(t.values[0]!);
}

const clip: Converter = (ctx, node) => {
  ctx.attrs(node).checkKnown([]);
  const x = ctx.input(node, 0, 'constant', 'input');
  const min = scalarInput(ctx, node, 1, 'min', -Infinity);
  const max = scalarInput(ctx, node, 2, 'max', Infinity);
  if (x === undefined || min === undefined || max === undefined) return false;
  if (min === 0 && max === 6) return ctx.emit(node, 'relu6', {}, [x], [out(node)]);
  return ctx.emit(node, 'clip', { min, max }, [x], [out(node)]);
};

const gelu: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['approximate']);
  const approx = a.string('approximate', 'none');
  if (approx !== 'none') {
    a.fail('approximate', JSON.stringify(approx), '"none" (the exact erf GELU; the tanh form is not read)');
    return false;
  }
  const x = ctx.input(node, 0, 'constant', 'X');
  return x !== undefined && ctx.emit(node, 'gelu', {}, [x], [out(node)]);
};

// ---- normalizations --------------------------------------------------------------------------

const softmax: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis']);
  const x = ctx.input(node, 0, 'constant', 'input');
  return x !== undefined && ctx.emit(node, 'softmax', { axis: a.int('axis', -1) }, [x], [out(node)]);
};

const batchnorm: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['epsilon', 'momentum', 'training_mode']);
  a.intIn('training_mode', 0, [0], 'inference mode only');
  const x = ctx.input(node, 0, 'constant', 'X');
  const roles = ['weight', 'bias', 'constant', 'constant'] as const;
  const names = ['scale', 'B', 'input_mean', 'input_var'];
  const params = roles.map((r, i) => ctx.input(node, i + 1, r, names[i]));
  if (x === undefined || params.some((p) => p === undefined) || !onlyFirstOutput(ctx, node)) return false;
  return ctx.emit(
    node,
    'batchnorm',
    { epsilon: a.float('epsilon', 1e-5) },
    [x, ...(params as string[])],
    [out(node)],
  );
};

const layernorm: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis', 'epsilon', 'stash_type']);
  a.intIn('stash_type', 1, [1], 'statistics in float32');
  const x = ctx.input(node, 0, 'constant', 'X');
  const gamma = ctx.input(node, 1, 'weight', 'Scale');
  const beta = ctx.has(node, 2) ? ctx.input(node, 2, 'bias', 'B') : undefined;
  if (
    x === undefined ||
    gamma === undefined ||
    (ctx.has(node, 2) && beta === undefined) ||
    !onlyFirstOutput(ctx, node)
  ) {
    return false;
  }
  const attrs = { axis: a.int('axis', -1), epsilon: a.float('epsilon', 1e-5) };
  return ctx.emit(node, 'layernorm', attrs, beta !== undefined ? [x, gamma, beta] : [x, gamma], [out(node)]);
};

const lrn: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['alpha', 'beta', 'bias', 'size']);
  if (!a.has('size')) a.fail('size', '(missing)', 'the number of channels to sum over');
  const x = ctx.input(node, 0, 'constant', 'X');
  const attrs = {
    size: a.int('size', 1),
    alpha: a.float('alpha', 1e-4),
    beta: a.float('beta', 0.75),
    bias: a.float('bias', 1),
  };
  return x !== undefined && a.has('size') && ctx.emit(node, 'lrn', attrs, [x], [out(node)]);
};

// ---- pools -----------------------------------------------------------------------------------

function pool(op: 'maxpool' | 'avgpool'): Converter {
  return (ctx, node) => {
    const a = ctx.attrs(node);
    const known = ['auto_pad', 'ceil_mode', 'dilations', 'kernel_shape', 'pads', 'strides'];
    a.checkKnown(op === 'maxpool' ? [...known, 'storage_order'] : [...known, 'count_include_pad']);
    const x = ctx.input(node, 0, 'constant', 'X');
    if (x === undefined || !onlyFirstOutput(ctx, node)) return false;
    const win = windowOf(ctx, node, a, ctx.shape(x), a.ints('kernel_shape'));
    if (win === undefined) return false;
    if (win.dilation[0] !== 1 || win.dilation[1] !== 1) {
      a.fail('dilations', `[${win.dilation.join(',')}]`, '[1,1] (dilated pools are not read)');
      return false;
    }
    if (op === 'maxpool') a.intIn('storage_order', 0, [0], 'row-major indices');
    const attrs = {
      kernel: win.kernel,
      stride: win.stride,
      pads: win.pads,
      ceilMode: a.intIn('ceil_mode', 0, [0, 1], 'a boolean') === 1,
      countIncludePad: op === 'avgpool' && a.intIn('count_include_pad', 0, [0, 1], 'a boolean') === 1,
    };
    return ctx.emit(node, op, attrs, [x], [op === 'maxpool' ? moved(ctx, node) : out(node)]);
  };
}

// ---- layout ----------------------------------------------------------------------------------

const concat: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis']);
  if (!a.has('axis')) a.fail('axis', '(missing)', 'the axis to concatenate on');
  const inputs = dataInputs(ctx, node);
  return (
    inputs !== undefined &&
    a.has('axis') &&
    ctx.emit(node, 'concat', { axis: a.int('axis', 0) }, inputs, [
      moved(
        ctx,
        node,
        node.inputs.map((_, i) => i),
      ),
    ])
  );
};

const reshape: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['allowzero']);
  const allowZero = a.intIn('allowzero', 0, [0, 1], 'a boolean') === 1;
  const x = ctx.input(node, 0, 'constant', 'data');
  const shape = ctx.constant(node, 1, 'shape');
  if (x === undefined || shape === undefined) return false;
  const target = Array.from(shape.values);
  if (allowZero && target.includes(0)) {
    a.fail('allowzero', '1 with a 0 in the shape', 'allowzero 0 (zero-sized dims are not read)');
    return false;
  }
  return ctx.emit(node, 'reshape', { shape: target }, [x], [moved(ctx, node)]);
};

const flatten: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['axis']);
  const x = ctx.input(node, 0, 'constant', 'input');
  return x !== undefined && ctx.emit(node, 'flatten', { axis: a.int('axis', 1) }, [x], [moved(ctx, node)]);
};

/** Whether a Transpose swaps only its last two dims and is read only as the B of one MatMul. */
function feedsMatMulAsTransB(ctx: ImportContext, node: OnnxNode, perm: readonly number[]): boolean {
  const r = perm.length;
  if (r < 2 || !perm.every((p, i) => (i < r - 2 ? p === i : p === (i === r - 2 ? r - 1 : r - 2))))
    return false;
  const y = node.outputs[0]!;
  const readers = ctx.facts.consumers.get(y);
  if (ctx.facts.graphOutputs.has(y) || readers?.length !== 1) return false;
  const reader = ctx.facts.nodes.get(readers[0]!);
  return (
    reader?.opType === 'MatMul' && reader.domain === '' && reader.inputs[1] === y && reader.inputs[0] !== y
  );
}

const transpose: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(['perm']);
  const x = ctx.input(node, 0, 'constant', 'data');
  if (x === undefined) return false;
  const rank = ctx.shape(x).length;
  const given = a.ints('perm');
  const perm = given ?? Array.from({ length: rank }, (_, i) => rank - 1 - i);
  if (feedsMatMulAsTransB(ctx, node, perm)) {
    ctx.deferred.set(node.outputs[0]!, x);
    return true;
  }
  return ctx.emit(node, 'transpose', { perm: given ?? [] }, [x], [moved(ctx, node)]);
};

/** Squeeze / Unsqueeze of an activation: a reshape to the resulting dims. */
function squeeze(kind: 'Squeeze' | 'Unsqueeze'): Converter {
  return (ctx, node) => {
    ctx.attrs(node).checkKnown([]);
    const x = ctx.input(node, 0, 'constant', 'data');
    const axesT = kind === 'Unsqueeze' || ctx.has(node, 1) ? ctx.constant(node, 1, 'axes') : undefined;
    if (x === undefined || (axesT === undefined && kind === 'Unsqueeze')) return false;
    const dims = ctx.shape(x);
    const axes = axesT !== undefined ? Array.from(axesT.values) : undefined;
    const rank = kind === 'Unsqueeze' ? dims.length + axes!.length : dims.length;
    const norm = axes?.map((v) => (v < 0 ? v + rank : v));
    if (
      norm !== undefined &&
      (norm.some((v) => !Number.isInteger(v) || v < 0 || v >= rank) || new Set(norm).size !== norm.length)
    ) {
      ctx.fail(node, 'inputs[1] (axes)', showValue(axes), `distinct axes in [-${rank}, ${rank - 1}]`);
      return false;
    }
    let target: number[];
    if (kind === 'Unsqueeze') {
      target = [];
      let k = 0;
      for (let i = 0; i < rank; i++) target.push(norm!.includes(i) ? 1 : dims[k++]!);
    } else {
      if (norm?.some((v) => dims[v] !== 1) === true) {
        ctx.fail(node, 'inputs[1] (axes)', showValue(axes), `axes of dims equal to 1 in [${dims.join(',')}]`);
        return false;
      }
      target = dims.filter((d, i) => (norm === undefined ? d !== 1 : !norm.includes(i)));
    }
    const resolved = reshapeDims(dims, target, true);
    return (
      typeof resolved !== 'string' && ctx.emit(node, 'reshape', { shape: resolved }, [x], [moved(ctx, node)])
    );
  };
}

export const FLOAT_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['Conv', conv],
  ['Gemm', gemm],
  ['MatMul', matmul],
  ['Add', nary('add')],
  ['Sum', nary('add')],
  ['Mul', nary('mul')],
  ['Sub', withConstant('Sub')],
  ['Div', withConstant('Div')],
  ['Relu', unary('relu')],
  ['Sigmoid', unary('sigmoid')],
  ['GlobalAveragePool', unary('globalavgpool')],
  ['Clip', clip],
  ['Gelu', gelu],
  ['Softmax', softmax],
  ['BatchNormalization', batchnorm],
  ['LayerNormalization', layernorm],
  ['LRN', lrn],
  ['MaxPool', pool('maxpool')],
  ['AveragePool', pool('avgpool')],
  ['Concat', concat],
  ['Reshape', reshape],
  ['Flatten', flatten],
  ['Transpose', transpose],
  ['Squeeze', squeeze('Squeeze')],
  ['Unsqueeze', squeeze('Unsqueeze')],
]);
