/** parseFormat, listFormats, formatSummary, valueGrid and the hardware descriptors. */

import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/units/errors.js';
import {
  formatSummary,
  listFormats,
  parseFormat,
  sortedFiniteValues,
  valueGrid,
} from '../../src/formats/index.js';

describe('parseFormat', () => {
  it('accepts every listed example and gives canonical names', () => {
    for (const entry of listFormats()) {
      expect(() => parseFormat(entry.example), entry.example).not.toThrow();
    }
    const canonical: readonly [string, string][] = [
      ['int8', 'int8'],
      ['INT8', 'int8'],
      [' uint 4 ', 'uint4'],
      ['int1', 'int1'],
      ['uint16', 'uint16'],
      ['int32', 'int32'],
      ['fixed<16,16>', 'fixed<16,16>'],
      ['Fixed< 4, 4 >', 'fixed<4,4>'],
      ['ufixed<0,8>', 'ufixed<0,8>'],
      ['FP8-E4M3FN', 'fp8-e4m3fn'],
      ['minifloat<4,3,fn>', 'fp8-e4m3fn'],
      ['minifloat<4,3>', 'fp8-e4m3'],
      ['minifloat<5,2,ieee>', 'fp8-e5m2'],
      ['hfp8-bwd', 'fp8-e5m2'],
      ['minifloat<4,3,fnuz,bias=11>', 'hfp8-fwd'],
      ['minifloat<4,3,bias=11,fnuz>', 'hfp8-fwd'],
      ['minifloat<4,3,finite>', 'shortfloat8'],
      ['minifloat<4,3,finite,bias=7>', 'shortfloat8'],
      ['minifloat<4,3,finite,bias=8>', 'minifloat<4,3,finite,bias=8>'],
      ['minifloat<2,1,finite>', 'fp4-e2m1'],
      ['minifloat<5,10>', 'fp16'],
      ['minifloat<8,7,ieee>', 'bf16'],
      ['BF16', 'bf16'],
      ['fp32', 'fp32'],
      ['Posit<8, 0>', 'posit<8,0>'],
      ['posit<16,1>', 'posit<16,1>'],
      ['pow2<4>', 'pow2<4>'],
      ['Binary', 'binary'],
      ['ternary', 'ternary'],
    ];
    for (const [text, name] of canonical) expect(parseFormat(text).name, text).toBe(name);
  });

  it('returns one shared object per canonical name', () => {
    expect(parseFormat('int8')).toBe(parseFormat(' INT8 '));
    expect(parseFormat('minifloat<4,3,fn>')).toBe(parseFormat('fp8-e4m3fn'));
  });

  it('rejects bad names with an InputError naming the text and listing the valid forms', () => {
    const bad = [
      'int0',
      'int33',
      'uint64',
      'float8',
      'fixed<0,4>',
      'fixed<20,13>',
      'ufixed<0,0>',
      'posit<17,1>',
      'posit<8,5>',
      'posit<1,0>',
      'pow2<1>',
      'pow2<9>',
      'minifloat<9,2>',
      'minifloat<1,2,ieee>',
      'minifloat<4,12>',
      'minifloat<4,3,weird>',
      'minifloat<4,3,fn,fn>',
      'minifloat<4,3,bias=x>',
      'minifloat<4>',
      'posit<8>',
      'int8.5',
      '',
      'fp8',
    ];
    for (const text of bad) {
      let caught: unknown;
      try {
        parseFormat(text);
      } catch (e) {
        caught = e;
      }
      expect(caught, text).toBeInstanceOf(InputError);
      const issue = (caught as InputError).issues[0]!;
      expect(issue.path).toBe('format');
      expect(issue.value).toBe(JSON.stringify(text));
      expect(issue.expected).toContain('valid forms');
      expect(issue.expected).toContain('posit<n,es>');
      expect(issue.expected).toContain('fp8-e4m3fn');
    }
  });

  it('reports the caller’s path', () => {
    expect(() => parseFormat('int99', 'layers[2].weights')).toThrow(/layers\[2\]\.weights/);
  });
});

describe('listFormats', () => {
  it('lists every family and named format with a description', () => {
    const names = listFormats().map((f) => f.name);
    for (const n of [
      'intN',
      'uintN',
      'binary',
      'ternary',
      'fixed<m,n>',
      'ufixed<m,n>',
      'fp8-e4m3',
      'fp8-e4m3fn',
      'fp8-e5m2',
      'hfp8-fwd',
      'hfp8-bwd',
      'fp6-e3m2',
      'fp6-e2m3',
      'fp4-e2m1',
      'shortfloat8',
      'bf16',
      'fp16',
      'fp32',
      'posit<n,es>',
      'pow2<b>',
    ]) {
      expect(names).toContain(n);
    }
    expect(names.some((n) => n.startsWith('minifloat<'))).toBe(true);
    for (const f of listFormats()) expect(f.description.length).toBeGreaterThan(10);
  });
});

describe('formatSummary and value grids', () => {
  it('counts distinct finite values', () => {
    // e4m3fn: 256 codes − 2 NaN (0x7f, 0xff) − 1 (−0 equals +0) = 253
    expect(formatSummary(parseFormat('fp8-e4m3fn')).distinctValues).toBe(253);
    // e5m2: 256 − 6 NaN − 2 inf − 1 = 247
    expect(formatSummary(parseFormat('fp8-e5m2')).distinctValues).toBe(247);
    // hfp8-fwd (fnuz): 256 − 1 NaN, no −0
    expect(formatSummary(parseFormat('hfp8-fwd')).distinctValues).toBe(255);
    // fp16: 65536 − 2·1024 (exponent 11111) − 1 = 63487
    expect(formatSummary(parseFormat('fp16')).distinctValues).toBe(63487);
    // fp32: 2^32 − 2^24 − 1
    expect(formatSummary(parseFormat('fp32')).distinctValues).toBe(2 ** 32 - 2 ** 24 - 1);
    expect(formatSummary(parseFormat('ternary')).distinctValues).toBe(3);
    expect(formatSummary(parseFormat('int32')).distinctValues).toBe(2 ** 32);
    expect(formatSummary(parseFormat('posit<8,0>')).distinctValues).toBe(255);
    const s = formatSummary(parseFormat('fp4-e2m1'));
    expect([s.minValue, s.maxValue, s.minPositive, s.hasInfinity, s.hasNaN]).toEqual([
      -6,
      6,
      0.5,
      false,
      false,
    ]);
    expect(s.description).toContain('FP4');
  });

  it('caches grids and refuses formats above 16 bits', () => {
    const f = parseFormat('fp16');
    expect(valueGrid(f)).toBe(valueGrid(f));
    expect(valueGrid(f).length).toBe(65536);
    expect(sortedFiniteValues(f)).toBe(sortedFiniteValues(f));
    expect(() => valueGrid(parseFormat('fp32'))).toThrow(InputError);
    expect(() => valueGrid(parseFormat('int24'))).toThrow(InputError);
    expect(Array.from(sortedFiniteValues(parseFormat('int2')))).toEqual([-2, -1, 0, 1]);
  });
});

describe('hardware descriptors', () => {
  it('int8: 8-bit array multiplier, nothing else', () => {
    expect(parseFormat('int8').hardware).toEqual({
      kind: 'int',
      totalBits: 8,
      signed: true,
      multiplierInputBits: 8,
      exponentBits: 0,
      exponentAdderBits: 0,
      alignmentShifterBits: 0,
      normalizer: false,
      decoder: 'none',
      multiplierKind: 'array',
      fractionBits: 0,
      hasInfinity: false,
      hasNaN: false,
      hasSubnormals: false,
    });
  });
  it('fp8-e4m3: 4-bit significand, 5-bit exponent adder, shifter, normalizer', () => {
    const h = parseFormat('fp8-e4m3').hardware;
    expect(h.multiplierInputBits).toBe(4);
    expect(h.exponentBits).toBe(4);
    expect(h.exponentAdderBits).toBe(5);
    expect(h.alignmentShifterBits).toBe(8);
    expect(h.normalizer).toBe(true);
    expect([h.hasInfinity, h.hasNaN, h.hasSubnormals]).toEqual([true, true, true]);
    const fn = parseFormat('fp8-e4m3fn').hardware;
    expect([fn.hasInfinity, fn.hasNaN]).toEqual([false, true]);
    expect(parseFormat('fp4-e2m1').hardware.hasNaN).toBe(false);
    expect(parseFormat('fp32').hardware.multiplierInputBits).toBe(24);
    expect(parseFormat('bf16').hardware.multiplierInputBits).toBe(8);
  });
  it('posit: regime decoder, significand = max fraction bits + 1', () => {
    const h = parseFormat('posit<8,0>').hardware;
    expect(h.decoder).toBe('posit-regime');
    expect(h.multiplierInputBits).toBe(6); // 8 − 3 − 0 fraction bits + hidden bit
    expect(h.exponentBits).toBe(4); // scale in −6..6
    expect(parseFormat('posit<16,1>').hardware.multiplierInputBits).toBe(13); // 16 − 3 − 1 + 1
    expect(parseFormat('posit<16,1>').hardware.exponentBits).toBe(6); // scale in −28..28
  });
  it('binary, ternary, pow2, fixed', () => {
    expect(parseFormat('binary').hardware.multiplierKind).toBe('xnor-popcount');
    expect(parseFormat('ternary').hardware.multiplierKind).toBe('sign-select');
    expect(parseFormat('pow2<4>').hardware.multiplierKind).toBe('shifter');
    expect(parseFormat('pow2<4>').hardware.exponentBits).toBe(3);
    expect(parseFormat('fixed<2,6>').hardware.fractionBits).toBe(6);
    expect(parseFormat('fixed<2,6>').hardware.multiplierInputBits).toBe(8);
    expect(parseFormat('uint4').hardware.signed).toBe(false);
  });
});
