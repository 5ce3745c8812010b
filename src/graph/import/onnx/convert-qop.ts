/**
 * QOperator form: QLinearConv, QLinearMatMul, ConvInteger, MatMulInteger (ai.onnx) and QLinearAdd,
 * QLinearMul, QLinearGlobalAveragePool (com.microsoft) → conv2d / dense / matmul / add / mul /
 * globalavgpool with QuantSpecs on the inputs and the output.
 *
 * ConvInteger / MatMulInteger: inputs {uint8/int8, scale 1, zero point = the zp input or 0}, output
 * {int32, scale 1, zero point 0}. QLinearConv's int32 bias: {int32, scale s_x·s_w (float32, one per
 * output channel when the weight is per channel), zero point 0, axis 0}.
 */
import { ELEM } from './elem.js';
import { showValue } from '../../../units/errors.js';
import type { QuantSpec, Shape, TensorRole } from '../../ir.js';
import { quantFormatOfElem, type ImportContext, type OnnxNode, type Value } from './context.js';
import type { Converter } from './convert-float.js';
import { scaleTypeOf, valueFormat } from './convert-qdq.js';
import { capture } from './issues.js';
import { asList, makeSpec, paramFromStored } from './quant-spec.js';
import { CONV_ATTRS, convAttrsOf } from './window.js';

const INT32_UNIT: QuantSpec = { format: 'int32', scale: 1, zeroPoint: 0 };

interface Operand {
  readonly slot: number;
  readonly role: string;
  readonly value: Value;
  readonly format: string;
  readonly shape: Shape;
}

/** Input `slot` with its code format (an issue when it holds no quantized codes). */
function operand(ctx: ImportContext, node: OnnxNode, slot: number, role: string): Operand | undefined {
  const value = ctx.inputValue(node, slot, role);
  if (value === undefined) return undefined;
  const format = valueFormat(ctx, value);
  if (format === undefined || value.kind === 'param' || format === 'int32') {
    ctx.fail(
      node,
      `inputs[${slot}] (${role})`,
      showValue(node.inputs[slot]),
      'a tensor of 8-bit quantized elements',
    );
    return undefined;
  }
  return { slot, role, value, format, shape: ctx.valueShape(value) };
}

/**
 * The spec of an operand from its scale and zero-point inputs (absent scale: 1; absent zero point:
 * 0). More than one scale or zero point is per axis `axis` (the operand's dim there must match).
 */
function operandSpec(
  ctx: ImportContext,
  node: OnnxNode,
  op: Operand,
  slots: { readonly scale?: number; readonly zeroPoint: number },
  axis: number | undefined,
): QuantSpec | undefined {
  const scale = slots.scale !== undefined ? ctx.constant(node, slots.scale, `${op.role}_scale`) : undefined;
  const zp = ctx.optionalConstant(node, slots.zeroPoint, `${op.role}_zero_point`);
  if (
    (slots.scale !== undefined && scale === undefined) ||
    (ctx.has(node, slots.zeroPoint) && zp === undefined)
  ) {
    return undefined;
  }
  const scaleType = scale !== undefined ? scaleTypeOf(scale) : 'float32';
  if (scaleType === undefined) {
    ctx.fail(
      node,
      `inputs[${slots.scale!}] (${op.role}_scale)`,
      scale!.elemTypeName,
      'a FLOAT or FLOAT16 scale',
    );
    return undefined;
  }
  if (zp !== undefined && quantFormatOfElem(zp.elemType) !== op.format) {
    ctx.fail(
      node,
      `inputs[${slots.zeroPoint}] (${op.role}_zero_point)`,
      zp.elemTypeName,
      `elements of ${op.format}`,
    );
    return undefined;
  }
  const scales = scale !== undefined ? Array.from(scale.values) : [1];
  const zps = zp !== undefined ? Array.from(zp.values) : [0];
  const n = Math.max(scales.length, zps.length);
  if (n > 1) {
    const dim = axis !== undefined ? op.shape[axis < 0 ? axis + op.shape.length : axis] : undefined;
    const bad = (list: readonly number[]): boolean => list.length !== 1 && list.length !== n;
    if (dim !== n || bad(scales) || bad(zps)) {
      const where = axis !== undefined ? `${dim ?? '?'} (one per index of axis ${axis} of ${op.role})` : '1';
      ctx.fail(
        node,
        `inputs[${slots.scale ?? slots.zeroPoint}] (${op.role}_scale)`,
        `${n} values`,
        `1 or ${where}`,
      );
      return undefined;
    }
  }
  const widen = (list: readonly number[]): number[] =>
    list.length === n ? [...list] : new Array<number>(n).fill(list[0]!);
  return makeSpec({ format: op.format, scales: widen(scales), zeroPoints: widen(zps), axis, scaleType });
}

/** The IR tensor of a quantized operand: a graph/activation tensor takes or checks `spec`, codes become a Param. */
function useOperand(
  ctx: ImportContext,
  node: OnnxNode,
  op: Operand,
  spec: QuantSpec,
  role: TensorRole,
): string | undefined {
  if (op.value.kind === 'const') {
    const t = op.value.tensor;
    const param = capture(ctx.issues, `${node.path}.inputs[${op.slot}] (${op.role})`, () =>
      paramFromStored(node.inputs[op.slot]!, t.dims, t.values, spec),
    );
    return param !== undefined ? ctx.materializeParam(param, role) : undefined;
  }
  const name = ctx.irName(op.value, node.inputs[op.slot]!, role);
  if (!ctx.checkSpec(node, `inputs[${op.slot}].quant`, spec, op.shape)) return undefined;
  return ctx.requireQuant(node, op.slot, name, spec) ? name : undefined;
}

/** The output spec from y_scale / y_zero_point (format: the zero point's element type). */
function outputSpec(
  ctx: ImportContext,
  node: OnnxNode,
  scaleSlot: number,
  zpSlot: number,
): QuantSpec | undefined {
  const zp = ctx.optionalConstant(node, zpSlot, 'y_zero_point');
  if (ctx.has(node, zpSlot) && zp === undefined) return undefined;
  const format = zp !== undefined ? valueFormat(ctx, { kind: 'const', tensor: zp }) : 'uint8';
  if (format === undefined || format === 'int32') {
    ctx.fail(
      node,
      `inputs[${zpSlot}] (y_zero_point)`,
      zp?.elemTypeName ?? '(missing)',
      'an 8-bit quantized type',
    );
    return undefined;
  }
  const pseudo: Operand = { slot: 0, role: 'y', value: { kind: 'tensor', name: '' }, format, shape: [] };
  return operandSpec(ctx, node, pseudo, { scale: scaleSlot, zeroPoint: zpSlot }, undefined);
}

/** QLinearConv's int32 bias with scale s_x·s_w per output channel. */
function convBias(
  ctx: ImportContext,
  node: OnnxNode,
  x: QuantSpec,
  w: QuantSpec,
  slot: number,
): string | undefined {
  const b = ctx.constant(node, slot, 'B');
  if (b === undefined) return undefined;
  if (b.elemType !== ELEM.INT32) {
    ctx.fail(node, `inputs[${slot}] (B)`, b.elemTypeName, 'an INT32 bias');
    return undefined;
  }
  const sx = asList(x.scale)[0]!;
  const scales = asList(w.scale).map((s) => Math.fround(sx * s));
  const spec = makeSpec({ format: 'int32', scales, zeroPoints: [0], axis: 0, scaleType: w.scaleType });
  const param = capture(ctx.issues, `${node.path}.inputs[${slot}] (B)`, () =>
    paramFromStored(node.inputs[slot]!, b.dims, b.values, spec),
  );
  return param !== undefined ? ctx.materializeParam(param, 'bias') : undefined;
}

const qlinearConv: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(CONV_ATTRS);
  const xOp = operand(ctx, node, 0, 'x');
  const wOp = operand(ctx, node, 3, 'w');
  if (xOp === undefined || wOp === undefined) return false;
  const xSpec = operandSpec(ctx, node, xOp, { scale: 1, zeroPoint: 2 }, undefined);
  const wSpec = operandSpec(ctx, node, wOp, { scale: 4, zeroPoint: 5 }, 0);
  const ySpec = outputSpec(ctx, node, 6, 7);
  if (xSpec === undefined || wSpec === undefined || ySpec === undefined) return false;
  const x = useOperand(ctx, node, xOp, xSpec, 'constant');
  const w = useOperand(ctx, node, wOp, wSpec, 'weight');
  const b = ctx.has(node, 8) ? convBias(ctx, node, xSpec, wSpec, 8) : undefined;
  if (x === undefined || w === undefined || (ctx.has(node, 8) && b === undefined)) return false;
  const attrs = convAttrsOf(ctx, node, a, xOp.shape, wOp.shape);
  const inputs = b !== undefined ? [x, w, b] : [x, w];
  return (
    attrs !== undefined && ctx.emit(node, 'conv2d', attrs, inputs, [{ onnx: node.outputs[0]!, quant: ySpec }])
  );
};

const convInteger: Converter = (ctx, node) => {
  const a = ctx.attrs(node);
  a.checkKnown(CONV_ATTRS);
  const xOp = operand(ctx, node, 0, 'x');
  const wOp = operand(ctx, node, 1, 'w');
  if (xOp === undefined || wOp === undefined) return false;
  const xSpec = operandSpec(ctx, node, xOp, { zeroPoint: 2 }, undefined);
  const wSpec = operandSpec(ctx, node, wOp, { zeroPoint: 3 }, 0);
  if (xSpec === undefined || wSpec === undefined) return false;
  const x = useOperand(ctx, node, xOp, xSpec, 'constant');
  const w = useOperand(ctx, node, wOp, wSpec, 'weight');
  if (x === undefined || w === undefined) return false;
  const attrs = convAttrsOf(ctx, node, a, xOp.shape, wOp.shape);
  const y = { onnx: node.outputs[0]!, quant: INT32_UNIT, dtype: 'int32' as const };
  return attrs !== undefined && ctx.emit(node, 'conv2d', attrs, [x, w], [y]);
};

/** A 2-D constant B is a dense weight (per column: axis 1); anything else a matmul operand. */
function emitMatMul(
  ctx: ImportContext,
  node: OnnxNode,
  aOp: Operand,
  aSpec: QuantSpec,
  bOp: Operand,
  bSpec: QuantSpec,
  y: { onnx: string; quant: QuantSpec; dtype?: 'int32' },
): boolean {
  const dense = bOp.value.kind === 'const' && bOp.shape.length === 2;
  const x = useOperand(ctx, node, aOp, aSpec, 'constant');
  const b = useOperand(ctx, node, bOp, bSpec, 'weight');
  if (x === undefined || b === undefined) return false;
  if (dense) return ctx.emit(node, 'dense', { units: bOp.shape[1]! }, [x, b], [y]);
  return ctx.emit(node, 'matmul', { transB: false }, [x, b], [y]);
}

const qlinearMatMul: Converter = (ctx, node) => {
  ctx.attrs(node).checkKnown([]);
  const aOp = operand(ctx, node, 0, 'a');
  const bOp = operand(ctx, node, 3, 'b');
  if (aOp === undefined || bOp === undefined) return false;
  const aSpec = operandSpec(
    ctx,
    node,
    aOp,
    { scale: 1, zeroPoint: 2 },
    aOp.shape.length === 2 ? 0 : undefined,
  );
  const bSpec = operandSpec(ctx, node, bOp, { scale: 4, zeroPoint: 5 }, -1);
  const ySpec = outputSpec(ctx, node, 6, 7);
  if (aSpec === undefined || bSpec === undefined || ySpec === undefined) return false;
  return emitMatMul(ctx, node, aOp, aSpec, bOp, bSpec, { onnx: node.outputs[0]!, quant: ySpec });
};

const matMulInteger: Converter = (ctx, node) => {
  ctx.attrs(node).checkKnown([]);
  const aOp = operand(ctx, node, 0, 'A');
  const bOp = operand(ctx, node, 1, 'B');
  if (aOp === undefined || bOp === undefined) return false;
  const aSpec = operandSpec(ctx, node, aOp, { zeroPoint: 2 }, aOp.shape.length === 2 ? 0 : undefined);
  const bSpec = operandSpec(ctx, node, bOp, { zeroPoint: 3 }, -1);
  if (aSpec === undefined || bSpec === undefined) return false;
  return emitMatMul(ctx, node, aOp, aSpec, bOp, bSpec, {
    onnx: node.outputs[0]!,
    quant: INT32_UNIT,
    dtype: 'int32',
  });
};

function qlinearBinary(op: 'add' | 'mul'): Converter {
  return (ctx, node) => {
    ctx.attrs(node).checkKnown([]);
    const aOp = operand(ctx, node, 0, 'A');
    const bOp = operand(ctx, node, 3, 'B');
    if (aOp === undefined || bOp === undefined) return false;
    const aSpec = operandSpec(ctx, node, aOp, { scale: 1, zeroPoint: 2 }, undefined);
    const bSpec = operandSpec(ctx, node, bOp, { scale: 4, zeroPoint: 5 }, undefined);
    const cSpec = outputSpec(ctx, node, 6, 7);
    if (aSpec === undefined || bSpec === undefined || cSpec === undefined) return false;
    const a = useOperand(ctx, node, aOp, aSpec, 'constant');
    const b = useOperand(ctx, node, bOp, bSpec, 'constant');
    return (
      a !== undefined &&
      b !== undefined &&
      ctx.emit(node, op, {}, [a, b], [{ onnx: node.outputs[0]!, quant: cSpec }])
    );
  };
}

const qlinearGlobalAveragePool: Converter = (ctx, node) => {
  const attrs = ctx.attrs(node);
  attrs.checkKnown(['channels_last']);
  attrs.intIn('channels_last', 0, [0], 'NCHW layout');
  const xOp = operand(ctx, node, 0, 'X');
  if (xOp === undefined) return false;
  const xSpec = operandSpec(ctx, node, xOp, { scale: 1, zeroPoint: 2 }, undefined);
  const ySpec = outputSpec(ctx, node, 3, 4);
  if (xSpec === undefined || ySpec === undefined) return false;
  const x = useOperand(ctx, node, xOp, xSpec, 'constant');
  return (
    x !== undefined && ctx.emit(node, 'globalavgpool', {}, [x], [{ onnx: node.outputs[0]!, quant: ySpec }])
  );
};

export const QOP_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['QLinearConv', qlinearConv],
  ['QLinearMatMul', qlinearMatMul],
  ['ConvInteger', convInteger],
  ['MatMulInteger', matMulInteger],
]);

export const MS_CONVERTERS: ReadonlyMap<string, Converter> = new Map<string, Converter>([
  ['QLinearAdd', qlinearBinary('add')],
  ['QLinearMul', qlinearBinary('mul')],
  ['QLinearGlobalAveragePool', qlinearGlobalAveragePool],
]);
