/**
 * Formats whose multiplier degenerates: binary (±1), ternary (−1, 0, +1) and power-of-two weights.
 * All are sign-magnitude: the top bit is the sign.
 *
 * - binary, 1 bit: code 0 = +1, code 1 = −1 (the bit is a sign bit). XNOR of two codes is 1 exactly
 *   when the product is +1, so XNOR-popcount works unchanged. x = 0 ties to +1 (the even code),
 *   matching sign(0) = +1 of BinaryNet / QONNX BipolarQuant.
 * - ternary, 2 bits [sign, magnitude]: 00 = 0, 01 = +1, 11 = −1, 10 = −0.
 * - pow2⟨b⟩, b bits [sign, E (b−1 bits)]: E = 0 is ±0, otherwise ±2^(E − Emax) with
 *   Emax = 2^(b−1) − 1, so the largest magnitude is 1 and the smallest 2^(1 − Emax).
 */

import type { GridSource } from './grid.js';
import type { Pow2Spec } from './spec.js';

export function decodeBinary(code: number): number {
  return code === 0 ? 1 : -1;
}

export function decodeTernary(code: number): number {
  const magnitude = code & 1;
  return code >= 2 ? -magnitude : magnitude;
}

export function pow2MaxExponentField(spec: Pow2Spec): number {
  return 2 ** (spec.bits - 1) - 1;
}

export function decodePow2(spec: Pow2Spec, code: number): number {
  const eMax = pow2MaxExponentField(spec);
  const sign = code > eMax ? -1 : 1;
  const e = code & eMax;
  return e === 0 ? sign * 0 : sign * 2 ** (e - eMax);
}

export function binarySource(): GridSource {
  return { name: 'binary', bits: 1, decode: decodeBinary, nanCode: undefined };
}

export function ternarySource(): GridSource {
  return { name: 'ternary', bits: 2, decode: decodeTernary, nanCode: undefined };
}

export function pow2Source(name: string, spec: Pow2Spec): GridSource {
  return { name, bits: spec.bits, decode: (c) => decodePow2(spec, c), nanCode: undefined };
}
