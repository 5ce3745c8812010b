/**
 * Operator versions of the default domain (ai.onnx). A model imports opset N; each op then has the
 * definition of its newest version ≤ N (docs/Operators.md of onnx/onnx lists every op's versions).
 *
 * bitcycle reads ops as defined from opset 13 on. Opset 13–21 is the supported range; opsets
 * 22–25 are accepted with a note, because the versions they add to the ops below only widen the
 * element types or add attributes that the converters check (QuantizeLinear / DequantizeLinear 23–25:
 * float4, float8e8m0, int2, `precision`). A model below opset 13 is accepted only when every op it
 * uses has the same definition there as at opset 13 (ConvInteger, MatMulInteger and QLinearConv
 * have not changed since opset 10); otherwise it is rejected, naming the op.
 */

/** Since-versions of each op this importer reads (or folds), oldest first. */
const HISTORY: Readonly<Record<string, readonly number[]>> = {
  Add: [1, 6, 7, 13, 14],
  AveragePool: [1, 7, 10, 11, 19, 22],
  BatchNormalization: [1, 6, 7, 9, 14, 15],
  Cast: [1, 6, 9, 13, 19, 21, 23, 24, 25],
  Clip: [1, 6, 11, 12, 13],
  Concat: [1, 4, 11, 13],
  Constant: [1, 9, 11, 12, 13, 19, 21, 23, 24, 25],
  ConstantOfShape: [9, 20, 21, 23, 24, 25],
  Conv: [1, 11, 22],
  ConvInteger: [10],
  DequantizeLinear: [10, 13, 19, 21, 23, 24, 25],
  Div: [1, 6, 7, 13, 14],
  Dropout: [1, 6, 7, 10, 12, 13, 22],
  Erf: [9, 13],
  Flatten: [1, 9, 11, 13, 21, 23, 24, 25],
  Gather: [1, 11, 13],
  Gelu: [20],
  Gemm: [1, 6, 7, 9, 11, 13],
  GlobalAveragePool: [1, 22],
  Identity: [1, 13, 14, 16, 19, 21, 23, 24, 25],
  LayerNormalization: [17],
  LRN: [1, 13],
  MatMul: [1, 9, 13],
  MatMulInteger: [10],
  MaxPool: [1, 8, 10, 11, 12, 22],
  Mul: [1, 6, 7, 13, 14],
  QLinearConv: [10],
  QLinearMatMul: [10, 21],
  QuantizeLinear: [10, 13, 19, 21, 23, 24, 25],
  Relu: [1, 6, 13, 14],
  Reshape: [1, 5, 13, 14, 19, 21, 23, 24, 25],
  Shape: [1, 13, 15, 19, 21, 23, 24, 25],
  Sigmoid: [1, 6, 13],
  Slice: [1, 10, 11, 13],
  Softmax: [1, 11, 13],
  Squeeze: [1, 11, 13, 21, 23, 24, 25],
  Sub: [1, 6, 7, 13, 14],
  Sum: [1, 6, 8, 13],
  Transpose: [1, 13, 21, 23, 24, 25],
  Unsqueeze: [1, 11, 13, 21, 23, 24, 25],
};

export const MIN_OPSET = 13;
export const MAX_TESTED_OPSET = 21;
/** The newest opset whose op versions are listed above. */
export const MAX_KNOWN_OPSET = 25;

export function knownOnnxOp(op: string): boolean {
  return Object.hasOwn(HISTORY, op);
}

/** The since-version of `op` in effect at `opset`, or undefined when the op did not exist yet. */
export function versionAt(op: string, opset: number): number | undefined {
  const history = HISTORY[op];
  if (history === undefined) return undefined;
  let found: number | undefined;
  for (const v of history) if (v <= opset) found = v;
  return found;
}

/**
 * Why `op` cannot be read at `opset` (undefined when it can). The caller has checked that the op is
 * known and that opset ≤ MAX_KNOWN_OPSET.
 */
export function opsetProblem(op: string, opset: number): string | undefined {
  const have = versionAt(op, opset);
  const first = HISTORY[op]![0]!;
  if (have === undefined) return `an opset of ${first} or later (${op} was introduced in opset ${first})`;
  const wanted = versionAt(op, MIN_OPSET) ?? first;
  if (have >= wanted) return undefined;
  return `opset ${MIN_OPSET} or later (opset ${opset} gives ${op}-${have}; bitcycle reads ${op}-${wanted} and later)`;
}
