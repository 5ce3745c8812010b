/**
 * Minifloats: 1 sign bit, e exponent bits, m mantissa bits, exponent bias b. Exponent field 0 holds
 * zero and the subnormals (0.M · 2^(1−b)); any other exponent field E holds 1.M · 2^(E−b) unless the
 * special-value rule (spec.ts MinifloatSpecials) reserves it.
 */

import { exp2 } from './exp2.js';
import type { OverflowSide } from './rounding.js';
import type { MinifloatSpec } from './spec.js';
import type { GridSource } from './grid.js';

interface Fields {
  readonly sign: number;
  readonly exponent: number;
  readonly mantissa: number;
}

function fields(spec: MinifloatSpec, code: number): Fields {
  const m = spec.man;
  return {
    sign: Math.floor(code / 2 ** (spec.exp + m)) & 1,
    exponent: Math.floor(code / 2 ** m) & (2 ** spec.exp - 1),
    mantissa: code & (2 ** m - 1),
  };
}

function compose(spec: MinifloatSpec, sign: number, exponent: number, mantissa: number): number {
  return (sign * 2 ** spec.exp + exponent) * 2 ** spec.man + mantissa;
}

/** What a code means apart from its magnitude: NaN, ±infinity, or a finite number. */
function special(spec: MinifloatSpec, f: Fields): 'nan' | 'inf' | undefined {
  const expOnes = 2 ** spec.exp - 1;
  const manOnes = 2 ** spec.man - 1;
  switch (spec.specials) {
    case 'ieee':
      if (f.exponent !== expOnes) return undefined;
      return f.mantissa === 0 ? 'inf' : 'nan';
    case 'fn':
      return f.exponent === expOnes && f.mantissa === manOnes ? 'nan' : undefined;
    case 'fnuz':
      return f.sign === 1 && f.exponent === 0 && f.mantissa === 0 ? 'nan' : undefined;
    case 'finite':
      return undefined;
  }
}

export function decodeMinifloat(spec: MinifloatSpec, code: number): number {
  const f = fields(spec, code);
  const kind = special(spec, f);
  if (kind === 'nan') return NaN;
  if (kind === 'inf') return f.sign === 1 ? -Infinity : Infinity;
  const m = spec.man;
  const magnitude =
    f.exponent === 0
      ? f.mantissa * 2 ** (1 - spec.bias - m)
      : (2 ** m + f.mantissa) * 2 ** (f.exponent - spec.bias - m);
  return f.sign === 1 ? -magnitude : magnitude;
}

/** Exponent and mantissa fields of the largest finite positive value. */
function maxFields(spec: MinifloatSpec): { exponent: number; mantissa: number } {
  const expOnes = 2 ** spec.exp - 1;
  const manOnes = 2 ** spec.man - 1;
  switch (spec.specials) {
    case 'ieee':
      return { exponent: expOnes - 1, mantissa: manOnes };
    case 'fn':
      return spec.man === 0
        ? { exponent: expOnes - 1, mantissa: 0 }
        : { exponent: expOnes, mantissa: manOnes - 1 };
    case 'fnuz':
    case 'finite':
      return { exponent: expOnes, mantissa: manOnes };
  }
}

/** The code given to a NaN input: the positive quiet NaN (fnuz: its single NaN). */
export function minifloatNanCode(spec: MinifloatSpec): number | undefined {
  const expOnes = 2 ** spec.exp - 1;
  switch (spec.specials) {
    case 'ieee':
      return spec.man === 0 ? undefined : compose(spec, 0, expOnes, 2 ** (spec.man - 1));
    case 'fn':
      return compose(spec, 0, expOnes, 2 ** spec.man - 1);
    case 'fnuz':
      return compose(spec, 1, 0, 0);
    case 'finite':
      return undefined;
  }
}

export function minifloatHasInfinity(spec: MinifloatSpec): boolean {
  return spec.specials === 'ieee';
}

export function minifloatHasNaN(spec: MinifloatSpec): boolean {
  return minifloatNanCode(spec) !== undefined;
}

export function minifloatHasNegativeZero(spec: MinifloatSpec): boolean {
  return spec.specials !== 'fnuz';
}

/**
 * Overflow sides for overflow: 'wrap' (IEEE / ONNX saturate=0): round to ±infinity when the format
 * has it, else to NaN; finite-only formats have none and always saturate.
 */
function overflowSides(spec: MinifloatSpec): { upper?: OverflowSide; lower?: OverflowSide } {
  const nan = minifloatNanCode(spec);
  const inf = spec.specials === 'ieee' ? compose(spec, 0, 2 ** spec.exp - 1, 0) : undefined;
  if (spec.specials === 'finite') return {};
  const { exponent, mantissa } = maxFields(spec);
  const maxCode = compose(spec, 0, exponent, mantissa);
  const maxValue = decodeMinifloat(spec, maxCode);
  const ulpExponent = (exponent === 0 ? 1 : exponent) - spec.bias - spec.man;
  const virtualValue = maxValue + 2 ** ulpExponent;
  const signBit = compose(spec, 1, 0, 0);
  const upperTarget = inf ?? nan;
  // Negative overflow keeps its sign: −inf, or the negative NaN S.1…1.1…1 of fn formats.
  const lowerTarget =
    inf !== undefined ? inf + signBit : nan !== undefined && spec.specials === 'fn' ? nan + signBit : nan;
  if (upperTarget === undefined || lowerTarget === undefined) return {};
  return {
    upper: { extremeCode: maxCode, extremeValue: maxValue, virtualValue, overflowCode: upperTarget },
    lower: {
      extremeCode: maxCode + signBit,
      extremeValue: maxValue,
      virtualValue,
      overflowCode: lowerTarget,
    },
  };
}

const scratch = new DataView(new ArrayBuffer(8));

/** floor(log2(a)) for a positive normal double, from its exponent field. */
function exponentOf(a: number): number {
  scratch.setFloat64(0, a);
  return ((scratch.getUint32(0) >>> 20) & 0x7ff) - 1023;
}

/** Round half to even, t ≥ 0. */
function roundHalfEven(t: number): number {
  const f = Math.floor(t);
  const d = t - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

/**
 * Direct round-to-nearest-even for |x| ≤ max (the hot path): the positive codes of a minifloat are
 * consecutive integers in value order, so the code is the rounded count of ulps, and for m ≥ 1 the
 * parity of the rounded significand is the parity of the code. Returns −1 when x is NaN or beyond
 * max (the grid handles those).
 */
export function minifloatNearestEven(spec: MinifloatSpec, maxValue: number): (x: number) => number {
  const m = spec.man;
  const minNormal = 2 ** (1 - spec.bias);
  const subnormalScale = 2 ** (spec.bias - 1 + m);
  const signBit = 2 ** (spec.exp + m);
  const negativeZero = minifloatHasNegativeZero(spec);
  const mantissaSpan = 2 ** m;
  return (x) => {
    const a = Math.abs(x);
    if (!(a <= maxValue)) return -1;
    let magnitude: number;
    if (a < minNormal) {
      magnitude = roundHalfEven(a * subnormalScale);
    } else {
      const e = exponentOf(a);
      // e + bias ≥ 1 here; a rounded mantissa of 2^(m+1) carries into the next exponent.
      magnitude = (e + spec.bias - 1) * mantissaSpan + roundHalfEven(a * exp2(m - e));
    }
    const negative = x < 0 || (x === 0 && 1 / x < 0);
    return negative && (magnitude !== 0 || negativeZero) ? magnitude + signBit : magnitude;
  };
}

export function minifloatSource(name: string, spec: MinifloatSpec): GridSource {
  const source: GridSource = {
    name,
    bits: 1 + spec.exp + spec.man,
    decode: (code) => decodeMinifloat(spec, code),
    nanCode: minifloatNanCode(spec),
    ...overflowSides(spec),
  };
  // With m = 0 the code parity is the exponent's, not the rounded significand's: use the grid.
  if (spec.man === 0) return source;
  const { exponent, mantissa } = maxFields(spec);
  return {
    ...source,
    nearestEven: minifloatNearestEven(spec, decodeMinifloat(spec, compose(spec, 0, exponent, mantissa))),
  };
}
