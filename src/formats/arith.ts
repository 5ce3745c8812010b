/**
 * The arithmetic of a MAC unit: multiply two decoded operands and accumulate in the accumulator
 * format. Shared by every target that computes data (the systolic array's PEs, the PULP kernels)
 * and by the bit-accurate executor, so that they agree bit for bit.
 *
 * Semantics (non-fused, as separate multiplier and adder stages):
 *   product = round_acc(a · b)        — a·b is exact in fp64 for operands of ≤ 26 significant bits
 *   acc'    = round_acc(acc + product)
 * For integer accumulators round_acc is the identity and the result wraps (two's complement) or
 * saturates at the accumulator width. For floating accumulators rounding is to nearest even; the
 * fp64 sum before rounding is harmless (double rounding is innocuous when 53 ≥ 2p + 2, true for
 * fp32 and narrower accumulators).
 */
import { parseFormat } from './registry.js';
import type { NumberFormat, OverflowMode } from './types.js';

export interface MacArithmetic {
  readonly accumulator: string;
  /** Integer accumulators: wrap or saturate at their width (floating ones round and saturate). */
  readonly overflow: OverflowMode;
  readonly mac: (acc: number, a: number, b: number) => number;
  readonly add: (x: number, y: number) => number;
}

export function macArithmetic(accumulatorFormat: string, overflow: OverflowMode = 'wrap'): MacArithmetic {
  const f = parseFormat(accumulatorFormat);
  if (f.kind === 'int' && f.signed) return integerArithmetic(f, overflow);
  if (f.name === 'fp32') {
    return {
      accumulator: f.name,
      overflow: 'saturate',
      mac: (acc, a, b) => Math.fround(acc + Math.fround(a * b)),
      add: (x, y) => Math.fround(x + y),
    };
  }
  if (f.kind === 'minifloat' || f.kind === 'posit' || f.kind === 'fixed') {
    const q = (x: number): number => f.quantize(x, { rounding: 'nearest-even', overflow: 'saturate' });
    return {
      accumulator: f.name,
      overflow: 'saturate',
      mac: (acc, a, b) => q(acc + q(a * b)),
      add: (x, y) => q(x + y),
    };
  }
  throw new RangeError(`${f.name} cannot be an accumulator (use a signed integer or a floating format)`);
}

function integerArithmetic(f: NumberFormat, overflow: OverflowMode): MacArithmetic {
  const bits = f.bits;
  const max = f.maxValue;
  const min = f.minValue;
  const modulus = 2 ** bits;
  const wrap =
    bits === 32
      ? (x: number): number => x | 0
      : (x: number): number => {
          let r = x % modulus;
          if (r > max) r -= modulus;
          else if (r < min) r += modulus;
          return r;
        };
  const fit = overflow === 'wrap' ? wrap : (x: number): number => (x > max ? max : x < min ? min : x);
  return { accumulator: f.name, overflow, mac: (acc, a, b) => fit(acc + a * b), add: (x, y) => fit(x + y) };
}
