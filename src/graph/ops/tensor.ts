/** Shape arithmetic and small FloatTensor helpers shared by the op definitions. */
import { elementCount, type FloatTensor, type Shape } from '../ir.js';

export function makeTensor(shape: Shape, data: Float32Array): FloatTensor {
  return { shape: [...shape], data };
}

export function zeros(shape: Shape): FloatTensor {
  return makeTensor(shape, new Float32Array(elementCount(shape)));
}

/** Row-major strides of a shape. */
export function stridesOf(shape: Shape): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = strides[i + 1]! * shape[i + 1]!;
  return strides;
}

/** Product of dims [from, to). */
export function product(shape: Shape, from = 0, to = shape.length): number {
  let n = 1;
  for (let i = from; i < to; i++) n *= shape[i]!;
  return n;
}

/**
 * Numpy broadcasting of several shapes (right-aligned; each dim equal or 1). Undefined when the
 * shapes do not broadcast.
 */
export function broadcastShapes(shapes: readonly Shape[]): Shape | undefined {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const offset = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i]!;
      const cur = out[offset + i]!;
      if (cur === 1) out[offset + i] = d;
      else if (d !== 1 && d !== cur) return undefined;
    }
  }
  return out;
}

/**
 * Strides for reading a tensor of `shape` while iterating over `outShape` (which it broadcasts to):
 * 0 along broadcast dims, right-aligned.
 */
export function broadcastStrides(shape: Shape, outShape: Shape): number[] {
  const own = stridesOf(shape);
  const offset = outShape.length - shape.length;
  return outShape.map((_, i) => {
    const j = i - offset;
    return j < 0 || shape[j] === 1 ? 0 : own[j]!;
  });
}

/**
 * For each element of `outShape` in row-major order, the flat offset into each operand with the
 * given (broadcast) strides. Returns one Int32Array per operand.
 */
export function broadcastOffsets(
  outShape: Shape,
  operandStrides: readonly (readonly number[])[],
): Int32Array[] {
  const total = elementCount(outShape);
  const rank = outShape.length;
  const result = operandStrides.map(() => new Int32Array(total));
  const index = new Array<number>(rank).fill(0);
  const current = operandStrides.map(() => 0);
  for (let flat = 0; flat < total; flat++) {
    for (let k = 0; k < result.length; k++) result[k]![flat] = current[k]!;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]!++;
      for (let k = 0; k < current.length; k++) current[k] = current[k]! + operandStrides[k]![d]!;
      if (index[d]! < outShape[d]!) break;
      for (let k = 0; k < current.length; k++)
        current[k] = current[k]! - operandStrides[k]![d]! * outShape[d]!;
      index[d] = 0;
    }
  }
  return result;
}
