/**
 * Signed activations on the RBE. The engine multiplies unsigned activation codes x_u in
 * [0, 2^QA) (pulp.md §4); a signed code x_s in [−2^(QA−1), 2^(QA−1)) is sent as
 * x_u = x_s + 2^(QA−1), a zero point, as a compiler would lay it out (padding too: a padded
 * position holds 2^(QA−1), the code of zero). Then Σ x_u·w = Σ x_s·w + 2^(QA−1)·Σ w, and the
 * normalization's addend absorbs the difference exactly:
 *
 *     bias'[k] = bias[k] − scale[k] · 2^(QA−1) · Σ_i w[k][i]
 *
 * so (Σ x_u·w)·scale + bias' = (Σ x_s·w)·scale + bias before the shift, and the outputs are the
 * same integers. Signed outputs need no change: without ReLU the RBE clips to the signed QAO-bit
 * range (normquant.ts). The only condition is that bias' fits the 32-bit bias register.
 */
import type { RbeJob, RbeOperands } from './job.js';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Per output channel, Σ of its filter's weights ([kOut][fs][fs][kIn] layout). */
function filterSums(job: RbeJob, w: Int32Array): number[] {
  const per = w.length / job.kOut;
  const sums: number[] = [];
  for (let k = 0; k < job.kOut; k++) {
    let s = 0;
    for (let i = k * per; i < (k + 1) * per; i++) s += w[i] ?? 0;
    sums.push(s);
  }
  return sums;
}

/**
 * The job and operands the RBE runs for signed activation codes `x`: codes offset by 2^(QA−1) and
 * the offset folded into the bias. Returns a reason instead when a folded bias leaves int32.
 */
export function offsetSignedActivations(
  job: RbeJob,
  x: Int32Array,
  w: Int32Array,
): { readonly job: RbeJob; readonly ops: RbeOperands } | string {
  const zero = 2 ** (job.qa - 1);
  const sums = filterSums(job, w);
  const bias = job.norm.bias.map((b, k) => b - (job.norm.scale[k] ?? 0) * zero * (sums[k] ?? 0));
  const bad = bias.findIndex((b) => b < INT32_MIN || b > INT32_MAX);
  if (bad >= 0)
    return `signed activations: the folded bias of output channel ${bad} (${bias[bad]}) does not fit 32 bits`;
  return {
    job: { ...job, norm: { ...job.norm, bias } },
    ops: { x: x.map((v) => v + zero), w },
  };
}
