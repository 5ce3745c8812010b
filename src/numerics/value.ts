/**
 * A tensor inside the executor: its shape, its QuantSpec and exact stored values when quantized,
 * and its real values (computed on first use for quantized tensors: ONNX DequantizeLinear).
 */
import type { FloatTensor, QuantSpec, Shape } from '../graph/ir.js';
import { realOf } from './spec.js';
import type { ExecTensor } from './types.js';

export interface Value {
  readonly shape: Shape;
  readonly quant: QuantSpec | undefined;
  readonly stored: Float64Array | undefined;
  real(): Float32Array;
}

export function floatValue(shape: Shape, real: Float32Array): Value {
  return { shape, quant: undefined, stored: undefined, real: () => real };
}

export function quantValue(shape: Shape, quant: QuantSpec, stored: Float64Array): Value {
  let real: Float32Array | undefined;
  return {
    shape,
    quant,
    stored,
    real: () => (real ??= realOf(stored, shape, quant)),
  };
}

/** A value with a QuantSpec and stored values (a quantized tensor). */
export type QuantValue = Value & { readonly quant: QuantSpec; readonly stored: Float64Array };

export function isQuantized(v: Value): v is QuantValue {
  return v.quant !== undefined && v.stored !== undefined;
}

export function asFloatTensor(v: Value): FloatTensor {
  return { shape: v.shape, data: v.real() };
}

export function toExecTensor(v: Value): ExecTensor {
  if (isQuantized(v)) return { shape: v.shape, quant: v.quant, stored: v.stored, real: v.real() };
  return { shape: v.shape, real: v.real() };
}
