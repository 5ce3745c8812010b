/**
 * A real requantization multiplier in fixed-point form (multiplier + shift), as integer hardware
 * holds it. Here (not in numerics/) because both the executor and the targets' kernel generators
 * use it, and targets come before numerics in the folder order.
 */
import { InputError } from '../units/errors.js';

/** A multiplier in fixed-point form: M ≈ multiplier · 2^−shift. */
export interface FixedMultiplier {
  readonly multiplier: number;
  readonly shift: number;
}

/** M = m0 · 2^−shift with m0 of `bits` bits (top bit clear: a positive Q0.(bits−1) value ≥ ½). */
export function fixedMultiplier(m: number, bits: number): FixedMultiplier {
  if (!(m > 0) || !Number.isFinite(m)) {
    throw new InputError([
      { path: 'requant.multiplier', value: String(m), expected: 'a positive finite number' },
    ]);
  }
  if (!Number.isInteger(bits) || bits < 2 || bits > 53) {
    throw new InputError([
      { path: 'requant.multiplierBits', value: String(bits), expected: 'an integer in 2..53' },
    ]);
  }
  // m = f · 2^e with f in [0.5, 1)
  let e = Math.floor(Math.log2(m)) + 1;
  let f = m / 2 ** e;
  if (f >= 1) {
    f /= 2;
    e++;
  } else if (f < 0.5) {
    f *= 2;
    e--;
  }
  const top = 2 ** (bits - 1);
  let m0 = Math.round(f * top); // f·top > 0: Math.round is half away from zero here
  if (m0 === top) {
    m0 = top / 2;
    e++;
  }
  return { multiplier: m0, shift: bits - 1 - e };
}
