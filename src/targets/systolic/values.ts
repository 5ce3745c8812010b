/**
 * E's data path: the layer's outputs computed without stepping PEs, in the exact order the array
 * accumulates, so R and E agree bit for bit in every accumulator format:
 *  - os: one accumulator per output, k = 0 … K−1 in order;
 *  - ws/is: a partial sum walks down a column through the R·fr … R·fr+ur−1 rows of one row fold,
 *    starting from 0; the partial sums of successive row folds are added in fold order.
 */
import type { GemmSegment } from '../../mapping/gemm.js';
import type { MacArithmetic, OperandSource } from './reference.js';
import type { Dataflow } from './spec.js';

export function gemmOutputs(
  segments: readonly GemmSegment[],
  dataflow: Dataflow,
  rows: number,
  src: OperandSource,
  ar: MacArithmetic,
): Map<number, Float64Array> {
  const out = new Map<number, Float64Array>();
  for (const seg of segments) {
    const { m: M, n: N, k: K } = seg;
    const y = new Float64Array(M * N);
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let total = 0;
        if (dataflow === 'os') {
          for (let k = 0; k < K; k++) total = ar.mac(total, src.a(seg.index, m, k), src.b(seg.index, k, n));
        } else {
          for (let k0 = 0, fr = 0; k0 < K; k0 += rows, fr++) {
            let psum = 0;
            const k1 = Math.min(K, k0 + rows);
            for (let k = k0; k < k1; k++) psum = ar.mac(psum, src.a(seg.index, m, k), src.b(seg.index, k, n));
            total = fr === 0 ? psum : ar.add(total, psum);
          }
        }
        y[m * N + n] = total;
      }
    }
    out.set(seg.index, y);
  }
  return out;
}
