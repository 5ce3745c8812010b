/**
 * Range pickers: choose the scale and zero point of one tensor or channel from its values.
 *
 * - `minmax`: the clip is the whole range of the values (max |x| when symmetric).
 * - `percentile`: the clip is the nearest-rank p-th percentile of |x| (symmetric) or the
 *   (100 − p)-th and p-th percentiles of x (asymmetric).
 * - `mmse`: the clip minimising the mean squared round-trip error E[(x − Q_α(x))²] in the target
 *   format, searched over α = t · (min-max clip), t ∈ (0, 1]: a uniform grid of t followed by a
 *   golden-section refinement around the best grid point (Choukroun et al., "Low-bit Quantization
 *   of Neural Networks for Efficient Inference", ICCVW 2019). With power-of-two scales the candidates
 *   are the scales 2^k at and below the min-max one (t = 2^−j). Large inputs are searched on a
 *   summary of their values (see mmseClip).
 */
import { absPercentile, everyKth, extent, percentile } from './stats.js';
import { isUniform, type Affine, type Clip, type Scheme } from './scheme.js';

export type RangeMethod = 'minmax' | 'percentile' | 'mmse';

export interface RangeOptions {
  readonly method: RangeMethod;
  /** For `percentile` (default 99.99). */
  readonly percentile?: number;
  /** For `mmse`: grid points over t ∈ (0, 1] (default 64). */
  readonly searchPoints?: number;
  /** For `mmse`: golden-section steps after the grid (default 20). */
  readonly refineSteps?: number;
}

export const DEFAULT_PERCENTILE = 99.99;
const DEFAULT_POINTS = 64;
const DEFAULT_REFINE = 20;
/** Power-of-two scales tried below the min-max one by `mmse`. */
const POW2_CANDIDATES = 24;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

export function minMaxClip(x: ArrayLike<number>, symmetric: boolean): Clip {
  const e = extent(x);
  return symmetric ? { lo: -e.absMax, hi: e.absMax } : { lo: e.min, hi: e.max };
}

export function percentileClip(x: ArrayLike<number>, symmetric: boolean, p: number): Clip {
  if (x.length === 0) return { lo: 0, hi: 0 };
  if (symmetric) {
    const a = absPercentile(x, p);
    return { lo: -a, hi: a };
  }
  return { lo: percentile(x, 100 - p), hi: percentile(x, p) };
}

export interface Minimum {
  readonly t: number;
  readonly value: number;
}

/**
 * Minimise f over (0, 1]: grid t = i / points (ties go to the larger t), then golden-section search
 * on the neighbouring interval. Returns the best point seen. f need not be unimodal.
 */
export function minimizeFraction(f: (t: number) => number, points: number, refine: number): Minimum {
  let best: Minimum = { t: 1, value: f(1) };
  let bestI = points;
  for (let i = points - 1; i >= 1; i--) {
    const t = i / points;
    const value = f(t);
    if (value < best.value) {
      best = { t, value };
      bestI = i;
    }
  }
  let a = (bestI - 1) / points;
  let b = Math.min(1, (bestI + 1) / points);
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let k = 0; k < refine; k++) {
    if (fc < best.value && c > 0) best = { t: c, value: fc };
    if (fd < best.value) best = { t: d, value: fd };
    if (fc <= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - GOLDEN * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + GOLDEN * (b - a);
      fd = f(d);
    }
  }
  if (fc < best.value && c > 0) best = { t: c, value: fc };
  if (fd < best.value) best = { t: d, value: fd };
  return best;
}

function scaled(clip: Clip, t: number): Clip {
  return { lo: clip.lo * t, hi: clip.hi * t };
}

/** A weighted summary of many values: bin means and counts. */
export interface Histogram {
  readonly values: Float64Array;
  readonly weights: Float64Array;
}

/**
 * `bins` equal bins over [min, max] of x; each non-empty bin is represented by the mean of its
 * values, weighted by their count (so Σ w·v is exact). Deterministic.
 */
export function histogramOf(x: ArrayLike<number>, bins: number): Histogram {
  const e = extent(x);
  const width = (e.max - e.min) / bins;
  const sums = new Float64Array(bins);
  const counts = new Float64Array(bins);
  for (let i = 0; i < x.length; i++) {
    const v = x[i]!;
    if (!Number.isFinite(v)) continue;
    const b = width > 0 ? Math.min(bins - 1, Math.floor((v - e.min) / width)) : 0;
    sums[b]! += v;
    counts[b]! += 1;
  }
  const keep: number[] = [];
  counts.forEach((c, b) => {
    if (c > 0) keep.push(b);
  });
  return {
    values: Float64Array.from(keep, (b) => sums[b]! / counts[b]!),
    weights: Float64Array.from(keep, (b) => counts[b]!),
  };
}

/** Above this many values the MMSE search runs on a summary of them (see mmseClip). */
export const MMSE_EXACT_MAX = 16384;
export const HISTOGRAM_BINS = 4096;

/**
 * What the MMSE search evaluates: x itself when short; else, for uniform formats, histogramOf(x)
 * (linear bins are finer than any uniform grid of ≤ 10 bits over the same range); for floating
 * formats, whose steps near 0 are finer than any linear bin, a stride sample of MMSE_EXACT_MAX.
 */
function searchSample(
  x: ArrayLike<number>,
  scheme: Scheme,
): { values: ArrayLike<number>; weights?: Float64Array } {
  if (x.length <= MMSE_EXACT_MAX) return { values: x };
  if (isUniform(scheme.format)) return histogramOf(x, HISTOGRAM_BINS);
  return { values: everyKth(x, Math.ceil(x.length / MMSE_EXACT_MAX)) };
}

/**
 * The clip minimising the round-trip MSE of x under the scheme, and its parameters. Up to
 * MMSE_EXACT_MAX values the error is exact; above, it is computed on a summary (searchSample) so
 * that each candidate costs O(MMSE_EXACT_MAX); the `mse` returned is the summary's.
 */
export function mmseClip(
  x: ArrayLike<number>,
  scheme: Scheme,
  opts: Pick<RangeOptions, 'searchPoints' | 'refineSteps'> = {},
  range: Clip = minMaxClip(x, scheme.symmetric),
): { clip: Clip; params: Affine; mse: number } {
  const full = symmetricIf(range, scheme.symmetric);
  const h = searchSample(x, scheme);
  const mseOf = (p: Affine): number => scheme.mse(h.values, p, h.weights);
  const mseAt = (t: number): number => mseOf(scheme.params(scaled(full, t)));
  let t: number;
  if (scheme.scaleKind === 'pow2') {
    t = 1;
    let value = mseAt(1);
    for (let j = 1; j <= POW2_CANDIDATES; j++) {
      const v = mseAt(2 ** -j);
      if (v < value) {
        value = v;
        t = 2 ** -j;
      }
    }
  } else {
    t = minimizeFraction(mseAt, opts.searchPoints ?? DEFAULT_POINTS, opts.refineSteps ?? DEFAULT_REFINE).t;
  }
  const clip = scaled(full, t);
  const params = scheme.params(clip);
  return { clip, params, mse: mseOf(params) };
}

function symmetricIf(clip: Clip, symmetric: boolean): Clip {
  if (!symmetric) return clip;
  const a = Math.max(Math.abs(clip.lo), Math.abs(clip.hi));
  return { lo: -a, hi: a };
}

/**
 * Scale and zero point of one tensor / channel by the chosen method. `range` is the exact
 * [min, max] when x is only a sample of the tensor (default: the range of x).
 */
export function chooseAffine(x: ArrayLike<number>, scheme: Scheme, opts: RangeOptions, range?: Clip): Affine {
  const full = range ?? minMaxClip(x, scheme.symmetric);
  switch (opts.method) {
    case 'minmax':
      return scheme.params(symmetricIf(full, scheme.symmetric));
    case 'percentile':
      return scheme.params(percentileClip(x, scheme.symmetric, opts.percentile ?? DEFAULT_PERCENTILE));
    case 'mmse':
      return mmseClip(x, scheme, opts, full).params;
  }
}
