/** quantizeLinear / dequantizeLinear: granularity, float32 arithmetic, options and errors. */

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/units/errors.js';
import { Rng } from '../../src/units/index.js';
import { dequantizeLinear, quantizeLinear, type QuantParams } from '../../src/formats/index.js';
import type { QuantSpec } from '../../src/graph/ir.js';

// QuantParams (formats) must stay structurally identical to QuantSpec (graph/ir.ts): both
// directions must type-check, with the same keys.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const quantParamsMatchQuantSpec: [Same<QuantParams, QuantSpec>, Same<keyof QuantParams, keyof QuantSpec>] = [
  true,
  true,
];

const q = (
  x: readonly number[],
  shape: readonly number[],
  p: QuantParams,
  opts?: Parameters<typeof quantizeLinear>[3],
) => Array.from(quantizeLinear(Float32Array.from(x), shape, p, opts));

function issuePaths(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof InputError) return e.issues.map((i) => i.path);
    throw e;
  }
  throw new Error('expected an InputError');
}

describe('QuantParams', () => {
  it('is the same type as graph QuantSpec', () => {
    expect(quantParamsMatchQuantSpec).toEqual([true, true]);
  });
});

describe('granularity', () => {
  // shape [2,3], axis 1: column j has scale [1,2,4][j] and zero point [0,10,−5][j].
  // (0,0) 1.5/1 = 1.5 → 2;  (0,1) 3/2 = 1.5 → 2, +10 = 12;  (0,2) −8.5/4 = −2.125 → −2, −5 = −7 (249)
  // (1,0) 2.5 → 2 (even); (1,1) −4/2 = −2, +10 = 8;           (1,2) 100/4 = 25, −5 = 20
  const perAxis: QuantParams = { format: 'int8', scale: [1, 2, 4], zeroPoint: [0, 10, -5], axis: 1 };
  const x = [1.5, 3, -8.5, 2.5, -4, 100];

  it('per axis', () => {
    expect(q(x, [2, 3], perAxis)).toEqual([2, 12, 249, 2, 8, 20]);
    expect(q(x, [2, 3], { ...perAxis, axis: -1 })).toEqual([2, 12, 249, 2, 8, 20]);
    // axis defaults to 1, as in ONNX
    const { axis: _axis, ...noAxis } = perAxis;
    expect(q(x, [2, 3], noAxis)).toEqual([2, 12, 249, 2, 8, 20]);
    // back: (2−0)·1, (12−10)·2, (−7+5)·4, (2−0)·1, (8−10)·2, (20+5)·4
    const y = dequantizeLinear(Uint32Array.from([2, 12, 249, 2, 8, 20]), [2, 3], perAxis);
    expect(Array.from(y)).toEqual([2, 4, -8, 2, -4, 100]);
  });

  it('per tensor (a single scale ignores axis)', () => {
    // 7/2 = 3.5 → 4, −7/2 = −3.5 → −4 (252), 1/2 = 0.5 → 0
    expect(q([7, -7, 1], [3], { format: 'int8', scale: [2], zeroPoint: [0], axis: 0 })).toEqual([4, 252, 0]);
    expect(q([7, -7, 1], [3], { format: 'int8', scale: 2, zeroPoint: 0 })).toEqual([4, 252, 0]);
  });

  it('blocked along axis 0 with a partial last block', () => {
    // blocks {0,1}, {2,3}, {4}: scales 1, 10, 100 → 1, 2, 1.5 → 2, 2.6 → 3, 2.5 → 2
    const p: QuantParams = { format: 'uint8', scale: [1, 10, 100], zeroPoint: 0, axis: 0, blockSize: 2 };
    expect(q([1, 2, 15, 26, 250], [5], p)).toEqual([1, 2, 2, 3, 2]);
  });

  it('blocked along axis 1 of a matrix (scale shape [2, 2])', () => {
    // row 0: cols {0,1} scale 1, col 2 scale 2; row 1: cols {0,1} scale 10, col 2 scale 20
    const p: QuantParams = { format: 'int8', scale: [1, 2, 10, 20], zeroPoint: 0, axis: 1, blockSize: 2 };
    expect(q([1, 2, 3, 10, 20, 30], [2, 3], p)).toEqual([1, 2, 2, 1, 2, 2]);
    expect(Array.from(dequantizeLinear(Uint32Array.from([1, 2, 2, 1, 2, 2]), [2, 3], p))).toEqual([
      1, 2, 4, 10, 20, 40,
    ]);
  });
});

describe('float32 arithmetic as ONNX does it', () => {
  it('divides in float32 before rounding', () => {
    // x = 1.5000004768371582 and s = 1.0000003576278687 are float32. In fp64 x/s = 1.49999994…
    // (→ 1), but the float32 quotient is exactly 1.5, which ties to 2.
    expect(q([1.5000004768371582], [1], { format: 'int8', scale: 1.0000003576278687, zeroPoint: 0 })).toEqual(
      [2],
    );
  });

  it('adds the zero point after rounding', () => {
    // 3/2 = 1.5 → 2, then + 32767 = 32769 (rounding 1.5 + 32767 = 32768.5 would give 32768).
    expect(q([3], [1], { format: 'uint16', scale: 2, zeroPoint: 32767 })).toEqual([32769]);
  });

  it('rounds a float16 output from the float32 product', () => {
    // 19 · s (s = 0.002165945013985038, a float32) = 0.04115295526…; float32 gives
    // 0.0411529541015625 = 1348.5 · 2^−15, a tie between the fp16 values 1348 and 1349 · 2^−15,
    // so fp16 gets 1348 · 2^−15 = 0.0411376953125 (from the exact product it would be 1349 · 2^−15).
    const p: QuantParams = { format: 'int8', scale: 0.002165945013985038, zeroPoint: 0 };
    expect(dequantizeLinear(Uint32Array.from([19]), [1], p, { output: 'float16' })[0]).toBe(0.0411376953125);
    // overflow of the output type gives infinity (numpy astype): 127 · 1000 > 65504
    const big: QuantParams = { format: 'int8', scale: 1000, zeroPoint: 0 };
    expect(dequantizeLinear(Uint32Array.from([127]), [1], big, { output: 'float16' })[0]).toBe(Infinity);
    // bf16: 257 lies halfway between 256 and 258 → 256 (even mantissa)
    const b: QuantParams = { format: 'int16', scale: 1, zeroPoint: 0 };
    expect(dequantizeLinear(Uint32Array.from([257]), [1], b, { output: 'bfloat16' })[0]).toBe(256);
  });

  it('keeps −0 for float8 but not for fp4 (ONNX adds the fp4 zero point)', () => {
    expect(q([-0], [1], { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 })).toEqual([0x80]);
    expect(q([-0], [1], { format: 'fp4-e2m1', scale: 1, zeroPoint: 0 })).toEqual([0]);
    expect(q([-0.1], [1], { format: 'fp4-e2m1', scale: 1, zeroPoint: 0 })).toEqual([8]);
  });
});

describe('options and other formats', () => {
  it('float8 saturate=0 (overflow wrap) gives NaN / inf', () => {
    expect(
      q([1000, -1000], [2], { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 }, { overflow: 'wrap' }),
    ).toEqual([0x7f, 0xff]);
    expect(q([1e6], [1], { format: 'fp8-e5m2', scale: 1, zeroPoint: 0 }, { overflow: 'wrap' })).toEqual([
      0x7c,
    ]);
    expect(q([1e6], [1], { format: 'fp8-e5m2', scale: 1, zeroPoint: 0 })).toEqual([0x7b]);
  });

  it('integers can wrap on request', () => {
    expect(q([130], [1], { format: 'int8', scale: 1, zeroPoint: 0 }, { overflow: 'wrap' })).toEqual([130]);
    expect(q([130], [1], { format: 'int8', scale: 1, zeroPoint: 0 })).toEqual([127]);
  });

  it('fixed point rounds to its step, then adds the zero point', () => {
    // fixed<4,4>: step 1/16. 0.03125 = 0.5 steps → 0; 0.09375 = 1.5 steps → 2; 100 saturates (127).
    expect(q([0.03125, 0.09375, 100], [3], { format: 'fixed<4,4>', scale: 1, zeroPoint: 0 })).toEqual([
      0, 2, 127,
    ]);
    // zero point 0.5 (8 steps): 0.03125 → 0 steps → 0.5 → code 8
    expect(q([0.03125], [1], { format: 'fixed<4,4>', scale: 1, zeroPoint: 0.5 })).toEqual([8]);
  });

  it('stochastic rounding is reproducible with a seeded rng', () => {
    const x = Array.from({ length: 64 }, (_, i) => i / 7);
    const run = (seed: number) => {
      const rng = new Rng(seed);
      return q(
        x,
        [64],
        { format: 'int8', scale: 1, zeroPoint: 0 },
        { rounding: 'stochastic', rng: () => rng.next() },
      );
    };
    expect(run(5)).toEqual(run(5));
    expect(run(5)).not.toEqual(run(6));
  });

  it('works with posits and pow2', () => {
    // posit<8,1>: 2200 / 1 lies above the midpoint 2048 between 1024 and 4096 → 0x7f
    expect(q([2200], [1], { format: 'posit<8,1>', scale: 1, zeroPoint: 0 })).toEqual([0x7f]);
    // pow2<4>: 3 / 4 = 0.75 ties between 0.5 (code 6) and 1 (code 7) → 6
    expect(q([3], [1], { format: 'pow2<4>', scale: 4, zeroPoint: 0 })).toEqual([6]);
  });
});

describe('bad input', () => {
  const ok: QuantParams = { format: 'int8', scale: [1, 2, 4], zeroPoint: 0, axis: 1 };
  it('names the offending field', () => {
    expect(issuePaths(() => q([1, 2, 3], [2, 2], ok))).toEqual(['shape']);
    expect(issuePaths(() => q([1, 2, 3, 4], [2, 2], ok))).toEqual(['quant.scale']);
    expect(issuePaths(() => q([1], [1], { format: 'int8', scale: 0, zeroPoint: 0 }))).toEqual([
      'quant.scale[0]',
    ]);
    expect(issuePaths(() => q([1], [1], { format: 'int8', scale: -1, zeroPoint: 0 }))).toEqual([
      'quant.scale[0]',
    ]);
    expect(issuePaths(() => q([1], [1], { format: 'int8', scale: NaN, zeroPoint: 0 }))).toEqual([
      'quant.scale[0]',
    ]);
    expect(issuePaths(() => q([1], [1], { format: 'int8', scale: 1, zeroPoint: 200 }))).toEqual([
      'quant.zeroPoint[0]',
    ]);
    expect(issuePaths(() => q([1], [1], { format: 'int8', scale: 1, zeroPoint: 1.5 }))).toEqual([
      'quant.zeroPoint[0]',
    ]);
    expect(issuePaths(() => q([1], [1], { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 1 }))).toEqual([
      'quant.zeroPoint[0]',
    ]);
    expect(issuePaths(() => q([1, 2, 3], [1, 3], { ...ok, zeroPoint: [0, 0] }))).toEqual(['quant.zeroPoint']);
    expect(issuePaths(() => q([1, 2, 3], [1, 3], { ...ok, axis: 2 }))).toEqual(['quant.axis']);
    expect(issuePaths(() => q([1, 2, 3], [3], { ...ok, axis: 0, blockSize: 2 }))).toEqual(['quant.scale']);
    expect(issuePaths(() => q([1, NaN], [2], { format: 'int8', scale: 1, zeroPoint: 0 }))).toEqual(['x[1]']);
    expect(issuePaths(() => q([1], [1], { format: 'int9x', scale: 1, zeroPoint: 0 }))).toEqual([
      'quant.format',
    ]);
    expect(
      issuePaths(() =>
        dequantizeLinear(Uint32Array.from([300]), [1], { format: 'int8', scale: 1, zeroPoint: 0 }),
      ),
    ).toEqual(['code']);
  });
  it('maps NaN to the NaN code where there is one', () => {
    expect(q([NaN], [1], { format: 'fp8-e4m3fn', scale: 1, zeroPoint: 0 })).toEqual([0x7f]);
    expect(q([NaN], [1], { format: 'posit<8,0>', scale: 1, zeroPoint: 0 })).toEqual([0x80]);
  });
});

describe('binary tensors (zero point 0 is the only one, though 0 is not a binary value)', () => {
  it('quantize to ±1 codes and dequantize back, per channel', () => {
    const p: QuantParams = { format: 'binary', scale: [0.5, 2], zeroPoint: 0, axis: 1 };
    // code 0 = +1, code 1 = −1 (docs/formats.md); x = 0 rounds to +1 (ties to the code 0 side).
    expect(q([0.3, -4, -0.1, 7], [2, 2], p)).toEqual([0, 1, 1, 0]);
    expect(Array.from(dequantizeLinear(Uint32Array.from([0, 1, 1, 0]), [2, 2], p))).toEqual([
      0.5, -2, -0.5, 2,
    ]);
  });
  it('still refuse a non-zero zero point', () => {
    expect(issuePaths(() => q([1], [1], { format: 'binary', scale: 1, zeroPoint: 1 }))).toEqual([
      'quant.zeroPoint[0]',
    ]);
  });
});
