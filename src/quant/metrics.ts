/**
 * Output error of a quantized run against the float32 reference, over several tensors and inputs
 * at once: SQNR from numerics/compare.ts tensorError (10·log10(Σ ref² / Σ (ref − test)²), Infinity
 * when identical) over all the values concatenated, and the noise power (mean squared error) that
 * the mixed-precision search adds up across layers.
 */
import { tensorError } from '../numerics/compare.js';

export interface OutputError {
  readonly sqnrDb: number;
  /** Mean squared error per element. */
  readonly noisePower: number;
  readonly maxAbsError: number;
}

export interface RefTest {
  readonly ref: ArrayLike<number>;
  readonly test: ArrayLike<number>;
}

function concatenated(parts: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) out[o + i] = p[i]!;
    o += p.length;
  }
  return out;
}

/** The error of every test tensor against its reference, taken as one tensor. */
export function combinedError(pairs: readonly RefTest[]): OutputError {
  const ref = concatenated(pairs.map((p) => p.ref));
  const test = concatenated(pairs.map((p) => p.test));
  const e = tensorError('outputs', ref, test);
  let noise = 0;
  for (let i = 0; i < ref.length; i++) noise += (ref[i]! - test[i]!) ** 2;
  return {
    sqnrDb: e.sqnrDb,
    noisePower: ref.length === 0 ? 0 : noise / ref.length,
    maxAbsError: e.maxAbsError,
  };
}

/** SQNR of one tensor (numerics/compare.ts tensorError). */
export function sqnrDb(ref: ArrayLike<number>, test: ArrayLike<number>): number {
  return tensorError('tensor', ref, test).sqnrDb;
}
