/**
 * One normalization/quantization unit of the RBE (pulp.md §4.3: a 16-bit unsigned multiply, a
 * 32-bit signed add, an arithmetic right shift, optional ReLU and a clip to QAO bits). The clip
 * follows the RBE golden model (model/rbe.py): with ReLU to [0, 2^QAO − 1], without it to the
 * signed range [−2^(QAO−1), 2^(QAO−1) − 1]. All intermediate values stay below 2^53, so the
 * arithmetic on JS numbers is exact: |acc| < 2^31, scale < 2^16, |bias| ≤ 2^31.
 */
export function normQuant(
  acc: number,
  scale: number,
  bias: number,
  shift: number,
  relu: boolean,
  qao: number,
): number {
  const v = Math.floor((acc * scale + bias) / 2 ** shift);
  const lo = relu ? 0 : -(2 ** (qao - 1));
  const hi = relu ? 2 ** qao - 1 : 2 ** (qao - 1) - 1;
  return v < lo ? lo : v > hi ? hi : v;
}
