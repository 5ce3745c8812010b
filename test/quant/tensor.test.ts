import { describe, expect, it } from 'vitest';
import { parseFormat, quantizeLinear } from '../../src/formats/index.js';
import {
  applySpec,
  binarize,
  channelSlices,
  chooseActivationSpec,
  quantizeWeights,
  ternarize,
  type TensorQuantOptions,
} from '../../src/quant/index.js';

const int8PerChannel = (axis: number): TensorQuantOptions => ({
  format: 'int8',
  granularity: 'per-channel',
  axis,
  symmetric: true,
  narrow: true,
  method: 'minmax',
});

describe('per-channel weight scales', () => {
  it('are max |w_c| / 127 along axis 0 (conv), with exact stored integers', () => {
    // 3 output channels × 4 values; channel maxima 2.54, 0.127, 12.7
    const w = Float32Array.from([1, -2.54, 0.5, 0, 0.1, 0.127, -0.05, 0.001, 12.7, -3, 6, 1]);
    const q = quantizeWeights(w, [3, 4], int8PerChannel(0));
    expect(q.quant).toEqual({
      format: 'int8',
      scale: [2.54, 0.127, 12.7].map((m) => Math.fround(m / 127)),
      zeroPoint: 0,
      axis: 0,
      narrow: true,
    });
    const scales = q.quant.scale as number[];
    q.stored.forEach((k, i) => {
      expect(Number.isInteger(k)).toBe(true);
      expect(Math.abs(k)).toBeLessThanOrEqual(127);
      const s = scales[Math.floor(i / 4)]!;
      expect(k).toBe(Math.round(w[i]! / s) + 0);
      expect(q.data[i]).toBe(Math.fround(k * s));
    });
    // Each channel's largest magnitude is the extreme code.
    expect([q.stored[1], q.stored[5], q.stored[8]]).toEqual([-127, 127, 127]);
  });

  it('use axis 1 for dense weights [K, units]', () => {
    const w = Float32Array.from([1, -4, 0.5, 2, -3, 1]); // [3, 2]: column maxima 3 and 4
    const q = quantizeWeights(w, [3, 2], int8PerChannel(1));
    expect(q.quant.scale).toEqual([Math.fround(3 / 127), Math.fround(4 / 127)]);
    expect(q.quant.axis).toBe(1);
    expect(Array.from(q.stored)).toEqual([42, -127, 21, 64, -127, 32]);
  });

  it('per-tensor uses one scale; stored values are formats/quantizeLinear codes, decoded', () => {
    const w = Float32Array.from([0.3, -0.7, 0.1, 0.05]);
    const q = quantizeWeights(w, [2, 2], { ...int8PerChannel(0), granularity: 'per-tensor', format: 'int4' });
    expect(q.quant.scale).toBe(Math.fround(0.7 / 7));
    const fmt = parseFormat('int4');
    const codes = quantizeLinear(w, [2, 2], q.quant);
    expect(Array.from(q.stored)).toEqual(Array.from(codes, (c) => fmt.decode(c)));
    expect(Array.from(q.stored)).toEqual([3, -7, 1, 0]); // 0.5 rounds half to even
  });

  it('channelSlices gathers strided channels', () => {
    const x = Float32Array.from({ length: 12 }, (_, i) => i); // [2, 3, 2]
    expect(channelSlices(x, [2, 3, 2], 1).map((s) => Array.from(s))).toEqual([
      [0, 1, 6, 7],
      [2, 3, 8, 9],
      [4, 5, 10, 11],
    ]);
  });
});

describe('binary and ternary weights', () => {
  it('binary: α = mean |w| per channel, stored = sign(w) (XNOR-Net)', () => {
    expect(binarize([1, -2, 3, -4])).toEqual({ stored: Float64Array.from([1, -1, 1, -1]), scale: 2.5 });
    const w = Float32Array.from([1, -2, 3, -4, 0, 0.5, -0.25, 0.25]); // [2, 4]
    const q = quantizeWeights(w, [2, 4], { ...int8PerChannel(0), format: 'binary' });
    expect(q.quant.scale).toEqual([2.5, Math.fround(0.25)]);
    expect(Array.from(q.stored)).toEqual([1, -1, 1, -1, 1, 1, -1, 1]);
    expect(Array.from(q.data)).toEqual([2.5, -2.5, 2.5, -2.5, 0.25, 0.25, -0.25, 0.25]);
  });

  it('ternary: Δ = 0.7 · mean |w|, α = mean |w| above Δ (TWN)', () => {
    // mean |w| = 3.05 / 5 = 0.61, Δ = 0.427: −0.9, 0.5, 1.5 survive, α = 2.9 / 3.
    const t = ternarize([0.1, -0.9, 0.5, 1.5, -0.05]);
    expect(Array.from(t.stored)).toEqual([0, -1, 1, 1, 0]);
    expect(t.scale).toBe(Math.fround(2.9 / 3));
    const q = quantizeWeights(Float32Array.from([0.1, -0.9, 0.5, 1.5, -0.05]), [5], {
      ...int8PerChannel(0),
      granularity: 'per-tensor',
      format: 'ternary',
    });
    expect(q.quant.scale).toBe(Math.fround(2.9 / 3));
    expect(Array.from(q.data)).toEqual([0, -1, 1, 1, 0].map((k) => Math.fround(k * Math.fround(2.9 / 3))));
  });

  it('all-zero channels get scale 1 (a valid QuantSpec)', () => {
    expect(binarize([0, 0]).scale).toBe(1);
    expect(ternarize([0, 0]).scale).toBe(1);
  });
});

describe('activation specs', () => {
  it('asymmetric uint8 over [−1, 3]: scale 4/255, zero point round(1/scale) = 64', () => {
    const sample = Float32Array.from([-1, 0, 1, 2, 3]);
    const spec = chooseActivationSpec(
      sample,
      { min: -1, max: 3 },
      { format: 'uint8', symmetric: false, method: 'minmax' },
    );
    expect(spec).toEqual({ format: 'uint8', scale: Math.fround(4 / 255), zeroPoint: 64 });
    const q = applySpec(sample, [5], spec);
    expect(Array.from(q.stored)).toEqual([0, 64, 128, 191, 255]);
  });

  it('the range includes 0 (relu outputs: zero point 0) and symmetric int8 uses max |x| / 127', () => {
    const sample = Float32Array.from([0.5, 2, 1]);
    expect(
      chooseActivationSpec(
        sample,
        { min: 0.5, max: 2 },
        { format: 'uint8', symmetric: false, method: 'minmax' },
      ),
    ).toEqual({
      format: 'uint8',
      scale: Math.fround(2 / 255),
      zeroPoint: 0,
    });
    expect(
      chooseActivationSpec(
        Float32Array.from([-3, 1]),
        { min: -3, max: 1 },
        { format: 'int8', symmetric: true, method: 'minmax' },
      ),
    ).toEqual({ format: 'int8', scale: Math.fround(3 / 127), zeroPoint: 0 });
  });

  it('uses the exact range for min-max when the sample misses the extremes', () => {
    const spec = chooseActivationSpec(
      Float32Array.from([0, 1]),
      { min: 0, max: 5.1 },
      { format: 'uint8', symmetric: false, method: 'minmax' },
    );
    expect(spec.scale).toBe(Math.fround(5.1 / 255));
  });

  it('floating formats: symmetric, zero point 0, max |x| onto the largest finite value', () => {
    const spec = chooseActivationSpec(
      Float32Array.from([-2, 448]),
      { min: -2, max: 448 },
      {
        format: 'fp8-e4m3fn',
        symmetric: false,
        method: 'minmax',
      },
    );
    expect(spec).toEqual({ format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 });
  });
});
