/**
 * IEEE 754 binary32, computed directly on bit patterns (2^32 codes are too many for a table).
 * Round-to-nearest-even is Math.fround; the other modes step one ulp with the bit pattern.
 */

import type { EncodeOptions } from './types.js';
import { codeError, type Codec } from './grid.js';
import { encodeBeyond, pickHigh, resolveOptions, type OverflowSide } from './rounding.js';

const scratch = new DataView(new ArrayBuffer(4));

export function float32Bits(f: number): number {
  scratch.setFloat32(0, f);
  return scratch.getUint32(0);
}

export function float32FromBits(bits: number): number {
  scratch.setUint32(0, bits);
  return scratch.getFloat32(0);
}

export const FLOAT32_MAX = float32FromBits(0x7f7fffff);
const FLOAT32_MIN_SUBNORMAL = 2 ** -149;
const NAN_CODE = 0x7fc00000;
const SIGN = 0x80000000;

const UPPER: OverflowSide = {
  extremeCode: 0x7f7fffff,
  extremeValue: FLOAT32_MAX,
  virtualValue: 2 ** 128,
  overflowCode: 0x7f800000,
};
const LOWER: OverflowSide = {
  extremeCode: 0xff7fffff,
  extremeValue: FLOAT32_MAX,
  virtualValue: 2 ** 128,
  overflowCode: 0xff800000,
};

/** The next float32 above a finite float32 f (−0 and +0 both step to the smallest subnormal). */
function nextUp(f: number): number {
  if (f === 0) return FLOAT32_MIN_SUBNORMAL;
  const b = float32Bits(f);
  return float32FromBits(f > 0 ? b + 1 : b - 1);
}

function nextDown(f: number): number {
  return -nextUp(-f);
}

export function encodeFloat32(x: number, opts?: EncodeOptions): number {
  if (Number.isNaN(x)) return NAN_CODE;
  const r = resolveOptions(opts);
  if (x > FLOAT32_MAX) return encodeBeyond(x, false, UPPER, UPPER.extremeCode, r);
  if (x < -FLOAT32_MAX) return encodeBeyond(-x, true, LOWER, LOWER.extremeCode, r);
  const f = Math.fround(x);
  if (f === x || r.mode === 'nearest-even') return float32Bits(f);
  const lo = f < x ? f : nextDown(f);
  const hi = f < x ? nextUp(f) : f;
  const loBits = float32Bits(lo);
  const hiBits = float32Bits(hi);
  const up = pickHigh(x, lo, hi, (lo + hi) / 2, loBits, hiBits, r);
  const chosen = up ? hi : lo;
  // A zero result keeps the sign of x (IEEE: round-toward results of underflow are signed).
  if (chosen === 0) return x < 0 ? SIGN : 0;
  return up ? hiBits : loBits;
}

export function decodeFloat32(code: number): number {
  if (!Number.isInteger(code) || code < 0 || code > 0xffffffff) throw codeError('fp32', 32, code);
  return float32FromBits(code);
}

export const float32Codec: Codec = { encode: encodeFloat32, decode: decodeFloat32 };
