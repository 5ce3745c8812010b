/** Fixed-point multipliers and exact rounding of acc · m0 / 2^shift, against hand and BigInt values. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveOptions } from '../../src/formats/rounding.js';
import { fixedMultiplier, roundScaledProduct } from '../../src/numerics/requant.js';

describe('fixedMultiplier', () => {
  it('hand values', () => {
    // 0.41666… = 0.8333…·2^−1: m0 = round(0.8333·128) = 107, shift 7 + 1 = 8
    expect(fixedMultiplier(0.125 / Math.fround(0.3), 8)).toEqual({ multiplier: 107, shift: 8 });
    // 1 = 0.5·2^1: m0 = 64, shift 6; just below 1 rounds up to the top and renormalizes to the same
    expect(fixedMultiplier(1, 8)).toEqual({ multiplier: 64, shift: 6 });
    expect(fixedMultiplier(0.99999, 8)).toEqual({ multiplier: 64, shift: 6 });
    // 3 = 0.75·2^2 with a Q0.31 multiplier: 0.75·2^31, shift 31 − 2 = 29
    expect(fixedMultiplier(3, 32)).toEqual({ multiplier: 0.75 * 2 ** 31, shift: 29 });
    expect(() => fixedMultiplier(0, 32)).toThrow();
  });
});

describe('roundScaledProduct', () => {
  const even = resolveOptions({ rounding: 'nearest-even' });
  const floor = resolveOptions({ rounding: 'floor' });

  /** round(x·m / 2^s) by BigInt: floor, then the remainder decides. */
  function reference(x: number, m: number, s: number, mode: 'nearest-even' | 'floor'): number {
    const p = BigInt(x) * BigInt(m);
    const d = 2n ** BigInt(s);
    let q = p / d;
    let r = p - q * d;
    if (r < 0n) {
      q -= 1n;
      r += d;
    }
    if (mode === 'floor' || 2n * r < d) return Number(q);
    if (2n * r > d) return Number(q + 1n);
    return Number(q % 2n === 0n ? q : q + 1n);
  }

  it('products beyond 2^53 are rounded exactly (BigInt reference)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.integer({ min: 2 ** 30, max: 2 ** 31 - 1 }),
        fc.integer({ min: 20, max: 40 }),
        (x, m, s) => {
          const f = { multiplier: m, shift: s };
          expect(roundScaledProduct(x, f, even)).toBe(reference(x, m, s, 'nearest-even'));
          expect(roundScaledProduct(x, f, floor)).toBe(reference(x, m, s, 'floor'));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('exact ties', () => {
    // 3·2^30 / 2^31 = 1.5 → 2; −1.5 → −2; 5·2^30/2^31 = 2.5 → 2
    expect(roundScaledProduct(3, { multiplier: 2 ** 30, shift: 31 }, even)).toBe(2);
    expect(roundScaledProduct(-3, { multiplier: 2 ** 30, shift: 31 }, even)).toBe(-2);
    expect(roundScaledProduct(5, { multiplier: 2 ** 30, shift: 31 }, even)).toBe(2);
    // a tie only visible beyond 2^53: (2^31 − 1)·(2^31 − 1) = 2^62 − 2^32 + 1; / 2^1 ends in .5
    const big = 2 ** 31 - 1;
    expect(roundScaledProduct(big, { multiplier: big, shift: 1 }, even)).toBe(
      reference(big, big, 1, 'nearest-even'),
    );
  });
});
