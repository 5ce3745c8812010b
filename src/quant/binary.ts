/**
 * Weight quantizers of the multiplier-free formats, per tensor or per channel:
 *
 * - binary (XNOR-Net, Rastegari et al., ECCV 2016): w ≈ α · sign(w), α = mean |w|, which minimises
 *   Σ (w − α · sign(w))². sign(0) = +1.
 * - ternary (TWN, Li et al., "Ternary Weight Networks", 2016): threshold Δ = 0.7 · mean |w|,
 *   t = sign(w) where |w| > Δ else 0, α = mean of |w| over |w| > Δ.
 *
 * Stored values are the format's values (±1, or −1 / 0 / +1); the scale is α (1 when degenerate).
 */
import { meanAbs } from './stats.js';

export interface SignCodes {
  /** Stored values: ±1 (binary) or −1 / 0 / 1 (ternary). */
  readonly stored: Float64Array;
  readonly scale: number;
}

/** TWN's threshold factor. */
export const TWN_THRESHOLD = 0.7;

function usableScale(a: number): number {
  const f = Math.fround(a);
  return Number.isFinite(f) && f > 0 ? f : 1;
}

export function binarize(w: ArrayLike<number>): SignCodes {
  const stored = new Float64Array(w.length);
  for (let i = 0; i < w.length; i++) stored[i] = w[i]! < 0 ? -1 : 1;
  return { stored, scale: usableScale(meanAbs(w)) };
}

export function ternarize(w: ArrayLike<number>): SignCodes {
  const delta = TWN_THRESHOLD * meanAbs(w);
  const stored = new Float64Array(w.length);
  let sum = 0;
  let count = 0;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (Math.abs(v) > delta) {
      stored[i] = v < 0 ? -1 : 1;
      sum += Math.abs(v);
      count++;
    }
  }
  return { stored, scale: usableScale(count === 0 ? 0 : sum / count) };
}
