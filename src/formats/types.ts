/**
 * The contract every number format implements. A format maps real numbers (fp64) to codes (unsigned
 * bit patterns, 0 … 2^bits − 1) and back, bit-exactly. Scaling (scale, zero point) is not part of a
 * format: it lives in a QuantSpec (see ./quantize.ts) and is applied around encode/decode.
 */

/** How a value between two grid points is rounded. */
export type RoundingMode =
  | 'nearest-even' // round half to even (IEEE default, ONNX QuantizeLinear)
  | 'nearest-away' // round half away from zero
  | 'toward-zero' // truncate
  | 'away-from-zero' // the larger magnitude (QONNX UP)
  | 'nearest-toward-zero' // round half toward zero (QONNX HALF_DOWN)
  | 'floor'
  | 'ceil'
  | 'stochastic'; // probability proportional to distance; needs an rng

/** What happens to a value outside the representable range. */
export type OverflowMode = 'saturate' | 'wrap';

export interface EncodeOptions {
  readonly rounding?: RoundingMode;
  readonly overflow?: OverflowMode;
  /** Uniform [0,1) source for stochastic rounding (use units/Rng for determinism). */
  readonly rng?: () => number;
}

export type FormatKind = 'int' | 'fixed' | 'minifloat' | 'posit' | 'binary' | 'ternary' | 'pow2';

/**
 * What a MAC of this format needs in silicon. cost/ prices a MAC from this, never from the name.
 * Widths are in bits; zero means "not present".
 */
export interface HardwareDescriptor {
  readonly kind: FormatKind;
  readonly totalBits: number;
  readonly signed: boolean;
  /** Operand width seen by the multiplier array (integer width, or mantissa incl. hidden bit). */
  readonly multiplierInputBits: number;
  /** Exponent field width (minifloat) or maximum scale-exponent width (posit); 0 for integers. */
  readonly exponentBits: number;
  /** Exponent adder needed for a product (floating formats). */
  readonly exponentAdderBits: number;
  /** Width of the alignment shifter in an accumulate (floating formats), 0 otherwise. */
  readonly alignmentShifterBits: number;
  /** Normalizer / leading-zero counter needed after add (floating formats). */
  readonly normalizer: boolean;
  /** Extra decode logic before the multiplier: posit regime decoder, none otherwise. */
  readonly decoder: 'none' | 'posit-regime';
  /** Multiplier replaced by: XNOR+popcount (binary), sign-select (ternary), shifter (pow2). */
  readonly multiplierKind: 'array' | 'xnor-popcount' | 'sign-select' | 'shifter';
  /** Fraction bits of a fixed-point format (binary-point alignment), 0 otherwise. */
  readonly fractionBits: number;
  readonly hasInfinity: boolean;
  readonly hasNaN: boolean;
  readonly hasSubnormals: boolean;
}

export interface NumberFormat {
  /** Canonical name, parseable by parseFormat (e.g. `int8`, `fp8-e4m3fn`, `posit<8,0>`). */
  readonly name: string;
  readonly kind: FormatKind;
  /** Storage width in bits. */
  readonly bits: number;
  readonly signed: boolean;
  /** Largest finite value. */
  readonly maxValue: number;
  /** Most negative finite value. */
  readonly minValue: number;
  /** Smallest positive non-zero value. */
  readonly minPositive: number;
  /** Real number → code (0 … 2^bits − 1). NaN input gives the NaN code if any, else throws. */
  encode(x: number, opts?: EncodeOptions): number;
  /** Code → real number (NaN for NaN codes, ±Infinity for infinity codes). */
  decode(code: number): number;
  /** Round x to the nearest representable value (decode(encode(x))). */
  quantize(x: number, opts?: EncodeOptions): number;
  readonly hardware: HardwareDescriptor;
}
