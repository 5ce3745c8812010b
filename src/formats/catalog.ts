/**
 * Named formats (their specs and one-line descriptions) and the list shown by `bitcycle list formats`.
 * Sources and assumptions are in docs/formats.md.
 */

import type { FormatSpec, MinifloatSpec } from './spec.js';
import { defaultBias } from './spec.js';

function minifloat(
  exp: number,
  man: number,
  specials: MinifloatSpec['specials'],
  bias = defaultBias(exp),
): MinifloatSpec {
  return { kind: 'minifloat', exp, man, bias, specials };
}

export interface NamedFormat {
  readonly name: string;
  readonly spec: FormatSpec;
  readonly description: string;
}

/** In priority order: a spec equal to several entries is named after the first. */
export const NAMED_FORMATS: readonly NamedFormat[] = [
  {
    name: 'fp8-e4m3',
    spec: minifloat(4, 3, 'ieee'),
    description: 'FP8 E4M3, IEEE-like (bias 7, inf and NaN, max 240)',
  },
  {
    name: 'fp8-e4m3fn',
    spec: minifloat(4, 3, 'fn'),
    description: 'FP8 E4M3FN, OCP / ONNX FLOAT8E4M3FN (bias 7, no inf, NaN = S.1111.111, max 448)',
  },
  {
    name: 'fp8-e5m2',
    spec: minifloat(5, 2, 'ieee'),
    description: 'FP8 E5M2, OCP / ONNX FLOAT8E5M2 (bias 15, inf and NaN, max 57344)',
  },
  {
    name: 'hfp8-fwd',
    spec: minifloat(4, 3, 'fnuz', 11),
    description: 'IBM HFP8 forward 1-4-3 (bias 11, no inf, no -0, NaN = 1.0000.000, max 30)',
  },
  {
    name: 'hfp8-bwd',
    spec: minifloat(5, 2, 'ieee'),
    description: 'IBM HFP8 backward 1-5-2 (bias 15, inf and NaN, max 57344; same values as fp8-e5m2)',
  },
  {
    name: 'fp6-e3m2',
    spec: minifloat(3, 2, 'finite'),
    description: 'OCP MX FP6 E3M2 (bias 3, finite only, max 28)',
  },
  {
    name: 'fp6-e2m3',
    spec: minifloat(2, 3, 'finite'),
    description: 'OCP MX FP6 E2M3 (bias 1, finite only, max 7.5)',
  },
  {
    name: 'fp4-e2m1',
    spec: minifloat(2, 1, 'finite'),
    description: 'OCP MX FP4 E2M1, ONNX FLOAT4E2M1 (bias 1, finite only, max 6)',
  },
  {
    name: 'shortfloat8',
    spec: minifloat(4, 3, 'finite'),
    description: '8-bit short float without inf/NaN (Kang 2019); assumed E4M3, bias 7, max 480',
  },
  { name: 'fp16', spec: minifloat(5, 10, 'ieee'), description: 'IEEE 754 binary16' },
  { name: 'bf16', spec: minifloat(8, 7, 'ieee'), description: 'bfloat16 (float32 truncated to 16 bits)' },
  { name: 'fp32', spec: minifloat(8, 23, 'ieee'), description: 'IEEE 754 binary32' },
];

export interface FormatListing {
  /** The form a user types, with placeholders (e.g. `intN`, `posit<n,es>`). */
  readonly name: string;
  /** A concrete example of the form. */
  readonly example: string;
  readonly description: string;
}

const FAMILIES: readonly FormatListing[] = [
  {
    name: 'intN',
    example: 'int8',
    description: "signed two's complement integer, N = 1..32 bits (above 16: accumulators)",
  },
  { name: 'uintN', example: 'uint4', description: 'unsigned integer, N = 1..32 bits' },
  { name: 'binary', example: 'binary', description: '1 bit, values ±1 (code 0 = +1, 1 = -1)' },
  { name: 'ternary', example: 'ternary', description: '2 bits sign-magnitude, values -1, 0, +1' },
  {
    name: 'fixed<m,n>',
    example: 'fixed<4,4>',
    description: "signed Qm.n two's complement, m integer bits incl. sign, n fraction bits, m+n <= 32",
  },
  {
    name: 'ufixed<m,n>',
    example: 'ufixed<0,8>',
    description: 'unsigned fixed point, m integer bits, n fraction bits, m+n <= 32',
  },
];

const GENERIC: readonly FormatListing[] = [
  {
    name: 'minifloat<e,m[,ieee|fn|fnuz|finite][,bias=B]>',
    example: 'minifloat<4,3,fn>',
    description: 'sign + e exponent + m mantissa bits (1+e+m <= 16), special values as chosen (default ieee)',
  },
  {
    name: 'posit<n,es>',
    example: 'posit<8,1>',
    description: 'posit (2022 Posit Standard rules), n = 2..16 bits, es = 0..4 exponent bits',
  },
  {
    name: 'pow2<b>',
    example: 'pow2<4>',
    description: 'power-of-two weights: sign + (b-1)-bit exponent, zero code, max 1, b = 2..8',
  },
];

export function formatListings(): readonly FormatListing[] {
  const named = NAMED_FORMATS.map((f) => ({ name: f.name, example: f.name, description: f.description }));
  return [...FAMILIES, ...named, ...GENERIC];
}

/** One line listing every valid form, for parse errors. */
export const VALID_FORMS =
  'intN or uintN (N = 1..32), binary, ternary, fixed<m,n> or ufixed<m,n> (m+n <= 32), ' +
  NAMED_FORMATS.map((f) => f.name).join(', ') +
  ', minifloat<e,m[,ieee|fn|fnuz|finite][,bias=B]> (1+e+m <= 16), posit<n,es> (n = 2..16, es = 0..4), ' +
  'pow2<b> (b = 2..8)';
