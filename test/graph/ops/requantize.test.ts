import { describe, expect, it } from 'vitest';
import type { QuantSpec } from '../../../src/graph/ir.js';
import { ft, node, problemsOf, run, shapesOf } from './helpers.js';

const rq = (to: QuantSpec) => node('requantize', { to });

describe('requantize', () => {
  it('int8, scale 0.5: round half to even, saturate to [−128, 127]', () => {
    // x / 0.5 = [0.52, −1.48, 200, −200, 0.5, 1.5, 2.5] → [1, −1, 127, −128, 0, 2, 2] → × 0.5
    const y = run(rq({ format: 'int8', scale: 0.5, zeroPoint: 0 }), [
      ft([7], [0.26, -0.74, 100, -100, 0.25, 0.75, 1.25]),
    ]);
    expect(Array.from(y.data)).toEqual([0.5, -0.5, 63.5, -64, 0, 1, 1]);
  });

  it('uint8 with zero point 128', () => {
    // round(x) + 128 saturated to [0, 255]: −200 → 0, 0.5 → 128, 1.5 → 130, 127.6 → 256 → 255; minus 128
    const y = run(rq({ format: 'uint8', scale: 1, zeroPoint: 128 }), [ft([4], [-200, 0.5, 1.5, 127.6])]);
    expect(Array.from(y.data)).toEqual([-128, 0, 2, 127]);
  });

  it('per-channel scales along axis 0', () => {
    // row 0 scale 1: 1.4 → 1, 2.6 → 3; row 1 scale 0.25: 0.3/0.25 = 1.2 → 1, 0.4/0.25 = 1.6 → 2
    const y = run(rq({ format: 'int8', scale: [1, 0.25], zeroPoint: 0, axis: 0 }), [
      ft([2, 2], [1.4, 2.6, 0.3, 0.4]),
    ]);
    expect(Array.from(y.data)).toEqual([1, 3, 0.25, 0.5]);
  });

  it('fp8-e4m3fn: 1.0625 is a tie between 1 and 1.125 and rounds to the even mantissa', () => {
    // E4M3 has 3 mantissa bits: values near 1 are spaced 1/8; 500 saturates to the max finite 448
    const y = run(rq({ format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 }), [ft([3], [1.0625, 1.1875, 500])]);
    expect(Array.from(y.data)).toEqual([1, 1.25, 448]);
  });

  it('shape passes through; validation of format, scales and granularity', () => {
    expect(shapesOf(rq({ format: 'int4', scale: 0.1, zeroPoint: 0 }), [[1, 8, 4, 4]])).toEqual([
      [1, 8, 4, 4],
    ]);
    const bad = problemsOf(rq({ format: 'int99', scale: 0.1, zeroPoint: 0 }), [[4]]);
    expect(bad.length).toBe(1);
    expect(bad[0]).toMatch(/^attrs\.to\.format: got "int99"; expected /);
    expect(
      problemsOf(rq({ format: 'int8', scale: [0.1, 0.2, 0.3], zeroPoint: 0, axis: 1 }), [[1, 8, 4, 4]]),
    ).toEqual(['attrs.to.scale: got 3 scales; expected 1 or 8 (one per index of axis 1)']);
    expect(problemsOf(rq({ format: 'int8', scale: [0.1, -1], zeroPoint: [0, 0, 0] }), [[2]])).toEqual([
      'attrs.to.scale: got [0.1,-1]; expected a positive finite number or a non-empty list of them',
    ]);
    expect(
      problemsOf(rq({ format: 'int8', scale: [0.1, 0.2], zeroPoint: [0, 0, 0], axis: 0 }), [[2]]),
    ).toEqual(['attrs.to.zeroPoint: got 3 zero points; expected 1 or 2 (one per scale)']);
    // blocked: [4, 6] with blocks of 4 along axis 1 → scale shape [4, ceil(6/4) = 2] = 8 scales
    const blocked = {
      format: 'int8',
      scale: new Array<number>(8).fill(0.5),
      zeroPoint: 0,
      axis: 1,
      blockSize: 4,
    };
    expect(problemsOf(rq(blocked), [[4, 6]])).toEqual([]);
    expect(problemsOf(rq({ ...blocked, scale: [0.5, 0.5] }), [[4, 6]])).toEqual([
      "attrs.to.scale: got 2 scales; expected 1 or 8 (x's shape with dim 1 = ceil(6 / 4))",
    ]);
  });
});
