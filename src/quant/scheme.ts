/**
 * Scalar quantization schemes: how a real clipping range [lo, hi] becomes a scale and zero point of
 * a number format, and the round trip real → format value → real that calibration measures.
 *
 * Parameters live in the format's value domain, as QuantSpec has them: real = (v − zeroPoint) · scale
 * where v is a value of the format (an integer for intN, k·2^−n for fixed<m,n>, a decoded value for
 * floating formats).
 *
 * - uniform (int, uint, fixed): symmetric maps ±max(|lo|, |hi|) onto ±maxValue, zero point 0
 *   (narrow, signed integers only: the most negative value is unused); asymmetric maps
 *   [min(lo, 0), max(hi, 0)] onto [minValue, maxValue] with a zero point rounded onto the format's
 *   grid, so real 0 is exact.
 * - grid (minifloat, posit, pow2, binary, ternary): symmetric only, zero point 0, the clip maps onto
 *   the largest finite value and rounding is to the nearest value of the format's grid — except
 *   minifloats at least as wide as fp16 (fp16, bf16, fp32), which keep scale 1 unless the clip
 *   exceeds their range.
 *
 * `scaleKind: 'pow2'` rounds the scale up to a power of two (shift-only rescaling), so the clip is
 * never narrower than asked.
 */
import { sortedFiniteValues, type NumberFormat } from '../formats/index.js';

export type ScaleKind = 'real' | 'pow2';

/** Largest finite fp16 value: floating formats at least this wide are not scaled. */
const FP16_MAX = 65504;

/** Scale and zero point of one tensor or channel, in the format's value domain. */
export interface Affine {
  readonly scale: number;
  readonly zeroPoint: number;
}

/** A real clipping range. */
export interface Clip {
  readonly lo: number;
  readonly hi: number;
}

export interface Scheme {
  readonly format: NumberFormat;
  readonly symmetric: boolean;
  readonly narrow: boolean;
  readonly scaleKind: ScaleKind;
  /** Parameters mapping the clipping range onto the format's range. */
  readonly params: (clip: Clip) => Affine;
  /** Real value → nearest representable (saturating) → real value, as quantizeLinear does it. */
  readonly fakeQuant: (x: number, p: Affine) => number;
  /** Mean squared round-trip error of x under p (float64 sums), optionally weighted per value. */
  readonly mse: (x: ArrayLike<number>, p: Affine, weights?: ArrayLike<number>) => number;
}

export interface SchemeOptions {
  /** Symmetric (zero point 0). Grid formats and binary / ternary are always symmetric. */
  readonly symmetric: boolean;
  /** Signed integers: use −maxValue … maxValue (int8 → −127 … 127). */
  readonly narrow?: boolean;
  readonly scaleKind?: ScaleKind;
}

export function isUniform(fmt: NumberFormat): boolean {
  return fmt.kind === 'int' || fmt.kind === 'fixed';
}

/** A usable float32 scale: positive and finite (1 for a degenerate range), optionally 2^k. */
function finishScale(raw: number, kind: ScaleKind): number {
  const positive = Number.isFinite(raw) && raw > 0 ? raw : 1;
  const s = kind === 'pow2' ? 2 ** Math.ceil(Math.log2(positive)) : positive;
  const f = Math.fround(s);
  return f > 0 && Number.isFinite(f) ? f : 1;
}

/** Round half to even (Math.round rounds halves up). */
function rhe(t: number): number {
  const r = Math.round(t);
  return r - t === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function uniformScheme(fmt: NumberFormat, opts: SchemeOptions): Scheme {
  const step = 2 ** -fmt.hardware.fractionBits;
  const narrow = opts.narrow === true && fmt.signed && fmt.kind === 'int';
  const vmax = fmt.maxValue;
  const vmin = narrow ? -vmax : fmt.minValue;
  const kmax = vmax / step;
  const kmin = vmin / step;
  const symmetric = opts.symmetric && fmt.signed;
  const kind = opts.scaleKind ?? 'real';
  const saturate = (k: number): number => Math.min(kmax, Math.max(kmin, k));
  const params = (clip: Clip): Affine => {
    if (symmetric) {
      return {
        scale: finishScale(Math.max(Math.abs(clip.lo), Math.abs(clip.hi)) / vmax, kind),
        zeroPoint: 0,
      };
    }
    const lo = Math.min(clip.lo, 0);
    const hi = Math.max(clip.hi, 0);
    const scale = finishScale((hi - lo) / (vmax - vmin), kind);
    return { scale, zeroPoint: saturate(rhe((vmin - lo / scale) / step)) * step + 0 };
  };
  // quantizeLinear: v = fp32(x / scale), k = round(v / step) + zk, saturated; real = (k − zk)·step·scale.
  const fakeQuant = (x: number, p: Affine): number => {
    const zk = p.zeroPoint / step;
    const k = saturate(rhe(Math.fround(x / p.scale) / step) + zk);
    return Math.fround(Math.fround((k - zk) * step) * p.scale);
  };
  // The search's inner loop: one multiply instead of quantizeLinear's float32 division (the two
  // differ only on exact ties).
  const mse = (x: ArrayLike<number>, p: Affine, weights?: ArrayLike<number>): number => {
    const zk = p.zeroPoint / step;
    const unit = step * p.scale;
    const inv = 1 / unit;
    let sum = 0;
    let total = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const r = rhe(v * inv) + zk;
      const k = r > kmax ? kmax : r < kmin ? kmin : r;
      const d = v - (k - zk) * unit;
      const w = weights === undefined ? 1 : weights[i]!;
      sum += w * d * d;
      total += w;
    }
    return total === 0 ? 0 : sum / total;
  };
  return { format: fmt, symmetric, narrow, scaleKind: kind, params, fakeQuant, mse };
}

const thresholdCache = new WeakMap<NumberFormat, Float64Array>();

/**
 * The format's own rounding thresholds: entry i is the smallest x (to float64 bisection precision)
 * that fmt.quantize rounds to values[i + 1] rather than values[i]. They are not always the
 * arithmetic midpoints: posits never round a non-zero value to 0, for one.
 */
export function roundingThresholds(fmt: NumberFormat): Float64Array {
  const hit = thresholdCache.get(fmt);
  if (hit !== undefined) return hit;
  const values = sortedFiniteValues(fmt);
  const th = new Float64Array(Math.max(values.length - 1, 0));
  for (let i = 0; i + 1 < values.length; i++) {
    const lo = values[i]!;
    let a = lo;
    let b = values[i + 1]!;
    for (;;) {
      const m = a + (b - a) / 2;
      if (m === a || m === b) break;
      if (fmt.quantize(m) === lo) a = m;
      else b = m;
    }
    th[i] = b;
  }
  thresholdCache.set(fmt, th);
  return th;
}

/** The number of thresholds ≤ t: the index of the value t rounds to. */
function gridIndex(th: Float64Array, t: number): number {
  let lo = 0;
  let n = th.length;
  while (n > 0) {
    const half = n >>> 1;
    if (th[lo + half]! <= t) {
      lo += half + 1;
      n -= half + 1;
    } else n = half;
  }
  return lo;
}

function gridScheme(fmt: NumberFormat, opts: SchemeOptions): Scheme {
  const kind = opts.scaleKind ?? 'real';
  const vmax = fmt.maxValue;
  const values = sortedFiniteValues(fmt);
  // Wide floating formats (fp16 and wider) are used unscaled, as in practice (per-tensor scales
  // belong to FP8 and narrower): stretching a tensor onto bf16's 3.4e38 would overflow every product.
  const unscaled = fmt.kind === 'minifloat' && vmax >= FP16_MAX;
  const params = (clip: Clip): Affine => {
    const ratio = Math.max(Math.abs(clip.lo), Math.abs(clip.hi)) / vmax;
    return { scale: finishScale(unscaled ? Math.max(1, ratio) : ratio, kind), zeroPoint: 0 };
  };
  const fakeQuant = (x: number, p: Affine): number =>
    Math.fround(fmt.quantize(Math.fround(x / p.scale)) * p.scale);
  // The format's rounding (thresholds found once per format), saturating at the extreme values.
  const mse = (x: ArrayLike<number>, p: Affine, weights?: ArrayLike<number>): number => {
    const th = roundingThresholds(fmt);
    let sum = 0;
    let total = 0;
    for (let i = 0; i < x.length; i++) {
      const v = x[i]!;
      const d = v - values[gridIndex(th, Math.fround(v / p.scale))]! * p.scale;
      const w = weights === undefined ? 1 : weights[i]!;
      sum += w * d * d;
      total += w;
    }
    return total === 0 ? 0 : sum / total;
  };
  return { format: fmt, symmetric: true, narrow: false, scaleKind: kind, params, fakeQuant, mse };
}

export function makeScheme(fmt: NumberFormat, opts: SchemeOptions): Scheme {
  return isUniform(fmt) ? uniformScheme(fmt, opts) : gridScheme(fmt, opts);
}

/** Mean squared round-trip error of x under p, in float64. */
export function schemeMse(scheme: Scheme, x: ArrayLike<number>, p: Affine): number {
  return scheme.mse(x, p);
}
