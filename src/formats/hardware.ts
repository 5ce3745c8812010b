/**
 * What a MAC of each format needs in silicon (see HardwareDescriptor in types.ts). The rules:
 * - integers / fixed point: an n×n array multiplier, nothing else; fixed point records its
 *   fraction bits for binary-point alignment.
 * - minifloat ExMy: the multiplier sees the significand, y + 1 bits (hidden bit included); the
 *   product exponent needs an (x + 1)-bit adder; accumulating products needs an alignment shifter
 *   as wide as the product significand, 2(y + 1) bits, and a normalizer (leading-zero count).
 * - posit⟨n, es⟩: a regime decoder in front; significand = max fraction bits + 1 = n − es − 2 (at
 *   least 1); the scale exponent spans ±(n − 2)·2^es, i.e. a signed field of
 *   ceil(log2((n − 2)·2^es + 1)) + 1 bits; adder, shifter and normalizer as for a minifloat.
 * - binary: XNOR + popcount; ternary: sign-select (add / subtract / skip) on a sign and a magnitude
 *   bit; pow2: a shifter driven by the (b − 1)-bit exponent field, significand 1 bit (the hidden 1).
 */

import type { HardwareDescriptor } from './types.js';
import type { FormatSpec, MinifloatSpec, PositSpec } from './spec.js';
import { specBits } from './spec.js';
import { minifloatHasInfinity, minifloatHasNaN } from './minifloat.js';
import { positMaxFractionBits, positMaxScale } from './posit.js';

const NONE = {
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
} as const;

function minifloatHardware(spec: MinifloatSpec): HardwareDescriptor {
  const significand = spec.man + 1;
  return {
    ...NONE,
    kind: 'minifloat',
    totalBits: specBits(spec),
    signed: true,
    multiplierInputBits: significand,
    exponentBits: spec.exp,
    exponentAdderBits: spec.exp + 1,
    alignmentShifterBits: 2 * significand,
    normalizer: true,
    hasInfinity: minifloatHasInfinity(spec),
    hasNaN: minifloatHasNaN(spec),
    hasSubnormals: spec.man > 0,
  };
}

function positHardware(spec: PositSpec): HardwareDescriptor {
  const significand = positMaxFractionBits(spec) + 1;
  const scaleBits = Math.ceil(Math.log2(positMaxScale(spec) + 1)) + 1;
  return {
    ...NONE,
    kind: 'posit',
    totalBits: spec.bits,
    signed: true,
    multiplierInputBits: significand,
    exponentBits: scaleBits,
    exponentAdderBits: scaleBits + 1,
    alignmentShifterBits: 2 * significand,
    normalizer: true,
    decoder: 'posit-regime',
    hasNaN: true,
  };
}

export function hardwareOf(spec: FormatSpec): HardwareDescriptor {
  const totalBits = specBits(spec);
  switch (spec.kind) {
    case 'int':
      return { ...NONE, kind: 'int', totalBits, signed: spec.signed, multiplierInputBits: spec.bits };
    case 'fixed':
      return {
        ...NONE,
        kind: 'fixed',
        totalBits,
        signed: spec.signed,
        multiplierInputBits: totalBits,
        fractionBits: spec.fracBits,
      };
    case 'binary':
      return {
        ...NONE,
        kind: 'binary',
        totalBits,
        signed: true,
        multiplierInputBits: 1,
        multiplierKind: 'xnor-popcount',
      };
    case 'ternary':
      return {
        ...NONE,
        kind: 'ternary',
        totalBits,
        signed: true,
        multiplierInputBits: 2,
        multiplierKind: 'sign-select',
      };
    case 'pow2':
      return {
        ...NONE,
        kind: 'pow2',
        totalBits,
        signed: true,
        multiplierInputBits: 1,
        exponentBits: spec.bits - 1,
        multiplierKind: 'shifter',
      };
    case 'minifloat':
      return minifloatHardware(spec);
    case 'posit':
      return positHardware(spec);
  }
}
