/**
 * Statistics of real-valued tensors for calibration: channel slices, min / max / absolute max,
 * mean |x|, nearest-rank percentiles and a deterministic subsample. All pure, float64 accumulation.
 */

/** The values of each index of `axis` (row-major), gathered into one array per channel. */
export function channelSlices(data: Float32Array, shape: readonly number[], axis: number): Float32Array[] {
  const dim = shape[axis] ?? 1;
  let inner = 1;
  for (let i = axis + 1; i < shape.length; i++) inner *= shape[i]!;
  const outer = dim === 0 ? 0 : data.length / (dim * inner);
  const out: Float32Array[] = [];
  for (let c = 0; c < dim; c++) {
    const slice = new Float32Array(outer * inner);
    let k = 0;
    for (let o = 0; o < outer; o++) {
      const base = (o * dim + c) * inner;
      for (let r = 0; r < inner; r++) slice[k++] = data[base + r]!;
    }
    out.push(slice);
  }
  return out;
}

export interface Extent {
  readonly min: number;
  readonly max: number;
  /** max(|min|, |max|) */
  readonly absMax: number;
}

/** Smallest and largest finite values (0, 0 for an empty or all-non-finite array). */
export function extent(x: ArrayLike<number>): Extent {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min > max) return { min: 0, max: 0, absMax: 0 };
  return { min, max, absMax: Math.max(Math.abs(min), Math.abs(max)) };
}

export function meanAbs(x: ArrayLike<number>): number {
  if (x.length === 0) return 0;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]!);
  return s / x.length;
}

/**
 * The nearest-rank p-th percentile (0 < p ≤ 100) of x: the value of rank ⌈p/100 · n⌉ (1-based) in
 * ascending order, rank at least 1. p = 100 is the maximum. NaN for an empty array.
 */
export function percentile(x: ArrayLike<number>, p: number): number {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile ${p} is not in (0, 100]`);
  const n = x.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(x).sort();
  // p·n/100 in that order keeps 99.9 % of 1000 at exactly 999; the tolerance absorbs the last ulp.
  const rank = Math.min(n, Math.max(1, Math.ceil((p * n) / 100 - 1e-9)));
  return sorted[rank - 1]!;
}

/** The nearest-rank percentile of |x|. */
export function absPercentile(x: ArrayLike<number>, p: number): number {
  const abs = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) abs[i] = Math.abs(x[i]!);
  return percentile(abs, p);
}

/** Every k-th element of x, from the first (a copy of x when k ≤ 1). Deterministic. */
export function everyKth(x: ArrayLike<number>, k: number): Float32Array {
  if (k <= 1) return Float32Array.from(x);
  const out = new Float32Array(Math.ceil(x.length / k));
  for (let i = 0, j = 0; i < x.length; i += k, j++) out[j] = x[i]!;
  return out;
}

/** Concatenate arrays. */
export function concat(parts: readonly Float32Array[]): Float32Array {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const out = new Float32Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
