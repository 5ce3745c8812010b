/**
 * Requantization: an integer-domain value (an accumulator, or a stored value minus its zero point)
 * times a real multiplier M, rounded onto an output grid.
 *
 * `float` mode is the ONNX reference's QLinearConv / QLinearMatMul arithmetic:
 *   M = (s_a · s_b) / s_y, each operation rounded to the scales' element type (float32, or float16
 *   for float16 scales, as numpy does for those arrays), then
 *   y = saturate(round(acc · M + zp_y)) with acc · M + zp_y in float64.
 * The zero point is added before rounding (numpy: rint(C·M + zp)); for an odd zp and a tie this
 * differs from QuantizeLinear's round-then-add. Rounding is nearest-even unless told otherwise.
 *
 * `fixed-point` mode is the gemmlowp / TFLite integer pipeline: M (formed in float64) = m0 · 2^−s
 * with m0 a `multiplierBits`-bit integer in [2^(B−2), 2^(B−1)) (rounded half away from zero, as
 * TFLite's QuantizeMultiplier), and y = saturate(round(acc · m0 / 2^s) + zp_y) computed exactly
 * with ONE rounding in the given mode (TFLite rounds twice: a rounding doubling high multiply, then
 * a rounding shift; the two agree except on rare near-ties).
 */
import { resolveOptions, roundToInteger, type ResolvedRounding } from '../formats/rounding.js';
import type { NumberFormat, RoundingMode } from '../formats/types.js';
import type { RequantOptions } from './types.js';
import { InputError } from '../units/errors.js';

import { fixedMultiplier, type FixedMultiplier } from '../formats/fixed-multiplier.js';

export { fixedMultiplier, type FixedMultiplier };

/** round(x · m0 / 2^shift) exactly, for integer x and m0. */
export function roundScaledProduct(x: number, f: FixedMultiplier, r: ResolvedRounding): number {
  const p = x * f.multiplier;
  if (Math.abs(p) < 2 ** 53) return roundToInteger(p * 2 ** -f.shift, r);
  // the product is not exact in float64: split it into quotient and remainder with BigInt
  const big = BigInt(x) * BigInt(f.multiplier);
  if (f.shift <= 0) return Number(big * 2n ** BigInt(-f.shift));
  const d = 2n ** BigInt(f.shift);
  let q = big / d;
  let rem = big - q * d;
  if (rem < 0n) {
    q -= 1n;
    rem += d;
  }
  const limit = 2n ** 50n;
  if (q > limit || q < -limit) return Number(q); // far beyond any output range: saturates anyway
  // a value with the same integer part and the same position relative to the half
  const twice = 2n * rem;
  const frac = rem === 0n ? 0 : twice < d ? 0.25 : twice === d ? 0.5 : 0.75;
  return roundToInteger(Number(q) + frac, r);
}

/** The integer output grid of a uniform format, in units of its step. */
export interface OutputGrid {
  /** Smallest and largest representable value, in steps. */
  readonly lo: number;
  readonly hi: number;
  /** Value of one step (1 for integers, 2^−frac for fixed point). */
  readonly step: number;
}

export function outputGrid(fmt: NumberFormat, narrow: boolean | undefined): OutputGrid {
  const step = fmt.minPositive;
  let lo = fmt.minValue / step;
  const hi = fmt.maxValue / step;
  if (narrow === true && fmt.kind === 'int' && fmt.signed) lo += 1;
  return { lo, hi, step };
}

/** Round-half-even of a float64 (the default, inlined for speed). */
function rint(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The requantization of one layer: resolved options. */
export interface Requantizer {
  readonly mode: 'float' | 'fixed-point';
  readonly bits: number;
  readonly rounding: ResolvedRounding;
}

/** Resolved options; the rounding defaults to the output spec's, then nearest-even. */
export function requantizer(opts: RequantOptions | undefined, specRounding?: RoundingMode): Requantizer {
  const mode = opts?.mode ?? 'float';
  const rounding: RoundingMode = opts?.rounding ?? specRounding ?? 'nearest-even';
  if (rounding === 'stochastic') {
    throw new InputError([
      {
        path: 'requant.rounding',
        value: rounding,
        expected: 'a deterministic rounding mode (not stochastic)',
      },
    ]);
  }
  const modeText: string = mode; // options may come from untyped configuration
  if (modeText !== 'float' && modeText !== 'fixed-point') {
    throw new InputError([{ path: 'requant.mode', value: modeText, expected: 'float or fixed-point' }]);
  }
  return { mode, bits: opts?.multiplierBits ?? 32, rounding: resolveOptions({ rounding }) };
}

/**
 * y = clamp(round(x · M) + zp) on the grid (in steps of the output grid), for one multiplier.
 * Returns a function of the integer-domain value x; float mode adds zp before rounding (ONNX).
 */
export function scaler(
  rq: Requantizer,
  multiplier: number,
  zpSteps: number,
  grid: OutputGrid,
): (x: number) => number {
  const { lo, hi } = grid;
  // NaN (a floating accumulator's NaN) maps to the zero point; + 0 turns −0 into +0
  const clamp = (v: number): number => (v < lo ? lo : v > hi ? hi : Number.isNaN(v) ? zpSteps : v + 0);
  if (rq.mode === 'fixed-point') {
    const f = fixedMultiplier(multiplier, rq.bits);
    return (x) => clamp(roundScaledProduct(x, f, rq.rounding) + zpSteps);
  }
  if (rq.rounding.mode === 'nearest-even') return (x) => clamp(rint(x * multiplier + zpSteps));
  const r = rq.rounding;
  return (x) => clamp(roundToInteger(x * multiplier + zpSteps, r));
}
