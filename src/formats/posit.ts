/**
 * Posits ⟨n, es⟩ after the 2022 Posit Standard (which fixes es = 2; the ⟨n, es⟩ family uses the same
 * rules with es exponent bits, as in Gustafson & Yonemoto 2017 and SoftPosit).
 *
 * Decoding an n-bit code c:
 * - c = 0 is zero; c = 1000…0 is NaR (not a real), decoded as NaN.
 * - Otherwise the sign is the top bit; a negative posit is decoded from its two's complement (2^n − c).
 * - After the sign comes the regime: a run of r identical bits ended by the opposite bit or by the
 *   end of the word. A run of ones gives k = r − 1, a run of zeros k = −r.
 * - Then up to es exponent bits e (bits cut off by the end of the word count as 0), then the f
 *   remaining fraction bits F.
 * - value = ± useed^k · 2^e · (1 + F / 2^f), useed = 2^(2^es).
 *
 * Rounding (standard §: rounding): a value equal to a posit is kept; |x| > maxpos gives ±maxpos and
 * 0 < |x| < minpos gives ±minpos (a posit never rounds to zero or NaR); otherwise, between neighbours
 * u < x < w with bit pattern U, the threshold is the (n+1)-bit posit with pattern U·1; x below it
 * goes to u, above to w, and a tie to the one whose last bit is 0.
 */

import type { GridSource } from './grid.js';
import type { PositSpec } from './spec.js';

/** Decode an n-bit posit (n ≤ 17 here, so plain 32-bit integer operations are exact). */
export function decodePosit(n: number, es: number, code: number): number {
  if (code === 0) return 0;
  const nar = 2 ** (n - 1);
  if (code === nar) return NaN;
  const negative = code > nar;
  const c = negative ? 2 ** n - code : code;
  let i = n - 2;
  const first = (c >>> i) & 1;
  let run = 0;
  while (i >= 0 && ((c >>> i) & 1) === first) {
    run++;
    i--;
  }
  i--; // the terminating bit (absent when the run reaches the end of the word)
  const k = first === 1 ? run - 1 : -run;
  let e = 0;
  for (let j = 0; j < es; j++) {
    e = 2 * e + (i >= 0 ? (c >>> i) & 1 : 0);
    i--;
  }
  const fractionBits = Math.max(i + 1, 0);
  const fraction = fractionBits > 0 ? c & (2 ** fractionBits - 1) : 0;
  const magnitude = (1 + fraction / 2 ** fractionBits) * 2 ** (k * 2 ** es + e);
  return negative ? -magnitude : magnitude;
}

/** Largest number of fraction bits any posit⟨n, es⟩ carries (regime of 2 bits). */
export function positMaxFractionBits(spec: PositSpec): number {
  return Math.max(spec.bits - 3 - spec.es, 0);
}

/** Largest |scale exponent| (log2 of maxpos): (n − 2) · 2^es. */
export function positMaxScale(spec: PositSpec): number {
  return (spec.bits - 2) * 2 ** spec.es;
}

export function positSource(name: string, spec: PositSpec): GridSource {
  const n = spec.bits;
  const nar = 2 ** (n - 1);
  const wideMask = 2 ** (n + 1) - 1;
  return {
    name,
    bits: n,
    decode: (code) => decodePosit(n, spec.es, code),
    nanCode: nar,
    // The standard converts ±∞ (like NaN) to NaR.
    infinityInputCode: nar,
    midpoint: (loCode, _hiCode, lo, hi) => {
      // Next to zero every nonzero x goes to ±minpos: the threshold is zero itself.
      if (lo === 0 || hi === 0) return 0;
      return decodePosit(n + 1, spec.es, ((loCode * 2) & wideMask) | 1);
    },
  };
}
