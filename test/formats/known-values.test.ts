/**
 * Known values, derived by hand from each format's bit layout (derivations in the comments), never
 * from the code under test.
 */

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/units/errors.js';
import { parseFormat, sortedFiniteValues, type NumberFormat } from '../../src/formats/index.js';
import { f32bits } from './helpers.js';

const wrap = { overflow: 'wrap' } as const;

function decodeAll(fmt: NumberFormat, codes: readonly number[]): number[] {
  return codes.map((c) => fmt.decode(c));
}

describe('fp8-e4m3fn (OCP E4M3, ONNX FLOAT8E4M3FN: bias 7, no inf, NaN = S.1111.111)', () => {
  const f = parseFormat('fp8-e4m3fn');
  it('decodes hand-derived codes', () => {
    expect(f.decode(0x7e)).toBe(448); // 0.1111.110: 1.75 · 2^(15−7)
    expect(f.decode(0x38)).toBe(1); // 0.0111.000: 2^(7−7)
    expect(f.decode(0x08)).toBe(2 ** -6); // smallest normal: 2^(1−7)
    expect(f.decode(0x01)).toBe(2 ** -9); // subnormal 0.001 · 2^(1−7)
    expect(f.decode(0xfe)).toBe(-448);
    expect(Object.is(f.decode(0x80), -0)).toBe(true);
    expect(f.decode(0x7f)).toBeNaN();
    expect(f.decode(0xff)).toBeNaN();
    expect(f.decode(0x78)).toBe(256); // 0.1111.000 is a number, not infinity
    expect(f.maxValue).toBe(448);
    expect(f.minPositive).toBe(2 ** -9);
  });
  it('saturates by default and overflows to NaN with wrap (ONNX saturate=0)', () => {
    expect(f.encode(1000)).toBe(0x7e);
    expect(f.encode(-1000)).toBe(0xfe);
    expect(f.encode(Infinity)).toBe(0x7e);
    expect(f.encode(1000, wrap)).toBe(0x7f);
    expect(f.encode(-1000, wrap)).toBe(0xff);
    expect(f.encode(Infinity, wrap)).toBe(0x7f);
    // 464 is halfway between 448 (mantissa 110, even) and the would-be 480 (111): ties to 448.
    expect(f.encode(464, wrap)).toBe(0x7e);
    expect(f.encode(464.5, wrap)).toBe(0x7f);
    expect(f.encode(NaN)).toBe(0x7f);
  });
  it('rounds to nearest even between neighbours', () => {
    // 1 + 1/16 is halfway between 1 (0x38, even) and 1.125 (0x39): 0x38.
    expect(f.encode(1 + 1 / 16)).toBe(0x38);
    // 1.125 + 1/16 is halfway between 0x39 (odd) and 1.25 (0x3a): 0x3a.
    expect(f.encode(1.125 + 1 / 16)).toBe(0x3a);
    expect(f.encode(-0)).toBe(0x80);
    expect(f.encode(-(2 ** -11))).toBe(0x80); // below half the smallest subnormal: −0
  });
});

describe('fp8-e5m2 (OCP E5M2: bias 15, IEEE specials)', () => {
  const f = parseFormat('fp8-e5m2');
  it('decodes hand-derived codes', () => {
    expect(f.decode(0x7b)).toBe(57344); // 0.11110.11: 1.75 · 2^(30−15)
    expect(f.decode(0x7c)).toBe(Infinity);
    expect(f.decode(0xfc)).toBe(-Infinity);
    expect(f.decode(0x7d)).toBeNaN();
    expect(f.decode(0x3c)).toBe(1);
    expect(f.decode(0x01)).toBe(2 ** -16); // 0.01 · 2^(1−15)
    expect(f.maxValue).toBe(57344);
  });
  it('overflows to infinity with IEEE ties (wrap) and saturates by default', () => {
    // 61440 is halfway between 57344 (mantissa 11, odd) and 65536 (the infinity code, even).
    expect(f.encode(61440, wrap)).toBe(0x7c);
    expect(f.encode(61439, wrap)).toBe(0x7b);
    expect(f.encode(-61440, wrap)).toBe(0xfc);
    expect(f.encode(1e9)).toBe(0x7b);
    expect(f.encode(-Infinity)).toBe(0xfb);
    expect(f.encode(-Infinity, wrap)).toBe(0xfc);
    // IEEE directed rounding: toward zero never overflows, ceil of a positive overflow does.
    expect(f.encode(1e9, { overflow: 'wrap', rounding: 'toward-zero' })).toBe(0x7b);
    expect(f.encode(1e9, { overflow: 'wrap', rounding: 'ceil' })).toBe(0x7c);
    expect(f.encode(-1e9, { overflow: 'wrap', rounding: 'ceil' })).toBe(0xfb);
    expect(f.encode(-1e9, { overflow: 'wrap', rounding: 'floor' })).toBe(0xfc);
  });
});

describe('fp8-e4m3 (IEEE-like E4M3: max exponent reserved)', () => {
  const f = parseFormat('fp8-e4m3');
  it('has max 240, inf at 0x78 and NaN above', () => {
    expect(f.decode(0x77)).toBe(240); // 0.1110.111: 1.875 · 2^(14−7)
    expect(f.decode(0x78)).toBe(Infinity);
    expect(f.decode(0x79)).toBeNaN();
    expect(f.maxValue).toBe(240);
    // 248 is halfway between 240 (odd mantissa) and 256 (infinity code, even).
    expect(f.encode(248, wrap)).toBe(0x78);
    expect(f.encode(248)).toBe(0x77);
  });
});

describe('fp4-e2m1 (OCP MX FP4, bias 1, finite only)', () => {
  const f = parseFormat('fp4-e2m1');
  it('has the grid {0, .5, 1, 1.5, 2, 3, 4, 6} and its negatives', () => {
    // codes 0..7: E=00 subnormal 0, 0.5; E=01: 1, 1.5; E=10: 2, 3; E=11: 4, 6.
    expect(decodeAll(f, [0, 1, 2, 3, 4, 5, 6, 7])).toEqual([0, 0.5, 1, 1.5, 2, 3, 4, 6]);
    expect(decodeAll(f, [9, 10, 11, 12, 13, 14, 15])).toEqual([-0.5, -1, -1.5, -2, -3, -4, -6]);
    expect(Object.is(f.decode(8), -0)).toBe(true);
    expect(Array.from(sortedFiniteValues(f))).toEqual([
      -6, -4, -3, -2, -1.5, -1, -0.5, 0, 0.5, 1, 1.5, 2, 3, 4, 6,
    ]);
  });
  it('ties to even codes and saturates (no inf/NaN even with wrap)', () => {
    expect(f.encode(5)).toBe(6); // 4 (0110) vs 6 (0111)
    expect(f.encode(2.5)).toBe(4); // 2 (0100) vs 3 (0101)
    expect(f.encode(0.25)).toBe(0); // 0 vs 0.5 (0001)
    expect(f.encode(0.75)).toBe(2); // 0.5 (0001) vs 1 (0010)
    expect(f.encode(100)).toBe(7);
    expect(f.encode(100, wrap)).toBe(7);
    expect(f.encode(-100, wrap)).toBe(15);
    expect(() => f.encode(NaN)).toThrow(InputError);
  });
});

describe('fp6 (OCP MX, finite only)', () => {
  it('fp6-e3m2: bias 3, max 28, smallest subnormal 1/16', () => {
    const f = parseFormat('fp6-e3m2');
    expect(f.decode(0b011111)).toBe(28); // 0.111.11: 1.75 · 2^(7−3)
    expect(f.decode(0b000001)).toBe(1 / 16); // 0.01 · 2^(1−3)
    expect(f.decode(0b001100)).toBe(1); // 0.011.00: 2^(3−3)
    expect(f.decode(0b111111)).toBe(-28);
    expect(f.maxValue).toBe(28);
  });
  it('fp6-e2m3: bias 1, max 7.5, smallest subnormal 1/8', () => {
    const f = parseFormat('fp6-e2m3');
    expect(f.decode(0b011111)).toBe(7.5); // 0.11.111: 1.875 · 2^(3−1)
    expect(f.decode(0b000001)).toBe(1 / 8); // 0.001 · 2^0
    expect(f.decode(0b001000)).toBe(1); // 0.01.000
    expect(f.maxValue).toBe(7.5);
  });
});

describe('hfp8 and shortfloat8', () => {
  it('hfp8-fwd: E4M3, bias 11, fnuz (NaN = 0x80, no −0, no inf), max 30', () => {
    const f = parseFormat('hfp8-fwd');
    expect(f.decode(0x7f)).toBe(30); // 0.1111.111: 1.875 · 2^(15−11)
    expect(f.decode(0x58)).toBe(1); // 0.1011.000: 2^(11−11)
    expect(f.decode(0x01)).toBe(2 ** -13); // 0.001 · 2^(1−11)
    expect(f.decode(0x80)).toBeNaN();
    expect(f.decode(0xff)).toBe(-30);
    expect(f.encode(-0)).toBe(0);
    expect(f.encode(-(2 ** -20))).toBe(0);
    expect(f.encode(NaN)).toBe(0x80);
    expect(f.encode(100)).toBe(0x7f);
    // 31 is halfway between 30 (odd mantissa 111) and the would-be 32 (even): overflow → NaN.
    expect(f.encode(31, wrap)).toBe(0x80);
    expect(f.encode(30.9, wrap)).toBe(0x7f);
  });
  it('hfp8-bwd: 1-5-2 with bias 15 and IEEE specials, the same format as fp8-e5m2', () => {
    const f = parseFormat('hfp8-bwd');
    expect(f).toBe(parseFormat('fp8-e5m2'));
    expect(f.maxValue).toBe(57344);
  });
  it('shortfloat8: E4M3, bias 7, no inf/NaN, max 480', () => {
    const f = parseFormat('shortfloat8');
    expect(f.decode(0x7f)).toBe(480); // 0.1111.111: 1.875 · 2^(15−7)
    expect(f.decode(0xff)).toBe(-480);
    expect(f.decode(0x78)).toBe(256);
    expect(f.encode(1e6, wrap)).toBe(0x7f);
    expect(() => f.encode(NaN)).toThrow(InputError);
  });
});

describe('bf16 and fp16 against hand-derived bit patterns', () => {
  const bf = parseFormat('bf16');
  const h = parseFormat('fp16');
  it('bf16', () => {
    expect(bf.encode(1)).toBe(0x3f80);
    expect(bf.encode(-2)).toBe(0xc000);
    // 0.1 = 1.6 · 2^−4: exponent 123 = 0111 1011; 0.6 = .1001100|11001… rounds up → 1001101.
    expect(bf.encode(0.1)).toBe(0x3dcd);
    // π = 1.5708 · 2^1: exponent 128; .5708 = .1001001|0000111… rounds down.
    expect(bf.encode(Math.PI)).toBe(0x4049);
    // 1 + 2^−8 is halfway between 0x3f80 (even) and 0x3f81; 1 + 3·2^−8 between 0x3f81 and 0x3f82.
    expect(bf.encode(1 + 2 ** -8)).toBe(0x3f80);
    expect(bf.encode(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(bf.decode(0x7f7f)).toBe((2 - 2 ** -7) * 2 ** 127);
    expect(bf.decode(0x7f80)).toBe(Infinity);
    expect(bf.decode(0x0001)).toBe(2 ** -133); // subnormal 2^−7 · 2^(1−127)
  });
  it('fp16', () => {
    expect(h.encode(1)).toBe(0x3c00);
    expect(h.encode(65504)).toBe(0x7bff);
    expect(h.encode(2 ** -24)).toBe(0x0001);
    // 0.1 = 1.6 · 2^−4: exponent 11 = 01011; .6 = .1001100110|0110… rounds down.
    expect(h.encode(0.1)).toBe(0x2e66);
    // 1/3 = 1.333 · 2^−2: exponent 13 = 01101; .333 = .0101010101|0101… rounds down.
    expect(h.encode(1 / 3)).toBe(0x3555);
    expect(h.encode(-2)).toBe(0xc000);
    // 65520 is halfway between 65504 (0x7bff, odd) and 65536 (inf 0x7c00, even).
    expect(h.encode(65520, wrap)).toBe(0x7c00);
    expect(h.encode(65519, wrap)).toBe(0x7bff);
    expect(h.encode(65520)).toBe(0x7bff);
    // subnormal ties: 2^−25 between 0 and 2^−24 → 0; 1.5 · 2^−24 between 0x0001 and 0x0002 → 0x0002.
    expect(h.encode(2 ** -25)).toBe(0x0000);
    expect(h.encode(-(2 ** -25))).toBe(0x8000);
    expect(h.encode(1.5 * 2 ** -24)).toBe(0x0002);
    expect(h.decode(0x7e00)).toBeNaN();
    expect(h.encode(NaN)).toBe(0x7e00);
  });
});

describe('fp32 against Math.fround', () => {
  const f = parseFormat('fp32');
  it('encodes every double as Math.fround does (IEEE overflow with wrap)', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true }), (x) => {
        expect(f.encode(x, wrap)).toBe(f32bits(Math.fround(x)));
      }),
      { numRuns: 2000 },
    );
  });
  it('round-trips float32 bit patterns', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (bits) => {
        const v = f.decode(bits);
        if (Number.isNaN(v)) return;
        expect(f.encode(v)).toBe(bits);
      }),
      { numRuns: 2000 },
    );
  });
  it('handles directed modes and saturation', () => {
    // 0.1 as float32 is 0x3dcccccd (rounded up), so toward zero / floor give 0x3dcccccc.
    expect(f.encode(0.1)).toBe(0x3dcccccd);
    expect(f.encode(0.1, { rounding: 'toward-zero' })).toBe(0x3dcccccc);
    expect(f.encode(0.1, { rounding: 'floor' })).toBe(0x3dcccccc);
    expect(f.encode(0.1, { rounding: 'ceil' })).toBe(0x3dcccccd);
    expect(f.encode(-0.1, { rounding: 'ceil' })).toBe(0xbdcccccc);
    expect(f.encode(1e-50, { rounding: 'ceil' })).toBe(0x00000001);
    expect(f.encode(-1e-50, { rounding: 'ceil' })).toBe(0x80000000);
    expect(f.encode(1e39)).toBe(0x7f7fffff);
    expect(f.encode(1e39, wrap)).toBe(0x7f800000);
    expect(f.encode(Infinity)).toBe(0x7f7fffff);
    expect(f.encode(-Infinity, wrap)).toBe(0xff800000);
    expect(f.encode(NaN)).toBe(0x7fc00000);
    expect(() => f.decode(2 ** 32)).toThrow(InputError);
  });
});

describe('integers and fixed point', () => {
  it('int8: two’s complement, round half even, saturate or wrap', () => {
    const f = parseFormat('int8');
    expect(f.decode(0x80)).toBe(-128);
    expect(f.decode(0x7f)).toBe(127);
    expect(f.decode(0xff)).toBe(-1);
    expect(f.encode(2.5)).toBe(2);
    expect(f.encode(3.5)).toBe(4);
    expect(f.encode(-2.5)).toBe(0xfe);
    expect(f.encode(127.5)).toBe(0x7f); // rounds to 128 then saturates
    expect(f.encode(300)).toBe(0x7f);
    expect(f.encode(300, wrap)).toBe(44); // 300 − 256
    expect(f.encode(-129, wrap)).toBe(0x7f); // −129 + 256 = 127
    expect(f.encode(-Infinity, wrap)).toBe(0x80);
    expect(f.encode(-0)).toBe(0);
    expect(() => f.encode(NaN)).toThrow(InputError);
  });
  it('int8 rounding modes', () => {
    const f = parseFormat('int8');
    expect(f.encode(2.7, { rounding: 'toward-zero' })).toBe(2);
    expect(f.encode(-2.7, { rounding: 'toward-zero' })).toBe(0xfe);
    expect(f.encode(-2.5, { rounding: 'floor' })).toBe(0xfd);
    expect(f.encode(-2.5, { rounding: 'ceil' })).toBe(0xfe);
    expect(f.encode(2.5, { rounding: 'nearest-away' })).toBe(3);
    expect(f.encode(-2.5, { rounding: 'nearest-away' })).toBe(0xfd);
  });
  it('uint8, int1, uint1', () => {
    expect(parseFormat('uint8').encode(-1, wrap)).toBe(255);
    expect(parseFormat('uint8').encode(-1)).toBe(0);
    expect(decodeAll(parseFormat('int1'), [0, 1])).toEqual([0, -1]);
    expect(decodeAll(parseFormat('uint1'), [0, 1])).toEqual([0, 1]);
  });
  it('int32 and uint32 (accumulator widths, no table)', () => {
    const f = parseFormat('int32');
    expect(f.decode(0x80000000)).toBe(-(2 ** 31));
    expect(f.decode(0xffffffff)).toBe(-1);
    expect(f.encode(-1)).toBe(0xffffffff);
    expect(f.encode(2 ** 31)).toBe(0x7fffffff);
    expect(f.encode(2 ** 31, wrap)).toBe(0x80000000);
    expect(f.encode(2.5)).toBe(2);
    expect(() => f.decode(2 ** 32)).toThrow(InputError);
    expect(parseFormat('uint32').encode(-1, wrap)).toBe(0xffffffff);
  });
  it('fixed<4,4> is Q4.4: k/16 for k in −128..127', () => {
    const f = parseFormat('fixed<4,4>');
    expect(f.decode(0x80)).toBe(-8);
    expect(f.decode(0x7f)).toBe(7.9375);
    expect(f.decode(0x01)).toBe(0.0625);
    expect(f.encode(0.03125)).toBe(0); // half of 1/16: tie to k = 0
    expect(f.encode(0.09375)).toBe(2); // 1.5/16: tie to k = 2
    expect(f.encode(100)).toBe(0x7f);
    expect(f.encode(8, wrap)).toBe(0x80); // k = 128 wraps to −128
    expect(f.hardware.fractionBits).toBe(4);
  });
  it('ufixed<0,8> is 0.8 unsigned', () => {
    const f = parseFormat('ufixed<0,8>');
    expect(f.decode(255)).toBe(255 / 256);
    expect(f.encode(-1)).toBe(0);
  });
});

describe('binary, ternary, pow2', () => {
  it('binary: code 0 = +1, code 1 = −1, 0 goes to +1', () => {
    const f = parseFormat('binary');
    expect(decodeAll(f, [0, 1])).toEqual([1, -1]);
    expect(f.encode(0)).toBe(0);
    expect(f.encode(-0)).toBe(0);
    expect(f.encode(-0.001)).toBe(1);
    expect(f.encode(5)).toBe(0);
    expect(f.encode(-5)).toBe(1);
  });
  it('ternary: sign-magnitude 00 = 0, 01 = +1, 11 = −1, 10 = −0', () => {
    const f = parseFormat('ternary');
    expect(decodeAll(f, [0, 1, 3])).toEqual([0, 1, -1]);
    expect(Object.is(f.decode(2), -0)).toBe(true);
    expect(f.encode(0.5)).toBe(0); // tie between 0 (code 00) and 1 (code 01)
    expect(f.encode(0.6)).toBe(1);
    expect(f.encode(-0.6)).toBe(3);
    expect(f.encode(-0.4)).toBe(2); // rounds to zero, keeps the sign
  });
  it('pow2<4>: sign + 3-bit exponent E, value ±2^(E−7), E = 0 is zero', () => {
    const f = parseFormat('pow2<4>');
    expect(decodeAll(f, [0, 1, 6, 7, 15])).toEqual([0, 2 ** -6, 0.5, 1, -1]);
    expect(Object.is(f.decode(8), -0)).toBe(true);
    expect(f.encode(0.75)).toBe(6); // halfway between 0.5 (E=6, even) and 1 (E=7)
    expect(f.encode(0.76)).toBe(7);
    expect(f.encode(2)).toBe(7);
    expect(f.encode(2 ** -8)).toBe(0); // below 2^−7, the midpoint of 0 and 2^−6
    expect(f.encode(-0.3)).toBe(8 + 5); // −0.25 = −2^(5−7)
  });
});

describe('stochastic rounding needs an rng', () => {
  it('throws an InputError without one', () => {
    expect(() => parseFormat('int8').encode(0.5, { rounding: 'stochastic' })).toThrow(InputError);
  });
});
