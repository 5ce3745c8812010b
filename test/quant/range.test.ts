import { describe, expect, it } from 'vitest';
import { parseFormat, sortedFiniteValues } from '../../src/formats/index.js';
import {
  chooseAffine,
  histogramOf,
  makeScheme,
  minMaxClip,
  MMSE_EXACT_MAX,
  minimizeFraction,
  mmseClip,
  percentile,
  percentileClip,
  roundingThresholds,
  schemeMse,
  type Scheme,
} from '../../src/quant/index.js';
import { gaussianSample, laplaceSample, lcg } from './helpers.js';

function symmetric(format: string, narrow = true): Scheme {
  return makeScheme(parseFormat(format), { symmetric: true, narrow });
}

/** The test's own symmetric b-bit narrow-range quantizer: clip α, levels k·α/qmax, |k| ≤ qmax. */
function ownMse(x: Float32Array, alpha: number, bits: number): number {
  const qmax = 2 ** (bits - 1) - 1;
  const s = alpha / qmax;
  let sum = 0;
  for (const v of x) {
    const k = Math.max(-qmax, Math.min(qmax, Math.round(v / s)));
    sum += (v - k * s) ** 2;
  }
  return sum / x.length;
}

describe('MMSE clipping (Choukroun et al. 2019)', () => {
  it('finds the hand-derived optimum of a two-point distribution', () => {
    // 100 values at 1 and one at 10, int2 narrow (levels −s, 0, s). For s in (2/3, 2] every 1 rounds
    // to s and 10 clips to s: MSE(s) = (100(1 − s)² + (10 − s)²)/101, minimal at s = 110/101, where
    // MSE = (100·(9/101)² + (900/101)²)/101 ≈ 0.794. For s > 2 the ones round to 0 (MSE ≥ 100/101).
    const x = new Float32Array(101).fill(1);
    x[100] = 10;
    const scheme = symmetric('int2');
    const r = mmseClip(x, scheme);
    expect(r.clip.hi).toBeCloseTo(110 / 101, 4);
    expect(r.params.scale).toBeCloseTo(110 / 101, 4);
    const sStar = 110 / 101;
    expect(r.mse).toBeCloseTo((100 * (1 - sStar) ** 2 + (10 - sStar) ** 2) / 101, 5);
    // Min-max keeps the outlier: scale 10, all ones round to 0.
    const mm = chooseAffine(x, scheme, { method: 'minmax' });
    expect(mm.scale).toBe(10);
    expect(schemeMse(scheme, x, mm)).toBeCloseTo(100 / 101, 6);
  });

  it('matches a brute-force clip search on Gaussian samples (int3, int4)', () => {
    for (const bits of [3, 4]) {
      const x = gaussianSample(4000, 11 + bits);
      let absMax = 0;
      for (const v of x) absMax = Math.max(absMax, Math.abs(v));
      let brute = Infinity;
      for (let i = 1; i <= 4000; i++) brute = Math.min(brute, ownMse(x, (absMax * i) / 4000, bits));
      const r = mmseClip(x, symmetric(`int${bits}`));
      expect(ownMse(x, r.clip.hi, bits) / r.mse).toBeCloseTo(1, 6);
      expect(r.mse).toBeLessThanOrEqual(brute * (1 + 1e-3));
    }
  });

  it('has lower error than min-max on a heavy-tailed (Laplace) sample, in every format', () => {
    const x = laplaceSample(8000, 5);
    for (const format of ['int4', 'int8', 'uint4', 'fp4-e2m1', 'fp8-e4m3', 'posit<6,1>']) {
      const fmt = parseFormat(format);
      const scheme = makeScheme(fmt, { symmetric: fmt.signed, narrow: true });
      const mmse = schemeMse(scheme, x, chooseAffine(x, scheme, { method: 'mmse' }));
      const minmax = schemeMse(scheme, x, chooseAffine(x, scheme, { method: 'minmax' }));
      expect(mmse, format).toBeLessThanOrEqual(minmax);
    }
    // At 4 bits the clipping gain on Laplace data is large (well over 2×).
    const int4 = symmetric('int4');
    expect(schemeMse(int4, x, chooseAffine(x, int4, { method: 'mmse' }))).toBeLessThan(
      0.5 * schemeMse(int4, x, chooseAffine(x, int4, { method: 'minmax' })),
    );
  });

  it('on large inputs searches a histogram (uniform) or a sample (floating) and still lands on the optimum', () => {
    const x = laplaceSample(100_000, 13);
    expect(x.length).toBeGreaterThan(MMSE_EXACT_MAX);
    for (const format of ['int4', 'int8', 'uint4', 'fp8-e4m3']) {
      const fmt = parseFormat(format);
      const scheme = makeScheme(fmt, { symmetric: fmt.signed, narrow: true });
      const found = scheme.mse(x, mmseClip(x, scheme).params);
      // the same search over every value
      const full = minMaxClip(x, scheme.symmetric);
      const exact = minimizeFraction(
        (t) => scheme.mse(x, scheme.params({ lo: full.lo * t, hi: full.hi * t })),
        64,
        20,
      ).value;
      expect(found / exact, format).toBeLessThan(1.01);
    }
    // the histogram keeps Σ w·v and the count exactly
    const h = histogramOf(x, 512);
    expect(h.weights.reduce((a, b) => a + b, 0)).toBe(x.length);
    expect(h.values.reduce((a, v, i) => a + v * h.weights[i]!, 0)).toBeCloseTo(
      x.reduce((a, b) => a + b, 0),
      6,
    );
  });

  it('is exact when the values lie on the format grid', () => {
    // int3 narrow: levels −3…3; values k·0.25 for k in −3…3 are exact at scale 0.25.
    const x = Float32Array.from([-3, -2, -1, 0, 1, 2, 3, 3, -3], (k) => k * 0.25);
    const r = mmseClip(x, symmetric('int3'));
    expect(r.mse).toBe(0);
    expect(r.params.scale).toBe(0.25);
    // fp4-e2m1's finite values scaled by 0.5: min-max gives scale 3/6 = 0.5 and zero error.
    const fp4 = Float32Array.from([0, 0.5, 1, 1.5, 2, 3, 4, 6, -6, -0.5], (v) => v * 0.5);
    const scheme = symmetric('fp4-e2m1');
    const p = chooseAffine(fp4, scheme, { method: 'mmse' });
    expect(p.scale).toBe(0.5);
    expect(schemeMse(scheme, fp4, p)).toBe(0);
  });

  it('picks powers of two with scaleKind pow2, never worse than the min-max power of two', () => {
    const x = laplaceSample(5000, 9);
    for (const format of ['int4', 'fp8-e4m3']) {
      const scheme = makeScheme(parseFormat(format), { symmetric: true, narrow: true, scaleKind: 'pow2' });
      const mm = chooseAffine(x, scheme, { method: 'minmax' });
      const r = chooseAffine(x, scheme, { method: 'mmse' });
      expect(Number.isInteger(Math.log2(mm.scale))).toBe(true);
      expect(Number.isInteger(Math.log2(r.scale))).toBe(true);
      // min-max: the smallest power of two not clipping max |x|
      let absMax = 0;
      for (const v of x) absMax = Math.max(absMax, Math.abs(v));
      const fmax = parseFormat(format).maxValue;
      expect(mm.scale).toBe(2 ** Math.ceil(Math.log2(absMax / fmax)));
      expect(schemeMse(scheme, x, r)).toBeLessThanOrEqual(schemeMse(scheme, x, mm));
    }
  });

  it('searches asymmetric ranges for unsigned formats, zero point on the grid', () => {
    const x = Float32Array.from(laplaceSample(5000, 3), (v) => Math.abs(v) - 0.5);
    const scheme = makeScheme(parseFormat('uint4'), { symmetric: false });
    const p = chooseAffine(x, scheme, { method: 'mmse' });
    expect(Number.isInteger(p.zeroPoint)).toBe(true);
    expect(p.zeroPoint).toBeGreaterThanOrEqual(0);
    expect(p.zeroPoint).toBeLessThanOrEqual(15);
    expect(schemeMse(scheme, x, p)).toBeLessThan(
      schemeMse(scheme, x, chooseAffine(x, scheme, { method: 'minmax' })),
    );
    // Real 0 is exactly representable.
    expect(scheme.fakeQuant(0, p)).toBe(0);
  });
});

describe('round trips', () => {
  it('the MSE of every format uses its own rounding (posits never round to 0)', () => {
    const x = laplaceSample(3000, 21);
    for (const format of [
      'posit<8,1>',
      'posit<6,0>',
      'fp8-e4m3',
      'fp4-e2m1',
      'pow2<4>',
      'ternary',
      'int4',
      'fixed<2,3>',
    ]) {
      const fmt = parseFormat(format);
      const scheme = makeScheme(fmt, { symmetric: true });
      const p = scheme.params({ lo: -4, hi: 4 });
      let own = 0;
      for (const v of x) own += (v - fmt.quantize(Math.fround(v / p.scale)) * p.scale) ** 2;
      expect(schemeMse(scheme, x, p) / (own / x.length), format).toBeCloseTo(1, 9);
    }
    // posit<8,1>: a tiny positive value goes to minpos, not 0
    const posit = parseFormat('posit<8,1>');
    const values = sortedFiniteValues(posit);
    const zero = values.indexOf(0);
    const th = roundingThresholds(posit);
    expect(th[zero]).toBeLessThan(1e-300); // 0 → minpos threshold
    expect(th[zero - 1]).toBeGreaterThan(-1e-300); // −minpos → 0 threshold
    expect(schemeMse(makeScheme(posit, { symmetric: true }), [1e-9], { scale: 1, zeroPoint: 0 })).toBeCloseTo(
      (values[zero + 1]! - 1e-9) ** 2,
      20,
    );
    // an ordinary format: midpoints
    // an ordinary format: the midpoints (ties go to the even neighbour, so −1.5 and 0.5 stay below)
    const int2 = Array.from(roundingThresholds(parseFormat('int2')));
    [-1.5, -0.5, 0.5].forEach((m, k) => {
      expect(int2[k]).toBeCloseTo(m, 12);
    });
    expect(int2[0]).toBeGreaterThan(-1.5);
    expect(int2[2]).toBeGreaterThan(0.5);
  });
});

describe('percentile clipping', () => {
  // 1 … 1000 in a shuffled order.
  const rand = lcg(42);
  const values = Array.from({ length: 1000 }, (_, i) => i + 1);
  for (let i = values.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [values[i], values[j]] = [values[j]!, values[i]!];
  }
  const x = Float32Array.from(values);

  it('takes the nearest-rank order statistic', () => {
    expect(percentile(x, 99)).toBe(990); // rank ⌈990⌉
    expect(percentile(x, 99.95)).toBe(1000); // rank ⌈999.5⌉ = 1000
    expect(percentile(x, 99.91)).toBe(1000); // rank ⌈999.1⌉ = 1000
    expect(percentile(x, 99.9)).toBe(999); // rank ⌈999⌉
    expect(percentile(x, 0.05)).toBe(1); // rank at least 1
    expect(percentile(x, 100)).toBe(1000);
  });

  it('clips symmetric ranges at the percentile of |x| and asymmetric ones at both tails', () => {
    const signed = Float32Array.from(x, (v, i) => (i % 2 === 0 ? v : -v));
    expect(percentileClip(signed, true, 99)).toEqual({ lo: -990, hi: 990 });
    expect(percentileClip(x, false, 99)).toEqual({ lo: 10, hi: 990 }); // ranks ⌈10⌉ and ⌈990⌉
    const scheme = symmetric('int8');
    expect(chooseAffine(signed, scheme, { method: 'percentile', percentile: 99 }).scale).toBe(
      Math.fround(990 / 127),
    );
  });
});

describe('minimizeFraction', () => {
  it('finds the minimum of a parabola to golden-section precision', () => {
    const r = minimizeFraction((t) => (t - 0.3141) ** 2, 16, 30);
    expect(r.t).toBeCloseTo(0.3141, 6);
  });

  it('prefers the larger t on a flat function', () => {
    expect(minimizeFraction(() => 1, 8, 4).t).toBe(1);
  });
});

describe('wide floating formats stay unscaled (regression: bf16 scale 1e-39 overflowed every product)', () => {
  it('fp16 and bf16 keep scale 1 inside their range; fp8 maps the clip onto its max', () => {
    const clip = { lo: -3, hi: 5 };
    expect(makeScheme(parseFormat('bf16'), { symmetric: true }).params(clip)).toEqual({
      scale: 1,
      zeroPoint: 0,
    });
    expect(makeScheme(parseFormat('fp16'), { symmetric: true }).params(clip)).toEqual({
      scale: 1,
      zeroPoint: 0,
    });
    // scales are float32, as an ONNX scale tensor stores them
    expect(makeScheme(parseFormat('fp8-e4m3fn'), { symmetric: true }).params(clip).scale).toBe(
      Math.fround(5 / 448),
    );
  });
  it('a clip beyond fp16 range scales down onto its max', () => {
    expect(makeScheme(parseFormat('fp16'), { symmetric: true }).params({ lo: 0, hi: 131008 }).scale).toBe(2);
  });
});
